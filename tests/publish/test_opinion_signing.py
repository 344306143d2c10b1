"""A 复核意见书 to sign and documents that look right in an office suite: 文号, 主送, the 复核结论's
numbered list with deadlines, a signature block with the date (blanks to fill in) last, 可复现信息 in an
附件 after it; docx table grids that match their cells (rendered through LibreOffice and measured),
a 落款 that never stands alone on the last page, points that add up to the 合计, no tool names."""

from __future__ import annotations

import re
import shutil
import zipfile
from fractions import Fraction
from pathlib import Path

import office
import pdfplumber
import pytest
import yaml
from conftest import PARAMS, WORKED

import evalkit
from evalkit.core.bureau import bureau_presets
from evalkit.core.numbers import fmt_parts
from evalkit.publish.documents import write_documents
from evalkit.publish.opinion import build_opinion

DEPT = "demo-science-technology-bureau"
DECISIONS = """schema: evalkit-review/v1
reviewer: 王五
{date}decisions:
  - {{indicator: 新认定高新技术企业, rule: no_evidence}}
  - {{indicator: 科技创新券兑付率, rule: unassessable, severity: 重}}
"""
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def reviewed(folder: Path, *, when: str | None = "2024-07-20", bureau: str | None = "example-strict"):
    for f in PARAMS.glob(f"{DEPT}-2023.*"):
        shutil.copy(f, folder)
    (folder / f"{DEPT}-2023.review.yaml").write_text(
        DECISIONS.format(date=f"date: {when}\n" if when else ""), encoding="utf-8")
    if bureau:
        shutil.copy(bureau_presets()[bureau], folder / "bureau.yaml")
    return evalkit.evaluate(folder / f"{DEPT}-2023.yaml")


def lines(doc) -> list[str]:
    return doc.text().splitlines()


def test_the_opinion_carries_number_recipients_and_the_bureaus_basis(tmp_path):
    ev = reviewed(tmp_path)
    text = lines(build_opinion(ev))
    assert "（机关代字）财绩〔2024〕　　号" in text  # the year of the review, the sequence number left blank
    assert "（被复核部门）：" in text
    basis = next(x for x in text if x.startswith("复核依据："))
    assert "财预〔2020〕10号" in basis and "本级部门整体支出绩效评价管理办法" in basis  # mof-2020's entry


def test_without_a_bureau_the_basis_is_the_departments_own_scheme():
    ev = evalkit.evaluate(WORKED)  # seed-85-75-60, a local scheme
    basis = next(x for x in lines(build_opinion(ev)) if x.startswith("复核依据："))
    assert "财预〔2020〕10号" not in basis and ev.scheme.title in basis


def test_the_conclusion_lists_every_item_to_fix_numbered_with_its_deadline(tmp_path):
    ev = reviewed(tmp_path)
    text = build_opinion(ev).text()
    conclusion = text.split("复核结论")[-1].split("附件")[0]
    items = re.findall(r"^(\d+)\. (.+)$", conclusion, flags=re.M)
    to_fix = [f for f in ev.finding_items if f.severity in ("error", "warning")]
    assert [int(n) for n, _ in items] == list(range(1, len(to_fix) + 1)) and len(items) >= 2
    for name in ("新认定高新技术企业", "科技创新券兑付率"):
        assert any(name in body for _, body in items), name
    assert all("2024年8月19日前" in body for _, body in items)  # 2024-07-20 + 30 days (example-strict)
    assert "未发现需要整改" not in text
    assert "核减10%" in conclusion  # 结果应用 of grade 中 under example-strict


def test_signature_then_a_blank_date_last_then_the_attachment(tmp_path):
    doc = build_opinion(reviewed(tmp_path, when=None))
    styles = [(b.style, b.text) for b in doc.blocks if hasattr(b, "style")]
    closing = [t for s, t in styles if s == "closing"]
    assert closing[0].startswith("复核人（签字）：王五") and closing[-1] == "　　　　年　　月　　日"
    last_closing = max(i for i, (s, _) in enumerate(styles) if s == "closing")
    attachment = next(i for i, (s, _) in enumerate(styles) if s == "attachment")
    assert attachment > last_closing and styles[attachment][1] == "附件：可复现信息"
    body = doc.text().split("附件：可复现信息")[0]
    assert not re.search(r"[0-9a-f]{40}", body) and "mof-2020" not in body  # hashes and ids only in the 附件
    assert "收到本意见书后30日内" in body  # no review date: the deadline counts from receipt


def test_displayed_points_add_up_to_the_total():
    parts = fmt_parts([Fraction(90, 7)] * 7)
    assert sum(Fraction(p) for p in parts) == 90
    ev = evalkit.evaluate(WORKED)
    table = next(b for b in build_opinion(ev).blocks if getattr(b, "headers", None) and "分值" in b.headers)
    col = table.headers.index("分值")
    shown = [Fraction(r[col]) for r in table.rows[:-1]]
    assert sum(shown) == Fraction(table.rows[-1][col])


def grid_and_cells(docx: Path) -> list[tuple[list[int], list[int]]]:
    from lxml import etree
    root = etree.fromstring(zipfile.ZipFile(docx).read("word/document.xml"))
    found = []
    for tbl in root.iter(f"{W}tbl"):
        grid = [int(c.get(f"{W}w")) for c in tbl.find(f"{W}tblGrid")]
        first = tbl.find(f"{W}tr")
        cells = [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in first.findall(f"{W}tc")]
        found.append((grid, cells))
    return found


def test_docx_grids_match_their_cells_and_name_no_tool(tmp_path):
    ev = reviewed(tmp_path)
    written = write_documents(ev, tmp_path / "out", ("docx",))
    for kind in ("docx", "opinion_docx"):
        tables = grid_and_cells(written[kind])
        assert tables
        for grid, cells in tables:
            assert grid == cells and len(set(grid)) > 1 or len(grid) <= 2
            assert sum(grid) == sum(tables[0][0])  # every table spans the text width
        core = zipfile.ZipFile(written[kind]).read("docProps/core.xml").decode("utf-8")
        assert "evalkit" not in core.lower()


def test_the_scoring_table_shows_no_english_ids_or_tool_name(tmp_path):
    import openpyxl
    ev = reviewed(tmp_path)
    xlsx = write_documents(ev, tmp_path / "out", ("xlsx",))["xlsx"]
    book = openpyxl.load_workbook(xlsx)
    sheet = book["绩效自评表"]
    shown = [str(c.value) for row in sheet.iter_rows() for c in row
             if c.value is not None and not sheet.row_dimensions[c.row].hidden and not str(c.value).startswith("=")]
    assert not [t for t in shown if re.search(r"evalkit|mof-2020|demo-science", t)]
    assert book.properties.creator == ev.department.name
    text = evalkit.import_workbook(xlsx)  # the hidden row still carries the ids back
    assert yaml.safe_load(text)["department"]["id"] == DEPT and yaml.safe_load(text)["scheme"] == "mof-2020"


# --- rendered by LibreOffice ------------------------------------------------------------------

needs_office = pytest.mark.skipif(office.executable() is None, reason="LibreOffice is installed by `make setup`")


def column_widths(pdf: Path, columns: int) -> list[float]:
    """The widths (pt) of the first table with ``columns`` columns, from the rules LibreOffice drew."""
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            for table in page.find_tables():
                xs = sorted({round(c[0], 1) for c in table.cells} | {round(c[2], 1) for c in table.cells})
                if len(xs) == columns + 1:
                    return [b - a for a, b in zip(xs, xs[1:], strict=False)]
    raise AssertionError(f"no table of {columns} columns in {pdf.name}")


@pytest.mark.slow
@needs_office
def test_libreoffice_lays_out_the_opinion_table_in_the_widths_asked_for(tmp_path):
    ev = reviewed(tmp_path)
    written = write_documents(ev, tmp_path / "out", ("docx",))
    done = office.convert([written["opinion_docx"]], tmp_path / "pdf")
    assert done.returncode == 0, done.stderr
    widths = column_widths(tmp_path / "pdf" / "复核意见书.pdf", 6)
    asked = (14, 20, 8, 9, 11, 38)  # 绩效目标 … 扣分说明, as opinion.py asks
    total = sum(widths)
    for got, want in zip(widths, asked, strict=True):
        assert abs(got - total * want / sum(asked)) < 2, (widths, asked)


def with_team(tmp_path: Path, members: int) -> Path:
    data = yaml.safe_load(WORKED.read_text(encoding="utf-8"))
    data["narrative"]["team"] = [{"role": "组长" if i == 0 else "成员", "name": f"张{i}", "title": "办公室工作人员"}
                                 for i in range(members)]
    folder = tmp_path / f"team{members}"
    folder.mkdir()
    (folder / WORKED.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder / WORKED.name


@pytest.mark.slow
@needs_office
def test_the_reports_last_page_holds_more_than_the_closing(tmp_path):
    """Team tables of 14 to 21 rows push the end of the 自评报告 across a page break at some size in this
    range (16 to 19 with this layout); at none may the 落款 (name and date) stand alone."""
    docs = []
    for members in range(14, 22):
        ev = evalkit.evaluate(with_team(tmp_path, members))
        source = write_documents(ev, tmp_path / f"out{members}", ("docx",))["docx"]
        docs.append(shutil.copy(source, tmp_path / f"report{members}.docx"))
    done = office.convert(docs, tmp_path / "pdf")
    assert done.returncode == 0, done.stderr
    pages = set()
    for members in range(14, 22):
        with pdfplumber.open(tmp_path / "pdf" / f"report{members}.pdf") as pdf:
            pages.add(len(pdf.pages))
            last = [x.strip() for x in pdf.pages[-1].extract_text().splitlines() if x.strip()]
        closing = {"党政办公室", "2024年6月11日", "2024 年 6 月 11 日"}
        rest = [x for x in last if x not in closing and not re.fullmatch(r"— ?\d+ ?—", x)]
        assert rest, f"{members} members: the last page holds only the 落款: {last}"
    assert len(pages) > 1  # the range did cross a page break


def test_the_blank_date_keeps_its_blanks_in_word(tmp_path):
    ev = reviewed(tmp_path, when=None)
    written = write_documents(ev, tmp_path / "out", ("docx",))
    text = zipfile.ZipFile(written["opinion_docx"]).read("word/document.xml").decode("utf-8")
    assert "　　　　年　　月　　日" in text
