"""A published 项目支出绩效自评表 scored to the cent: the 大英县 2023 安可替代补助资金 table (Sichuan
layout; source and what was assumed are in the fixture's header), the flaw of a 总额 row that differs
from its sub-rows, and a 90.00 total under the ">90" band table."""

import dataclasses
from decimal import Decimal
from fractions import Fraction

from conftest import FIXTURES

import evalkit
from evalkit.core.evaluation import evaluate_params
from evalkit.core.params import load_params
from evalkit.core.scheme import load_scheme

PUBLISHED = FIXTURES / "project" / "daying-anke-2023.yaml"


def test_the_published_table_scores_to_the_cent():
    ev = evalkit.evaluate(PUBLISHED)
    assert ev.params.kind == "project"
    assert ev.params.project.code == "51092324T000010263357"
    assert ev.params.project.department == "daying-justice-bureau"
    # 预算执行率 3.36 ÷ 3.36 = 100.00%, 得分 10 (as printed); the indicator met in full: 90
    assert ev.budget.execution_rate == 1 and ev.budget.execution_score == 10
    assert ev.score.total == 100 and ev.score_text() == "100.00"
    assert ev.grade.label == "优"
    assert [s.name for s in ev.params.budget.sources] == ["财政资金", "财政专户管理资金", "单位资金"]
    assert sum(s.adjusted for s in ev.params.budget.sources) == ev.params.budget.adjusted == Decimal("3.36")
    assert not [f.id for f in ev.finding_items if f.id.startswith("project.")]


def test_a_total_row_that_differs_from_its_sub_rows_is_found():
    """The published table's 总额 agrees with its rows; here 财政资金's 预算执行数 is typed 3.63 (two
    digits swapped), the flaw such tables carry, and evalkit names the column and the difference."""
    params = load_params(PUBLISHED)
    sources = list(params.budget.sources)
    sources[0] = dataclasses.replace(sources[0], executed=Decimal("3.63"))
    altered = dataclasses.replace(params, budget=dataclasses.replace(params.budget, sources=tuple(sources)))
    ev = evaluate_params(altered, load_scheme("mof-2020"))
    found = [f for f in ev.finding_items if f.id == "project.sources_do_not_add_up"]
    assert len(found) == 1
    assert found[0].evidence == {"field": "executed", "total": 3.36, "added": 3.63}
    assert "全年执行数为3.36万元" in found[0].message and "相差0.27万元" in found[0].message
    assert ev.score.total == 100  # the total row is what is scored; the sub-rows are only checked


def test_a_total_of_90_is_good_not_excellent_under_the_gt90_band_table():
    """The published table with its one 90-point indicator met 8 of 9: 10 + 90 × 8/9 = 90.00 exactly."""
    params = load_params(PUBLISHED)
    goal = params.goals[0]
    ind = dataclasses.replace(goal.indicators[0], target=Decimal(9), actual=Decimal(8), unit="项")
    p = dataclasses.replace(params, goals=(dataclasses.replace(goal, indicators=(ind,)),))
    gt90 = evaluate_params(p, load_scheme("mof-2020-gt90"))
    inclusive = evaluate_params(p, load_scheme("mof-2020"))
    assert gt90.score.total == Fraction(90) == inclusive.score.total
    assert gt90.grade.label == "良" and inclusive.grade.label == "优"
    assert "得分高于90分为优" in gt90.grade.trail and "得分 > 90 分为优" in gt90.grade.trail
    assert gt90.grade.trail.endswith("得分 90.00 为良")
    assert "得分 ≥ 90 分为优" in inclusive.grade.trail


def test_exclusive_bands_are_declared_in_the_scheme_file():
    from evalkit.core.scheme import parse_scheme

    text = (FIXTURES.parent.parent / "evalkit" / "schemes" / "mof-2020-gt90.yaml").read_text(encoding="utf-8")
    scheme = parse_scheme(text)
    assert scheme.grade_bounds == "exclusive"
    assert [scheme.grade_for(x) for x in (Decimal("90.01"), 90, 80, Decimal("60.01"), 60, 0)] == \
        ["优", "良", "中", "中", "差", "差"]
    assert scheme.grade_labels_between(Decimal("79.5"), 90) == ["良", "中"]
    assert load_scheme("mof-2020").grade_bounds == "inclusive"
