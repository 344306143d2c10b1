"""The windowed min-content width (evalkit.publish.min_content) gives WeasyPrint's PDF to the byte,
on the pages evalkit renders and on cells built to reach the window's edges."""

from __future__ import annotations

import pytest
from conftest import PARAMS

from evalkit.core.evaluation import evaluate
from evalkit.publish import exporters, min_content
from evalkit.publish.opinion import build_opinion
from evalkit.publish.project import table_page
from evalkit.publish.written_html import render_html

weasyprint = pytest.importorskip("weasyprint")
from weasyprint.layout import preferred  # noqa: E402

#: Cells as the 自评表 has them: long unspaced Chinese with figures, punctuation at a window's edge,
#: figures before any letter, a space inside and beyond the window, a soft hyphen, a long path.
CELLS = [
    "未填报全年完成值，无法核定得分（可得0至2.20分），请补充佐证材料后重新核定本项指标的得分。",
    "（2023）年度预算执行率为99.71%，较上年提高1.25个百分点，年度指标值≥95%，全年完成值96.50%。",
    "1234567890123456789012345678901234567890，以上为编号",
    "（1）（2）（3）（4）（5）（6）（7）（8）（9）（10）（11）（12）部门整体支出绩效目标完成情况",
    "党政办公室2023年度部门整体支出绩效自评 · 计算附件与复核意见说明",
    "按方案默认系数100.00%：10.00 × 100.00% = 10.00分，偏差原因已说明并附整改措施及完成时限。",
    "params/demo-education-bureau-2023.project-01.yaml",
    "软\xad连字符不走捷径：这一格的文字包含一个软连字符，所以整段按原来的方式排版计算。",
    "“数量指标”“质量指标”“时效指标”“成本指标”“经济效益指标”“社会效益指标”“满意度指标”",
]


def _cells_page() -> str:
    rows = "".join(f"<tr><td>{i}</td><td>{text}</td><td>{text[:12]}</td></tr>" for i, text in enumerate(CELLS))
    return ("<html><head><style>@page{size:A4}td{border:1px solid #000;word-break:break-all;"
            "overflow-wrap:anywhere}td.n{overflow-wrap:normal;word-break:normal}</style></head><body>"
            f"<table>{rows}</table><table><tr>"
            + "".join(f'<td class="n">{text}</td>' for text in CELLS[:4]) + "</tr></table></body></html>")


@pytest.fixture(scope="module")
def pages():
    worked = evaluate(PARAMS / "dangzheng-office-2023.yaml")
    project = evaluate(PARAMS / "demo-education-bureau-2023.project-01.yaml")
    return {"cells": _cells_page(), "opinion": render_html(build_opinion(worked)), "project": table_page(project)}


def _original(monkeypatch) -> None:
    if getattr(preferred.split_first_line, "_evalkit_windowed", False):
        monkeypatch.setattr(preferred, "split_first_line", preferred.split_first_line.__wrapped__)
    monkeypatch.setattr(min_content, "install", lambda: False)


@pytest.mark.parametrize("name", ["cells", "opinion", "project"])
def test_same_pdf_bytes_with_and_without_the_window(pages, name, monkeypatch):
    assert min_content.install() is weasyprint.__version__.startswith(min_content.CHECKED_VERSIONS)
    fast = exporters.render_pdf(pages[name])
    with monkeypatch.context() as m:
        _original(m)
        assert not getattr(preferred.split_first_line, "_evalkit_windowed", False)
        slow = exporters.render_pdf(pages[name])
    assert fast.startswith(b"%PDF-") and fast == slow


def test_the_window_is_taken_for_long_unspaced_cells_and_not_otherwise(monkeypatch):
    if not min_content.install():
        pytest.skip(f"WeasyPrint {weasyprint.__version__} is not a checked version")
    lengths = []
    original = preferred.split_first_line.__wrapped__

    def counted(text, *args, **kwargs):
        lengths.append(len(text))
        return original(text, *args, **kwargs)

    monkeypatch.setattr(preferred, "split_first_line", min_content.windowed(counted))
    exporters.render_pdf(_cells_page())
    windowed = [n for n in lengths if n == min_content.WINDOW]
    assert windowed, "no cell was laid out through the window"
    # The soft-hyphen cell and the figures-only start go the original way: the whole text.
    assert max(lengths) >= len(CELLS[2])


def test_an_unchecked_version_is_left_alone(monkeypatch):
    monkeypatch.setattr(weasyprint, "__version__", "99.0")
    before = preferred.split_first_line
    if getattr(before, "_evalkit_windowed", False):
        monkeypatch.setattr(preferred, "split_first_line", before.__wrapped__)
    assert min_content.install() is False
    assert not getattr(preferred.split_first_line, "_evalkit_windowed", False)


def test_remembered_answers_are_per_style():
    """The same text in two font sizes gets two widths: the style is part of what is remembered."""
    html = ("<html><body><table><tr><td style='font-size:10pt'>{t}</td></tr></table>"
            "<table><tr><td style='font-size:20pt'>{t}</td></tr></table></body></html>").format(t=CELLS[0])
    fast = exporters.render_pdf(html)
    with pytest.MonkeyPatch.context() as m:
        _original(m)
        slow = exporters.render_pdf(html)
    assert fast == slow
