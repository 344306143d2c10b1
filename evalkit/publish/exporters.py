"""Per-department appendices: an executed notebook rendered to offline HTML and to A4 PDF.

Two nbconvert exporters, registered as entry points in ``pyproject.toml`` so that
``jupyter nbconvert --to evalkit_html X.ipynb`` and ``--to evalkit_pdf`` work too:

* :class:`OfflineHTMLExporter` renders with the ``evalkit_html`` template shipped in
  ``evalkit/publish/templates``: no code inputs, no prompts, cells tagged ``remove_cell`` dropped, no
  external resource (no require.js, MathJax, mermaid or CDN font), Chinese font stack, tables
  that wrap instead of being cut off, and print CSS for A4.
* :class:`A4PDFExporter` renders that HTML with WeasyPrint, which embeds (subsets) the fonts it
  uses. WeasyPrint is given a URL fetcher that refuses everything but ``data:`` URLs, so
  rendering never touches the network or the file system.

:func:`export_notebook` writes both next to each other, atomically.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets import Bool, default

from ..iorw import write_atomic
from ..outputs import APPENDIX_FORMATS
from .fonts import CSS_FONT_STACK, CSS_MONO_FONT_STACK
from .markup import PAGE_CSP

__all__ = [
    "A4PDFExporter",
    "OfflineHTMLExporter",
    "css_string",
    "export_notebook",
    "external_resources",
    "render_pdf",
]

#: Folder holding the nbconvert templates shipped with evalkit.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "evalkit_html"

#: Held while WeasyPrint renders (a worker renders a department's documents in a thread of their own).
_RENDERING = threading.Lock()

#: The page formats :func:`export_notebook` renders, with their file extensions.
EXTENSIONS = {f: f".{f}" for f in APPENDIX_FORMATS}

_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.IGNORECASE)

#: Class of data cells in a text column, which the template left-aligns.
TEXT_CELL_CLASS = "evalkit-text"
_NUMERIC = re.compile(
    r"[+\-\u2212]?[¥$€]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+\-]?\d+)?\s*(%|‰|万元|元)?"
)
_PLACEHOLDERS = {"", "-", "—", "——", "–", "/", "nan", "NaN", "<NA>", "None", "NaT"}

#: Class of a table the template sets in smaller type (numbers stay whole); the exporter adds
#: it when the table's narrowest layout is wider than the A4 text column.
WIDE_TABLE_CLASS = "evalkit-wide"
#: Class of a table too wide even in smaller type: the template lets it break anywhere.
XWIDE_TABLE_CLASS = "evalkit-xwide"
#: Width of the A4 text column (178 mm) in digit widths of table text, at the normal table
#: type (9.5 pt) and at the smaller type of wide tables (7.9 pt).
WIDE_TABLE_UNITS = 95
XWIDE_TABLE_UNITS = 113
_CELL_PADDING_UNITS = 2.5
_WIDE_CELL_PADDING_UNITS = 1.5
_CJK_UNITS = 1.8
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_UNBREAKABLE = re.compile(rf"[^\s{_CJK}]+")
_HAS_CJK = re.compile(rf"[{_CJK}]")


def css_string(value: object) -> str:
    """Quote ``value`` as a CSS string literal, safe inside an HTML ``<style>`` element.

    Backslashes and double quotes are escaped; control characters and ``< > &`` become
    hexadecimal escapes, so neither a line break nor ``</style>`` can end the string or the
    element.

    Examples
    --------
    >>> css_string('党政办公室 "附件"')
    '"党政办公室 \\\\"附件\\\\""'
    >>> css_string("</style>")
    '"\\\\3c /style\\\\3e "'
    """
    out = []
    for char in str(value):
        if char in '\\"':
            out.append("\\" + char)
        elif char in "<>&" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def external_resources(html: str) -> list[str]:
    """List every resource ``html`` would load from outside itself.

    Looks at ``src``, ``srcset``, ``poster`` and ``data`` attributes, ``<link href>``, and
    ``url(...)`` and ``@import`` in ``<style>`` elements and ``style`` attributes. ``data:``
    URLs and in-page ``#fragment`` references are self-contained and not listed; hyperlinks
    (``<a href>``) are not resources and are not listed either.

    Examples
    --------
    >>> external_resources('<img src="https://example.org/a.png"><a href="https://x.org">x</a>')
    ['https://example.org/a.png']
    """
    return _external_resources(BeautifulSoup(html, features="html.parser"))


def _external_resources(soup: BeautifulSoup) -> list[str]:
    found: list[str] = []
    for tag in soup.find_all(True):
        for attr in ("src", "poster", "data"):
            if tag.get(attr):
                found.append(tag[attr])
        if tag.get("srcset"):
            candidates = re.split(r",\s+", tag["srcset"].strip())
            found.extend(part.split()[0] for part in candidates if part.strip())
        if tag.name == "link" and tag.get("href"):
            found.append(tag["href"])
        if tag.get("style"):
            found.extend(_css_references(tag["style"]))
    for style in soup.find_all("style"):
        found.extend(_css_references(style.get_text()))
    return [url for url in found if not _is_self_contained(url)]


def _css_references(css: str) -> list[str]:
    return [m.group(2) for m in _CSS_URL.finditer(css)] + [
        m.group(2) for m in _CSS_IMPORT.finditer(css)
    ]


def _is_self_contained(url: str) -> bool:
    url = url.strip()
    return url.lower().startswith("data:") or url.startswith("#") or url == ""


class OfflineHTMLExporter(HTMLExporter):
    """Export a notebook to a self-contained HTML appendix (``--to evalkit_html``).

    Code inputs and prompts are hidden, cells tagged ``remove_cell`` are dropped, images are
    embedded as ``data:`` URLs, and the page loads nothing from outside itself. The running
    header of the printed page comes from notebook metadata ``evalkit.title``, else the
    notebook name.

    Raises ``ValueError`` when the notebook itself refers to a remote resource (an output
    loading a script from a CDN, a Markdown image by URL) unless ``allow_remote_resources``
    is set.
    """

    export_from_notebook = "evalkit appendix (HTML)"

    allow_remote_resources = Bool(
        False,
        help="Let notebook content refer to remote resources instead of raising ValueError.",
    ).tag(config=True)

    @default("template_name")
    def _template_name_default(self):
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self):
        return [str(TEMPLATES_DIR)]

    @default("exclude_input")
    def _exclude_input_default(self):
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self):
        return True

    @default("embed_images")
    def _embed_images_default(self):
        return True

    def default_filters(self):
        """Add the ``css_string`` filter the template needs."""
        yield from super().default_filters()
        yield ("css_string", css_string)

    def _init_resources(self, resources):
        resources = super()._init_resources(resources)
        resources["evalkit"] = {
            "csp": PAGE_CSP,
            "font_stack": CSS_FONT_STACK,
            "mono_font_stack": CSS_MONO_FONT_STACK,
        }
        return resources

    def from_notebook_node(self, nb, resources=None, **kw):
        """Render ``nb`` to HTML; see the class docstring for what is left out."""
        if not (nb.metadata.get("evalkit") or {}).get("title"):
            title = first_heading(nb)
            if title:  # plain `papermill` + `nbconvert`: the page header still names the department
                nb = copy.deepcopy(nb)
                nb.metadata.setdefault("evalkit", {})["title"] = title
        html, resources = super().from_notebook_node(nb, resources, **kw)
        soup = BeautifulSoup(html, features="html.parser")
        if not self.allow_remote_resources:
            remote = _external_resources(soup)
            if remote:
                listed = "\n  ".join(sorted(set(remote)))
                raise ValueError(
                    "The appendix would load resources from outside itself, so it would break "
                    f"offline:\n  {listed}\nEmbed them in the notebook (e.g. display a PNG "
                    "instead of linking an image) or remove them."
                )
        if _mark_tables(soup):
            html = str(soup)
        return html, resources


def first_heading(nb) -> str | None:
    """The first level-1 Markdown heading the notebook shows, in an output or a Markdown cell."""
    for cell in nb.cells:
        texts = [cell.source] if cell.cell_type == "markdown" else [
            "".join(o.get("data", {}).get("text/markdown", "")) for o in cell.get("outputs", [])]
        for text in texts:
            for line in text.splitlines():
                if line.startswith("# "):
                    return re.sub(r"\\(.)", r"\1", line[2:]).strip()
    return None


def _mark_tables(soup: BeautifulSoup) -> int:
    """Mark tables for the template's CSS; return how many tables were changed.

    * Data cells of a column that holds text rather than numbers get :data:`TEXT_CELL_CLASS`
      (left-aligned; numbers stay right-aligned).
    * A table whose narrowest layout is wider than the page gets :data:`WIDE_TABLE_CLASS`
      (smaller type), and :data:`XWIDE_TABLE_CLASS` too when it is still wider in smaller
      type. The narrowest layout is the sum over columns of the longest unbreakable run of
      text (a number, a Latin word; CJK text breaks between characters). Wide tables keep
      their numbers whole; extra-wide ones may break inside numbers, which beats being cut
      off at the page edge.
    """
    changed = 0
    for table in soup.find_all("table"):
        widths: dict[int, float] = {}
        data_cells: dict[int, list] = {}
        for row in table.find_all("tr"):
            for index, cell in enumerate(row.find_all(["td", "th"], recursive=False)):
                text = cell.get_text()
                widths[index] = max(widths.get(index, 0.0), _min_content_units(text))
                if cell.name == "td":
                    data_cells.setdefault(index, []).append(cell)
        touched = False
        for cells in data_cells.values():
            texts = [cell.get_text().strip() for cell in cells]
            if any("num" in cell.get("class", []) for cell in cells):
                continue
            if any(text and not _NUMERIC.fullmatch(text) and text not in _PLACEHOLDERS for text in texts):
                for cell in cells:
                    cell["class"] = [*cell.get("class", []), TEXT_CELL_CLASS]
                touched = True
        classes = table.get("class", [])
        if sum(w + _CELL_PADDING_UNITS for w in widths.values()) > WIDE_TABLE_UNITS:
            classes = [*classes, WIDE_TABLE_CLASS]
        if sum(w + _WIDE_CELL_PADDING_UNITS for w in widths.values()) > XWIDE_TABLE_UNITS:
            classes = [*classes, WIDE_TABLE_CLASS, XWIDE_TABLE_CLASS]
        if classes != table.get("class", []):
            table["class"] = list(dict.fromkeys(classes))
            touched = True
        changed += touched
    return changed


def _min_content_units(text: str) -> float:
    runs = [len(run) for run in _UNBREAKABLE.findall(text)]
    cjk = _CJK_UNITS if _HAS_CJK.search(text) else 0.0
    return float(max([*runs, cjk, 0]))


class A4PDFExporter(OfflineHTMLExporter):
    """Export a notebook to an A4 PDF appendix (``--to evalkit_pdf``).

    Renders the :class:`OfflineHTMLExporter` output with WeasyPrint; see :func:`render_pdf`.
    """

    export_from_notebook = "evalkit appendix (PDF, A4)"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self):
        return ".pdf"

    @default("template_extension")
    def _template_extension_default(self):
        return ".html.j2"

    @default("raw_mimetypes")
    def _raw_mimetypes_default(self):
        return ["text/html", ""]

    def from_notebook_node(self, nb, resources=None, **kw):
        """Render ``nb`` to PDF bytes."""
        html, resources = super().from_notebook_node(nb, resources, **kw)
        resources["output_extension"] = ".pdf"
        return render_pdf(html), resources


def render_pdf(html: str) -> bytes:
    """Render self-contained HTML to PDF bytes with WeasyPrint, without any network access.

    Page size and margins come from the HTML's ``@page`` rules (A4 in the evalkit template).

    Raises
    ------
    ValueError
        The HTML refers to a resource that is not a ``data:`` URL.
    """
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    from .min_content import install

    install()  # a faster min-content width for Chinese table cells, the same PDF bytes
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_offline_fetcher_class()())
    try:
        with _RENDERING, _quiet_css_parser():  # one at a time: WeasyPrint is not documented as thread-safe
            return document.write_pdf(font_config=_font_config())
    except FatalURLFetchingError as error:
        raise ValueError(f"{error}: {error.__cause__}") from error.__cause__


@functools.cache
def _font_config():
    """One WeasyPrint font configuration per process, used under :data:`_RENDERING`: fontconfig is
    set up once instead of once per PDF (a fifth of a short document's time). The pages load no font
    of their own (``data:`` only, and none is embedded), so nothing accumulates in it; the PDFs are
    the same bytes."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


class _DropCSSParserWarnings(logging.Filter):
    """Drop WeasyPrint's notes on CSS it does not support (hundreds, from JupyterLab's CSS)."""

    def filter(self, record: logging.LogRecord) -> bool:
        parser = f"{os.sep}weasyprint{os.sep}css{os.sep}"
        return record.levelno > logging.WARNING or parser not in record.pathname


@contextlib.contextmanager
def _quiet_css_parser():
    logger = logging.getLogger("weasyprint")
    quiet = _DropCSSParserWarnings()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


@functools.cache
def _offline_fetcher_class():
    """Build the WeasyPrint URL fetcher class lazily: importing weasyprint loads Pango."""
    from weasyprint.urls import URLFetcher

    class OfflineURLFetcher(URLFetcher):
        """Fetch ``data:`` URLs only; anything else stops rendering with a clear error."""

        def __init__(self, **kwargs):
            super().__init__(allowed_protocols=("data",), fail_on_errors=True, **kwargs)

        def fetch(self, url, headers=None):
            if not url.strip().lower().startswith("data:"):
                raise PermissionError(
                    f"evalkit renders appendices offline and does not fetch {url!r}; "
                    "embed the resource as a data: URL instead"
                )
            return super().fetch(url, headers)

    return OfflineURLFetcher


_EXPORTERS = threading.local()


def _html_exporter() -> OfflineHTMLExporter:
    """One exporter per thread (a Dask worker runs departments in several): its Jinja environment
    compiles the templates once (about half a second), not once per department. It keeps no state
    between notebooks."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        exporter = _EXPORTERS.html = OfflineHTMLExporter()
    return exporter


def export_notebook(
    nb_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] = ("html", "pdf"),
    *,
    basename: str = "appendix",
) -> dict[str, Path]:
    """Render an executed notebook to appendix files in ``out_dir``.

    Every format is rendered before anything is written, and each file is written to a
    temporary file in ``out_dir`` and then renamed over the target, so a failure never leaves
    a half-written or mismatched appendix behind.

    Parameters
    ----------
    nb_path
        The executed notebook (``.ipynb``).
    out_dir
        Folder for the files; created if missing.
    formats
        Any of ``"html"`` and ``"pdf"``.
    basename
        File name without extension: ``appendix`` gives ``appendix.html`` and ``appendix.pdf``.

    Returns
    -------
    dict[str, Path]
        Format name to the path written.

    Raises
    ------
    ValueError
        An unknown format, or a notebook that refers to remote resources.

    Examples
    --------
    >>> paths = export_notebook("reports/党政办公室/evaluation.ipynb", "reports/党政办公室")
    ... # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['html', 'pdf']
    """
    formats = _checked(formats, basename)  # before the notebook is read
    nb_path = Path(nb_path)
    return _export(nbformat.read(nb_path, as_version=4), nb_path, out_dir, formats, basename)


def export_node(nb, nb_path: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                formats: Iterable[str] = ("html", "pdf"), *, basename: str = "appendix") -> dict[str, Path]:
    """:func:`export_notebook` of a notebook already in memory (``nb``, saved as ``nb_path``): what
    ``evalkit run`` calls with the notebook it has just executed, instead of reading it back."""
    return _export(nb, Path(nb_path), out_dir, _checked(formats, basename), basename)


def _checked(formats: Iterable[str], basename: str) -> tuple[str, ...]:
    """``formats`` once each, if each is an appendix format and ``basename`` a plain file name."""
    formats = tuple(dict.fromkeys(formats))
    unknown = [name for name in formats if name not in EXTENSIONS]
    if unknown:
        raise ValueError(f"Unknown appendix format(s) {unknown}; choose from {sorted(EXTENSIONS)}.")
    if not basename or os.sep in basename or (os.altsep and os.altsep in basename):
        raise ValueError(f"basename must be a plain file name, got {basename!r}.")
    return formats


def _export(nb, nb_path: Path, out_dir, formats: tuple[str, ...], basename: str) -> dict[str, Path]:
    out_dir = Path(out_dir)
    resources: dict[str, Any] = {
        "metadata": {"name": nb_path.stem, "path": str(nb_path.parent)},
    }

    html, _ = _html_exporter().from_notebook_node(nb, resources=resources)
    rendered: dict[str, bytes] = {}
    if "html" in formats:
        rendered["html"] = html.encode("utf-8")
    if "pdf" in formats:
        rendered["pdf"] = render_pdf(html)

    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in formats:
        target = out_dir / f"{basename}{EXTENSIONS[name]}"
        write_atomic(target, rendered[name])
        written[name] = target
    return written


