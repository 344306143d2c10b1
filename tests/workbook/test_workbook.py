"""The scoring table 绩效自评表.xlsx: its layout, and `evalkit import-xlsx` reading it back."""

from __future__ import annotations

import datetime
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES, ROOT, WORKED
from workbook_sheets import WORKBOOK_FIXTURES, edited, find, insert_rows

import evalkit
from evalkit.cli import main
from evalkit.exceptions import DataError, EvalkitError, WorkbookError
from evalkit.workbook.read import import_workbook
from evalkit.workbook.write import (
    BUDGET_HEADERS,
    FREEZE_MAX_ROW,
    INDICATOR_HEADERS,
    META_SHEET,
    SHEET,
    freeze_cell,
    render_workbook,
)

# Every department in params/, the findings fixtures and the workbook fixtures: they cover rules,
# qualitative levels, reported rows, explicit and mixed weights, and side tables.
ROUND_TRIP = sorted(ROOT.glob("params/*.yaml")) + sorted((FIXTURES / "findings").glob("*.yaml")) + WORKBOOK_FIXTURES


def comparable(ev: evalkit.Evaluation) -> dict:
    """``to_dict()`` without what depends on the files around the params file (provenance, last year)."""
    out = ev.to_dict()
    out.pop("provenance")
    out.pop("previous_year")
    return out


def export(source, folder: Path) -> Path:
    path = folder / "绩效自评表.xlsx"
    path.write_bytes(render_workbook(evalkit.evaluate(source)))
    return path


def cell_of(sheet, indicator: str, header: str) -> str:
    """The address of ``header``'s cell on ``indicator``'s row."""
    header_row, _ = find(sheet, "三级指标")
    col = next(c.column for c in sheet[header_row] if c.value == header)
    row, _ = find(sheet, indicator)
    return f"{openpyxl.utils.get_column_letter(col)}{row}"


@pytest.fixture
def worked_table(tmp_path) -> Path:
    return export(WORKED, tmp_path)


@pytest.mark.parametrize("params", ROUND_TRIP, ids=lambda p: p.stem)
def test_export_then_import_gives_the_same_evaluation(params, tmp_path):
    table = export(params, tmp_path)
    for scheme in params.parent.glob("*.scheme.yaml"):  # a local scheme lives beside its params file
        shutil.copy(scheme, tmp_path)
    out = tmp_path / "imported.yaml"
    import_workbook(table, out)
    assert comparable(evalkit.evaluate(out)) == comparable(evalkit.evaluate(params))


def test_imported_worked_example_is_the_params_file_again(worked_table, tmp_path):
    text = import_workbook(worked_table)
    for line in ("  id: dangzheng-office", "scheme: seed-85-75-60", "  initial: 8779.84", "      count: 85",
                 '        statement: "大型会议控制率低于达到 0.5%及以上"', "    number: （十）",
                 '  evaluation_period:\n    - "2023-04-10"', "    - 绩效意识不够全面，绩效管理缺乏前瞻性，主要依靠财政部门部署。"):
        assert line.replace('"', "'") in text.replace('"', "'"), line
    assert "weight:" not in text  # default weights stay the scheme's, not frozen numbers


def test_layout_budget_block_on_top_then_indicators(worked_table):
    book = openpyxl.load_workbook(worked_table)
    sheet = book[SHEET]
    budget_row, budget_col = find(sheet, "预算项目")
    assert [sheet.cell(budget_row, budget_col + i).value for i in range(len(BUDGET_HEADERS))] == list(BUDGET_HEADERS)
    assert BUDGET_HEADERS[4:] == ("分值", "执行率", "得分")  # the MoF order
    header_row, _ = find(sheet, "三级指标")
    assert header_row > budget_row
    assert [c.value for c in sheet[header_row]][:len(INDICATOR_HEADERS)] == list(INDICATOR_HEADERS)
    total = find(sheet, "合计")[0]
    assert [sheet.cell(total, budget_col + i).value for i in range(1, 4)] == [8779.84, 9593.18, 9565.63]
    rate = sheet.cell(total, budget_col + 5)
    assert rate.number_format == "0.00%" and rate.value == f"=IF(D{total}=0,\"\",E{total}/D{total})"
    assert sheet.cell(total, budget_col + 1).number_format == "0.00"
    assert sheet.freeze_panes == "D1"  # the header sits below the budget block: pin the key columns only
    assert sheet.print_title_rows == f"${header_row}:${header_row}"  # printed pages repeat the header
    assert book[META_SHEET].sheet_state == "hidden"
    saved = openpyxl.load_workbook(worked_table, data_only=True)[SHEET]
    assert f"{saved.cell(total, budget_col + 5).value:.4f}" == "0.9971"
    for label, value in (("单位名称", "党政办公室"), ("主管部门", "党政办公室"), ("部门编码", "dangzheng-office"),
                         ("年度", 2023), ("金额单位", "万元"), ("评价方案", "seed-85-75-60"), ("部门自评得分", 99),
                         ("部门自评等级", "优秀"), ("评价等级", "较差 ~ 优秀"), ("填报日期", datetime.datetime(2024, 6, 11))):
        row, col = find(saved, label)
        col = next((r.max_col for r in saved.merged_cells.ranges if (row, col) == (r.min_row, r.min_col)), col)
        assert saved.cell(row, col + 1).value == value, label
    grand = find(saved, "总分")[0]
    assert saved.cell(grand, 11).value == "无法核定（缺少全年完成值），可能区间9.97–99.97分"


def test_the_form_has_the_mof_blocks_in_order(worked_table):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    rows = [find(sheet, text)[0] for text in ("部门整体支出绩效自评表", "单位名称", "一、年度预算执行情况（金额单位：万元）",
                                              "二、年度总体目标", "预期目标", "三、绩效指标完成情况", "三级指标",
                                              "总分", "四、评价结果", "部门自评得分", "填报单位（盖章）", "填报日期")]
    assert rows == sorted(rows)
    for label in ("填报人", "联系电话", "实际完成情况", "二级指标", "偏差原因分析及改进措施", "达成程度"):
        find(sheet, label)
    goals = find(sheet, "预期目标")[0] + 1
    assert sheet.cell(goals, 1).value.splitlines()[0] == "（一）综合事务管理工作：绩效考核、综合文件收发与归档、人事、办公用品与设备、财务及印章管理。"
    assert sheet.cell(goals, find(sheet, "实际完成情况")[1]).value == "按月编制用款计划，严格审核资金拨付资料，专项资金专款专用。"


def test_goal_cells_are_merged_down_their_indicators(worked_table):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    first = find(sheet, "各项事务管理工作测评率")[0]
    assert f"B{first}:B{first + 2}" in {r.coord for r in sheet.merged_cells.ranges}


def test_filled_in_table_is_scored(worked_table, tmp_path):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    actual = cell_of(sheet, "各项事务管理工作测评率", "实际完成值")
    other = cell_of(sheet, "各项综合事务管理工作处置率", "实际完成值")
    level, coefficient = cell_of(sheet, "课题调研任务", "达成程度"), cell_of(sheet, "课题调研任务", "得分系数")
    done = cell_of(sheet, "课题调研任务", "实际完成值")

    def fill(ws):
        ws[actual], ws[other] = 72, "88%"
        ws[level], ws[coefficient], ws[done] = "达成", "90%", "完成 3 项课题"
    edited(worked_table, fill)
    out = tmp_path / "filled.yaml"
    import_workbook(worked_table, out)
    ev = evalkit.evaluate(out)
    rows = ev.indicators.set_index("name")
    assert rows.loc["各项事务管理工作测评率", "actual"] == 72
    assert rows.loc["各项综合事务管理工作处置率", "actual"] == 88
    assert rows.loc["课题调研任务", "coefficient"] == pytest.approx(0.9)
    assert rows.loc["课题调研任务", "actual"] == "完成 3 项课题"
    (row,) = [s for s in ev.indicator_scores if s.indicator.name == "课题调研任务"]
    assert row.indicator.level == "达成"
    assert ev.weights.basis == "equal"  # the weight formulas are the scheme's default split


def test_table_without_the_hidden_sheet_imports_what_it_shows(worked_table, tmp_path):
    book = openpyxl.load_workbook(worked_table)
    del book[META_SHEET]
    book.save(worked_table)
    out = tmp_path / "own.yaml"
    import_workbook(worked_table, out)
    ev = evalkit.evaluate(out)
    original = evalkit.evaluate(WORKED)
    assert ev.score_text() == original.score_text() and ev.budget.execution_rate == original.budget.execution_rate
    assert [line.kind for line in ev.params.budget.lines] == ["basic", "project"]
    assert ev.params.narrative == evalkit.core.model.Narrative(achievements=original.params.narrative.achievements)
    assert ev.params.reported.score == 99 and ev.params.reported.report_date == original.params.reported.report_date


def without_hidden_sheet(path: Path) -> Path:
    book = openpyxl.load_workbook(path)
    del book[META_SHEET]
    book.save(path)
    return path


def _findings(ev: evalkit.Evaluation) -> set[tuple[str, str | None]]:
    return {(f.id, f.subject) for f in ev.finding_items}


@pytest.mark.parametrize("params", [WORKED, ROOT / "params" / "demo-water-bureau-2023.yaml",
                                    ROOT / "params" / "demo-statistics-bureau-2023.yaml"],
                         ids=["worked-example", "clean-demo", "planted-demo"])
def test_table_without_the_hidden_sheet_raises_no_new_finding(params, tmp_path):
    """Computed cells read back as claims must claim what they showed, not 15-digit floats."""
    table = without_hidden_sheet(export(params, tmp_path))
    out = tmp_path / "own.yaml"
    text = import_workbook(table, out)
    original, again = evalkit.evaluate(params), evalkit.evaluate(out)
    assert _findings(again) - _findings(original) == set()
    assert again.score_text() == original.score_text()
    if original.weights.basis != "explicit":
        assert "weight:" not in text  # the default split shown to two decimals stays the default split
        assert again.weights.basis == original.weights.basis


def test_typed_inputs_hold_what_they_show(worked_table, tmp_path):
    """What a department reads in a white cell is what evalkit reads back: no hidden decimals."""
    table = export(ROOT / "params" / "demo-water-bureau-2023.yaml", tmp_path)
    for path in (worked_table, table):
        sheet = openpyxl.load_workbook(path)[SHEET]
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, float) and cell.number_format in ("0.00", "0.00%"):
                    places = 2 if cell.number_format == "0.00" else 4
                    assert cell.value == round(cell.value, places), (cell.coordinate, cell.value)


def test_explicit_weights_summing_to_the_points_are_kept(tmp_path):
    """Only weights equal to the default split are read as it; a department's own split stays."""
    params = FIXTURES / "findings" / "clean.yaml"
    table = export(params, tmp_path)

    def own_split(ws):
        header, _ = find(ws, "三级指标")
        col = next(c.column for c in ws[header] if c.value == "分值")
        total = next(r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
        rows = [r for r in range(header + 1, total) if ws.cell(r, 3).value]
        for r, w in zip(rows, [60, 30] + [0] * (len(rows) - 2), strict=True):
            ws.cell(r, col).value = w
    edited(without_hidden_sheet(table), own_split)
    import_workbook(table, tmp_path / "own.yaml")
    ev = evalkit.evaluate(tmp_path / "own.yaml")
    assert ev.weights.basis == "explicit" and [float(w) for w in ev.weights.weights][:2] == [60, 30]


def _percent_cell(ws, address: str, value: float, number_format: str) -> None:
    """A percentage as Excel stores what someone typed: the fraction, shown by the number format."""
    ws[address] = value
    ws[address].number_format = number_format


def test_percentages_typed_in_excel_read_as_shown(worked_table, tmp_path):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    actual = cell_of(sheet, "各项事务管理工作测评率", "实际完成值")
    target = cell_of(sheet, "各项综合事务管理工作处置率", "年度指标值")
    other = cell_of(sheet, "各项综合事务管理工作处置率", "实际完成值")
    coefficient = cell_of(sheet, "课题调研任务", "得分系数")
    level = cell_of(sheet, "课题调研任务", "实际完成值")  # a level in 实际完成值, 达成程度 left empty

    def fill(ws):
        _percent_cell(ws, actual, 0.995, "0.00%")
        _percent_cell(ws, target, 0.92, "0%")
        _percent_cell(ws, other, 1, "0.0%")
        _percent_cell(ws, coefficient, 0.9, "0%")
        ws[level] = "达成"
    (tmp_path / "own").mkdir()
    for path in (worked_table, without_hidden_sheet(export(WORKED, tmp_path / "own"))):
        edited(path, fill)
        out = path.with_suffix(".yaml")
        import_workbook(path, out)
        rows = evalkit.evaluate(out).indicators.set_index("name")
        assert rows.loc["各项事务管理工作测评率", "actual"] == 99.5
        assert (rows.loc["各项综合事务管理工作处置率", "target"], rows.loc["各项综合事务管理工作处置率", "actual"]) == (92, 100)
        assert rows.loc["课题调研任务", "coefficient"] == pytest.approx(0.9)


def test_indicator_columns_are_headed_as_the_mof_form_heads_them(worked_table):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    header_row, _ = find(sheet, "三级指标")
    headers = [c.value for c in sheet[header_row]]
    assert headers[:3] == ["一级指标", "二级指标", "三级指标"]
    assert headers[5:8] == ["年度指标值", "实际完成值", "达成程度"] and headers[-1] == "偏差原因分析及改进措施"


@pytest.mark.parametrize(("goal", "name", "actual"), [("绩效目标", "三级指标", "实际完成值"), ("二级指标", "指标名称", "实际完成值"),
                                                      ("绩效目标", "指标名称", "全年完成值")])
def test_older_headings_of_the_columns_are_accepted(worked_table, tmp_path, goal, name, actual):
    def rename(ws):
        header_row, _ = find(ws, "三级指标")
        ws.cell(header_row, 2).value, ws.cell(header_row, 3).value, ws.cell(header_row, 7).value = goal, name, actual
    edited(worked_table, rename)
    out = tmp_path / "renamed.yaml"
    import_workbook(worked_table, out)
    assert comparable(evalkit.evaluate(out)) == comparable(evalkit.evaluate(WORKED))


def test_freeze_panes_pin_the_header_only_near_the_top():
    assert freeze_cell(5) == "D6"  # a short header block: pin the indicator header and key columns
    assert freeze_cell(FREEZE_MAX_ROW + 1) == "D1"  # further down: pin the key columns only


def test_blank_rows_inside_the_table_lose_nothing(tmp_path):
    params = FIXTURES / "findings" / "duplicate_section_number.yaml"  # two goals of one indicator each
    table = export(params, tmp_path)

    def open_a_gap(ws):
        insert_rows(ws, find(ws, "安全事故次数")[0], 2)
    edited(table, open_a_gap)
    out = tmp_path / "gap.yaml"
    import_workbook(table, out)
    assert comparable(evalkit.evaluate(out)) == comparable(evalkit.evaluate(params))


def _text_in_number_cell(ws):
    ws[cell_of(ws, "各项事务管理工作测评率", "实际完成值")] = "九十"


def _unknown_direction(ws):
    ws[cell_of(ws, "公文流转速度", "指标性质")] = "大约"


def _missing_header_row(ws):
    header = find(ws, "三级指标")[0]
    for cell in ws[header]:
        cell.value = None


def _goal_merge_moved_down(ws):
    first = find(ws, "各项事务管理工作测评率")[0]
    ws.unmerge_cells(f"B{first}:B{first + 2}")
    ws.merge_cells(f"B{first + 1}:B{first + 2}")


def _merge_moved_to_names(ws):
    first = find(ws, "各项事务管理工作测评率")[0]
    ws.unmerge_cells(f"B{first}:B{first + 2}")
    ws[f"B{first + 1}"], ws[f"B{first + 2}"] = "综合事务管理工作", "综合事务管理工作"
    ws.merge_cells(f"C{first}:C{first + 2}")


def _text_in_budget_cell(ws):
    row, col = find(ws, "人员及公用经费")
    ws.cell(row, col + 2).value = "三千"


@pytest.mark.parametrize(("change", "expected"), [
    (_text_in_number_cell, "绩效自评表!G{r} 实际完成值: expected a number, got '九十'"),
    (_unknown_direction, "绩效自评表!E{r} 指标性质: expected one of ≥ > ≤ < = 定性, got '大约'"),
    (_missing_header_row, "绩效自评表!A{r}: expected the header row of the indicator table"),
    (_goal_merge_moved_down, ("绩效自评表!B{r1} 二级指标: expected the goal name in the merged cells "
                              "B{r1}:B{r2}, got an empty cell")),
    (_merge_moved_to_names, "绩效自评表!C{r0}:C{r2} 三级指标: 三级指标 cells cannot be merged"),
    (_text_in_budget_cell, "绩效自评表!D{b} 全年预算数: expected an amount, got '三千'"),
], ids=["text-in-number-cell", "unknown-direction", "missing-header-row", "goal-merge-moved",
        "merge-moved-to-names", "text-in-budget-cell"])
def test_malformed_tables_give_cell_addressed_errors(worked_table, change, expected):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    first = find(sheet, "各项事务管理工作测评率")[0]
    places = {"r": first if change is not _unknown_direction else find(sheet, "公文流转速度")[0],
              "h": find(sheet, "三级指标")[0], "r0": first, "r1": first + 1, "r2": first + 2,
              "b": find(sheet, "人员及公用经费")[0]}
    edited(worked_table, change)
    with pytest.raises(WorkbookError) as info:
        import_workbook(worked_table)
    keys = [f"{p.key}: {p.message}" for p in info.value.failure_cases]
    assert any(k.startswith(expected.format(**places)) for k in keys), keys
    assert str(worked_table) in str(info.value)


def test_every_unreadable_cell_is_reported_at_once(worked_table, tmp_path):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    cells = {cell_of(sheet, "各项事务管理工作测评率", "实际完成值"): "九十",
             cell_of(sheet, "各项综合事务管理工作处置率", "分值"): "两分",
             cell_of(sheet, "各项综合事务管理工作完成率", "年度指标值"): None,
             cell_of(sheet, "会议保障好评率", "一级指标"): "产品"}

    def change(ws):
        for address, value in cells.items():
            ws[address] = value
    edited(worked_table, change)
    out = tmp_path / "never.yaml"
    with pytest.raises(WorkbookError) as info:
        import_workbook(worked_table, out)
    addresses = [p.key.split()[0] for p in info.value.failure_cases]
    assert addresses == [f"{SHEET}!{a}" for a in cells]
    assert not out.exists()


def test_params_problems_are_moved_to_their_cells(worked_table):
    sheet = openpyxl.load_workbook(worked_table)[SHEET]
    row, col = find(sheet, "部门编码")
    date_row, date_col = find(sheet, "填报日期")

    def change(ws):
        ws.cell(row, col + 1, "Bad Id!")
        ws.cell(date_row, date_col + 2, "去年年底")
    edited(worked_table, change)
    with pytest.raises(WorkbookError) as info:
        import_workbook(worked_table)
    assert [p.key for p in info.value.failure_cases] == [f"{SHEET}!B{row} 部门编码", f"{SHEET}!C{date_row} 填报日期"]


def test_workbook_error_pickles_and_sits_in_the_tree():
    error = WorkbookError("t.xlsx", [evalkit.Problem("t.xlsx", "绩效自评表!G16 全年完成值", None, "expected a number")])
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and again.failure_cases == error.failure_cases
    assert isinstance(again, DataError) and isinstance(again, EvalkitError)


def test_not_a_workbook_is_an_error(tmp_path):
    path = tmp_path / "table.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(WorkbookError, match="cannot read as an .xlsx workbook"):
        import_workbook(path)


def test_cli_import_writes_a_loadable_params_file(worked_table, tmp_path, capsys):
    out = tmp_path / "params" / "x.yaml"
    assert main(["import-xlsx", str(worked_table), "-o", str(out)]) == 0
    assert evalkit.load_params(out).department.id == "dangzheng-office"
    assert main(["import-xlsx", str(worked_table), "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["import-xlsx", str(worked_table), "-o", str(out), "--force"]) == 0


def test_cli_reports_bad_cells_with_exit_code_1(worked_table):
    edited(worked_table, _text_in_number_cell)
    result = subprocess.run([sys.executable, "-m", "evalkit.cli", "import-xlsx", str(worked_table)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "实际完成值: expected a number, got '九十'" in result.stderr and not result.stdout


def test_run_defaults_to_every_output():
    from evalkit import cli, outputs
    from evalkit.run import batch
    from evalkit.run import department as runner

    assert cli.build_parser().parse_args(["run"]).formats == ("html", "pdf", "docx", "xlsx")
    for fn in (runner.run_department, batch.run_batch, batch.run_job):
        assert fn.__kwdefaults__["formats"] == outputs.FORMATS == ("html", "pdf", "docx", "xlsx")
