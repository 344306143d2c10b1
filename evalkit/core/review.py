"""The finance bureau's review (财政抽查复核) of one department-year: 复核得分 beside 自评得分.

A reviewer records decisions about indicators in ``<params-stem>.review.yaml`` beside the params
file — the department's file stays the department's, the reviewer's stays the reviewer's::

    schema: evalkit-review/v1
    reviewer: 李四                  # 复核人
    date: 2024-07-15                # 复核日期
    basis: [《项目支出绩效评价管理办法》（财预〔2020〕10号）]   # 复核依据, optional
    decisions:
      - {indicator: 文件办理数量, rule: no_evidence, note: 未提供办理台账}
      - {indicator: 群众满意度, rule: unassessable, severity: 中}
      - {indicator: 公文办理件数, rule: duplicate, of: 文件办理数量}

``indicator`` is an indicator's name (when unique) or its key (``goals[0].indicators[1]``); ``rule``
is an id of the 复核规则 catalogue (``review_rules.yaml``). Without a review file, the review is the
evaluation itself: 复核得分 equals the computed score and every deduction is the scoring rule's.

>>> sorted(review_rules())[:3]
['duplicate', 'irrelevant', 'no_evidence']
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from ..exceptions import ParamsError
from .findings import Finding
from .model import LEVELS, Params
from .numbers import fmt, fmt_pct, fmt_plain, to_float
from .scheme import Scheme
from .scoring import ZERO, GradeResult, IndicatorScore, ScoreSummary, grade, summarise
from .source import read_utf8
from .validation import read_document

REVIEW_SCHEMA = "evalkit-review/v1"
REVIEW_SUFFIX = ".review.yaml"
EFFECTS = ("zero", "deduct", "duplicate", "note")
#: 复核依据 when the reviewer names none.
DEFAULT_BASIS = ("《项目支出绩效评价管理办法》（财预〔2020〕10号）", "部门整体支出绩效自评报告及绩效自评表",
                 "部门提供的预算执行数据及佐证材料")


@dataclass(frozen=True)
class ReviewRule:
    """One rule of the 复核规则 catalogue: its id, Chinese name, effect and (for ``deduct``) the
    share of points each severity costs."""

    id: str
    name: str
    effect: str
    severity: dict[str, Fraction] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision about one indicator (``key`` as in the params: ``goals[0].indicators[1]``)."""

    key: str
    rule: str
    severity: str | None = None
    of: str | None = None  # duplicate: the key of the indicator it repeats
    note: str | None = None


@dataclass(frozen=True)
class ReviewInput:
    """What the reviewer wrote: who, when, on what basis, and the decisions."""

    reviewer: str | None = None
    date: date | None = None
    basis: tuple[str, ...] = ()  # as the reviewer wrote it; () leaves it to the bureau and the scheme
    decisions: tuple[Decision, ...] = ()
    source: str | None = None  # the review file, when there is one


@dataclass(frozen=True)
class IndicatorReview:
    """One indicator reviewed: the department's claim, the computed score and the 复核得分."""

    computed: IndicatorScore  # by the scoring rules
    reviewed: IndicatorScore  # after the reviewer's decision (the same when there is none)
    reported: Decimal | None  # the department's own row score (自评得分), if it gave one
    decision: Decision | None
    rule: ReviewRule | None
    explanation: str  # 扣分说明, in plain words

    @property
    def changed(self) -> bool:
        return self.reviewed.score != self.computed.score


@dataclass(frozen=True)
class Review:
    """The review of one evaluation: every indicator, the 复核得分 and its grade."""

    input: ReviewInput
    rows: tuple[IndicatorReview, ...]
    score: ScoreSummary
    grade: GradeResult
    reported_score: Decimal | None
    reported_grade: str | None

    @property
    def decided(self) -> bool:
        return bool(self.input.decisions)

    def to_dict(self) -> dict:
        """The ``review`` block of ``evalkit-result/v1``."""
        s, g = self.score, self.grade
        return {
            "reviewer": self.input.reviewer,
            "date": self.input.date.isoformat() if self.input.date else None,
            "basis": list(self.input.basis),
            "reported_score": to_float(self.reported_score), "reported_grade": self.reported_grade,
            "score": {"min": float(s.min), "max": float(s.max), "complete": s.complete, "total": to_float(s.total),
                      "display": s.text, "trail": s.trail},
            "grade": {"label": g.label, "min_label": g.min_label, "max_label": g.max_label},
            "indicators": [{
                "goal": r.computed.goal, "name": r.computed.indicator.name, "key": r.computed.indicator.key,
                "weight": float(r.computed.weight),
                "reported_score": to_float(r.reported), "computed_score": to_float(r.computed.score),
                "score": to_float(r.reviewed.score),
                "rule": r.rule.id if r.rule else None, "rule_name": r.rule.name if r.rule else None,
                "severity": r.decision.severity if r.decision else None,
                "note": r.decision.note if r.decision else None,
                "explanation": r.explanation, "trail": r.reviewed.trail,
            } for r in self.rows],
        }


def default_basis(scheme: Scheme) -> tuple[str, ...]:
    """复核依据 when neither the reviewer nor the bureau names one: the scheme the department was
    scored under and the department's own materials."""
    return (f"评价方案“{scheme.title}”", *DEFAULT_BASIS[1:])


# --- the catalogue ------------------------------------------------------------------------------

@cache
def review_rules() -> dict[str, ReviewRule]:
    """The shipped 复核规则 catalogue (``evalkit/core/review_rules.yaml``), by id."""
    doc = yaml.safe_load((resources.files("evalkit.core") / "review_rules.yaml").read_text(encoding="utf-8"))
    rules = {}
    for rule_id, spec in doc["rules"].items():
        if spec["effect"] not in EFFECTS:
            raise ValueError(f"review_rules.yaml: rules.{rule_id}.effect: expected one of {', '.join(EFFECTS)}")
        rules[rule_id] = ReviewRule(rule_id, spec["name"], spec["effect"],
                                    {k: Fraction(Decimal(str(v))) for k, v in (spec.get("severity") or {}).items()})
    return rules


# --- reading a review file ------------------------------------------------------------------------

def review_path(params_path: str | Path) -> Path:
    """Where the review of a params file lives: ``x.yaml`` → ``x.review.yaml`` beside it."""
    path = Path(params_path)
    return path.with_name(path.stem + REVIEW_SUFFIX)


def load_review(path: str | Path, params: Params) -> tuple[ReviewInput, str]:
    """Read and validate a review file against ``params``; return it with its sha256.

    Raises ``ParamsError`` listing every problem (file, key, line): an unknown rule or indicator, a
    missing severity, a duplicate that names no indicator, two decisions on one indicator.
    """
    path = Path(path)
    raw, text = read_utf8(path, str(path))
    c, data = read_document(text, str(path))
    top = c.top(data, REVIEW_SCHEMA, allowed=("schema", "reviewer", "date", "basis", "decisions"),
                required=("schema", "decisions"))
    keys = {ind.key: ind for ind in params.indicators}
    by_name: dict[str, list[str]] = {}
    for ind in params.indicators:
        by_name.setdefault(ind.name, []).append(ind.key)
    rules = review_rules()
    decisions, seen = [], {}
    for i, item in enumerate(c.items("decisions", top.get("decisions"))):
        k = f"decisions[{i}]"
        d = c.mapping(k, item, allowed=("indicator", "rule", "severity", "of", "note"), required=("indicator", "rule"))
        if d is None:
            continue
        key = _indicator_key(c, f"{k}.indicator", d.get("indicator"), keys, by_name)
        rule_id = c.text(f"{k}.rule", d.get("rule"))
        rule = rules.get(rule_id) if rule_id else None
        if rule_id and rule is None:
            close = difflib.get_close_matches(rule_id, list(rules), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(rules)}"
            c.fail(f"{k}.rule", f"unknown 复核规则 {rule_id!r}; {hint}")
        severity = c.text(f"{k}.severity", d.get("severity"), optional=True)
        if rule is not None and rule.effect == "deduct":
            if severity not in rule.severity:
                c.fail(f"{k}.severity", f"rule '{rule.id}' ({rule.name}) needs a severity: one of "
                                        f"{'、'.join(rule.severity)}")
        elif severity is not None:
            c.fail(f"{k}.severity", f"rule '{rule_id}' takes no severity")
        of = None
        if rule is not None and rule.effect == "duplicate":
            of = _indicator_key(c, f"{k}.of", d.get("of"), keys, by_name, what="the indicator this one repeats")
            if of is not None and of == key:
                c.fail(f"{k}.of", "an indicator cannot repeat itself")
        elif d.get("of") is not None:
            c.fail(f"{k}.of", "only a 'duplicate' decision names the indicator it repeats")
        if key is not None and key in seen:
            c.fail(k, f"indicator {keys[key].name!r} already has a decision (decisions[{seen[key]}]); one per indicator")
        elif key is not None:
            seen[key] = i
        note = c.text(f"{k}.note", d.get("note"), optional=True, long=True)
        if key is not None and rule is not None and not c.problems:
            decisions.append(Decision(key, rule.id, severity, of, note))
    basis = c.texts("basis", top.get("basis"))  # none: the bureau's, else the scheme's (default_basis)
    result = ReviewInput(reviewer=c.text("reviewer", top.get("reviewer"), optional=True),
                         date=c.date("date", top.get("date")), basis=basis, decisions=tuple(decisions),
                         source=str(path))
    if c.problems:
        raise ParamsError(c.problems)
    return result, hashlib.sha256(raw).hexdigest()


def _indicator_key(c, key: str, value, keys: dict, by_name: dict, *, what: str = "an indicator") -> str | None:
    text = c.text(key, value, what=f"{what}: its name or its key (goals[0].indicators[1])")
    if text is None:
        return None
    if text in keys:
        return text
    found = by_name.get(text, [])
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        c.fail(key, f"{len(found)} indicators are named {text!r} ({', '.join(found)}); name one by its key")
        return None
    close = difflib.get_close_matches(text, list(by_name), n=1)
    c.fail(key, f"no indicator named {text!r} in the params file" + (f"; did you mean {close[0]!r}?" if close else ""))
    return None


# --- applying it ------------------------------------------------------------------------------------

def review(params: Params, scheme: Scheme, execution: Fraction, scores: tuple[IndicatorScore, ...],
           decisions: ReviewInput | None = None) -> Review:
    """The review of scored indicators: every decision applied with a trail, the 复核得分 and grade."""
    decisions = decisions or ReviewInput()
    rules = review_rules()
    by_key = {d.key: d for d in decisions.decisions}
    names = {s.indicator.key: s.indicator.name for s in scores}
    rows = []
    for s in scores:
        d = by_key.get(s.indicator.key)
        rule = rules[d.rule] if d else None
        why = _why(rule, names.get(d.of)) if d else ""
        reviewed = _apply(s, d, rule, why) if d else s
        rows.append(IndicatorReview(s, reviewed, s.indicator.reported.score, d, rule,
                                    explanation(s, reviewed, rule, d, why)))
    summary = summarise(execution, tuple(r.reviewed for r in rows))
    return Review(decisions, tuple(rows), summary, grade(summary, scheme), params.reported.score,
                  params.reported.grade)


def decision_findings(decisions: ReviewInput | None, scores: tuple[IndicatorScore, ...]) -> list[Finding]:
    """Every reviewer's decision as a finding (``review.<rule>``) with its points: a decision that moves
    the score is an error to fix (须整改); a decision that only notes something is a warning."""
    if not decisions or not decisions.decisions:
        return []
    rules = review_rules()
    by_key = {s.indicator.key: s for s in scores}
    found = []
    for d in decisions.decisions:
        s, rule = by_key.get(d.key), rules[d.rule]
        if s is None:
            continue
        why = _why(rule, by_key[d.of].indicator.name if d.of in by_key else None)
        reviewed = _apply(s, d, rule, why)
        lost = None if reviewed.score is None or s.score is None else s.score - reviewed.score
        severity = "warning" if rule.effect == "note" else "error"
        points = (f"，复核计{fmt(reviewed.score)}分" + (f"（按评分规则得{fmt(s.score)}分）" if lost else "")
                  if reviewed.score is not None and rule.effect != "note" else "")
        evidence = {"indicator": s.indicator.name, "weight": float(s.weight), "computed": to_float(s.score),
                    "reviewed": to_float(reviewed.score), "lost": to_float(lost)}
        if d.note:
            evidence["note"] = d.note
        found.append(Finding(f"review.{rule.id}", severity,
                             f"指标“{s.indicator.name}”{why}{f'（{d.severity}）' if d.severity else ''}{points}",
                             {k: v for k, v in evidence.items() if v is not None}, d.key))
    return found


def _why(rule: ReviewRule, repeated: str | None) -> str:
    """The reviewer's decision in words: ``复核认定“无佐证材料”``."""
    if rule.effect == "duplicate":
        return f"复核认定与“{repeated}”重复，只在该指标计分"
    return f"复核认定“{rule.name}”"


def _apply(s: IndicatorScore, d: Decision, rule: ReviewRule, why: str) -> IndicatorScore:
    w = s.weight
    if rule.effect == "note":
        return dataclasses.replace(s, trail=f"{s.trail}；{why}，不扣分")
    if rule.effect in ("zero", "duplicate"):
        return dataclasses.replace(s, score=ZERO, coefficient=ZERO, trail=f"{why}，本指标计 0 分")
    share = rule.severity[d.severity]
    if s.score is None:
        score = w * (1 - share)
        trail = (f"{why}（{d.severity}），未填报完成值，按分值扣 {fmt_pct(share, 0)}："
                 f"{fmt(w)} × (1 − {fmt_pct(share, 0)}) = {fmt(score)}")
    else:
        score = max(ZERO, s.score - w * share)
        trail = (f"{why}（{d.severity}），扣分值的 {fmt_pct(share, 0)}："
                 f"max(0, {fmt(s.score)} − {fmt(w)} × {fmt_pct(share, 0)}) = {fmt(score)}")
    return dataclasses.replace(s, score=score, coefficient=score / w if w else ZERO, trail=trail)


def quantity(value, unit: str | None) -> str:
    """A value with its unit as a 公文 writes it: ``841个``, ``90%``, ``3.5万元``.

    >>> quantity(Decimal("841"), "个"), quantity(Decimal("90"), "%"), quantity("维持系统稳定", None)
    ('841个', '90%', '维持系统稳定')
    """
    return value if isinstance(value, str) else f"{fmt_plain(value)}{unit or ''}"


def explanation(computed: IndicatorScore, reviewed: IndicatorScore, rule: ReviewRule | None,
                decision: Decision | None, why: str = "") -> str:
    """扣分说明 in plain words: why the indicator lost what it lost.

    >>> from evalkit.core.model import Indicator
    >>> s = IndicatorScore("产出", Indicator("办件数", ">=", Decimal(1200), "个", Decimal(841)), Fraction(10),
    ...                    Fraction(841, 1200), Fraction(841, 120), "", "", "正向")
    >>> explanation(s, s, None, None)
    '全年完成值841个，未达到年度指标值1200个，按完成比例计分，扣2.99分'
    """
    extra = f"：{decision.note}" if decision and decision.note else ""
    if rule is not None and reviewed.score != computed.score:
        lost = reviewed.weight - reviewed.score
        before = "" if computed.score is None else f"（按评分规则得{fmt(computed.score)}分）"
        severity = f"（{decision.severity}）" if decision and decision.severity else ""
        return f"{why}{severity}{extra}{before}，复核计{fmt(reviewed.score)}分，扣{fmt(lost)}分"
    text = _rule_explanation(computed)
    return f"{text}；{why}{extra}" if rule is not None else text


def _rule_explanation(s: IndicatorScore) -> str:
    ind, w = s.indicator, s.weight
    if not s.scored:
        what = "达成程度" if ind.direction == "qualitative" else "全年完成值"
        return f"未填报{what}，无法核定得分（可得0至{fmt(w)}分）"
    lost = w - s.score
    if ind.direction == "qualitative":
        level = ind.level if ind.level in LEVELS else "按填报系数"
        return (f"达成程度为{level}，得满分" if lost == 0 else
                f"达成程度为{level}，得分系数{fmt_pct(s.coefficient)}，扣{fmt(lost)}分")
    a, t = quantity(ind.actual, ind.unit), quantity(ind.target, ind.unit)
    if lost == 0:
        return f"全年完成值{a}，达到年度指标值{t}，不扣分"
    if ind.rule is not None:
        return f"全年完成值{a}，按{s.rule_name}规则计分，扣{fmt(lost)}分"
    if s.rule_name == "正向":
        how = "按完成比例计分" if s.score else "得0分"
        return f"全年完成值{a}，未达到年度指标值{t}，{how}，扣{fmt(lost)}分"
    if s.rule_name.startswith("等于"):
        return f"全年完成值{a}，不符合年度指标值{t}，扣{fmt(lost)}分"
    how = "按指标值与完成值之比计分" if s.score else "得0分"
    return f"全年完成值{a}，超过年度指标值{t}，{how}，扣{fmt(lost)}分"

