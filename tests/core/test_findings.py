"""Findings: one fixture per behaviour, each expected to raise exactly the findings listed."""

from fractions import Fraction

import pytest
from conftest import FIXTURES

import evalkit

FINDINGS = FIXTURES / "findings"
IND0, IND1 = "goals[0].indicators[0]", "goals[0].indicators[1]"

# fixture, the complete set of (id, severity, subject) it must produce
CASES = [
    ("clean.yaml", set()),
    ("line_rate_printed_with_one_decimal.yaml", set()),
    # 99 against a computed 99.97 (printed with 0 decimals → 100): within the 0.5 tolerance, so only info
    ("score_within_tolerance.yaml", {("score.mismatch", "info", "reported.score")}),
    ("reported_coefficient_printed_rounded.yaml", set()),
    ("execution_rate_mismatch.yaml", {("budget.execution_rate_mismatch", "error", "reported.execution_rate")}),
    ("line_rate_mismatch.yaml",
     {("budget.line_rate_mismatch", "error", "reported.line_execution_rates.专项预算项目")}),
    ("adjustment_rate_mismatch.yaml", {("budget.adjustment_rate_mismatch", "error", "reported.adjustment_rate")}),
    ("over_execution.yaml", {("budget.over_execution", "error", "budget.executed")}),
    ("low_execution.yaml", {("budget.low_execution", "warning", "budget.executed")}),
    ("line_low_execution.yaml", {("budget.line_low_execution", "warning", "budget.lines")}),
    ("no_adjusted_budget.yaml", {("budget.no_adjusted_budget", "error", "budget.adjusted")}),
    ("high_adjustment.yaml", {("budget.high_adjustment", "warning", "budget.adjusted")}),
    ("projects_do_not_add_up.yaml", {("budget.projects_do_not_add_up", "error", "budget.projects")}),
    ("project_count_mismatch.yaml", {("budget.project_count_mismatch", "warning", "budget.projects")}),
    ("project_low_execution.yaml", {("budget.project_low_execution", "warning", "budget.projects")}),
    ("monthly_do_not_add_up.yaml", {("budget.monthly_do_not_add_up", "error", "budget.monthly")}),
    ("year_end_spike.yaml", {("budget.year_end_spike", "warning", "budget.monthly")}),
    ("score_slightly_off.yaml", {("score.mismatch", "warning", "reported.score")}),
    ("score_far_from_computed.yaml", {("score.mismatch", "error", "reported.score"),
                                      ("grade.inconsistent_with_reported_score", "error", "reported.grade")}),
    ("zero_score_graded_best.yaml", {("score.mismatch", "warning", "reported.score"),
                                     ("grade.mismatch", "error", "reported.grade"),
                                     ("grade.inconsistent_with_reported_score", "error", "reported.grade")}),
    ("missing_actual.yaml", {("indicator.missing_actual", "warning", None),
                             ("score.unverifiable", "warning", "reported.score")}),
    ("grade_outside_interval.yaml", {("indicator.missing_actual", "warning", None),
                                     ("grade.outside_interval", "error", "reported.grade")}),
    ("grade_mismatch.yaml", {("grade.mismatch", "error", "reported.grade")}),
    ("grade_unknown.yaml", {("grade.unknown", "error", "reported.grade")}),
    ("grade_synonym.yaml", {("grade.synonym", "info", "reported.grade")}),
    ("weights_do_not_sum.yaml", {("weights.sum_mismatch", "error", "goals")}),
    ("reported_row_contradicts_rule.yaml", {("indicator.reported_score_mismatch", "error", IND0),
                                            ("indicator.reported_coefficient_mismatch", "error", IND0)}),
    ("reported_without_actual.yaml", {("indicator.missing_actual", "warning", None),
                                      ("indicator.reported_without_actual", "warning", IND0)}),
    ("coefficient_outside_band.yaml", {("indicator.coefficient_outside_band", "error", IND1)}),
    ("direction_contradiction.yaml", {("indicator.direction_contradiction", "warning", IND1)}),
    ("direction_mismatch.yaml", {("indicator.direction_mismatch", "warning", IND1)}),
    ("vague_target.yaml", {("indicator.vague_target", "warning", IND1)}),
    ("percent_on_speed.yaml", {("indicator.percent_on_speed", "warning", IND1)}),
    ("percent_on_count.yaml", {("indicator.percent_on_count", "warning", IND1)}),
    ("percent_on_attribute.yaml", {("indicator.percent_on_attribute", "info", IND1)}),
    ("overshoot.yaml", {("indicator.overshoot", "warning", IND0)}),
    ("duplicate_section_number.yaml", {("report.duplicate_section_number", "info", "goals")}),
    ("period_before_year_end.yaml", {("timeline.period_before_year_end", "error", "reported.evaluation_period")}),
    ("period_reversed.yaml", {("timeline.period_reversed", "error", "reported.evaluation_period")}),
    ("report_before_period_end.yaml", {("timeline.report_before_period_end", "error", "reported.report_date")}),
    ("report_before_year_end.yaml", {("timeline.report_before_year_end", "error", "reported.report_date")}),
    ("report_late.yaml", {("timeline.report_late", "warning", "reported.report_date")}),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0].removesuffix(".yaml") for c in CASES])
def test_findings(name, expected):
    ev = evalkit.evaluate(FINDINGS / name)
    assert {(f.id, f.severity, f.subject) for f in ev.finding_items} == expected
    for f in ev.finding_items:
        assert f.message  # every finding says in Chinese what is wrong …
        assert f.severity in ("error", "warning", "info")


def test_every_findings_fixture_is_in_the_table():
    assert {p.name for p in FINDINGS.glob("*.yaml")} == {c[0] for c in CASES}


def run(name):
    return evalkit.evaluate(FINDINGS / name)


def only(ev, finding_id):
    (f,) = [f for f in ev.finding_items if f.id == finding_id]
    return f


# … and carries the numbers behind it.
@pytest.mark.parametrize(("name", "finding_id", "evidence"), [
    ("execution_rate_mismatch.yaml", "budget.execution_rate_mismatch", {"reported": 95.5, "computed": 0.95}),
    ("line_rate_mismatch.yaml", "budget.line_rate_mismatch", {"line": "专项预算项目", "reported": 91.66}),
    ("high_adjustment.yaml", "budget.high_adjustment", {"adjustment_rate": 30 / 70, "threshold": 0.3}),
    ("low_execution.yaml", "budget.low_execution", {"execution_rate": 0.8, "threshold": 0.9}),
    ("over_execution.yaml", "budget.over_execution", {"execution_rate": 1.05}),
    ("line_low_execution.yaml", "budget.line_low_execution", {"line": "专项预算项目", "execution_rate": 50 / 60}),
    ("year_end_spike.yaml", "budget.year_end_spike", {"december_share": 40 / 95, "q4_share": 50 / 95}),
    ("monthly_do_not_add_up.yaml", "budget.monthly_do_not_add_up", {"monthly_total": 90.0, "executed": 95.0}),
    ("project_count_mismatch.yaml", "budget.project_count_mismatch", {"reported": 3, "listed": 2}),
    ("score_slightly_off.yaml", "score.mismatch", {"reported": 97.0, "min": 99.5, "max": 99.5, "difference": -2.5}),
    ("score_far_from_computed.yaml", "score.mismatch", {"reported": 85.0, "difference": -14.5}),
    ("missing_actual.yaml", "score.unverifiable", {"min": 54.5, "max": 99.5, "unscored": 1}),
    ("missing_actual.yaml", "indicator.missing_actual", {"count": 1, "of": 2, "indicators": ["安全事故次数"],
                                                         "points": 45.0}),
    ("grade_outside_interval.yaml", "grade.outside_interval", {"reported": "中", "possible": ["优", "良"]}),
    ("weights_do_not_sum.yaml", "weights.sum_mismatch", {"sum": 85.0, "expected": 90.0}),
    ("reported_row_contradicts_rule.yaml", "indicator.reported_score_mismatch",
     {"reported": 45.0, "computed": 45 * 0.7274}),
    ("reported_row_contradicts_rule.yaml", "indicator.reported_coefficient_mismatch",
     {"reported": 1.0, "computed": 0.7274}),
    ("overshoot.yaml", "indicator.overshoot", {"actual": 91.0, "target": 70.0, "ratio": 1.3}),
    ("duplicate_section_number.yaml", "report.duplicate_section_number", {"number": "（一）",
                                                                        "goals": ["综合事务", "安全管理"]}),
    ("vague_target.yaml", "indicator.vague_target", {"vague_words": ["提高", "进一步"]}),
])
def test_finding_evidence(name, finding_id, evidence):
    f = only(run(name), finding_id)
    for key, value in evidence.items():
        assert f.evidence[key] == (pytest.approx(value) if isinstance(value, float) else value), key


def test_projects_not_adding_up_names_both_fields():
    ev = run("projects_do_not_add_up.yaml")
    found = [f.evidence for f in ev.finding_items if f.id == "budget.projects_do_not_add_up"]
    assert found == [{"field": "adjusted", "projects_total": 50.0, "line_total": 60.0},
                     {"field": "executed", "projects_total": 45.0, "line_total": 55.0}]


def test_low_execution_project_is_named():
    f = only(run("project_low_execution.yaml"), "budget.project_low_execution")
    assert [p["name"] for p in f.evidence["projects"]] == ["档案库房改造"]
    assert f.evidence["projects"][0]["execution_rate"] == 0.5
    assert "档案库房改造50.00%" in f.message


def test_row_scored_in_full_is_shown_with_its_rule():
    f = only(run("reported_row_contradicts_rule.yaml"), "indicator.reported_score_mismatch")
    assert "自评45分，按其规则应得32.73分" in f.message
    assert "45.00 × 72.74 ÷ 100 = 32.73" in f.evidence["trail"]


def test_clamped_coefficient_scores_at_band_edge():
    ev = run("coefficient_outside_band.yaml")
    assert ev.indicator_scores[1].score == 36  # 45 × 80 %
    assert ev.score.total == Fraction(19, 2) + 45 + 36
