"""Hostile files of the surfaces added last: a project table's params (``kind: project``), the mid-year
``<stem>.monitoring.yaml``, the bureau's ``bureau.yaml`` and the 整改 ledgers ``<id>-<year>.rectification.yaml``.

Each sits beside a params file and is confined to its folder as a review or last year's file is: a
link that leads out, a FIFO, a folder or a dangling link under its name, a file of gigabytes, nesting
thousands deep, numbers written as NaN, infinity, 1e308, true or words, control, zero-width and
direction-override characters, NUL bytes, names of 5,000 characters, duplicate keys and text that is
not UTF-8 (Big5, UTF-16): each gives a located error (the file, the key, the line where the file has
lines, what was expected) or a correct result, never a traceback, a hang or a silently dropped file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import located_problems, run_cli
from hostile_inputs import BASE, deadline

import evalkit
from evalkit import ParamsError

STEM = "hostile-test-2023"
MON = f"{STEM}.monitoring.yaml"
LEDGER = f"{STEM}.rectification.yaml"
LAST_LEDGER = "hostile-test-2022.rectification.yaml"
BUREAU = "bureau.yaml"
PROJECT = f"{STEM}.project-01.yaml"
#: A file of this many bytes is never read whole (it is sparse: no disk is spent on it).
HUGE = 5 * 1024 ** 3

MONITORING = """\
schema: evalkit-monitoring/v1
of: hostile-test-2023
month: 7
budget: {initial: 100, added: 10, cut: 0, adjusted: 110, executed: 60, forecast: 105}
indicators:
  - {goal: 综合管理, name: 文件办理数量, target: 100, progress: 55, forecast: 100, possibility: 有可能,
     deviation: {category: 人员保障, reason: 人手不足, measure: 增派人员}}
  - {goal: 综合管理, name: 群众满意度, target: 90, progress: 88, possibility: 确定能}
"""

BUREAU_FILE = """\
schema: evalkit-bureau/v1
name: 示例区财政局
recipients: [区属各预算部门]
number: 示财绩〔{year}〕{seq}号
over_execution: deduct
over_execution_points: 1
rectification_days: 30
application:
  优: {action: 优先保障}
  差: {action: 核减, percent: 10}
"""

LEDGER_FILE = """\
schema: evalkit-rectification/v1
items:
  - {finding: budget.over_execution, measure: 补办预算调整手续, due: 2024-09-30, status: 整改中}
  - {indicator: 群众满意度, measure: 开展满意度调查, due: 2024-10-31, reply: 已开展, status: 已整改,
     evidence: [调查问卷汇总表], date: 2024-10-20}
"""

PROJECT_FILE = """\
schema: evalkit/v1
kind: project
project: {name: 道路养护, code: 2023-ht-01, department: hostile-test, implementer: 养护中心}
department: {id: hostile-test, name: 测试局, year: 2023, region: 测试区}
scheme: mof-2020
unit: 万元
budget:
  initial: 30
  adjusted: 30
  executed: 28
  sources:
    - {name: 当年财政拨款, initial: 30, adjusted: 30, executed: 28}
goals:
  - name: 年度总体目标
    objective: 完成辖区道路日常养护。
    outcome: 全年完成道路养护任务。
    indicators:
      - {name: 养护里程, level2: 数量指标, tier: 产出, direction: ">=", target: 120, unit: 公里, actual: 122, weight: 40}
      - {name: 养护合格率, level2: 质量指标, tier: 产出, direction: ">=", target: 95, unit: "%", actual: 96, weight: 30}
      - {name: 群众满意度, level2: 服务对象满意度指标, tier: 满意度, direction: ">=", target: 90, unit: "%", actual: 92,
         weight: 20, basis: 年末问卷调查}
reported: {score: 97.33, grade: 优}
"""


def swap(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced once (the case fails loudly if the base no longer holds it)."""
    assert old in text, old
    return text.replace(old, new, 1)


def mon(old: str, new: str) -> dict:
    return {MON: swap(MONITORING, old, new)}


def bur(old: str, new: str) -> dict:
    return {BUREAU: swap(BUREAU_FILE, old, new)}


def led(old: str, new: str) -> dict:
    return {LEDGER: swap(LEDGER_FILE, old, new)}


def proj(old: str, new: str) -> dict:
    return {PROJECT: swap(PROJECT_FILE, old, new)}


@dataclass
class Case:
    id: str
    files: dict = field(default_factory=dict)  # name → str | bytes | ("link", target) | ("fifo",) | ("dir",) | ("huge",)
    error: tuple[str, str, str] | None = None  # (file the problem names, key, regex its message matches)
    ok: object = None  # predicate on the Evaluation
    line: bool = False  # whether the problem must carry a line number
    target: str = f"{STEM}.yaml"  # the file evaluated


def finding_ids(ev) -> set[str]:
    return {f.id for f in ev.finding_items}


MONITORING_CASES = [
    Case("mon-ok", {MON: MONITORING}, ok=lambda ev: ev.monitoring is not None and ev.monitoring.monitoring.month == 7),
    Case("mon-symlink-out", {MON: ("link", "/etc/hostname")}, error=(MON, "", r"leads outside")),
    Case("mon-symlink-other-folder", {MON: ("link", "../elsewhere.monitoring.yaml")}, error=(MON, "", r"leads outside")),
    Case("mon-device", {MON: ("link", "/dev/zero")}, error=(MON, "", r"leads outside")),
    Case("mon-fifo", {MON: ("fifo",)}, error=(MON, "", r"named pipe \(FIFO\)")),
    Case("mon-folder", {MON: ("dir",)}, error=(MON, "", r"a folder")),
    Case("mon-dangling-link", {MON: ("link", "missing.yaml")}, error=(MON, "", r"does not exist")),
    Case("mon-link-to-this-year", {MON: ("link", f"{STEM}.yaml")}, error=(MON, "", r"this year's params file")),
    Case("mon-huge", {MON: ("huge",)}, error=(MON, "", r"larger than 2 MB")),
    Case("mon-deep-nesting", {MON: "schema: evalkit-monitoring/v1\nindicators: " + "[" * 5000 + "]" * 5000 + "\n"},
         error=(MON, "", r"nested deeper than 32 levels|maximum nesting depth")),
    Case("mon-duplicate-key", mon("month: 7\n", "month: 7\nmonth: 8\n"), error=(MON, "month", r"duplicate key"), line=True),
    Case("mon-month-nan", mon("month: 7", "month: .nan"), error=(MON, "month", r"between 1 and 12, got .*nan"), line=True),
    Case("mon-month-inf", mon("month: 7", "month: .inf"), error=(MON, "month", r"between 1 and 12, got .*inf"), line=True),
    Case("mon-month-1e308", mon("month: 7", "month: 1e308"), error=(MON, "month", r"between 1 and 12"), line=True),
    Case("mon-month-true", mon("month: 7", "month: true"), error=(MON, "month", r"(?i)a whole number.*got true"), line=True),
    Case("mon-month-words", mon("month: 7", "month: 七月"), error=(MON, "month", r"a whole number.*七月"), line=True),
    Case("mon-month-13", mon("month: 7", "month: 13"), error=(MON, "month", r"between 1 and 12, got 13"), line=True),
    Case("mon-month-fraction", mon("month: 7", "month: 7.5"), error=(MON, "month", r"whole number, got 7.5"), line=True),
    Case("mon-executed-nan", mon("executed: 60", "executed: .nan"), error=(MON, "budget.executed", r"an amount.*nan"), line=True),
    Case("mon-executed-inf", mon("executed: 60", "executed: -.inf"), error=(MON, "budget.executed", r"an amount.*inf"), line=True),
    Case("mon-executed-1e308", mon("executed: 60", "executed: 1e308"), error=(MON, "budget.executed", r"an amount"), line=True),
    Case("mon-executed-true", mon("executed: 60", "executed: true"), error=(MON, "budget.executed", r"(?i)got true"), line=True),
    Case("mon-executed-no", mon("executed: 60", "executed: 'no'"), error=(MON, "budget.executed", r"got 'no'"), line=True),
    Case("mon-executed-negative", mon("executed: 60", "executed: -60"), error=(MON, "budget.executed", r"≥ 0, got -60"), line=True),
    Case("mon-executed-percent", mon("executed: 60", "executed: 60%"), error=(MON, "budget.executed", r"'%' does not belong"), line=True),
    Case("mon-adjusted-does-not-add-up", mon("adjusted: 110", "adjusted: 120"),
         error=(MON, "budget.adjusted", r"年初预算数 \+ 追加 − 追减 = 110, got 120"), line=True),
    Case("mon-of-other-department", mon("of: hostile-test-2023", "of: other-dept-2023"),
         error=(MON, "of", r"expected 'hostile-test-2023'.*got 'other-dept-2023'"), line=True),
    Case("mon-of-last-year", mon("of: hostile-test-2023", "of: hostile-test-2022"),
         error=(MON, "of", r"expected 'hostile-test-2023'"), line=True),
    Case("mon-of-escape", mon("of: hostile-test-2023", 'of: "hostile-test-2023\\e[2J"'),
         error=(MON, "of", r"control character U\+001B"), line=True),
    Case("mon-schema-other", mon("evalkit-monitoring/v1", "evalkit-monitoring/v9"),
         error=(MON, "schema", r"expected 'evalkit-monitoring/v1'"), line=True),
    Case("mon-schema-missing", mon("schema: evalkit-monitoring/v1\n", ""), error=(MON, "", r"missing required key 'schema'")),
    Case("mon-unknown-key", mon("month: 7\n", "month: 7\nyear: 2023\n"), error=(MON, "year", r"unknown key"), line=True),
    Case("mon-indicator-unknown", mon("name: 群众满意度", "name: 群众满意率"),
         error=(MON, "indicators[1].name", r"no indicator '群众满意率'.*did you mean '综合管理 / 群众满意度'"), line=True),
    Case("mon-indicator-twice", mon("name: 群众满意度", "name: 文件办理数量"),
         error=(MON, "indicators[1].name", r"already monitored at indicators\[0\]"), line=True),
    Case("mon-indicator-zero-width", mon("name: 群众满意度", 'name: "群众满意度\\u200b"'),
         error=(MON, "indicators[1].name", r"invisible character U\+200B"), line=True),
    Case("mon-indicator-direction-override", mon("name: 群众满意度", 'name: "\\u202e度意满众群"'),
         error=(MON, "indicators[1].name", r"invisible character U\+202E"), line=True),
    Case("mon-indicator-5000-characters", mon("name: 群众满意度", "name: " + "长" * 5000),
         error=(MON, "indicators[1].name", r"at most 200 characters, got 5000"), line=True),
    Case("mon-reason-nul", mon("reason: 人手不足", 'reason: "人手\\0不足"'),
         error=(MON, "indicators[0].deviation.reason", r"control character U\+0000"), line=True),
    Case("mon-measure-escape", mon("measure: 增派人员", 'measure: "增派\\e[31m人员"'),
         error=(MON, "indicators[0].deviation.measure", r"control character U\+001B"), line=True),
    Case("mon-possibility-other", mon("possibility: 确定能", "possibility: 可能"),
         error=(MON, "indicators[1].possibility", r"expected one of 确定能, 有可能, 不可能"), line=True),
    Case("mon-category-other", mon("category: 人员保障", "category: 天气"),
         error=(MON, "indicators[0].deviation.category", r"expected one of 经费保障"), line=True),
    Case("mon-deviation-text", mon("deviation: {category: 人员保障, reason: 人手不足, measure: 增派人员}", "deviation: 人手不足"),
         error=(MON, "indicators[0].deviation", r"expected a mapping"), line=True),
    Case("mon-progress-nan", mon("progress: 88", "progress: .NaN"), error=(MON, "indicators[1].progress", r"(?i)1–N月完成值.*nan"), line=True),
    Case("mon-progress-1e308", mon("progress: 88", "progress: 1e308"), error=(MON, "indicators[1].progress", r"1–N月完成值"),
         line=True),
    Case("mon-target-true", mon("target: 90", "target: yes"), error=(MON, "indicators[1].target", r"(?i)got true"), line=True),
    Case("mon-indicators-mapping", mon("indicators:\n", "indicators: {a: 1}\nx:\n"), error=(MON, "indicators", r"expected a list")),
    Case("mon-top-list", {MON: "- 1\n- 2\n"}, error=(MON, "", r"expected a mapping")),
    Case("mon-empty", {MON: ""}, error=(MON, "", r"empty")),
    Case("mon-nul-byte", {MON: MONITORING.replace("人手不足", "人手\x00不足").encode("utf-8")}, error=(MON, "", r"YAML"), line=True),
    Case("mon-big5", {MON: MONITORING.encode("big5", errors="replace")}, error=(MON, "", r"not UTF-8"), line=True),
    Case("mon-utf16", {MON: MONITORING.encode("utf-16")}, error=(MON, "", r"UTF-16.*save the file as UTF-8")),
    Case("mon-alias-bomb", {MON: "a: &a [" + ",".join(["x"] * 20) + "]\n"
                            + "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 20) + "]\n"
                                      for p, c in zip("abcdefg", "bcdefgh", strict=True))},
         error=(MON, "", r"more than 100000 values")),
    Case("mon-yaml-tag", mon("month: 7", "month: !!python/object/apply:os.system [7]"),
         error=(MON, "month", r"a whole number"), line=True),
]

BUREAU_CASES = [
    Case("bureau-ok", {BUREAU: BUREAU_FILE},
         ok=lambda ev: ev.bureau.name == "示例区财政局" and ev.bureau.over_execution == "deduct"),
    Case("bureau-symlink-out", {BUREAU: ("link", "/etc/hostname")}, error=(BUREAU, "", r"leads outside")),
    Case("bureau-symlink-to-a-preset", {BUREAU: ("link", str(Path(evalkit.__file__).parent / "core" / "bureaus"
                                                              / "example-strict.yaml"))},
         error=(BUREAU, "", r"leads outside")),
    Case("bureau-device", {BUREAU: ("link", "/dev/zero")}, error=(BUREAU, "", r"leads outside")),
    Case("bureau-fifo", {BUREAU: ("fifo",)}, error=(BUREAU, "", r"named pipe \(FIFO\)")),
    Case("bureau-folder", {BUREAU: ("dir",)}, error=(BUREAU, "", r"a folder")),
    Case("bureau-dangling-link", {BUREAU: ("link", "missing.yaml")}, error=(BUREAU, "", r"does not exist")),
    Case("bureau-yml-fifo", {"bureau.yml": ("fifo",)}, error=("bureau.yml", "", r"named pipe")),
    Case("bureau-two-files", {BUREAU: BUREAU_FILE, "bureau.yml": BUREAU_FILE}, error=("bureau.yml", "", r"bureau\.yaml")),
    Case("bureau-huge", {BUREAU: ("huge",)}, error=(BUREAU, "", r"larger than 2 MB")),
    Case("bureau-deep-nesting", {BUREAU: "schema: evalkit-bureau/v1\nbasis: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"},
         error=(BUREAU, "", r"nested deeper than 32 levels|maximum nesting depth")),
    Case("bureau-duplicate-key", bur("over_execution: deduct\n", "over_execution: deduct\nover_execution: flag\n"),
         error=(BUREAU, "over_execution", r"duplicate key"), line=True),
    Case("bureau-points-nan", bur("over_execution_points: 1", "over_execution_points: .nan"),
         error=(BUREAU, "over_execution_points", r"between 0 and 100, got .*nan"), line=True),
    Case("bureau-points-inf", bur("over_execution_points: 1", "over_execution_points: .inf"),
         error=(BUREAU, "over_execution_points", r"between 0 and 100"), line=True),
    Case("bureau-points-1e308", bur("over_execution_points: 1", "over_execution_points: 1e308"),
         error=(BUREAU, "over_execution_points", r"between 0 and 100"), line=True),
    Case("bureau-points-true", bur("over_execution_points: 1", "over_execution_points: true"),
         error=(BUREAU, "over_execution_points", r"(?i)got true"), line=True),
    Case("bureau-points-words", bur("over_execution_points: 1", "over_execution_points: 一分"),
         error=(BUREAU, "over_execution_points", r"got '一分'"), line=True),
    Case("bureau-points-negative", bur("over_execution_points: 1", "over_execution_points: -1"),
         error=(BUREAU, "over_execution_points", r"between 0 and 100, got -1"), line=True),
    Case("bureau-points-without-deduct", bur("over_execution: deduct", "over_execution: cap"),
         error=(BUREAU, "over_execution_points", r"only 'over_execution: deduct'"), line=True),
    Case("bureau-over-execution-other", bur("over_execution: deduct", "over_execution: ignore"),
         error=(BUREAU, "over_execution", r"expected one of flag, cap, deduct"), line=True),
    Case("bureau-days-zero", bur("rectification_days: 30", "rectification_days: 0"),
         error=(BUREAU, "rectification_days", r"between 1 and 365, got 0"), line=True),
    Case("bureau-days-366", bur("rectification_days: 30", "rectification_days: 366"),
         error=(BUREAU, "rectification_days", r"between 1 and 365"), line=True),
    Case("bureau-days-fraction", bur("rectification_days: 30", "rectification_days: 30.5"),
         error=(BUREAU, "rectification_days", r"whole number"), line=True),
    Case("bureau-days-nan", bur("rectification_days: 30", "rectification_days: .nan"),
         error=(BUREAU, "rectification_days", r"whole number"), line=True),
    Case("bureau-percent-150", bur("percent: 10", "percent: 150"),
         error=(BUREAU, "application.差.percent", r"between 0 and 100, got 150"), line=True),
    Case("bureau-percent-nan", bur("percent: 10", "percent: .nan"),
         error=(BUREAU, "application.差.percent", r"between 0 and 100"), line=True),
    Case("bureau-percent-bool", bur("percent: 10", "percent: false"),
         error=(BUREAU, "application.差.percent", r"(?i)got false"), line=True),
    Case("bureau-cut-without-percent", bur("{action: 核减, percent: 10}", "{action: 核减}"),
         error=(BUREAU, "application.差.percent", r"核减 needs a percentage"), line=True),
    Case("bureau-percent-on-another-action", bur("{action: 优先保障}", "{action: 优先保障, percent: 5}"),
         error=(BUREAU, "application.优.percent", r"only 核减 takes a percentage"), line=True),
    Case("bureau-action-other", bur("{action: 优先保障}", "{action: 重点保障}"),
         error=(BUREAU, "application.优.action", r"expected one of 优先保障"), line=True),
    Case("bureau-grade-misspelt", bur("  优: {action", "  忧: {action"),
         error=(BUREAU, "application.忧", r"not a grade.*优"), line=True),
    Case("bureau-severity-unknown-finding", {BUREAU: BUREAU_FILE + "severity: {indicator.missing_actuall: 错误}\n"},
         error=(BUREAU, "severity.indicator.missing_actuall", r"did you mean 'indicator.missing_actual'"), line=True),
    Case("bureau-severity-word", {BUREAU: BUREAU_FILE + "severity: {indicator.missing_actual: 严重}\n"},
         error=(BUREAU, "severity.indicator.missing_actual", r"expected one of 错误, 警告, 提示"), line=True),
    Case("bureau-name-direction-override", bur("name: 示例区财政局", 'name: "\\u202e局政财区例示"'),
         error=(BUREAU, "name", r"invisible character U\+202E"), line=True),
    Case("bureau-name-zero-width", bur("name: 示例区财政局", 'name: "示例区\\u200d财政局"'),
         error=(BUREAU, "name", r"invisible character U\+200D"), line=True),
    Case("bureau-name-5000-characters", bur("name: 示例区财政局", "name: " + "局" * 5000),
         error=(BUREAU, "name", r"at most 200 characters, got 5000"), line=True),
    Case("bureau-name-nul", bur("name: 示例区财政局", 'name: "示例区\\0财政局"'),
         error=(BUREAU, "name", r"control character U\+0000"), line=True),
    Case("bureau-number-escape", bur("number: 示财绩〔{year}〕{seq}号", 'number: "示财绩\\e[2J〔{year}〕{seq}号"'),
         error=(BUREAU, "number", r"control character U\+001B"), line=True),
    Case("bureau-number-unknown-placeholder", bur("number: 示财绩〔{year}〕{seq}号", "number: 示财绩〔{yr}〕{seq}号"),
         error=(BUREAU, "number", r"\{yr\}.*\{year\}"), line=True),
    Case("bureau-recipients-number", bur("recipients: [区属各预算部门]", "recipients: 5"),
         error=(BUREAU, "recipients", r"expected a list of text"), line=True),
    Case("bureau-recipient-newline", bur("recipients: [区属各预算部门]", 'recipients: ["区属各\\u2028预算部门"]'),
         error=(BUREAU, "recipients[0]", r"invisible character U\+2028"), line=True),
    Case("bureau-basis-list", {BUREAU: BUREAU_FILE + "basis: [甲]\n"}, error=(BUREAU, "basis", r"expected a mapping"),
         line=True),
    Case("bureau-basis-key-bidi", {BUREAU: BUREAU_FILE + 'basis: {"mof\\u202e-2020": [甲]}\n'},
         error=(BUREAU, "basis", r"invisible character U\+202E"), line=True),
    Case("bureau-schema-other", bur("evalkit-bureau/v1", "evalkit-bureau/v2"),
         error=(BUREAU, "schema", r"expected 'evalkit-bureau/v1'"), line=True),
    Case("bureau-unknown-key", {BUREAU: BUREAU_FILE + "deadline: 30\n"}, error=(BUREAU, "deadline", r"unknown key"), line=True),
    Case("bureau-empty", {BUREAU: "# nothing yet\n"}, error=(BUREAU, "", r"empty")),
    Case("bureau-big5", {BUREAU: BUREAU_FILE.encode("big5", errors="replace")}, error=(BUREAU, "", r"not UTF-8"),
         line=True),
    Case("bureau-utf16", {BUREAU: BUREAU_FILE.encode("utf-16-le")}, error=(BUREAU, "", r"UTF-16")),
]

LEDGER_CASES = [
    Case("ledger-ok", {LEDGER: LEDGER_FILE},
         ok=lambda ev: [x.year for x in ev.ledgers] == [2023] and len(ev.ledgers[0].items) == 2),
    Case("ledger-last-year-ok", {LAST_LEDGER: LEDGER_FILE.replace("2024-", "2023-")},
         ok=lambda ev: [x.year for x in ev.ledgers] == [2022]),
    Case("ledger-symlink-out", {LEDGER: ("link", "/etc/hostname")}, error=(LEDGER, "", r"leads outside")),
    Case("ledger-device", {LEDGER: ("link", "/dev/zero")}, error=(LEDGER, "", r"leads outside")),
    Case("ledger-fifo", {LEDGER: ("fifo",)}, error=(LEDGER, "", r"named pipe \(FIFO\)")),
    Case("ledger-folder", {LEDGER: ("dir",)}, error=(LEDGER, "", r"a folder")),
    Case("ledger-dangling-link", {LEDGER: ("link", "missing.yaml")}, error=(LEDGER, "", r"does not exist")),
    Case("ledger-link-to-this-year", {LEDGER: ("link", f"{STEM}.yaml")}, error=(LEDGER, "", r"this year's params file")),
    Case("last-ledger-symlink-out", {LAST_LEDGER: ("link", "/etc/passwd")}, error=(LAST_LEDGER, "", r"leads outside")),
    Case("last-ledger-fifo", {LAST_LEDGER: ("fifo",)}, error=(LAST_LEDGER, "", r"named pipe")),
    Case("ledger-huge", {LEDGER: ("huge",)}, error=(LEDGER, "", r"larger than 2 MB")),
    Case("ledger-deep-nesting", {LEDGER: "schema: evalkit-rectification/v1\nitems: " + "[" * 5000 + "]" * 5000},
         error=(LEDGER, "", r"nested deeper than 32 levels|maximum nesting depth")),
    Case("ledger-duplicate-key", led("status: 整改中}", "status: 整改中, status: 已整改}"),
         error=(LEDGER, "items[0].status", r"duplicate key"), line=True),
    Case("ledger-status-other", led("status: 整改中", "status: 已完成"),
         error=(LEDGER, "items[0].status", r"expected one of 未整改, 整改中, 已整改"), line=True),
    Case("ledger-status-missing", led(", status: 整改中", ""), error=(LEDGER, "items[0]", r"missing required key 'status'"),
         line=True),
    Case("ledger-finding-and-indicator", led("{finding: budget.over_execution,", "{finding: budget.over_execution, indicator: 群众满意度,"),
         error=(LEDGER, "items[0]", r"exactly one of 'finding'"), line=True),
    Case("ledger-neither", led("{finding: budget.over_execution, ", "{"), error=(LEDGER, "items[0]", r"exactly one of"), line=True),
    Case("ledger-finding-unknown", led("finding: budget.over_execution", "finding: budget.over_executon"),
         error=(LEDGER, "items[0].finding", r"unknown finding id.*did you mean 'budget.over_execution'"), line=True),
    Case("ledger-indicator-unknown", led("indicator: 群众满意度", "indicator: 群众满意率"),
         error=(LEDGER, "items[1].indicator", r"no indicator '群众满意率'.*did you mean '群众满意度'"), line=True),
    Case("ledger-due-february-30", led("due: 2024-09-30", "due: 2024-02-30"),
         error=(LEDGER, "items[0].due", r"a date like 2024-06-11"), line=True),
    Case("ledger-due-nan", led("due: 2024-09-30", "due: .nan"), error=(LEDGER, "items[0].due", r"a date like"), line=True),
    Case("ledger-due-number", led("due: 2024-09-30", "due: 20240930"), error=(LEDGER, "items[0].due", r"a date like"), line=True),
    Case("ledger-due-true", led("due: 2024-09-30", "due: true"), error=(LEDGER, "items[0].due", r"(?i)a date like.*true"), line=True),
    Case("ledger-due-five-digit-year", led("due: 2024-09-30", "due: 99999-09-30"),
         error=(LEDGER, "items[0].due", r"a date like"), line=True),
    Case("ledger-due-year-1", led("due: 2024-09-30", "due: 0001-01-01"),
         error=(LEDGER, "items[0].due", r"not before 2023年1月1日.*got 0001-01-01"), line=True),
    Case("ledger-date-1900", led("date: 2024-10-20", "date: 1900-10-20"),
         error=(LEDGER, "items[1].date", r"not before 2023年1月1日.*got 1900-10-20"), line=True),
    Case("last-ledger-due-before-its-year", {LAST_LEDGER: LEDGER_FILE.replace("2024-09-30", "2021-09-30")},
         error=(LAST_LEDGER, "items[0].due", r"not before 2022年1月1日.*got 2021-09-30"), line=True),
    Case("ledger-due-far-ahead-kept", {LEDGER: LEDGER_FILE.replace("2024-09-30", "2099-12-31")},
         ok=lambda ev: "rectification.overdue" not in finding_ids(ev) and ev.ledgers[0].items[0].due.year == 2099),
    Case("ledger-measure-escape", led("measure: 补办预算调整手续", 'measure: "补办\\e[2J手续"'),
         error=(LEDGER, "items[0].measure", r"control character U\+001B"), line=True),
    Case("ledger-measure-5001-characters", led("measure: 补办预算调整手续", "measure: " + "补" * 5001),
         error=(LEDGER, "items[0].measure", r"at most 5000 characters, got 5001"), line=True),
    Case("ledger-evidence-mapping", led("evidence: [调查问卷汇总表]", "evidence: {a: 1}"),
         error=(LEDGER, "items[1].evidence", r"expected a list of text"), line=True),
    Case("ledger-evidence-nul", led("evidence: [调查问卷汇总表]", 'evidence: ["调查\\0问卷"]'),
         error=(LEDGER, "items[1].evidence[0]", r"control character U\+0000"), line=True),
    Case("ledger-indicator-bidi", led("indicator: 群众满意度", 'indicator: "\\u202e度意满众群"'),
         error=(LEDGER, "items[1].indicator", r"invisible character U\+202E"), line=True),
    Case("ledger-items-mapping", {LEDGER: "schema: evalkit-rectification/v1\nitems: {a: 1}\n"},
         error=(LEDGER, "items", r"expected a list"), line=True),
    Case("ledger-schema-other", led("evalkit-rectification/v1", "evalkit-rectification/v0"),
         error=(LEDGER, "schema", r"expected 'evalkit-rectification/v1'"), line=True),
    Case("ledger-big5", {LEDGER: LEDGER_FILE.encode("big5", errors="replace")}, error=(LEDGER, "", r"not UTF-8"), line=True),
    Case("ledger-utf16", {LEDGER: LEDGER_FILE.encode("utf-16")}, error=(LEDGER, "", r"UTF-16")),
    Case("ledger-nul-byte", {LEDGER: LEDGER_FILE.replace("已开展", "已\x00开展").encode("utf-8")}, error=(LEDGER, "", r"YAML"),
         line=True),
    Case("ledger-other-department-ignored", {"other-dept-2023.rectification.yaml": ("link", "/etc/hostname")},
         ok=lambda ev: ev.ledgers == ()),
    Case("ledger-overdue-reported", {LEDGER: LEDGER_FILE.replace("2024-09-30", "2024-01-31")},
         ok=lambda ev: "rectification.overdue" in finding_ids(ev)),
    Case("last-ledger-closed-recurs", {LAST_LEDGER: "schema: evalkit-rectification/v1\nitems:\n"
                                       "  - {finding: budget.line_low_execution, status: 已整改, evidence: [台账], due: 2023-06-30}\n"},
         ok=lambda ev: "rectification.not_effective" in finding_ids(ev)),
    Case("last-ledger-closed-does-not-recur", {LAST_LEDGER: "schema: evalkit-rectification/v1\nitems:\n"
                                               "  - {finding: budget.over_execution, status: 已整改, evidence: [台账]}\n"},
         ok=lambda ev: "rectification.not_effective" not in finding_ids(ev) and len(ev.ledgers) == 1),
]

PROJECT_CASES = [
    Case("project-ok", {PROJECT: PROJECT_FILE},
         ok=lambda ev: [p.params.project.name for p in ev.project_evaluations] == ["道路养护"]),
    Case("project-direct-ok", {PROJECT: PROJECT_FILE}, target=PROJECT,
         ok=lambda ev: ev.params.kind == "project" and ev.params.project.code == "2023-ht-01"),
    Case("project-other-department-id", proj("department: hostile-test,", "department: other-dept,"), target=PROJECT,
         error=(PROJECT, "project.department", r"names department 'other-dept' but department.id is 'hostile-test'"),
         line=True),
    Case("project-kind-misspelt", proj("kind: project", "kind: projet"), target=PROJECT,
         error=(PROJECT, "kind", r"project"), line=True),
    Case("project-header-missing", proj("project: {name: 道路养护, code: 2023-ht-01, department: hostile-test, "
                                        "implementer: 养护中心}\n", ""), target=PROJECT,
         error=(PROJECT, "project", r"expected a mapping with keys name, code, department"), line=True),
    Case("project-weight-nan", proj("weight: 40", "weight: .nan"), target=PROJECT,
         error=(PROJECT, "goals[0].indicators[0].weight", r"nan"), line=True),
    Case("project-weight-inf", proj("weight: 40", "weight: .inf"), target=PROJECT,
         error=(PROJECT, "goals[0].indicators[0].weight", r"inf"), line=True),
    Case("project-weight-1e308", proj("weight: 40", "weight: 1e308"), target=PROJECT,
         error=(PROJECT, "goals[0].indicators[0].weight", r""), line=True),
    Case("project-weight-true", proj("weight: 40", "weight: true"), target=PROJECT,
         error=(PROJECT, "goals[0].indicators[0].weight", r"(?i)分值.*got true"), line=True),
    Case("project-weight-words", proj("weight: 40", "weight: 四十"), target=PROJECT,
         error=(PROJECT, "goals[0].indicators[0].weight", r"四十"), line=True),
    Case("project-executed-nan", proj("executed: 28\n", "executed: .nan\n"), target=PROJECT,
         error=(PROJECT, "budget.executed", r"nan"), line=True),
    Case("project-source-executed-1e308", proj("executed: 28}", "executed: 1e308}"), target=PROJECT,
         error=(PROJECT, "budget.sources[0].executed", r""), line=True),
    Case("project-source-name-other", proj("name: 当年财政拨款", "name: 中央补助"), target=PROJECT,
         error=(PROJECT, "budget.sources[0].name", r"expected one of 当年财政拨款"), line=True),
    Case("project-name-direction-override", proj("project: {name: 道路养护", 'project: {name: "\\u202e护养路道"'),
         target=PROJECT, error=(PROJECT, "project.name", r"invisible character U\+202E"), line=True),
    Case("project-name-zero-width", proj("project: {name: 道路养护", 'project: {name: "道路\\u200b养护"'),
         target=PROJECT, error=(PROJECT, "project.name", r"invisible character U\+200B"), line=True),
    Case("project-name-5000-characters", proj("project: {name: 道路养护", "project: {name: " + "路" * 5000),
         target=PROJECT, error=(PROJECT, "project.name", r"at most 200 characters, got 5000"), line=True),
    Case("project-name-nul", proj("project: {name: 道路养护", 'project: {name: "道路\\0养护"'),
         target=PROJECT, error=(PROJECT, "project.name", r"control character U\+0000"), line=True),
    Case("project-code-escape", proj("code: 2023-ht-01", 'code: "2023\\e[2J"'), target=PROJECT,
         error=(PROJECT, "project.code", r"control character U\+001B"), line=True),
    Case("project-code-path", proj("code: 2023-ht-01", "code: ../../../etc"), target=PROJECT,
         ok=lambda ev: _folder_is_safe(ev)),
    Case("project-code-dots", proj("code: 2023-ht-01", "code: '..'"), target=PROJECT, ok=lambda ev: _folder_is_safe(ev)),
    Case("project-code-long", proj("code: 2023-ht-01", "code: " + "码" * 200), target=PROJECT,
         ok=lambda ev: _folder_is_safe(ev)),
    Case("project-implementer-bidi", proj("implementer: 养护中心", 'implementer: "养护\\u202d中心"'), target=PROJECT,
         error=(PROJECT, "project.implementer", r"invisible character U\+202D"), line=True),
    Case("project-level2-unknown", proj("level2: 数量指标", "level2: 数量指指标"), target=PROJECT,
         ok=lambda ev: any(f.id.startswith("project.") for f in ev.finding_items)),
    Case("project-duplicate-key", proj("unit: 万元\n", "unit: 万元\nunit: 元\n"), target=PROJECT,
         error=(PROJECT, "unit", r"duplicate key"), line=True),
    Case("project-deep-nesting", {PROJECT: PROJECT_FILE + "x: " + "[" * 5000 + "]" * 5000 + "\n"}, target=PROJECT,
         error=(PROJECT, "", r"nested deeper than 32 levels|maximum nesting depth")),
    Case("project-big5", {PROJECT: PROJECT_FILE.replace("≥", ">").encode("big5", errors="replace")}, target=PROJECT,
         error=(PROJECT, "", r"not UTF-8"), line=True),
    Case("project-utf16", {PROJECT: PROJECT_FILE.encode("utf-16")}, target=PROJECT, error=(PROJECT, "", r"UTF-16")),
    Case("project-year-2022-left-out", proj("year: 2023,", "year: 2022,"), ok=lambda ev: ev.project_evaluations == ()),
    # a broken project file beside its department: the department runs, the file is named in a finding
    Case("project-broken-beside", proj("weight: 40", "weight: .nan"),
         ok=lambda ev: _unreadable(ev, PROJECT, "goals[0].indicators[0].weight")),
    Case("project-big5-beside", {PROJECT: PROJECT_FILE.encode("gb18030")}, ok=lambda ev: _unreadable(ev, PROJECT, "not UTF-8")),
    # what the department's folder holds under a project file's name is confined like a companion
    Case("project-symlink-out", {PROJECT: ("link", "/etc/hostname")}, ok=lambda ev: _unreadable(ev, PROJECT, "leads outside")),
    Case("project-device", {PROJECT: ("link", "/dev/zero")}, ok=lambda ev: _unreadable(ev, PROJECT, "leads outside")),
    Case("project-fifo", {PROJECT: ("fifo",)}, ok=lambda ev: _unreadable(ev, PROJECT, "named pipe")),
    Case("project-folder", {PROJECT: ("dir",)}, ok=lambda ev: _unreadable(ev, PROJECT, "a folder")),
    Case("other-yaml-fifo-ignored", {"notes.yaml": ("fifo",), "x.yml": ("link", "/dev/zero")},
         ok=lambda ev: ev.project_evaluations == () and not _unreadable(ev, "notes.yaml", "")),
    Case("project-huge", {PROJECT: ("huge",)}, ok=lambda ev: _unreadable(ev, PROJECT, "larger than 2 MB")),
    Case("project-dangling-link", {PROJECT: ("link", "missing.yaml")},
         ok=lambda ev: ev.project_evaluations == () and _unreadable(ev, PROJECT, "No such file or directory")),
]


def _folder_is_safe(ev) -> bool:
    """A project's output folder name is one plain component of at most 100 bytes."""
    from evalkit.core.evaluation import project_folder_name

    name = project_folder_name(ev.params)
    return (name not in ("", ".", "..") and "/" not in name and "\\" not in name and len(name.encode("utf-8")) <= 100)


def _unreadable(ev, name: str, text: str) -> bool:
    """The department's evaluation names a project file it could not read, with the reason."""
    hits = [f for f in ev.finding_items if f.id == "project.unreadable" and f.evidence.get("file") == name]
    return bool(hits) and text in str(hits[0].evidence.get("problem"))


CASES = MONITORING_CASES + BUREAU_CASES + LEDGER_CASES + PROJECT_CASES


def build(files: dict, folder: Path) -> None:
    (folder / f"{STEM}.yaml").write_text(BASE, encoding="utf-8")
    for name, content in files.items():
        target = folder / name
        if isinstance(content, tuple) and content[0] == "link":
            os.symlink(content[1], target)
        elif isinstance(content, tuple) and content[0] == "fifo":
            os.mkfifo(target)
        elif isinstance(content, tuple) and content[0] == "huge":
            with open(target, "wb") as f:  # it says it is a project table of the department
                f.write(b"kind: project\nproject: {department: hostile-test}\n")
                f.truncate(HUGE)
        elif isinstance(content, tuple):
            target.mkdir()
        else:
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def test_the_tables_are_large_and_distinct():
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
    assert all((c.error is None) != (c.ok is None) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_new_surface(case, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALKIT_BUREAU", "")  # restored (to unset) after the test, whatever --bureau sets
    build(case.files, tmp_path)
    with deadline(20):
        if case.ok is not None:
            assert case.ok(evalkit.evaluate(tmp_path / case.target)), case.id
            return
        with pytest.raises(ParamsError) as info:
            evalkit.evaluate(tmp_path / case.target)
    name, key, pattern = case.error
    hits = located_problems(info.value, name, key, pattern)
    assert hits, f"no problem in {name} at {key!r} matching {pattern!r} in:\n{info.value}"
    if case.line:
        assert hits[0].line is not None, hits[0]
    text = str(info.value)
    assert "root:x:0:0" not in text and "Traceback" not in text
    assert not any(ch in text for ch in "\x00\x1b\u202e\u200b"), "an error repeats a raw control character"


@pytest.mark.parametrize("case", [c for c in CASES if c.error and c.target == f"{STEM}.yaml"], ids=lambda c: c.id)
def test_hostile_new_surface_through_the_cli(case, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EVALKIT_BUREAU", "")  # restored (to unset) after the test, whatever --bureau sets
    build(case.files, tmp_path)
    with deadline(20):
        code, out = run_cli("validate", tmp_path / f"{STEM}.yaml")
    err = capsys.readouterr().err
    assert code == 1 and "unexpected" not in err and "Traceback" not in err, err
    assert case.error[0] in err
    assert not any(ch in out + err for ch in "\x00\x1b\u202e\u200b")


# --- a bureau file named on the command line (--bureau): the operator's choice, still never blocking ------

BUREAU_OPTION_CASES = [
    ("preset", "example-strict", None),
    ("file", "mine.yaml", None),
    ("fifo", "pipe.yaml", r"cannot read: a named pipe \(FIFO\)"),
    ("folder", "folder.yaml", r"cannot read: a folder"),
    ("device", "/dev/zero", r"cannot read: a device"),
    ("missing", "nowhere.yaml", r"no such bureau file; expected a path or one of the examples example-lenient"),
    ("misspelt-preset", "example-strictt", r"no such bureau file"),
    ("huge", "huge.yaml", r"larger than 2 MB"),
    ("not-utf8", "big5.yaml", r"not UTF-8"),
]


@pytest.mark.parametrize(("ref", "pattern"), [c[1:] for c in BUREAU_OPTION_CASES], ids=[c[0] for c in BUREAU_OPTION_CASES])
def test_a_bureau_file_named_on_the_command_line(ref, pattern, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVALKIT_BUREAU", "")  # restored (to unset) after the test, whatever --bureau sets
    build({"mine.yaml": BUREAU_FILE, "pipe.yaml": ("fifo",), "folder.yaml": ("dir",), "huge.yaml": ("huge",),
           "big5.yaml": BUREAU_FILE.encode("big5", errors="replace")}, tmp_path)
    with deadline(20):
        code, out = run_cli("validate", f"{STEM}.yaml", "--bureau", ref)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected" not in err, err
    if pattern is None:
        assert code == 0, err
        return
    assert code == 1 and re.search(pattern, err) and ref in err, err


@pytest.mark.parametrize("content", [None, ("link", "missing.yaml"), ("fifo",), ("dir",), ("link", "/etc/hostname")],
                         ids=["none-control", "dangling-link", "fifo", "folder", "link-out"])
def test_a_department_with_an_unreadable_project_file_is_stamped_and_reruns(content, tmp_path):
    """The stamp of a department whose project file could not be read records it (without reading it)
    and never settles the department as unchanged while that file is there (the control, without
    such a file, is settled)."""
    from hostile_inputs import finish

    from evalkit.outputs import FORMATS
    from evalkit.stamps.fingerprint import Stamps

    (tmp_path / "p").mkdir()
    build({PROJECT: content} if content else {}, tmp_path / "p")
    params = tmp_path / "p" / f"{STEM}.yaml"
    with deadline(20):
        folder = finish(params, tmp_path / "out", FORMATS)
        stamp = json.loads((folder / ".evalkit-run.json").read_text(encoding="utf-8"))
        settled = Stamps(tmp_path / "out", tuple(FORMATS)).unchanged(params)
    if content is None:
        assert settled is not None and PROJECT not in stamp["files"]
    else:
        assert PROJECT in stamp["files"] and settled is None


# --- a params folder holding what is not a file, for `evalkit validate FOLDER` --------------------------

FOLDER_CASES = [
    ("fifo", "pipe-2023.yaml", ("fifo",), r"not a regular file"),
    ("folder", "folder-2023.yaml", ("dir",), r"not a regular file"),
    ("device", "zero-2023.yaml", ("link", "/dev/zero"), r"not a regular file"),
    ("dangling-link", "gone-2023.yaml", ("link", "missing.yaml"), r"No such file|does not exist"),
    ("project-fifo", "x.project-01.yaml", ("fifo",), r"not a regular file"),
]


@pytest.mark.parametrize(("name", "content", "pattern"), [c[1:] for c in FOLDER_CASES], ids=[c[0] for c in FOLDER_CASES])
def test_a_params_folder_with_something_that_is_not_a_params_file(name, content, pattern, tmp_path, capsys, monkeypatch):
    """Finding the params files of a folder (which are project tables?) reads no FIFO, device or file
    of gigabytes; the thing is named with what is wrong, and the department beside it validates."""
    monkeypatch.setenv("EVALKIT_BUREAU", "")
    build({name: content}, tmp_path)
    with deadline(20):
        code, out = run_cli("validate", tmp_path)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected" not in err, err
    assert code == 1 and re.search(pattern, err) and name in err, err
    assert f"ok   {tmp_path / STEM}.yaml" in out, out
