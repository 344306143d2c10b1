"""Monitoring files: read beside their params file, validated with located errors (file, key path,
line, what was expected), never followed out of the folder, and not taken for params files."""

from __future__ import annotations

import shutil

import pytest
from conftest import WORKED

import evalkit
from evalkit import ParamsError
from evalkit.core.monitoring import MONITORING_SCHEMA, load_monitoring
from evalkit.paths import params_files

GOOD = f"""schema: {MONITORING_SCHEMA}
of: dept
month: 7
budget: {{initial: 1000, added: 50, cut: 20, adjusted: 1030, executed: 600, forecast: 1020}}
indicators:
  - goal: 综合事务管理工作
    name: 各项事务管理工作测评率
    target: 90
    progress: 36
    forecast: 90
    possibility: 有可能
    deviation: {{category: 人员保障, reason: 测评人员借调, measure: 九月补测}}
  - goal: 全面深化改革工作
    name: 课题调研任务
    target: 完成课题调研任务
    progress: 部分达成
"""


@pytest.fixture
def folder(tmp_path):
    shutil.copy(WORKED, tmp_path / "dept.yaml")
    return tmp_path


def test_a_good_file_is_read_with_every_field(folder):
    (folder / "dept.monitoring.yaml").write_text(GOOD, encoding="utf-8")
    ev = evalkit.evaluate(folder / "dept.yaml")
    m = ev.monitoring.monitoring
    assert (m.month, str(m.budget.adjusted), str(m.budget.forecast)) == (7, "1030", "1020")
    first, second = m.indicators
    assert (first.params_key, first.deviation.category, first.possibility) == ("goals[0].indicators[0]", "人员保障", "有可能")
    assert (second.direction, second.progress) == ("qualitative", "部分达成")
    assert [x.light.word for x in ev.monitoring.indicators] == ["黄灯", "黄灯"]


BAD = [
    ("schema", GOOD.replace(MONITORING_SCHEMA, "evalkit/v1"), "schema", 1, "expected 'evalkit-monitoring/v1'"),
    ("of-other-file", GOOD.replace("of: dept", "of: other-2023"), "of", 2, "expected 'dept'"),
    ("month-13", GOOD.replace("month: 7", "month: 13"), "month", 3, "between 1 and 12"),
    ("money-text", GOOD.replace("executed: 600", "executed: 六百"), "budget.executed", 4, "expected an amount"),
    ("adjusted-does-not-add-up", GOOD.replace("adjusted: 1030", "adjusted: 1040"), "budget.adjusted", 4,
     "年初预算数 + 追加 − 追减 = 1030"),
    ("unknown-indicator", GOOD.replace("name: 各项事务管理工作测评率", "name: 各项事务管理工作测评"),
     "indicators[0].name", 7, "did you mean '综合事务管理工作 / 各项事务管理工作测评率'?"),
    ("possibility", GOOD.replace("possibility: 有可能", "possibility: 可能"), "indicators[0].possibility", 11,
     "expected one of 确定能, 有可能, 不可能"),
    ("category", GOOD.replace("category: 人员保障", "category: 人手"), "indicators[0].deviation.category", 12,
     "经费保障, 制度保障, 人员保障, 硬件条件保障, 其他"),
    ("qualitative-progress", GOOD.replace("progress: 部分达成", "progress: 大部分完成"), "indicators[1].progress", 16,
     "达成目标, 部分达成, 未达成"),
    ("number-progress", GOOD.replace("progress: 36", "progress: 过半"), "indicators[0].progress", 9,
     "a number (1–N月完成值)"),
    ("unknown-key", GOOD.replace("    forecast: 90\n", "    forcast: 90\n"), "indicators[0].forcast", 10,
     "did you mean 'forecast'?"),
    ("missing-budget", GOOD.replace("budget: {initial: 1000, added: 50, cut: 20, adjusted: 1030, executed: 600, "
                                    "forecast: 1020}\n", ""), "", 1, "missing required key 'budget'"),
    ("twice", GOOD + "  - {goal: 全面深化改革工作, name: 课题调研任务, target: 完成课题调研任务, progress: 未达成}\n",
     "indicators[2].name", 17, "already monitored at indicators[1]"),
    ("not-yaml", "schema: [\n", "", 2, "not valid YAML"),
]


@pytest.mark.parametrize(("case", "text", "key", "line", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_give_located_errors(folder, case, text, key, line, fragment):
    (folder / "dept.monitoring.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(folder / "dept.yaml")
    hit = [p for p in info.value.problems if p.key == key and fragment in p.message]
    assert hit, str(info.value)
    assert (hit[0].line, hit[0].path.endswith("dept.monitoring.yaml")) == (line, True), str(info.value)


def test_every_problem_is_collected(folder):
    text = GOOD.replace("month: 7", "month: 0").replace("possibility: 有可能", "possibility: 也许")
    (folder / "dept.monitoring.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(folder / "dept.yaml")
    assert {p.key for p in info.value.problems} == {"month", "indicators[0].possibility"}


def test_a_link_out_of_the_folder_is_refused(folder, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.yaml"
    outside.write_text(GOOD, encoding="utf-8")
    (folder / "dept.monitoring.yaml").symlink_to(outside)
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(folder / "dept.yaml")
    assert "leads outside the params file's folder" in str(info.value)
    with pytest.raises(ParamsError):
        load_monitoring(folder / "dept.monitoring.yaml")


def test_not_utf8_is_named(folder):
    (folder / "dept.monitoring.yaml").write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(ParamsError, match="not UTF-8"):
        evalkit.evaluate(folder / "dept.yaml")


def test_a_monitoring_file_is_not_taken_for_a_params_file(folder):
    (folder / "dept.monitoring.yaml").write_text(GOOD, encoding="utf-8")
    assert [p.name for p in params_files([folder])] == ["dept.yaml"]


def test_the_monitoring_file_is_an_input_of_the_run(folder):
    """`evalkit run` reruns a department when its monitoring file appears or changes."""
    from evalkit.paths import notebook_path
    from evalkit.stamps.fingerprint import fingerprint, stamp

    before = fingerprint(evalkit.evaluate(folder / "dept.yaml"), notebook_path(), ("html",))
    (folder / "dept.monitoring.yaml").write_text(GOOD, encoding="utf-8")
    ev = evalkit.evaluate(folder / "dept.yaml")
    after = fingerprint(ev, notebook_path(), ("html",))
    assert set(after["inputs"]) - set(before["inputs"]) == {f"{folder.name}/dept.monitoring.yaml"}
    assert stamp(ev, notebook_path(), ("html",))["files"]["dept.monitoring.yaml"]["sha256"] == ev.monitoring.monitoring.sha256
    (folder / "dept.monitoring.yaml").write_text(GOOD.replace("executed: 600", "executed: 610"), encoding="utf-8")
    again = fingerprint(evalkit.evaluate(folder / "dept.yaml"), notebook_path(), ("html",))
    assert again["inputs"] != after["inputs"]


def test_a_bad_monitoring_file_fails_its_department_only(folder, capsys):
    from evalkit import cli

    shutil.copy(WORKED, folder / "other.yaml")
    (folder / "dept.monitoring.yaml").write_text(GOOD.replace("month: 7", "month: 七"), encoding="utf-8")
    assert cli.main(["validate", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "dept.monitoring.yaml:3 month: expected a whole number between 1 and 12, got '七'" in captured.err
    assert "Traceback" not in captured.err and captured.out.count("ok   ") == 1 and "other.yaml" in captured.out
