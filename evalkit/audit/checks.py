"""The checks of an audit: the core's findings, run on the params model the report's figures make, and
the audit's own, about what only the text shows (parts against totals, a figure stated twice, counts
against lists, a table's total row, template text, OCR noise…). Each finding quotes the text it is about.

Every message is in the finance bureau's plain Chinese; core messages come already set for the page by
the core (:func:`evalkit.core.wording.tidy`: no space between Chinese and numerals, ≥ ≤ for directions,
dates as 2024年6月11日).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

from ..core.evaluation import check_params
from ..core.findings import SEVERITIES, WHOLE, Finding, Skipped, check, run_scope
from ..core.model import key_and_parents
from ..core.numbers import decimals_of, exact, fmt_plain, jsonable, round_half_up
from ..core.params import parse_params
from ..core.places import ParamsPlace, Quote
from ..exceptions import ParamsError
from .extract import Extracted, parse_target, patterns
from .mapping import Mapped, _deadline_level
from .text import normalise
from .text import word as pattern_word


def finding_dict(f: Finding) -> dict:
    """A finding as the ``evalkit-audit/v1`` record gives it: ``location`` (its first quote), ``quotes``
    (one per passage, figures marked) and ``where`` (every place it points at: page or paragraph, table
    row and column, the quote)."""
    quotes = [q for q in f.where if isinstance(q, Quote)]
    location = ({**quotes[0].location.to_dict(), "where": quotes[0].location.words(),
                 "snippet": quotes[0].snippet} if quotes else {"where": "全文"})
    return {"id": f.id, "severity": f.severity, "message": f.message, "evidence": jsonable(f.evidence),
            "location": location, "quotes": merge_quotes(quotes),
            "where": [{**q.location.to_dict(), "quote": q.snippet} for q in quotes]}


def merge_quotes(quotes) -> list[dict]:
    """Quotes of one finding, one per passage: figures quoted from the same sentence share it, each
    highlighted (``marks``, in order; ``mark`` is the first)."""
    merged: dict[tuple, dict] = {}
    for q in quotes:
        key = (q.snippet, q.location.words())
        entry = merged.setdefault(key, {**q.to_dict(), "marks": []})
        if list(q.mark) not in entry["marks"]:
            entry["marks"].append(list(q.mark))
    for entry in merged.values():
        entry["marks"].sort()
        entry["mark"] = entry["marks"][0]
    return list(merged.values())


def audit_checks(ex: Extracted, mapped: Mapped) -> tuple[list[Finding], list[Skipped]]:
    """The core's findings and the audit's own, errors first; and the checks skipped for what the report
    does not state."""
    core, skipped = core_findings(ex, mapped)
    own, _ = run_scope("document", ex, mapped, unknown=mapped.unknown.get)
    found = sorted(core + own, key=lambda f: SEVERITIES.index(f.severity))
    return found, skipped


# --- wording ---------------------------------------------------------------------------------------

#: A number as the page prints it: exact, trailing zeros kept as printed (a Fraction to the cent).
_n = fmt_plain


# --- the core's findings ---------------------------------------------------------------------------

def core_findings(ex: Extracted, mapped: Mapped) -> tuple[list[Finding], list[Skipped]]:
    """The core's checks on the partial params model the report's figures make (what it does not state
    is unknown, and the checks needing it are skipped), each finding pointed at the quoted text."""
    try:
        params = parse_params(mapped.mapping, path="<audit>", unknown=mapped.unknown)
        found, skipped = check_params(params, mapped.scheme)
    except ParamsError as exc:
        return [Finding("audit.not_scored", "info", "报告中的部分数字无法组成完整的评价数据，未能按评分规则逐项核对",
                        {"problems": [p.message for p in exc.problems][:5]})], []
    return [_quoted(f, mapped) for f in found], list(skipped)


def _quoted(f: Finding, mapped: Mapped) -> Finding:
    """``f`` with each params place it points at replaced by the text it was read from."""
    quotes: list[Quote] = []
    for place in f.where:
        if isinstance(place, ParamsPlace):
            quotes += next((mapped.subjects[k] for k in key_and_parents(place.key) if k in mapped.subjects), [])
    return Finding(f.id, f.severity, f.message, dict(f.evidence), f.subject, tuple(dict.fromkeys(quotes)))


# --- the audit's own checks -----------------------------------------------------------------------

def _same(a: Decimal, b: Decimal) -> bool:
    """Two amounts agree at the precision of the less precise one."""
    places = min(decimals_of(a), decimals_of(b))
    return round_half_up(a, places) == round_half_up(b, places)


def _label(part: str, ex: Extracted | None = None) -> str:
    """A budget part by the name the report gives it, else by its usual name."""
    if ex is not None and part in ex.part_names:
        return ex.part_names[part]
    return {"budget": "部门预算合计", "basic": "基本支出", "project": "项目支出"}.get(
        part, patterns()["components"].get(part, {}).get("label", part))


MEASURES = {"initial": "年初预算数", "adjusted": "全年预算数", "executed": "全年执行数"}


@check(scope="document")
def component_sums(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """Parts of a budget against the total they make: 基本支出 + 项目支出, 人员经费 + 公用经费, 财政拨款 + 其他资金."""
    for whole, parts in (("budget", ("basic", "project")), ("basic", ("personnel", "public")),
                         ("budget", ("fiscal", "other"))):
        for measure, word in MEASURES.items():
            total = ex.first(f"{whole}.{measure}" if whole == "budget" else f"component.{whole}.{measure}")
            figs = [ex.first(f"component.{p}.{measure}") for p in parts]
            if total is None or any(x is None for x in figs):
                continue
            added = sum((x.value for x in figs), Decimal(0))
            if _same(added, total.value):
                continue
            names = "、".join(_label(p, ex) for p in parts)
            yield Finding("audit.parts_do_not_add_up", "error",
                               f"{names}的{word}合计{_n(added)}万元，与报告的{_label(whole, ex)}{word}{_n(total.value)}万元"
                               f"不符（相差{_n(added - total.value)}万元）",
                               {"measure": word, "parts": {_label(p, ex): x.value for p, x in zip(parts, figs, strict=True)},
                                "sum": added, "total": total.value},
                               where=(total.quote, *(x.quote for x in figs)))


#: Keys whose figures must agree wherever the report states them.
_ONCE = re.compile(r"^(budget\.(initial|adjusted|executed|rate)|component\.[a-z]+\.(initial|adjusted|executed|rate|count)"
                   r"|reported\.(score|grade)|execution\.(score|weight)|staff\.(authorised|serving|retired)|income\.[a-z_]+)$")

_KEY_WORDS = {"budget.initial": "年初预算数", "budget.adjusted": "全年预算数", "budget.executed": "全年执行数",
              "budget.rate": "预算执行率", "reported.score": "自评得分", "reported.grade": "评价等级",
              "execution.score": "预算执行得分", "execution.weight": "预算执行分值", "staff.authorised": "编制人数",
              "staff.serving": "在职人数", "staff.retired": "离退休人数", "income.income": "收入合计",
              "income.spending": "支出合计", "income.carryover": "结转结余", "income.carryover_rate": "结转结余率",
              "reported.evaluation_period": "评价期间", "reported.report_date": "报告日期"}


def key_words(key: str) -> str:
    """A figure key in Chinese: ``component.basic.executed`` → ``基本支出全年执行数``."""
    if key in _KEY_WORDS:
        return _KEY_WORDS[key]
    parts = key.split(".")
    if parts[0] == "component":
        measure = {"rate": "执行率", "count": "个数", **MEASURES}.get(parts[2], parts[2])
        return _label(parts[1]) + measure
    return key


@check(scope="document")
def stated_twice(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """The same quantity stated twice with different values."""
    seen: dict[str, list] = {}
    for f in ex.figures:
        if _ONCE.match(f.key):
            seen.setdefault(f.key, []).append(f)
    for key, figs in seen.items():
        first = figs[0]
        # an amount is one figure: 173.65万元 and later 174万元 is the same allocation rounded differently;
        # a rate or a score may be shown to fewer places
        other = next((g for g in figs[1:] if not (first.value == g.value if first.unit == "万元" == g.unit
                                                   and isinstance(g.value, Decimal) else _agree(first.value, g.value))),
                     None)
        if other is None:
            continue
        unit = first.unit if first.unit in ("万元", "%", "分", "人", "个") else ""
        yield Finding("audit.stated_twice", "error",
                           f"报告两处所列{key_words(key)}不一致：{first.location.words()}为“{first.printed}”，"
                           f"{other.location.words()}为“{other.printed}”",
                           {"quantity": key_words(key), "values": [f"{_show(first.value)}{unit}", f"{_show(other.value)}{unit}"]},
                           where=(first.quote, other.quote))


def _agree(a, b) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return _same(a, b)
    return a == b


def _show(value) -> str:
    return _n(value) if isinstance(value, Decimal | Fraction) else str(value)


@check(scope="document")
def part_rates(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """A part's stated execution rate against its own amounts (the core checks the parts it was given)."""
    given = set(mapped.mapping["reported"].get("line_execution_rates", {}) or {})
    names = {"basic": ex.part_names.get("basic", "基本支出"), "project": ex.part_names.get("project", "项目支出")}
    parts = ["budget"] if "execution_rate" not in mapped.mapping["reported"] else []
    parts += [p for p in patterns()["components"] if p not in names or names[p] not in given]
    for part in parts:
        prefix = "budget" if part == "budget" else f"component.{part}"
        rate, adjusted, executed = ex.first(f"{prefix}.rate"), ex.first(f"{prefix}.adjusted"), ex.first(f"{prefix}.executed")
        if not (rate and adjusted and executed) or adjusted.value == 0:
            continue
        computed = round_half_up(exact(executed.value) / exact(adjusted.value) * 100, decimals_of(rate.value))
        if computed == rate.value:
            continue
        yield Finding("budget.line_rate_mismatch", "error",
                           f"报告的{_label(part, ex)}执行率{_n(rate.value)}%与重新计算的{computed}%不符"
                           f"（{_n(executed.value)}÷{_n(adjusted.value)}={computed}%）",
                           {"line": _label(part, ex), "reported": rate.value, "computed": exact(executed.value) / exact(adjusted.value)},
                           where=(rate.quote, adjusted.quote, executed.quote))


@check(scope="document")
def claims(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """Counts against lists, totals against their parts, changes against their percentages, total rows."""
    for c in ex.claims:
        if c.kind in ("count", "total_row") and WHOLE in mapped.unknown:
            continue  # a list or a table the copy cut short is not added up
        if c.kind == "count" and c.parts[0] != int(c.stated):
            yield Finding("audit.count_mismatch", "warning",
                               f"报告称共{int(c.stated)}{c.detail['what']}，其后列出{c.parts[0]}项",
                               {"stated": int(c.stated), "listed": c.parts[0]}, where=(c.quote,))
        elif c.kind == "list_total":
            added = sum(c.parts, Decimal(0))
            if not _same(added, c.stated):
                yield Finding("audit.list_does_not_add_up", "error",
                                   f"“其中”所列{len(c.parts)}项金额合计{_n(added)}万元，与所称总额{c.detail['total_printed']}"
                                   f"不符（相差{_n(added - c.stated)}万元）",
                                   {"items": c.detail["printed"], "sum": added, "total": c.stated}, where=(c.quote,))
        elif c.kind == "total_row" and c.parts:  # a total row with no row read above it is a reading gap
            added = sum(c.parts, Decimal(0))
            part = c.detail.get("indicator_table")
            execution = ex.value(f"execution.{part}") if part else None
            if part == "weight" and execution is None:
                execution = mapped.scheme.execution_weight
            if execution is not None and _same(added + execution, c.stated):
                continue  # 总分 rows of the MoF table count the execution part too
            if execution is not None and abs(added + execution - c.stated) < abs(added - c.stated):
                # the 总分 row counts the funds block's execution part: say the sum with it
                how, added = f"各行相加{_n(added)}、加预算执行{_n(execution)}为{_n(added + execution)}", added + execution
            elif not _same(added, c.stated):
                how = f"各行相加为{_n(added)}"
            else:
                continue
            yield Finding("audit.total_row_mismatch", "error",
                          f"表中“{c.detail['column']}”一栏合计行为{_n(c.stated)}，{how}（相差{_n(added - c.stated)}）",
                          {"column": c.detail["column"], "stated": c.stated, "sum": added}, where=(c.quote,))
        elif c.kind == "change":
            yield from _change(c)


def _change(c) -> Iterator[Finding]:
    current, delta = c.detail["current"], c.stated
    previous, percent = c.detail.get("previous"), c.detail.get("percent")
    what = key_words(c.detail["subject"])
    if previous is not None and not _same(current - previous, delta):
        yield Finding("audit.change_mismatch", "error",
                           f"{what}本年{_n(current)}万元、上年{_n(previous)}万元，相差{_n(current - previous)}万元，"
                           f"报告却称变动{_n(delta)}万元",
                           {"current": current, "previous": previous, "stated_change": delta}, where=(c.quote,))
        return
    base = current - delta
    if percent is not None and base != 0:
        computed = round_half_up(exact(delta) / exact(base) * 100, decimals_of(percent))
        if computed != percent:
            yield Finding("audit.change_mismatch", "error",
                               f"{what}比上年变动{_n(delta)}万元，按上年{_n(base)}万元计算变动幅度为{computed}%，"
                               f"报告却写{_n(percent)}%",
                               {"current": current, "previous": base, "stated_change": delta,
                                "stated_percent": percent, "computed_percent": computed}, where=(c.quote,))


@check(scope="document")
def execution_score(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """The stated execution score against weight × min(execution rate, 100%)."""
    stated = ex.first("execution.score")
    if stated is None:
        return
    weight = ex.value("execution.weight") or mapped.scheme.execution_weight
    adjusted, executed, rate = ex.value("budget.adjusted"), ex.value("budget.executed"), ex.value("budget.rate")
    r = ex.execution_rate()
    if r is None:
        return
    how = f"{_n(executed)}÷{_n(adjusted)}" if adjusted and executed is not None else f"报告的执行率{_n(rate)}%"
    expected = exact(weight) * min(r, Fraction(1))
    if round_half_up(expected, decimals_of(stated.value)) != stated.value:
        yield Finding("audit.execution_score_mismatch", "error",
                           f"预算执行得分应为分值{_n(weight)}分×执行率（{how}，超过100%按100%计）"
                           f"={_n(expected)}分，报告却为{_n(stated.value)}分",
                           {"stated": stated.value, "computed": expected, "weight": weight}, where=(stated.quote,))


@check(WHOLE, scope="document")
def stated_total(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """The stated total against the stated execution score plus the stated row scores."""
    total, execution = ex.first("reported.score"), ex.first("execution.score")
    rows = [r for r in ex.indicators if r.score is not None]
    if total is None or execution is None or not rows or len(rows) != len(ex.indicators):
        return
    added = execution.value + sum((r.score for r in rows), Decimal(0))
    if not _same(added, total.value):
        yield Finding("audit.total_score_mismatch", "error",
                           f"预算执行得分{_n(execution.value)}分加各指标得分合计"
                           f"{_n(added - execution.value)}分为{_n(added)}分，与报告的自评得分{_n(total.value)}分不符",
                           {"execution": execution.value, "indicators": added - execution.value, "sum": added,
                            "stated": total.value}, where=(total.quote, execution.quote))


@check(scope="document")
def indicator_rows(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """Rows the rules cannot score as stated: words for a numeric actual, a blank score, full marks for
    what cannot be measured, the execution rate scored again, one indicator holding most of the weight."""
    execution_words = [pattern_word(w) for w in patterns()["execution_indicator"]]
    weights = [r.weight for r in ex.indicators if r.weight is not None]
    # a form that scores the execution only as an indicator row (no 分值 or 得分 in its funds block)
    # does not score it twice
    scored_in_funds = not (ex.first("execution.weight") is None and ex.first("execution.score") is None
                           and ex.first("reported.execution_score") is None
                           and (ex.value("budget.rate") is not None or ex.kind != "department"))
    for i, r in enumerate(ex.indicators):
        direction, target, _ = parse_target(r.target)
        quote = r.cells.get("actual", r.quote)
        if i in mapped.non_numeric:
            yield Finding("audit.non_numeric_actual", "warning",
                               f"“{r.name}”的年度指标值为“{r.target}”，完成值却填“{r.actual}”，无法按数值计分",
                               {"indicator": r.name, "target": r.target, "actual": r.actual}, where=(quote,))
        if r.actual and r.score is None and "score" in r.cells:
            yield Finding("audit.blank_score", "warning", f"“{r.name}”已填完成值“{r.actual}”，得分栏却空白",
                               {"indicator": r.name}, where=(r.cells["score"],))
        measurable = (direction != "qualitative" and i not in mapped.non_numeric and r.actual) \
            or _deadline_level(r) is not None  # a deadline met by a date is measured
        if r.score is not None and r.weight and r.score >= r.weight and not measurable:
            why = "年度指标值没有可衡量的数值" if direction == "qualitative" else "没有可核对的数值完成值"
            yield Finding("audit.unmeasured_full_score", "warning",
                               f"“{r.name}”{why}，却得满分{_n(r.score)}分",
                               {"indicator": r.name, "target": r.target, "actual": r.actual, "score": r.score},
                               where=(r.cells.get("score", r.quote),))
        if scored_in_funds and any(w in normalise(r.name).text for w in execution_words):
            yield Finding("audit.execution_scored_twice", "warning",
                               f"“{r.name}”已在预算执行部分计分，又作为绩效指标重复计分",
                               {"indicator": r.name}, where=(r.quote,))
    if len(weights) >= 3 and len(weights) == len(ex.indicators) and WHOLE not in mapped.unknown:
        total = sum(weights, Decimal(0))
        top = max(ex.indicators, key=lambda r: r.weight)
        limit = Decimal(str(patterns()["thresholds"]["weight_concentration"]))
        if total and top.weight / total > limit:
            share = round_half_up(exact(top.weight) / exact(total) * 100, 1)
            yield Finding("audit.weight_concentration", "warning",
                               f"“{top.name}”一项指标分值{_n(top.weight)}分，占全部指标分值{_n(total)}分的{share}%，"
                               "权重过于集中，其余指标难以反映绩效",
                               {"indicator": top.name, "weight": top.weight, "total": total},
                               where=(top.cells.get("weight", top.quote),))


@check(scope="document")
def income_and_carryover(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """Spending above income with no carry-over stated; low execution with a carry-over rate of 0."""
    income, spending = ex.first("income.income"), ex.first("income.spending")
    if income and spending and spending.value > income.value and not ex.first("income.carryover"):
        yield Finding("audit.spending_above_income", "warning",
                           f"支出合计{_n(spending.value)}万元超过收入合计{_n(income.value)}万元，"
                           f"报告未说明年初结转结余等弥补来源",
                           {"income": income.value, "spending": spending.value}, where=(spending.quote, income.quote))
    zero = ex.first("income.carryover_rate")
    rate = ex.execution_rate()
    low = mapped.scheme.thresholds["low_execution"]
    if zero and zero.value == 0 and rate is not None and rate < exact(low):
        shown = round_half_up(rate * 100, 2)
        yield Finding("audit.zero_carryover_low_execution", "warning",
                           f"预算执行率仅{shown}%，结转结余率却为0，二者矛盾",
                           {"execution_rate": float(rate), "carryover_rate": zero.value}, where=(zero.quote,))


@check(scope="document")
def staffing(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """编制 counted with the retirees."""
    authorised, serving, retired = (ex.first(f"staff.{k}") for k in ("authorised", "serving", "retired"))
    flagged = ex.first("staff.includes_retired")
    if flagged:
        yield Finding("audit.staff_with_retirees", "warning", "编制人数中计入了离退休人员，编制数应只含在编在岗人员",
                           {}, where=(flagged.quote,))
    elif authorised and serving and retired and retired.value > 0 and authorised.value == serving.value + retired.value:
        yield Finding("audit.staff_with_retirees", "warning",
                           f"编制{authorised.value}人恰为在职{serving.value}人与离退休{retired.value}人之和，"
                           "编制数似计入了离退休人员",
                           {"authorised": authorised.value, "serving": serving.value, "retired": retired.value},
                           where=(authorised.quote, retired.quote))


@check(scope="document")
def template_and_noise(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """Template instructions left in place; numbers OCR made unreadable."""
    for q in ex.template[:5]:
        marked = q.snippet[q.mark[0]:q.mark[1]]
        yield Finding("audit.template_text", "warning", f"报告中保留了模板填写说明“{marked}”，未按实际情况填写",
                           {"text": marked}, where=(q,))
    for f in ex.unreadable[:10]:
        yield Finding("audit.unreadable_number", "warning",
                           (f"“{f.printed}”中混有字母（如把0识别成O），无法确认数值，未予采用"
                            if re.search(r"[OolI]", f.printed) else
                            f"“{f.printed}”疑为文字识别错误（如把“≥”识别成2、数字后多出字母），无法确认数值，未予采用"),
                           {"text": f.printed}, where=(f.quote,))


@check(scope="document")
def nothing_read(ex: Extracted, mapped: Mapped) -> Iterator[Finding]:
    """What the audit could not find at all, so a reader knows what was not checked."""
    missing = []
    if ex.first("budget.adjusted") is None or ex.first("budget.executed") is None:
        missing.append("全年预算数和全年执行数")
    if not ex.indicators:
        missing.append("绩效指标")
    if ex.first("reported.score") is None:
        missing.append("自评得分")
    if missing:
        yield Finding("audit.not_found", "info", f"未能从报告中读出{'、'.join(missing)}，相关内容未作核对",
                           {"missing": missing})

