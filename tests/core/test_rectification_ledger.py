"""The 整改 ledger (``<stem>.rectification.yaml``, ``evalkit-rectification/v1``): a closed item whose
problem recurs next year (整改未见实效), an overdue item, an item closed without evidence; located
errors; the overview's table of ledger states by department."""

from __future__ import annotations

import shutil

import pytest
from conftest import PARAMS

import evalkit
from evalkit import ParamsError
from evalkit.publish import overview

DEPT = "demo-transport-bureau"  # over budget in 2023: budget.over_execution recurs

LEDGER_2022 = """schema: evalkit-rectification/v1
items:
  - {finding: budget.over_execution, measure: 补办预算调剂手续, due: 2023-09-30, reply: 已补办,
     status: 已整改, evidence: [调剂审批表], date: 2023-09-10}
  - {indicator: 公交线网优化, measure: 补充调查台账, due: 2023-10-31, status: 整改中}
  - {finding: budget.year_end_spike, measure: 按序时进度支付, due: 2023-09-30, status: 已整改, date: 2023-09-20}
  - {finding: budget.low_execution, measure: 加快执行, due: 2099-12-31, status: 未整改}
"""


@pytest.fixture()
def district(tmp_path):
    for f in PARAMS.glob(f"{DEPT}-*"):
        shutil.copy(f, tmp_path)
    (tmp_path / f"{DEPT}-2022.rectification.yaml").write_text(LEDGER_2022, encoding="utf-8")
    (tmp_path / f"{DEPT}-2023.review.yaml").write_text(
        "schema: evalkit-review/v1\nreviewer: 王五\ndate: 2024-07-20\ndecisions: []\n", encoding="utf-8")
    return tmp_path


def by_id(ev, finding_id):
    return [f for f in ev.finding_items if f.id == finding_id]


def test_the_ledger_checks_recurrence_deadlines_and_evidence(district):
    ev = evalkit.evaluate(district / f"{DEPT}-2023.yaml")
    recurring = by_id(ev, "rectification.not_effective")
    assert [f.severity for f in recurring] == ["error"] and "超预算执行" in recurring[0].message
    assert "整改未见实效" in recurring[0].message
    overdue = by_id(ev, "rectification.overdue")
    assert len(overdue) == 1 and "公交线网优化" in overdue[0].message and "2023年10月31日" in overdue[0].message
    closed = by_id(ev, "rectification.closed_without_evidence")
    assert len(closed) == 1 and "年末突击支出" in closed[0].message
    # the item due in 2099 is not overdue; a closed problem absent this year (年末突击支出) is not "not effective"
    assert not any("预算执行率偏低" in f.message for f in overdue)
    assert not any("年末突击支出" in f.message for f in recurring)
    doc = ev.to_dict()
    assert doc["rectification"][0]["year"] == 2022 and doc["rectification"][0]["counts"] == {
        "未整改": 1, "整改中": 1, "已整改": 2}


def test_a_ledger_is_judged_on_the_review_date_not_a_fixed_day(district):
    """Without the review, nothing ties "overdue" to 2024-07-20: an item due 2099 is not overdue today."""
    (district / f"{DEPT}-2023.review.yaml").write_text(
        "schema: evalkit-review/v1\nreviewer: 王五\ndate: 2023-10-01\ndecisions: []\n", encoding="utf-8")
    ev = evalkit.evaluate(district / f"{DEPT}-2023.yaml")
    assert not by_id(ev, "rectification.overdue")  # 2023-10-31 is after the review of 2023-10-01


def test_a_closed_problem_that_does_not_recur_is_not_reported(district):
    text = LEDGER_2022.replace("budget.over_execution", "budget.high_adjustment")
    (district / f"{DEPT}-2022.rectification.yaml").write_text(text, encoding="utf-8")
    ev = evalkit.evaluate(district / f"{DEPT}-2023.yaml")
    assert not by_id(ev, "rectification.not_effective")


@pytest.mark.parametrize(("text", "key", "fragment"), [
    ("schema: evalkit-rectification/v1\nitems:\n  - {finding: budget.over_execution, status: 完成}\n",
     "items[0].status", "未整改, 整改中, 已整改"),
    ("schema: evalkit-rectification/v1\nitems:\n  - {status: 已整改}\n", "items[0]", "exactly one of"),
    ("schema: evalkit-rectification/v1\nitems:\n  - {finding: budget.overspend, status: 已整改}\n",
     "items[0].finding", "unknown finding id"),
    ("schema: evalkit-rectification/v1\nitems:\n  - {indicator: 甲, status: 整改中, due: 明年}\n",
     "items[0].due", "a date like"),
])
def test_a_bad_ledger_gives_located_errors(district, text, key, fragment):
    (district / f"{DEPT}-2022.rectification.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(district / f"{DEPT}-2023.yaml")
    hit = [p for p in info.value.problems if p.key == key and fragment in p.message]
    assert hit and hit[0].line == 3 and hit[0].path.endswith("2022.rectification.yaml"), str(info.value)


def test_a_ledger_is_not_taken_for_a_params_file(district):
    names = [p.name for p in evalkit.paths.params_files([district])]
    assert names == [f"{DEPT}-2023.yaml"]


def test_the_overview_shows_the_ledger_state_by_department(district):
    pf = evalkit.Portfolio.load(district, year=2023)
    html = overview.rectification_table(pf).data
    cells = [c.split(">")[-1] for c in html.split("</td>")[:-1]]
    assert cells[:9] == ["示例区交通运输局", "2022年度", "4", "1", "1", "2", "1", "1", "1"], cells
