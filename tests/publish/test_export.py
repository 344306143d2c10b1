"""Appendix rendering: offline HTML, A4 PDF with embedded CJK fonts, nbconvert entry points."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from html.parser import HTMLParser

import matplotlib
import nbformat
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

import evalkit.publish.fonts
from evalkit.exceptions import FontMissingError
from evalkit.publish.exporters import (
    A4PDFExporter,
    OfflineHTMLExporter,
    css_string,
    export_notebook,
    external_resources,
    render_pdf,
)
from evalkit.publish.fonts import CJK_FONT_FAMILY, use_cjk_font

TITLE = "党政办公室 · 2023 年度部门整体支出绩效自评 · 附件"
MARKDOWN = "本附件列示部门整体支出绩效自评的评分依据与得分情况。"
REMOVED_TEXT = "此格已被移除不应出现"
A4 = (595.28, 841.89)

TABLE_CODE = """\
import pandas as pd
budget_table = pd.DataFrame({
    "指标名称": ["预算执行率", "年度目标完成情况", "社会公众满意度"],
    "年初预算数（万元）": [1234.56, 88.0, 12.5],
    "执行率": ["99.71%", "91.48%", "96.00%"],
    "得分": [9.97, 18.3, 9.6],
})
display(budget_table)
print("预算执行率合计", budget_table.loc[0, "执行率"])
"""

CHART_CODE = """\
import matplotlib.pyplot as plt
from evalkit.publish.fonts import use_cjk_font
use_cjk_font()
chart_fig, chart_ax = plt.subplots(figsize=(5, 3))
chart_ax.bar(["预算执行率", "社会公众满意度"], [9.97, 9.6])
chart_ax.set_title("党政办公室各项指标得分")
plt.show()
"""

MONTHLY_CODE = """\
monthly_table = pd.DataFrame(
    [[1000.13 + 37.25 * m + 101.5 * r for m in range(12)] for r in range(3)],
    index=["基本支出", "项目支出", "合计"],
    columns=[f"{m}月" for m in range(1, 13)],
)
display(monthly_table)
"""
MONTHLY_VALUES = [f"{1000.13 + 37.25 * m + 101.5 * r:.2f}" for r in range(3) for m in range(12)]

CODE_TOKENS = ("budget_table", "pd.DataFrame", "chart_ax", "use_cjk_font", "monthly_table")


def _notebook(*cells, title: str | None = TITLE):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if title is not None:
        nb.metadata["evalkit"] = {"title": title}
    return nb


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    nb = _notebook(
        new_markdown_cell(f"# 部门整体支出绩效自评\n\n{MARKDOWN}"),
        new_code_cell(TABLE_CODE),
        new_code_cell(f'print("{REMOVED_TEXT}")', metadata={"tags": ["remove_cell"]}),
        new_code_cell(CHART_CODE),
        new_code_cell(MONTHLY_CODE),
    )
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "党政办公室.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def appendix(executed_notebook, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    paths = export_notebook(executed_notebook, out)
    return {
        "paths": paths,
        "html": paths["html"].read_text(encoding="utf-8"),
        "pdf": PdfReader(paths["pdf"]),
    }


# --- helpers -------------------------------------------------------------------------------


class _Refs(HTMLParser):
    """Every src/href value and every url()/@import in <style> or style=, plus visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.text: list[str] = []
        self._in_style = False
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data") and value:
                self.refs.append(value)
            if name == "style" and value:
                self.refs.extend(_css_refs(value))
        self._in_style = tag == "style"
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.refs.extend(_css_refs(data))
        elif not self._skip:
            self.text.append(data)


def _css_refs(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # licence comments cite URLs
    urls = re.findall(r"""url\(\s*['"]?([^'")]*)""", css, flags=re.IGNORECASE)
    imports = re.findall(r"""@import\s+['"]([^'"]+)""", css, flags=re.IGNORECASE)
    return urls + imports


def _parse(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


def assert_offline(html: str) -> None:
    remote = [ref for ref in _parse(html).refs if re.match(r"\s*(https?:)?//", ref, re.IGNORECASE)]
    assert remote == []
    assert not re.search(r"<script[^>]*\bsrc=", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref=[\"']?https?:", html, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?https?:", html, re.IGNORECASE)


def _visible_text(html: str) -> str:
    return "".join(_parse(html).text)


def _pdf_text(reader: PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages)


def _text_origins(reader: PdfReader) -> list[tuple[float, str]]:
    """(x in points, text) of every text fragment the PDF draws."""
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], text))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return found


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fonts(resources, seen=None):
    """Yield every font dictionary reachable from a page's resources (forms included)."""
    seen = set() if seen is None else seen
    if resources is None:
        return
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if id(xobject) in seen or xobject.get("/Subtype") != "/Form":
            continue
        seen.add(id(xobject))
        yield from _fonts(xobject.get("/Resources"), seen)


def _is_embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are drawn by the PDF itself
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


# --- the helper itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example.org/require.js"></script>',
        '<link rel="stylesheet" href="https://fonts.example.org/css">',
        "<style>body { background: url(http://example.org/bg.png) }</style>",
        '<img src="//example.org/x.png">',
    ],
)
def test_assert_offline_catches_remote_references(html):
    with pytest.raises(AssertionError):
        assert_offline(html)


def test_assert_offline_accepts_data_urls_and_svg_namespaces():
    assert_offline(
        '<img src="data:image/png;base64,AAAA">'
        "<style>i { background: url(data:image/svg+xml;base64,AAAA) } /* https://x.org */</style>"
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    )


# --- executed notebook → HTML / PDF -------------------------------------------------------


@pytest.mark.slow
def test_html_appendix_is_offline_chinese_and_hides_code(appendix):
    html = appendix["html"]
    assert '<html lang="zh-CN">' in html
    assert MARKDOWN in html
    assert "年初预算数（万元）" in html
    assert "99.71%" in html
    assert "data:image/png;base64," in html
    assert_offline(html)
    assert external_resources(html) == []
    text = _visible_text(html)
    for token in CODE_TOKENS:
        assert token not in text
    assert 'class="jp-CodeMirrorEditor' not in html
    assert "In&nbsp;[" not in html and "Out[" not in text
    assert REMOVED_TEXT not in html


@pytest.mark.slow
def test_html_header_comes_from_notebook_metadata(appendix):
    html = appendix["html"]
    assert f"<title>{TITLE}</title>" in html
    assert f"@top-center {{\n    content: {css_string(TITLE)};" in html
    assert 'content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";' in html


@pytest.mark.slow
def test_pdf_appendix_has_text_header_footer_and_no_code(appendix):
    reader = appendix["pdf"]
    text = _squash(_pdf_text(reader))
    assert _squash(MARKDOWN) in text
    assert "年初预算数（万元）" in text
    assert "99.71%" in text
    assert _squash(TITLE) in text
    assert f"第1页/共{len(reader.pages)}页" in text
    for token in CODE_TOKENS + (REMOVED_TEXT,):
        assert token not in text


@pytest.mark.slow
def test_pdf_appendix_is_a4_with_every_font_embedded(appendix):
    reader = appendix["pdf"]
    fonts = []
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(A4[0], abs=1)
        assert height == pytest.approx(A4[1], abs=1)
        fonts.extend(_fonts(page.get("/Resources")))
    assert fonts
    assert [font.get("/BaseFont") for font in fonts if not _is_embedded(font)] == []
    assert any("NotoSansCJKSC" in str(font.get("/BaseFont")).replace("-", "") for font in fonts)


@pytest.mark.slow
def test_twelve_month_table_fits_the_page_with_numbers_whole(appendix):
    monthly = re.search(r"<table[^>]*>(?:(?!</table>).)*12月.*?</table>", appendix["html"], re.DOTALL).group(0)
    assert "evalkit-wide" in monthly and "evalkit-xwide" not in monthly
    text = _pdf_text(appendix["pdf"])
    assert [value for value in MONTHLY_VALUES if value not in text] == []
    margin = 16 * 72 / 25.4
    outside = [(round(x), t) for x, t in _text_origins(appendix["pdf"]) if not margin - 5 < x < A4[0] - margin]
    assert outside == []


@pytest.mark.slow
def test_exporters_match_export_notebook(executed_notebook, appendix):
    html, resources = OfflineHTMLExporter().from_filename(str(executed_notebook))
    assert resources["output_extension"] == ".html"
    assert_offline(html)
    pdf, resources = A4PDFExporter().from_filename(str(executed_notebook))
    assert resources["output_extension"] == ".pdf"
    assert pdf.startswith(b"%PDF-")
    assert _squash(_pdf_text(PdfReader(io.BytesIO(pdf)))) == _squash(_pdf_text(appendix["pdf"]))


@pytest.mark.slow
@pytest.mark.parametrize(("exporter", "suffix"), [("evalkit_html", ".html"), ("evalkit_pdf", ".pdf")])
def test_jupyter_nbconvert_finds_the_exporters(executed_notebook, tmp_path, exporter, suffix):
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", exporter, "--output-dir", str(tmp_path), str(executed_notebook)],
        check=True,
        capture_output=True,
    )
    written = tmp_path / (executed_notebook.stem + suffix)
    assert written.stat().st_size > 1000
    if suffix == ".html":
        assert_offline(written.read_text(encoding="utf-8"))
    else:
        assert "99.71%" in _pdf_text(PdfReader(written))


# --- no execution needed --------------------------------------------------------------------


def test_title_falls_back_to_notebook_name():
    html, _ = OfflineHTMLExporter().from_notebook_node(
        _notebook(new_markdown_cell("正文"), title=None), resources={"metadata": {"name": "财务处"}}
    )
    assert "<title>财务处</title>" in html
    assert 'content: "财务处";' in html


def test_title_is_escaped_for_css_and_html():
    title = '附件 "一" \\ </style><script>alert(1)</script>\n第二行'
    html, _ = OfflineHTMLExporter().from_notebook_node(_notebook(new_markdown_cell("正文"), title=title))
    assert "<script>alert" not in html
    assert f"content: {css_string(title)};" in html
    pdf_text = _squash(_pdf_text(PdfReader(io.BytesIO(render_pdf(html)))))
    assert _squash('附件 "一" \\ </style><script>alert(1)</script>') in pdf_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("党政办公室", '"党政办公室"'),
        ('a"b', r'"a\"b"'),
        ("a\\b", r'"a\\b"'),
        ("a\nb", r'"a\a b"'),
        ("</style>", r'"\3c /style\3e "'),
        ("R&D", r'"R\26 D"'),
    ],
)
def test_css_string(value, expected):
    assert css_string(value) == expected


def test_remote_image_in_markdown_is_refused():
    nb = _notebook(new_markdown_cell("![logo](https://example.org/logo.png)"))
    with pytest.raises(ValueError, match="https://example.org/logo.png"):
        OfflineHTMLExporter().from_notebook_node(nb)


def test_remote_resources_can_be_allowed_explicitly():
    nb = _notebook(new_markdown_cell("![logo](https://example.org/logo.png)"))
    html, _ = OfflineHTMLExporter(allow_remote_resources=True).from_notebook_node(nb)
    assert external_resources(html) == ["https://example.org/logo.png"]


@pytest.mark.parametrize("url", ["https://example.invalid/x.png", "file:///etc/hostname"])
def test_pdf_renderer_never_fetches(url):
    with pytest.raises(ValueError, match="does not fetch"):
        render_pdf(f'<html><body><img src="{url}"></body></html>')


def test_export_notebook_writes_nothing_when_rendering_fails(tmp_path, monkeypatch):
    nb_path = tmp_path / "dept.ipynb"
    nbformat.write(_notebook(new_markdown_cell("正文")), nb_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "appendix.html").write_text("old", encoding="utf-8")

    def broken(html):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("evalkit.publish.exporters.render_pdf", broken)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        export_notebook(nb_path, out)
    assert sorted(p.name for p in out.iterdir()) == ["appendix.html"]
    assert (out / "appendix.html").read_text(encoding="utf-8") == "old"


def test_export_notebook_html_only(tmp_path):
    nb_path = tmp_path / "dept.ipynb"
    nbformat.write(_notebook(new_markdown_cell(MARKDOWN)), nb_path)
    paths = export_notebook(nb_path, tmp_path / "out", formats=("html",), basename="附件")
    assert paths == {"html": tmp_path / "out" / "附件.html"}
    assert MARKDOWN in paths["html"].read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["附件.html"]


@pytest.mark.parametrize(("kwargs", "match"), [({"formats": ("docx",)}, "docx"), ({"basename": "a/b"}, "basename")])
def test_export_notebook_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        export_notebook(tmp_path / "missing.ipynb", tmp_path, **kwargs)


def _table_notebook(table_html: str):
    return _notebook(
        new_code_cell("t", outputs=[new_output("display_data", data={"text/html": table_html, "text/plain": "t"})])
    )


def _cells(html: str, tag: str = "td") -> list[str]:
    return re.findall(rf"<{tag}[^>]*>", html)


def test_text_columns_are_marked_for_left_alignment():
    table = "<table><thead><tr><th>指标</th><th>执行率</th></tr></thead><tbody>"
    table += "<tr><td>预算执行率</td><td>99.71%</td></tr><tr><td>满意度</td><td>—</td></tr></tbody></table>"
    html, _ = OfflineHTMLExporter().from_notebook_node(_table_notebook(table))
    assert _cells(html) == ['<td class="evalkit-text">', "<td>", '<td class="evalkit-text">', "<td>"]


def test_cells_marked_numeric_by_the_notebook_stay_numeric():
    table = "<table><tbody><tr><td class='num'>未填报</td><td class='num'>9.97</td></tr></tbody></table>"
    html, _ = OfflineHTMLExporter().from_notebook_node(_table_notebook(table))
    assert _cells(html) == ['<td class="num">', '<td class="num">']


@pytest.mark.parametrize(
    ("columns", "value", "expected"),
    [
        (6, "1234.56", ""),
        (12, "1234.56", "evalkit-wide"),
        (15, "1.234568e+07", "evalkit-wide evalkit-xwide"),
    ],
)
def test_tables_too_wide_for_the_page_are_marked(columns, value, expected):
    row = "".join(f"<td>{value}</td>" for _ in range(columns))
    html, _ = OfflineHTMLExporter().from_notebook_node(_table_notebook(f"<table><tr>{row}</tr></table>"))
    assert re.search(r"<table[^>]*>", html).group(0) == (f'<table class="{expected}">' if expected else "<table>")


@pytest.mark.parametrize("columns", [12, 15])
def test_wide_tables_stay_inside_the_page(columns):
    header = "".join(f"<th>{m}月预算执行数</th>" for m in range(1, columns + 1))
    row = "".join(f"<td>{1_234_567.891 * m:,.2f}</td>" for m in range(1, columns + 1))
    table = f"<table><thead><tr><th>项目</th>{header}</tr></thead><tbody><tr><th>合计</th>{row}</tr></tbody></table>"
    html, _ = OfflineHTMLExporter().from_notebook_node(_table_notebook(table))
    reader = PdfReader(io.BytesIO(render_pdf(html)))
    margin = 16 * 72 / 25.4
    xs = [x for x, _ in _text_origins(reader)]
    assert xs and min(xs) > margin - 5 and max(xs) < A4[0] - margin


# --- fonts ---------------------------------------------------------------------------------


def test_use_cjk_font_draws_chinese_without_missing_glyphs():
    with matplotlib.rc_context():
        assert use_cjk_font() == CJK_FONT_FAMILY
        assert matplotlib.rcParams["font.sans-serif"][0] == CJK_FONT_FAMILY
        assert matplotlib.rcParams["font.family"] == ["sans-serif"]
        assert matplotlib.rcParams["axes.unicode_minus"] is False
        fig = Figure(figsize=(4, 2))
        ax = fig.subplots()
        ax.bar(["预算执行率", "满意度"], [99.71, -3])
        ax.set_title("部门整体支出绩效自评")
        fig.savefig(io.BytesIO(), format="png")  # "Glyph ... missing" would be an error here
        use_cjk_font()
        assert matplotlib.rcParams["font.sans-serif"].count(CJK_FONT_FAMILY) == 1


def test_use_cjk_font_registers_the_collection_when_matplotlib_missed_it(monkeypatch):
    without = [entry for entry in font_manager.fontManager.ttflist if "CJK" not in entry.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", without)
    with matplotlib.rc_context():
        assert use_cjk_font() == CJK_FONT_FAMILY
    assert any(entry.name == CJK_FONT_FAMILY for entry in font_manager.fontManager.ttflist)


def test_use_cjk_font_names_the_package_when_the_font_is_missing(monkeypatch, tmp_path):
    without = [entry for entry in font_manager.fontManager.ttflist if "CJK" not in entry.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", without)
    monkeypatch.setattr(evalkit.publish.fonts, "FONT_DIRS", (tmp_path,))
    with matplotlib.rc_context(), pytest.raises(FontMissingError, match="apt-get install fonts-noto-cjk"):
        use_cjk_font()


def test_a_legend_names_only_what_is_drawn_and_sits_above_the_plot(worked):
    """The worked example has no actuals: nothing earned, nothing lost, only 未填报 in its legend."""
    from matplotlib.figure import Figure

    from evalkit.publish.charts import legend_above

    fig = Figure()
    ax = fig.subplots()
    ax.barh([0, 1], [0, 0], label="已得分")
    ax.barh([0, 1], [3, 4], label="未填报完成值")
    legend_above(ax)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["未填报完成值"]
    assert legend.get_bbox_to_anchor().y0 >= ax.get_window_extent().y1 - 1  # above the axes, not over the bars
