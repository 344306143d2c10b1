"""Properties of the scoring table, for params Hypothesis makes up: params → 绩效自评表.xlsx → params
gives the same params, whatever the text (leading ``=``/``+``/``-``/``@``, CJK, punctuation,
control characters, label words) and whatever the numbers within sane bounds; and no text from
params ever enters a formula of the table (evalkit's formulas hold references, numbers and fixed
words only)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from conftest import WORKED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbook_sheets import formula_problems

import evalkit
from evalkit.core.model import DIRECTIONS, LEVELS, LINE_KINDS, TIERS
from evalkit.core.serialisation import params_to_mapping
from evalkit.workbook.cells import EMPTY
from evalkit.workbook.layout import TOTAL
from evalkit.workbook.read import import_workbook
from evalkit.workbook.write import render_workbook

#: Text a department might type, and text an attacker might: CJK, punctuation, quotes, formula
#: starts, Excel's own escape syntax. (Control and invisible characters never reach a table: the
#: params refuse them.)
ALPHABET = st.sampled_from(list("党政办公室综合事务管理测评率完成（）《》、，。：；“”％ abcXYZ019_-+=@#%/|'\"!?*&<>[]{}$~^\\")
                           + ["_x0041_", "_x0007_", "合计", "评价年度", "部门名称", "=HYPERLINK(\"http://evil.example/\",\"x\")",
                              "=cmd|' /C calc'!A0"])
PREFIXES = st.sampled_from(["", "=", "+", "-", "@", "#N/A", "\t=", "=1+", "'"])


def _usable(text: str) -> bool:
    # The one word a table reserves: a cell holding exactly 合计 ends a block (see the report).
    return bool(text) and text != TOTAL and text not in EMPTY


TEXT = st.builds(lambda prefix, body: (prefix + "".join(body)).strip(), PREFIXES,
                 st.lists(ALPHABET, min_size=1, max_size=8)).filter(_usable)


def decimals(low: int, high: int, *, places: int = 4) -> st.SearchStrategy[Decimal]:
    return st.integers(0, places).flatmap(
        lambda p: st.decimals(min_value=low, max_value=high, places=p, allow_nan=False, allow_infinity=False))


MONEY = decimals(0, 10**9, places=2)


def unique(strategy, *, min_size: int, max_size: int):
    return st.lists(strategy, min_size=min_size, max_size=max_size, unique=True)


@st.composite
def indicators(draw) -> dict:
    direction = draw(st.sampled_from(DIRECTIONS))
    ind = {"name": draw(TEXT), "direction": direction}
    if direction == "qualitative":
        ind["target"] = draw(TEXT)
        ind["level"] = draw(st.none() | st.sampled_from(LEVELS))
        ind["actual"] = draw(st.none() | TEXT | st.sampled_from(LEVELS))
    else:
        ind["target"] = draw(decimals(-10**6, 10**6))
        ind["actual"] = draw(st.none() | decimals(-10**6, 10**6))
    ind["unit"] = draw(st.none() | st.just("%") | TEXT)
    if ind["unit"] == "%" and direction != "qualitative" and ind["actual"] is not None:
        ind["actual"] = abs(ind["actual"])  # a negative percentage is refused unless the name says "增长率"
    ind["tier"] = draw(st.none() | st.sampled_from(TIERS))
    ind["weight"] = draw(st.none() | decimals(0, 10, places=2))  # at most 9 indicators: within the 90 points
    ind["coefficient"] = draw(st.none() | decimals(0, 100, places=2))
    ind["statement"] = draw(st.none() | TEXT)
    ind["deviation"] = draw(st.none() | TEXT)
    ind["reported"] = {"score": draw(st.none() | decimals(0, 100, places=2)),
                       "coefficient": draw(st.none() | decimals(0, 100, places=2))}
    return ind


@st.composite
def budgets(draw) -> dict:
    names = draw(unique(TEXT, min_size=0, max_size=3))
    with_initial = draw(st.booleans())
    lines = [{"name": name, "kind": draw(st.sampled_from(LINE_KINDS)), "count": draw(st.none() | st.integers(0, 500)),
              "initial": draw(MONEY) if with_initial else None, "adjusted": draw(MONEY), "executed": draw(MONEY)}
             for name in names]
    if not lines:
        return {"initial": draw(MONEY), "adjusted": draw(MONEY), "executed": draw(MONEY)}
    total = {key: sum((line[key] for line in lines), Decimal(0)) for key in ("adjusted", "executed")}
    initial = sum((line["initial"] for line in lines), Decimal(0)) if with_initial else draw(MONEY)
    return {"initial": initial, **total, "lines": lines}


@st.composite
def params_mappings(draw) -> dict:
    goals = [{"name": name, "objective": draw(st.none() | TEXT),
              "indicators": draw(st.lists(indicators(), min_size=1, max_size=3))}
             for name in draw(unique(TEXT, min_size=1, max_size=3))]
    return {
        "schema": "evalkit/v1",
        "department": {"id": draw(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True)), "name": draw(TEXT),
                       "year": draw(st.integers(1990, 2100)), "region": draw(st.none() | TEXT)},
        "scheme": draw(st.sampled_from(evalkit.shipped_schemes())),
        "unit": draw(st.sampled_from(["万元", "元"]) | TEXT),
        "budget": draw(budgets()),
        "goals": goals,
        "reported": {"score": draw(st.none() | decimals(0, 100, places=2)), "grade": draw(st.none() | TEXT),
                     "execution_rate": draw(st.none() | decimals(0, 200, places=2))},
    }


@cache
def worked_table() -> bytes:
    return render_workbook(evalkit.evaluate(WORKED))


def _round_trip(params: evalkit.Params) -> tuple[evalkit.Params, bytes]:
    table = render_workbook(evalkit.evaluate_params(params, evalkit.load_scheme(params.scheme)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "绩效自评表.xlsx"
        path.write_bytes(table)
        import_workbook(path, Path(folder) / "imported.yaml")
        return evalkit.load_params(Path(folder) / "imported.yaml"), table


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params_mappings())
def test_params_to_table_to_params_is_the_identity(mapping):
    params = evalkit.parse_params(mapping)
    again, table = _round_trip(params)
    assert params_to_mapping(again) == params_to_mapping(params)
    assert formula_problems(table, evalkit.load_scheme(params.scheme)) == []
    book = zipfile.ZipFile(io.BytesIO(table))
    assert b"<f>" not in book.read("xl/worksheets/sheet2.xml")


#: What a department, another program or an attacker may leave in a cell.
CELL_VALUES = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
               | st.floats(allow_nan=True, allow_infinity=True) | st.dates() | st.datetimes() | st.times()
               | st.timedeltas() | TEXT | st.text(max_size=40)
               | st.sampled_from(["1e100000000", "1e-100000000", "=1+1", "=A1/0", "#DIV/0!", "#N/A", "88%", "８８％",
                                  "3,484.29", "-", "未填报", "合计", "定性", "≥", "达成", "一、", "nan", "inf",
                                  "9" * 400, "_x0007_", "=HYPERLINK(\"http://evil.example/\")"]))


@st.composite
def edits(draw) -> list:
    """A few cells of the worked example's table set to hostile values, with a number format maybe."""
    cells = st.tuples(st.integers(1, 70), st.integers(1, 15), CELL_VALUES,
                      st.none() | st.sampled_from(["0.00%", '0"%"', "0%;-0", "yyyy-mm-dd", "@", "[h]:mm", "0.00"]))
    return draw(st.lists(cells, min_size=1, max_size=4))


@pytest.mark.slow  # about 15 s: every example saves and imports a whole table
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_any_cell_edit_gives_params_or_located_errors(changes):
    import openpyxl
    from openpyxl.cell import MergedCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = openpyxl.load_workbook(io.BytesIO(worked_table()))
    ws = book["绩效自评表"]
    for row, col, value, number_format in changes:
        cell = ws.cell(row, col)
        if isinstance(cell, MergedCell):
            continue  # covered by a merged range: it holds no value of its own
        try:
            cell.value = value
        except IllegalCharacterError:
            continue  # openpyxl writes no such text; the hostile table cases write it as XML
        if number_format:
            ws.cell(row, col).number_format = number_format
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "绩效自评表.xlsx"
        book.save(path)
        try:
            import_workbook(path)
        except evalkit.WorkbookError as exc:
            assert exc.failure_cases and all(p.message for p in exc.failure_cases)
            assert len(str(exc)) < 20_000
