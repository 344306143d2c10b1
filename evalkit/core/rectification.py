"""The 整改 ledger of one department-year (``<stem>.rectification.yaml``, ``evalkit-rectification/v1``).

After the 复核意见书, the bureau (or the department) keeps one item per finding or reviewed
indicator: the measure, the deadline, the department's reply, its status and the evidence::

    schema: evalkit-rectification/v1
    items:
      - {finding: budget.over_execution, measure: 补办预算调整手续, due: 2024-09-30,
         reply: 已补办调剂手续, status: 已整改, evidence: 调剂审批表, date: 2024-09-10}
      - {indicator: 群众满意度, measure: 开展满意度调查, due: 2024-09-30, status: 整改中}

The year's run reads its own ledger and last year's (``<id>-<year-1>.rectification.yaml``) and
reports: an item closed (已整改) whose problem recurs this year (整改未见实效), an item past its
deadline and not closed (整改逾期), an item closed without evidence (销号无佐证). "Past" is judged
on the review's date when there is one, else on the day of the run.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from ..exceptions import ParamsError
from .findings import Finding
from .numbers import jsonable
from .source import read_utf8
from .validation import read_document
from .wording import chinese_date, finding_label, finding_wording

RECTIFICATION_SCHEMA = "evalkit-rectification/v1"
RECTIFICATION_SUFFIX = ".rectification.yaml"
STATUSES = ("未整改", "整改中", "已整改")


@dataclass(frozen=True)
class LedgerItem:
    finding: str | None  # a finding id (budget.over_execution) …
    indicator: str | None  # … or an indicator's name
    measure: str | None
    due: date | None
    reply: str | None
    status: str
    evidence: tuple[str, ...]
    date: date | None
    key: str  # items[0], for messages

    @property
    def subject(self) -> str:
        """What the item is about, in words: ``超预算执行`` or ``指标“群众满意度”``."""
        return finding_label(self.finding) if self.finding else f"指标“{self.indicator}”"


@dataclass(frozen=True)
class Ledger:
    year: int
    items: tuple[LedgerItem, ...]
    source: str
    sha256: str

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i.status == s) for s in STATUSES}

    def to_dict(self) -> dict:
        # each item's fields but its key, in field order (dates as ISO text, the evidence a list)
        return {"year": self.year, "counts": self.counts(),
                "items": [{k: v for k, v in jsonable(asdict(i)).items() if k != "key"} for i in self.items]}


def rectification_path(params_path: str | Path, department_id: str | None = None, year: int | None = None) -> Path:
    """The ledger of a params file (``x.yaml`` → ``x.rectification.yaml``), or, given a department id
    and a year, that year's ledger in the same folder."""
    path = Path(params_path)
    if department_id is not None and year is not None:
        return path.with_name(f"{department_id}-{year}{RECTIFICATION_SUFFIX}")
    return path.with_name(path.stem + RECTIFICATION_SUFFIX)


def load_ledger(path: str | Path, year: int, indicators: tuple[str, ...] | None = None) -> Ledger:
    """Read and validate a ledger of ``year``; ``ParamsError`` lists every problem with file, key and
    line. ``indicators``: the names an item's ``indicator`` must be one of (this year's params file's);
    no date may come before 1 January of ``year``."""
    path = Path(path)
    raw, text = read_utf8(path, str(path))
    c, data = read_document(text, str(path))
    top = c.top(data, RECTIFICATION_SCHEMA, allowed=("schema", "items"), required=("schema", "items"))
    known = set(finding_wording().findings)
    items = []
    for n, raw_item in enumerate(c.items("items", top.get("items"))):
        k = f"items[{n}]"
        d = c.mapping(k, raw_item, allowed=("finding", "indicator", "measure", "due", "reply", "status", "evidence",
                                            "date"), required=("status",))
        if d is None:
            continue
        finding = c.text(f"{k}.finding", d.get("finding"), optional=True)
        indicator = c.text(f"{k}.indicator", d.get("indicator"), optional=True)
        if (d.get("finding") is None) == (d.get("indicator") is None):
            c.fail(k, "expected exactly one of 'finding' (a finding id) or 'indicator' (an indicator's name)")
        if finding is not None and finding not in known:
            close = difflib.get_close_matches(finding, sorted(known), n=1)
            c.fail(f"{k}.finding", f"unknown finding id {finding!r}" + (f"; did you mean '{close[0]}'?" if close else ""))
        if indicator is not None and indicators is not None and indicator not in indicators:
            close = difflib.get_close_matches(indicator, indicators, n=1)
            c.fail(f"{k}.indicator", f"no indicator {indicator!r} in the params file; "
                                     + (f"did you mean '{close[0]}'?" if close else "expected one of its indicators' names"))
        status = c.text(f"{k}.status", d.get("status"), choices=STATUSES)
        evidence = c.texts(f"{k}.evidence", d.get("evidence"))
        item = LedgerItem(finding, indicator, c.text(f"{k}.measure", d.get("measure"), optional=True, long=True),
                          _date(c, f"{k}.due", d.get("due"), year),
                          c.text(f"{k}.reply", d.get("reply"), optional=True, long=True),
                          status or "未整改", evidence, _date(c, f"{k}.date", d.get("date"), year), k)
        items.append(item)
    if c.problems:
        raise ParamsError(c.problems)
    return Ledger(year, tuple(items), str(path), hashlib.sha256(raw).hexdigest())


def _date(c, key: str, value, year: int) -> date | None:
    """A deadline or a reply date of the ledger of ``year``: not before 1 January of ``year`` (the
    ledger records the 整改 of that year's evaluation; a date of the year 1 or 1900 is a typing error)."""
    day = c.date(key, value)
    first = date(year, 1, 1)
    if day is not None and day < first:
        c.fail(key, f"expected a date not before {chinese_date(first)} (the {year} ledger), got {day.isoformat()}")
        return None
    return day


def ledger_findings(ledgers: tuple[Ledger, ...], year: int, findings: list[Finding], decided: set[str],
                    as_of: date) -> list[Finding]:
    """What the ledgers say about this year: recurrences of closed items (last year's ledger), overdue
    items and items closed without evidence. ``findings`` are this year's, ``decided`` the names of the
    indicators the reviewer decided about this year."""
    ids = {f.id for f in findings}
    names = decided | {str(f.evidence.get("indicator")) for f in findings if f.evidence.get("indicator")}
    out = []
    for ledger in ledgers:
        for i in ledger.items:
            ev = {"item": i.subject, "year": ledger.year, "status": i.status}
            if i.due:
                ev["due"] = chinese_date(i.due)
            if i.measure:
                ev["measure"] = i.measure
            recurs = (i.finding in ids) if i.finding else (i.indicator in names)
            if ledger.year < year and i.status == "已整改" and recurs:
                out.append(Finding("rectification.not_effective", "error",
                                   f"{ledger.year}年度整改台账中已整改的“{i.subject}”在{year}年度再次出现，整改未见实效",
                                   {**ev, "recurring": i.subject}, f"rectification.{ledger.year}.{i.key}"))
            if i.status != "已整改" and i.due is not None and i.due < as_of:
                out.append(Finding("rectification.overdue", "error",
                                   f"{ledger.year}年度整改事项“{i.subject}”已过整改期限（{chinese_date(i.due)}），状态仍为“{i.status}”",
                                   ev, f"rectification.{ledger.year}.{i.key}"))
            if i.status == "已整改" and not i.evidence:
                out.append(Finding("rectification.closed_without_evidence", "warning",
                                   f"{ledger.year}年度整改事项“{i.subject}”标为已整改，但未附整改佐证材料",
                                   ev, f"rectification.{ledger.year}.{i.key}"))
    return out
