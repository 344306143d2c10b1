"""Checks on what a form's tables hold, beside the core's rules (``checks``): the funds block's total row
against its sources, the execution score against 分值 × min(执行率, 100%) to the cent and over-execution
scored in full, a row that scores the budget execution again, staff against posts, a low execution rate
described as normal, a report dated before the year it evaluates has ended. A check that adds a
table's rows up does not run when the document was read only in part (the core's checks that need the
whole indicator list are skipped the same way: :data:`evalkit.core.findings.WHOLE`), so a truncated
copy never gives a false error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction

from ..core.findings import Finding
from ..core.numbers import decimals_of, exact, fmt_plain, round_half_up
from .checks import MEASURES
from .extract import Extracted, _cell_quote, _Para, parse_target, patterns
from .source_document import SourceDocument, SourceTable
from .tables import blocks, header_columns
from .text import NUMBER, fold, normalise, number

#: Words that call the year's work normal or well done.
#: Words that say every target was met.
CALLED_COMPLETE = ("已按计划完成目标", "全部完成", "均已完成", "均按要求完成", "达到预期效果", "圆满完成", "全面完成",
                   "完全符合预期", "均已达到")
CALLED_NORMAL = ("运转正常", "暂无问题", "较好地完成", "圆满完成", "全面完成", "完全符合预期", "顺利完成", "达到预期")
#: Below this execution rate (%), calling the year normal is a contradiction.
LOW_RATE = Decimal(60)


def _n(value) -> str:
    """A number as :func:`~evalkit.core.numbers.fmt_plain` prints it (a Fraction to the cent), trailing zeros dropped."""
    text = fmt_plain(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def table_findings(doc: SourceDocument, ex: Extracted, cov: dict, found: list) -> list[Finding]:
    """The table checks' findings for one document (``found``: the findings already made)."""
    ids = {f.id for f in found}
    out: list[Finding] = []
    whole = not cov.get("truncated")  # counting a list the copy cut short gives a false error
    for fn in (completion_against_plan, *([project_counts] if whole else []), unit_slip, retirees_in_posts, funds_total_row, list_table_total, paid_share, execution_score_exact, execution_scored_again, execution_row_underscored,
               staff_over_posts, low_execution_called_normal, target_missed_called_complete, report_dated_in_year):
        out.extend(fn(doc, ex, ids))
    return out


# --- the funds block --------------------------------------------------------------------------------

def _funds_rows(table: SourceTable, header: int, end: int):
    """(row index, label, {measure: (value, column)}) of each row of a funds block."""
    cols = header_columns(table.rows[header], {k: v for k, v in patterns()["budget_columns"].items() if k in MEASURES})
    first = min(cols.values(), default=1)
    for r in range(header + 1, end):
        row = table.rows[r]
        label = "".join(c for c in row[:first] if c).strip()
        values = {}
        for key, c in cols.items():
            if c < len(row):
                t = normalise(row[c]).text
                if re.fullmatch(NUMBER, t):
                    values[key] = (number(t), c)
        if label:
            yield r, label, values


def funds_total_row(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """年度资金总额 against 其中 当年财政拨款 + 上年结转 + 其他资金, column by column."""
    for table in doc.tables:
        for blk in blocks(table.rows):
            if blk.kind != "funds":
                continue
            rows = list(_funds_rows(table, blk.header, blk.end))
            if len(rows) < 2 or sum(1 for _, label, _ in rows if re.match(r"按.{1,8}分", normalise(label).text)) >= 2:
                continue  # two breakdowns of one total (按收入性质分, 按支出性质分): a copy cannot tell their parts apart
            r0, label0, total = rows[0]
            # 按收入性质分 / 按支出性质分: each heading restates the total it then breaks down
            parts = [(r, v) for r, label, v in rows[1:] if v and not re.match(r"按.{1,8}分", normalise(label).text)]
            for key, (stated, c) in total.items():
                values = [v[key][0] for _, v in parts if key in v]
                if not values:
                    continue
                added = sum(values, Decimal(0))
                if abs(added - stated) >= Decimal("0.01"):
                    yield Finding("audit.total_row_vs_parts", "error",
                                       f"资金表“{normalise(label0).text.rstrip(':：')}”一行{MEASURES[key]}为{_n(stated)}万元，"
                                       f"其下各项资金来源合计{_n(added)}万元，二者不符（相差{_n(added - stated)}万元）",
                                       {"measure": key, "stated": stated, "sum": added},
                                       None, (_cell_quote(table, r0, c),))
                    break


#: The first cell of a list table's total row (支出合计, 合计, 总计).
TOTAL_LABEL = re.compile(r"(?:支出|收入|资金)?(?:合计|总计)")


def list_table_total(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """A table that lists amounts (支出内容 | 计划支出数 | 实际支出数) and ends with a 合计 row: each amount
    column's items against that row. Only a plain list is added up: every row above the total has a label
    of its own and no 其中 or 小计 row sits among them."""
    for table in doc.tables:
        if blocks(table.rows):
            continue  # a form's funds and indicator blocks are checked by their own rules
        rows = [tuple(normalise(c).text for c in r) for r in table.rows]
        total = next((i for i, r in enumerate(rows) if r and TOTAL_LABEL.fullmatch(r[0])), None)
        if total is None:
            continue
        # the nearest header above the total (a PDF may run two tables into one)
        header = max((i for i in range(total) if any(("万元" in c or c.endswith(("数", "金额"))) and not re.search(NUMBER, c)
                                                     for c in rows[i][1:])), default=None)
        body = rows[header + 1:total] if header is not None else []
        if len(body) < 2 or any(not r[0] or r[0].startswith("其中") or "小计" in r[0] for r in body):
            continue
        for c in range(1, len(rows[total])):
            cells = [r[c] if c < len(r) else "" for r in body]
            if not re.fullmatch(NUMBER, rows[total][c]) or not all(re.fullmatch(NUMBER, x) for x in cells if x):
                continue
            stated, added = number(rows[total][c]), sum((number(x) for x in cells if x), Decimal(0))
            if abs(added - stated) >= Decimal("0.01"):
                column = table.rows[header][c].strip() if c < len(table.rows[header]) else ""
                yield Finding("audit.total_row_mismatch", "error",
                              f"表中“{column}”一栏{len([x for x in cells if x])}项相加为{_n(added)}，"
                              f"“{table.rows[total][0]}”一行却为{_n(stated)}（相差{_n(added - stated)}）",
                              {"column": column, "stated": stated, "sum": added}, None, (_cell_quote(table, total, c),))


#: One sentence with what was paid, what is still unpaid and the share paid (已支付…万元，尚未支付…万元，支付率95%).
PAID_SHARE = re.compile(r"(?:已|共)?(?:支付|拨付|支出)(?P<a>" + NUMBER + r")万元[^。;]{0,8}?(?:尚)?未(?:支付|拨付|支出)"
                        r"(?P<b>" + NUMBER + r")万元[^。;]{0,8}?(?:支付率|执行率|拨付率)(?:为|达)?(?P<r>" + NUMBER + r")%")


def paid_share(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """The share paid a sentence states against what it says was paid and is still unpaid."""
    for para in _paras(doc):
        for m in PAID_SHARE.finditer(para.norm.text):
            paid, unpaid, stated = number(m.group("a")), number(m.group("b")), number(m.group("r"))
            if paid + unpaid == 0:
                continue
            share = exact(paid) / exact(paid + unpaid) * 100
            computed = round_half_up(share, decimals_of(stated))
            if computed != stated:
                yield Finding("audit.paid_share_mismatch", "error",
                              f"已支付{_n(paid)}万元、尚未支付{_n(unpaid)}万元，支付率应为{_n(paid)}÷"
                              f"{_n(paid + unpaid)}={_n(round_half_up(share, 2))}%，报告写{_n(stated)}%",
                              {"paid": paid, "unpaid": unpaid, "stated_percent": stated, "computed_percent": computed}, None,
                              (para.quote(m.start(), m.end()),))


# --- the execution score ----------------------------------------------------------------------------

def execution_score_exact(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """分值 × min(执行率, 100%) to the cent, and over-execution scored in full."""
    stated = ex.first("execution.score")
    weight = ex.value("execution.weight")
    adjusted, executed = ex.value("budget.adjusted"), ex.value("budget.executed")
    if stated is None or weight is None or not adjusted or executed is None:
        return
    rate = exact(executed) / exact(adjusted)
    if rate > 1 and stated.value >= weight:
        yield Finding("audit.over_execution_full_score", "warning",
                           f"全年执行数{_n(executed)}万元超过全年预算数{_n(adjusted)}万元，执行率"
                           f"{_n(round_half_up(rate * 100, 2))}%，超预算执行仍得满分{_n(stated.value)}分",
                           {"rate": f"{_n(round_half_up(rate * 100, 2))}%", "score": stated.value}, None, (stated.quote,))
        return
    expected = exact(weight) * min(rate, Fraction(1))
    if "audit.execution_score_mismatch" in ids:
        return
    if abs(Fraction(stated.value) - expected) >= Fraction(1, 200):
        yield Finding("audit.execution_score_rounded", "warning",
                           f"预算执行得分应为分值{_n(weight)}分×执行率{_n(round_half_up(rate * 100, 2))}%"
                           f"={_n(expected)}分，报告填{_n(stated.value)}分",
                           {"stated": stated.value, "computed": round_half_up(expected, 2)}, None, (stated.quote,))


def execution_scored_again(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """An indicator whose target and actual are the budget and the spending: the execution again."""
    if "audit.execution_scored_twice" in ids:
        return
    adjusted, executed = ex.value("budget.adjusted"), ex.value("budget.executed")
    if not adjusted or executed is None or adjusted == executed:
        return
    for r in ex.indicators:
        _, target, _ = parse_target(r.target)
        actual = number(normalise(r.actual or "").text.rstrip("万元")) if r.actual else None
        if target == adjusted and actual == executed:
            yield Finding("audit.execution_scored_again", "warning",
                               f"“{r.name}”以全年预算数{_n(adjusted)}万元为指标值、以全年执行数{_n(executed)}万元为"
                               "完成值，与预算执行率重复计分",
                               {"indicator": r.name}, None, (r.cells.get("actual", r.quote),))
            return


def execution_row_underscored(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """An indicator row that scores the execution rate: 分值 × min(rate, 100 %) is its rule."""
    words = [normalise(w).text for w in patterns()["execution_indicator"]]
    for r in ex.indicators:
        if r.weight is None or r.score is None or not any(w in normalise(r.name).text for w in words):
            continue
        actual = normalise(r.actual or "").text
        if not re.fullmatch(NUMBER + "%", actual) or parse_target(r.target)[0] != "qualitative":
            continue  # a row with a target of its own (≥95%) is scored by that target
        rate = Fraction(number(actual[:-1])) / 100
        expected = exact(r.weight) * min(rate, Fraction(1))
        if abs(Fraction(r.score) - expected) >= Fraction(1, 200):
            yield Finding("audit.row_score_vs_rule", "error",
                               f"“{r.name}”完成值{actual}，按分值{_n(r.weight)}分×{actual}应得{_n(expected)}分，"
                               f"表中填{_n(r.score)}分",
                               {"indicator": r.name, "stated": r.score, "computed": round_half_up(expected, 2)},
                               None, (r.cells.get("score", r.quote),))


# --- people, words and dates ------------------------------------------------------------------------

def staff_over_posts(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """More staff serving than posts authorised."""
    authorised, serving = ex.first("staff.authorised"), ex.first("staff.serving")
    if authorised and serving and serving.value > authorised.value and "audit.staff_with_retirees" not in ids:
        yield Finding("audit.staff_over_posts", "warning",
                           f"在职{serving.value}人多于核定编制{authorised.value}人，超编{serving.value - authorised.value}人",
                           {"authorised": authorised.value, "serving": serving.value},
                           None, (serving.quote, authorised.quote))


#: 编制…人。其中…离休/退休…人: the posts counted with the retirees.
RETIREES_IN_POSTS = re.compile(r"编制(?:人员|人数|数)?(?:为|共)?(?P<n>[0-9]+)人[。,;]?其中[^。]*?(?P<w>离休|退休)(?:人员)?[0-9]+人")


#: “共实施项目15个 … 年初批复预算8个项目 … 年中新增8个项目”: a count and the two counts it is made of.
PROJECTS_TOTAL = re.compile(r"共(?:实施|有|安排)?项目(?P<n>[0-9]+)个|共(?:实施|有|安排)(?P<m>[0-9]+)个项目")
PROJECTS_START = re.compile(r"年初(?:批复|安排)?(?:预算)?(?P<n>[0-9]+)个项目")
PROJECTS_ADDED = re.compile(r"(?:年中|年内)?(?:新增|增加|追加)(?P<n>[0-9]+)个项目")


def project_counts(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """A number of projects against the projects approved at the start of the year and added during it."""
    if "audit.count_mismatch" in ids:
        return
    for para in _paras(doc):
        text = fold(para.norm.text)
        total, start, added = PROJECTS_TOTAL.search(text), PROJECTS_START.search(text), PROJECTS_ADDED.search(text)
        if not (total and start and added):
            continue
        stated = int(total.group("n") or total.group("m"))
        listed = int(start.group("n")) + int(added.group("n"))
        if listed != stated:
            yield Finding("audit.count_mismatch", "warning",
                          f"报告称共有项目{stated}个，年初批复{start.group('n')}个、年中新增{added.group('n')}个，"
                          f"合计{listed}个，二者不符",
                          {"stated": stated, "listed": listed}, None,
                          (para.quote(total.start(), total.end()), para.quote(added.start(), added.end())))
            return


#: “实施养护工程380公里 … 完成200.031公里，完工率100%”: one clause's plan, what it says was done, and 100 %.
PLANNED = re.compile(r"(?:实施|计划)[^;。]{0,20}?(?P<p>[0-9]+(?:\.[0-9]+)?)(?P<u>公里|千米|座|个|户|亩|平方米|人次|人)")
DONE_FULLY = re.compile(r"完成(?P<d>[0-9]+(?:\.[0-9]+)?)(?P<u>公里|千米|座|个|户|亩|平方米|人次|人)[^;。]{0,12}?完工率(?:为)?100%")


def completion_against_plan(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """A clause that plans one quantity and calls a different one done at 100 %."""
    for para in _paras(doc):
        text = fold(para.norm.text)
        for clause in re.finditer(r"[^;。]+", text):
            plan, done = PLANNED.search(clause.group(0)), DONE_FULLY.search(clause.group(0))
            if plan and done and plan.group("u") == done.group("u") and Decimal(plan.group("p")) != Decimal(done.group("d")):
                a = clause.start()
                yield Finding("audit.stated_twice", "warning",
                              f"同一项工作计划{plan.group('p')}{plan.group('u')}，却称完成{done.group('d')}{done.group('u')}、"
                              "完工率100%，数字前后不一",
                              {"values": [plan.group("p") + plan.group("u"), done.group("d") + done.group("u")]}, None,
                              (para.quote(a + plan.start("p"), a + plan.end("u")), para.quote(a + done.start(), a + done.end())))
                return


def unit_slip(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """A part printed in 元 that adds up only when read in 万元 (3.6元 for 3.6万元)."""
    for c in ex.claims:
        if c.kind != "list_total":
            continue
        added = sum(c.parts, Decimal(0))
        if abs(added - c.stated) < Decimal("0.01"):
            continue
        for printed, value in zip(c.detail["printed"], c.parts, strict=False):
            if printed.endswith("元") and not printed.endswith(("万元", "亿元")):
                as_wan = value * 10000
                if abs(added - value + as_wan - c.stated) < Decimal("0.01"):
                    yield Finding("audit.unit_slip", "warning",
                                       f"“其中”各项合计应为{_n(c.stated)}万元，只有把“{printed}”读作“{printed[:-1]}万元”"
                                       "才能相加一致，单位疑为笔误",
                                       {"items": c.detail["printed"], "total": c.stated}, None, (c.quote,))
                    break


def retirees_in_posts(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """“编制人员205人。其中，在职113人、离休2人、退休75人”: the posts counted with the retirees."""
    if "audit.staff_with_retirees" in ids:
        return
    for i, p in enumerate(doc.paragraphs):
        para = _Para(p.text + (doc.paragraphs[i + 1].text if i + 1 < len(doc.paragraphs) else ""), p.location_at)
        m = RETIREES_IN_POSTS.search(fold(para.norm.text))
        if m:
            yield Finding("audit.staff_with_retirees", "warning",
                               f"编制{m.group('n')}人中列入了{m.group('w')}人员，编制数应只含在编在岗人员",
                               {"authorised": int(m.group("n"))}, None, (para.quote(m.start(), m.end()),))
            return


def low_execution_called_normal(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """An execution rate below 60 % while the report calls the year normal."""
    rate = ex.execution_rate()
    if rate is None or rate * 100 >= LOW_RATE or not (called := _called(doc, CALLED_NORMAL)):
        return
    para, word, i = called
    shown = _n(round_half_up(rate * 100, 2))
    yield Finding("audit.low_execution_called_normal", "warning", f"预算执行率仅{shown}%，报告却称“{word}”",
                  {"rate": f"{shown}%", "words": word}, None, (para.quote(i, i + len(word)),))


def _called(doc: SourceDocument, words) -> tuple[_Para, str, int] | None:
    """The first paragraph that uses one of ``words``: the paragraph, the word and where it stands."""
    for para in _paras(doc):
        text = fold(para.norm.text)
        if word := next((w for w in words if w in text), None):
            return para, word, text.find(word)
    return None


def _paras(doc: SourceDocument) -> Iterator[_Para]:
    """The paragraphs of ``doc``, each ready to be quoted."""
    return (_Para(p.text, p.location_at) for p in doc.paragraphs)


def _missed(r) -> bool:
    direction, target, _ = parse_target(r.target)
    text = normalise(r.actual or "").text
    m = re.match(NUMBER, text)
    if target is None or not m or direction == "qualitative":
        return False
    actual = Decimal(m.group(0))
    return actual < target if direction in (">=", ">", "=") else actual > target if direction in ("<=", "<") else False


def target_missed_called_complete(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """A target missed while the report says every target was met."""
    missed = [r for r in ex.indicators if _missed(r)]
    if not missed or not (called := _called(doc, CALLED_COMPLETE)):
        return
    para, word, i = called
    r = missed[0]
    yield Finding("audit.target_missed_called_complete", "warning",
                  f"“{r.name}”年度指标值{r.target}，完成{r.actual}，未达到目标，报告却称“{word}”",
                  {"indicator": r.name, "target": r.target, "actual": r.actual, "words": word},
                  None, (r.cells.get("actual", r.quote), para.quote(i, i + len(word))))


#: A sentence that counts the year's spending up to a date (截至2022年12月8日已拨付…).
CUT_OFF = re.compile(r"(?:截至|截止|截止到|截至到)(?P<y>(?:19|20)[0-9]{2})年(?P<m>1[0-2]|0?[1-9])月(?P<d>3[01]|[12][0-9]|0?[1-9])日"
                     r"[^。;]{0,40}?(?:拨付|支付|支出|执行|使用)")


def report_dated_in_year(doc: SourceDocument, ex: Extracted, ids: set) -> Iterator[Finding]:
    """A report dated on or before the last day of the year it evaluates, or one that counts the year's
    spending only up to a day before that year's end (截至2022年12月8日已拨付…)."""
    when = ex.first("reported.report_date")
    if ex.year is None:
        return
    if when is None or not isinstance(when.value, date):
        yield from _counted_before_year_end(doc, ex)
        return
    if when.value <= date(ex.year, 12, 31):
        yield Finding("audit.report_dated_in_year", "error",
                           f"报告日期{when.value.year}年{when.value.month}月{when.value.day}日不晚于所评价的"
                           f"{ex.year}年年末，全年执行数与完成值当时尚无法确定",
                           {"date": when.value.isoformat(), "year": str(ex.year)}, None, (when.quote,))


def _counted_before_year_end(doc: SourceDocument, ex: Extracted) -> Iterator[Finding]:
    for para in _paras(doc):
        for m in CUT_OFF.finditer(para.norm.text):
            cut = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            if int(m.group("y")) == ex.year and cut < date(ex.year, 12, 31):
                yield Finding("audit.report_dated_in_year", "error",
                              f"报告把{ex.year}年的资金执行只统计到{cut.year}年{cut.month}月{cut.day}日，所评价的年度尚未结束，"
                              "全年执行数与完成值当时尚无法确定",
                              {"date": cut.isoformat(), "year": str(ex.year)}, None, (para.quote(m.start(), m.end()),))
                return


__all__ = ["table_findings"]
