"""The finance bureau's file (``bureau.yaml``, ``evalkit-bureau/v1``): located errors, shipped example
presets, severity overrides, the over-execution rule, 结果应用, and the triage order of the index."""

from __future__ import annotations

import shutil
from fractions import Fraction

import pytest
from conftest import PARAMS

import evalkit
from evalkit import ParamsError
from evalkit.core.bureau import Application, bureau_presets, load_bureau
from evalkit.publish import index

OVER = PARAMS / "demo-transport-bureau-2023.yaml"  # 100.45 % executed
MISSING = PARAMS / "demo-ecology-environment-bureau-2023.yaml"  # missing actuals, unverifiable self-score


def copy_department(params, folder):
    for f in PARAMS.glob(params.stem + ".*"):
        if not f.name.endswith(".result.json"):
            shutil.copy(f, folder)
    return folder / params.name


def test_presets_are_examples_not_an_official_default():
    presets = bureau_presets()
    assert len(presets) >= 2
    for name, path in presets.items():
        assert name.startswith("example-") and "default" not in name and "official" not in name
        assert "not an official default" in path.read_text(encoding="utf-8").splitlines()[0]
        bureau = load_bureau(name)
        assert bureau.over_execution in ("flag", "cap", "deduct") and bureau.application


BAD = [
    ("unknown-key", "schema: evalkit-bureau/v1\nname: 示例区财政局\nrecipient: [各部门]\n", "recipient", 3, "unknown key"),
    ("bad-rule", "schema: evalkit-bureau/v1\nover_execution: punish\n", "over_execution", 2, "flag, cap, deduct"),
    ("cut-without-percent", "schema: evalkit-bureau/v1\napplication:\n  差: {action: 核减}\n", "application.差.percent",
     3, "核减 needs a percentage"),
    ("unknown-action", "schema: evalkit-bureau/v1\napplication:\n  优: {action: 奖励}\n", "application.优.action", 3,
     "优先保障"),
    ("unknown-finding", "schema: evalkit-bureau/v1\nseverity:\n  indicator.missing_actuals: 错误\n",
     "severity.indicator.missing_actuals", 3, "did you mean 'indicator.missing_actual'"),
    ("bad-severity", "schema: evalkit-bureau/v1\nseverity:\n  score.unverifiable: 严重\n", "severity.score.unverifiable", 3,
     "expected one of 错误, 警告, 提示"),
    ("points-without-deduct", "schema: evalkit-bureau/v1\nover_execution: cap\nover_execution_points: 2\n",
     "over_execution_points", 3, "only 'over_execution: deduct'"),
    ("wrong-schema", "schema: evalkit-review/v1\n", "schema", 1, "evalkit-bureau/v1"),
]


@pytest.mark.parametrize(("case", "text", "key", "line", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_bureau_file_gives_located_errors(tmp_path, case, text, key, line, fragment):
    (tmp_path / "bureau.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_bureau(tmp_path / "bureau.yaml")
    hit = [p for p in info.value.problems if p.key == key and fragment in p.message]
    assert hit and hit[0].line == line and hit[0].path.endswith("bureau.yaml"), str(info.value)


def test_a_bureau_file_beside_the_params_applies_and_a_bad_one_names_itself(tmp_path):
    params = copy_department(MISSING, tmp_path)
    before = evalkit.evaluate(params)
    assert {f.severity for f in before.finding_items if f.id == "indicator.missing_actual"} == {"warning"}
    shutil.copy(bureau_presets()["example-strict"], tmp_path / "bureau.yaml")
    after = evalkit.evaluate(params)
    assert {f.severity for f in after.finding_items if f.id in ("indicator.missing_actual", "score.unverifiable")} == {
        "error"}
    assert after.severity_counts()["error"] > before.severity_counts()["error"]
    assert str(tmp_path / "bureau.yaml") in after.files
    (tmp_path / "bureau.yaml").write_text("schema: evalkit-bureau/v1\nover_execution: maybe\n", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(params)
    assert info.value.path.endswith("bureau.yaml") and info.value.key == "over_execution"


@pytest.mark.parametrize(("rule", "expected"), [
    ("flag", Fraction(10)),
    ("cap", Fraction(10) * Fraction("8466.94") / Fraction("8505.00")),  # weight × budget ÷ executed
    ("deduct", None),
])
def test_over_execution_never_earns_full_marks_silently(tmp_path, rule, expected):
    params = copy_department(OVER, tmp_path)
    (tmp_path / "bureau.yaml").write_text(f"schema: evalkit-bureau/v1\nover_execution: {rule}\n"
                                          + ("over_execution_points: 2\n" if rule == "deduct" else ""), encoding="utf-8")
    ev = evalkit.evaluate(params)
    rate = ev.budget.execution_rate
    assert rate > 1
    assert any(f.id == "budget.over_execution" and f.severity == "error" for f in ev.finding_items)
    if expected is None:
        expected = 10 - (rate - 1) * 100 * 2
    assert ev.budget.execution_score == expected
    assert rule == "flag" or ev.budget.execution_score < 10
    assert "超过100%" in ev.budget.trails["execution_score"]


def test_application_follows_the_grade_in_either_schemes_words(tmp_path):
    params = copy_department(OVER, tmp_path)
    (tmp_path / "bureau.yaml").write_text(
        "schema: evalkit-bureau/v1\napplication:\n  优秀: {action: 优先保障}\n  良: 据实保障\n  中: {action: 核减, percent: 10}\n"
        "  差: {action: 取消或暂停}\n", encoding="utf-8")
    ev = evalkit.evaluate(params)
    assert ev.scheme.id == "mof-2020" and ev.grade.label == "优"
    assert ev.application == Application("优先保障")  # 优秀 is a synonym of 优 in mof-2020
    bureau = load_bureau(tmp_path / "bureau.yaml")
    assert bureau.application_for("中", ev.scheme).text == "核减10%"
    assert ev.to_dict()["result"]["application"] == "优先保障"


def row(id_, scheme, score, *, errors=0, stake=0.0, over=False, reviewed=False):
    return {"id": id_, "scheme_id": scheme, "sort": score, "sort_max": score, "status": "review" if errors else "ok",
            "findings": {"error": errors, "warning": 0, "info": 0}, "stake": stake, "over_budget": over,
            "reviewed": reviewed}


def test_triage_ranks_within_scheme_over_budget_never_first_and_pending_by_severity():
    rows = [row("a", "mof-2020", 99.9, over=True), row("b", "mof-2020", 90.0), row("c", "mof-2020", 80.0, errors=1, stake=5),
            row("d", "mof-2020", 95.0, errors=3, stake=1), row("e", "mof-2020", 70.0, errors=1, stake=20),
            row("f", "seed-85-75-60", 99.0), row("g", "seed-85-75-60", 60.0)]
    order = [r["id"] for r in index.triage(rows)]
    assert order == ["b", "a", "d", "e", "c", "f", "g"]


def test_the_index_ranks_an_over_budget_department_after_the_others(tmp_path):
    """Only two clean departments, the over-budget one with the higher score: it still comes second."""
    rows = [row("over", "mof-2020", 99.55, over=True), row("under", "mof-2020", 91.0)]
    html = index.render(rows=[{**r, "name": r["id"], "links": {}, "sample": False, "score": f"{r['sort']:.2f}",
                               "grade": "优", "scheme": "方案", "reported": None} for r in rows], year=2023)
    assert html.index("under") < html.index("over") and "超预算支出" in html


def test_the_command_line_names_a_bureau_file_or_a_preset(tmp_path, capsys):
    from conftest import run_cli

    params = copy_department(OVER, tmp_path)
    code, out = run_cli("score", params, "--bureau", "example-strict", "--json")
    assert code == 0 and '"over_execution": "deduct"' in out
    (tmp_path / "mine.yaml").write_text("schema: evalkit-bureau/v1\nrectification_days: 0\n", encoding="utf-8")
    code, _ = run_cli("validate", params, "--bureau", tmp_path / "mine.yaml")
    err = capsys.readouterr().err
    assert code != 0 and "mine.yaml:2" in err and "rectification_days" in err
