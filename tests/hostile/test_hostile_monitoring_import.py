"""Hostile monitoring tables for ``evalkit monitoring-import``: a filled-in 双监控 table whose cells hold
paths out of the params folder, NaN, infinity, 1e308, words, control and direction-override
characters or 5,000 characters, whose rows disagree, or which is itself a FIFO, a folder, a file of
gigabytes or text that is not UTF-8. Each gives a located error — the table, the row and the column —
on a terminal that shows the cell's characters escaped, never a traceback or a hang; the sound
departments of the same table are still written.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from hostile_inputs import BASE, deadline

import evalkit
from evalkit.monitoring.table import COLUMNS, headers

STEM = "hostile-test-2023"
ROW = {"of": STEM, "month": 7, "initial": 100, "added": 10, "cut": 0, "adjusted": 110, "executed": 60,
       "budget_forecast": 105, "goal": "综合管理", "name": "文件办理数量", "target": 100, "progress": 55,
       "forecast": 100, "possibility": "有可能", "category": "人员保障", "reason": "人手不足", "measure": "增派人员"}
SECOND = {**ROW, "name": "群众满意度", "target": 90, "progress": 88, "possibility": "确定能", "category": "",
          "reason": "", "measure": ""}


def table(*rows: dict, header: list[str] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header or headers(7))
    for row in rows:
        writer.writerow([row.get(k, "") for k, _ in COLUMNS])
    return buf.getvalue()


def cell(**changes) -> str:
    """The two-row table with the first row's cells changed."""
    return table({**ROW, **changes}, SECOND)


def letter(key: str) -> str:
    return "ABCDEFGHIJKLMNOPQ"[[k for k, _ in COLUMNS].index(key)]


@dataclass
class Case:
    id: str
    content: object  # str | bytes | ("fifo",) | ("dir",) | ("huge",) | ("missing",)
    error: tuple[str, int | None, str] | None = None  # (column key or "" , row, regex)
    written: tuple[str, ...] = ()  # stems whose monitoring file must be written
    name: str = "监控录入.csv"


CASES = [
    Case("ok", cell(), written=(STEM,)),
    Case("ok-gbk", cell().encode("gb18030"), written=(STEM,)),
    # a bad 参数文件 cell stops its own rows only: the other row of the department is written alone
    Case("of-traversal", cell(of="../etc/passwd"), error=("of", 2, r"no readable params file"), written=(STEM,)),
    Case("of-absolute", cell(of="/etc/passwd"), error=("of", 2, r"no readable params file"), written=(STEM,)),
    Case("of-escape", cell(of="x\x1b[2Jy"), error=("of", 2, r"no readable params file x\\x1b\[2Jy"), written=(STEM,)),
    Case("of-unknown", cell(of="nobody-2023"), error=("of", 2, r"no readable params file nobody-2023.yaml"),
         written=(STEM,)),
    Case("of-bureau-file", cell(of="bureau"), error=("of", 2, r"no readable params file"), written=(STEM,)),
    Case("of-empty", cell(of=""), error=("of", 2, r"the params file's stem"), written=(STEM,)),
    Case("month-nan", cell(month="nan"), error=("month", 2, r"between 1 and 12")),
    Case("month-inf", cell(month="inf"), error=("month", 2, r"between 1 and 12")),
    Case("month-13", cell(month=13), error=("month", 2, r"between 1 and 12, got 13")),
    Case("month-words", cell(month="七月"), error=("month", 2, r"a whole number")),
    Case("executed-1e308", cell(executed="1e308"), error=("executed", 2, r"an amount")),
    Case("executed-nan", cell(executed="NaN"), error=("executed", 2, r"an amount")),
    Case("executed-infinity", cell(executed="Infinity"), error=("executed", 2, r"an amount")),
    Case("executed-true", cell(executed="true"), error=("executed", 2, r"an amount")),
    Case("executed-negative", cell(executed=-60), error=("executed", 2, r"≥ 0, got -60")),
    Case("adjusted-does-not-add-up", cell(adjusted=999), error=("adjusted", 2, r"年初预算数 \+ 追加 − 追减")),
    Case("progress-inf", cell(progress="-inf"), error=("progress", 2, r"1–N月完成值")),
    Case("possibility-other", cell(possibility="也许"), error=("possibility", 2, r"expected one of 确定能")),
    Case("category-other", cell(category="天气"), error=("category", 2, r"expected one of 经费保障")),
    Case("reason-bell", cell(reason="人手\x07不足"), error=("reason", 2, r"control character U\+0007")),
    Case("measure-escape", cell(measure="增派\x1b[31m人员"), error=("measure", 2, r"control character U\+001B")),
    Case("name-direction-override", cell(name="\u202e量数理办件文"), error=("name", 2, r"invisible character U\+202E")),
    Case("name-zero-width", cell(name="文件办理\u200b数量"), error=("name", 2, r"invisible character U\+200B")),
    Case("name-5000-characters", cell(name="长" * 5000), error=("name", 2, r"at most 200 characters")),
    Case("name-unknown", cell(name="文件办理量"), error=("name", 2, r"did you mean")),
    Case("goal-nul", cell(goal="综合\x00管理"), error=("goal", 2, r"U\+0000")),
    Case("budget-rows-differ", table(ROW, {**SECOND, "executed": 61}), error=("executed", 3, r"the same figure")),
    Case("month-rows-differ", table(ROW, {**SECOND, "month": 8}), error=("month", 3, r"the same month")),
    Case("unknown-column", table(ROW, header=[*headers(7)[:-1], "备注"]), error=("", 1, r"备注: unknown column"),
         written=(STEM,)),
    Case("no-rows", table(), error=("", None, r"no rows")),
    Case("one-bad-department-of-two", table(ROW, SECOND, {**ROW, "of": "nobody-2023"}),
         error=("of", 4, r"no readable params file"), written=(STEM,)),
    Case("table-fifo", ("fifo",), error=("", None, r"named pipe")),
    Case("table-folder", ("dir",), error=("", None, r"a folder")),
    Case("table-missing", ("missing",), error=("", None, r"(?i)no such file|does not exist")),
    Case("table-huge", ("huge",), error=("", None, r"MB")),
    Case("table-utf16", cell().encode("utf-16"), error=("", None, r"UTF-16|UTF-8|GB18030")),
    Case("table-big5", cell().encode("big5", errors="replace"), error=("", None, r"UTF-8|GB18030|encoding")),
    Case("table-binary", bytes(range(256)) * 10, error=("", None, r".")),
    Case("table-other-suffix", cell(), error=("", None, r"expected a .csv or .xlsx"), name="监控录入.txt"),
]


def build(case: Case, folder: Path) -> Path:
    params = folder / "params"
    params.mkdir()
    (params / f"{STEM}.yaml").write_text(BASE, encoding="utf-8")
    (params / "bureau.yaml").write_text("schema: evalkit-bureau/v1\n", encoding="utf-8")
    target = folder / case.name
    content = case.content
    if content == ("fifo",):
        os.mkfifo(target)
    elif content == ("dir",):
        target.mkdir()
    elif content == ("huge",):
        with open(target, "wb") as f:
            f.write(table().encode("utf-8"))
            f.truncate(5 * 1024 ** 3)
    elif content != ("missing",):
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return target


def test_the_table_is_large_and_distinct():
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_monitoring_table(case, tmp_path, capsys):
    path = build(case, tmp_path)
    params = tmp_path / "params"
    with deadline(20):
        code, out = run_cli("monitoring-import", path, "--params-dir", params)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected" not in err, err
    assert not any(ch in out + err for ch in "\x00\x07\x1b\u202e\u200b"), "a raw control character reached the terminal"
    for stem in case.written:
        written = params / f"{stem}.monitoring.yaml"
        assert f"wrote {written}" in out
        ev = evalkit.evaluate(params / f"{stem}.yaml")
        assert ev.monitoring is not None and ev.monitoring.monitoring.month == 7
        assert yaml.safe_load(written.read_text(encoding="utf-8"))["budget"]["executed"] == 60
    others = sorted(p.name for p in params.glob("*.monitoring.yaml"))
    assert others == sorted(f"{s}.monitoring.yaml" for s in case.written)
    if case.error is None:
        assert code == 0, err
        return
    key, row, pattern = case.error
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.startswith(("FAIL ", "error: ")) and path.name in line]
    where = f"{path.name}:{row} " if row is not None else path.name
    if key:
        where += f"{letter(key)} "
    hits = [line for line in lines if where in line and re.search(pattern, line)]
    assert hits, f"no FAIL line at {where!r} matching {pattern!r} in:\n{err}"


def test_a_monitoring_file_that_is_a_link_out_is_replaced_not_written_through(tmp_path, capsys):
    """The file the import writes is a link to a file outside the params folder: the import replaces
    the link by the new file beside the params file and leaves the file outside as it was."""
    path = build(Case("link", cell()), tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "params" / f"{STEM}.monitoring.yaml"
    os.symlink(outside, link)
    code, out = run_cli("monitoring-import", path, "--params-dir", tmp_path / "params")
    assert code == 0, capsys.readouterr().err
    assert outside.read_text(encoding="utf-8") == "keep me\n"
    assert not link.is_symlink() and yaml.safe_load(link.read_text(encoding="utf-8"))["of"] == STEM
