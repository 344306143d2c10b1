"""One department-year evaluated: the object analysts, notebooks and the CLI all use.

>>> ev = evaluate("params/dangzheng-office-2023.yaml")
>>> ev.budget.trails["execution_rate"]
'预算执行率 = 全年执行数 ÷ 全年预算数 = 9565.63 ÷ 9593.18 = 99.71%'
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..exceptions import ParamsError, Problem
from ..paths import display_path, inside, read_head
from . import (
    midyear,  # noqa: F401  (registers the monitoring checks)
    project_checks,
    provenance,
)
from .budget import BudgetResult, compute_budget
from .bureau import BUREAU_FILE_NAMES, NO_BUREAU, Application, Bureau, check_grades, load_bureau
from .findings import BUDGET, SEVERITIES, Context, Finding, Skipped, check_context
from .frames import LabelledFrame
from .frozen import quick_init
from .history import (
    RESULT_SUFFIX,
    YearComparison,
    YearFigures,
    compare,
    load_previous_result,
    previous_year_candidates,
)
from .lights import MonitoringResult, assess_monitoring
from .model import Params
from .monitoring import Monitoring, load_monitoring, monitoring_path
from .numbers import fmt_pct, jsonable, to_float
from .params import TOTAL, load_params, parse_params
from .payments import MonthlyProfile, ProjectProfile, monthly_profile, project_profile
from .rectification import Ledger, ledger_findings, load_ledger, rectification_path
from .result import SCHEMA as RESULT_SCHEMA
from .result import city_block, payment_blocks
from .review import Review, ReviewInput, decision_findings, default_basis, load_review, review_path
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

INDICATOR_FRAME_COLUMNS = ["goal", "name", "tier", "direction", "target", "actual", "unit", "weight", "coefficient",
                           "score", "max_loss", "scored", "rule", "trail"]


@quick_init
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
    monitoring: MonitoringResult | None = None  # the mid-year (1–N月) lights, when there is a monitoring file
    bureau: Bureau = NO_BUREAU  # the finance bureau's review settings (bureau.yaml), when there are any
    ledgers: tuple[Ledger, ...] = ()  # the 整改 ledgers read: last year's and this year's, when they exist
    #: Every file the evaluation read, by its path on this machine → sha256, and every file it looked
    #: for and did not find (a review, last year's files) → None. ``provenance`` names the files read
    #: as published pages do; an incremental run checks all of them (:mod:`evalkit.stamps.fingerprint`).
    files: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    #: The department's project tables (``kind: project`` files in its folder naming it), evaluated.
    project_evaluations: tuple[Evaluation, ...] = field(default=(), compare=False, repr=False)

    @property
    def department(self):
        return self.params.department

    @cached_property
    def review(self) -> Review:
        """The finance bureau's 复核: 复核得分 with the reviewer's decisions (the evaluation itself when
        there are none). Computed on first use: a portfolio of thousands never needs it."""
        given = self.review_input or ReviewInput()
        basis = given.basis or self.bureau.basis_for(self.scheme.id) or default_basis(self.scheme)
        return review_of(self.params, self.scheme, self.budget.execution_score, self.indicator_scores,
                         dataclasses.replace(given, basis=basis))

    @property
    def reviewed(self) -> bool:
        """Whether a reviewer's file exists: then its 复核得分 is the department's result (已复核)."""
        return self.review_input is not None

    def result_score_text(self) -> str:
        """The score that counts: the 复核得分 once reviewed, else the computed score."""
        return self.review.score.text if self.reviewed else self.score_text()

    def result_grade_text(self) -> str:
        return self.review.grade.text if self.reviewed else self.grade_text()

    @property
    def application(self) -> Application | None:
        """结果应用: what the bureau's file says the grade that counts means for next year's budget."""
        g = self.review.grade if self.reviewed else self.grade
        return self.bureau.application_for(g.label, self.scheme)

    @property
    def ledger(self) -> Ledger | None:
        """This year's 整改 ledger, when there is one."""
        return next((x for x in self.ledgers if x.year == self.params.department.year), None)

    @property
    def indicators(self) -> pd.DataFrame:
        """One row per indicator: target, actual, weight, rule, coefficient, score and trail."""
        return LabelledFrame(self.indicator_rows(), columns=INDICATOR_FRAME_COLUMNS)

    def indicator_rows(self) -> list[dict]:
        """The rows of :attr:`indicators`, without building a DataFrame (a portfolio joins thousands)."""
        return [{
            "goal": s.goal, "name": s.indicator.name, "tier": s.indicator.tier, "direction": s.indicator.direction,
            "target": jsonable(s.indicator.target), "actual": jsonable(s.indicator.actual), "unit": s.indicator.unit,
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
                           "region": p.department.region, **city_block(p.department.city)},
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
                **payment_blocks(self.monthly, self.projects),
            },
            "score": {"execution": float(s.execution), "indicators": float(s.indicators),
                      "total": to_float(s.total), "min": float(s.min), "max": float(s.max),
                      "complete": s.complete, "display": self.score_text(), "trail": s.trail},
            "grade": {"label": g.label, "min_label": g.min_label, "max_label": g.max_label,
                      "possible": list(g.possible)},
            "weights": {"basis": self.weights.basis, "trail": self.weights.trail},
            "indicators": [{
                "goal": x.goal, "name": x.indicator.name, "key": x.indicator.key, "tier": x.indicator.tier,
                "direction": x.indicator.direction, "target": jsonable(x.indicator.target),
                "actual": jsonable(x.indicator.actual), "unit": x.indicator.unit, "level": x.indicator.level,
                "weight": float(x.weight), "coefficient": to_float(x.coefficient), "score": to_float(x.score),
                "rule": x.rule, "trail": x.trail,
                "reported": {"score": to_float(x.indicator.reported.score),
                             "coefficient": to_float(x.indicator.reported.coefficient)},
            } for x in self.indicator_scores],
            "findings": [f.to_dict() for f in self.finding_items],
            "reported": jsonable(reported),
            "review": {**self.review.to_dict(), "reviewed": self.reviewed},
            "result": {"basis": "review" if self.reviewed else "computed", "score": self.result_score_text(),
                       "grade": self.result_grade_text(),
                       "application": self.application.text if self.application else None},
            "bureau": {"name": self.bureau.name, "over_execution": self.bureau.over_execution,
                       "rectification_days": self.bureau.rectification_days} if self.bureau.source else None,
            "rectification": [ledger.to_dict() for ledger in self.ledgers],
            "previous_year": self.previous_year.to_dict() if self.previous_year else None,
            "provenance": self.provenance,
            **({"monitoring": self.monitoring.to_dict()} if self.monitoring else {}),  # only beside a monitoring file
            **self._kind_dict(),
        }

    def _kind_dict(self) -> dict:
        """A project's header and funds, or a department's 项目 section (only when there is one)."""
        p = self.params
        if p.kind == "project" and p.project is not None:
            return {"kind": "project", "project": asdict(p.project), "grade_trail": self.grade.trail,
                    "sources": [jsonable(asdict(s)) for s in p.budget.sources]}
        if not self.project_evaluations:
            return {}
        return {"projects": [project_summary(ev) for ev in self.project_evaluations],
                "projects_coverage": project_checks.coverage(p, len(self.project_evaluations))}


def evaluate_params(params: Params, scheme: Scheme, *, provenance_info: dict | None = None,
                    review_input: ReviewInput | None = None, previous: YearFigures | None = None,
                    files: dict[str, str | None] | None = None, monitoring: Monitoring | None = None,
                    bureau: Bureau | None = None, ledgers: tuple[Ledger, ...] = (),
                    as_of: date | None = None) -> Evaluation:
    """The pure core: no file is opened. Score ``params`` under ``scheme`` (review it with the
    reviewer's decisions, when there are any, compare it with ``previous``, last year's figures, and
    with ``monitoring``, the mid-year figures). ``params`` must be complete (a partial model is checked
    with :func:`check_params`). ``bureau`` sets the over-execution rule and severities; ``ledgers`` are
    checked ``as_of`` a day (default: the review's date, else today)."""
    if params.unknown:
        raise ValueError(f"cannot evaluate a partial model (unknown: {', '.join(params.unknown)}); use check_params")
    bureau = bureau or NO_BUREAU
    lights = assess_monitoring(monitoring, scheme) if monitoring is not None else None
    ctx = context_of(params, scheme, bureau, monitoring=lights)
    findings, _ = check_context(ctx)
    ev = Evaluation(params=params, scheme=scheme, budget=ctx.budget, weights=ctx.plan, indicator_scores=ctx.scores,
                    score=ctx.summary, grade=ctx.grade,
                    finding_items=_with_bureau(findings, params, ctx.scores, review_input, bureau, ledgers, as_of),
                    provenance=provenance_info or {}, monthly=ctx.monthly, projects=ctx.projects,
                    review_input=review_input, files=files or {}, monitoring=lights, bureau=bureau, ledgers=ledgers)
    if previous is None:
        return ev
    return dataclasses.replace(ev, previous_year=compare(previous, YearFigures.of(ev)))


def _with_bureau(found: tuple[Finding, ...], params: Params, scores, review_input: ReviewInput | None,
                 bureau: Bureau, ledgers: tuple[Ledger, ...], as_of: date | None) -> tuple[Finding, ...]:
    """The checks' findings plus every reviewer's decision and what the 整改 ledgers show, with the
    bureau's severities; errors first. Nothing changes when there is no review, ledger or bureau."""
    if review_input is None and not ledgers and not bureau.severity:
        return found
    items = [*found, *decision_findings(review_input, scores)]
    if ledgers:
        names = {s.indicator.name for s in scores
                 if review_input and s.indicator.key in {d.key for d in review_input.decisions}}
        day = as_of or (review_input.date if review_input and review_input.date else date.today())
        items += ledger_findings(ledgers, params.department.year, items, names, day)
    items = [dataclasses.replace(f, severity=bureau.severity[f.id]) if f.id in bureau.severity else f for f in items]
    return tuple(sorted(items, key=lambda f: SEVERITIES.index(f.severity)))


#: The environment variable ``evalkit run --bureau`` sets so every worker and kernel reads the same file.
BUREAU_ENV = "EVALKIT_BUREAU"


def context_of(params: Params, scheme: Scheme, bureau: Bureau | None = None, *,
               monitoring: MonitoringResult | None = None) -> Context:
    """Everything the checks look at that ``params`` allows: no budget figures without the budget's
    totals, no scores without goals, no total or grade without both (``bureau``: its over-execution rule;
    ``monitoring``: the mid-year lights, when there are any)."""
    budget = (None if any(params.unknown_why(k) for k in BUDGET)
              else compute_budget(params.budget, scheme, bureau))
    plan = scores = summary = graded = None
    if not params.unknown_why("goals"):
        plan, scores = score_indicators(params, scheme)
        refuse_excess_weights(params, plan, scheme)
    if budget is not None and scores is not None:
        summary = summarise(budget.execution_score, scores)
        graded = grade(summary, scheme)
    monthly, projects = (monthly_profile(params.budget), project_profile(params.budget)) if budget else (None, None)
    return Context(params=params, scheme=scheme, budget=budget, plan=plan, scores=scores, summary=summary, grade=graded,
                   monthly=monthly, projects=projects, monitoring=monitoring)


def check_params(params: Params, scheme: Scheme) -> tuple[tuple[Finding, ...], tuple[Skipped, ...]]:
    """The findings of every check ``params`` (complete or partial) allows, and the checks it skips."""
    return check_context(context_of(params, scheme))


def companion_file(path: Path, params: Params, what: str) -> bool:
    """Whether a file that joins a params file from beside it (its review, last year's params or
    result) is there. Such a file is confined like a side table: a link out of the params folder, a
    link back to this year's params file, a folder, device or FIFO under its name is refused with a
    located ``ParamsError``, never read."""
    if not os.path.lexists(path):  # nothing there, not even a broken link
        return False
    shown = str(path)
    try:
        inside(path.parent, path.name)
    except ValueError as exc:
        raise ParamsError([Problem(shown, "", None, f"cannot read {what}: {exc}; expected a file in the "
                                                    "params file's folder")]) from None
    if not path.is_file():
        raise ParamsError([Problem(shown, "", None, f"cannot read {what}: {_not_a_file(path)}; expected a "
                                                    "regular file")])
    if path.resolve() == Path(params.source).resolve():
        raise ParamsError([Problem(shown, "", None, f"cannot read {what}: it is this year's params file "
                                                    f"{display_path(params.source)} under another name")])
    return True


def _not_a_file(path: Path) -> str:
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return "it does not exist (a broken link?)"
    return ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")


def check_previous_params(before: Params, path: Path, params: Params) -> None:
    """Last year's params must be this department's, of the year before: a file named
    ``<id>-<year-1>.yaml`` that says otherwise is refused, located at the key it got wrong."""
    d, p = params.department, before.department
    problems = []
    if p.id != d.id:
        problems.append(Problem(str(path), "department.id", before.lines.get("department.id"),
                                f"expected this department's id '{d.id}', got '{p.id}': last year's file of "
                                "another department"))
    if p.year != d.year - 1:
        problems.append(Problem(str(path), "department.year", before.lines.get("department.year"),
                                f"expected {d.year - 1} (the year before {d.year}), got {p.year}"))
    if problems:
        raise ParamsError(problems)


def evaluate(source: str | Path | Params | dict, scheme: str | Path | Scheme | None = None, *,
             history: bool = True, bureau: str | Path | Bureau | None = None) -> Evaluation:
    """Evaluate a params file (or ``Params``, or a params mapping) under its scheme or ``scheme``.

    Files beside a params file join in when they exist: the reviewer's ``<stem>.review.yaml``, the
    mid-year ``<stem>.monitoring.yaml``, the bureau's ``bureau.yaml`` (``bureau`` or ``$EVALKIT_BUREAU``
    names another, or a preset id), the 整改 ledgers ``<stem>.rectification.yaml`` and last year's, and
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
        if companion_file(review, params, "the review (复核) file"):
            decisions, files[str(review)] = load_review(review, params)
    monitoring = _monitoring_beside(params, files) if base is not None else None
    office, ledgers = _bureau_of(params, bureau, files), _ledgers_of(params, files, history)
    if office.source is not None and (misspelt := check_grades(office, chosen)):
        raise ParamsError(misspelt)
    last = None
    if base is not None and history and params.kind == "department":  # a project has no year-on-year file of its own
        d = params.department
        candidates = previous_year_candidates(params.source, d.id, d.year)
        files.update((str(c), None) for c in candidates)
        last = next((c for c in candidates if companion_file(c, params, "last year's file")), None)
    if last is not None and last.name.endswith(RESULT_SUFFIX):
        previous, files[str(last)] = load_previous_result(last, params.department.id, params.department.year)
    elif last is not None:
        before = evaluate(last, scheme, history=False)
        check_previous_params(before.params, last, params)
        previous = YearFigures.of(before)
        files.update(before.files)
    projects, rolled = (), []
    if base is not None and params.kind == "department":
        projects, rolled = _department_projects(params, chosen if scheme else None, files)
    info = provenance.describe({display_path(path): digest for path, digest in files.items() if digest})
    info["scheme"] = {"id": chosen.id, "source": chosen.source if shipped else display_path(chosen.source),
                      "sha256": chosen.sha256}
    ev = evaluate_params(params, chosen, provenance_info=info, review_input=decisions, previous=previous,
                         files=files, monitoring=monitoring, bureau=office, ledgers=ledgers)
    return _with_projects(ev, projects, rolled) if projects or rolled else ev


def _monitoring_beside(params: Params, files: dict[str, str | None]) -> Monitoring | None:
    """The ``<stem>.monitoring.yaml`` beside a params file, when there is one (recorded in ``files``
    either way, so a monitoring file that appears or changes re-runs the department)."""
    path = monitoring_path(params.source)
    files[str(path)] = None
    if not companion_file(path, params, "the monitoring file"):
        return None
    found = load_monitoring(path, params)
    files[str(path)] = found.sha256
    return found


def _bureau_of(params: Params, bureau, files: dict) -> Bureau:
    """The bureau file named (argument, then ``$EVALKIT_BUREAU``), else the one beside the params."""
    if isinstance(bureau, Bureau):
        return bureau
    ref = bureau or os.environ.get(BUREAU_ENV) or None
    if ref is None and params.source != "<memory>":
        beside = [Path(params.source).parent / name for name in BUREAU_FILE_NAMES]
        for path in beside:
            files.setdefault(str(path), None)
        found = [path for path in beside if companion_file(path, params, "the bureau file")]
        if len(found) > 1:
            raise ParamsError([Problem(str(found[1]), "", None, f"a second bureau file beside {found[0].name}; "
                                                                 "keep one bureau file in the params folder")])
        ref = found[0] if found else None
    if ref is None:
        return NO_BUREAU
    found = load_bureau(ref)
    files[found.source] = found.sha256
    return found


def _ledgers_of(params: Params, files: dict, history: bool) -> tuple[Ledger, ...]:
    """Last year's 整改 ledger (when ``history``) and this year's, those that exist (a department's:
    a project table has none of its own, and its department's ledger is the department's)."""
    if params.source == "<memory>" or params.kind == "project":
        return ()
    d = params.department
    ledgers = []
    for year in ((d.year - 1, d.year) if history else (d.year,)):
        path = rectification_path(params.source, d.id, year)
        files[str(path)] = None
        if companion_file(path, params, "the 整改 ledger"):
            ledger = load_ledger(path, year, indicators=_indicator_names(params) if year == d.year else None)
            files[str(path)] = ledger.sha256
            ledgers.append(ledger)
    return tuple(ledgers)


def _indicator_names(params: Params) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ind.name for g in params.goals for ind in g.indicators))


def _department_projects(params: Params, scheme: Scheme | None, files: dict) -> tuple[tuple, list]:
    """Evaluate the department's project files (each under its own scheme unless ``scheme`` overrides)
    and record them among the files read; returns the evaluations and the unreadable files' findings."""
    from .project_files import department_projects

    d = params.department
    found, bad = department_projects(params.source, d.id, d.year)
    evaluations = []
    for project in found:
        ev = evaluate(project, scheme, history=False)
        files.update(ev.files)
        evaluations.append(ev)
    rolled = [project_checks.project_finding("project.unreadable", {"file": Path(path).name, "problem": text},
                                             None, file=Path(path).name) for path, text in bad]
    for path, text in bad:  # read, and a change to it reruns the department
        files[str(path)] = _unread_digest(Path(path), text)
    return tuple(evaluations), rolled


def _unread_digest(path: Path, why: str) -> str:
    """What a stamp records of a project file that could not be used: the sha256 of its first bytes
    (never more than a YAML file may hold), or of the reason when it is not a file to read (a FIFO,
    a folder, a link out), so the department re-runs once it changes."""
    try:
        inside(path.parent, path.name)
        return hashlib.sha256(read_head(path)).hexdigest()
    except (OSError, ValueError):
        return hashlib.sha256(f"not read: {why}".encode()).hexdigest()


def _with_projects(ev: Evaluation, projects: tuple, extra: list) -> Evaluation:
    """``ev`` with its project tables and the roll-up's findings among its own."""
    found = list(extra)
    found += project_checks.rollup_findings(ev.params, ev.budget.execution_rate,
                                            [(p.params, p) for p in projects])
    for p in projects:
        found += project_checks.project_grade_findings(p.params.project.name, p.score.total, p.grade.label,
                                                       p.params.reported.grade, p.scheme)
    items = tuple(sorted((*ev.finding_items, *found), key=lambda f: SEVERITIES.index(f.severity)))
    return dataclasses.replace(ev, finding_items=items, project_evaluations=projects)


def project_summary(ev: Evaluation) -> dict:
    """One line of a department's 项目 section: name, code, score, grade, execution, findings."""
    p = ev.params
    return {"name": p.project.name, "code": p.project.code, "source": display_path(p.source),
            "folder": project_folder_name(p), "adjusted": float(p.budget.adjusted),
            "executed": float(p.budget.executed), "execution_rate": to_float(ev.budget.execution_rate),
            "execution_rate_display": fmt_pct(ev.budget.execution_rate), "score": to_float(ev.score.total),
            "score_display": ev.score_text(), "grade": ev.grade_text(), "reported_grade": p.reported.grade,
            "findings": [f.to_dict() for f in ev.finding_items], "counts": ev.severity_counts()}


def project_folder_name(params: Params) -> str:
    """The folder of a project's outputs inside its department's: its code, else its name, made safe."""
    import re

    raw = params.project.code or params.project.name
    name = re.sub(r"[\\/:*?\"<>|\s]+", "_", raw).strip("._") or "project"
    if len(name.encode("utf-8")) > 100:  # a folder name is at most 255 bytes: keep a short, distinct one
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
        while len(name.encode("utf-8")) > 90:
            name = name[:-1]
        name = f"{name}_{digest}"
    return name
