"""Findings particular to the 项目支出绩效自评表 (``kind: project``), and the roll-up of a department's
project tables against its project line.

The form checks are registered with :func:`evalkit.core.findings.check` like every other check and
stay silent for a department file. A check on what a reader may not have read (an audit of a published
table does not read 偏差原因 or the survey basis) needs it known: ``goals.deviation``, ``goals.basis``
and ``budget.deviation`` (the reason for low execution) are unknown in such a partial model and the
check is skipped; ``goals.execution_scored`` is marked unknown by a reader that checks the execution rate
scored twice itself, against the text (the audit's ``audit.execution_scored_twice``). Severities and messages are data (``project_wording.yaml``);
labels, 整改建议 and evidence labels are in ``finding_wording.yaml`` with every other finding's.

How a partial set of project tables is treated (the worked example lists 85 projects and ships a
handful): when fewer tables than the line's ``count`` are present, only what a part can show is
checked — the received tables' sums may not exceed the line and each received table must match its
row of the department's project side table when there is one. A partial set is not a finding (the
department may file its tables in batches); the 项目 section says how many of how many were received
(:func:`coverage`). The sums are compared with the line to the
cent, and the department's execution rate recomputed, only when the set is complete (as many tables
as ``count``, or every table when the line gives no count).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from importlib import resources

import yaml

from .budget import rate
from .findings import Context, Finding, check
from .model import Params
from .numbers import exact, fmt, fmt_pct
from .params import LEVEL2_BY_TIER

#: An indicator that measures the budget's own execution (scored already by the 10 execution points).
EXECUTION_WORDS = re.compile(r"预算执行率|资金执行率|资金支出率|预算支出率|支出进度|资金使用率|资金拨付率|执行进度")
#: Words that show a satisfaction figure has a survey behind it.
SURVEY_WORDS = re.compile(r"问卷|调查|调研|测评|回访|访谈|座谈|抽样|走访")
COLUMNS = {"initial": "年初预算数", "adjusted": "全年预算数", "executed": "全年执行数"}


@cache
def project_wording() -> dict:
    text = (resources.files("evalkit.core") / "project_wording.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["findings"]


def project_finding(finding_id: str, evidence: dict, subject: str | None = None, **shown) -> Finding:
    """A finding whose severity and message come from ``project_wording.yaml``; ``shown`` fills the
    message template (numbers already formatted), ``evidence`` is kept as data."""
    spec = project_wording()[finding_id]
    return Finding(finding_id, spec["severity"], spec["message"].format(**shown), evidence, subject)


def _is_project(ctx: Context) -> bool:
    return ctx.params.kind == "project"


def _level2_word(text: str) -> str:
    return text.strip().removesuffix("指标")


@check("budget.adjusted", "budget.executed")
def sources_add_up(ctx: Context) -> Iterator[Finding]:
    """The 年度资金总额 row against its 其中 rows, column by column."""
    b = ctx.params.budget
    if not _is_project(ctx) or not b.sources:
        return
    for field, column in COLUMNS.items():
        total = getattr(b, field)
        values = [getattr(s, field) for s in b.sources]
        if total is None or any(v is None for v in values):
            continue
        added = sum(values, Decimal(0))
        if added != total:
            yield project_finding("project.sources_do_not_add_up",
                                  {"field": field, "total": float(total), "added": float(added)},
                                  f"budget.{field}", column=column, total=fmt(total), added=fmt(added),
                                  difference=fmt(abs(added - total)))


@check("budget.adjusted", "budget.executed", "budget.deviation")
def low_execution_reason(ctx: Context) -> Iterator[Finding]:
    r, low = (ctx.budget.execution_rate if ctx.budget else None), exact(ctx.scheme.thresholds["low_execution"])
    if not _is_project(ctx) or r is None or r >= low or ctx.params.budget.deviation:
        return
    yield project_finding("project.low_execution_without_reason",
                          {"execution_rate": float(r), "threshold": float(low)}, "budget",
                          rate=fmt_pct(r), threshold=fmt_pct(low, 0))


@check("goals.deviation")
def deviation_explained(ctx: Context) -> Iterator[Finding]:
    if not _is_project(ctx):
        return
    for s in ctx.scores or ():
        if s.coefficient is not None and s.coefficient < 1 and not (s.indicator.deviation or "").strip():
            yield project_finding("project.deviation_missing",
                                  {"indicator": s.indicator.name, "coefficient": float(s.coefficient)},
                                  f"{s.indicator.key}.deviation", indicator=s.indicator.name,
                                  coefficient=fmt_pct(s.coefficient))


@check("goals")
def level2_under_tier(ctx: Context) -> Iterator[Finding]:
    if not _is_project(ctx):
        return
    for ind in ctx.params.indicators:
        allowed = LEVEL2_BY_TIER.get(ind.tier or "")
        if not ind.level2 or not allowed or _level2_word(ind.level2) in {_level2_word(a) for a in allowed}:
            continue
        yield project_finding("project.level2_wrong_tier",
                              {"indicator": ind.name, "level2": ind.level2, "tier": ind.tier},
                              f"{ind.key}.level2", indicator=ind.name, level2=ind.level2, tier=ind.tier,
                              allowed="、".join(f"“{a}”" for a in allowed))


@check("goals.execution_scored")
def execution_not_an_indicator(ctx: Context) -> Iterator[Finding]:
    if not _is_project(ctx):
        return
    for ind in ctx.params.indicators:
        if EXECUTION_WORDS.search(ind.name):
            yield project_finding("project.execution_scored_twice", {"indicator": ind.name}, ind.key,
                                  indicator=ind.name)


@check("goals.basis")
def satisfaction_has_survey(ctx: Context) -> Iterator[Finding]:
    if not _is_project(ctx):
        return
    for ind in ctx.params.indicators:
        if ind.tier != "满意度" and "满意" not in (ind.level2 or ""):
            continue
        words = " ".join(filter(None, (ind.basis, ind.statement, ind.deviation)))
        if not SURVEY_WORDS.search(words):
            yield project_finding("project.satisfaction_without_survey", {"indicator": ind.name},
                                  ind.key, indicator=ind.name)


# --- the roll-up: a department's project tables against its project line ---------------------

def rollup_findings(department: Params, dept_execution_rate, projects: list[tuple[Params, object]]) -> list[Finding]:
    """What a department's project tables say about its project line. ``projects`` is pairs of
    (the project's Params, its ``GradeResult``-bearing evaluation or None); the department's own
    figures come from ``department`` (its ``kind: project`` line) and ``dept_execution_rate``."""
    found: list[Finding] = []
    if not projects:
        return found
    line = next((ln for ln in department.budget.lines if ln.kind == "project"), None)
    n = len(projects)
    complete = line is None or line.count is None or n == line.count
    if line is not None and line.count is not None and n > line.count:
        found.append(project_finding("project.count_mismatch", {"reported": line.count, "listed": n},
                                     "budget.lines", count=line.count, found=n))
        complete = False
    if line is not None:
        for field in ("adjusted", "executed"):
            added = sum((getattr(p.budget, field) for p, _ in projects), Decimal(0))
            value = getattr(line, field)
            evidence = {"field": field, "projects_total": float(added), "line_total": float(value)}
            if complete and added != value:
                found.append(project_finding("project.budget_do_not_add_up", evidence, "budget.lines",
                                             column=COLUMNS[field], added=fmt(added), line=fmt(value),
                                             difference=fmt(abs(added - value))))
            elif not complete and added > value:
                found.append(project_finding("project.budget_exceeds_line", evidence, "budget.lines",
                                             column=COLUMNS[field], added=fmt(added), line=fmt(value)))
        if complete and dept_execution_rate is not None:
            basic = [ln for ln in department.budget.lines if ln.kind != "project"]
            adjusted = sum((ln.adjusted for ln in basic), Decimal(0)) + sum((p.budget.adjusted for p, _ in projects), Decimal(0))
            executed = sum((ln.executed for ln in basic), Decimal(0)) + sum((p.budget.executed for p, _ in projects), Decimal(0))
            recomputed = rate(executed, adjusted)
            if recomputed is not None and recomputed != exact(dept_execution_rate):
                found.append(project_finding("project.department_rate_mismatch",
                                             {"computed": float(recomputed), "reported": float(dept_execution_rate)},
                                             "budget", recomputed=fmt_pct(recomputed),
                                             rate=fmt_pct(dept_execution_rate)))
    listed = {p.name: p for p in department.budget.projects or ()}
    for params, _ in projects:
        name = params.project.name if params.project else params.department.name
        row = listed.get(name)
        if listed and row is None:
            found.append(project_finding("project.not_listed", {"project": name}, "budget.projects", project=name))
            continue
        for field in ("adjusted", "executed") if row is not None else ():
            value, want = getattr(params.budget, field), getattr(row, field)
            if value != want:
                found.append(project_finding("project.table_mismatch",
                                             {"project": name, "field": field, "value": float(value),
                                              "listed": float(want)}, "budget.projects", project=name,
                                             column=COLUMNS[field], value=fmt(value), listed=fmt(want)))
    return found


def project_grade_findings(name: str, score, computed: str | None, reported: str | None, scheme) -> list[Finding]:
    """A project's reported grade against the grade its computed total earns under its scheme."""
    if computed is None or reported is None or scheme.same_grade(reported, computed):
        return []
    return [project_finding("project.grade_mismatch", {"project": name, "reported": reported, "computed": computed},
                            "reported.grade", project=name, score=fmt(score), computed=computed, reported=reported)]


def coverage(department: Params, received: int) -> dict:
    """How many project tables were received of how many the project line reports, and whether the
    set is complete (so the sums were checked to the cent)."""
    line = next((ln for ln in department.budget.lines if ln.kind == "project"), None)
    count = None if line is None else line.count
    return {"received": received, "count": count, "complete": count is None or received == count}
