"""The finance bureau's review: decisions from the 复核规则 catalogue, 复核得分 with trails, and
located errors for decisions that cannot be applied."""

from __future__ import annotations

import shutil
from fractions import Fraction as F

import pytest
from conftest import FIXTURES, WORKED

import evalkit
from evalkit import ParamsError
from evalkit.core.review import Decision, ReviewInput, review_rules

REVIEWED = FIXTURES / "review" / "one_decision_per_rule.yaml"


@pytest.fixture(scope="module")
def reviewed():
    return evalkit.evaluate(REVIEWED)


def test_every_catalogue_rule_is_exercised_by_the_fixture(reviewed):
    assert {r.rule.id for r in reviewed.review.rows if r.rule} == set(review_rules())


@pytest.mark.parametrize(("name", "computed", "after", "phrase"), [
    ("文件办理数量", F(19), F(0), "复核认定“无佐证材料”：未提供办理台账（按评分规则得19.00分），复核计0.00分，扣20.00分"),
    ("政策宣传覆盖率", F(10), F(0), "复核认定“指标与部门职责或项目无关”"),
    ("信息化建设成效", F(10), F(4), "复核认定“无法评估”（中）"),
    ("群众满意度", F(10), F(0), "复核认定“满意度无调查依据”"),
    ("公文处理数量", F(10), F(0), "复核认定与“文件办理数量”重复，只在该指标计分"),
    ("资金支付进度", F(10), F(0), "复核认定“资金支付类指标充当产出指标”"),
    ("培训人次", F(20), F(20), "全年完成值150人次，达到年度指标值100人次，不扣分；复核认定“目标设置偏低"),
])
def test_each_rule_gives_the_score_it_implies(reviewed, name, computed, after, phrase):
    row = next(r for r in reviewed.review.rows if r.computed.indicator.name == name)
    assert (row.computed.score, row.reviewed.score) == (computed, after)
    assert phrase in row.explanation or phrase in row.reviewed.trail, row.explanation


def test_the_review_total_and_its_trail(reviewed):
    assert reviewed.score.total == F(99)
    review = reviewed.review
    assert review.score.total == 10 + 0 + 0 + 4 + 0 + 0 + 0 + 20
    assert review.grade.label == "差" and reviewed.grade.label == "优"
    row = next(r for r in review.rows if r.rule and r.rule.id == "unassessable")
    assert row.reviewed.trail == "复核认定“无法评估”（中），扣分值的 60%：max(0, 10.00 − 10.00 × 60%) = 4.00"
    note = next(r for r in review.rows if r.rule and r.rule.id == "target_too_low")
    assert "复核认定“目标设置偏低（完成值超过指标值130%）”" in note.explanation and not note.changed


def test_result_json_carries_the_review(reviewed):
    block = reviewed.to_dict()["review"]
    assert block["reviewer"] == "李四" and block["date"] == "2024-07-15"
    assert block["reported_score"] == 99 and block["score"]["total"] == 34
    first = block["indicators"][0]
    assert (first["rule"], first["rule_name"], first["computed_score"], first["score"]) == ("no_evidence", "无佐证材料", 19, 0)
    assert any(key.endswith("one_decision_per_rule.review.yaml") for key in reviewed.provenance["inputs"])


def test_without_decisions_the_review_is_the_evaluation(worked):
    review = worked.review
    assert not review.decided
    assert (review.score.min, review.score.max) == (worked.score.min, worked.score.max)
    assert all(r.reviewed is r.computed for r in review.rows)
    assert review.rows[0].explanation.startswith("未填报全年完成值，无法核定得分（可得0至")


def test_unassessable_without_an_actual_settles_the_interval():
    params = evalkit.parse_params({
        "schema": "evalkit/v1", "department": {"id": "x", "name": "甲", "year": 2023}, "scheme": "mof-2020",
        "budget": {"initial": 10, "adjusted": 10, "executed": 10},
        "goals": [{"name": "g", "indicators": [{"name": "a", "direction": ">=", "target": 10, "weight": 90}]}]})
    ev = evalkit.evaluate_params(params, evalkit.load_scheme("mof-2020"),
                                 review_input=ReviewInput(decisions=(Decision("goals[0].indicators[0]", "unassessable", "轻"),)))
    assert not ev.score.complete and ev.review.score.complete
    assert ev.review.score.total == 10 + F(90) * F(7, 10)
    assert "未填报完成值，按分值扣 30%" in ev.review.rows[0].reviewed.trail


BAD = [
    ("unknown-rule", "  - {indicator: 文件办理数量, rule: no_evidense}\n", "decisions[0].rule", "did you mean 'no_evidence'"),
    ("unknown-indicator", "  - {indicator: 文件办件数量, rule: no_evidence}\n", "decisions[0].indicator",
     "no indicator named '文件办件数量'"),
    ("bad-key", "  - {indicator: \"goals[3].indicators[0]\", rule: no_evidence}\n", "decisions[0].indicator", "no indicator"),
    ("missing-severity", "  - {indicator: 文件办理数量, rule: unassessable}\n", "decisions[0].severity", "needs a severity"),
    ("unknown-severity", "  - {indicator: 文件办理数量, rule: unassessable, severity: 特重}\n", "decisions[0].severity",
     "needs a severity"),
    ("severity-on-zero-rule", "  - {indicator: 文件办理数量, rule: no_evidence, severity: 中}\n", "decisions[0].severity",
     "takes no severity"),
    ("duplicate-without-of", "  - {indicator: 公文处理数量, rule: duplicate}\n", "decisions[0].of", "expected the indicator"),
    ("duplicate-of-itself", "  - {indicator: 公文处理数量, rule: duplicate, of: 公文处理数量}\n", "decisions[0].of",
     "cannot repeat itself"),
    ("of-on-other-rule", "  - {indicator: 公文处理数量, rule: irrelevant, of: 文件办理数量}\n", "decisions[0].of",
     "only a 'duplicate' decision"),
    ("twice", "  - {indicator: 文件办理数量, rule: no_evidence}\n  - {indicator: 文件办理数量, rule: irrelevant}\n",
     "decisions[1]", "already has a decision"),
    ("unknown-key", "  - {indicator: 文件办理数量, rule: no_evidence, score: 0}\n", "decisions[0].score", "unknown key"),
]


@pytest.mark.parametrize(("case", "decisions", "key", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_bad_decisions_give_located_errors(tmp_path, case, decisions, key, fragment):
    shutil.copy(REVIEWED, tmp_path / "dept.yaml")
    (tmp_path / "dept.review.yaml").write_text(f"schema: evalkit-review/v1\ndecisions:\n{decisions}", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(tmp_path / "dept.yaml")
    hit = [p for p in info.value.problems if p.key == key and fragment in p.message]
    assert hit and hit[0].line is not None and hit[0].path.endswith("dept.review.yaml"), str(info.value)


def test_a_review_file_is_not_taken_for_a_params_file(tmp_path):
    shutil.copy(REVIEWED, tmp_path)
    shutil.copy(REVIEWED.with_name("one_decision_per_rule.review.yaml"), tmp_path)
    shutil.copy(WORKED, tmp_path)
    assert sorted(p.name for p in evalkit.paths.params_files([tmp_path])) == [
        "dangzheng-office-2023.yaml", "one_decision_per_rule.yaml"]


def test_a_new_review_file_changes_the_fingerprint(tmp_path):
    """`evalkit run` reruns a department when its reviewer's decisions change (they are inputs)."""
    from evalkit.paths import notebook_path
    from evalkit.stamps.fingerprint import fingerprint

    shutil.copy(REVIEWED, tmp_path / "dept.yaml")
    before = fingerprint(evalkit.evaluate(tmp_path / "dept.yaml"), notebook_path(), ("html",))
    shutil.copy(REVIEWED.with_name("one_decision_per_rule.review.yaml"), tmp_path / "dept.review.yaml")
    after = fingerprint(evalkit.evaluate(tmp_path / "dept.yaml"), notebook_path(), ("html",))
    assert before != after and set(after["inputs"]) - set(before["inputs"]) == {f"{tmp_path.name}/dept.review.yaml"}
