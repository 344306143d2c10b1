"""The worked example (params/dangzheng-office-2023.yaml): its figures come out exactly as the
report prints them, and its weak spots are surfaced as findings."""

from fractions import Fraction

import pytest
from conftest import WORKED

import evalkit
from evalkit.core.numbers import fmt_pct

RATE = Fraction(956563, 959318)  # 9565.63 ÷ 9593.18
EXECUTION = 10 * RATE
QUALITATIVE = ["全面深化改革工作", "课题调研任务", "党委和政府信息报送", "应急事件处置", "系统运行", "网络运行",
               "网络安全事件追溯"]


def ids(evaluation):
    return [f.id for f in evaluation.finding_items]


def by_id(evaluation, finding_id):
    return [f for f in evaluation.finding_items if f.id == finding_id]


def variant(tmp_path, old, new):
    text = WORKED.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / WORKED.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_execution_rate(worked):
    assert worked.budget.execution_rate == RATE
    assert fmt_pct(worked.budget.execution_rate) == "99.71%"
    assert worked.budget.trails["execution_rate"].endswith("9565.63 ÷ 9593.18 = 99.71%")


@pytest.mark.parametrize(("name", "rate", "display", "trail"), [
    ("人员及公用经费", Fraction(348394, 348429), "99.99%", "3483.94 ÷ 3484.29 = 99.99%"),
    ("专项预算项目", Fraction(608169, 610889), "99.55%", "6081.69 ÷ 6108.89 = 99.55%"),
])
def test_line_execution_rates(worked, name, rate, display, trail):
    (line,) = [line for line in worked.budget.lines if line.name == name]
    assert line.execution_rate == rate
    assert fmt_pct(line.execution_rate) == display
    assert line.trail.endswith(trail)


def test_adjustment_rate(worked):
    assert worked.budget.adjustment_rate == Fraction(959318 - 877984, 877984)
    assert fmt_pct(worked.budget.adjustment_rate) == "9.26%"
    assert worked.budget.trails["adjustment_rate"].endswith("(9593.18 − 8779.84) ÷ 8779.84 = 9.26%")


def test_execution_score(worked):
    assert worked.budget.execution_score == Fraction(10) * Fraction(956563, 959318)
    assert worked.budget.trails["execution_score"].endswith("10 × 99.71% = 9.97")


def test_score_is_an_interval_from_execution_to_execution_plus_90(worked):
    assert worked.score.execution == EXECUTION
    assert worked.score.indicators == 0
    assert (worked.score.min, worked.score.max) == (EXECUTION, EXECUTION + 90)
    assert worked.score.complete is False
    assert worked.score.total is None
    assert worked.score_text() == "[9.97, 99.97]"


def test_grade_at_both_ends(worked):
    assert worked.grade.label is None
    assert (worked.grade.min_label, worked.grade.max_label) == ("较差", "优秀")
    assert worked.grade_text() == "较差 ~ 优秀"


def test_41_indicators_none_scored_equal_weights(worked):
    assert len(worked.indicator_scores) == 41
    assert not any(s.scored for s in worked.indicator_scores)
    assert worked.weights.basis == "equal"
    assert {s.weight for s in worked.indicator_scores} == {Fraction(90, 41)}


@pytest.mark.parametrize(("finding_id", "severity"), [
    ("score.unverifiable", "warning"),
    ("indicator.missing_actual", "warning"),
    ("indicator.direction_contradiction", "warning"),
    ("indicator.percent_on_speed", "warning"),
    ("indicator.vague_target", "warning"),
    ("timeline.period_before_year_end", "error"),
    ("report.duplicate_section_number", "info"),
])
def test_findings_present(worked, finding_id, severity):
    found = by_id(worked, finding_id)
    assert found
    assert {f.severity for f in found} == {severity}


@pytest.mark.parametrize("finding_id", [
    "budget.execution_rate_mismatch", "budget.line_rate_mismatch", "budget.adjustment_rate_mismatch",
    "budget.low_execution", "budget.over_execution", "score.outside_interval", "score.mismatch",
    "grade.mismatch", "grade.outside_interval", "grade.unknown", "grade.inconsistent_with_reported_score",
])
def test_findings_absent(worked, finding_id):
    assert finding_id not in ids(worked)


def test_unverifiable_score_states_the_interval(worked):
    (f,) = by_id(worked, "score.unverifiable")
    assert f.evidence["reported"] == 99.0
    assert f.evidence["min"] == pytest.approx(float(EXECUTION))
    assert f.evidence["max"] == pytest.approx(float(EXECUTION + 90))
    assert f.evidence["unscored"] == 41
    assert "9.97至99.97" in f.message


def test_missing_actuals_counted(worked):
    (f,) = by_id(worked, "indicator.missing_actual")
    assert (f.evidence["count"], f.evidence["of"]) == (41, 41)
    assert f.evidence["points"] == pytest.approx(90)


def test_direction_contradiction_is_大型会议控制率(worked):
    (f,) = by_id(worked, "indicator.direction_contradiction")
    assert f.evidence["indicator"] == "大型会议控制率"
    assert f.subject == "goals[2].indicators[1]"


def test_percent_on_speed_is_公文流转速度(worked):
    (f,) = by_id(worked, "indicator.percent_on_speed")
    assert f.evidence["indicator"] == "公文流转速度"


def test_every_qualitative_target_is_vague(worked):
    names = {f.evidence["indicator"] for f in by_id(worked, "indicator.vague_target")}
    assert names >= set(QUALITATIVE)


def test_evaluation_period_precedes_year_end(worked):
    (f,) = by_id(worked, "timeline.period_before_year_end")
    assert f.evidence["evaluation_period"] == ["2023-04-10", "2023-04-30"]
    assert f.evidence["fiscal_year_end"] == "2023-12-31"


def test_errors_come_first(worked):
    order = ["error", "warning", "info"]
    severities = [order.index(f.severity) for f in worked.finding_items]
    assert severities == sorted(severities)


def test_misprinted_execution_rate_is_an_error(tmp_path):
    worked = evalkit.evaluate(variant(tmp_path, "execution_rate: 99.71", "execution_rate: 99.72"))
    (f,) = by_id(worked, "budget.execution_rate_mismatch")
    assert f.severity == "error"
    assert f.evidence["reported"] == 99.72
    assert f.evidence["computed"] == pytest.approx(float(RATE))
    assert "99.71%" in f.message


def test_misprinted_line_rate_is_an_error(tmp_path):
    worked = evalkit.evaluate(variant(tmp_path, "专项预算项目: 99.55", "专项预算项目: 99.56"))
    (f,) = by_id(worked, "budget.line_rate_mismatch")
    assert f.evidence["line"] == "专项预算项目"


def test_reported_score_above_100_is_a_params_error(tmp_path):
    path = variant(tmp_path, "score: 99\n", "score: 100.5\n")
    with pytest.raises(evalkit.ParamsError) as info:
        evalkit.evaluate(path)
    (problem,) = info.value.problems
    line = WORKED.read_text(encoding="utf-8").splitlines().index("  score: 99") + 1
    assert (problem.path, problem.key, problem.line) == (str(path), "reported.score", line)
    assert "between 0 and 100, got 100.5" in problem.message


def test_reported_score_outside_the_interval_is_an_error(tmp_path):
    worked = evalkit.evaluate(variant(tmp_path, "score: 99\n", "score: 5\n"))
    (f,) = by_id(worked, "score.outside_interval")
    assert f.severity == "error"
    assert "score.unverifiable" not in ids(worked)
    assert "[9.97, 99.97]" in f.message


def test_result_json_of_the_worked_example(worked):
    d = worked.to_dict()
    assert d["budget"]["execution_rate_display"] == "99.71%"
    assert d["budget"]["adjustment_rate_display"] == "9.26%"
    assert [line["execution_rate_display"] for line in d["budget"]["lines"]] == ["99.99%", "99.55%"]
    assert d["score"]["total"] is None
    assert d["score"]["complete"] is False
    assert d["score"]["min"] == pytest.approx(float(EXECUTION))
    assert d["score"]["max"] == pytest.approx(float(EXECUTION + 90))
    assert (d["grade"]["label"], d["grade"]["min_label"], d["grade"]["max_label"]) == (None, "较差", "优秀")
    assert d["reported"]["score"] == 99.0
    assert d["reported"]["line_execution_rates"] == {"人员及公用经费": 99.99, "专项预算项目": 99.55}
    assert len(d["indicators"]) == 41
