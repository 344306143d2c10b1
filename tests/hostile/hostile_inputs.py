"""What the hostile suites of ``tests/hostile/`` share: a small valid params file to break, its side
tables and scheme, a deadline for every case, and (from conftest) a department left as a finished
run leaves it.

Kept here rather than imported from the older suites' test modules, so each hostile test file runs
on its own from any folder.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path

from conftest import finish  # noqa: F401  (the hostile suites import it from here)

import evalkit

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
SCHEME = (Path(evalkit.__file__).parent / "schemes" / "mof-2020.yaml").read_text(encoding="utf-8")


class Hang(BaseException):
    """A case ran past its deadline. Not an ``OSError`` (as ``TimeoutError`` is): code that catches
    ``OSError`` around a blocking open must not swallow it and block again."""


@contextmanager
def deadline(seconds: int):
    """Fail a case that takes longer than ``seconds`` (a hang is a defect, not a slow test)."""
    def expire(signum, frame):
        signal.alarm(1)  # again a second later, should something swallow this one
        raise Hang(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def worked_table() -> bytes:
    """The worked example's 绩效自评表.xlsx, as ``evalkit run`` writes it (with its hidden sheet)."""
    from conftest import WORKED

    from evalkit.workbook.write import render_workbook

    return render_workbook(evalkit.evaluate(WORKED))
