"""Bad params files: every problem names the file, the line, the key path and what was expected."""

import pickle
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES

import evalkit
from evalkit import (
    CellExecutionError,
    DataError,
    KernelDiedError,
    ParamsError,
    Problem,
    RunError,
    RunTimeoutError,
    SchemeError,
)

BAD = FIXTURES / "bad"

ID = "goals[0].indicators[0]"

# file, key path, line, a fragment of the message[, the file the problem is in when not the params file]
BAD_FILES = [
    ("unknown_top_key.yaml", "budgett", 12, "unknown key; did you mean 'budget'?"),
    ("typo_in_indicator_key.yaml", "goals[0].indicators[1].tagret", 21, "did you mean 'target'?"),
    ("negative_adjusted.yaml", "budget.adjusted", 10, "≥ 0, got -100"),
    ("chinese_text_for_number.yaml", "budget.adjusted", 10, "≥ 0, got '九千'"),
    ("hex_number.yaml", "budget.initial", 9, "got '0x64'"),
    ("not_a_number_nan.yaml", "budget.executed", 11, "got '.nan'"),
    ("lines_do_not_add_up.yaml", "budget.lines", 12, "add up to 99, but budget.adjusted is 100"),
    ("duplicate_line_names.yaml", "budget.lines[1].name", 14, "duplicate line name '专项预算项目'"),
    ("unknown_line_kind.yaml", "budget.lines[1].kind", 14, "expected one of basic, project, other; got 'projects'"),
    ("missing_department_id.yaml", "department", 3, "missing required key 'id'"),
    ("bad_department_id_path_traversal.yaml", "department.id", 4, "got '../../etc'"),
    ("year_out_of_range.yaml", "department.year", 6, "between 1990 and 2100, got 203"),
    ("fractional_year.yaml", "department.year", 6, "expected a whole number, got 2023.5"),
    ("wrong_schema.yaml", "schema", 2, "expected 'evalkit/v1', got 'evalkit/v2'"),
    ("unknown_scheme.yaml", "scheme", 7, "unknown scheme 'mof-2021'; expected one of mof-2020, seed-85-75-60"),
    ("bad_direction.yaml", f"{ID}.direction", 16, "expected one of >=, >, <=, <, =, qualitative; got '=>'"),
    ("unquoted_direction.yaml", "", 16, 'quote comparison operators, e.g. direction: ">="'),
    ("duplicate_key.yaml", "budget.executed", 12, "duplicate key"),
    ("merge_key.yaml", "goals[0].indicators[1]", 20, "merge keys (<<) are not supported"),
    ("alias_bomb.yaml", "", 2, "alias bomb"),
    ("empty_file.yaml", "", 1, "the file is empty; expected a YAML mapping"),
    ("not_a_mapping.yaml", "", 2, "expected a mapping with keys schema, department"),
    ("not_utf8.yaml", "", 5, "not UTF-8 text; save the file as UTF-8"),
    ("goals_empty.yaml", "goals", 12, "expected at least one goal"),
    ("missing_indicator_target.yaml", ID, 15, "missing required key 'target'"),
    ("level_on_numeric_indicator.yaml", f"{ID}.level", 19, "applies to qualitative indicators only"),
    ("coefficient_over_100.yaml", f"{ID}.coefficient", 19, "between 0 and 100, got 120"),
    ("unknown_tier.yaml", f"{ID}.tier", 19, "expected one of 产出, 效益, 满意度, 成本; got '质量'"),
    ("bad_rule_type.yaml", f"{ID}.rule.type", 20, "expected one of steps, deduct; got 'linear'"),
    ("rule_on_qualitative.yaml", f"{ID}.rule.type", 20, "qualitative indicators are scored by level"),
    ("steps_band_without_bound.yaml", f"{ID}.rule.bands[1]", 23, "expected 'min' or 'max'"),
    ("deduct_key_on_steps_rule.yaml", f"{ID}.rule.points", 21, "applies to deduct rules only"),
    ("bad_date.yaml", "reported.report_date", 21, "expected a date like 2024-06-11 or 2024年6月11日, got '2024-13-01'"),
    ("evaluation_period_one_date.yaml", "reported.evaluation_period", 20, "expected [start, end] dates"),
    ("reported_score_over_100.yaml", "reported.score", 20, "between 0 and 100, got 100.5"),
    ("line_rate_for_unknown_line.yaml", "reported.line_execution_rates.专项经费", 25,
     "unknown key; expected one of: 人员及公用经费, 专项预算项目"),
    ("missing_side_table.yaml", "budget.projects", 12, "'no-such-file.projects.csv' does not exist"),
    ("text_in_project_cell.yaml", "adjusted", 3, "expected a number, got '四十'", "text_in_project_cell.projects.csv"),
    ("month_13.yaml", "month", 4, "expected a number between 1 and 12, got 13", "month_13.monthly.csv"),
    ("unknown_csv_column.yaml", "remark", 2, "unknown column; expected month, executed", "unknown_csv_column.monthly.csv"),
]


@pytest.mark.parametrize("row", BAD_FILES, ids=[row[0].removesuffix(".yaml") for row in BAD_FILES])
def test_bad_params_file(row):
    name, key, line, fragment, *where = row
    shown = str(BAD / (where[0] if where else name))
    with pytest.raises(ParamsError) as info:
        evalkit.load_params(BAD / name)
    err = info.value
    located = f"{shown}:{line} {key}:" if key else f"{shown}:{line}:"
    assert located in str(err)
    assert fragment in str(err)
    matching = [p for p in err.problems if (p.path, p.key, p.line) == (shown, key, line)]
    assert matching, f"no problem at {shown}:{line} {key} in {err.problems}"
    assert any(fragment in p.message for p in matching)


def test_every_bad_fixture_is_in_the_table():
    listed = {row[0] for row in BAD_FILES} | {"several_problems.yaml"}
    assert {p.name for p in BAD.glob("*.yaml")} == listed
    assert len(BAD_FILES) >= 25


def test_one_bad_value_is_reported_once():
    # A missing required key is one problem, not also "expected …, got nothing" for the same key.
    with pytest.raises(ParamsError) as info:
        evalkit.load_params(BAD / "missing_department_id.yaml")
    assert len(info.value.problems) == 1
    assert str(info.value).startswith("1 problem in ")


def test_several_problems_are_reported_at_once():
    path = BAD / "several_problems.yaml"
    with pytest.raises(ParamsError) as info:
        evalkit.load_params(path)
    err = info.value
    found = {(p.key, p.line) for p in err.problems}
    assert found == {
        ("department.id", 4),
        ("budget.adjusted", 10),
        ("budget.executed", 11),
        (f"{ID}.direction", 16),
        (f"{ID}.weigth", 19),
    }
    assert all(p.path == str(path) for p in err.problems)
    assert str(err).startswith(f"5 problems in {path}:")
    assert "did you mean 'weight'?" in str(err)
    assert (err.path, err.key, err.line) == (str(path), "department.id", 4)  # the first problem


def test_params_error_is_an_evalkit_error():
    with pytest.raises(evalkit.EvalkitError):
        evalkit.load_params(BAD / "empty_file.yaml")


def test_unreadable_file_is_a_params_error(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ParamsError, match="cannot read") as info:
        evalkit.load_params(missing)
    assert info.value.path == str(missing)


def test_full_width_digits_thousands_separators_and_percent_are_accepted():
    p = evalkit.load_params(FIXTURES / "good" / "fullwidth_numbers.yaml")
    assert p.department.year == 2023
    assert (p.budget.initial, p.budget.adjusted, p.budget.executed) == (
        Decimal("8779.84"), Decimal("9593.18"), Decimal("9565.63"))
    assert [(line.adjusted, line.executed) for line in p.budget.lines] == [
        (Decimal("3484.29"), Decimal("3483.94")), (Decimal("6108.89"), Decimal("6081.69"))]
    assert p.budget.lines[1].count == 85
    rate, qual = p.indicators
    assert (rate.direction, rate.target, rate.actual, rate.unit) == (">=", Decimal(90), Decimal("95.5"), "%")
    assert (qual.direction, qual.coefficient) == ("qualitative", Decimal("0.85"))
    assert p.reported.execution_rate == Decimal("99.71")
    assert dict(p.reported.line_execution_rates) == {"人员及公用经费": Decimal("99.99"), "专项预算项目": Decimal("99.55")}
    assert p.reported.score == Decimal(99)


def test_full_width_figures_compare_like_the_printed_ones():
    ev = evalkit.evaluate(FIXTURES / "good" / "fullwidth_numbers.yaml")
    ids = {f.id for f in ev.finding_items}
    assert "budget.execution_rate_mismatch" not in ids
    assert "budget.line_rate_mismatch" not in ids


@pytest.mark.parametrize("bad", [
    pytest.param({"budget": {"initial": 100, "adjusted": float("nan"), "executed": 95}}, id="nan"),
    pytest.param({"budget": {"initial": 100, "adjusted": float("inf"), "executed": 95}}, id="inf"),
    pytest.param({"budget": {"initial": 100, "adjusted": True, "executed": 95}}, id="bool"),
])
def test_parse_params_rejects_non_numbers_built_in_python(bad):
    data = {"schema": "evalkit/v1", "department": {"id": "demo", "name": "示例", "year": 2023},
            "scheme": "mof-2020", "goals": [{"name": "g", "indicators": [
                {"name": "i", "direction": ">=", "target": 90, "actual": 95}]}], **bad}
    with pytest.raises(ParamsError) as info:
        evalkit.parse_params(data, path="memory.yaml")
    assert [(p.path, p.key) for p in info.value.problems] == [("memory.yaml", "budget.adjusted")]


def test_scheme_path_beside_the_params_file_is_accepted(tmp_path):
    text = (BAD / "unknown_scheme.yaml").read_text(encoding="utf-8").replace("scheme: mof-2021",
                                                                             "scheme: local.scheme.yaml")
    (tmp_path / "params.yaml").write_text(text, encoding="utf-8")
    scheme = (Path(evalkit.__file__).parent / "schemes" / "mof-2020.yaml").read_text(encoding="utf-8")
    (tmp_path / "local.scheme.yaml").write_text(scheme.replace("id: mof-2020", "id: local"), encoding="utf-8")
    ev = evalkit.evaluate(tmp_path / "params.yaml")
    assert ev.scheme.id == "local"
    assert f"{tmp_path.name}/local.scheme.yaml" in ev.provenance["inputs"]  # never an absolute server path


ERRORS = [
    pytest.param(ParamsError([Problem("p.yaml", "budget.adjusted", 10, "expected an amount ≥ 0, got '九千'"),
                              Problem("p.yaml", "", 12, "duplicate key")]), id="ParamsError"),
    pytest.param(SchemeError([Problem("s.yaml", "grades", 3, "the last band must start at min: 0")]), id="SchemeError"),
    pytest.param(DataError("p.projects.csv", [Problem("p.projects.csv", "adjusted", 3, "expected a number")]),
                 id="DataError"),
    pytest.param(RunError("failed", department="dangzheng-office", output_path="reports/x.ipynb", cell="3"),
                 id="RunError"),
    pytest.param(CellExecutionError("cell raised", department="d", output_path="o.ipynb", cell="print(1/0)"),
                 id="CellExecutionError"),
    pytest.param(RunTimeoutError("timed out", department="d", output_path="o.ipynb"), id="RunTimeoutError"),
    pytest.param(KernelDiedError("kernel died", department="d"), id="KernelDiedError"),
]


@pytest.mark.parametrize("error", ERRORS)
def test_errors_pickle_round_trip(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    for attribute in ("problems", "path", "key", "line", "failure_cases", "department", "output_path", "cell"):
        assert getattr(copy, attribute, None) == getattr(error, attribute, None)


def test_params_error_message_lists_every_problem_with_its_location():
    err = ERRORS[0].values[0]
    assert str(err).splitlines() == [
        "2 problems in p.yaml:",
        "  p.yaml:10 budget.adjusted: expected an amount ≥ 0, got '九千'",
        "  p.yaml:12: duplicate key",
    ]
    assert (err.path, err.key, err.line) == ("p.yaml", "budget.adjusted", 10)
