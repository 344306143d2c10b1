"""A partial params model: what a report does not state is unknown (``None`` with a reason), the checks
that need it are skipped and say why, and nothing invents a value to make the core run."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from evalkit.core.evaluation import check_params, evaluate_params
from evalkit.core.findings import CHECKS
from evalkit.core.params import parse_params
from evalkit.core.places import ParamsPlace
from evalkit.core.scheme import load_scheme
from evalkit.exceptions import ParamsError

SCHEME = load_scheme("mof-2020")
REPORTED = {"score": 95, "grade": "优秀", "evaluation_period": ["2023-01-01", "2023-06-30"]}


def _mapping(**budget) -> dict:
    return {"schema": "evalkit/v1", "department": {"id": "x", "name": None, "year": 2023}, "scheme": "mof-2020",
            "budget": {"initial": None, "adjusted": None, "executed": None, **budget}, "goals": [],
            "reported": dict(REPORTED)}


def test_a_params_mapping_with_nulls_is_refused_unless_they_are_declared_unknown():
    with pytest.raises(ParamsError) as err:
        parse_params(_mapping())
    keys = {p.key for p in err.value.problems}
    assert {"department.name", "budget.initial", "budget.adjusted", "budget.executed", "goals"} <= keys
    unknown = {"department.name": "报告未读出", "budget.initial": "报告未列年初预算数", "budget.adjusted": "报告未读出",
               "budget.executed": "报告未读出", "goals": "报告未列绩效指标"}
    params = parse_params(_mapping(), unknown=unknown)
    assert params.budget.adjusted is None and params.department.name is None and params.goals == ()
    assert params.unknown_why("goals[0].indicators[1].actual") == "报告未列绩效指标"
    assert params.unknown_why("reported.score") is None


def test_an_undeclared_key_is_still_validated_in_a_partial_model():
    with pytest.raises(ParamsError) as err:
        parse_params(_mapping(adjusted="many"), unknown={"budget.initial": "x", "budget.executed": "x", "goals": "x",
                                                         "department.name": "x"})
    assert [p.key for p in err.value.problems] == ["budget.adjusted"]


def test_checks_needing_an_unknown_input_are_skipped_with_the_reason_and_the_others_run():
    unknown = {"department.name": "报告未读出", "budget.initial": "报告未列年初预算数", "budget.adjusted": "报告未读出",
               "budget.executed": "报告未读出", "goals": "报告未列绩效指标"}
    findings, skipped = check_params(parse_params(_mapping(), unknown=unknown), SCHEME)
    ids = {f.id for f in findings}
    # the period and the printed grade need neither the budget nor the goals
    assert {"timeline.period_before_year_end", "grade.synonym"} <= ids
    assert not any(i.startswith(("budget.", "score.", "indicator.", "weights.")) for i in ids)
    by_check = {s.check: s.unknown for s in skipped}
    # the indicator list being whole (goals.complete) is unknown with the goals
    assert by_check["reported_score"] == {"budget.adjusted": "报告未读出", "budget.executed": "报告未读出",
                                          "goals": "报告未列绩效指标", "goals.complete": "报告未列绩效指标"}
    assert by_check["adjustment_level"]["budget.initial"] == "报告未列年初预算数"
    assert "timeline" not in by_check and "reported_grade" not in by_check
    needing = {c.name for c in CHECKS if c.scope == "params" and c.needs and c.needs != ("department.year",)}
    assert needing == set(by_check)


def test_a_known_budget_without_its_initial_amount_checks_the_execution_rate_only():
    mapping = _mapping(adjusted=100, executed=50)
    mapping["reported"] = {"execution_rate": 60}
    params = parse_params(mapping, unknown={"budget.initial": "报告未列年初预算数", "goals": "报告未列绩效指标",
                                            "department.name": "报告未读出"})
    findings, skipped = check_params(params, SCHEME)
    assert {f.id for f in findings} == {"budget.execution_rate_mismatch", "budget.low_execution"}
    mismatch = next(f for f in findings if f.id == "budget.execution_rate_mismatch")
    assert [p.key for p in mismatch.where] == ["reported.execution_rate", "budget.adjusted", "budget.executed"]
    assert {s.check for s in skipped} >= {"adjustment_level", "reported_adjustment_rate", "missing_actuals"}


def test_an_unreadable_actual_is_not_called_a_missing_one():
    indicator = {"name": "培训人次", "direction": ">=", "target": 100, "unit": "人次", "actual": None,
                 "reported": {"score": 10}}
    mapping = _mapping(initial=100, adjusted=100, executed=95)
    mapping["goals"] = [{"name": "培训", "indicators": [indicator]}]
    mapping["department"]["name"] = "某局"
    key = "goals[0].indicators[0].actual"
    stated = {f.id for f in check_params(parse_params(mapping), SCHEME)[0]}
    unreadable = {f.id for f in check_params(parse_params(mapping, unknown={key: "完成值不是数值"}), SCHEME)[0]}
    assert "indicator.reported_without_actual" in stated
    assert unreadable == stated - {"indicator.reported_without_actual"}


def test_a_partial_model_is_never_evaluated_as_if_complete():
    params = parse_params(_mapping(adjusted=1, executed=1), unknown={"budget.initial": "x", "goals": "x",
                                                                     "department.name": "x"})
    with pytest.raises(ValueError, match="partial"):
        evaluate_params(params, SCHEME)


def test_findings_of_a_params_file_point_at_its_file_and_line(worked):
    placed = [p for f in worked.finding_items for p in f.where]
    assert placed and all(isinstance(p, ParamsPlace) and p.file == worked.params.source for p in placed)
    assert all(p.line == worked.params.line(p.key) for p in placed)
    assert any(p.line for p in placed)


def test_no_stand_in_value_and_no_finding_id_test_in_the_audit_or_the_core():
    """The audit used to invent a budget of 1/1/1, an indicator “（未识别）” and the year 2000 so the core
    would run, then drop and re-point the core's findings by their ids."""
    stand_ins = re.compile(r"（未识别|\]\s*=\s*2000\b|Decimal\(1\), adjusted=Decimal\(1\)|_NEEDS")
    by_id = re.compile(r"\bf\.id\s*(==|!=|\bin\b)|\bf\.id\.startswith|\"\w+\.\w+\" in f\.id")
    for folder in ("audit", "core"):
        for path in sorted((ROOT / "evalkit" / folder).glob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                assert not stand_ins.search(line), f"{path.name}:{number}: {line.strip()}"
                if folder == "audit":
                    assert not by_id.search(line), f"{path.name}:{number}: {line.strip()}"
