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

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import ParamsError, Problem
from ..paths import read_head
from .scoring import grade_range_text

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
        return cls(ev.department.year, _float(b.execution_rate), _float(b.adjustment_rate), float(s.min), float(s.max),
                   s.complete, ev.grade.text, frozenset((f.id, f.subject) for f in ev.finding_items), ev.params.source)

    @classmethod
    def from_result(cls, doc: dict, source: str) -> YearFigures:
        """The figures of an ``evalkit-result/v1`` document; ``ParamsError`` when it is not one."""
        try:
            if doc["schema"] != "evalkit-result/v1":
                raise KeyError("schema")
            b, s, g = doc["budget"], doc["score"], doc["grade"]
            return cls(int(doc["department"]["year"]), b["execution_rate"], b["adjustment_rate"], float(s["min"]),
                       float(s["max"]), bool(s["complete"]),
                       g["label"] or grade_range_text(g["min_label"], g["max_label"]),
                       frozenset((f["id"], f.get("subject")) for f in doc["findings"]), source)
        except (KeyError, TypeError, ValueError) as exc:
            raise ParamsError([Problem(source, "", None, f"not an evalkit-result/v1 document (missing or bad {exc}); "
                                                         "expected last year's result.json")]) from None


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


def previous_year_file(params_path: str | Path, department_id: str, year: int) -> Path | None:
    """Last year's params (``<id>-<year-1>.yaml``/``.yml``) or result (``<id>-<year-1>.result.json``)
    beside ``params_path``, if there is one."""
    return next((c for c in previous_year_candidates(params_path, department_id, year) if c.is_file()), None)


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
        raw = read_head(path, 20_000_000)  # without blocking, and never more than the limit
    except (OSError, ValueError) as exc:
        raise ParamsError([Problem(shown, "", None, f"cannot read: {getattr(exc, 'strerror', None) or exc}")]) from None
    if len(raw) > 20_000_000:
        raise ParamsError([Problem(shown, "", None, "larger than 20 MB; expected a result.json")])
    try:
        doc = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ParamsError([Problem(shown, "", None, "nested too deeply to be a result.json; expected "
                                                    "last year's result.json")]) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParamsError([Problem(shown, "", None, f"not readable JSON ({type(exc).__name__}); "
                                                    "expected last year's result.json")]) from None
    if not isinstance(doc, dict):
        raise ParamsError([Problem(shown, "", None, "expected last year's result.json (a JSON object)")])
    problems = check_previous_result(doc, shown, department_id, year)
    if problems:
        raise ParamsError(problems)
    return YearFigures.from_result(doc, shown), hashlib.sha256(raw).hexdigest()


def check_previous_result(doc: dict, shown: str, department_id: str | None = None,
                          year: int | None = None) -> list[Problem]:
    """What is wrong with ``doc`` as last year's ``evalkit-result/v1`` document, each problem at its key.

    >>> check_previous_result({"schema": "evalkit-result/v1"}, "x.result.json")[0].message[:57]
    'not an evalkit-result/v1 document (missing or bad departm'
    """
    shape = {"department": dict, "budget": dict, "score": dict, "grade": dict, "findings": list}
    wrong = [k for k, kind in shape.items() if not isinstance(doc.get(k), kind)]
    if doc.get("schema") != "evalkit-result/v1" or wrong:
        what = (f"schema {_kind(doc.get('schema'))}" if doc.get("schema") != "evalkit-result/v1"
                else f"missing or bad {', '.join(wrong)}")
        return [Problem(shown, "", None, f"not an evalkit-result/v1 document ({what}); expected last year's "
                                         "result.json")]
    problems: list[Problem] = []

    def fail(key: str, message: str) -> None:
        problems.append(Problem(shown, key, None, message))

    d, b, s, g = doc["department"], doc["budget"], doc["score"], doc["grade"]
    if department_id is not None and d.get("id") != department_id:
        fail("department.id", f"expected this department's id '{department_id}', got {_kind(d.get('id'))}: "
                              "last year's file of another department")
    y = d.get("year")
    if not (isinstance(y, int) and not isinstance(y, bool)):
        fail("department.year", f"expected a year, got {_kind(y)}")
    elif year is not None and y != year - 1:
        fail("department.year", f"expected {year - 1} (the year before {year}), got {y}")
    for key, low, high in (("execution_rate", 0, 1000), ("adjustment_rate", -1, 1_000_000)):
        if key not in b:
            fail(f"budget.{key}", "missing; expected a rate or null")
        elif b[key] is not None:
            _number(fail, f"budget.{key}", b[key], low, high)
    low = _number(fail, "score.min", s.get("min"), 0, 100)
    high = _number(fail, "score.max", s.get("max"), 0, 100)
    if low is not None and high is not None and low > high:
        fail("score", f"score.min {low} is above score.max {high}")
    if not isinstance(s.get("complete"), bool):
        fail("score.complete", f"expected true or false, got {_kind(s.get('complete'))}")
    for key in ("label", "min_label", "max_label"):
        if g.get(key) is not None and not (isinstance(g[key], str) and 0 < len(g[key]) <= 20):
            fail(f"grade.{key}", f"expected a grade label, got {_kind(g[key])}")
    if g.get("label") is None and not (isinstance(g.get("min_label"), str) and isinstance(g.get("max_label"), str)):
        fail("grade", "expected a label, or min_label and max_label")
    for i, f in enumerate(doc["findings"]):
        if not (isinstance(f, dict) and isinstance(f.get("id"), str)
                and (f.get("subject") is None or isinstance(f.get("subject"), str))):
            fail(f"findings[{i}]", "expected a finding with a text id (and a text subject or none)")
            break
    return problems


def _number(fail, key: str, value, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(key, f"expected a number, got {_kind(value)}")
        return None
    if not (math.isfinite(value) and low <= value <= high):
        fail(key, f"expected a number between {low} and {high}, got {value}")
        return None
    return float(value)


def _kind(value) -> str:
    """What a JSON value is, for an error message (never the whole of it)."""
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "nothing"
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _float(value) -> float | None:
    return None if value is None else float(value)


def _change(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 10)


def _order(item: tuple[str, str | None]) -> tuple[str, str]:
    return item[0], item[1] or ""
