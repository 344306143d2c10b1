"""The monitoring's findings: mid-year (missing reasons and measures, red and blue lights) and the
year-end contradictions, each with a case that fires and one that stays quiet."""

from __future__ import annotations

import copy

import pytest

from evalkit.core.evaluation import evaluate_params
from evalkit.core.monitoring import parse_monitoring
from evalkit.core.params import parse_params
from evalkit.core.scheme import load_scheme

SCHEME = load_scheme("mof-2020")
#: A year-end department: 1000 budgeted, 980 spent; four indicators, every one met.
YEAR_END = {
    "schema": "evalkit/v1", "department": {"id": "test-dept", "name": "测试局", "year": 2023},
    "scheme": "mof-2020", "budget": {"initial": 1000, "adjusted": 1000, "executed": 980},
    "goals": [{"name": "业务工作", "indicators": [
        {"name": "培训人次", "direction": ">=", "target": 100, "unit": "人次", "actual": 120},
        {"name": "检查次数", "direction": ">=", "target": 12, "unit": "次", "actual": 12},
        {"name": "投诉件数", "direction": "<=", "target": 5, "unit": "件", "actual": 3},
        {"name": "制度建设", "direction": "qualitative", "target": "建立制度", "actual": "达成"},
    ]}],
}
#: Its 1–7月 monitoring: on schedule, every indicator green, every possibility 确定能.
MIDYEAR = {
    "schema": "evalkit-monitoring/v1", "of": "test-dept-2023", "month": 7,
    "budget": {"initial": 1000, "adjusted": 1000, "executed": 600, "forecast": 990},
    "indicators": [
        {"goal": "业务工作", "name": "培训人次", "target": 100, "progress": 60, "possibility": "确定能"},
        {"goal": "业务工作", "name": "检查次数", "target": 12, "progress": 7, "possibility": "确定能"},
        {"goal": "业务工作", "name": "投诉件数", "target": 5, "progress": 1, "possibility": "确定能"},
        {"goal": "业务工作", "name": "制度建设", "target": "建立制度", "progress": "达成目标", "possibility": "确定能"},
    ],
}


def evaluate(year_end=None, midyear=None, **changes):
    """The pair evaluated; ``changes`` edit either side: ``mid__indicators__0__progress=20``."""
    y, m = copy.deepcopy(year_end or YEAR_END), copy.deepcopy(midyear or MIDYEAR)
    for path, value in changes.items():
        side, *keys = path.split("__")
        node = y if side == "end" else m
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        node[int(last) if last.isdigit() else last] = value
    params = parse_params(y)
    return evaluate_params(params, SCHEME, monitoring=parse_monitoring(m, params))


def ids(ev) -> list[str]:
    return [f.id for f in ev.finding_items if f.id.startswith("monitoring.")]


def test_the_quiet_pair_has_no_monitoring_finding():
    ev = evaluate()
    assert ids(ev) == []
    assert ev.monitoring.department.light == "green"
    assert [x.light.light for x in ev.monitoring.indicators] == ["green", "green", "green", "green"]


def test_without_monitoring_nothing_changes():
    ev = evaluate_params(parse_params(YEAR_END), SCHEME)
    assert ev.monitoring is None and "monitoring" not in ev.to_dict() and ids(ev) == []


# --- mid-year findings ---------------------------------------------------------------------------

@pytest.mark.parametrize(("deviation", "fires"), [
    (None, True),
    ({"category": "人员保障", "reason": "培训师资不足"}, True),
    ({"category": "人员保障", "reason": "培训师资不足", "measure": "下半年增开两期培训班"}, False),
])
def test_a_doubtful_possibility_needs_reason_and_measure(deviation, fires):
    ev = evaluate(mid__indicators__0__possibility="有可能", mid__indicators__0__deviation=deviation)
    found = [f for f in ev.finding_items if f.id == "monitoring.deviation_missing"]
    assert bool(found) is fires
    if fires:
        assert "纠偏措施" in found[0].message and found[0].subject == "goals[0].indicators[0]"


def test_red_lights_are_findings():
    ev = evaluate(mid__budget__executed=300, mid__indicators__1__progress=2)
    reds = [f for f in ev.finding_items if f.id == "monitoring.red_light"]
    assert [f.subject for f in reds] == ["budget.executed", "goals[0].indicators[1]"]
    assert "300 ÷ 1000 ÷ (7 ÷ 12) × 100 = 51.43，红灯" in reds[0].message
    assert ev.monitoring.department.light == "red"


def test_a_blue_light_is_a_finding_and_a_green_one_is_not():
    assert "monitoring.blue_light" in ids(evaluate(mid__indicators__0__progress=75))
    assert "monitoring.blue_light" not in ids(evaluate(mid__indicators__0__progress=69))


# --- year-end contradictions ---------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "fires"), [
    ({"mid__indicators__1__progress": 2}, True),  # red at mid-year, full marks, no measure
    ({"mid__indicators__1__possibility": "不可能", "mid__indicators__1__deviation": {"reason": "经费未到位"}}, True),
    ({"mid__indicators__1__progress": 2, "mid__indicators__1__deviation": {"measure": "下半年集中检查"}}, False),
    ({"mid__indicators__1__progress": 2, "end__goals__0__indicators__1__actual": 8}, False),  # not full marks
])
def test_red_at_mid_year_but_full_marks(changes, fires):
    assert ("monitoring.full_marks_after_red" in ids(evaluate(**changes))) is fires


@pytest.mark.parametrize(("changes", "fires"), [
    ({"mid__budget__forecast": 800}, True),  # 980 against 800: 22.5 % off
    ({"mid__budget__forecast": 900}, False),  # 8.9 % off
    ({"mid__budget__forecast": 800, "mid__budget__reason": "下半年追加项目资金"}, False),
])
def test_forecast_far_from_year_end_executed(changes, fires):
    assert ("monitoring.forecast_far" in ids(evaluate(**changes))) is fires


@pytest.mark.parametrize(("changes", "subjects"), [
    ({"mid__indicators__0__progress": 130}, ["goals[0].indicators[0]"]),  # 130 at mid-year, 120 at year end
    ({"mid__budget__executed": 990}, ["budget.executed"]),
    ({"mid__indicators__0__progress": 119, "mid__budget__executed": 979}, []),
])
def test_cumulative_quantities_do_not_shrink(changes, subjects):
    ev = evaluate(**changes)
    assert [f.subject for f in ev.finding_items if f.id == "monitoring.cumulative_decreased"] == subjects


def test_a_rate_is_not_a_cumulative_quantity():
    year_end = copy.deepcopy(YEAR_END)
    year_end["goals"][0]["indicators"][0].update(unit="%", target=90, actual=92)
    midyear = copy.deepcopy(MIDYEAR)
    midyear["indicators"][0].update(target=90, progress=95)
    assert "monitoring.cumulative_decreased" not in ids(evaluate(year_end, midyear))


@pytest.mark.parametrize(("changes", "fires"), [
    ({"mid__indicators__1__target": 10}, True),
    ({"mid__indicators__3__target": "制定制度"}, True),
    ({"mid__indicators__1__target": 10, "mid__indicators__1__deviation": {"measure": "年中调整指标值为12次"}}, False),
    ({"mid__indicators__1__target": 10, "end__goals__0__indicators__1__deviation": "经批准调增检查次数"}, False),
])
def test_target_changed_without_an_adjustment(changes, fires):
    assert ("monitoring.target_changed" in ids(evaluate(**changes))) is fires


@pytest.mark.parametrize(("changes", "fires"), [
    ({"mid__indicators__0__progress": 80}, True),
    ({"mid__indicators__0__progress": 80, "mid__indicators__0__target": 80,
      "mid__indicators__0__deviation": {"measure": "年中调整目标"}}, False),  # raised 80 → 100
    ({"mid__indicators__0__progress": 80, "end__goals__0__indicators__0__deviation": "目标设定偏低，下年调高"}, False),
    ({"mid__indicators__0__progress": 80, "end__goals__0__indicators__0__actual": 90}, False),  # not full marks
])
def test_blue_light_scored_in_full(changes, fires):
    assert ("monitoring.blue_scored_in_full" in ids(evaluate(**changes))) is fires


@pytest.mark.parametrize(("executed", "expected"), [
    (980, []),  # 98 % spent, every indicator full: 100 % against 98 % is 2 % above
    (940, ["monitoring.score_above_spending"]),  # 6 % above
    (950, []),  # exactly 5 %: not above
])
def test_scores_claiming_more_than_the_money(executed, expected):
    ev = evaluate(end__budget__executed=executed, mid__budget__forecast=None)
    assert [i for i in ids(ev) if i in ("monitoring.score_above_spending", "monitoring.large_unspent")] == expected


def test_a_large_unspent_share_is_yellow():
    # half the indicator points lost: scores no longer outrun the money, but 25 % is unspent
    ev = evaluate(end__budget__executed=750, end__goals__0__indicators__0__actual=30,
                  end__goals__0__indicators__1__actual=3, mid__budget__forecast=None)
    found = [f for f in ev.finding_items if f.id in ("monitoring.score_above_spending", "monitoring.large_unspent")]
    assert [(f.id, f.severity) for f in found] == [("monitoring.large_unspent", "warning")]
    assert "25.00%" in found[0].message


def test_every_monitoring_finding_has_its_wording():
    import re

    from conftest import ROOT

    from evalkit.core.wording import finding_advice, finding_label

    source = (ROOT / "evalkit" / "core" / "midyear.py").read_text(encoding="utf-8")
    raised = set(re.findall(r'Finding\("(monitoring\.[a-z_]+)"', source))
    assert len(raised) == 10
    for finding_id in raised:
        assert finding_label(finding_id) != finding_id and finding_advice(finding_id).endswith("。"), finding_id
