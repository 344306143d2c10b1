"""A monitoring modelled on a published 项目运行绩效监控报告 (source in the fixture): funds reported as
"使用率100%" of what had arrived are half of 序时进度 against the budget, and what the lights say
about the year-end self-evaluation."""

from __future__ import annotations

from conftest import FIXTURES

import evalkit

FIXTURE = FIXTURES / "monitoring" / "medical_insurance_behind_schedule.yaml"


def test_spending_reported_as_fully_used_is_red_against_the_budget():
    ev = evalkit.evaluate(FIXTURE)
    assert ev.monitoring.spending.trail == "672.44 ÷ 2646.34 ÷ (6 ÷ 12) × 100 = 50.82，红灯"
    assert ev.monitoring.department.light == "red"


def test_the_findings_of_the_published_case():
    ev = evalkit.evaluate(FIXTURE)
    found = sorted((f.id, f.subject) for f in ev.finding_items if f.id.startswith("monitoring."))
    assert found == [
        ("monitoring.blue_light", "goals[0].indicators[1]"),  # a 到位率 of 100 % by June: far past 序时进度
        ("monitoring.blue_scored_in_full", "goals[0].indicators[1]"),
        ("monitoring.deviation_missing", "goals[1].indicators[0]"),  # 有可能, a reason but no measure
        ("monitoring.full_marks_after_red", "goals[1].indicators[0]"),  # 3 of 12 稽核 by June, 12 by December
        ("monitoring.red_light", "budget.executed"),
        ("monitoring.red_light", "goals[1].indicators[0]"),
    ]
    goals = {g.goal: g.light.word for g in ev.monitoring.goals}
    assert goals == {"医疗保障待遇落实": "绿灯", "医保基金监管": "红灯"}
