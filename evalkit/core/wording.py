"""Chinese wording for findings: a short label per finding id, and each evidence key's label and format.

The wording is data, in ``evalkit/core/finding_wording.yaml`` beside this module; read on first use.

>>> finding_label("budget.year_end_spike")
'年末突击支出'
>>> evidence_items("budget.low_execution", {"execution_rate": 0.7698, "threshold": 0.9})
[('预算执行率', '76.98%'), ('预警阈值', '90%')]
>>> evidence_items("budget.monthly_do_not_add_up", {"monthly_total": 512.5, "executed": 512}, unit="万元")
[('月度支付合计', '512.50 万元'), ('全年执行数', '512.00 万元')]
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from functools import cache
from importlib import resources

import yaml

from .numbers import fmt, fmt_pct

KINDS = ("percent", "printed_percent", "percent_range", "money", "points", "count", "number", "z", "text", "list",
         "period", "hidden")
LIST_LIMIT = 10  # list evidence shows this many items, then 等


@dataclass(frozen=True)
class EvidenceLabel:
    """How one evidence key is shown: its Chinese ``label``, a ``kind`` of format (see ``KINDS``) and words
    for coded ``values`` (``{"both": "偏高或偏低"}``)."""

    label: str
    kind: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FindingWording:
    findings: Mapping[str, str]
    evidence: tuple[tuple[str, Mapping[str, EvidenceLabel]], ...]  # (finding-id pattern, key → label), in file order
    advice: Mapping[str, str] = field(default_factory=dict)  # finding id → 整改建议


@cache
def finding_wording() -> FindingWording:
    """The shipped ``evalkit/core/finding_wording.yaml``, validated (``ValueError`` names the bad entry)."""
    doc = yaml.safe_load((resources.files("evalkit.core") / "finding_wording.yaml").read_text(encoding="utf-8"))
    sections = []
    for pattern, keys in doc["evidence"].items():
        entries = {}
        for key, spec in keys.items():
            label, kind, *rest = spec
            if kind not in KINDS or len(rest) > 1:
                raise ValueError(f"finding_wording.yaml: evidence.{pattern}.{key}: expected [label, kind] or "
                                 f"[label, kind, {{value: word}}] with kind one of {', '.join(KINDS)}")
            entries[key] = EvidenceLabel(str(label), kind, {str(k): str(v) for k, v in (rest[0] if rest else {}).items()})
        sections.append((str(pattern), entries))
    return FindingWording({str(k): str(v) for k, v in doc["findings"].items()}, tuple(sections),
                          {str(k): str(v) for k, v in doc["advice"].items()})


def finding_label(finding_id: str) -> str:
    """The short Chinese label of a finding id; the id itself when it has none."""
    return finding_wording().findings.get(finding_id, finding_id)


def finding_advice(finding_id: str) -> str:
    """The 整改建议 for a finding id: what the reviewed department should do about it.

    >>> finding_advice("timeline.period_before_year_end")[:15]
    '在年度结束后开展自评，覆盖全年'
    """
    return finding_wording().advice.get(finding_id, "请说明原因并整改。")


def evidence_label(finding_id: str, key: str) -> EvidenceLabel | None:
    """How ``key`` of ``finding_id``'s evidence is shown; None when no section names it."""
    for pattern, entries in finding_wording().evidence:
        if key in entries and fnmatchcase(finding_id, pattern):
            return entries[key]
    return None


def evidence_items(finding_id: str, evidence: Mapping, *, unit: str | None = None) -> list[tuple[str, str]]:
    """``(label, text)`` for each shown key of ``evidence``, in its order; ``unit`` is the amount unit (万元).

    A key without a label is shown under its own name, its value in a plain format.
    """
    items = []
    for key, value in evidence.items():
        how = evidence_label(finding_id, str(key))
        if how is None:
            items.append((str(key), show(value, "auto")))
        elif how.kind != "hidden":
            items.append((how.label, show(value, how.kind, unit=unit, values=how.values)))
    return items


def evidence_text(finding_id: str, evidence: Mapping, *, unit: str | None = None) -> str:
    """The evidence on one line: ``预算执行率：76.98%；预警阈值：90%``."""
    return tidy("；".join(f"{label}：{text}" for label, text in evidence_items(finding_id, evidence, unit=unit)))


def show(value, kind: str, *, unit: str | None = None, values: Mapping[str, str] | None = None) -> str:
    """One evidence value in the format ``kind`` (``auto``: numbers trimmed, lists joined with 、)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, list | tuple):
        if kind == "percent_range":
            return "–".join(show(v, "percent") for v in value)
        if kind == "period":
            return " 至 ".join(str(v) for v in value)
        inner = "text" if kind == "list" else kind
        shown = [_item(v) if isinstance(v, dict) else show(v, inner, unit=unit, values=values)
                 for v in value[:LIST_LIMIT]]
        return "、".join(shown) + (f"等 {len(value)} 项" if len(value) > LIST_LIMIT else "")
    if isinstance(value, dict):
        return _item(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return (values or {}).get(str(value), str(value))
    if kind in ("percent", "percent_range"):
        return _trim(fmt_pct(value)[:-1]) + "%"
    if kind == "printed_percent":
        return _plain(value) + "%"
    if kind == "money":
        return fmt(value) + (f" {unit}" if unit else "")
    if kind == "points":
        return f"{_trim(fmt(value))} 分"
    if kind == "count":
        return str(int(value))
    if kind == "z":
        return f"{value:.1f}"
    return _plain(value)


def _item(value: Mapping) -> str:
    for key in ("name", "department_id", "indicator"):
        if key in value:
            return str(value[key])
    return str(value)


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plain(value) -> str:
    if isinstance(value, float) and value != int(value):
        return _trim(fmt(value, 4))
    return str(int(value))


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’"
#: A space a 公文 does not have: between Chinese and a numeral, letter or sign, or between two Chinese.
_LOOSE = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}0-9A-Za-z%+\-−(])|(?<=[0-9A-Za-z%)]) +(?=[{_CJK}])")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def tidy(text: str) -> str:
    """Text as a 公文 sets it: no space between Chinese and numerals (``预算执行率99.71%``), ≥ ≤ for
    ``>=`` ``<=``, dates as ``2023年4月10日``. Formulas keep their spaces around operators.

    >>> tidy("预算执行率 76.98% 低于 90%（预算执行率 = 3309.43 ÷ 4298.91 = 76.98%）")
    '预算执行率76.98%低于90%（预算执行率 = 3309.43 ÷ 4298.91 = 76.98%）'
    >>> tidy("评价期间 2023-04-10 至 2023-04-30，指标性质“>=”")
    '评价期间2023年4月10日至2023年4月30日，指标性质“≥”'
    """
    # each step only when its character is there: most messages have no date, no >= and no space
    if "-" in text:
        text = _ISO_DATE.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)
    if "=" in text:
        text = text.replace(">=", "≥").replace("<=", "≤")
    return _LOOSE.sub("", text) if " " in text else text


def chinese_date(when: date) -> str:
    """A date as a 公文 writes it.

    >>> chinese_date(date(2024, 6, 11))
    '2024年6月11日'
    """
    return f"{when.year}年{when.month}月{when.day}日"
