"""A real office suite opening what evalkit writes: every .docx and .xlsx of the shipped departments
(as ``write_documents`` renders them) opens in LibreOffice and converts to PDF without error, and
the scoring table prints legibly; LibreOffice, made to recalculate every formula of 绩效自评表.xlsx,
gets evalkit's own figures in every computed cell; and a table LibreOffice saved back imports to
the same params."""

from __future__ import annotations

import copy
import io
import re
import shutil
import statistics
import zipfile
from decimal import Decimal
from pathlib import Path

import office
import openpyxl
import pytest
from conftest import PARAMS, WORKED
from pypdf import PdfReader
from workbook_sheets import WORKBOOK_FIXTURES, formulas_of

import evalkit
from evalkit import outputs
from evalkit.core.numbers import round_half_up
from evalkit.core.serialisation import params_to_mapping
from evalkit.publish.draft import build_draft
from evalkit.publish.opinion import build_opinion
from evalkit.publish.written_docx import render_docx
from evalkit.workbook.layout import INDICATOR_HEADERS, SHEET
from evalkit.workbook.read import import_workbook
from evalkit.workbook.write import render_workbook

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(office.executable() is None, reason="LibreOffice is installed by `make setup`")]

#: Every params file whose table is recalculated: the shipped departments (the worked example without
#: actuals, demo departments with every finding, the statistics and justice bureaus' unusual rows) and
#: the workbook fixtures (every rule, a local scheme's linear reverse rule).
SOURCES = sorted(evalkit.paths.params_files([PARAMS])) + WORKBOOK_FIXTURES


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Every department's 自评报告.docx, 复核意见书.docx and 绩效自评表.xlsx, renamed ``<id>.<name>``
    into one folder so that one LibreOffice process converts them all."""
    folder = tmp_path_factory.mktemp("office")
    files = {}
    for params in sorted(evalkit.paths.params_files([PARAMS])):
        ev = evalkit.evaluate(params)
        for name, data in ((outputs.REPORT_DOCX.filename, render_docx(build_draft(ev))),
                           (outputs.OPINION_DOCX.filename, render_docx(build_opinion(ev))),
                           (outputs.TABLE_XLSX.filename, render_workbook(ev))):
            target = folder / f"{ev.department.id}.{name}"
            target.write_bytes(data)
            files[target] = ev.department.name
    return files


@pytest.fixture(scope="module")
def pdfs(documents, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    done = office.convert(list(documents), out)
    assert done.returncode == 0, done.stderr
    return out


def test_libreoffice_converts_every_document_to_pdf(documents, pdfs):
    for source, name in documents.items():
        pdf = pdfs / source.with_suffix(".pdf").name
        assert pdf.is_file() and pdf.stat().st_size > 1000, f"{source.name}: no PDF"
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert name in text.replace("\n", ""), f"{source.name}: the department's name is not in its PDF"


def type_sizes(pdf: Path) -> list[float]:
    """The size every piece of text is printed at, in points (font size × the text and page scales)."""
    sizes = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            sizes.append(size * abs(tm[0] * tm[3]) ** 0.5 * abs(cm[0] * cm[3]) ** 0.5)
    for page in PdfReader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_the_scoring_table_prints_legibly_on_a4_landscape(pdfs):
    """Fit to the page width only: the worked example's 41 indicators run over several pages in type
    about the size it was set in (10 pt), never shrunk onto one page."""
    for pdf in sorted(pdfs.glob(f"*.{Path(outputs.TABLE_XLSX.filename).stem}.pdf")):
        reader = PdfReader(pdf)
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595), pdf.name  # A4 landscape
        assert statistics.median(type_sizes(pdf)) >= 8.5, pdf.name
    worked = pdfs / f"dangzheng-office.{Path(outputs.TABLE_XLSX.filename).stem}.pdf"
    assert len(PdfReader(worked).pages) >= 3
    text = [page.extract_text() for page in PdfReader(worked).pages]
    assert all("一级指标" in page and "三级指标" in page for page in text[1:])  # the header repeats on every page


# --- recalculated by LibreOffice ------------------------------------------------------------------

def hostile_names() -> dict:
    """The worked example with formula-like and label-like text in every kind of name."""
    mapping = params_to_mapping(evalkit.load_params(WORKED))
    mapping["department"] = {**mapping["department"], "id": "hostile-names", "name": "=党政办公室"}
    mapping["budget"]["lines"][0]["name"] = '=HYPERLINK("http://evil.example/","点击")'
    mapping["reported"]["line_execution_rates"] = {'=HYPERLINK("http://evil.example/","点击")': Decimal("99.99"),
                                                   "专项预算项目": Decimal("99.55")}
    first = mapping["goals"][0]["indicators"]
    first[0]["name"], first[1]["name"], first[2]["name"] = "=cmd|' /C calc'!A0", "+SUM(1,2)", "@SUM(A1)"
    mapping["goals"][1]["name"] = "-2+3"
    return mapping


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """``<id>.xlsx`` → its evaluation, for every source and the hostile names."""
    folder = tmp_path_factory.mktemp("tables")
    evaluations = [evalkit.evaluate(source) for source in SOURCES] + [evalkit.evaluate(hostile_names())]
    out = {}
    for ev in evaluations:
        path = folder / f"{ev.department.id}.xlsx"
        path.write_bytes(render_workbook(ev))
        out[path] = ev
    return out


@pytest.fixture(scope="module")
def recalculated(tables, tmp_path_factory) -> Path:
    """Every table opened by LibreOffice set to recalculate every formula on load, and saved as .xlsx."""
    out = tmp_path_factory.mktemp("recalculated")
    done = office.convert(list(tables), out, "xlsx", recalculate=True)
    assert done.returncode == 0, done.stderr
    return out


def same(recalculated, saved) -> bool:
    """LibreOffice's value equals evalkit's saved figure: a text exactly, a number within float noise
    (and so at every precision a cell prints)."""
    if isinstance(saved, str) or saved is None:
        return (recalculated or "") == (saved or "")
    return isinstance(recalculated, int | float) and abs(recalculated - saved) <= 1e-9 * max(1.0, abs(saved))


def test_libreoffice_recalculates_every_formula_to_evalkits_figure(tables, recalculated):
    """Every formula cell of every table: what LibreOffice computes is the figure evalkit saved there."""
    compared = 0
    for path in tables:
        saved = openpyxl.load_workbook(path, data_only=True)[SHEET]
        again = openpyxl.load_workbook(recalculated / path.name, data_only=True)[SHEET]
        cells = formulas_of(path.read_bytes())
        assert len(cells) >= 5, path.name
        for ref, formula in cells.items():
            assert same(again[ref].value, saved[ref].value), (path.name, ref, formula, again[ref].value, saved[ref].value)
        compared += len(cells)
    assert compared > 900


def printed(value, places: int) -> str:
    return f"{round_half_up(Decimal(repr(value)), places):f}"


def test_recalculated_cells_are_evalkits_figures_at_the_printed_precision(tables, recalculated):
    """By what each cell is: execution rate and score, every indicator's coefficient and score, the
    indicator total, 总分 (or its interval in words) and the grade, against the evaluation itself."""
    for path, ev in tables.items():
        ws = openpyxl.load_workbook(recalculated / path.name, data_only=True)[SHEET]
        rows = {ws.cell(r, c).value: r for r in range(1, ws.max_row + 1) for c in (1, 2) if ws.cell(r, c).value}
        total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "合计")
        b = ev.budget
        if b.execution_rate is None:  # nothing adjusted: no rate, and no execution score
            assert ws.cell(total, 7).value in (None, ""), path.name
        else:
            assert printed(ws.cell(total, 7).value, 4) == f"{round_half_up(b.execution_rate, 4):f}", path.name
        assert printed(ws.cell(total, 8).value, 2) == f"{round_half_up(b.execution_score, 2):f}", path.name
        header = rows["一级指标"]
        column = {name: INDICATOR_HEADERS.index(name) + 1 for name in ("分值", "得分系数", "得分")}
        for i, s in enumerate(ev.indicator_scores, header + 1):
            assert ws.cell(i, 3).value == s.indicator.name
            assert printed(ws.cell(i, column["分值"]).value, 2) == f"{round_half_up(s.weight, 2):f}"
            score = ws.cell(i, column["得分"]).value
            assert (score in (None, "")) if s.score is None else printed(score, 2) == f"{round_half_up(s.score, 2):f}", \
                (path.name, s.indicator.name)
            if not (s.indicator.direction == "qualitative" and s.indicator.coefficient is not None):  # typed, not computed
                coefficient = ws.cell(i, column["得分系数"]).value
                assert (coefficient in (None, "")) if s.coefficient is None else \
                    printed(coefficient, 4) == f"{round_half_up(s.coefficient, 4):f}", (path.name, s.indicator.name)
        end = header + len(ev.indicator_scores) + 1
        assert printed(ws.cell(end, column["得分"]).value, 2) == f"{round_half_up(ev.score.indicators, 2):f}"
        grand = ws.cell(rows["总分"], column["得分"]).value
        assert (printed(grand, 2) == f"{round_half_up(ev.score.total, 2):f}") if ev.score.complete else \
            grand == ev.score.words, path.name
        grade = next(ws.cell(r, 3).value for r in range(end, ws.max_row + 1) if ws.cell(r, 1).value == "评价等级")
        assert grade == ev.grade_text(), path.name


def test_recalculation_is_libreoffices_own(tables, tmp_path):
    """The check above can fail: with every saved value replaced by nonsense, LibreOffice still gets
    evalkit's figures (it calculates rather than echoing what the file saved)."""
    path = next(p for p in tables if p.stem == "every-rule")
    data = path.read_bytes()
    book = zipfile.ZipFile(io.BytesIO(data))
    sheet = re.sub(r"(<f>[^<]*</f>)<v>[^<]*</v>", r"\1<v>-777</v>", book.read("xl/worksheets/sheet1.xml").decode())
    spoiled = tmp_path / "in" / path.name
    spoiled.parent.mkdir()
    with zipfile.ZipFile(spoiled, "w", zipfile.ZIP_DEFLATED) as out:
        for info in book.infolist():
            out.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else book.read(info.filename))
    assert office.convert([spoiled], tmp_path / "out", "xlsx", recalculate=True).returncode == 0
    saved = openpyxl.load_workbook(path, data_only=True)[SHEET]
    again = openpyxl.load_workbook(tmp_path / "out" / path.name, data_only=True)[SHEET]
    cells = formulas_of(data)
    assert all(same(again[ref].value, saved[ref].value) for ref in cells)
    assert not any(again[ref].value == -777 for ref in cells)


def test_total_is_a_number_libreoffice_shows_for_a_complete_score(tables, recalculated):
    """The layout check's floor: a numeric cell equal to result.json's score.total, within 0.006."""
    for path, ev in tables.items():
        if not ev.score.complete:
            continue
        values = [c.value for row in openpyxl.load_workbook(recalculated / path.name, data_only=True)[SHEET].iter_rows()
                  for c in row if isinstance(c.value, int | float)]
        assert any(abs(v - float(ev.score.total)) < 0.006 for v in values), path.name


# --- saved by LibreOffice, imported again -----------------------------------------------------------

@pytest.fixture(scope="module")
def saved_by_libreoffice(tables, tmp_path_factory) -> Path:
    """Every table opened and saved as .xlsx by LibreOffice as a user would (its own settings: the
    saved values are kept; styles, shared strings and the XML are LibreOffice's own)."""
    out = tmp_path_factory.mktemp("saved")
    done = office.convert(list(tables), out, "xlsx")
    assert done.returncode == 0, done.stderr
    return out


def test_a_table_libreoffice_saved_imports_to_the_same_params(tables, saved_by_libreoffice, tmp_path):
    for path, ev in tables.items():
        folder = tmp_path / path.stem
        folder.mkdir()
        if ev.params.source != "<memory>":
            for scheme in Path(ev.params.source).parent.glob("*.scheme.yaml"):  # a local scheme lives beside its params
                shutil.copy(scheme, folder)
        out = folder / "imported.yaml"
        import_workbook(saved_by_libreoffice / path.name, out)
        assert params_to_mapping(evalkit.load_params(out)) == params_to_mapping(ev.params), path.name


def test_a_table_filled_in_and_saved_by_libreoffice_is_scored(tables, tmp_path):
    """A department types actuals and a level, LibreOffice saves the table: the import reads what was typed."""
    path = next(p for p in tables if p.stem == "dangzheng-office")
    book = openpyxl.load_workbook(path)
    ws = book[SHEET]
    name = {ws.cell(r, 3).value: r for r in range(1, ws.max_row + 1)}
    ws.cell(name["各项事务管理工作测评率"], 7).value = 95
    ws.cell(name["课题调研任务"], 8).value = "部分达成"
    (tmp_path / "in").mkdir()
    book.save(tmp_path / "in" / path.name)
    assert office.convert([tmp_path / "in" / path.name], tmp_path / "out", "xlsx", recalculate=True).returncode == 0
    again = openpyxl.load_workbook(tmp_path / "out" / path.name, data_only=True)[SHEET]
    assert printed(again.cell(name["各项事务管理工作测评率"], 11).value, 2) == "2.20"  # the formula followed
    out = tmp_path / "filled.yaml"
    import_workbook(tmp_path / "out" / path.name, out)
    mapping = params_to_mapping(evalkit.load_params(out))
    expected = copy.deepcopy(params_to_mapping(tables[path].params))
    expected["goals"][0]["indicators"][0]["actual"] = Decimal(95)
    research = next(i for g in expected["goals"] for i in g["indicators"] if i["name"] == "课题调研任务")
    research["level"] = "部分达成"
    assert mapping == expected
