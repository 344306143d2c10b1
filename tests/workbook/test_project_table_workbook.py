"""The project table as ``项目支出绩效自评表.xlsx``: live protected formulas that LibreOffice
recalculates to evalkit's total (every demo project and the published table, including an exclusive
band table), and ``evalkit import-xlsx`` of a filled table giving the params file back."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import office
import openpyxl
import pytest
from conftest import FIXTURES, PARAMS, run_cli

import evalkit
from evalkit.core.evaluation import evaluate_params
from evalkit.core.params import load_params
from evalkit.core.scheme import load_scheme
from evalkit.core.serialisation import params_yaml
from evalkit.paths import is_project_file
from evalkit.workbook.project import SHEET, import_project_workbook, render_project_workbook

PUBLISHED = FIXTURES / "project" / "daying-anke-2023.yaml"
PROJECTS = sorted(p for p in PARAMS.glob("*.yaml") if is_project_file(p))


def cells_of(path, *, values: bool):
    book = openpyxl.load_workbook(path, data_only=values)
    sheet = book[SHEET]
    return {c.coordinate: c.value for row in sheet.iter_rows() for c in row}, sheet


def labelled(cells: dict, label: str, column: str = "I"):
    row = next(int(ref[1:]) for ref, v in cells.items() if ref.startswith("A") and v == label)
    return cells[f"{column}{row}"]


def test_the_table_has_live_formulas_under_protection(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(render_project_workbook(evalkit.evaluate(PARAMS / "dangzheng-office-2023.project-01.yaml")))
    formulas, sheet = cells_of(path, values=False)
    saved, _ = cells_of(path, values=True)
    assert sheet.protection.sheet
    assert formulas["G7"] == '=IF(D7=0,"",E7/D7)' and formulas["H7"].startswith("=IF(G7=")
    assert str(labelled(formulas, "总分")).startswith("=H7+K")
    assert round(labelled(saved, "总分"), 2) == 99.81 and labelled(saved, "评价等级") == "优秀"
    assert not sheet["D7"].protection.locked and sheet["H7"].protection.locked  # 全年预算数 is filled in


def test_import_gives_the_params_back(tmp_path):
    for source in (PUBLISHED, PARAMS / "demo-health-bureau-2023.project-01.yaml"):
        ev = evalkit.evaluate(source)
        path = tmp_path / "t.xlsx"
        path.write_bytes(render_project_workbook(ev))
        code, _ = run_cli("import-xlsx", path, "-o", tmp_path / "back.yaml", "--force")
        assert code == 0
        back = (tmp_path / "back.yaml").read_text(encoding="utf-8")
        assert back.split("\n", 1)[1] == params_yaml(ev.params)
        assert load_params(tmp_path / "back.yaml").project == ev.params.project


def test_import_reads_what_the_unit_typed(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(render_project_workbook(evalkit.evaluate(PUBLISHED)))
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    actual_ref = next(c.coordinate for row in sheet.iter_rows() for c in row if c.value == "完成安可产品购买并按要求支付资金")
    row = int(actual_ref[1:])
    sheet[f"G{row}"] = 95
    sheet[f"L{row}"] = "一台设备延期到货。"
    book.save(path)
    params = evalkit.core.params.parse_params(
        __import__("yaml").safe_load(import_project_workbook(path)))
    assert params.indicators[0].actual == Decimal(95) and params.indicators[0].deviation == "一台设备延期到货。"
    assert params.budget.adjusted == Decimal("3.36")


@pytest.mark.slow
@pytest.mark.skipif(office.executable() is None, reason="LibreOffice is installed by `make setup`")
def test_libreoffice_recalculates_every_project_table_to_evalkits_total(tmp_path):
    """Every shipped project table and the published one, plus the published one at 90.00 under the
    exclusive band table: LibreOffice made to recalculate every formula gets evalkit's total and grade."""
    params = load_params(PUBLISHED)
    goal = params.goals[0]
    ninety = dataclasses.replace(params, goals=(dataclasses.replace(goal, indicators=(
        dataclasses.replace(goal.indicators[0], target=Decimal(9), actual=Decimal(8)),)),))
    evaluations = [evalkit.evaluate(p) for p in [PUBLISHED, *PROJECTS]]
    evaluations.append(evaluate_params(ninety, load_scheme("mof-2020-gt90")))
    files = []
    for i, ev in enumerate(evaluations):
        files.append(tmp_path / f"{i:03d}.xlsx")
        files[-1].write_bytes(render_project_workbook(ev))
    done = office.convert(files, tmp_path / "lo", to="xlsx", recalculate=True)
    assert done.returncode == 0, done.stderr
    for path, ev in zip(files, evaluations, strict=True):
        cells, _ = cells_of(tmp_path / "lo" / path.name, values=True)
        total = Decimal(repr(labelled(cells, "总分")))
        assert abs(total - Decimal(ev.score.total.numerator) / ev.score.total.denominator) < Decimal("1e-9"), path
        assert labelled(cells, "评价等级") == ev.grade.label, path
    assert evaluations[-1].grade.label == "良" and evaluations[-1].score.total == 90
