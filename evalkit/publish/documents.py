"""The documents of one department, written next to the appendices by ``evalkit run``: in the
department's voice, the report draft (``自评报告`` as Word, HTML and A4 PDF) and the scoring table
(``绩效自评表.xlsx``); in the finance bureau's voice, the ``复核意见书`` (Word, HTML and A4 PDF).

>>> paths = write_documents(evaluate("params/dangzheng-office-2023.yaml"), Path("out"))  # doctest: +SKIP
>>> sorted(p.name for p in paths.values())                                                 # doctest: +SKIP
['复核意见书.docx', '复核意见书.html', '复核意见书.pdf', '绩效自评表.xlsx', '自评报告.docx', '自评报告.html', '自评报告.pdf']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import outputs
from ..core.evaluation import Evaluation
from ..iorw import reproducible_office, write_atomic
from ..outputs import DOCUMENT_FORMATS

if TYPE_CHECKING:
    from .written_docx import DocxFonts


def write_documents(ev: Evaluation, folder: Path, formats: Iterable[str] = DOCUMENT_FORMATS, *,
                    fonts: DocxFonts | None = None) -> dict[str, Path]:
    """Write the documents of ``ev`` that ``formats`` ask for into ``folder``.

    Everything is rendered before anything is written, and each file goes to a temporary file in
    ``folder`` that is then renamed over the target, so a failure never leaves a half-written or
    mismatched document behind.

    Parameters
    ----------
    ev
        The evaluated department-year.
    folder
        Output folder; created if missing.
    formats
        Each one file type: ``"docx"``, ``"html"`` and ``"pdf"`` write ``自评报告`` and ``复核意见书`` as
        ``.docx``, ``.html`` (the Word file's twin) and A4 ``.pdf`` (printed from that page);
        ``"xlsx"`` writes ``绩效自评表.xlsx``.
    fonts
        The Word files' fonts; by default the 公文 fonts (GB/T 9704).

    Returns
    -------
    dict[str, Path]
        Each file's ``kind`` (see :mod:`evalkit.outputs`: ``docx``, ``html``, ``pdf``, ``opinion_docx``,
        ``opinion_html``, ``opinion_pdf``, ``xlsx``) to the path written.

    Raises
    ------
    ValueError
        An unknown format.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in DOCUMENT_FORMATS]
    if unknown:
        raise ValueError(f"unknown document format(s) {unknown}; choose from {list(DOCUMENT_FORMATS)}")
    rendered: dict[outputs.Output, bytes] = {}
    if {"docx", "html", "pdf"} & set(formats):
        from .draft import build_draft
        from .exporters import render_pdf
        from .opinion import build_opinion
        from .written_docx import DocxFonts, render_docx
        from .written_html import render_html

        fonts = fonts or DocxFonts()
        for document, (docx, html, pdf) in ((build_draft(ev), (outputs.REPORT_DOCX, outputs.REPORT_HTML,
                                                               outputs.REPORT_PDF)),
                                            (build_opinion(ev), (outputs.OPINION_DOCX, outputs.OPINION_HTML,
                                                                 outputs.OPINION_PDF))):
            if "docx" in formats:
                rendered[docx] = reproducible_office(render_docx(document, fonts=fonts),
                                                     ev.provenance.get("generated_at"))
            if "html" in formats or "pdf" in formats:
                page = render_html(document)  # the PDF is printed from the page
                if "html" in formats:
                    rendered[html] = page.encode("utf-8")
                if "pdf" in formats:
                    rendered[pdf] = render_pdf(page)
    if "xlsx" in formats:
        from ..workbook.write import render_workbook

        rendered[outputs.TABLE_XLSX] = render_workbook(ev)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for output, data in rendered.items():
        write_atomic(folder / output.filename, data)
        written[output.kind] = folder / output.filename
    return written
