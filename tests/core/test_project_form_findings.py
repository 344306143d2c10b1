"""The 项目支出绩效自评表's own findings, each planted alone in an otherwise clean project table (the
worked example's illustrative 机关食堂 table), and silent on department files."""

import dataclasses
from decimal import Decimal

import pytest
from conftest import PARAMS

import evalkit
from evalkit.core.evaluation import evaluate_params
from evalkit.core.params import load_params
from evalkit.core.scheme import load_scheme

CLEAN = PARAMS / "dangzheng-office-2023.project-01.yaml"


def found(params) -> list[str]:
    ev = evaluate_params(params, load_scheme(params.scheme))
    return sorted({f.id for f in ev.finding_items})


def with_indicator(params, index: int, **changes):
    goal = params.goals[0]
    indicators = list(goal.indicators)
    indicators[index] = dataclasses.replace(indicators[index], **changes)
    return dataclasses.replace(params, goals=(dataclasses.replace(goal, indicators=tuple(indicators)),))


@pytest.fixture(scope="module")
def clean():
    return load_params(CLEAN)


def test_the_clean_table_raises_nothing(clean):
    assert found(clean) == []


def test_low_execution_without_a_reason(clean):
    b = clean.budget
    short = dataclasses.replace(clean, budget=dataclasses.replace(
        b, executed=Decimal("36.00"), sources=(dataclasses.replace(b.sources[0], executed=Decimal("32.80")),
                                              b.sources[1])), reported=dataclasses.replace(clean.reported, score=None,
                                                                                            grade=None))
    assert "project.low_execution_without_reason" in found(short)
    explained = dataclasses.replace(short, budget=dataclasses.replace(short.budget, deviation="食材价格回落，结余资金已收回。"))
    assert "project.low_execution_without_reason" not in found(explained)
    assert "budget.low_execution" in found(explained)  # the department-level warning still stands


def test_a_missed_target_needs_its_deviation(clean):
    missed = with_indicator(clean, 0, actual=Decimal(200))
    ids = found(dataclasses.replace(missed, reported=dataclasses.replace(clean.reported, score=None, grade=None)))
    assert ids == ["project.deviation_missing"]
    explained = with_indicator(missed, 0, deviation="年中装修停伙两个月，已调整供餐安排。")
    assert "project.deviation_missing" not in found(explained)


def test_a_level2_under_the_wrong_tier(clean):
    assert found(with_indicator(clean, 3, level2="数量指标")) == ["project.level2_wrong_tier"]
    assert found(with_indicator(clean, 3, level2="社会效益")) == []  # 指标 may be left off


def test_the_execution_rate_scored_again(clean):
    assert found(with_indicator(clean, 0, name="项目预算执行率")) == ["project.execution_scored_twice"]


def test_a_satisfaction_row_without_survey(clean):
    assert found(with_indicator(clean, 4, basis=None)) == ["project.satisfaction_without_survey"]
    assert found(with_indicator(clean, 4, basis=None, statement="按季度电话回访统计")) == []


def test_a_grade_that_disagrees_with_the_total(clean):
    ids = found(dataclasses.replace(clean, reported=dataclasses.replace(clean.reported, grade="良好")))
    assert "grade.mismatch" in ids


def test_form_checks_stay_silent_on_department_files(pf):
    ids = {row.id for row in pf.findings.itertuples()}
    form = {"project.sources_do_not_add_up", "project.low_execution_without_reason", "project.deviation_missing",
            "project.level2_wrong_tier", "project.execution_scored_twice", "project.satisfaction_without_survey"}
    assert not ids & form


def test_messages_read_as_chinese_prose(clean):
    ev = evaluate_params(with_indicator(clean, 3, level2="数量指标"), load_scheme(clean.scheme))
    [f] = ev.finding_items
    assert f.message.startswith("“食品安全事故”的二级指标“数量指标”不属于一级指标“效益”")
    assert "level2" not in f.message and "goals[" not in f.message
    assert evalkit.core.wording.finding_label(f.id) == "二级指标归类有误"


def test_over_execution_is_capped_at_the_ten_points_and_flagged(clean):
    b = clean.budget
    over = dataclasses.replace(clean, budget=dataclasses.replace(
        b, executed=Decimal("48.00"), sources=(dataclasses.replace(b.sources[0], executed=Decimal("44.80")),
                                              b.sources[1])), reported=dataclasses.replace(clean.reported, score=None,
                                                                                            grade=None))
    ev = evaluate_params(over, load_scheme(over.scheme))
    assert ev.budget.execution_score == 10 and ev.budget.execution_rate > 1
    assert [f.id for f in ev.finding_items] == ["budget.over_execution"]
