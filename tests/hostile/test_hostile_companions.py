"""Hostile companion files: the files that join a params file from beside it — the reviewer's
``.review.yaml``, last year's ``.yaml`` and ``.result.json`` — and the names in its side tables.

Companions are confined to the params folder like side tables and checked like params: a link out,
a link back to this year's file, a FIFO or a folder under a companion's name, last year's file of
another department or year, numbers that are not finite or out of range, the wrong shape: each a
located error (file, key, and line where the file has lines), never a TypeError, RecursionError,
hang or a figure printed as 上年. A project name in a CSV passes the rules of a name in YAML, with
the CSV's file, row and column in the error.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import located_problems, run_cli
from hostile_inputs import BASE, deadline

import evalkit
from evalkit import ParamsError

STEM = "hostile-test-2023"
LAST = "hostile-test-2022"
REVIEW = f"{STEM}.review.yaml"


def _last_year_result() -> dict:
    """A genuine evalkit-result/v1 document of the department's previous year."""
    ev = evalkit.evaluate(yaml.safe_load(BASE.replace("year: 2023,", "year: 2022,")))
    return json.loads(json.dumps(ev.to_dict(), ensure_ascii=False))


RESULT = _last_year_result()


def result(edit=None, **top) -> str:
    """Last year's result.json, edited: ``edit(doc)`` changes it in place; ``top`` replaces top-level keys."""
    doc = copy.deepcopy(RESULT)
    if edit is not None:
        edit(doc)
    doc.update(top)
    return json.dumps(doc, ensure_ascii=False)


def at(path: str, value):
    """An edit setting ``department.year`` (say) to ``value``."""
    def edit(doc):
        *parents, last = path.split(".")
        target = doc
        for p in parents:
            target = target[p]
        target[last] = value
    return edit


def review(*decisions: str) -> str:
    return ("schema: evalkit-review/v1\nreviewer: 李四\ndate: 2024-07-15\ndecisions:\n"
            + "".join(f"  - {d}\n" for d in decisions))


LAST_PARAMS = BASE.replace("year: 2023,", "year: 2022,")


@dataclass
class Case:
    id: str
    files: dict = field(default_factory=dict)  # name → str | bytes | ("link", target) | ("fifo",) | ("dir",)
    error: tuple[str, str, str] | None = None  # (file the problem names, key, regex its message matches)
    ok: object = None  # predicate on the Evaluation
    line: bool = False  # whether the problem must carry a line number


CASES = [
    # --- the review file ---------------------------------------------------------------------------------
    Case("review-ok", {REVIEW: review("{indicator: 文件办理数量, rule: no_evidence, note: 未提供台账}")},
         ok=lambda ev: ev.review.decided and ev.review.rows[0].reviewed.score == 0),
    Case("review-symlink-out", {REVIEW: ("link", "/etc/hostname")}, error=(REVIEW, "", r"leads outside")),
    Case("review-symlink-to-other-folder", {REVIEW: ("link", "../elsewhere.review.yaml")},
         error=(REVIEW, "", r"leads outside")),
    Case("review-fifo", {REVIEW: ("fifo",)}, error=(REVIEW, "", r"named pipe \(FIFO\)")),
    Case("review-folder", {REVIEW: ("dir",)}, error=(REVIEW, "", r"a folder")),
    Case("review-dangling-link", {REVIEW: ("link", "missing.yaml")}, error=(REVIEW, "", r"does not exist")),
    Case("review-device", {REVIEW: ("link", "/dev/zero")}, error=(REVIEW, "", r"leads outside")),
    Case("review-duplicate-by-name", {REVIEW: review("{indicator: 文件办理数量, rule: no_evidence}",
                                                     "{indicator: 文件办理数量, rule: irrelevant}")},
         error=(REVIEW, "decisions[1]", r"already has a decision \(decisions\[0\]\)"), line=True),
    Case("review-duplicate-by-name-and-key", {REVIEW: review("{indicator: 文件办理数量, rule: no_evidence}",
                                                             "{indicator: 'goals[0].indicators[0]', rule: irrelevant}")},
         error=(REVIEW, "decisions[1]", r"already has a decision"), line=True),
    Case("review-duplicate-identical", {REVIEW: review("{indicator: 群众满意度, rule: irrelevant}",
                                                       "{indicator: 群众满意度, rule: irrelevant}")},
         error=(REVIEW, "decisions[1]", r"already has a decision"), line=True),
    Case("review-note-escape", {REVIEW: review('{indicator: 群众满意度, rule: irrelevant, note: "x\\x1b[2J"}')},
         error=(REVIEW, "decisions[0].note", r"control character U\+001B"), line=True),
    Case("review-deep-nesting", {REVIEW: "schema: evalkit-review/v1\ndecisions: " + "[" * 5000 + "]" * 5000 + "\n"},
         error=(REVIEW, "", r"nested deeper|maximum nesting depth"), line=True),
    Case("review-not-utf8", {REVIEW: review("{indicator: 群众满意度, rule: irrelevant}").encode("gb18030")},
         error=(REVIEW, "", r"not UTF-8")),
    # --- last year's result.json --------------------------------------------------------------------------
    Case("result-ok", {f"{LAST}.result.json": result()},
         ok=lambda ev: ev.previous_year is not None and ev.previous_year.previous.year == 2022),
    Case("result-symlink-out", {f"{LAST}.result.json": ("link", "/etc/hostname")},
         error=(f"{LAST}.result.json", "", r"leads outside")),
    Case("result-fifo", {f"{LAST}.result.json": ("fifo",)}, error=(f"{LAST}.result.json", "", r"named pipe")),
    Case("result-other-department", {f"{LAST}.result.json": result(at("department.id", "other-dept"))},
         error=(f"{LAST}.result.json", "department.id", r"expected this department's id 'hostile-test'")),
    Case("result-year-2030", {f"{LAST}.result.json": result(at("department.year", 2030))},
         error=(f"{LAST}.result.json", "department.year", r"expected 2022 .*got 2030")),
    Case("result-this-year", {f"{LAST}.result.json": result(at("department.year", 2023))},
         error=(f"{LAST}.result.json", "department.year", r"expected 2022")),
    Case("result-year-text", {f"{LAST}.result.json": result(at("department.year", "2022"))},
         error=(f"{LAST}.result.json", "department.year", r"expected a year")),
    Case("result-rate-nan", {f"{LAST}.result.json": result(at("budget.execution_rate", float("nan")))},
         error=(f"{LAST}.result.json", "budget.execution_rate", r"between 0 and 1000, got nan")),
    Case("result-rate-infinity", {f"{LAST}.result.json": result(at("budget.execution_rate", float("inf")))},
         error=(f"{LAST}.result.json", "budget.execution_rate", r"got inf")),
    Case("result-rate-1e308", {f"{LAST}.result.json": result(at("budget.execution_rate", 1e308))},
         error=(f"{LAST}.result.json", "budget.execution_rate", r"between 0 and 1000")),
    Case("result-rate-true", {f"{LAST}.result.json": result(at("budget.execution_rate", True))},
         error=(f"{LAST}.result.json", "budget.execution_rate", r"expected a number, got true")),
    Case("result-rate-no", {f"{LAST}.result.json": result(at("budget.execution_rate", "no"))},
         error=(f"{LAST}.result.json", "budget.execution_rate", r'expected a number, got "no"')),
    Case("result-rate-negative", {f"{LAST}.result.json": result(at("budget.execution_rate", -0.5))},
         error=(f"{LAST}.result.json", "budget.execution_rate", r"between 0 and 1000")),
    Case("result-score-above-100", {f"{LAST}.result.json": result(at("score.min", 1e308))},
         error=(f"{LAST}.result.json", "score.min", r"between 0 and 100")),
    Case("result-score-min-above-max", {f"{LAST}.result.json": result(at("score.min", 99.0))},
         error=(f"{LAST}.result.json", "score", r"above score.max")),
    Case("result-complete-no", {f"{LAST}.result.json": result(at("score.complete", "no"))},
         error=(f"{LAST}.result.json", "score.complete", r"true or false")),
    Case("result-grade-number", {f"{LAST}.result.json": result(at("grade.label", 5))},
         error=(f"{LAST}.result.json", "grade.label", r"a grade label")),
    Case("result-findings-text", {f"{LAST}.result.json": result(findings="abc")},
         error=(f"{LAST}.result.json", "", r"missing or bad findings")),
    Case("result-findings-numbers", {f"{LAST}.result.json": result(findings=[1, 2])},
         error=(f"{LAST}.result.json", "findings[0]", r"text id")),
    Case("result-budget-text", {f"{LAST}.result.json": result(budget="abc")},
         error=(f"{LAST}.result.json", "", r"missing or bad budget")),
    Case("result-abc", {f"{LAST}.result.json": "abc"}, error=(f"{LAST}.result.json", "", r"not readable JSON")),
    Case("result-string", {f"{LAST}.result.json": '"abc"'}, error=(f"{LAST}.result.json", "", r"a JSON object")),
    Case("result-deep-nesting", {f"{LAST}.result.json": "[" * 100_000 + "]" * 100_000},
         error=(f"{LAST}.result.json", "", r"nested too deeply")),
    Case("result-deep-object", {f"{LAST}.result.json": '{"a":' * 100_000 + "1" + "}" * 100_000},
         error=(f"{LAST}.result.json", "", r"nested too deeply")),
    Case("result-other-schema", {f"{LAST}.result.json": result(schema="evalkit-result/v9")},
         error=(f"{LAST}.result.json", "", r"not an evalkit-result/v1")),
    Case("result-binary", {f"{LAST}.result.json": bytes(range(256))}, error=(f"{LAST}.result.json", "", r"not readable")),
    # --- last year's params -------------------------------------------------------------------------------
    Case("params-ok", {f"{LAST}.yaml": LAST_PARAMS},
         ok=lambda ev: ev.previous_year is not None and ev.previous_year.previous.year == 2022),
    Case("params-symlink-out", {f"{LAST}.yaml": ("link", "/etc/passwd")}, error=(f"{LAST}.yaml", "", r"leads outside")),
    Case("params-link-to-this-year", {f"{LAST}.yaml": ("link", f"{STEM}.yaml")},
         error=(f"{LAST}.yaml", "", r"this year's params file")),
    Case("params-other-department", {f"{LAST}.yaml": LAST_PARAMS.replace("id: hostile-test,", "id: other-dept,")},
         error=(f"{LAST}.yaml", "department.id", r"expected this department's id"), line=True),
    Case("params-year-2021", {f"{LAST}.yaml": BASE.replace("year: 2023,", "year: 2021,")},
         error=(f"{LAST}.yaml", "department.year", r"expected 2022 .*got 2021"), line=True),
    Case("params-same-year", {f"{LAST}.yaml": BASE},
         error=(f"{LAST}.yaml", "department.year", r"expected 2022"), line=True),
    Case("params-fifo", {f"{LAST}.yml": ("fifo",)}, error=(f"{LAST}.yml", "", r"named pipe")),
    Case("params-broken", {f"{LAST}.yaml": LAST_PARAMS.replace("adjusted: 110", "adjusted: '1e999999'")},
         error=(f"{LAST}.yaml", "budget.adjusted", r"too large"), line=True),
    Case("params-its-own-review-out", {f"{LAST}.yaml": LAST_PARAMS, f"{LAST}.review.yaml": ("link", "/etc/hostname")},
         error=(f"{LAST}.review.yaml", "", r"leads outside")),
]


# --- names from side tables: the rules of names in YAML, located in the CSV ------------------------------

def projects(name_cell: str) -> dict:
    return {"p.csv": f"name,adjusted,executed\n道路养护,30,28\n{name_cell},20,16\n"}


WITH_PROJECTS = ("  executed: 99\n", "  executed: 99\n  projects: p.csv\n")
NAME_CASES = [
    ("nul", "绿化\x00提升", r"control character U\+0000"),
    ("escape", "绿化\x1b[2J提升", r"control character U\+001B"),
    ("bell", "绿化\x07", r"control character U\+0007"),
    ("zero-width-twin", "道路养护\u200b", r"invisible character U\+200B"),
    ("direction-override", "\u202e升提化绿", r"invisible character U\+202E"),
    ("left-to-right-mark", "绿化\u200e", r"invisible character U\+200E"),
    ("newline", '"绿化\n提升"', r"control character U\+000A"),
    ("carriage-return", '"绿化\r提升"', r"control character U\+000D"),
    ("line-separator", "绿化\u2028提升", r"invisible character U\+2028"),
    ("byte-order-mark-inside", "绿化\ufeff提升", r"invisible character U\+FEFF"),
    ("private-use", "绿化\ue000", r"invisible character U\+E000"),
    ("c1-control", "绿\x85化", r"control character U\+0085"),
    ("5000-characters", "长" * 5000, r"at most 200 characters, got 5000"),
    ("201-characters", "长" * 201, r"at most 200 characters, got 201"),
    ("blank", "   ", r"expected a project name"),
]


def build(files: dict, folder: Path, edit: tuple[str, str] | None = None) -> Path:
    text = BASE if edit is None else BASE.replace(*edit, 1)
    params = folder / f"{STEM}.yaml"
    params.write_text(text, encoding="utf-8")
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple) and content[0] == "link":
            os.symlink(content[1], target)
        elif isinstance(content, tuple) and content[0] == "fifo":
            os.mkfifo(target)
        elif isinstance(content, tuple):
            target.mkdir()
        else:
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return params


def test_the_tables_are_large_and_distinct():
    assert len(CASES) + len(NAME_CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES) and len({c[0] for c in NAME_CASES}) == len(NAME_CASES)
    assert all((c.error is None) != (c.ok is None) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_companion(case, tmp_path):
    params = build(case.files, tmp_path)
    with deadline(10):
        if case.ok is not None:
            assert case.ok(evalkit.evaluate(params)), case.id
            return
        with pytest.raises(ParamsError) as info:
            evalkit.evaluate(params)
    name, key, pattern = case.error
    hits = located_problems(info.value, name, key, pattern)
    assert hits, f"no problem in {name} at {key!r} matching {pattern!r} in:\n{info.value}"
    if case.line:
        assert hits[0].line is not None, hits[0]
    text = str(info.value)
    assert "root:x:0:0" not in text
    assert "来自文件夹外" not in text and "Traceback" not in text


@pytest.mark.parametrize("case", [c for c in CASES if c.error], ids=lambda c: c.id)
def test_hostile_companion_through_the_cli(case, tmp_path, capsys):
    params = build(case.files, tmp_path)
    with deadline(10):
        code, out = run_cli("validate", params)
    err = capsys.readouterr().err
    assert code == 1 and "unexpected" not in err and "Traceback" not in err, err
    assert case.error[0] in err


@pytest.mark.parametrize(("cell", "pattern"), [c[1:] for c in NAME_CASES], ids=[c[0] for c in NAME_CASES])
def test_a_side_table_name_passes_the_name_rules(cell, pattern, tmp_path, capsys):
    params = build(projects(cell), tmp_path, WITH_PROJECTS)
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(params)
    hits = [p for p in info.value.problems if p.path.endswith("p.csv") and p.key == "name" and re.search(pattern, p.message)]
    assert hits and hits[0].line == 3 + cell.count("\n"), str(info.value)
    code, out = run_cli("score", params)  # what `score` prints never carries the raw character
    err = capsys.readouterr().err
    assert code == 1 and "p.csv:" in err and "Traceback" not in err
    assert not any(ch in out + err for ch in "\x00\x1b\x07\u202e\u200e\u2028")


def test_a_side_table_name_that_passes_is_kept_as_written(tmp_path):
    params = build(projects("“绿化”提升 (二期)"), tmp_path, WITH_PROJECTS)
    ev = evalkit.evaluate(params)
    assert [p.name for p in ev.params.budget.projects] == ["道路养护", "“绿化”提升 (二期)"]


@pytest.mark.parametrize(("name", "pattern"), [("道路养护\u200b", r"invisible character U\+200B"),
                                               ("\u202e升提化绿", r"invisible character U\+202E"),
                                               ("长" * 300, r"at most 200 characters, got 300")])
def test_an_xlsx_side_table_name_passes_the_name_rules(name, pattern, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目"
    for row in (["项目名称", "全年预算数", "全年执行数"], ["道路养护", 30, 28], [name, 20, 16]):
        sheet.append(row)
    book.save(tmp_path / "p.xlsx")
    params = build({}, tmp_path, ("  executed: 99\n", "  executed: 99\n  projects: p.xlsx\n"))
    with pytest.raises(ParamsError) as info:
        evalkit.evaluate(params)
    hits = [p for p in info.value.problems if "p.xlsx" in p.path and p.key == "name" and re.search(pattern, p.message)]
    assert hits and hits[0].path.endswith("p.xlsx!项目") and hits[0].line == 3, str(info.value)
