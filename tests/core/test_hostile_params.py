"""Hostile and broken inputs, as data: one row per case, each with the outcome it must give — a
located error (file, key, line where the file has one, and what was expected) or a correct result.

Every case runs under a deadline, through the library and through ``evalkit validate``: nothing may
hang, blow up, end in a traceback or an "unexpected …", or quote a file's content back.
"""

from __future__ import annotations

import os
import re
import signal
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli

import evalkit
from evalkit import ParamsError

DEADLINE = 10  # seconds; the slowest case (5,000-deep nesting) takes about one

BASE = """\
schema: evalkit/v1
department: {id: hostile-test, name: 测试局, year: 2023, region: 测试区}
scheme: mof-2020
unit: 万元
budget:
  initial: 100
  adjusted: 110
  executed: 99
  lines:
    - {name: 基本支出, kind: basic, adjusted: 60, executed: 55}
    - {name: 项目支出, kind: project, adjusted: 50, executed: 44}
goals:
  - name: 综合管理
    objective: 做好综合管理工作
    indicators:
      - {name: 文件办理数量, direction: ">=", target: 100, unit: 件, actual: 95}
      - {name: 群众满意度, direction: ">=", target: 90, unit: "%", actual: 92}
      - {name: 经费增长率, direction: "<=", target: 5, unit: "%", actual: 3}
reported:
  score: 90
  grade: 优
  evaluation_period: ["2024-03-01", "2024-04-30"]
  report_date: "2024-05-10"
narrative:
  summary: 本部门负责综合管理。
"""
PROJECTS = "name,adjusted,executed\n道路养护,30,28\n绿化提升,20,16\n"
MONTHLY = "month,executed\n" + "".join(f"{m},{8 if m < 12 else 11}\n" for m in range(1, 13))
SCHEME = (Path(evalkit.__file__).parent / "schemes" / "mof-2020.yaml").read_text(encoding="utf-8")


@dataclass
class Case:
    id: str
    edit: object = None  # (old, new) on BASE, a list of them, or the whole text / bytes
    files: dict = field(default_factory=dict)  # name → str | bytes | ("link", target)
    error: tuple[str, str] | None = None  # (key the problem names, regex its message matches)
    ok: object = None  # predicate on the Evaluation when the input is fine
    line: bool = True  # whether the problem must carry a line number


def sub(old: str, new: str) -> tuple[str, str]:
    return (old, new)


def amount(text: str) -> tuple[str, str]:
    return sub("  adjusted: 110\n", f"  adjusted: {text}\n")


def actual(text: str) -> tuple[str, str]:
    return sub("target: 100, unit: 件, actual: 95}", f"target: 100, unit: 件, actual: {text}}}")


def name(text: str) -> tuple[str, str]:
    return sub("name: 文件办理数量,", f"name: {text},")


def with_projects(value: str = "p.csv") -> tuple[str, str]:
    return sub("  executed: 99\n", f"  executed: 99\n  projects: {value}\n")


def with_monthly(value: str = "m.csv") -> tuple[str, str]:
    return sub("  executed: 99\n", f"  executed: 99\n  monthly: {value}\n")


def scheme_ref(value: str) -> tuple[str, str]:
    return sub("scheme: mof-2020\n", f"scheme: {value}\n")


NUMBER = r"expected an amount|expected a number|expected points|expected the self-assessed"
BIG5 = "項目名稱,全年預算數,全年執行數\n道路養護,30,28\n綠化提升,20,16\n".encode("big5")

CASES = [
    # --- numbers: bounded at parse time -------------------------------------------------------
    Case("amount-huge-exponent", amount("'1e100000000'"), error=("budget.adjusted", r"too large")),
    Case("amount-tiny-exponent", amount("'1e-100000000'"), error=("budget.adjusted", r"too small")),
    Case("amount-yaml-float-overflow", amount("1.0e+400"), error=("budget.adjusted", r"too large")),
    Case("amount-forty-digits", amount("'" + "9" * 40 + "'"), error=("budget.adjusted", NUMBER)),
    Case("amount-thirty-digit-integer", amount("1" + "0" * 29), error=("budget.adjusted", r"too large")),
    Case("amount-superscript", amount("'8²'"), error=("budget.adjusted", NUMBER)),
    Case("amount-vulgar-fraction", amount("'½'"), error=("budget.adjusted", NUMBER)),
    Case("amount-arabic-indic-digits", amount("'١١٠'"), error=("budget.adjusted", NUMBER)),
    Case("amount-circled-digit", amount("'①'"), error=("budget.adjusted", NUMBER)),
    Case("amount-chinese-words", amount("九千"), error=("budget.adjusted", r"expected an amount ≥ 0, got '九千'")),
    Case("amount-hex", amount("0x6E"), error=("budget.adjusted", NUMBER)),
    Case("amount-infinity", amount(".inf"), error=("budget.adjusted", NUMBER)),
    Case("amount-nan", amount(".nan"), error=("budget.adjusted", NUMBER)),
    Case("amount-nan-text", amount("'NaN'"), error=("budget.adjusted", NUMBER)),
    Case("amount-percent", amount("'110%'"), error=("budget.adjusted", r"'%' does not belong")),
    Case("amount-negative", amount("-110"), error=("budget.adjusted", r"≥ 0")),
    Case("amount-double-sign", amount("'--110'"), error=("budget.adjusted", NUMBER)),
    Case("amount-bad-thousands", amount("'1,10'"), error=("budget.adjusted", NUMBER)),
    Case("amount-boolean", amount("yes"), error=("budget.adjusted", NUMBER)),
    Case("amount-list", amount("[110]"), error=("budget.adjusted", r"got a list")),
    Case("amount-mapping", amount("{value: 110}"), error=("budget.adjusted", r"got a mapping")),
    Case("amount-empty", amount("''"), error=("budget.adjusted", NUMBER)),
    Case("amount-fullwidth-ok", amount("'１１０'"), ok=lambda ev: ev.budget.adjusted == 110),
    Case("amount-thousands-ok", [amount("'1,100'"), sub("initial: 100", "initial: 1000"),
                                 sub("adjusted: 60, executed: 55", "adjusted: 1050, executed: 55")],
         ok=lambda ev: ev.budget.adjusted == 1100),
    Case("amount-padded-ok", amount("' 110 '"), ok=lambda ev: ev.budget.adjusted == 110),
    Case("amount-underscore-ok", amount("1_10"), ok=lambda ev: ev.budget.adjusted == 110),
    Case("actual-huge", actual("'9e99999'"), error=("goals[0].indicators[0].actual", r"too large")),
    Case("actual-superscript", actual("'9⁵'"), error=("goals[0].indicators[0].actual", NUMBER)),
    Case("target-tiny", sub("target: 100, unit: 件", "target: 1e-30, unit: 件"),
         error=("goals[0].indicators[0].target", r"too small")),
    Case("year-fullwidth-ok", sub("year: 2023,", "year: '２０２３',"), ok=lambda ev: ev.department.year == 2023),
    Case("year-out-of-range", sub("year: 2023,", "year: 1800,"), error=("department.year", r"between 1990 and 2100")),
    Case("year-fraction", sub("year: 2023,", "year: 2023.5,"), error=("department.year", r"whole number")),
    # --- weights and scores: no silent nonsense -----------------------------------------------
    Case("weights-each-a-hundred",
         [sub("actual: 95}", "actual: 95, weight: 100}"), sub("actual: 92}", "actual: 92, weight: 100}"),
          sub("actual: 3}", "actual: 3, weight: 100}")],
         error=("goals", r"weights \(分值\) add up to 300, more than the 90 points")),
    Case("weights-over-in-part", sub("actual: 95}", "actual: 95, weight: 95}"),
         error=("goals[0].indicators[0]", r"add up to 95, more than the 90 points")),
    Case("weight-percent", sub("actual: 95}", "actual: 95, weight: '30%'}"),
         error=("goals[0].indicators[0].weight", r"'%' does not belong")),
    Case("weight-negative", sub("actual: 95}", "actual: 95, weight: -30}"),
         error=("goals[0].indicators[0].weight", r"≥ 0")),
    Case("self-score-percent", sub("  score: 90\n", "  score: '95%'\n"),
         error=("reported.score", r"'%' does not belong")),
    Case("self-score-above-100", sub("  score: 90\n", "  score: 101\n"), error=("reported.score", r"between 0 and 100")),
    Case("row-score-percent", sub("actual: 95}", "actual: 95, reported: {score: '30%'}}"),
         error=("goals[0].indicators[0].reported.score", r"'%' does not belong")),
    Case("percentage-actual-negative", sub("unit: \"%\", actual: 92", "unit: \"%\", actual: -95"),
         error=("goals[0].indicators[1].actual", r"percentage ≥ 0, got -95")),
    Case("growth-rate-negative-ok", sub("unit: \"%\", actual: 3}", "unit: \"%\", actual: -3}"),
         ok=lambda ev: ev.indicator_scores[2].indicator.actual == Decimal(-3)),
    Case("coefficient-above-100", sub("actual: 95}", "actual: 95, coefficient: 150}"),
         error=("goals[0].indicators[0].coefficient", r"between 0 and 100")),
    Case("coefficient-percent-ok", sub("actual: 95}", "actual: 95, reported: {coefficient: '95%'}}"),
         ok=lambda ev: ev.indicator_scores[0].indicator.reported.coefficient == Decimal("0.95")),
    Case("level-on-numeric", sub("actual: 95}", "actual: 95, level: 达成}"),
         error=("goals[0].indicators[0].level", r"qualitative indicators only")),
    Case("direction-unknown", sub('direction: ">=", target: 100', 'direction: "=>", target: 100'),
         error=("goals[0].indicators[0].direction", r"expected one of")),
    Case("direction-unquoted", sub('direction: ">=", target: 100', "direction: >=, target: 100"),
         error=("", r"quote comparison operators")),
    Case("direction-symbol-ok", sub('direction: ">=", target: 100', 'direction: "≥", target: 100'),
         ok=lambda ev: ev.indicator_scores[0].indicator.direction == ">="),
    Case("target-text-on-numeric", sub("target: 100, unit: 件", "target: 全部办结, unit: 件"),
         error=("goals[0].indicators[0].target", r"expected a number \(年度指标值\)")),
    Case("goal-without-indicators", sub("    indicators:\n      - {name: 文件", "    indicators: []\n    x:\n      - {name: 文件"),
         error=("goals[0]", r"at least one indicator|unknown key")),
    Case("lines-do-not-add-up", sub("adjusted: 60, executed: 55", "adjusted: 61, executed: 55"),
         error=("budget.lines", r"add up to 111, but budget.adjusted is 110")),
    # --- text: names that pass must survive every writer --------------------------------------
    Case("name-lone-surrogate", name('"文件\\udc80办理"'), error=("", r"invalid Unicode character|lone surrogate")),
    Case("name-control-character", name('"文件\\x07办理"'), error=("goals[0].indicators[0].name", r"control character U\+0007")),
    Case("name-escape-character", name('"文件\\x1b[31m办理"'), error=("goals[0].indicators[0].name", r"control character U\+001B")),
    Case("name-newline", name('"文件\\n办理"'), error=("goals[0].indicators[0].name", r"control character U\+000A")),
    Case("name-zero-width-space", name('"文件办理数量\\u200b"'), error=("goals[0].indicators[0].name", r"invisible character U\+200B")),
    Case("name-right-to-left-override", name('"\\u202e量数理办件文"'), error=("goals[0].indicators[0].name", r"invisible character U\+202E")),
    Case("name-byte-order-mark", name('"\\ufeff文件"'), error=("goals[0].indicators[0].name", r"invisible character U\+FEFF")),
    Case("name-private-use", name('"文件\\ue000"'), error=("goals[0].indicators[0].name", r"invisible character U\+E000")),
    Case("name-240-characters", name("办" * 240), error=("goals[0].indicators[0].name", r"at most 200 characters, got 240")),
    Case("name-blank", name("'   '"), error=("goals[0].indicators[0].name", r"expected text")),
    Case("name-list", name("[a, b]"), error=("goals[0].indicators[0].name", r"got a list")),
    Case("name-number-ok", name("123"), ok=lambda ev: ev.indicator_scores[0].indicator.name == "123"),
    Case("name-html-ok", name('"<script>alert(1)</script>"'),
         ok=lambda ev: ev.indicator_scores[0].indicator.name == "<script>alert(1)</script>"),
    Case("line-zero-width-twin", sub("{name: 项目支出,", '{name: "基本支出\\u200b",'),
         error=("budget.lines[1].name", r"invisible character U\+200B")),
    Case("line-named-total", sub("{name: 项目支出,", "{name: 合计,"), error=("budget.lines[1].name", r"total row")),
    Case("indicator-named-total", name("合计"), error=("goals[0].indicators[0].name", r"total row")),
    Case("goal-named-total", sub("  - name: 综合管理\n", "  - name: 合计\n"), error=("goals[0].name", r"total row")),
    Case("line-duplicate-name", sub("{name: 项目支出,", "{name: 基本支出,"), error=("budget.lines[1].name", r"duplicate line name")),
    Case("department-name-surrogate", sub("name: 测试局,", 'name: "测试\\ud800局",'), error=("", r"invalid Unicode character|lone surrogate")),
    Case("department-id-upper", sub("id: hostile-test,", "id: Hostile,"), error=("department.id", r"lower-case")),
    Case("department-id-traversal", sub("id: hostile-test,", "id: ../../etc,"), error=("department.id", r"lower-case")),
    Case("department-id-slash", sub("id: hostile-test,", "id: a/b,"), error=("department.id", r"lower-case")),
    Case("region-control", sub("region: 测试区}", 'region: "测试\\x00区"}'), error=("department.region", r"control character U\+0000")),
    Case("narrative-5001", sub("  summary: 本部门负责综合管理。", "  summary: " + "甲" * 5001),
         error=("narrative.summary", r"at most 5000 characters")),
    Case("narrative-newlines-ok", sub("  summary: 本部门负责综合管理。", '  summary: "第一段。\\n第二段。"'),
         ok=lambda ev: ev.params.narrative.summary == "第一段。\n第二段。"),
    Case("key-surrogate", sub("narrative:\n", 'narrative:\n  "\\udc80": x\n'), error=("", r"invalid Unicode character|a key contains an invalid")),
    Case("key-unknown-typo", sub("  executed: 99\n", "  exectued: 99\n"), error=("budget.exectued", r"did you mean 'executed'")),
    Case("key-duplicate", sub("  executed: 99\n", "  executed: 99\n  executed: 98\n"), error=("budget.executed", r"duplicate key")),
    Case("key-not-text", sub("narrative:\n", "narrative:\n  [a]: x\n"), error=("narrative", r"keys must be plain text")),
    # --- YAML itself --------------------------------------------------------------------------
    Case("nesting-5000-deep", sub("narrative:\n", "extra: " + "[" * 5000 + "]" * 5000 + "\nnarrative:\n"),
         error=("", r"nested deeper than 32 levels|maximum nesting depth"), line=False),
    Case("nesting-40-deep", sub("narrative:\n", "extra: " + "[" * 40 + "]" * 40 + "\nnarrative:\n"),
         error=("", r"nested deeper than 32 levels")),
    Case("alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)),
         error=("", r"more than 100000 values")),
    Case("python-object-tag", sub("narrative:\n", "evil: !!python/object/apply:os.system ['echo pwned']\nnarrative:\n"),
         error=("evil", r"unknown key")),
    Case("merge-key", sub("narrative:\n", "base: &b {x: 1}\nnarrative:\n  <<: *b\n"), error=("narrative", r"merge keys")),
    Case("not-utf8", BASE.encode("gb18030"), error=("", r"not UTF-8 text")),
    Case("bom-ok", b"\xef\xbb\xbf" + BASE.encode("utf-8"), ok=lambda ev: ev.department.id == "hostile-test"),
    Case("empty-file", "", error=("", r"the file is empty")),
    Case("top-level-list", "- a\n- b\n", error=("", r"expected a mapping")),
    Case("top-level-scalar", "hello\n", error=("", r"expected a mapping")),
    Case("tab-indentation", BASE.replace("  initial: 100", "\tinitial: 100"), error=("", r"not valid YAML")),
    Case("unclosed-bracket", sub("  lines:\n", "  lines: [\n"), error=("", r"not valid YAML")),
    Case("three-megabytes", BASE + "# " + "x" * 3_000_000 + "\n", error=("", r"larger than 2 MB"), line=False),
    Case("binary-garbage", bytes(range(256)) * 4, error=("", r"not UTF-8 text")),
    Case("schema-wrong", sub("schema: evalkit/v1", "schema: evalkit/v9"), error=("schema", r"expected 'evalkit/v1'")),
    Case("bad-date", sub('report_date: "2024-05-10"', 'report_date: "2024-02-30"'), error=("reported.report_date", r"a date like")),
    Case("date-chinese-ok", sub('report_date: "2024-05-10"', "report_date: 2024年5月10日"),
         ok=lambda ev: ev.params.reported.report_date.isoformat() == "2024-05-10"),
    # --- files: nothing outside the params folder ---------------------------------------------
    Case("scheme-absolute-etc-passwd", scheme_ref("/etc/passwd"), error=("scheme", r"absolute path")),
    Case("scheme-traversal", scheme_ref("../../../../etc/hostname"), error=("scheme", r"leads outside")),
    Case("scheme-symlink-out", scheme_ref("s.yaml"), files={"s.yaml": ("link", "/etc/hostname")},
         error=("scheme", r"leads outside")),
    Case("scheme-unknown-id", scheme_ref("mof-2099"), error=("scheme", r"unknown scheme 'mof-2099'")),
    Case("scheme-local-ok", scheme_ref("local.yaml"), files={"local.yaml": SCHEME.replace("id: mof-2020", "id: local")},
         ok=lambda ev: ev.scheme.id == "local"),
    Case("scheme-not-yaml", scheme_ref("local.yaml"), files={"local.yaml": "root:x:0:0:root:/root:/bin/bash\n" * 3},
         error=("", r"expected a mapping"), line=False),
    Case("projects-absolute", with_projects("/etc/passwd"), error=("budget.projects", r"absolute path")),
    Case("projects-traversal", with_projects("../other/x.csv"), error=("budget.projects", r"leads outside")),
    Case("projects-symlink-out", with_projects(), files={"p.csv": ("link", "/etc/hostname")},
         error=("budget.projects", r"leads outside")),
    Case("projects-missing", with_projects("nope.csv"), error=("budget.projects", r"'nope.csv' does not exist")),
    Case("projects-directory", with_projects("sub"), files={"sub/x.csv": PROJECTS},
         error=("budget.projects", r"expected a .csv or .xlsx")),
    Case("projects-directory-named-csv", with_projects("d.csv"), files={"d.csv/x.csv": PROJECTS},
         error=("budget.projects", r"does not exist")),
    Case("projects-subfolder-ok", with_projects("sub/p.csv"), files={"sub/p.csv": PROJECTS},
         ok=lambda ev: len(ev.params.budget.projects) == 2),
    Case("projects-not-csv", with_projects("p.txt"), files={"p.txt": PROJECTS},
         error=("budget.projects", r"expected a .csv or .xlsx")),
    Case("projects-number", with_projects("42"), error=("budget.projects", r"does not exist|expected a CSV")),
    # --- side tables ---------------------------------------------------------------------------
    Case("projects-ok", with_projects(), files={"p.csv": PROJECTS}, ok=lambda ev: len(ev.params.budget.projects) == 2),
    Case("projects-gb18030-ok", with_projects(), files={"p.csv": "项目名称,全年预算数,全年执行数\n道路养护,30,28\n".encode("gb18030")},
         ok=lambda ev: ev.params.budget.projects[0].name == "道路养护"),
    Case("projects-bom-ok", with_projects(), files={"p.csv": b"\xef\xbb\xbf" + PROJECTS.encode()},
         ok=lambda ev: len(ev.params.budget.projects) == 2),
    Case("projects-big5", with_projects(), files={"p.csv": BIG5}, error=("", r"cannot tell the text encoding"), line=False),
    Case("projects-ragged-extra", with_projects(), files={"p.csv": "name,adjusted,executed\n道路养护,30,28,5\n"},
         error=("", r"this row has 4 cells but the header has 3")),
    Case("projects-ragged-short", with_projects(), files={"p.csv": "name,adjusted,executed\n道路养护,30\n"},
         error=("", r"this row has 2 cells but the header has 3")),
    Case("projects-duplicate-column", with_projects(), files={"p.csv": "name,executed,执行数,adjusted\n道路养护,28,27,30\n"},
         error=("executed", r"appears twice")),
    Case("projects-unknown-column", with_projects(), files={"p.csv": "name,adjusted,executed,remark\n道路养护,30,28,x\n"},
         error=("remark", r"unknown column")),
    Case("projects-text-cell", with_projects(), files={"p.csv": "name,adjusted,executed\n道路养护,三十,28\n"},
         error=("adjusted", r"expected a number, got '三十'")),
    Case("projects-huge-cell", with_projects(), files={"p.csv": "name,adjusted,executed\n道路养护,1e100000000,28\n"},
         error=("adjusted", r"expected a number")),
    Case("projects-empty", with_projects(), files={"p.csv": ""}, error=("", r"the table is empty")),
    Case("projects-garbage", with_projects(), files={"p.csv": bytes(range(256))}, error=("", r"cannot tell the text encoding"),
         line=False),
    Case("projects-60-columns", with_projects(), files={"p.csv": ",".join(f"c{i}" for i in range(60)) + "\n"},
         error=("", r"60 columns")),
    Case("projects-xlsx-corrupt", with_projects("p.xlsx"), files={"p.xlsx": b"PK\x03\x04 not really a workbook"},
         error=("", r"cannot read as an Excel workbook"), line=False),
    Case("monthly-ok", with_monthly(), files={"m.csv": MONTHLY}, ok=lambda ev: len(ev.params.budget.monthly) == 12),
    Case("monthly-half-month", with_monthly(), files={"m.csv": "month,executed\n1.5,8\n"},
         error=("month", r"whole month 1-12, got 1.5")),
    Case("monthly-thirteen", with_monthly(), files={"m.csv": "month,executed\n13,8\n"}, error=("month", r"between 1 and 12")),
    Case("monthly-zero", with_monthly(), files={"m.csv": "month,executed\n0,8\n"}, error=("month", r"between 1 and 12")),
    Case("monthly-word", with_monthly(), files={"m.csv": "month,executed\n一月,8\n"}, error=("month", r"expected a number")),
    Case("monthly-twice", with_monthly(), files={"m.csv": "month,executed\n1,8\n1,9\n"}, error=("budget.monthly", r"once")),
    Case("monthly-negative", with_monthly(), files={"m.csv": "month,executed\n1,-8\n"}, error=("executed", r"≥ 0")),
    Case("monthly-two-executed", with_monthly(), files={"m.csv": "month,executed,支付\n1,8,9\n"},
         error=("executed", r"appears twice")),
    # --- schemes: rules are data, checked like params -----------------------------------------
    Case("scheme-grades-ascending", scheme_ref("local.yaml"),
         files={"local.yaml": SCHEME.replace("- {min: 90, label: 优,", "- {min: 10, label: 优,")},
         error=("grades", r"highest min to the lowest")),
    Case("scheme-last-band-not-zero", scheme_ref("local.yaml"),
         files={"local.yaml": SCHEME.replace("- {min: 0, label: 差,", "- {min: 5, label: 差,")},
         error=("grades", r"min: 0")),
    Case("scheme-unknown-key", scheme_ref("local.yaml"), files={"local.yaml": SCHEME + "script: x\n"},
         error=("script", r"unknown key")),
    Case("scheme-huge-weight", scheme_ref("local.yaml"), files={"local.yaml": SCHEME.replace("weight: 10", "weight: 1e99999")},
         error=("execution.weight", r"too large")),
    Case("scheme-negative-threshold", scheme_ref("local.yaml"),
         files={"local.yaml": SCHEME.replace("  low_execution: 0.9 ", "  low_execution: -1 ")},
         error=("checks.low_execution", r"≥ 0")),
    Case("scheme-label-script-ok", scheme_ref("local.yaml"),
         files={"local.yaml": SCHEME.replace("label: 优,", "label: \"<script>alert(1)</script>\",")},
         ok=lambda ev: ev.scheme.grades[0].label == "<script>alert(1)</script>"),
    Case("scheme-label-surrogate", scheme_ref("local.yaml"),
         files={"local.yaml": SCHEME.replace("label: 优,", 'label: "\\udc80",')},
         error=("", r"invalid Unicode character|lone surrogate")),
]


@contextmanager
def deadline(seconds: int):
    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def build(case: Case, folder: Path) -> Path:
    text = case.edit if isinstance(case.edit, str | bytes) else BASE
    edits = [] if isinstance(case.edit, str | bytes) else ([case.edit] if isinstance(case.edit, tuple) else case.edit or [])
    for old, new in edits:
        assert old in text, f"{case.id}: the edit's anchor {old!r} is not in the base file"
        text = text.replace(old, new, 1)
    params = folder / "params.yaml"
    params.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    for file_name, content in case.files.items():
        target = folder / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple):
            os.symlink(content[1], target)
        else:
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return params


def test_the_table_is_large_and_every_case_is_distinct():
    assert len(CASES) >= 110
    assert len({c.id for c in CASES}) == len(CASES)
    assert all((c.error is None) != (c.ok is None) for c in CASES), "each case expects an error or a result"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_params(case, tmp_path):
    params = build(case, tmp_path)
    with deadline(DEADLINE):
        if case.ok is not None:
            ev = evalkit.evaluate(params)
            assert case.ok(ev), case.id
            return
        with pytest.raises(ParamsError) as info:
            evalkit.evaluate(params)
    key, pattern = case.error
    problems = info.value.problems
    hits = [p for p in problems if p.key.startswith(key) and re.search(pattern, p.message)]
    assert hits, f"no problem at {key!r} matching {pattern!r} in:\n{info.value}"
    if case.line:
        assert hits[0].line is not None, f"{hits[0]} has no line"
    text = str(info.value)
    assert "root:x:0:0" not in text and len(max(text.splitlines(), key=len)) < 600, "an error repeats a file"
    assert not Path(hits[0].path).is_absolute() or Path(hits[0].path).is_relative_to(tmp_path)


@pytest.mark.parametrize("case", [c for c in CASES if c.error], ids=lambda c: c.id)
def test_hostile_params_through_the_cli(case, tmp_path, capsys):
    params = build(case, tmp_path)
    with deadline(DEADLINE):
        code, out = run_cli("validate", params)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("FAIL ") and "unexpected" not in err and "Traceback" not in err, err
    named = re.match(r"FAIL \d+ problems? in (\S+):", err)
    assert named and Path(named.group(1)).parent == tmp_path, err  # the params file, or its own scheme
