"""The documents a department files: the report draft (Word and its HTML twin) and the scoring
table (Excel), written next to the appendices by ``evalkit run``.

>>> paths = write_documents(evaluate("params/dangzheng-office-2023.yaml"), Path("out"))  # doctest: +SKIP
>>> sorted(p.name for p in paths.values())                                                 # doctest: +SKIP
['绩效自评表.xlsx', '自评报告.docx', '自评报告.html']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.evaluation import Evaluation
from ..iorw import write_atomic
from ..outputs import DOCUMENT_FORMATS, REPORT_DOCX, REPORT_HTML, TABLE_XLSX

if TYPE_CHECKING:
    from .draft_docx import DocxFonts


def write_documents(ev: Evaluation, folder: Path, formats: Iterable[str] = DOCUMENT_FORMATS, *,
                    fonts: DocxFonts | None = None) -> dict[str, Path]:
    """Write the report draft and/or the scoring table of ``ev`` into ``folder``.

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
        ``"docx"`` writes ``自评报告.docx`` and its HTML twin ``自评报告.html``; ``"xlsx"`` writes
        ``绩效自评表.xlsx``.
    fonts
        The Word file's fonts; by default the 公文 fonts this machine has (``fc-list``), else Noto CJK.

    Returns
    -------
    dict[str, Path]
        ``"docx"``, ``"html"`` (the report's twin) and ``"xlsx"`` to the paths written.

    Raises
    ------
    ValueError
        An unknown format.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in DOCUMENT_FORMATS]
    if unknown:
        raise ValueError(f"unknown document format(s) {unknown}; choose from {list(DOCUMENT_FORMATS)}")
    rendered: dict[str, tuple[str, bytes]] = {}
    if "docx" in formats:
        from .draft import build_draft
        from .draft_docx import choose_fonts, installed_families, render_docx
        from .draft_html import render_html

        draft = build_draft(ev)
        fonts = fonts or choose_fonts(installed_families())
        rendered["docx"] = (REPORT_DOCX.filename, render_docx(draft, fonts=fonts))
        rendered["html"] = (REPORT_HTML.filename, render_html(draft).encode("utf-8"))
    if "xlsx" in formats:
        from ..workbook.write import render_workbook

        rendered["xlsx"] = (TABLE_XLSX.filename, render_workbook(ev))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for key, (name, data) in rendered.items():
        write_atomic(folder / name, data)
        written[key] = folder / name
    return written
