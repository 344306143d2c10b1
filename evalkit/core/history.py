"""Last year beside this year: the first thing a reviewer asks.

The previous year of a department is found beside its params file, by the naming convention of
params files (``<department-id>-<year>.yaml``): ``<id>-<year-1>.yaml`` (or ``.yml``) — last year's
params, evaluated — or ``<id>-<year-1>.result.json`` — last year's published ``evalkit-result/v1``
document. Either way it is reduced to the same :class:`YearFigures`, and :func:`compare` says how
execution, adjustment, score and grade moved and which findings are new, recurring or resolved.

A finding is the same finding in both years when its id and its subject (the params key it is
about) are the same.

>>> a = YearFigures(2022, 0.95, 0.05, 80.0, 80.0, True, "良", frozenset({("budget.low_execution", "budget.executed")}), "x")
>>> b = YearFigures(2023, 0.99, 0.02, 91.5, 91.5, True, "优", frozenset(), "y")
>>> c = compare(a, b)
>>> c.execution_change, [f[0] for f in c.resolved]
(0.04, ['budget.low_execution'])
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import ParamsError, Problem
from .numbers import to_float
from .result import Result, _kind, load_result

RESULT_SUFFIX = ".result.json"


@dataclass(frozen=True)
class YearFigures:
    """What a year's comparison needs of one department-year."""

    year: int
    execution_rate: float | None
    adjustment_rate: float | None
    score_min: float
    score_max: float
    complete: bool
    grade: str  # the label, or ``较差 ~ 优秀`` when the score is an interval
    findings: frozenset[tuple[str, str | None]]  # (finding id, subject)
    source: str

    @classmethod
    def of(cls, ev) -> YearFigures:
        """The figures of an ``Evaluation``."""
        b, s = ev.budget, ev.score
        return cls(ev.department.year, to_float(b.execution_rate), to_float(b.adjustment_rate), float(s.min),
                   float(s.max), s.complete, ev.grade.text, frozenset((f.id, f.subject) for f in ev.finding_items),
                   ev.params.source)

    @classmethod
    def from_result(cls, r: Result) -> YearFigures:
        """The figures of a department-year's ``result.json`` (:mod:`.result`)."""
        return cls(r.year, r.execution_rate, r.adjustment_rate, r.score.min, r.score.max, r.score.complete,
                   r.grade.text, r.finding_keys, r.source)


@dataclass(frozen=True)
class YearComparison:
    previous: YearFigures
    current: YearFigures
    new: tuple[tuple[str, str | None], ...]
    recurring: tuple[tuple[str, str | None], ...]
    resolved: tuple[tuple[str, str | None], ...]

    @property
    def execution_change(self) -> float | None:
        return _change(self.previous.execution_rate, self.current.execution_rate)

    @property
    def adjustment_change(self) -> float | None:
        return _change(self.previous.adjustment_rate, self.current.adjustment_rate)

    @property
    def score_change(self) -> float | None:
        """Only when both years' scores are complete (an interval has no single change)."""
        if not (self.previous.complete and self.current.complete):
            return None
        return _change(self.previous.score_min, self.current.score_min)

    def to_dict(self) -> dict:
        """The ``previous_year`` block of ``evalkit-result/v1``."""
        p = self.previous
        return {"year": p.year, "execution_rate": p.execution_rate, "adjustment_rate": p.adjustment_rate,
                "score": {"min": p.score_min, "max": p.score_max, "complete": p.complete}, "grade": p.grade,
                "execution_change": self.execution_change, "adjustment_change": self.adjustment_change,
                "score_change": self.score_change,
                "findings": {kind: [{"id": i, "subject": s} for i, s in getattr(self, kind)]
                             for kind in ("new", "recurring", "resolved")}}


def compare(previous: YearFigures, current: YearFigures) -> YearComparison:
    """How a department moved from ``previous`` to ``current``."""
    return YearComparison(previous, current, tuple(sorted(current.findings - previous.findings, key=_order)),
                          tuple(sorted(current.findings & previous.findings, key=_order)),
                          tuple(sorted(previous.findings - current.findings, key=_order)))


def previous_year_candidates(params_path: str | Path, department_id: str, year: int) -> list[Path]:
    """Where last year's file may be, in the order they are looked for."""
    folder = Path(params_path).parent
    return [folder / f"{department_id}-{year - 1}{suffix}" for suffix in (".yaml", ".yml", RESULT_SUFFIX)]


def load_previous_result(path: Path, department_id: str | None = None,
                         year: int | None = None) -> tuple[YearFigures, str]:
    """Last year's ``result.json`` as figures, with its sha256. Checked like a params file: the
    department and year it names (``department_id`` and ``year`` − 1 when given), its numbers finite
    and in range, its shape; every problem located (``ParamsError``), never a ``TypeError``."""
    shown = str(path)
    try:
        result, digest = load_result(path, shown=shown)
    except ParamsError as exc:
        raise ParamsError([_last_year(p) for p in exc.problems]) from None
    except OSError as exc:
        raise ParamsError([Problem(shown, "", None, f"cannot read: {exc.strerror or exc}")]) from None
    problems = []
    if department_id is not None and result.department_id != department_id:
        problems.append(Problem(shown, "department.id", None,
                                f"expected this department's id '{department_id}', got "
                                f"{_kind(result.doc['department'].get('id'))}: last year's file of another department"))
    if year is not None and result.year != year - 1:
        problems.append(Problem(shown, "department.year", None,
                                f"expected {year - 1} (the year before {year}), got {result.year}"))
    if problems:
        raise ParamsError(problems)
    return YearFigures.from_result(result), digest


def _last_year(problem: Problem) -> Problem:
    """A problem of a result.json, said of last year's."""
    return dataclasses.replace(problem, message=problem.message.replace("expected a result.json",
                                                                        "expected last year's result.json"))


def _change(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 10)


def _order(item: tuple[str, str | None]) -> tuple[str, str]:
    return item[0], item[1] or ""
