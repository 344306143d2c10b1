"""A project's pages: the 自评表 as Word and PDF carrying the same rows as the xlsx (the unit's
document), and its appendix in the reviewer's voice with no key path or finding id in the prose."""

import io
import re

import pytest
from conftest import PARAMS

import evalkit
from evalkit.publish import project as pages

HEALTH = PARAMS / "demo-health-bureau-2023.project-01.yaml"


def test_the_word_table_has_the_form_s_rows():
    from docx import Document

    ev = evalkit.evaluate(HEALTH)
    document = Document(io.BytesIO(pages.table_docx(ev)))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "年度资金总额" in cells and "其中：当年财政拨款" in cells and "上年结转资金" in cells
    assert "458.46" in cells and "97.51%" in cells and "9.75" in cells
    assert "卫生应急任务完成个数" in cells and "≥15个" in cells
    assert ev.score_text() in cells and f"评价等级：{ev.grade_text()}" in cells


def test_the_appendix_speaks_for_the_reviewer():
    """The blocks notebooks/project.ipynb shows, in its order: the reviewer's reading of the table."""
    from evalkit.publish import appendix

    ev = evalkit.evaluate(HEALTH)
    blocks = [pages.header(ev), pages.funds_block(ev), pages.goals_block(ev), appendix.indicator_table(ev),
              pages.score_block(ev), appendix.findings_block(ev)]
    text = re.sub(r"<[^>]+>", " ", "".join(b.data for b in blocks))
    assert text.startswith("# 卫生应急宣传培训经费2023年度项目支出绩效自评复核附件")
    assert "示例数据" in text and "整改建议" in text and "相差1.00万元" in text
    assert "10 × 97.51% = 9.75" in text and "主管部门：示例区卫生健康局" in text
    assert "project." not in text and "budget." not in text and "goals[" not in text
    assert "评价等级按" in text and "等级表" in text
    reproduce = appendix.provenance_block(ev, notebook="project").data
    assert "papermill notebooks/project.ipynb" in reproduce and "department.ipynb" not in reproduce


@pytest.mark.slow
def test_the_pdf_table_reads_as_the_form():
    from pypdf import PdfReader

    ev = evalkit.evaluate(HEALTH)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pages.table_pdf(ev))).pages)
    assert "项目支出绩效自评表" in text and "卫生应急宣传培训经费" in text and "年度资金总额" in text
