"""One department-year evaluated: the object analysts, notebooks and the CLI all use.

>>> ev = evaluate("params/dangzheng-office-2023.yaml")
>>> ev.budget.trails["execution_rate"]
'预算执行率 = 全年执行数 ÷ 全年预算数 = 9565.63 ÷ 9593.18 = 99.71%'
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..paths import display_path
from . import provenance
from .budget import BudgetResult, compute_budget
from .findings import BUDGET, SEVERITIES, Context, Finding, Skipped, check_context
from .frames import LabelledFrame
from .history import (
    RESULT_SUFFIX,
    YearComparison,
    YearFigures,
    compare,
    load_previous_result,
    previous_year_candidates,
    previous_year_file,
)
from .model import Params
from .numbers import fmt_pct, jsonable, to_float
from .params import TOTAL, load_params, parse_params
from .payments import MonthlyProfile, ProjectProfile, monthly_profile, project_profile
from .review import Review, ReviewInput, load_review, review_path
from .review import review as review_of
from .scheme import Scheme, load_scheme
from .scoring import (
    GradeResult,
    IndicatorScore,
    ScoreSummary,
    WeightPlan,
    grade,
    refuse_excess_weights,
    score_indicators,
    summarise,
)

RESULT_SCHEMA = "evalkit-result/v1"
INDICATOR_FRAME_COLUMNS = ["goal", "name", "tier", "direction", "target", "actual", "unit", "weight", "coefficient",
                           "score", "max_loss", "scored", "rule", "trail"]


@dataclass(frozen=True)
class Evaluation:
    """Budget execution, indicator scores, total, grade and findings of one department-year."""

    params: Params
    scheme: Scheme
    budget: BudgetResult
    weights: WeightPlan
    indicator_scores: tuple[IndicatorScore, ...]
    score: ScoreSummary
    grade: GradeResult
    finding_items: tuple[Finding, ...]
    provenance: dict = field(default_factory=dict)
    monthly: MonthlyProfile | None = None  # payments month by month against 序时进度
    projects: ProjectProfile | None = None  # per-project execution and concentration
    review_input: ReviewInput | None = None  # the reviewer's decisions, when there is a review file
    previous_year: YearComparison | None = None  # last year beside this year, when last year is known
    #: Every file the evaluation read, by its path on this machine → sha256, and every file it looked
    #: for and did not find (a review, last year's files) → None. ``provenance`` names the files read
    #: as published pages do; an incremental run checks all of them (:mod:`evalkit.run.fingerprint`).
    files: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def department(self):
        return self.params.department

    @cached_property
    def review(self) -> Review:
        """The finance bureau's 复核: 复核得分 with the reviewer's decisions (the evaluation itself when
        there are none). Computed on first use: a portfolio of thousands never needs it."""
        return review_of(self.params, self.scheme, self.budget.execution_score, self.indicator_scores,
                         self.review_input)

    @property
    def indicators(self) -> pd.DataFrame:
        """One row per indicator: target, actual, weight, rule, coefficient, score and trail."""
        return LabelledFrame(self.indicator_rows(), columns=INDICATOR_FRAME_COLUMNS)

    def indicator_rows(self) -> list[dict]:
        """The rows of :attr:`indicators`, without building a DataFrame (a portfolio joins thousands)."""
        return [{
            "goal": s.goal, "name": s.indicator.name, "tier": s.indicator.tier, "direction": s.indicator.direction,
            "target": _plain(s.indicator.target), "actual": _plain(s.indicator.actual), "unit": s.indicator.unit,
            "weight": float(s.weight), "coefficient": to_float(s.coefficient), "score": to_float(s.score),
            "max_loss": float(s.weight - s.score) if s.scored else None, "scored": s.scored,
            "rule": s.rule, "trail": s.trail,
        } for s in self.indicator_scores]

    @property
    def findings(self) -> pd.DataFrame:
        """One row per finding, errors first."""
        return LabelledFrame([f.to_dict() for f in self.finding_items],
                             columns=["id", "severity", "message", "evidence", "subject"])

    @property
    def budget_lines(self) -> pd.DataFrame:
        """The budget lines plus a 合计 row, with execution rates (fractions)."""
        b = self.budget
        rows = [{"name": line.name, "kind": line.kind, "count": line.count, "initial": to_float(line.initial),
                 "adjusted": float(line.adjusted), "executed": float(line.executed),
                 "execution_rate": to_float(line.execution_rate), "trail": line.trail} for line in b.lines]
        rows.append({"name": TOTAL, "kind": "total", "count": None, "initial": float(b.initial),
                     "adjusted": float(b.adjusted), "executed": float(b.executed),
                     "execution_rate": to_float(b.execution_rate), "trail": b.trails["execution_rate"]})
        return pd.DataFrame(rows)

    def severity_counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.finding_items if f.severity == s) for s in SEVERITIES}

    def score_text(self) -> str:
        """``99.97`` or ``[9.97, 99.97]``."""
        return self.score.text

    def grade_text(self) -> str:
        """``优秀``, or ``较差 ~ 优秀`` when the score is an interval."""
        return self.grade.text

    def to_dict(self) -> dict:
        """The ``evalkit-result/v1`` document (numbers unrounded; rates as fractions)."""
        p, b, s, g = self.params, self.budget, self.score, self.grade
        reported = asdict(p.reported)
        reported["line_execution_rates"] = {k: float(v) for k, v in p.reported.line_execution_rates}
        return {
            "schema": RESULT_SCHEMA,
            "department": {"id": p.department.id, "name": p.department.name, "year": p.department.year,
                           "region": p.department.region},
            "scheme": {"id": self.scheme.id, "title": self.scheme.title},
            "unit": p.unit,
            "budget": {
                "initial": float(b.initial), "adjusted": float(b.adjusted), "executed": float(b.executed),
                "execution_rate": to_float(b.execution_rate), "execution_rate_display": fmt_pct(b.execution_rate),
                "adjustment_rate": to_float(b.adjustment_rate), "adjustment_rate_display": fmt_pct(b.adjustment_rate),
                "execution_score": float(b.execution_score), "trails": b.trails,
                "lines": [{"name": line.name, "kind": line.kind, "count": line.count,
                           "initial": to_float(line.initial),
                           "adjusted": float(line.adjusted), "executed": float(line.executed),
                           "execution_rate": to_float(line.execution_rate),
                           "execution_rate_display": fmt_pct(line.execution_rate), "trail": line.trail}
                          for line in b.lines],
            },
            "score": {"execution": float(s.execution), "indicators": float(s.indicators),
                      "total": to_float(s.total), "min": float(s.min), "max": float(s.max),
                      "complete": s.complete, "display": self.score_text(), "trail": s.trail},
            "grade": {"label": g.label, "min_label": g.min_label, "max_label": g.max_label,
                      "possible": list(g.possible)},
            "weights": {"basis": self.weights.basis, "trail": self.weights.trail},
            "indicators": [{
                "goal": x.goal, "name": x.indicator.name, "key": x.indicator.key, "tier": x.indicator.tier,
                "direction": x.indicator.direction, "target": _plain(x.indicator.target),
                "actual": _plain(x.indicator.actual), "unit": x.indicator.unit, "level": x.indicator.level,
                "weight": float(x.weight), "coefficient": to_float(x.coefficient), "score": to_float(x.score),
                "rule": x.rule, "trail": x.trail,
                "reported": {"score": to_float(x.indicator.reported.score),
                             "coefficient": to_float(x.indicator.reported.coefficient)},
            } for x in self.indicator_scores],
            "findings": [f.to_dict() for f in self.finding_items],
            "reported": jsonable(reported),
            "review": self.review.to_dict(),
            "previous_year": self.previous_year.to_dict() if self.previous_year else None,
            "provenance": self.provenance,
        }


def _plain(value):
    if value is None or isinstance(value, str):
        return value
    return float(value)


def evaluate_params(params: Params, scheme: Scheme, *, provenance_info: dict | None = None,
                    review_input: ReviewInput | None = None, previous: YearFigures | None = None,
                    files: dict[str, str | None] | None = None) -> Evaluation:
    """The pure core: no file is opened. Score ``params`` under ``scheme`` (review it with the
    reviewer's decisions, when there are any, and compare it with ``previous``, last year's figures).
    ``params`` must be complete (a partial model is checked with :func:`check_params`)."""
    if params.unknown:
        raise ValueError(f"cannot evaluate a partial model (unknown: {', '.join(params.unknown)}); use check_params")
    ctx = context_of(params, scheme)
    findings, _ = check_context(ctx)
    ev = Evaluation(params=params, scheme=scheme, budget=ctx.budget, weights=ctx.plan, indicator_scores=ctx.scores,
                    score=ctx.summary, grade=ctx.grade, finding_items=findings, provenance=provenance_info or {},
                    monthly=ctx.monthly, projects=ctx.projects, review_input=review_input, files=files or {})
    if previous is None:
        return ev
    return dataclasses.replace(ev, previous_year=compare(previous, YearFigures.of(ev)))


def context_of(params: Params, scheme: Scheme) -> Context:
    """Everything the checks look at that ``params`` allows: no budget figures without the budget's
    totals, no scores without goals, no total or grade without both."""
    budget = None if any(params.unknown_why(k) for k in BUDGET) else compute_budget(params.budget, scheme)
    plan = scores = summary = graded = None
    if not params.unknown_why("goals"):
        plan, scores = score_indicators(params, scheme)
        refuse_excess_weights(params, plan, scheme)
    if budget is not None and scores is not None:
        summary = summarise(budget.execution_score, scores)
        graded = grade(summary, scheme)
    monthly, projects = (monthly_profile(params.budget), project_profile(params.budget)) if budget else (None, None)
    return Context(params=params, scheme=scheme, budget=budget, plan=plan, scores=scores, summary=summary, grade=graded,
                   monthly=monthly, projects=projects)


def check_params(params: Params, scheme: Scheme) -> tuple[tuple[Finding, ...], tuple[Skipped, ...]]:
    """The findings of every check ``params`` (complete or partial) allows, and the checks it skips."""
    return check_context(context_of(params, scheme))


def evaluate(source: str | Path | Params | dict, scheme: str | Path | Scheme | None = None, *,
             history: bool = True) -> Evaluation:
    """Evaluate a params file (or ``Params``, or a params mapping) under its scheme or ``scheme``.

    Files beside a params file join in when they exist: the reviewer's ``<stem>.review.yaml`` and
    last year's ``<id>-<year-1>.yaml`` or ``.result.json`` (``history=False`` leaves last year out).

    >>> ev = evaluate("params/dangzheng-office-2023.yaml")
    >>> ev.score_text(), ev.grade_text()
    ('[9.97, 99.97]', '较差 ~ 优秀')
    """
    if isinstance(source, Params):
        params = source
    elif isinstance(source, dict):
        params = parse_params(source)
    elif isinstance(source, str | Path):
        params = load_params(source)
    else:
        raise TypeError(f"evaluate() takes a path, a Params or a mapping, not {type(source).__name__}")
    base = Path(params.source).parent if params.source != "<memory>" else None
    if isinstance(scheme, Scheme):
        chosen = scheme
    else:
        # an override is a path as the caller gave it; the params file's own scheme lives beside it
        chosen = load_scheme(scheme) if scheme else load_scheme(params.scheme, relative_to=base)
    files = dict(params.inputs)
    shipped = chosen.source.startswith("evalkit/")
    if chosen.sha256 and not shipped:
        files[chosen.source] = chosen.sha256
    decisions = previous = None
    if base is not None:
        review = review_path(params.source)
        files[str(review)] = None
        if review.is_file():
            decisions, files[str(review)] = load_review(review, params)
    last = None
    if base is not None and history:
        d = params.department
        files.update((str(c), None) for c in previous_year_candidates(params.source, d.id, d.year))
        last = previous_year_file(params.source, d.id, d.year)
    if last is not None and last.name.endswith(RESULT_SUFFIX):
        previous, files[str(last)] = load_previous_result(last)
    elif last is not None:
        before = evaluate(last, scheme, history=False)
        previous = YearFigures.of(before)
        files.update(before.files)
    info = provenance.describe({display_path(path): digest for path, digest in files.items() if digest})
    info["scheme"] = {"id": chosen.id, "source": chosen.source if shipped else display_path(chosen.source),
                      "sha256": chosen.sha256}
    return evaluate_params(params, chosen, provenance_info=info, review_input=decisions, previous=previous,
                           files=files)
