"""Scoring rules, one parametrised table per rule (DESIGN.md "Scoring rules").

Every expected value is worked out by hand as an exact Fraction in the table; nothing here
asks the code under test for its own answer.
"""

import dataclasses
from decimal import Decimal
from fractions import Fraction as F

import pytest

import evalkit
from evalkit import ParamsError
from evalkit.core.model import Band, Indicator, Rule
from evalkit.core.scoring import (
    grade,
    plan_weights,
    score_indicator,
    score_indicators,
    summarise,
)

MOF = evalkit.load_scheme("mof-2020")
LINEAR = dataclasses.replace(MOF, reverse_rule="linear-2x")
SEED = evalkit.load_scheme("seed-85-75-60")
W = F(10)  # weight used by the rule tables: coefficient × 10 is easy to check by eye


def numeric(direction, target, actual, **kwargs):
    return Indicator(name="指标", direction=direction, target=Decimal(target),
                     actual=None if actual is None else Decimal(actual), **kwargs)


def check(indicator, scheme, coefficient, score):
    got_coefficient, got_score, rule, trail = score_indicator(indicator, W, scheme)
    assert got_coefficient == coefficient
    assert got_score == score
    assert rule and trail  # every score carries its rule and its calculation trail
    return trail


@pytest.mark.parametrize(("direction", "target", "actual", "coefficient", "score"), [
    pytest.param(">=", "90", "95", F(1), F(10), id="above-target"),
    pytest.param(">=", "90", "90", F(1), F(10), id="actual-equals-target"),
    pytest.param(">", "90", "90", F(1), F(10), id="strict-scores-like->="),
    pytest.param(">=", "90", "72", F(4, 5), F(8), id="72-of-90"),
    pytest.param(">=", "100", "72.74", F(7274, 10000), F(7274, 1000), id="72.74-of-100"),
    pytest.param(">", "3", "2", F(2, 3), F(20, 3), id="count-2-of-3"),
    pytest.param(">=", "0.5", "0.25", F(1, 2), F(5), id="small-target"),
    pytest.param(">=", "90", "120", F(1), F(10), id="over-100-percent-capped"),
    pytest.param(">=", "90", "0", F(0), F(0), id="zero-actual"),
    pytest.param(">=", "90", "-5", F(0), F(0), id="negative-actual"),
    pytest.param(">=", "0", "0", F(1), F(10), id="target-0-actual-0"),
    pytest.param(">=", "0", "-1", F(0), F(0), id="target-0-negative-actual"),
    pytest.param(">=", "90", None, None, None, id="missing-actual"),
])
def test_at_least(direction, target, actual, coefficient, score):
    check(numeric(direction, target, actual), MOF, coefficient, score)


@pytest.mark.parametrize(("target", "actual", "coefficient", "score"), [
    pytest.param("100", "100", F(1), F(10), id="equal"),
    pytest.param("100", "95", F(19, 20), F(19, 2), id="target>0-below-as->="),
    pytest.param("100", "105", F(1), F(10), id="target>0-above-as->="),
    pytest.param("100", "-3", F(0), F(0), id="target>0-negative-actual"),
    pytest.param("0", "0", F(1), F(10), id="target-0-actual-0"),
    pytest.param("0", "-2", F(1), F(10), id="target-0-negative-actual"),
    pytest.param("0", "0.01", F(0), F(0), id="target-0-any-positive-actual"),
    pytest.param("0", "3", F(0), F(0), id="target-0-actual-3"),
    pytest.param("0", None, None, None, id="missing-actual"),
])
def test_equal(target, actual, coefficient, score):
    check(numeric("=", target, actual), MOF, coefficient, score)


# direction, target, actual, (coefficient, score) under ratio, (coefficient, score) under linear-2x
AT_MOST = [
    pytest.param("<=", "5", "4", (F(1), F(10)), (F(1), F(10)), id="below-target"),
    pytest.param("<=", "5", "5", (F(1), F(10)), (F(1), F(10)), id="actual-equals-target"),
    pytest.param("<", "5", "5", (F(1), F(10)), (F(1), F(10)), id="strict-scores-like-<="),
    pytest.param("<=", "5", "8", (F(5, 8), F(25, 4)), (F(2, 5), F(4)), id="8-against-5"),
    pytest.param("<", "4", "5", (F(4, 5), F(8)), (F(3, 4), F(15, 2)), id="5-against-4"),
    pytest.param("<=", "5", "10", (F(1, 2), F(5)), (F(0), F(0)), id="double-the-target"),
    pytest.param("<=", "5", "12", (F(5, 12), F(25, 6)), (F(0), F(0)), id="linear-floors-at-0"),
    pytest.param("<=", "5", "-1", (F(1), F(10)), (F(1), F(10)), id="negative-actual"),
    pytest.param("<=", "0", "0", (F(1), F(10)), (F(1), F(10)), id="target-0-actual-0"),
    pytest.param("<=", "0", "3", (F(0), F(0)), (F(0), F(0)), id="target-0-actual-positive"),
    pytest.param("<", "0", "0.5", (F(0), F(0)), (F(0), F(0)), id="strict-target-0-actual-positive"),
    pytest.param("<=", "5", None, (None, None), (None, None), id="missing-actual"),
]


@pytest.mark.parametrize(("direction", "target", "actual", "ratio", "linear"), AT_MOST)
def test_at_most_ratio(direction, target, actual, ratio, linear):
    check(numeric(direction, target, actual), MOF, *ratio)


@pytest.mark.parametrize(("direction", "target", "actual", "ratio", "linear"), AT_MOST)
def test_at_most_linear_2x(direction, target, actual, ratio, linear):
    check(numeric(direction, target, actual), LINEAR, *linear)


def test_reverse_trails_name_their_rule():
    ratio_trail = check(numeric("<=", "5", "8"), MOF, F(5, 8), F(25, 4))
    linear_trail = check(numeric("<=", "5", "8"), LINEAR, F(2, 5), F(4))
    assert ratio_trail == "10.00 × 5 ÷ 8 = 6.25"
    assert linear_trail == "10.00 × max(0, 2 − 8 ÷ 5) = 4.00"


def qualitative(level, coefficient=None):
    return Indicator(name="系统运行", direction="qualitative", target="全年无故障", level=level,
                     coefficient=None if coefficient is None else Decimal(coefficient))


# mof-2020 bands: 达成 80–100 %, 部分达成 60–80 %, 未达成 0–60 %; defaults 100 %, 60 %, 0 %.
@pytest.mark.parametrize(("level", "given", "coefficient", "score"), [
    pytest.param("达成", None, F(1), F(10), id="达成-default"),
    pytest.param("部分达成", None, F(3, 5), F(6), id="部分达成-default"),
    pytest.param("未达成", None, F(0), F(0), id="未达成-default"),
    pytest.param("达成", "0.9", F(9, 10), F(9), id="达成-explicit-inside"),
    pytest.param("达成", "0.8", F(4, 5), F(8), id="达成-explicit-at-lower-edge"),
    pytest.param("部分达成", "0.7", F(7, 10), F(7), id="部分达成-explicit-inside"),
    pytest.param("部分达成", "0.9", F(4, 5), F(8), id="部分达成-above-band-clamped"),
    pytest.param("达成", "0.5", F(4, 5), F(8), id="达成-below-band-clamped"),
    pytest.param("未达成", "0.7", F(3, 5), F(6), id="未达成-above-band-clamped"),
    pytest.param(None, "0.75", F(3, 4), F(15, 2), id="no-level-explicit-coefficient"),
    pytest.param(None, None, None, None, id="no-level-no-coefficient-unscored"),
])
def test_qualitative(level, given, coefficient, score):
    check(qualitative(level, given), MOF, coefficient, score)


def test_clamped_coefficient_is_scored_at_the_band_edge_and_reported_as_a_finding():
    data = {
        "schema": "evalkit/v1", "department": {"id": "demo", "name": "示例", "year": 2023},
        "scheme": "mof-2020", "budget": {"initial": 100, "adjusted": 100, "executed": 100},
        "goals": [{"name": "信息化", "indicators": [
            {"name": "系统运行", "direction": "qualitative", "target": "全年无故障", "level": "部分达成",
             "coefficient": "90%"},
        ]}],
    }
    ev = evalkit.evaluate(data)
    (only,) = ev.indicator_scores
    assert only.coefficient == F(4, 5)
    assert only.score == F(90) * F(4, 5)
    assert "超出该档区间" in only.trail
    (finding,) = [f for f in ev.finding_items if f.id == "indicator.coefficient_outside_band"]
    assert finding.severity == "error"
    assert finding.evidence["coefficient"] == 0.9
    assert finding.evidence["band"] == [0.6, 0.8]


STEPS = Rule(type="steps", bands=(
    Band(coefficient=Decimal(1), min=Decimal(95)),
    Band(coefficient=Decimal("0.8"), min=Decimal(85)),
    Band(coefficient=Decimal("0.5"), min=Decimal(60)),
))
STEPS_BY_MAX = Rule(type="steps", bands=(
    Band(coefficient=Decimal(1), max=Decimal(2)),
    Band(coefficient=Decimal("0.6"), min=Decimal(2), max=Decimal(5)),
))


@pytest.mark.parametrize(("rule", "actual", "coefficient", "score"), [
    pytest.param(STEPS, "97", F(1), F(10), id="top-band"),
    pytest.param(STEPS, "95", F(1), F(10), id="top-band-lower-bound-inclusive"),
    pytest.param(STEPS, "94.99", F(4, 5), F(8), id="just-below-top-band"),
    pytest.param(STEPS, "85", F(4, 5), F(8), id="middle-band-bound"),
    pytest.param(STEPS, "60", F(1, 2), F(5), id="bottom-band-bound"),
    pytest.param(STEPS, "59", F(0), F(0), id="below-every-band"),
    pytest.param(STEPS, "-1", F(0), F(0), id="negative-actual"),
    pytest.param(STEPS, None, None, None, id="missing-actual"),
    pytest.param(STEPS_BY_MAX, "0", F(1), F(10), id="max-band"),
    pytest.param(STEPS_BY_MAX, "2", F(1), F(10), id="shared-bound-first-band-wins"),
    pytest.param(STEPS_BY_MAX, "3", F(3, 5), F(6), id="second-band"),
    pytest.param(STEPS_BY_MAX, "6", F(0), F(0), id="beyond-every-band"),
])
def test_steps_rule(rule, actual, coefficient, score):
    # The rule overrides the direction: a ">=" indicator with target 100 is scored by its bands.
    check(numeric(">=", "100", actual, rule=rule), MOF, coefficient, score)


def deduct(threshold, points, *, per="1", side):
    return Rule(type="deduct", threshold=Decimal(threshold), per=Decimal(per), points=Decimal(points), side=side)


@pytest.mark.parametrize(("rule", "actual", "coefficient", "score"), [
    # 安全事故: every incident above 0 costs 2 points.
    pytest.param(deduct("0", "2", side="above"), "0", F(1), F(10), id="above-at-threshold"),
    pytest.param(deduct("0", "2", side="above"), "-1", F(1), F(10), id="above-below-threshold"),
    pytest.param(deduct("0", "2", side="above"), "1", F(4, 5), F(8), id="above-one-over"),
    pytest.param(deduct("0", "2", side="above"), "2.5", F(1, 2), F(5), id="above-fractional-excess"),
    pytest.param(deduct("0", "2", side="above"), "5", F(0), F(0), id="above-exactly-all-lost"),
    pytest.param(deduct("0", "2", side="above"), "6", F(0), F(0), id="above-floors-at-0"),
    # 满意度: every point below 95 costs 1 point; per 0.5 doubles the loss.
    pytest.param(deduct("95", "1", side="below"), "96", F(1), F(10), id="below-above-threshold"),
    pytest.param(deduct("95", "1", side="below"), "95", F(1), F(10), id="below-at-threshold"),
    pytest.param(deduct("95", "1", side="below"), "92", F(7, 10), F(7), id="below-three-under"),
    pytest.param(deduct("95", "1", side="below"), "90.5", F(11, 20), F(11, 2), id="below-fractional"),
    pytest.param(deduct("95", "1", side="below"), "80", F(0), F(0), id="below-floors-at-0"),
    pytest.param(deduct("95", "1", per="0.5", side="below"), "94", F(4, 5), F(8), id="per-half-unit"),
    pytest.param(deduct("95", "1", side="below"), None, None, None, id="missing-actual"),
])
def test_deduct_rule(rule, actual, coefficient, score):
    check(numeric(">=", "95", actual, rule=rule), MOF, coefficient, score)


# --- weights ---------------------------------------------------------------------------------

def weighted(*specs):
    """Indicators from (tier, weight) pairs; every one fully achieved."""
    return tuple(Indicator(name=f"指标{i}", direction=">=", target=Decimal(90), actual=Decimal(95), tier=tier,
                           weight=None if weight is None else Decimal(weight))
                 for i, (tier, weight) in enumerate(specs))


@pytest.mark.parametrize(("specs", "basis", "weights"), [
    pytest.param([(None, "50"), (None, "30"), (None, "10")], "explicit", [F(50), F(30), F(10)], id="explicit-summing"),
    pytest.param([(None, "50"), (None, "30"), (None, "5")], "explicit", [F(50), F(30), F(5)], id="explicit-short"),
    pytest.param([(None, "22.5"), (None, "67.5")], "explicit", [F(45, 2), F(135, 2)], id="explicit-decimals"),
    pytest.param([(None, "30"), (None, None), (None, None)], "mixed", [F(30), F(30), F(30)], id="mixed"),
    pytest.param([(None, "50"), (None, None), (None, None), (None, None)], "mixed",
                 [F(50), F(40, 3), F(40, 3), F(40, 3)], id="mixed-thirds"),
    pytest.param([(None, "60"), (None, "40"), (None, None)], "mixed", [F(60), F(40), F(0)], id="mixed-over-points"),
    pytest.param([("产出", "20"), ("效益", None)], "mixed", [F(20), F(70)], id="explicit-beats-tier"),
    pytest.param([("产出", None), ("产出", None), ("效益", None), ("效益", None), ("效益", None), ("满意度", None)],
                 "tier", [F(25), F(25), F(10), F(10), F(10), F(10)], id="by-tier"),
    pytest.param([("产出", None), ("产出", None), ("效益", None)], "tier", [F(25), F(25), F(40)],
                 id="empty-满意度-folds-into-效益"),
    pytest.param([("产出", None), ("效益", None), ("效益", None), ("效益", None), ("效益", None)], "tier",
                 [F(50), F(10), F(10), F(10), F(10)], id="empty-满意度-folds-into-效益-split"),
    pytest.param([(None, None)] * 4, "equal", [F(45, 2)] * 4, id="equal"),
    pytest.param([(None, None)] * 41, "equal", [F(90, 41)] * 41, id="equal-41"),
    pytest.param([("产出", None), (None, None), ("效益", None)], "equal", [F(30)] * 3, id="some-untiered-equal"),
    pytest.param([("产出", None), ("成本", None)], "equal", [F(45)] * 2, id="tier-not-in-scheme-equal"),
])
def test_plan_weights(specs, basis, weights):
    plan = plan_weights(weighted(*specs), MOF)
    assert plan.basis == basis
    assert list(plan.weights) == weights
    assert plan.trail  # the trail says which basis was used


def test_tier_plan_when_效益_itself_is_empty_keeps_every_point():
    plan = plan_weights(weighted(("产出", None), ("满意度", None)), MOF)
    assert plan.basis == "tier"
    assert sum(plan.weights) == 90
    assert plan.weights[1] == 10  # 满意度 keeps its own 10 points
    assert "效益无指标" in plan.trail


def test_tier_with_no_indicators_is_named_in_the_trail():
    plan = plan_weights(weighted(("产出", None), ("效益", None)), MOF)
    assert "满意度无指标，其 10.00 分并入效益" in plan.trail


def test_tier_points_not_summing_to_indicator_points_are_scaled():
    scheme = dataclasses.replace(MOF, tier_points={"产出": Decimal(60), "效益": Decimal(30), "满意度": Decimal(30)})
    plan = plan_weights(weighted(("产出", None), ("效益", None), ("满意度", None)), scheme)
    assert list(plan.weights) == [F(45), F(45, 2), F(45, 2)]  # 60:30:30 of 90


def test_equal_split_trail_shows_the_division():
    plan = plan_weights(weighted(*[(None, None)] * 41), MOF)
    assert plan.trail == "90.00 分由 41 项指标平均分配，每项 90.00 ÷ 41 = 2.20 分"


def params(*indicators, executed="100", scheme="mof-2020", reported=None):
    data = {
        "schema": "evalkit/v1", "department": {"id": "demo", "name": "示例", "year": 2023},
        "scheme": scheme, "budget": {"initial": "100", "adjusted": "100", "executed": executed},
        "goals": [{"name": "综合事务", "indicators": list(indicators)}],
    }
    if reported:
        data["reported"] = reported
    return evalkit.parse_params(data)


def ge(target, actual, **kwargs):
    return {"name": f"指标{target}-{actual}", "direction": ">=", "target": target, "actual": actual, **kwargs}


@pytest.mark.parametrize(("weights", "finding"), [
    pytest.param(["50", "30", "10"], False, id="summing"),
    pytest.param(["50", "30", "5"], True, id="short"),
])
def test_explicit_weights_must_sum_to_indicator_points(weights, finding):
    p = params(*(ge("90", "95", weight=w) for w in weights))
    ev = evalkit.evaluate_params(p, MOF)
    found = [f for f in ev.finding_items if f.id == "weights.sum_mismatch"]
    assert bool(found) is finding
    if finding:
        assert found[0].severity == "error"
        assert found[0].evidence == {"sum": float(sum(F(w) for w in weights)), "expected": 90.0}
    assert ev.score.indicators == sum(F(w) for w in weights)  # explicit weights win even when off


@pytest.mark.parametrize("weights", [
    pytest.param(["50", "30", "20"], id="over"),
    pytest.param(["100", "100", "100"], id="each-a-hundred"),
    pytest.param(["60", "40", None], id="mixed-over"),
])
def test_weights_above_the_indicator_points_cannot_be_scored(weights):
    """A total above 100 would earn any grade (100/100/100 once gave 292.50, 优秀): refused, located."""
    p = params(*(ge("90", "95", **({"weight": w} if w else {})) for w in weights))
    with pytest.raises(ParamsError, match=r"weights \(分值\) add up to .*, more than the 90 points"):
        evalkit.evaluate_params(p, MOF)


# --- totals, intervals, grades ---------------------------------------------------------------

def test_score_interval_with_missing_actuals():
    # execution 95/100 → 9.5; three indicators of 30: full, 24/30 → 0.8, missing.
    p = params(ge("90", "95"), ge("90", "72"), ge("90", None), executed="95")
    ev = evalkit.evaluate_params(p, SEED)
    s = ev.score
    assert s.execution == F(19, 2)
    assert s.indicators == F(30) + F(24)
    assert s.unscored_points == F(30)
    assert (s.min, s.max) == (F(19, 2) + 54, F(19, 2) + 84)
    assert s.complete is False and s.total is None
    assert (ev.grade.label, ev.grade.min_label, ev.grade.max_label) == (None, "一般", "优秀")
    assert ev.grade.possible == ("优秀", "良好", "一般")
    assert s.trail == "预算执行 9.50 + 已计分指标 54.00 = 63.50；1 项指标未填报完成值（合计 30.00 分），总分区间 [63.50, 93.50]"


def test_complete_score_has_min_equal_max_equal_total():
    p = params(ge("90", "95"), ge("90", "72"), executed="95")
    ev = evalkit.evaluate_params(p, SEED)
    expected = F(19, 2) + F(45) + F(36)
    assert ev.score.complete is True
    assert ev.score.min == ev.score.max == ev.score.total == expected
    assert ev.grade.label == ev.grade.min_label == ev.grade.max_label == "优秀"


def test_all_actuals_missing_interval_spans_execution_to_execution_plus_90():
    p = params(ge("90", None), {"name": "定性", "direction": "qualitative", "target": "完成"}, executed="50")
    ev = evalkit.evaluate_params(p, MOF)
    assert (ev.score.min, ev.score.max) == (F(5), F(95))
    assert (ev.grade.min_label, ev.grade.max_label) == ("差", "优")


@pytest.mark.parametrize(("executed", "score"), [
    pytest.param("100", F(10), id="full"),
    pytest.param("95", F(19, 2), id="95-percent"),
    pytest.param("120", F(10), id="over-100-percent-capped"),
    pytest.param("0", F(0), id="nothing-spent"),
])
def test_execution_score(executed, score):
    ev = evalkit.evaluate_params(params(ge("90", "95"), executed=executed), MOF)
    assert ev.budget.execution_score == score
    assert ev.score.execution == score


@pytest.mark.parametrize(("actual", "total", "label"), [
    # execution 10 + 45 (full) + 45 × actual ÷ 90
    pytest.param("60", F(85), "优秀", id="exactly-85"),
    pytest.param("59.98", F(8499, 100), "良好", id="84.99"),
    pytest.param("40", F(75), "良好", id="exactly-75"),
    pytest.param("39.98", F(7499, 100), "一般", id="74.99"),
    pytest.param("10", F(60), "一般", id="exactly-60"),
    pytest.param("9.98", F(5999, 100), "较差", id="59.99"),
])
def test_grade_bands_are_inclusive_at_their_lower_bound(actual, total, label):
    ev = evalkit.evaluate_params(params(ge("90", "90"), ge("90", actual)), SEED)
    assert ev.score.total == total
    assert ev.grade.label == label


@pytest.mark.parametrize(("scheme", "total", "label"), [
    (SEED, F(100), "优秀"), (SEED, F(85), "优秀"), (SEED, F(85) - F(1, 10**9), "良好"), (SEED, F(8499, 100), "良好"),
    (SEED, F(75), "良好"), (SEED, F(60), "一般"), (SEED, F(5999, 100), "较差"), (SEED, F(0), "较差"),
    (MOF, F(90), "优"), (MOF, F(8999, 100), "良"), (MOF, F(80), "良"), (MOF, F(60), "中"),
    (MOF, F(5999, 100), "差"), (MOF, F(0), "差"),
])
def test_grade_for(scheme, total, label):
    assert scheme.grade_for(total) == label


def test_grade_of_summary_at_both_ends():
    summary = summarise(F(9), ())
    assert grade(summary, SEED).label == "较差"
    p = params(ge("90", None), ge("90", "90"))
    _, scores = score_indicators(p, SEED)
    result = grade(summarise(F(10), scores), SEED)
    assert (result.label, result.min_label, result.max_label) == (None, "较差", "优秀")  # [55, 100]
