"""Findings: what looks wrong in what a department claims.

Each check is a small function over one ``Context`` yielding ``Finding`` objects. Ids are stable
(``budget.execution_rate_mismatch``); messages are in Chinese and carry their evidence.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

from .budget import BudgetResult, rate
from .frozen import quick_init
from .model import Params
from .numbers import (
    decimals_of,
    exact,
    exact_sum,
    fmt,
    fmt_pct,
    fmt_plain,
    round_half_up,
    rounding_eq_decimal,
    to_float,
)
from .payments import MonthlyProfile, ProjectProfile
from .places import ParamsPlace, Place, at
from .scheme import Scheme
from .scoring import GradeResult, IndicatorScore, ScoreSummary, WeightPlan
from .wording import tidy

if TYPE_CHECKING:
    from .lights import MonitoringResult

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


@quick_init
@dataclass(frozen=True)
class Finding:
    """One finding: what looks wrong, in Chinese, with its evidence and where it is. ``subject`` is the
    params key path it is about (a finding's identity across years, with ``id``); ``where`` the places
    it points at: params places (file, line, key path) or quotes of a published document."""

    id: str
    severity: str
    message: str
    evidence: dict = field(default_factory=dict)
    subject: str | None = None
    where: tuple[Place, ...] = ()

    def to_dict(self) -> dict:
        return {"id": self.id, "severity": self.severity, "message": self.message,
                "evidence": self.evidence, "subject": self.subject}


@quick_init
@dataclass(frozen=True)
class Context:
    """What the params checks look at. In a partial model what cannot be computed is ``None``: the
    budget without the budget's totals, the scores without goals, the total and grade without either."""

    params: Params
    scheme: Scheme
    budget: BudgetResult | None
    plan: WeightPlan | None
    scores: tuple[IndicatorScore, ...] | None
    summary: ScoreSummary | None
    grade: GradeResult | None
    monthly: MonthlyProfile | None = None
    projects: ProjectProfile | None = None
    monitoring: MonitoringResult | None = None  # the mid-year lights, when there is a monitoring file


@dataclass(frozen=True)
class Check:
    """A registered check: its function, the params key paths it needs known, and its scope (``params``:
    called with a :class:`Context`; ``document``: the audit's, called with what it read)."""

    name: str
    run: Callable[..., Iterator[Finding]]
    needs: tuple[str, ...] = ()
    scope: str = "params"


@dataclass(frozen=True)
class Skipped:
    """A check that did not run: the inputs it needs that are unknown, each with why."""

    check: str
    unknown: dict[str, str]


#: Every check, the core's and the audit's, in the order they run.
CHECKS: list[Check] = []
BUDGET = ("budget.adjusted", "budget.executed")  # what the budget's rates and the execution score need
#: The indicator list is whole: what adds every row up needs it (a copy cut before 总分 leaves it unknown).
WHOLE = "goals.complete"


def check(*needs: str, scope: str = "params"):
    """Register a check needing the params key paths ``needs``."""
    def register(fn):
        CHECKS.append(Check(fn.__name__, fn, needs, scope))
        return fn
    return register


def run_scope(scope: str, *args, unknown: Callable[[str], str | None] | None = None
               ) -> tuple[list[Finding], list[Skipped]]:
    """Run the checks of ``scope`` on ``args``, skipping (and listing) those needing an ``unknown`` key
    (``None``: every key is known); findings errors first, then warnings, then info, each in check
    order, their messages tidied."""
    found, skipped = [], []
    for c in CHECKS:
        if c.scope != scope:
            continue
        missing = {k: why for k in c.needs if (why := unknown(k)) is not None} if unknown and c.needs else None
        if missing:
            skipped.append(Skipped(c.name, missing))
            continue
        found += [f if (text := tidy(f.message)) == f.message else dataclasses.replace(f, message=text)
                  for f in c.run(*args)]
    return sorted(found, key=lambda f: SEVERITIES.index(f.severity)), skipped


def check_context(ctx: Context) -> tuple[tuple[Finding, ...], tuple[Skipped, ...]]:
    """The findings of every params check on ``ctx``, and the checks skipped for unknown inputs."""
    p = ctx.params
    found, skipped = run_scope("params", ctx, unknown=p.unknown_why if p.unknown else None)
    placed = [Finding(f.id, f.severity, f.message, f.evidence, f.subject,  # a params check's: a Finding, no subclass
                      tuple(ParamsPlace(k, p.source, p.line(k))
                            for k in ([w.key for w in f.where] if f.where else [f.subject] if f.subject else ())))
              for f in found]
    return tuple(placed), tuple(skipped)


@cache
def vocabulary() -> dict[str, list[str]]:
    text = (resources.files("evalkit.core") / "vocabulary.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _printed_matches(computed: Fraction | None, printed) -> bool:
    """A rate (fraction) against a percentage as printed, at the printed precision."""
    return computed is not None and rounding_eq_decimal(computed, printed, scale=100)


# --- budget -----------------------------------------------------------------------------------

@check(*BUDGET)
def reported_rates(ctx: Context) -> Iterator[Finding]:
    rep, b = ctx.params.reported, ctx.budget
    if rep.execution_rate is not None and not _printed_matches(b.execution_rate, rep.execution_rate):
        yield Finding("budget.execution_rate_mismatch", "error",
                      f"报告的预算执行率 {fmt_plain(rep.execution_rate)}% 与重新计算的 "
                      f"{fmt_pct(b.execution_rate, decimals_of(rep.execution_rate)) if b.execution_rate is not None else '—'} 不符"
                      f"（{b.trails['execution_rate']}）",
                      {"reported": float(rep.execution_rate), "computed": to_float(b.execution_rate),
                       "trail": b.trails["execution_rate"]}, "reported.execution_rate",
                      at("reported.execution_rate", *BUDGET))
    lines = {line.name: line for line in b.lines}
    for name, printed in rep.line_execution_rates:
        line = lines.get(name)
        if line is not None and not _printed_matches(line.execution_rate, printed):
            yield Finding("budget.line_rate_mismatch", "error",
                          f"报告的{name}执行率 {fmt_plain(printed)}% 与重新计算的 "
                          f"{fmt_pct(line.execution_rate, decimals_of(printed)) if line.execution_rate is not None else '—'} 不符（{line.trail}）",
                          {"line": name, "reported": float(printed), "computed": to_float(line.execution_rate),
                           "trail": line.trail}, f"reported.line_execution_rates.{name}",
                          at(f"reported.line_execution_rates.{name}", *BUDGET))


@check("budget.initial", *BUDGET)
def reported_adjustment_rate(ctx: Context) -> Iterator[Finding]:
    rep, b = ctx.params.reported, ctx.budget
    if rep.adjustment_rate is not None and not _printed_matches(b.adjustment_rate, rep.adjustment_rate):
        yield Finding("budget.adjustment_rate_mismatch", "error",
                      f"报告的预算调整率 {fmt_plain(rep.adjustment_rate)}% 与重新计算的结果不符（{b.trails['adjustment_rate']}）",
                      {"reported": float(rep.adjustment_rate), "computed": to_float(b.adjustment_rate)},
                      "reported.adjustment_rate", at("reported.adjustment_rate", *BUDGET))


@check(*BUDGET)
def execution_level(ctx: Context) -> Iterator[Finding]:
    r, low = ctx.budget.execution_rate, ctx.scheme.thresholds["low_execution"]
    if r is None:
        yield Finding("budget.no_adjusted_budget", "error", "全年预算数为 0，无法计算预算执行率", {}, "budget.adjusted")
        return
    if r > 1:
        yield Finding("budget.over_execution", "error",
                      f"执行数超过全年预算数，预算执行率 {fmt_pct(r)}（{ctx.budget.trails['execution_rate']}）",
                      {"execution_rate": float(r)}, "budget.executed", at("budget.executed", "reported.execution_rate"))
    elif r < exact(low):
        yield Finding("budget.low_execution", "warning",
                      f"预算执行率 {fmt_pct(r)} 低于 {fmt_pct(low, 0)}（{ctx.budget.trails['execution_rate']}）",
                      {"execution_rate": float(r), "threshold": float(low)}, "budget.executed",
                      at("budget.executed", "reported.execution_rate"))
    for line in ctx.budget.lines:
        if line.execution_rate is not None and line.execution_rate > 1:
            yield Finding("budget.line_over_execution", "error",
                          f"{line.name}执行数超过预算数（{line.trail}）",
                          {"line": line.name, "execution_rate": float(line.execution_rate)}, "budget.lines",
                          at(f"budget.lines.{line.name}"))
        elif line.execution_rate is not None and line.execution_rate < exact(low):
            yield Finding("budget.line_low_execution", "warning",
                          f"{line.name}执行率低于 {fmt_pct(low, 0)}（{line.trail}）",
                          {"line": line.name, "execution_rate": float(line.execution_rate)}, "budget.lines",
                          at(f"budget.lines.{line.name}"))


@check("budget.initial", *BUDGET)
def adjustment_level(ctx: Context) -> Iterator[Finding]:
    r, limit = ctx.budget.adjustment_rate, ctx.scheme.thresholds["high_adjustment"]
    if r is not None and abs(r) > exact(limit):
        yield Finding("budget.high_adjustment", "warning",
                      f"预算调整率 {fmt_pct(r)} 超过 {fmt_pct(limit, 0)}，年初预算编制的准确性存疑（{ctx.budget.trails['adjustment_rate']}）",
                      {"adjustment_rate": float(r), "threshold": float(limit)}, "budget.adjusted")


@check(*BUDGET)
def side_table_totals(ctx: Context) -> Iterator[Finding]:
    budget = ctx.params.budget
    project_lines = [line for line in budget.lines if line.kind == "project"]
    if budget.projects is not None and project_lines:
        for field_name, label in (("adjusted", "预算数"), ("executed", "执行数")):
            table = exact_sum(getattr(p, field_name) for p in budget.projects)
            line_total = exact_sum(getattr(line, field_name) for line in project_lines)
            if table != line_total:
                yield Finding("budget.projects_do_not_add_up", "error",
                              f"项目明细表{label}合计 {fmt(table)} 与项目支出{label} {fmt(line_total)} 不符（差 {fmt(table - line_total)}）",
                              {"field": field_name, "projects_total": float(table), "line_total": float(line_total)},
                              "budget.projects")
        counted = sum(line.count for line in project_lines if line.count is not None)
        if any(line.count is not None for line in project_lines) and counted != len(budget.projects):
            yield Finding("budget.project_count_mismatch", "warning",
                          f"报告称专项预算项目 {counted} 个，项目明细表列出 {len(budget.projects)} 个",
                          {"reported": counted, "listed": len(budget.projects)}, "budget.projects")
    if budget.monthly is not None:
        paid = exact_sum(p.executed for p in budget.monthly)
        if paid != exact(budget.executed):
            yield Finding("budget.monthly_do_not_add_up", "error",
                          f"月度支付合计 {fmt(paid)} 与全年执行数 {fmt_plain(budget.executed)} 不符（差 {fmt(paid - exact(budget.executed))}）",
                          {"monthly_total": float(paid), "executed": float(budget.executed)}, "budget.monthly")


@check(*BUDGET)
def year_end_spending(ctx: Context) -> Iterator[Finding]:
    profile = ctx.monthly
    if profile is None or profile.december_share is None:
        return
    december, q4 = profile.december_share, profile.q4_share
    dec_limit, q4_limit = ctx.scheme.thresholds["december_share"], ctx.scheme.thresholds["q4_share"]
    if december > exact(dec_limit) or q4 > exact(q4_limit):
        yield Finding("budget.year_end_spike", "warning",
                      f"年末突击支出：12 月支付占全年 {fmt_pct(december)}（阈值 {fmt_pct(dec_limit, 0)}），"
                      f"第四季度占 {fmt_pct(q4)}（阈值 {fmt_pct(q4_limit, 0)}）",
                      {"december_share": float(december), "q4_share": float(q4),
                       "december_threshold": float(dec_limit), "q4_threshold": float(q4_limit)}, "budget.monthly")


@check(*BUDGET)
def project_concentration(ctx: Context) -> Iterator[Finding]:
    profile = ctx.projects
    limit = exact(ctx.scheme.thresholds["project_concentration"])
    if profile is None or profile.top_share is None or profile.count <= profile.top_count:
        return
    if profile.top_share > limit:
        yield Finding("budget.project_concentration", "info",
                      f"资金集中度高：预算最多的 {profile.top_count} 个项目占项目预算的 {fmt_pct(profile.top_share)}"
                      f"（阈值 {fmt_pct(limit, 0)}），其绩效目标应重点审核",
                      {"top_count": profile.top_count, "top_share": float(profile.top_share), "threshold": float(limit),
                       "projects": profile.count}, "budget.projects")


@check(*BUDGET)
def project_execution(ctx: Context) -> Iterator[Finding]:
    projects = ctx.params.budget.projects or ()
    limit = exact(ctx.scheme.thresholds["project_low_execution"])
    low = [(p, rate(p.executed, p.adjusted)) for p in projects if exact(p.adjusted) > 0]
    low = [(p, r) for p, r in low if r < limit]
    if low:
        listed = "；".join(f"{p.name} {fmt_pct(r)}" + ("（未启动）" if r == 0 else "") for p, r in low)
        yield Finding("budget.project_low_execution", "warning",
                      f"{len(low)} 个项目执行率低于 {fmt_pct(limit, 0)}：{listed}",
                      {"threshold": float(limit),
                       "projects": [{"name": p.name, "adjusted": float(p.adjusted), "executed": float(p.executed),
                                     "execution_rate": float(r)} for p, r in low]}, "budget.projects")


# --- score and grade --------------------------------------------------------------------------

@check(*BUDGET, "goals", WHOLE)
def reported_score(ctx: Context) -> Iterator[Finding]:
    printed, s = ctx.params.reported.score, ctx.summary
    if printed is None:
        return
    places = decimals_of(printed)
    low, high = round_half_up(s.min, places), round_half_up(s.max, places)
    tol, gap = exact(ctx.scheme.thresholds["score_tolerance"]), exact(ctx.scheme.thresholds["review_gap"])
    evidence = {"reported": float(printed), "min": float(s.min), "max": float(s.max), "trail": s.trail}
    rp = exact(printed)
    if s.complete:
        diff = rp - s.min
        if round_half_up(s.min, places) != printed:  # compared at the precision it was printed with
            severity = "info" if abs(diff) <= tol else ("error" if abs(diff) >= gap else "warning")
            yield Finding("score.mismatch", severity,
                          f"自评得分 {fmt_plain(printed)} 分与按规则计算的 {fmt(s.min)} 分相差 {fmt(diff)} 分（{s.trail}）",
                          evidence | {"difference": float(diff)}, "reported.score")
    elif rp < exact(low) - tol or rp > exact(high) + tol:
        yield Finding("score.outside_interval", "error",
                      f"自评得分 {fmt_plain(printed)} 分超出现有数据所能支持的区间 [{fmt(s.min)}, {fmt(s.max)}]（{s.trail}）",
                      evidence, "reported.score")
    else:
        unscored = sum(1 for x in ctx.scores if not x.scored)
        yield Finding("score.unverifiable", "warning",
                      f"自评得分 {fmt_plain(printed)} 分无法核实：{unscored} 项指标没有全年完成值，"
                      f"按现有数据得分可在 {fmt(s.min)} 至 {fmt(s.max)} 分之间",
                      evidence | {"unscored": unscored}, "reported.score")


@check()
def reported_grade(ctx: Context) -> Iterator[Finding]:
    """The printed grade against the scheme's words (the computed grade: :func:`grade_against_score`)."""
    printed = ctx.params.reported.grade
    if printed is None:
        return
    labels = [x.label for x in ctx.scheme.grades]
    canonical = ctx.scheme.canonical_grade(printed)
    if canonical is None:
        yield Finding("grade.unknown", "error",
                      f"报告的评价等级“{printed}”不在评价方案“{ctx.scheme.title}”的等级中：{'、'.join(labels)}",
                      _grade_evidence(ctx, printed), "reported.grade")
    elif canonical != printed:
        yield Finding("grade.synonym", "info",
                      f"报告的评价等级“{printed}”即评价方案中的“{canonical}”，宜统一使用方案用语",
                      _grade_evidence(ctx, printed) | {"scheme_word": canonical}, "reported.grade")


def _grade_evidence(ctx: Context, printed: str) -> dict:
    g = ctx.grade
    return {"reported": printed, "computed": g.label if g else None, "possible": list(g.possible) if g else []}


@check(*BUDGET, "goals", WHOLE)
def grade_against_score(ctx: Context) -> Iterator[Finding]:
    printed, g = ctx.params.reported.grade, ctx.grade
    canonical = ctx.scheme.canonical_grade(printed) if printed is not None else None
    if canonical is None:
        return
    if g.label is not None and canonical != g.label:
        yield Finding("grade.mismatch", "error",
                      f"报告的评价等级“{canonical}”与按得分计算的“{g.label}”不符", _grade_evidence(ctx, printed),
                      "reported.grade")
    elif g.label is None and canonical not in g.possible:
        yield Finding("grade.outside_interval", "error",
                      f"报告的评价等级“{canonical}”超出得分区间可能对应的等级（{'、'.join(g.possible)}）",
                      _grade_evidence(ctx, printed), "reported.grade")


@check(WHOLE)
def grade_against_reported_score(ctx: Context) -> Iterator[Finding]:
    printed, score = ctx.params.reported.grade, ctx.params.reported.score
    canonical = ctx.scheme.canonical_grade(printed) if printed is not None else None
    expected = ctx.scheme.grade_for(score) if score is not None and canonical is not None else None
    if expected and expected != canonical:
        yield Finding("grade.inconsistent_with_reported_score", "error",
                      f"自评得分 {fmt_plain(score)} 分按方案应为“{expected}”，报告却写“{canonical}”",
                      {"reported_score": float(score), "reported": canonical, "expected": expected},
                      "reported.grade", at("reported.grade", "reported.score"))


# --- indicators -------------------------------------------------------------------------------

@check("goals")
def missing_actuals(ctx: Context) -> Iterator[Finding]:
    missing = [s for s in ctx.scores if not s.scored]
    if missing:
        names = [s.indicator.name for s in missing]
        yield Finding("indicator.missing_actual", "warning",
                      f"{len(ctx.scores)} 项绩效指标中 {len(missing)} 项未填报全年完成值（或达成程度），无法计分："
                      + "、".join(names[:8]) + ("等" if len(names) > 8 else ""),
                      {"count": len(missing), "of": len(ctx.scores), "indicators": names,
                       "points": float(exact_sum(s.weight for s in missing))},
                      None, at(*(f"{s.indicator.key}.actual" for s in missing[:6])))


@check("goals", WHOLE)
def weights_sum(ctx: Context) -> Iterator[Finding]:
    """Explicit weights that add up to less than the scheme's indicator points (more is refused
    before scoring: :func:`~evalkit.core.scoring.refuse_excess_weights`)."""
    plan, points = ctx.plan, exact(ctx.scheme.indicator_points)
    if plan.basis == "explicit" and plan.explicit_sum != points:
        yield Finding("weights.sum_mismatch", "error",
                      f"各指标分值合计 {fmt(plan.explicit_sum)} 分，与评价方案的指标总分 {fmt(points)} 分不符",
                      {"sum": float(plan.explicit_sum), "expected": float(points)}, "goals",
                      at(*[f"{ind.key}.weight" for ind in ctx.params.indicators if ind.weight is not None][:3]))


@check("goals")
def reported_rows(ctx: Context) -> Iterator[Finding]:
    for s in ctx.scores:
        rep, ind = s.indicator.reported, s.indicator
        if rep.score is None and rep.coefficient is None:
            continue
        if not s.scored and ctx.params.unknown_why(f"{ind.key}.actual"):
            continue  # an actual that was stated but could not be read is not a missing one
        if ctx.params.unknown_why(f"{ind.key}.weight"):
            continue  # a row whose 分值 was not read is not scored against a weight made up for it
        if not s.scored:
            claimed = f"{fmt_plain(rep.score)} 分" if rep.score is not None else f"系数 {fmt_pct(rep.coefficient)}"
            yield Finding("indicator.reported_without_actual", "warning",
                          f"“{ind.name}”未填报完成值，却自评 {claimed}",
                          {"indicator": ind.name, "reported_score": to_float(rep.score)}, ind.key)
            continue
        if rep.score is not None and round_half_up(s.score, decimals_of(rep.score)) != rep.score:
            yield Finding("indicator.reported_score_mismatch", "error",
                          f"“{ind.name}”自评 {fmt_plain(rep.score)} 分，按其规则应得 {fmt(s.score)} 分（{s.trail}）",
                          {"indicator": ind.name, "reported": float(rep.score), "computed": float(s.score),
                           "trail": s.trail}, ind.key, at(f"{ind.key}.reported.score"))
        # the coefficient is stored as a fraction (96.15 → 0.9615): two of its decimals are the percent's
        places = max(0, decimals_of(rep.coefficient) - 2) if rep.coefficient is not None else 0
        if rep.coefficient is not None and round_half_up(s.coefficient * 100, places) != rep.coefficient * 100:
            yield Finding("indicator.reported_coefficient_mismatch", "error",
                          f"“{ind.name}”自评得分系数 {fmt_pct(rep.coefficient)}，按其规则应为 {fmt_pct(s.coefficient)}（{s.trail}）",
                          {"indicator": ind.name, "reported": float(rep.coefficient), "computed": float(s.coefficient)},
                          ind.key, at(f"{ind.key}.reported.coefficient"))


@check("goals")
def qualitative_bands(ctx: Context) -> Iterator[Finding]:
    for s in ctx.scores:
        ind = s.indicator
        if ind.direction == "qualitative" and ind.level and ind.coefficient is not None:
            low, high = ctx.scheme.qualitative[ind.level]
            if not low <= ind.coefficient <= high:
                yield Finding("indicator.coefficient_outside_band", "error",
                              f"“{ind.name}”评为{ind.level}，得分系数 {fmt_pct(ind.coefficient)} 超出该档 "
                              f"{fmt_pct(low, 0)}–{fmt_pct(high, 0)}，按 {fmt_pct(s.coefficient)} 计分",
                              {"indicator": ind.name, "level": ind.level, "coefficient": float(ind.coefficient),
                               "band": [float(low), float(high)]}, ind.key)


def _direction_words(text: str) -> tuple[bool, bool]:
    v = vocabulary()
    upper = lower = False
    for word in v["upper_negated"]:
        if word in text:
            upper, text = True, text.replace(word, "")
    for word in v["lower_negated"]:
        if word in text:
            lower, text = True, text.replace(word, "")
    upper = upper or any(w in text for w in v["upper_words"])
    lower = lower or any(w in text for w in v["lower_words"])
    return upper, lower


@check("goals")
def direction_wording(ctx: Context) -> Iterator[Finding]:
    for s in ctx.scores:
        ind = s.indicator
        text = ind.statement or ""
        if not text:
            continue
        upper, lower = _direction_words(text)
        if upper and lower:
            yield Finding("indicator.direction_contradiction", "warning",
                          f"“{ind.name}”的表述“{text}”方向自相矛盾（既要求低于又要求达到及以上），无法判断是正向还是反向指标",
                          {"indicator": ind.name, "statement": text, "direction": ind.direction}, ind.key)
        elif (upper and ind.direction in ("<=", "<")) or (lower and ind.direction in (">=", ">")):
            yield Finding("indicator.direction_mismatch", "warning",
                          f"“{ind.name}”的表述“{text}”与指标性质“{ind.direction}”方向相反",
                          {"indicator": ind.name, "statement": text, "direction": ind.direction}, ind.key)


_DIGIT = re.compile(r"\d")


@check("goals")
def vague_targets(ctx: Context) -> Iterator[Finding]:
    words = vocabulary()["vague_words"]
    for s in ctx.scores:
        ind = s.indicator
        if ind.direction != "qualitative" or _DIGIT.search(target := str(ind.target)):
            continue
        used = [w for w in words if w in target]
        why = f"含“{'”“'.join(used)}”等模糊表述且" if used else ""
        yield Finding("indicator.vague_target", "warning",
                      f"“{ind.name}”的年度指标值“{ind.target}”{why}没有可衡量的数值，无法客观评价完成情况",
                      {"indicator": ind.name, "target": ind.target, "vague_words": used}, ind.key)


@check("goals")
def percent_units(ctx: Context) -> Iterator[Finding]:
    v = vocabulary()
    counts, attributes = tuple(v["count_suffixes"]), tuple(v["attribute_suffixes"])
    for s in ctx.scores:
        ind = s.indicator
        if ind.unit != "%" or ind.direction == "qualitative":
            continue
        speed = next(filter(ind.name.__contains__, v["speed_words"]), None)  # the first in the list's order
        # the first suffix in the list's order, looked for only when the name ends with one of them
        count = next((w for w in counts if ind.name.endswith(w)), None) if ind.name.endswith(counts) else None
        attribute = (next((w for w in attributes if ind.name.endswith(w)), None)
                     if ind.name.endswith(attributes) else None)
        if speed or count:
            kind = "速度/时效" if speed else "数量"
            yield Finding("indicator.percent_on_speed" if speed else "indicator.percent_on_count", "warning",
                          f"“{ind.name}”衡量的是{kind}，却以百分比（{fmt_plain(ind.target)}%）设定年度指标值，计量单位不当",
                          {"indicator": ind.name, "unit": "%", "target": float(ind.target), "word": speed or count},
                          ind.key)
        elif attribute:
            yield Finding("indicator.percent_on_attribute", "info",
                          f"“{ind.name}”是定性属性，以百分比（{fmt_plain(ind.target)}%）衡量口径不明，建议说明计算方法",
                          {"indicator": ind.name, "target": float(ind.target)}, ind.key)


@check("goals")
def overshoot(ctx: Context) -> Iterator[Finding]:
    ratio = exact(ctx.scheme.thresholds["overshoot_ratio"])
    for s in ctx.scores:
        ind = s.indicator
        if ind.direction == "qualitative" or ind.actual is None:
            continue
        actual, target = exact(ind.actual), exact(ind.target)
        if ind.direction in (">=", ">") and target > 0 and actual / target >= ratio:
            how = actual / target
        elif ind.direction in ("<=", "<") and actual > 0 and target / actual >= ratio:
            how = target / actual
        else:
            continue
        yield Finding("indicator.overshoot", "warning",
                      f"“{ind.name}”完成值 {fmt_plain(ind.actual)} 是年度指标值 {fmt_plain(ind.target)} 的 "
                      f"{fmt_pct(how)}，超出 {fmt_pct(ratio, 0)}，指标值可能设置偏低",
                      {"indicator": ind.name, "actual": float(actual), "target": float(target), "ratio": float(how)},
                      ind.key)


# --- report text and dates --------------------------------------------------------------------

@check("department.year")
def timeline(ctx: Context) -> Iterator[Finding]:
    year, rep = ctx.params.department.year, ctx.params.reported
    year_end = date(year, 12, 31)
    if rep.evaluation_period:
        start, end = rep.evaluation_period
        evidence = {"evaluation_period": [start.isoformat(), end.isoformat()], "fiscal_year_end": year_end.isoformat()}
        if end < start:
            yield Finding("timeline.period_reversed", "error",
                          f"评价期间结束日 {rep.evaluation_period[1]} 早于开始日 {rep.evaluation_period[0]}",
                          evidence, "reported.evaluation_period")
        if start <= year_end:
            yield Finding("timeline.period_before_year_end", "error",
                          f"评价期间 {rep.evaluation_period[0]} 至 {rep.evaluation_period[1]} 早于 {year} 年度结束"
                          f"（{year_end.isoformat()}），不可能评价全年执行情况",
                          evidence, "reported.evaluation_period")
        if rep.report_date and rep.report_date < end:
            yield Finding("timeline.report_before_period_end", "error",
                          f"报告日期 {rep.report_date} 早于评价期间结束日 {rep.evaluation_period[1]}",
                          evidence | {"report_date": rep.report_date.isoformat()}, "reported.report_date")
    if rep.report_date:
        when = rep.report_date
        if when <= year_end:
            yield Finding("timeline.report_before_year_end", "error",
                          f"报告日期 {when} 早于 {year} 年度结束，不可能是全年自评",
                          {"report_date": when.isoformat()}, "reported.report_date")
        elif when.year > year + 1:
            yield Finding("timeline.report_late", "warning",
                          f"报告日期 {when} 晚于 {year + 1} 年，自评可能滞后",
                          {"report_date": when.isoformat()}, "reported.report_date")


@check("goals")
def section_numbers(ctx: Context) -> Iterator[Finding]:
    seen: dict[str, list[int]] = {}
    for i, goal in enumerate(ctx.params.goals):
        if goal.number:
            seen.setdefault(goal.number, []).append(i)
    for number, indexes in seen.items():
        if len(indexes) > 1:
            names = [ctx.params.goals[i].name for i in indexes]
            yield Finding("report.duplicate_section_number", "info",
                          f"报告中绩效目标序号“{number}”重复使用：{'、'.join(names)}",
                          {"number": number, "goals": names}, "goals", at(*(f"goals[{i}]" for i in indexes)))
