"""What a portfolio keeps of one department: its row of ``departments``, its findings, indicators,
projects and months, and what the cross-department checks compare. Made from an ``Evaluation``, or
from a current ``result.json`` (:mod:`evalkit.core.result`) without evaluating the department again:
both give the same record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

from ..core.evaluation import Evaluation
from ..core.model import Department
from ..core.numbers import exact
from ..core.result import Result
from ..core.sample import is_sample_region
from ..core.scheme import load_scheme, shipped_schemes
from .cross_checks import indicator_signature

NAN = float("nan")


@dataclass(frozen=True)
class Record:
    """One department as the portfolio's tables and cross-department checks see it."""

    department: Department
    row: dict  # its row of ``Portfolio.departments`` (without ``portfolio_findings``)
    findings: tuple[dict, ...]  # ``Finding.to_dict()`` of each of its findings
    indicators: tuple[dict, ...]  # the rows of ``Evaluation.indicators``
    projects: tuple[dict, ...]  # its project table's rows
    monthly: tuple[dict, ...]  # its payments month by month
    coefficients: tuple  # each indicator's coefficient when scored, else None
    signatures: tuple[tuple, ...]  # each indicator's :func:`indicator_signature`
    grades: tuple[str, ...]  # its scheme's grade labels, best first

    @classmethod
    def of_evaluation(cls, ev: Evaluation) -> Record:
        p, b, s, g = ev.params, ev.budget, ev.score, ev.grade
        monthly, projects = ev.monthly, ev.projects
        counts = ev.severity_counts()
        reported = p.reported.score
        row = {
            "id": p.department.id, "name": p.department.name, "year": p.department.year,
            "city": p.department.city, "region": p.department.region, "sample": is_sample_region(p.department.region),
            "scheme": ev.scheme.id, "unit": p.unit, "initial": float(b.initial), "adjusted": float(b.adjusted),
            "executed": float(b.executed), "execution_rate": _number(b.execution_rate),
            "adjustment_rate": _number(b.adjustment_rate),
            "december_share": _number(monthly.december_share) if monthly else NAN,
            "q4_share": _number(monthly.q4_share) if monthly else NAN,
            "projects": projects.count if projects else 0,
            "indicators": len(ev.indicator_scores), "unscored": sum(1 for x in ev.indicator_scores if not x.scored),
            "score_min": float(s.min), "score_max": float(s.max), "score": _number(s.total),
            "complete": s.complete, "grade": g.label, "grade_min": g.min_label, "grade_max": g.max_label,
            "reported_score": _number(reported), "reported_grade": p.reported.grade,
            "inflation": NAN if reported is None else float(exact(reported) - s.max),  # max = min when complete
            "errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"],
            "source": p.source,
        }
        return cls(p.department, row, tuple(f.to_dict() for f in ev.finding_items), tuple(ev.indicator_rows()),
                   projects.rows if projects else (), monthly.rows if monthly else (),
                   tuple(x.coefficient if x.scored else None for x in ev.indicator_scores),
                   tuple(indicator_signature(i.name, i.direction, i.target, i.unit) for i in p.indicators),
                   tuple(x.label for x in ev.scheme.grades))

    @classmethod
    def of_result(cls, r: Result, source: str | Path) -> Record | None:
        """The record a current ``result.json`` gives; None when it cannot give all of it (a scheme of
        the department's own, which only evaluating reads): then the department is evaluated."""
        doc = r.doc
        scheme = (doc.get("provenance") or {}).get("scheme") or {}
        if r.scheme_id not in shipped_schemes() or not str(scheme.get("source", "")).startswith("evalkit/"):
            return None
        d, b, s, g = doc["department"], doc["budget"], doc["score"], doc["grade"]
        monthly, projects, reported = b.get("monthly"), b.get("projects"), doc["reported"]
        indicators = tuple(_indicator_row(x) for x in doc["indicators"])
        counts = r.counts
        rep = reported.get("score")
        department = Department(r.department_id, r.name, r.year, r.region, d.get("city"))
        row = {
            "id": r.department_id, "name": r.name, "year": r.year, "city": d.get("city"), "region": r.region,
            "sample": is_sample_region(r.region), "scheme": r.scheme_id, "unit": doc["unit"],
            "initial": float(b["initial"]), "adjusted": float(b["adjusted"]), "executed": float(b["executed"]),
            "execution_rate": _number(r.execution_rate), "adjustment_rate": _number(r.adjustment_rate),
            "december_share": _number(monthly["december_share"]) if monthly else NAN,
            "q4_share": _number(monthly["q4_share"]) if monthly else NAN,
            "projects": int(projects["count"]) if projects else 0,
            "indicators": len(indicators), "unscored": sum(1 for x in indicators if not x["scored"]),
            "score_min": r.score.min, "score_max": r.score.max, "score": _number(s.get("total")),
            "complete": r.score.complete, "grade": g.get("label"), "grade_min": g.get("min_label"),
            "grade_max": g.get("max_label"), "reported_score": _number(rep), "reported_grade": reported.get("grade"),
            "inflation": NAN if rep is None else float(exact(rep) - Fraction(r.score.max)),
            "errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"],
            "source": str(source),
        }
        return cls(department, row, r.findings, indicators, tuple((projects or {}).get("rows") or ()),
                   tuple((monthly or {}).get("rows") or ()),
                   tuple(x["coefficient"] if x["scored"] else None for x in indicators),
                   tuple(indicator_signature(x["name"], x["direction"], x["target"], x["unit"]) for x in indicators),
                   _grades(r.scheme_id))


def records_of(evaluations: Mapping[str, Evaluation]) -> dict[str, Record]:
    return {dept: Record.of_evaluation(ev) for dept, ev in evaluations.items()}


def _indicator_row(x: dict) -> dict:
    scored = x["score"] is not None
    return {"goal": x["goal"], "name": x["name"], "tier": x["tier"], "direction": x["direction"],
            "target": x["target"], "actual": x["actual"], "unit": x["unit"], "weight": x["weight"],
            "coefficient": x["coefficient"], "score": x["score"],
            "max_loss": _difference(x["weight"], x["score"]) if scored else None, "scored": scored,
            "rule": x["rule"], "trail": x["trail"]}


def _difference(weight, score) -> float:
    """``weight − score`` computed exactly, then as the float nearest to it (``math.fsum`` rounds the
    exact sum of two floats once, as ``float(Fraction(weight) - Fraction(score))`` does)."""
    if type(weight) is float and type(score) is float and math.isfinite(weight) and math.isfinite(score):
        return math.fsum((weight, -score)) + 0.0  # + 0.0: a zero difference is 0.0, as the Fraction's
    return float(Fraction(weight) - Fraction(score))


@cache
def _grades(scheme_id: str) -> tuple[str, ...]:
    return tuple(g.label for g in load_scheme(scheme_id).grades)


def _number(value) -> float:
    return NAN if value is None else float(value)
