"""``result.json`` (schema ``evalkit-result/v1``): the one module that writes it and reads it back.

The document is :meth:`Evaluation.to_dict <evalkit.core.evaluation.Evaluation.to_dict>`;
:func:`result_bytes` is how every part of evalkit writes it, and :func:`load_result` (or
:func:`result_document` then :func:`parse_result`) is how every part reads it: last year's figures
(:mod:`.history`), the index page, ``Portfolio.load`` and the run. A document that is not of the shape
evalkit writes is a ``ParamsError`` with each problem at its key, never a ``KeyError`` later.

>>> doc = {"schema": "evalkit-result/v1", "department": {"id": "x", "name": "某局", "year": 2023},
...        "scheme": {"id": "mof-2020", "title": "t"}, "unit": "万元",
...        "budget": {"initial": 1, "adjusted": 1, "executed": 1, "execution_rate": 1.0, "adjustment_rate": 0.0},
...        "score": {"min": 90.0, "max": 90.0, "total": 90.0, "complete": True},
...        "grade": {"label": "优", "min_label": "优", "max_label": "优"}, "findings": []}
>>> r = parse_result(doc, "x.result.json")
>>> r.score.text, r.grade.text, r.counts
('90.00', '优', {'error': 0, 'warning': 0, 'info': 0})
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import ParamsError, Problem
from ..paths import read_head
from .findings import SEVERITIES
from .lights import LIGHT_WORDS
from .numbers import fmt, to_float
from .scoring import grade_range_text
from .validation import MAX_NAME  # a scheme's grade label is a name: as long as names may be

SCHEMA = "evalkit-result/v1"
#: Largest ``result.json`` read, in bytes.
MAX_BYTES = 20_000_000


def result_bytes(ev) -> bytes:
    """The ``result.json`` of an ``Evaluation``, as every part of evalkit writes it."""
    return result_text(ev.to_dict()).encode("utf-8")


def result_text(doc: dict) -> str:
    """An ``evalkit-result/v1`` document as JSON text (UTF-8 characters kept, two-space indent)."""
    return json.dumps(doc, ensure_ascii=False, indent=2)


def city_block(city: str | None) -> dict:
    """The department's ``city`` (市), only when it has one: documents without one keep their bytes."""
    return {"city": city} if city else {}


def payment_blocks(monthly, projects) -> dict:
    """The ``budget`` keys ``monthly`` (year-end shares and the months) and ``projects`` (the project
    table's rows), only where the department has them: what ``Portfolio.load`` reads back."""
    out = {}
    if monthly is not None:
        out["monthly"] = {"december_share": to_float(monthly.december_share), "q4_share": to_float(monthly.q4_share),
                          "rows": list(monthly.rows)}
    if projects is not None:
        out["projects"] = {"count": projects.count, "rows": list(projects.rows)}
    return out


@dataclass(frozen=True)
class Score:
    """A score or its interval: ``min == max`` when ``complete``."""

    min: float
    max: float
    complete: bool
    display: str | None = None  # the text the document gives, rounded from the exact score

    @property
    def text(self) -> str:
        if self.display is not None:
            return self.display
        return fmt(self.min) if self.complete else f"[{fmt(self.min)}, {fmt(self.max)}]"


@dataclass(frozen=True)
class Grade:
    """A grade label, or the labels at both ends of an interval."""

    label: str | None
    min_label: str | None
    max_label: str | None

    @property
    def text(self) -> str:
        return self.label or grade_range_text(self.min_label, self.max_label)


@dataclass(frozen=True)
class Summary:
    """A department's result in one line, as a run reports it and its stamp keeps it: name, the score
    that counts (the 复核得分 with the computed score beside it once reviewed), grade, finding counts."""

    name: str
    score: str
    grade: str
    findings: dict[str, int]

    @classmethod
    def of(cls, ev) -> Summary:
        """The summary of an ``Evaluation``."""
        score = ev.score_text()
        if ev.reviewed:
            score = f"{ev.result_score_text()}（复核；计算{score}）"
        return cls(ev.department.name, score, ev.result_grade_text(), ev.severity_counts())

    @classmethod
    def from_dict(cls, data: dict) -> Summary:
        """A summary as a stamp recorded it (``ValueError`` when it is not one)."""
        if not isinstance(data, dict) or not isinstance(data.get("findings") or {}, dict):
            raise ValueError("not a summary")
        return cls(str(data.get("name")), data.get("score"), data.get("grade"), dict(data.get("findings") or {}))

    def to_dict(self) -> dict:
        return {"name": self.name, "score": self.score, "grade": self.grade, "findings": self.findings}


@dataclass(frozen=True)
class Result:
    """What evalkit reads back of a department-year's ``result.json``; ``doc`` is the whole document."""

    source: str
    department_id: str
    name: str
    year: int
    region: str | None
    scheme_id: str
    scheme_title: str
    unit: str
    execution_rate: float | None
    adjustment_rate: float | None
    score: Score
    grade: Grade
    findings: tuple[dict, ...]
    reported_score: float | None
    reviewed: bool = False
    review_score: Score | None = None
    review_grade: Grade | None = None
    application: str | None = None
    light: str | None = None
    doc: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """Findings by severity."""
        return {s: sum(1 for f in self.findings if f["severity"] == s) for s in SEVERITIES}

    @property
    def finding_keys(self) -> frozenset[tuple[str, str | None]]:
        """``(id, subject)`` of every finding: a finding's identity across years."""
        return frozenset((f["id"], f.get("subject")) for f in self.findings)

    @property
    def result_score(self) -> Score:
        """The score that counts: the 复核得分 once reviewed."""
        return self.review_score if self.reviewed else self.score

    @property
    def result_grade(self) -> Grade:
        return self.review_grade if self.reviewed else self.grade

    @property
    def summary(self) -> Summary:
        """The run's one line of this result (:class:`Summary`)."""
        score = self.result_score.text
        if self.reviewed:
            score = f"{score}（复核；计算{self.score.text}）"
        return Summary(self.name, score, self.result_grade.text, self.counts)

    @property
    def projects(self) -> list[dict]:
        """The department's project tables as the result lists them (each with name, folder, score, grade)."""
        return [p for p in self.doc.get("projects") or () if isinstance(p, dict) and "folder" in p]


def load_result(path: str | Path, *, shown: str | None = None) -> tuple[Result, str]:
    """A ``result.json`` read and checked, with its sha256; ``ParamsError`` naming the file otherwise
    (an ``OSError`` reading it goes through)."""
    shown = shown or str(path)
    try:
        raw = read_head(path, MAX_BYTES)  # without blocking, and never more than the limit
    except ValueError as exc:  # a FIFO, a device, a folder
        raise ParamsError([Problem(shown, "", None, f"cannot read: {exc}; expected a result.json")]) from None
    return parse_result(result_document(raw, shown), shown), hashlib.sha256(raw).hexdigest()


def result_document(raw: bytes, shown: str):
    """The JSON value in ``raw``; ``ParamsError`` when it is too large or not JSON (its shape is
    :func:`parse_result`'s business)."""
    if len(raw) > MAX_BYTES:
        raise ParamsError([Problem(shown, "", None, "larger than 20 MB; expected a result.json")])
    try:
        doc = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ParamsError([Problem(shown, "", None, "nested too deeply to be a result.json")]) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParamsError([Problem(shown, "", None, f"not readable JSON ({type(exc).__name__}); "
                                                    "expected a result.json")]) from None
    return doc


def parse_result(doc, shown: str) -> Result:
    """``doc`` as a :class:`Result`; ``ParamsError`` with every problem at its key when it is not an
    ``evalkit-result/v1`` document of the shape evalkit writes."""
    if not isinstance(doc, dict):
        raise ParamsError([Problem(shown, "", None, "expected a result.json (a JSON object)")])
    problems = check_result(doc, shown)
    if problems:
        raise ParamsError(problems)
    d, b, s, g = doc["department"], doc["budget"], doc["score"], doc["grade"]
    review = doc.get("review") if isinstance(doc.get("review"), dict) else {}
    reviewed = review.get("reviewed") is True
    reported = doc.get("reported") if isinstance(doc.get("reported"), dict) else {}
    rep = reported.get("score")
    result = doc.get("result") if isinstance(doc.get("result"), dict) else {}
    application = result.get("application")
    return Result(
        source=shown, department_id=str(d.get("id")), name=str(d.get("name")), year=d["year"],
        region=d.get("region") if isinstance(d.get("region"), str) else None,
        scheme_id=str((doc.get("scheme") or {}).get("id") or ""),
        scheme_title=str((doc.get("scheme") or {}).get("title") or ""),
        unit=str(doc.get("unit") or ""), execution_rate=b["execution_rate"], adjustment_rate=b["adjustment_rate"],
        score=Score(float(s["min"]), float(s["max"]), s["complete"], _text(s.get("display"))),
        grade=Grade(g.get("label"), g.get("min_label"), g.get("max_label")),
        findings=tuple(doc["findings"]),
        reported_score=float(rep) if isinstance(rep, int | float) and not isinstance(rep, bool) else None,
        reviewed=reviewed,
        review_score=_score(review.get("score")) if reviewed else None,
        review_grade=_grade(review.get("grade")) if reviewed else None,
        application=application if isinstance(application, str) else None,
        light=_light(doc.get("monitoring")), doc=doc)


def check_result(doc: dict, shown: str) -> list[Problem]:
    """What is wrong with ``doc`` as an ``evalkit-result/v1`` document, each problem at its key.

    >>> check_result({"schema": "evalkit-result/v1"}, "x.result.json")[0].message[:57]
    'not an evalkit-result/v1 document (missing or bad departm'
    """
    shape = {"department": dict, "budget": dict, "score": dict, "grade": dict, "findings": list}
    wrong = [k for k, kind in shape.items() if not isinstance(doc.get(k), kind)]
    if doc.get("schema") != SCHEMA or wrong:
        what = (f"schema {_kind(doc.get('schema'))}" if doc.get("schema") != SCHEMA
                else f"missing or bad {', '.join(wrong)}")
        return [Problem(shown, "", None, f"not an evalkit-result/v1 document ({what}); expected a result.json")]
    problems: list[Problem] = []

    def fail(key: str, message: str) -> None:
        problems.append(Problem(shown, key, None, message))

    d, b, s, g = doc["department"], doc["budget"], doc["score"], doc["grade"]
    y = d.get("year")
    if not (isinstance(y, int) and not isinstance(y, bool)):
        fail("department.year", f"expected a year, got {_kind(y)}")
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
    _check_grade(fail, "grade", g)
    for i, f in enumerate(doc["findings"]):
        if not (isinstance(f, dict) and isinstance(f.get("id"), str) and f.get("severity") in SEVERITIES
                and (f.get("subject") is None or isinstance(f.get("subject"), str))):
            fail(f"findings[{i}]", "expected a finding with a text id, a severity (error, warning or info) "
                                   "and a text subject or none")
            break
    review = doc.get("review")
    if isinstance(review, dict) and review.get("reviewed") is True:
        if _score(review.get("score")) is None:
            fail("review.score", "expected the 复核得分 (min, max, complete)")
        if not isinstance(review.get("grade"), dict):
            fail("review.grade", "expected the 复核 grade")
        else:
            _check_grade(fail, "review.grade", review["grade"])
    return problems


def _check_grade(fail, key: str, g: dict) -> None:
    for part in ("label", "min_label", "max_label"):
        if g.get(part) is not None and not (isinstance(g[part], str) and 0 < len(g[part]) <= MAX_NAME):
            fail(f"{key}.{part}", f"expected a grade label, got {_kind(g[part])}")
    if g.get("label") is None and not (isinstance(g.get("min_label"), str) and isinstance(g.get("max_label"), str)):
        fail(key, "expected a label, or min_label and max_label")


def _score(block) -> Score | None:
    if not isinstance(block, dict) or not isinstance(block.get("complete"), bool):
        return None
    low, high = block.get("min"), block.get("max")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)):
        return None
    return Score(float(low), float(high), block["complete"], _text(block.get("display")))


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _grade(block: dict) -> Grade:
    return Grade(block.get("label"), block.get("min_label"), block.get("max_label"))


def _light(block) -> str | None:
    """The department's combined monitoring light (None without monitoring or of another shape)."""
    department = block.get("department") if isinstance(block, dict) else None
    light = department.get("light") if isinstance(department, dict) else None
    return light if isinstance(light, str) and light in LIGHT_WORDS else None


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
