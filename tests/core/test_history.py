"""Last year beside this year: found beside the params file, compared, shown in every output."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import PARAMS, WORKED

import evalkit
from evalkit import ParamsError
from evalkit.publish import appendix, overview
from evalkit.publish.draft import build_draft

EDUCATION = PARAMS / "demo-education-bureau-2023.yaml"


def test_the_demo_district_has_a_previous_year_for_every_department(pf):
    demo = [ev for ev in pf.evaluations.values() if ev.department.id.startswith("demo-")]
    assert demo and all(ev.previous_year is not None and ev.previous_year.previous.year == 2022 for ev in demo)
    kinds = {kind: sum(len(getattr(ev.previous_year, kind)) for ev in demo) for kind in ("new", "recurring", "resolved")}
    assert all(kinds.values()), kinds  # the district shows all three
    assert pf.evaluations["dangzheng-office"].previous_year is None


def test_the_comparison_from_last_years_params(tmp_path):
    for path in PARAMS.glob("demo-education-bureau-2023*"):
        shutil.copy(path, tmp_path)
    this_year = tmp_path / "demo-education-bureau-2023.yaml"
    last_year = tmp_path / "demo-education-bureau-2022.yaml"
    text = this_year.read_text(encoding="utf-8").replace("year: 2023", "year: 2022", 1)
    last_year.write_text(text, encoding="utf-8")  # the same figures, a year earlier
    ev = evalkit.evaluate(this_year)
    c = ev.previous_year
    assert c.previous.year == 2022 and c.execution_change == 0 and c.score_change == 0
    assert set(c.recurring) | set(c.new) == {(f.id, f.subject) for f in ev.finding_items} and not c.resolved
    # the same dates are a year late for 2022, and no longer before the year's end
    assert ("timeline.period_before_year_end", "reported.evaluation_period") in c.new
    assert any(key.endswith("demo-education-bureau-2022.yaml") for key in ev.provenance["inputs"])
    assert evalkit.evaluate(this_year, history=False).previous_year is None


def test_last_years_result_json(tmp_path):
    for path in PARAMS.glob("demo-civil-affairs-bureau-202*"):
        shutil.copy(path, tmp_path)
    ev = evalkit.evaluate(tmp_path / "demo-civil-affairs-bureau-2023.yaml")
    block = ev.to_dict()["previous_year"]
    assert block["year"] == 2022 and set(block["findings"]) == {"new", "recurring", "resolved"}
    assert block["execution_change"] == pytest.approx(ev.budget.execution_rate - block["execution_rate"])


@pytest.mark.parametrize("content", ["{not json", "[]", json.dumps({"schema": "something-else"}),
                                     json.dumps({"schema": "evalkit-result/v1", "budget": {}})])
def test_a_broken_previous_result_is_a_located_error(tmp_path, content):
    shutil.copy(WORKED, tmp_path)
    (tmp_path / "dangzheng-office-2022.result.json").write_text(content, encoding="utf-8")
    with pytest.raises(ParamsError, match="dangzheng-office-2022.result.json.*(result.json|JSON)"):
        evalkit.evaluate(tmp_path / WORKED.name)


def test_the_appendix_the_draft_and_the_overview_show_it(pf):
    ev = evalkit.evaluate(EDUCATION)
    c = ev.previous_year
    html = appendix.year_comparison(ev).data
    assert "2022年度" in html and "2023年度" in html and "预算执行率" in html and "新出现的问题" in html
    draft = build_draft(ev).text()
    assert "与2022年度相比，预算执行率由" in draft
    assert f"{len(c.recurring)}" in html
    table = overview.year_table(pf).data
    assert "示例区教育局" in table and "上年 → 本年" in table
    assert "无法与上年比较" in appendix.year_comparison(evalkit.evaluate(WORKED)).data
