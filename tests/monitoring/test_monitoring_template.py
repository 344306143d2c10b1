"""The bulk-entry table: written from the params files, filled in, read back into monitoring files,
with every bad cell named by row and column, and one bad department not stopping the others."""

from __future__ import annotations

import csv
import shutil

import openpyxl
import pytest
from conftest import WORKED, run_cli

import evalkit
from evalkit.monitoring.table import headers, import_template, read_template, write_template


@pytest.fixture
def folder(tmp_path):
    shutil.copy(WORKED, tmp_path / "dept-a.yaml")
    shutil.copy(WORKED, tmp_path / "dept-b.yaml")
    return tmp_path


def _filled(rows: list[list[str]]) -> list[list[str]]:
    """The template as a department fills it: budget on its first row, a figure on each indicator."""
    out = [rows[0]]
    seen = set()
    for row in rows[1:]:
        row = list(row)
        if row[0] not in seen:
            row[2:8] = ["1000", "", "", "1000", "350", "990"]
            seen.add(row[0])
        row[11] = "部分达成" if not row[10].replace(".", "").isdigit() else row[10]
        row[13] = "确定能"
        out.append(row)
    return out


def _write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_template_lists_every_indicator_with_its_target(folder):
    write_template([folder / "dept-a.yaml"], folder / "t.csv", month=6)
    rows = _read_csv(folder / "t.csv")
    assert rows[0] == headers(6) and "1–6月执行数" in rows[0]
    ev = evalkit.evaluate(folder / "dept-a.yaml")
    assert [(r[8], r[9]) for r in rows[1:]] == [(s.goal, s.indicator.name) for s in ev.indicator_scores]
    assert rows[1][10] == "90" and rows[1][0] == "dept-a"


def test_a_filled_csv_comes_back_as_monitoring_files(folder):
    write_template([folder / "dept-a.yaml", folder / "dept-b.yaml"], folder / "t.csv")
    _write_csv(folder / "t.csv", _filled(_read_csv(folder / "t.csv")))
    written, problems = import_template(folder / "t.csv", folder)
    assert problems == [] and [p.name for p in written] == ["dept-a.monitoring.yaml", "dept-b.monitoring.yaml"]
    ev = evalkit.evaluate(folder / "dept-a.yaml")
    assert ev.monitoring.spending.trail == "350 ÷ 1000 ÷ (7 ÷ 12) × 100 = 60.00，黄灯"
    assert len(ev.monitoring.indicators) == len(ev.indicator_scores)


def test_a_filled_xlsx_is_read_the_same(folder):
    write_template([folder / "dept-a.yaml"], folder / "t.xlsx")
    book = openpyxl.load_workbook(folder / "t.xlsx")
    sheet = book.active
    rows = _filled([[("" if c.value is None else str(c.value)) for c in row] for row in sheet.iter_rows()])
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            sheet.cell(r, c, value or None)
    book.save(folder / "t.xlsx")
    found, problems = read_template(folder / "t.xlsx", folder)
    assert problems == [] and found["dept-a"].budget.executed == 350


def test_bad_cells_are_named_by_row_and_column_and_the_others_still_import(folder):
    write_template([folder / "dept-a.yaml", folder / "dept-b.yaml"], folder / "t.csv")
    rows = _filled(_read_csv(folder / "t.csv"))
    rows[3][13] = "大概能"  # dept-a, third indicator: 完成目标可能性 in column N, line 4
    rows[4][6] = "400"  # dept-a's 1–7月执行数 differs from the first row's 350
    rows[5][11] = ""  # an empty 1–7月完成值
    _write_csv(folder / "t.csv", rows)
    written, problems = import_template(folder / "t.csv", folder)
    shown = [str(p).split("/")[-1] for p in problems]
    assert "t.csv:4 N 完成目标可能性: expected one of 确定能, 有可能, 不可能; got '大概能'" in shown, shown
    assert any(s.startswith("t.csv:5 G 1–7月执行数: expected the same figure") for s in shown), shown
    assert "t.csv:6 L 1–7月完成值: the cell is empty; fill it in" in shown, shown
    assert [p.name for p in written] == ["dept-b.monitoring.yaml"]
    assert not (folder / "dept-a.monitoring.yaml").exists()


def test_an_unknown_params_stem_is_named(folder):
    write_template([folder / "dept-a.yaml"], folder / "t.csv")
    rows = _filled(_read_csv(folder / "t.csv"))
    for row in rows[1:]:
        row[0] = "../outside"
    _write_csv(folder / "t.csv", rows)
    _, problems = read_template(folder / "t.csv", folder)
    assert len(problems) == 1 and problems[0].key == "A 参数文件" and problems[0].line == 2
    assert "no readable params file ../outside.yaml" in problems[0].message


def test_the_cli_round_trip(folder):
    code, _ = run_cli("monitoring-template", folder / "dept-a.yaml", "-o", folder / "t.csv")
    assert code == 0
    _write_csv(folder / "t.csv", _filled(_read_csv(folder / "t.csv")))
    code, out = run_cli("monitoring-import", folder / "t.csv", "--params-dir", folder)
    assert code == 0 and "dept-a.monitoring.yaml" in out
    rows = _read_csv(folder / "t.csv")
    rows[1][13] = "也许"
    _write_csv(folder / "t.csv", rows)
    code, _ = run_cli("monitoring-import", folder / "t.csv", "--params-dir", folder)
    assert code == 1


def test_a_template_name_other_than_csv_or_xlsx_is_a_clear_error(folder, capsys):
    code, _ = run_cli("monitoring-template", folder / "dept-a.yaml", "-o", folder / "t.txt")
    err = capsys.readouterr().err
    assert code == 1 and "t.txt: expected a .csv or .xlsx file name" in err
    assert "unexpected" not in err and "report" not in err and not (folder / "t.txt").exists()
