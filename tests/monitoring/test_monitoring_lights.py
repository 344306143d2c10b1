"""Monitoring lights (双监控) as deployed systems compute them: exact at every threshold, each with its
trail, thresholds read from the scheme."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from evalkit.core.lights import Light, department_light, indicator_light, spending_light, worst_light
from evalkit.core.scheme import DEFAULT_MONITORING, load_scheme

T = load_scheme("mof-2020").monitoring
D = Decimal


@pytest.mark.parametrize(("spent", "display", "light", "trail"), [
    (349, "59.83", "red", "349 ÷ 1000 ÷ (7 ÷ 12) × 100 = 59.83，红灯"),
    (350, "60.00", "yellow", "350 ÷ 1000 ÷ (7 ÷ 12) × 100 = 60.00，黄灯"),
    (466, "79.89", "yellow", "466 ÷ 1000 ÷ (7 ÷ 12) × 100 = 79.89，黄灯"),
    (467, "80.06", "green", "467 ÷ 1000 ÷ (7 ÷ 12) × 100 = 80.06，绿灯"),
])
def test_spending_light_vectors(spent, display, light, trail):
    got = spending_light(D(spent), D(1000), 7, T)
    assert (got.display, got.light, got.trail) == (display, light, trail)


def test_spending_exactly_on_the_boundary_is_not_lost_to_floats():
    # 1.4 ÷ 3 ÷ (7 ÷ 12) × 100 = 80 exactly; in floats it is 79.99999999999999
    assert 1.4 / 3 / (7 / 12) * 100 < 80
    got = spending_light(D("1.4"), D(3), 7, T)
    assert (got.display, got.light) == ("80.00", "green")


@pytest.mark.parametrize("adjusted", [D(0), None])
def test_a_zero_or_missing_budget_gives_zero(adjusted):
    got = spending_light(D(100), adjusted, 7, T)
    assert (got.value, got.light) == (0, "red") and "按0计" in got.trail


@pytest.mark.parametrize(("progress", "display", "light"), [
    (29, "58.00", "red"), (30, "60.00", "yellow"), (59, "118.00", "green"), (60, "120.00", "blue"),
])
def test_positive_indicator_vectors(progress, display, light):
    got = indicator_light(">=", D(100), D(progress), 6, T)
    assert (got.display, got.light) == (display, light)
    assert got.trail == f"{progress} ÷ (100 ÷ 12 × 6) × 100 = {display}，{got.word}"


@pytest.mark.parametrize(("direction", "target", "progress", "light", "fragment"), [
    ("<=", 5, 5, "green", "5 ≤ 年度指标值 5"),
    ("<=", 5, 6, "red", "6 > 年度指标值 5"),
    ("<", 5, 5, "red", "5 ≥ 年度指标值 5"),
    ("<", 5, 4, "green", "4 < 年度指标值 5"),
    (">=", 0, 0, "green", "年度指标值为0"),
    ("=", 0, 1, "red", "1 ≠ 0"),
])
def test_reverse_and_zero_targets(direction, target, progress, light, fragment):
    got = indicator_light(direction, D(target), D(progress), 7, T)
    assert got.light == light and fragment in got.trail


@pytest.mark.parametrize(("level", "light"), [("达成目标", "green"), ("部分达成", "yellow"), ("未达成", "red")])
def test_qualitative_levels(level, light):
    got = indicator_light("qualitative", "按时完成", level, 7, T)
    assert got.light == light and level in got.trail


def test_no_progress_lights_nothing():
    got = indicator_light(">=", D(100), None, 7, T)
    assert got.light is None and got.word == "未亮灯"


def test_thresholds_are_data():
    strict = dict(DEFAULT_MONITORING, spending_yellow=D("0.7"), progress_blue=D("1.5"))
    assert spending_light(D(350), D(1000), 7, strict).light == "red"
    assert indicator_light(">=", D(100), D(60), 6, strict).light == "green"


def _light(colour):
    return Light(colour, None, "")


@pytest.mark.parametrize(("colours", "worst"), [
    (["blue", "green", "yellow"], "yellow"), (["blue", "red", "green"], "red"), (["blue", "green"], "green"),
    (["blue"], "blue"), ([None, "green"], "green"), ([None], None),
])
def test_goal_light_is_the_worst(colours, worst):
    assert worst_light([_light(c) for c in colours]).light == worst


@pytest.mark.parametrize(("spending", "goals", "combined"), [
    ("green", ["green", "blue"], "green"),
    ("yellow", ["green"], "green"),
    ("green", ["green", "yellow"], "yellow"),
    ("yellow", ["red"], "yellow"),
    ("red", ["green"], "red"),
])
def test_department_light(spending, goals, combined):
    s = dataclasses.replace(_light(spending), value=D(70))
    assert department_light(s, [_light(g) for g in goals], T).light == combined


def test_the_shipped_schemes_carry_the_deployed_thresholds():
    for scheme_id in ("mof-2020", "seed-85-75-60"):
        assert load_scheme(scheme_id).monitoring == DEFAULT_MONITORING
