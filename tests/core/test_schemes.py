"""Schemes: scoring and grading rules as data."""

from decimal import Decimal
from fractions import Fraction as F

import pytest
from conftest import FIXTURES

import evalkit
from evalkit import SchemeError, load_scheme, shipped_schemes
from evalkit.core.scheme import parse_scheme

SCHEMES = FIXTURES / "schemes"


def test_shipped_schemes():
    assert shipped_schemes() == ["mof-2020", "seed-85-75-60"]


@pytest.mark.parametrize(("scheme_id", "labels", "mins"), [
    ("mof-2020", ["优", "良", "中", "差"], [90, 80, 60, 0]),
    ("seed-85-75-60", ["优秀", "良好", "一般", "较差"], [85, 75, 60, 0]),
])
def test_shipped_scheme_contents(scheme_id, labels, mins):
    s = load_scheme(scheme_id)
    assert s.id == scheme_id
    assert [g.label for g in s.grades] == labels
    assert [g.min for g in s.grades] == [Decimal(m) for m in mins]
    assert (s.execution_weight, s.indicator_points) == (Decimal(10), Decimal(90))
    assert s.tier_points == {"产出": Decimal(50), "效益": Decimal(30), "满意度": Decimal(10)}
    assert s.reverse_rule == "ratio"
    assert s.qualitative == {"达成": (Decimal("0.8"), Decimal(1)), "部分达成": (Decimal("0.6"), Decimal("0.8")),
                             "未达成": (Decimal(0), Decimal("0.6"))}
    assert s.qualitative_default == {"达成": Decimal(1), "部分达成": Decimal("0.6"), "未达成": Decimal(0)}
    assert s.thresholds["overshoot_ratio"] == Decimal("1.3")
    assert s.thresholds["low_execution"] == Decimal("0.9")
    assert s.source == f"evalkit/schemes/{scheme_id}.yaml"
    assert len(s.sha256) == 64


@pytest.mark.parametrize(("scheme_id", "low", "high", "labels"), [
    ("seed-85-75-60", F(4782815, 479659), F(47952125, 479659), ["优秀", "良好", "一般", "较差"]),
    ("seed-85-75-60", F(85), F(85), ["优秀"]),
    ("seed-85-75-60", F(7499, 100), F(85), ["优秀", "良好", "一般"]),
    ("seed-85-75-60", F(75), F(8499, 100), ["良好"]),
    ("mof-2020", F(80), F(8999, 100), ["良"]),
    ("mof-2020", F(0), F(5999, 100), ["差"]),
    ("mof-2020", F(59), F(60), ["中", "差"]),
])
def test_grade_labels_between(scheme_id, low, high, labels):
    assert load_scheme(scheme_id).grade_labels_between(low, high) == labels


def test_unknown_scheme_id():
    with pytest.raises(SchemeError) as info:
        load_scheme("mof-2021")
    assert "expected one of mof-2020, seed-85-75-60" in str(info.value)
    assert isinstance(info.value, evalkit.ParamsError)


def test_scheme_from_a_path():
    s = load_scheme(SCHEMES / "linear_2x.yaml")
    assert (s.id, s.reverse_rule, s.execution_weight, s.indicator_points) == (
        "local-linear", "linear-2x", Decimal(20), Decimal(80))
    assert s.tier_points is None
    assert s.thresholds["low_execution"] == Decimal("0.8")
    assert s.thresholds["overshoot_ratio"] == Decimal("1.3")  # unlisted checks keep their defaults
    assert s.grade_for(F(95)) == "A" and s.grade_for(F(9499, 100)) == "B"


def test_a_scheme_override_changes_weights_rules_and_grades():
    data = {
        "schema": "evalkit/v1", "department": {"id": "demo", "name": "示例", "year": 2023},
        "scheme": "mof-2020", "budget": {"initial": 100, "adjusted": 100, "executed": 90},
        "goals": [{"name": "g", "indicators": [
            {"name": "投诉件数", "direction": "<=", "target": 4, "actual": 5, "unit": "件"},
            {"name": "办结率", "direction": ">=", "target": 90, "actual": 90, "unit": "%"},
        ]}],
    }
    mof = evalkit.evaluate(data)
    local = evalkit.evaluate(data, SCHEMES / "linear_2x.yaml")
    # mof-2020: 10 × 0.9 + 45 × 4/5 + 45 = 90 → 优; local: 20 × 0.9 + 40 × (2 − 5/4) + 40 = 88 → B
    assert mof.score.total == F(90) and mof.grade.label == "优"
    assert local.score.total == F(88) and local.grade.label == "B"
    assert "budget.low_execution" not in {f.id for f in local.finding_items}  # local threshold is 80 %


@pytest.mark.parametrize(("name", "key", "line", "fragment"), [
    ("grades_not_descending.yaml", "grades", 6, "expected bands from the highest min to the lowest"),
    ("last_grade_not_zero.yaml", "grades", 6, "the last band must start at min: 0"),
    ("default_outside_band.yaml", "qualitative_default.部分达成", 7, "lies outside the band"),
    ("unknown_reverse_rule.yaml", "reverse_rule", 6, "expected one of ratio, linear-2x; got 'inverse'"),
    ("band_in_percent.yaml", "qualitative.达成[0]", 6, "between 0 and 1, got 80"),
    ("unknown_check.yaml", "checks.overshoot_ration", 9, "did you mean 'overshoot_ratio'?"),
    ("missing_execution.yaml", "", 2, "missing required key 'execution'"),
])
def test_bad_scheme_file(name, key, line, fragment):
    path = SCHEMES / "bad" / name
    with pytest.raises(SchemeError) as info:
        load_scheme(path)
    located = f"{path}:{line} {key}:" if key else f"{path}:{line}:"
    assert located in str(info.value)
    assert any((p.key, p.line) == (key, line) and fragment in p.message for p in info.value.problems)


def test_missing_execution_is_reported_once():
    with pytest.raises(SchemeError) as info:
        load_scheme(SCHEMES / "bad" / "missing_execution.yaml")
    assert len(info.value.problems) == 1


def test_every_bad_scheme_fixture_is_tested():
    tested = {"grades_not_descending.yaml", "last_grade_not_zero.yaml", "default_outside_band.yaml",
              "unknown_reverse_rule.yaml", "band_in_percent.yaml", "unknown_check.yaml", "missing_execution.yaml"}
    assert {p.name for p in (SCHEMES / "bad").glob("*.yaml")} == tested


def test_parse_scheme_from_text_defaults_the_qualitative_bands():
    s = parse_scheme("id: tiny\ntitle: 最小方案\nexecution: {weight: 0}\nindicator_points: 100\n"
                     "grades: [{min: 0, label: 合格}]\n")
    assert s.reverse_rule == "ratio"
    assert s.qualitative["部分达成"] == (Decimal("0.6"), Decimal("0.8"))
    assert s.grade_for(F(0)) == "合格"
