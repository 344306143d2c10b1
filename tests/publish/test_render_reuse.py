"""What a worker shares between departments to save time — one WeasyPrint font configuration, one
HTML exporter per thread — changes no byte of what it renders."""

from __future__ import annotations

import threading

import nbformat
import pytest
from conftest import PARAMS

from evalkit.core.evaluation import evaluate
from evalkit.publish import exporters
from evalkit.publish.opinion import build_opinion
from evalkit.publish.written_html import render_html


@pytest.fixture(scope="module")
def opinion_page() -> str:
    return render_html(build_opinion(evaluate(PARAMS / "dangzheng-office-2023.yaml")))


def _fresh_pdf(html: str) -> bytes:
    """The PDF as WeasyPrint renders it with a font configuration of its own (what it does by default)."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=None,
                           url_fetcher=exporters._offline_fetcher_class()()).write_pdf()


def test_shared_font_configuration_gives_the_same_pdf(opinion_page):
    first = exporters.render_pdf(opinion_page)
    again = exporters.render_pdf(opinion_page)
    assert first.startswith(b"%PDF-")
    assert first == again == _fresh_pdf(opinion_page)


def test_pdf_after_another_document_is_unchanged(opinion_page):
    """A document rendered after a different one (other text, other glyphs) comes out as if alone."""
    before = _fresh_pdf(opinion_page)
    exporters.render_pdf("<html><body><p>另一份文件：预算执行率99.71%，年度指标值≥95%。</p></body></html>")
    assert exporters.render_pdf(opinion_page) == before


def test_one_html_exporter_per_thread():
    mine = exporters._html_exporter()
    assert exporters._html_exporter() is mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(exporters._html_exporter()))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine


def test_reused_exporter_renders_each_notebook_as_a_new_one_would():
    def notebook(title: str, text: str):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_markdown_cell(text)]
        nb.metadata["evalkit"] = {"title": title}
        return nb

    resources = {"metadata": {"name": "appendix", "path": "."}}
    a, b = notebook("甲部门", "预算执行率98.50%"), notebook("乙部门", "预算执行率76.98%")
    shared = exporters._html_exporter()
    shared.from_notebook_node(a, resources=dict(resources))
    reused, _ = shared.from_notebook_node(b, resources=dict(resources))
    fresh, _ = exporters.OfflineHTMLExporter().from_notebook_node(b, resources=dict(resources))
    assert reused == fresh
    assert "乙部门" in reused and "甲部门" not in reused
