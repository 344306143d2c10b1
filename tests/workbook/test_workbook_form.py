"""The scoring table as a form: what a department may type where (unlocked, validated cells), what is
evalkit's (locked formulas holding evalkit's figures), how it prints, and what the reader makes of a
table a department changed — a value typed over a formula, formulas pasted as values, rows inserted,
实际完成情况, 预期目标, 达成程度 and 填报日期 filled in or changed."""

from __future__ import annotations

import datetime
import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES, ROOT, WORKED
from workbook_sheets import edited, find, formulas_of, insert_rows

import evalkit
from evalkit.core.serialisation import params_to_mapping
from evalkit.exceptions import WorkbookError
from evalkit.workbook.layout import INDICATOR_HEADERS, SHEET, WIDTHS
from evalkit.workbook.read import import_workbook
from evalkit.workbook.write import render_workbook

EVERY_RULE = FIXTURES / "workbook" / "every_rule.yaml"
JUSTICE = ROOT / "params" / "demo-justice-bureau-2023.yaml"
COLUMN = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(INDICATOR_HEADERS, 1)}


def export(source: Path, folder: Path) -> Path:
    """The table of ``source`` in ``folder``, with a local scheme copied beside it."""
    for scheme in source.parent.glob("*.scheme.yaml"):
        shutil.copy(scheme, folder)
    path = folder / "绩效自评表.xlsx"
    path.write_bytes(render_workbook(evalkit.evaluate(source)))
    return path


def row_of(ws, name: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == name)


def labelled_value(ws, label: str) -> str:
    """The address of the value right of ``label`` (right of the label's merged range)."""
    row, col = find(ws, label)
    col = next((r.max_col for r in ws.merged_cells.ranges if (row, col) == (r.min_row, r.min_col)), col)
    return f"{openpyxl.utils.get_column_letter(col + 1)}{row}"


def achieved_cell(ws) -> str:
    """The cell under 实际完成情况 (年度总体目标)."""
    row, col = find(ws, "实际完成情况")
    return f"{openpyxl.utils.get_column_letter(col)}{row + 1}"


def imported(table: Path) -> evalkit.Params:
    out = table.with_name("imported.yaml")
    import_workbook(table, out, overwrite=True)
    return evalkit.load_params(out)


# --- what is whose ---------------------------------------------------------------------------------

def test_the_sheet_is_protected_without_a_password_and_only_input_cells_are_unlocked(tmp_path):
    book = openpyxl.load_workbook(export(EVERY_RULE, tmp_path))
    ws = book[SHEET]
    p = ws.protection
    assert p.sheet and not p.password and not p.formatColumns and not p.formatRows and not p.insertRows
    assert book["evalkit"].protection.sheet
    formulas = formulas_of((tmp_path / "绩效自评表.xlsx").read_bytes())
    unlocked = {ref for ref in formulas if not ws[ref].protection.locked}
    # a formula a department may type over: the scheme's default weight and a 定性 row's default coefficient
    assert unlocked and all(ref[0] in (COLUMN["分值"], COLUMN["得分系数"]) for ref in unlocked)
    assert all(ws[ref].protection.locked for ref in formulas if ref[0] in (COLUMN["得分"], "G", "H", "C"))
    row = row_of(ws, "任务完成率")
    for header in ("一级指标", "三级指标", "计量单位", "指标性质", "年度指标值", "实际完成值", "分值", "偏差原因分析及改进措施"):
        assert not ws[f"{COLUMN[header]}{row}"].protection.locked, header
    assert ws[f"{COLUMN['达成程度']}{row}"].protection.locked  # no level on a quantitative row
    assert not ws[f"{COLUMN['达成程度']}{row_of(ws, '制度建设')}"].protection.locked
    for label in ("单位名称", "年度", "部门自评得分", "部门自评等级", "填报人", "联系电话", "填报日期", "填报单位（盖章）"):
        assert not ws[labelled_value(ws, label)].protection.locked, label
    for label in ("主管部门", "方案名称", "评价等级", "等级划分"):
        assert ws[labelled_value(ws, label)].protection.locked, label
    assert ws[f"A{find(ws, '预期目标')[0] + 1}"].protection.locked
    assert not ws[achieved_cell(ws)].protection.locked


def validation_of(ws, ref: str):
    return [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]


@pytest.mark.parametrize(("name", "header", "kind", "formula1"), [
    ("任务完成率", "指标性质", "list", '"≥,>,≤,<,=,定性"'),
    ("任务完成率", "一级指标", "list", '"产出,效益,满意度,成本"'),
    ("制度建设", "达成程度", "list", '"达成,部分达成,未达成"'),
    ("任务完成率", "年度指标值", "decimal", None),
    ("任务完成率", "实际完成值", "decimal", None),
    ("任务完成率", "分值", "decimal", "0"),
    ("制度建设", "得分系数", "decimal", "0"),
])
def test_input_cells_are_validated(tmp_path, name, header, kind, formula1):
    ws = openpyxl.load_workbook(export(EVERY_RULE, tmp_path))[SHEET]
    (dv,) = validation_of(ws, f"{COLUMN[header]}{row_of(ws, name)}")
    assert dv.type == kind and dv.showErrorMessage and dv.prompt
    assert formula1 is None or dv.formula1 == formula1


def test_text_cells_of_qualitative_rows_take_any_text(tmp_path):
    ws = openpyxl.load_workbook(export(EVERY_RULE, tmp_path))[SHEET]
    row = row_of(ws, "制度建设")
    assert validation_of(ws, f"F{row}") == [] and validation_of(ws, f"G{row}") == []


def test_amounts_year_score_and_date_are_validated(tmp_path):
    ws = openpyxl.load_workbook(export(EVERY_RULE, tmp_path))[SHEET]
    total = next(r for r in range(1, ws.max_row) if ws.cell(r, 2).value == "合计")
    assert [dv.type for dv in validation_of(ws, f"E{total}")] == ["decimal"]
    assert [dv.type for dv in validation_of(ws, labelled_value(ws, "年度"))] == ["whole"]
    assert [dv.type for dv in validation_of(ws, labelled_value(ws, "部门自评得分"))] == ["decimal"]
    assert [dv.type for dv in validation_of(ws, labelled_value(ws, "填报日期"))] == ["date"]
    (grade,) = validation_of(ws, labelled_value(ws, "部门自评等级"))
    assert grade.type == "list" and grade.errorStyle == "warning"  # another word is allowed, and reported


def test_the_page_is_a4_landscape_fit_to_the_width_with_the_header_repeated(tmp_path):
    ws = openpyxl.load_workbook(export(WORKED, tmp_path))[SHEET]
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize), int(setup.fitToWidth), int(setup.fitToHeight)) == \
        ("landscape", int(ws.PAPERSIZE_A4), 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    header = find(ws, "三级指标")[0]
    assert ws.print_title_rows == f"${header}:${header}"
    assert ws.print_area == f"'{SHEET}'!$A$1:$L${ws.max_row}"
    assert sum(WIDTHS) <= 125  # at 5.25 pt a character, within the 784 pt an A4 landscape page holds
    assert all(ws[f"{c}{header + 1}"].alignment.wrap_text for c in "CFGL")


@pytest.mark.parametrize("source", [EVERY_RULE, WORKED, JUSTICE], ids=lambda p: p.stem)
def test_formulas_hold_evalkits_figures_as_saved_values(source, tmp_path):
    """Before any program recalculates, every reader (a previewer, pandas) sees evalkit's figures."""
    table = export(source, tmp_path)
    ev = evalkit.evaluate(source)
    book = openpyxl.load_workbook(table, data_only=True)
    ws = book[SHEET]
    assert openpyxl.load_workbook(table).calculation.fullCalcOnLoad  # and programs recalculate on load
    for s in ev.indicator_scores:
        row = row_of(ws, s.indicator.name)
        assert ws[f"{COLUMN['得分']}{row}"].value in ((None, "") if s.score is None else (float(s.score),))
        assert ws[f"{COLUMN['分值']}{row}"].value == float(s.weight)
    total = next(r for r in range(1, ws.max_row) if ws.cell(r, 2).value == "合计")
    assert ws[f"H{total}"].value == float(ev.budget.execution_score)
    grand = find(ws, "总分")[0]
    assert ws[f"{COLUMN['得分']}{grand}"].value == (float(ev.score.total) if ev.score.complete else ev.score.words)
    assert ws[labelled_value(ws, "评价等级")].value == ev.grade_text()


# --- a value typed where a formula stands ---------------------------------------------------------

def _score(name: str, value):
    return lambda ws: ws.__setitem__(f"{COLUMN['得分']}{row_of(ws, name)}", value)


def _coefficient(name: str, value):
    return lambda ws: ws.__setitem__(f"{COLUMN['得分系数']}{row_of(ws, name)}", value)


def _total_row(label: str, column: str, value):
    def change(ws):
        row = next(r for r in range(find(ws, "三级指标")[0], ws.max_row) if ws.cell(r, 1).value == label)
        ws[f"{COLUMN[column]}{row}"] = value
    return change


def _budget_total(column: str, value):
    def change(ws):
        ws[f"{column}{next(r for r in range(1, ws.max_row) if ws.cell(r, 2).value == '合计')}"] = value
    return change


def _result(label: str, value):
    return lambda ws: ws.__setitem__(labelled_value(ws, label), value)


TYPED = [
    # (id, source, change, error pattern or None when the value shows evalkit's own figure)
    ("score-as-the-formula-gives", EVERY_RULE, _score("培训覆盖率", 5), None),
    ("score-pasted-unrounded", EVERY_RULE, _score("投诉件数", 75 / 32), None),
    ("score-claimed-higher", EVERY_RULE, _score("培训覆盖率", 6.25),
     r"^绩效自评表!K\d+ 得分: expected evalkit's formula, which gives 5.00, got 6.25 typed over it; a computed cell is "
     r"not read: .*部门自评得分"),
    ("score-as-words", EVERY_RULE, _score("培训覆盖率", "满分"), r"^绩效自评表!K\d+ 得分: .*gives 5.00, got '满分'"),
    ("score-on-an-unscored-row", WORKED, _score("各项事务管理工作测评率", 2.2),
     r"^绩效自评表!K\d+ 得分: expected evalkit's formula, which gives （空）, got 2.2"),
    ("score-cleared", EVERY_RULE, _score("培训覆盖率", None), None),
    ("coefficient-as-percent-text", EVERY_RULE, _coefficient("培训覆盖率", "80%"), None),
    ("coefficient-claimed", EVERY_RULE, _coefficient("培训覆盖率", "100%"),
     r"^绩效自评表!J\d+ 得分系数: .*which gives 80.00%, got '100%'"),
    ("execution-rate-typed", EVERY_RULE, _budget_total("G", "91.65%"), None),
    ("execution-rate-claimed", EVERY_RULE, _budget_total("G", 1),
     r"^绩效自评表!G\d+ 执行率: .*which gives 91.65%, got 100% typed"),
    ("execution-score-claimed", EVERY_RULE, _budget_total("H", 10), r"^绩效自评表!H\d+ 得分: .*which gives 9.16, got 10"),
    ("indicator-total-claimed", EVERY_RULE, _total_row("合计", "得分", 90), r"^绩效自评表!K\d+ 得分: .*gives 55.76"),
    ("total-claimed", EVERY_RULE, _total_row("总分", "得分", 80), r"^绩效自评表!K\d+ 得分: .*which gives 64.93, got 80"),
    ("total-claimed-while-unsettled", WORKED, _total_row("总分", "得分", 99),
     r"^绩效自评表!K\d+ 得分: .*which gives 无法核定（缺少全年完成值），可能区间9.97–99.97分, got 99"),
    ("total-points-claimed", EVERY_RULE, _total_row("总分", "分值", 90), r"^绩效自评表!I\d+ 分值: .*gives 100.00"),
    ("grade-claimed", EVERY_RULE, _result("评价等级", "优"), r"^绩效自评表!C\d+ 评价等级: .*which gives 中, got '优'"),
    ("grade-as-evalkit-gives", EVERY_RULE, _result("评价等级", "中"), None),
]


@pytest.mark.parametrize(("source", "change", "error"), [case[1:] for case in TYPED], ids=[case[0] for case in TYPED])
def test_a_value_typed_over_a_formula_is_checked_never_claimed(tmp_path, source, change, error):
    table = edited(export(source, tmp_path), change)
    if error is None:  # the figure evalkit computes, typed or pasted: harmless, and no claim
        assert params_to_mapping(imported(table)) == params_to_mapping(evalkit.load_params(source))
        return
    with pytest.raises(WorkbookError) as info:
        imported(table)
    problems = [f"{p.key}: {p.message}" for p in info.value.failure_cases]
    assert len(problems) == 1 and re.search(error, problems[0]), problems


def test_every_typed_value_is_reported_at_once(tmp_path):
    def change(ws):
        _score("培训覆盖率", 6.25)(ws)
        _total_row("总分", "得分", 80)(ws)
        _result("评价等级", "优")(ws)
    with pytest.raises(WorkbookError) as info:
        imported(edited(export(EVERY_RULE, tmp_path), change))
    assert [p.key.split()[1] for p in info.value.failure_cases] == ["得分", "得分", "评价等级"]


@pytest.mark.parametrize("source", [EVERY_RULE, WORKED, JUSTICE, FIXTURES / "workbook" / "reverse_linear.yaml"],
                         ids=lambda p: p.stem)
def test_formulas_pasted_as_values_import_to_the_same_params(source, tmp_path):
    """Copy → paste values over the whole sheet (how tables are often passed on): every formula becomes
    the figure it showed, and the import is unchanged."""
    table = export(source, tmp_path)
    values = openpyxl.load_workbook(table, data_only=True)[SHEET]
    book = openpyxl.load_workbook(table)
    ws = book[SHEET]
    for ref in formulas_of(table.read_bytes()):
        ws[ref] = values[ref].value if values[ref].value != "" else None
    book.save(table)
    assert formulas_of(table.read_bytes()) == {}
    assert params_to_mapping(imported(table)) == params_to_mapping(evalkit.load_params(source))


# --- a table a department reshaped ----------------------------------------------------------------

@pytest.mark.parametrize("where", ["above-the-budget", "inside-the-budget", "above-the-indicators", "inside-the-indicators"])
def test_inserted_rows_are_found_by_their_labels(tmp_path, where):
    def change(ws):
        at = {"above-the-budget": 3, "inside-the-budget": find(ws, "专项预算项目")[0],
              "above-the-indicators": find(ws, "三、绩效指标完成情况")[0],
              "inside-the-indicators": row_of(ws, "培训覆盖率")}[where]
        insert_rows(ws, at, 2)
    table = edited(export(EVERY_RULE, tmp_path), change)
    assert params_to_mapping(imported(table)) == params_to_mapping(evalkit.load_params(EVERY_RULE))


def test_an_indicator_added_in_an_inserted_row_is_read(tmp_path):
    def change(ws):
        at = row_of(ws, "培训覆盖率")
        insert_rows(ws, at)
        for header, value in (("三级指标", "新增指标"), ("指标性质", "≥"), ("年度指标值", 10), ("实际完成值", 12)):
            ws[f"{COLUMN[header]}{at}"] = value  # its goal and tier are the merged cells it was inserted into
    params = imported(edited(export(EVERY_RULE, tmp_path), change))
    names = [ind.name for ind in params.goals[0].indicators]
    assert names == ["任务完成率", "新增指标", "培训覆盖率", "新增服务点"]
    assert evalkit.evaluate(params).weights.basis == "tier"  # its empty 分值 is the default split


# --- 年度总体目标, 达成程度, 填报日期 --------------------------------------------------------------

def test_achievements_typed_in_实际完成情况_are_the_narrative(tmp_path):
    table = export(EVERY_RULE, tmp_path)
    edited(table, lambda ws: ws.__setitem__(achieved_cell(ws), "完成调查 12 项。\n\n发布报告 3 篇。"))
    params = imported(table)
    assert params.narrative.achievements == ("完成调查 12 项。", "发布报告 3 篇。")
    edited(table, lambda ws: ws.__setitem__(achieved_cell(ws), None))
    assert imported(table).narrative.achievements == ()


def test_achievements_with_line_breaks_of_their_own_come_back_whole(tmp_path):
    mapping = params_to_mapping(evalkit.load_params(EVERY_RULE))
    mapping["narrative"]["achievements"] = ["第一项\n续写", "第二项"]
    (tmp_path / "p").mkdir()
    table = tmp_path / "p" / "绩效自评表.xlsx"
    table.write_bytes(render_workbook(evalkit.evaluate(mapping)))
    assert imported(table).narrative.achievements == ("第一项\n续写", "第二项")


def test_a_changed_预期目标_is_an_error_not_a_lost_edit(tmp_path):
    table = edited(export(EVERY_RULE, tmp_path), lambda ws: ws.__setitem__(f"A{find(ws, '预期目标')[0] + 1}", "新目标"))
    with pytest.raises(WorkbookError) as info:
        imported(table)
    (problem,) = info.value.failure_cases
    assert problem.key.startswith(f"{SHEET}!A") and problem.key.endswith("预期目标")
    assert "goals' objectives" in problem.message


def test_填报日期_is_the_reports_date(tmp_path):
    table = export(EVERY_RULE, tmp_path)
    edited(table, lambda ws: ws.__setitem__(labelled_value(ws, "填报日期"), datetime.date(2024, 5, 8)))
    assert imported(table).reported.report_date == datetime.date(2024, 5, 8)
    edited(table, lambda ws: ws.__setitem__(labelled_value(ws, "填报日期"), None))
    assert imported(table).reported.report_date is None


def test_the_signature_block_is_for_the_printed_form(tmp_path):
    def sign(ws):
        for label, value in (("填报单位（盖章）", "规则覆盖测试单位"), ("填报人", "张三"), ("联系电话", "0571-12345678")):
            ws[labelled_value(ws, label)] = value
    table = edited(export(EVERY_RULE, tmp_path), sign)
    assert params_to_mapping(imported(table)) == params_to_mapping(evalkit.load_params(EVERY_RULE))


@pytest.mark.parametrize(("name", "level", "expected"), [
    ("档案管理", "达成", ("达成", None)),  # the default formula follows the level
    ("群众满意", "部分达成", ("部分达成", Decimal("0.7"))),  # a typed coefficient stays the department's
    ("制度建设", None, (None, None)),  # no level, no coefficient: unscored
])
def test_达成程度_gives_a_qualitative_rows_level(tmp_path, name, level, expected):
    table = edited(export(EVERY_RULE, tmp_path), lambda ws: ws.__setitem__(f"{COLUMN['达成程度']}{row_of(ws, name)}", level))
    (ind,) = [i for i in imported(table).indicators if i.name == name]
    assert (ind.level, ind.coefficient) == expected


def test_a_typed_qualitative_coefficient_is_the_departments(tmp_path):
    table = edited(export(EVERY_RULE, tmp_path), _coefficient("制度建设", 0.9))
    (s,) = [s for s in evalkit.evaluate(imported(table)).indicator_scores if s.indicator.name == "制度建设"]
    assert s.indicator.coefficient == Decimal("0.9") and s.coefficient == Fraction(9, 10)


@pytest.mark.parametrize(("name", "level", "error"), [
    ("任务完成率", "达成", r"H\d+ 达成程度: a level \(达成/部分达成/未达成\) applies to qualitative indicators only"),
    ("制度建设", "完成", r"H\d+ 达成程度: expected 达成、部分达成、未达成 or an empty cell, got '完成'"),
])
def test_a_level_where_none_belongs_is_an_error_at_its_cell(tmp_path, name, level, error):
    table = edited(export(EVERY_RULE, tmp_path), lambda ws: ws.__setitem__(f"{COLUMN['达成程度']}{row_of(ws, name)}", level))
    with pytest.raises(WorkbookError) as info:
        imported(table)
    assert any(re.search(error, f"{p.key}: {p.message}") for p in info.value.failure_cases), \
        info.value.failure_cases


def test_what_the_header_block_does_not_show_of_the_department_comes_back(tmp_path):
    mapping = params_to_mapping(evalkit.load_params(EVERY_RULE))
    mapping["department"]["city"] = "示例市"
    table = tmp_path / "绩效自评表.xlsx"
    table.write_bytes(render_workbook(evalkit.evaluate(mapping)))
    assert imported(table).department.city == "示例市"


def test_the_department_table_grades_by_the_scheme_s_bounds():
    """评价等级's formula follows the band table as evalkit does: ``>= 90`` under mof-2020, ``> 90``
    under mof-2020-gt90 (where 90.00 is 良). The project table uses the same formula, recalculated by
    LibreOffice at 90.00 in tests/workbook/test_project_table_workbook.py."""
    from evalkit.core.scheme import load_scheme
    from evalkit.workbook.formulas import grade_of

    inclusive, exclusive = grade_of(load_scheme("mof-2020"), "D9"), grade_of(load_scheme("mof-2020-gt90"), "D9")
    assert "ROUND(D9,9)>=90," in inclusive and "ROUND(D9,9)>90," not in inclusive
    assert "ROUND(D9,9)>90," in exclusive and ">=" not in exclusive
