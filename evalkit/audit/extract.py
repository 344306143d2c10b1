"""The figures a report states, each with where it came from.

:func:`extract` reads a :class:`~.source_document.SourceDocument` paragraph by paragraph and table by table. Every
figure keeps its location, the text as printed and the sentence (or table row) around it, so a finding
can quote it. Nothing is guessed: a number that cannot be read (OCR noise such as ``99.7O%``) is kept
as unreadable, never as a value.

>>> from .readers import read_text
>>> ex = extract(read_text("某局2023年度部门整体支出绩效自评报告\\n\\n年初预算安排１００万元，调整预算数"
...                        "120万元，全年执行数\\n114万元，预算执行率95%。", "x.txt"))
>>> [(f.key, f.value, f.location.words()) for f in ex.figures]
[('budget.initial', Decimal('100'), '第3行'), ('budget.adjusted', Decimal('120'), '第3行'), \
('budget.executed', Decimal('114'), '第4行'), ('budget.rate', Decimal('95'), '第4行')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from ..core.numbers import exact, jsonable
from ..core.places import Location, Quote
from .lists import list_claims, sentences
from .readers import MARKER
from .source_document import SourceDocument, SourceTable
from .tables import blocks, header_columns
from .text import (
    DATE,
    NUMBER,
    OCR_NOISE,
    OCR_SLIP,
    Normalised,
    chinese_numeral,
    make_date,
    normalise,
    number,
    patterns,
    to_wan,
    word,
)

#: Not the exponent of ``1e-999%`` (read as 999%), nor a run of 16 or more digits (no budget figure has
#: them: ``99999999999999999999万元`` is not read rather than read as 1e20).
_PLAIN = r"(?<![0-9.A-Za-z])(?<![A-Za-z][-+])(?!-?[0-9]{16})"
AMOUNT = re.compile(rf"{_PLAIN}(?P<n>-?{NUMBER})(?P<u>亿元|万元|元)")
PERCENT = re.compile(rf"{_PLAIN}(?P<n>-?{NUMBER})%")
#: A heading number: （一） 一、 1. — the ones the duplicate check and the goals read.
SECTION = re.compile(r"^[（(](?P<n>[一二三四五六七八九十]{1,3})[）)]")
TOP_SECTION = re.compile(r"^(?P<n>[一二三四五六七八九十]{1,3})、")
#: A whole cell an OCR engine garbled: IO for 10, M.8万元 for 14.8万元.
OCR_CELL = re.compile(r"(?=[0-9.]*[OolI]|[A-Z]\.)(?:[0-9OolI]{2,4}|[A-Z]\.[0-9]+)(?:万元|元|%|分|人|个)?")
#: A number whose separators are garbled (7,00.0,77): neither thousands nor decimals read.
MALFORMED = re.compile(r"[0-9]+(?:,[0-9]+)*\.[0-9]+,[0-9]+|[0-9]+,[0-9]{1,2}\.[0-9]+(?:,[0-9]+)?")
UNITS = ("%", "万元", "元", "件", "次", "天", "个", "人次", "人", "篇", "项", "小时", "分钟", "家", "户", "场", "期",
         "份", "台", "套", "所", "批", "条", "名", "分", "年", "月", "日", "周", "公里", "平方米", "亩", "册", "宗")
#: Where a clause ends (a subject holds within one clause).
CLAUSE_END = re.compile(r"[。;!?]")
LOWER = ("≤", "<=", "不高于", "不超过", "不多于", "小于等于", "以内", "以下", "低于", "少于", "控制在")


@dataclass(frozen=True)
class Figure:
    """One figure: a key (``budget.adjusted``, ``component.basic.executed``, ``reported.score``…), its
    value (``Decimal`` amounts in 万元, percentages as printed, text, dates), and where it is."""

    key: str
    value: object
    printed: str
    quote: Quote
    unit: str | None = None

    @property
    def location(self) -> Location:
        return self.quote.location

    def to_dict(self) -> dict:
        return {"key": self.key, "value": jsonable(self.value), "printed": self.printed, "unit": self.unit,
                **self.quote.to_dict()}


@dataclass
class IndicatorRow:
    """One indicator as the report states it (table row or prose), cells as printed."""

    name: str
    target: str
    actual: str | None
    quote: Quote
    goal: str = ""
    goal_number: str | None = None
    tier1: str | None = None
    weight: Decimal | None = None
    coefficient: Decimal | None = None
    score: Decimal | None = None
    unit: str | None = None
    direction_cell: str | None = None
    statement: str | None = None
    cells: dict = field(default_factory=dict)  # column → Quote, for findings about one cell

    def to_dict(self) -> dict:
        direction, value, unit = parse_target(self.target)
        return {"goal": self.goal, "tier1": self.tier1, "name": self.name, "target": self.target,
                "direction": direction, "target_value": jsonable(value), "unit": self.unit or unit,
                "actual": self.actual, "weight": jsonable(self.weight), "coefficient": jsonable(self.coefficient),
                "score": jsonable(self.score), **self.quote.to_dict()}


@dataclass(frozen=True)
class Claim:
    """A statement the report makes about its own figures: a count and the items listed, a total and the
    amounts of its parts, a change and its percentage, a table's total row and the rows above it."""

    kind: str  # count | list_total | change | total_row
    stated: Decimal
    parts: tuple
    quote: Quote
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "stated": jsonable(self.stated), "parts": jsonable(self.parts),
                **self.quote.to_dict()}


@dataclass
class Extracted:
    """Everything :func:`extract` found in one document."""

    title: str = ""
    kind: str = "department"  # department | project
    department: str | None = None
    year: int | None = None
    figures: list[Figure] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    goals: list[tuple[str, str | None, Quote]] = field(default_factory=list)
    unreadable: list[Figure] = field(default_factory=list)
    template: list[Quote] = field(default_factory=list)
    bands: dict = field(default_factory=dict)  # grade label → minimum score, as the report states them
    pending_count: tuple | None = None  # a count whose items are the numbered paragraphs that follow
    pending_items: int = 0
    pending_kind: str | None = None
    part_names: dict = field(default_factory=dict)  # budget part → the name the report gives it

    def first(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def value(self, key: str):
        f = self.first(key)
        return None if f is None else f.value

    def execution_rate(self) -> Fraction | None:
        """Spent ÷ budget, from the amounts when both are stated, else the stated rate ÷ 100; else None."""
        adjusted, executed, rate = self.value("budget.adjusted"), self.value("budget.executed"), self.value("budget.rate")
        if adjusted and executed is not None:
            return exact(executed) / exact(adjusted)
        return exact(rate) / 100 if rate is not None else None

    def to_dict(self) -> dict:
        return {"title": self.title, "kind": self.kind, "department": self.department, "year": self.year,
                "figures": [f.to_dict() for f in self.figures],
                "indicators": [i.to_dict() for i in self.indicators],
                "claims": [c.to_dict() for c in self.claims],
                "unreadable": [f.to_dict() for f in self.unreadable]}


# --- quoting --------------------------------------------------------------------------------------

class _Para:
    """A paragraph (or a table cell) with its normalised text, for quoting spans of it."""

    def __init__(self, text: str, location_at):
        self.text, self.norm, self.location_at = text, normalise(text), location_at

    def quote(self, start: int, end: int, *, context: tuple[int, int] | None = None) -> Quote:
        """The printed text of normalised ``[start, end)`` within its sentence (or ``context``)."""
        n: Normalised = self.norm
        a, b = n.span(start, end)
        if context is None:
            context = _sentence_bounds(n.text, start, end)
        ca, cb = n.span(*context)
        ca, cb = min(ca, a), max(cb, b)
        snippet = self.text[ca:cb]
        return Quote(snippet, (a - ca, b - ca), self.location_at(a))


def _sentence_bounds(text: str, start: int, end: int, *, limit: int = 90) -> tuple[int, int]:
    left = max((text.rfind(c, 0, start) for c in "。;!?"), default=-1) + 1
    rights = [i for i in (text.find(c, end) for c in "。;!?") if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    left = max(left, start - limit)
    right = min(right, end + limit)
    return left, right


def _cell_quote(table: SourceTable, r: int, c: int) -> Quote:
    row = table.rows[r]
    parts, mark, pos = [], (0, 0), 0
    for i, cell in enumerate(row):
        text = cell.replace("\n", "")
        if not text and i != c:
            continue  # a merged or empty cell says nothing in a quote
        if i == c:
            mark = (pos, pos + len(text))
        parts.append(text)
        pos += len(text) + 3
    return Quote(" | ".join(parts), mark, table.cell_location(r, c))


# --- the document ---------------------------------------------------------------------------------

def extract(doc: SourceDocument) -> Extracted:
    """Every figure, indicator, claim and heading of ``doc``."""
    ex = Extracted()
    _title(doc, ex)
    goal = ("", None, None)
    in_goals = False
    for block in doc.blocks:
        if isinstance(block, SourceTable):
            _table(block, ex)
            continue
        para = _Para(block.text, block.location_at)
        text = para.norm.text
        _numbered(para, ex, MARKER.match)
        if TOP_SECTION.match(text):  # 二、绩效目标 lists the goals; 三、绩效目标完成情况分析 reports on them
            in_goals = "目标" in text and not any(w in text for w in ("实现", "分析"))
        sub = SECTION.match(text)
        if sub:
            name = re.sub(r"[:：。]$", "", text[sub.end():])
            number = para.norm.original(para.text, 0, sub.end()).strip()
            goal = (name, number, para.quote(0, len(text), context=(0, len(text))))
            if "绩效目标" in text and "指标" in text:
                in_goals = True
        _noise(para, ex)
        _template(para, ex)
        _budget(para, ex)
        _income(para, ex)
        _scores(para, ex)
        _staff(para, ex)
        _dates(para, ex)
        _counts(para, ex)
        _lists(para, ex)
        if not _prose_indicators(para, ex, goal) and in_goals and goal[0]:
            _goal_list(para, ex, goal)
    _report_date(doc, ex)
    return ex


def _title(doc: SourceDocument, ex: Extracted) -> None:
    for p in doc.paragraphs[:8]:
        text = normalise(p.text).text
        m = re.search(r"(?P<y>(?:19|20)[0-9]{2})年度?", text)
        if m and ("绩效" in text or "评价" in text or "自评" in text):
            ex.title = re.sub(r"\s+", "", p.text)
            ex.year = int(m.group("y"))
            name = text[: m.start()].strip(":：(（")
            if not name:  # 2023年度某局部门整体支出绩效评价报告: the name follows the year
                after = re.match(r"(?P<n>.+?)(?:部门整体|整体支出|项目支出|部门支出|绩效)", text[m.end():])
                name = after.group("n") if after else ""
            ex.department = None if not name or "绩效" in name or "自评" in name else name
            break
    head = normalise(doc.text()[:4000]).text
    ex.kind = "project" if "项目支出绩效自评" in head or "项目支出绩效评价" in head else "department"


def _noise(para: _Para, ex: Extracted) -> None:
    for m in (*OCR_NOISE.finditer(para.norm.text), *OCR_SLIP.finditer(para.norm.text)):
        ex.unreadable.append(Figure("unreadable", None, para.norm.original(para.text, m.start(), m.end()),
                                    para.quote(m.start(), m.end())))


def _template(para: _Para, ex: Extracted) -> None:
    text = para.norm.text
    for template_word in patterns()["template"]:
        w = word(template_word)
        i = text.find(w)
        if i >= 0:
            a, b = text.rfind("(", 0, i + 1), text.find(")", i)
            a, b = (a, b + 1) if 0 <= a and b > i and b - a <= 60 else (i, i + len(w))
            ex.template.append(para.quote(a, b))
            return


def _labels(kind: dict) -> list[tuple[str, str]]:
    return sorted(((word(w), k) for k, words in kind.items() for w in words), key=lambda x: -len(x[0]))


def _component_at(text: str, ex: Extracted) -> str | None:
    """The budget part a clause is about (the first part named before its first amount); the name the
    report gives it is kept in ``ex.part_names``."""
    first = AMOUNT.search(text)
    head = text[: first.start()] if first else text
    best = None
    for key, spec in patterns()["components"].items():
        for name in spec["names"]:
            i = head.find(name)
            if i > 0 and any(head[:i].endswith(w) for w in patterns().get("component_not_after", ())):
                continue
            if i >= 0 and (best is None or i < best[0] or (i == best[0] and len(name) > len(best[2]))):
                best = (i, key, name)
    if best:
        ex.part_names.setdefault(best[1], best[2])
    return best[1] if best else None


def _label_before(text: str, pos: int, labels, *, window: int = 14, floor: int = 0) -> str | None:
    """The label that ends closest before ``pos`` (within ``window`` characters, after ``floor``)."""
    best = None
    lo = max(floor, pos - window - 44)
    chunk = text[lo:pos]
    for label, key in labels:
        i = chunk.rfind(label)
        if i >= 0:
            end = lo + i + len(label)
            # a quoted name between the label and the amount (年初预算安排“某工程”项目174万元) does not count
            quoted = sum(len(q) for q in re.findall(r"“[^”]{1,30}”", text[end:pos]))
            if pos - end - quoted <= window and (best is None or end > best[0] or (end == best[0] and len(label) > best[2])):
                best = (end, key, len(label))
    return best[1] if best else None


def _budget(para: _Para, ex: Extracted) -> None:
    text = para.norm.text
    labels = _labels({k: v for k, v in patterns()["budget"].items() if k != "rate"})
    rate_labels = _labels({"rate": patterns()["budget"]["rate"]})
    for a, b in sentences(text, CLAUSE_END):
        seg = text[a:b]
        part = _component_at(seg, ex)
        # a sentence with only a rate in it: the budget's (预算执行率100%), not an indicator's (…执行率：目标值…)
        rate_only = any(w in seg for w in ("预算执行率", "资金执行率", "资金支付率")) and \
            not re.search(r"目标值|指标值|完成值", seg)
        if part is None and not rate_only and not any(w in seg for w, _ in labels):
            continue
        prefix = f"component.{part}" if part else "budget"
        floor = 0
        last = None  # the measure of the amount before, in this clause
        for m in AMOUNT.finditer(seg):
            measure = _label_before(seg, m.start(), labels, floor=floor)
            # a list of parts in one clause (人员经费支出…，公用经费支出…): each amount takes the part named
            # between it and the amount before it
            lead = re.split(r"[,:、]", seg[floor:m.start()])[-1][-16:]
            named = _component_at(lead, ex) if floor else None
            local = f"component.{named}" if named else prefix
            floor = m.end()
            if measure is None and last == "executed" and named and re.search(r"支出(?:为)?$", lead):
                measure = "executed"  # …公用经费支出77.4万元，项目支出286.83万元: the list goes on spending
            last = measure
            if measure is None:
                continue
            value = to_wan(Decimal(m.group("n")), m.group("u"))
            ex.figures.append(Figure(f"{local}.{measure}", value, para.norm.original(para.text, a + m.start(), a + m.end()),
                                     para.quote(a + m.start(), a + m.end()), "万元"))
        for m in PERCENT.finditer(seg):
            if _label_before(seg, m.start(), rate_labels, window=6) and not re.search(r"结转结余率", seg[max(0, m.start() - 8):m.start()]):
                ex.figures.append(Figure(f"{prefix}.rate", Decimal(m.group("n")), m.group(0),
                                         para.quote(a + m.start(), a + m.end()), "%"))
        if part:
            count = re.search(r"(?P<n>[0-9]+)(?:个|项)", seg[: (AMOUNT.search(seg) or re.search("$", seg)).start()])
            if count:
                ex.figures.append(Figure(f"component.{part}.count", int(count.group("n")), count.group(0),
                                         para.quote(a + count.start(), a + count.end()), "个"))


def _income(para: _Para, ex: Extracted) -> None:
    text = para.norm.text
    spec = patterns()["income"]
    labels = _labels({k: v for k, v in spec.items() if k != "carryover_rate"})
    ups, downs = patterns()["change_words"]["up"], patterns()["change_words"]["down"]
    for a, b in sentences(text, CLAUSE_END):
        seg = text[a:b]
        if not any(w in seg for w, _ in labels) and "结转结余率" not in seg:
            continue
        floor, last = 0, None
        for m in AMOUNT.finditer(seg):
            key = _label_before(seg, m.start(), labels, floor=floor)
            before = seg[floor:m.start()]
            floor = m.end()
            value = to_wan(Decimal(m.group("n")), m.group("u"))
            change = re.search(r"比上年(?:度)?(?:同期)?(?P<w>" + "|".join(ups + downs) + ")$", before)
            if change and last is not None:
                sign = 1 if change.group("w") in ups else -1
                pct = PERCENT.search(seg, m.end(), min(len(seg), m.end() + 14))
                prev = re.search(r"上年(?:度)?(?P<n>" + NUMBER + r")(?P<u>万元|元)", seg)
                ex.claims.append(Claim("change", value * sign, (last.value,), para.quote(a + m.start(), a + m.end()),
                                       {"subject": last.key, "current": last.value,
                                        "percent": Decimal(pct.group("n")) * sign if pct else None,
                                        "previous": to_wan(Decimal(prev.group("n")), prev.group("u")) if prev else None}))
                continue
            if key:
                last = Figure(f"income.{key}", value, m.group(0), para.quote(a + m.start(), a + m.end()), "万元")
                ex.figures.append(last)
        m = re.search(r"结转结余率(?:为)?(?P<n>" + NUMBER + ")%", seg)
        if m:
            ex.figures.append(Figure("income.carryover_rate", Decimal(m.group("n")), m.group(0),
                                     para.quote(a + m.start(), a + m.end()), "%"))


def _scores(para: _Para, ex: Extracted) -> None:
    text = para.norm.text
    p = patterns()
    for key, words in (("execution.score", p["execution_score"]), ("execution.weight", p["execution_weight"]),
                       ("reported.score", p["score"])):
        for lead in sorted(words, key=len, reverse=True):
            for m in re.finditer(re.escape(lead) + r"(?:为|是|:|共|合计)?(?P<n>" + NUMBER + r")分", text):
                tail = text[m.end():m.end() + 2]
                if tail.startswith("为") and any(g in text[m.end():m.end() + 4] for g in p["grade_labels"]):
                    continue  # 得分≥85分为优秀: a band, not a score
                if any(f.key == key and f.location == para.location_at(0) and f.printed == m.group(0)
                       for f in ex.figures):
                    continue
                ex.figures.append(Figure(key, Decimal(m.group("n")), para.norm.original(para.text, m.start("n"), m.end()),
                                         para.quote(m.start("n"), m.end()), "分"))
            if any(f.key == key for f in ex.figures):
                break
    for a, b in sentences(text, CLAUSE_END):
        seg = text[a:b]
        w = re.search(r"预算执行(?:率)?(?:的)?分值(?:为)?(?P<n>" + NUMBER + ")分", seg)
        s = re.search(r"(?<![执行率])得分(?:为)?(?P<n>" + NUMBER + ")分", seg[w.end():]) if w else None
        if w and not any(f.key == "execution.weight" and f.location == para.location_at(a) for f in ex.figures):
            ex.figures.append(Figure("execution.weight", Decimal(w.group("n")), w.group("n") + "分",
                                     para.quote(a + w.start("n"), a + w.end()), "分"))
        if s and not any(f.key == "execution.score" for f in ex.figures):
            i = a + w.end()
            ex.figures.append(Figure("execution.score", Decimal(s.group("n")), s.group("n") + "分",
                                     para.quote(i + s.start("n"), i + s.end()), "分"))
    labels = "|".join(sorted(p["grade_labels"], key=len, reverse=True))
    leads = "|".join(sorted(p["grade_lead"], key=len, reverse=True))
    for m in re.finditer(rf"(?:{leads})(?:为|是|:|评定为|确定为|结果为)“?(?P<g>{labels})(?![0-9A-Za-z])", text):
        if not re.search(r"[0-9]分?(?:\(含\))?(?:以上|及以上)?为$", text[max(0, m.start() - 8):m.start("g")]):
            ex.figures.append(Figure("reported.grade", m.group("g"), m.group("g"), para.quote(m.start("g"), m.end("g"))))
    for m in re.finditer(rf"(?P<n>[0-9]+)分?(?:\(含\))?(?:及以上|以上)?(?:的)?为“?(?P<g>{labels})", text):
        before = text[max(0, m.start() - 12):m.start()]
        if re.search(r"(≥|>=|不低于|大于等于)$", before) or re.search(r"(及以上|以上)", m.group(0)):
            ex.bands.setdefault(m.group("g"), int(m.group("n")))


def _staff(para: _Para, ex: Extracted) -> None:
    text = para.norm.text
    labels = _labels(patterns()["staff"])
    for a, b in sentences(text, CLAUSE_END):
        found = []
        for m in re.finditer(r"(?P<n>[0-9]+)(?:人|名)", text[a:b]):
            key = _label_before(text[a:b], m.start(), labels, window=6)
            if key:
                found.append((key, a + m.start(), a + m.end(), int(m.group("n"))))
        keys = [k for k, *_ in found]
        for key, start, end, n in found:
            if keys.count(key) > 1:
                continue  # 政法专项编制247人、行政工勤编制15人: kinds of posts in one sentence, not one count twice
            ex.figures.append(Figure(f"staff.{key}", n, text[start:end], para.quote(start, end), "人"))
    m = re.search(r"编制[^。;]{0,20}(?:含|包括)离退休", text)
    if m:
        ex.figures.append(Figure("staff.includes_retired", True, m.group(0), para.quote(m.start(), m.end())))


def _dates(para: _Para, ex: Extracted) -> None:
    text = para.norm.text
    rng = re.compile(DATE.pattern + r"(?:至|到|-|~)" + DATE.pattern.replace("?P<y>", "?P<y2>")
                     .replace("?P<m>", "?P<m2>").replace("?P<d>", "?P<d2>"))
    for m in rng.finditer(text):
        a, b = _sentence_bounds(text, m.start(), m.end())
        if not any(w in text[a:b] for w in patterns()["period_words"]):
            continue
        year = int(m.group("y")) if m.group("y") else ex.year
        start = make_date(year, m.group("m"), m.group("d"))
        end = make_date(int(m.group("y2")) if m.group("y2") else year, m.group("m2"), m.group("d2"))
        if start and end:
            ex.figures.append(Figure("reported.evaluation_period", (start, end), m.group(0),
                                     para.quote(m.start(), m.end())))


CN_DATE = re.compile(r"(?P<y>[0-9一二三四五六七八九零]{4})年(?P<m>[一二三四五六七八九十]{1,3})月(?P<d>[一二三四五六七八九十]{1,3})日")


def _cn_date(m: re.Match) -> date | None:
    """A :data:`CN_DATE` match, 二〇二四年三月二十九日 (normalised: 二0二四年…), as a date."""
    digits = "0一二三四五六七八九"
    year = "".join(str(digits.index(c)) if c in digits else "0" if c == "零" else c for c in m.group("y"))
    month, day = chinese_numeral(m.group("m")), chinese_numeral(m.group("d"))
    return make_date(int(year), str(month), str(day)) if year.isdigit() and month and day else None


def _report_date(doc: SourceDocument, ex: Extracted) -> None:
    """The date a report is signed with: a line of its own near the end (a signature block may have run
    into one paragraph with the department's name), in digits or in Chinese numerals."""
    for p in reversed(doc.paragraphs[-6:]):
        para = _Para(p.text, p.location_at)
        start = len(p.text)
        for line in reversed(p.text.split("\n")):
            start -= len(line)
            norm = normalise(line).text
            found = _date_line(norm)
            if found is not None:
                when, a, b = found
                n = para.norm
                lo = next(i for i, off in enumerate(n.offsets) if off >= start) if n.offsets[-1] >= start else 0
                ex.figures.append(Figure("reported.report_date", when, para.norm.original(p.text, lo + a, lo + b),
                                         para.quote(lo + a, lo + b)))
                return
            start -= 1


def _date_line(text: str):
    """``(date, start, end)`` when ``text`` is a date line (报告日期：2024年3月29日, 二〇二四年三月二十九日)."""
    cn = CN_DATE.search(text)
    if cn and (when := _cn_date(cn)) and cn.end() - cn.start() >= len(text) - 6:
        return when, cn.start(), cn.end()
    m = DATE.search(text)
    if m and m.group("y") and (m.end() - m.start() >= len(text) - 6 or text.startswith(("报告日期", "日期"))):
        when = make_date(int(m.group("y")), m.group("m"), m.group("d"))
        if when:
            return when, m.start(), m.end()
    return None


def _count_items(rest: str) -> int:
    rest = rest.rstrip("。;")
    sep = ";" if ";" in rest else "、"
    return len([x for x in rest.split(sep) if x.strip(" 等,")])


def _counts(para: _Para, ex: Extracted) -> None:
    text = para.norm.text
    for m in re.finditer(r"(?:共|包括|主要有|涉及|分为|设有?|下设|内设)(?:以下|如下)?(?P<n>[0-9]+|[一二三四五六七八九十]+)"
                         r"(?P<u>个|项|类|条|名|家|档|方面|部分)(?P<w>[^,。;:]{0,10})[:]", text):
        stated = chinese_numeral(m.group("n"))
        end = text.find("。", m.end())
        rest = text[m.end(): end if end >= 0 else len(text)]
        if stated is None or not rest:
            continue
        listed = _count_items(rest)
        ex.claims.append(Claim("count", Decimal(stated), (listed,), para.quote(m.start(), m.end() + len(rest)),
                               {"what": m.group("w") or m.group("u"), "items": rest[:200]}))
    if text.endswith(":") and (m := m_last(text)):
        stated = chinese_numeral(m.group("n"))
        if stated is not None:
            ex.pending_count = (stated, m.group("w") or m.group("u"), para.quote(m.start(), len(text)))


def m_last(text: str):
    """A count that ends its paragraph (“主要职责有以下12项：”): the items are the paragraphs that follow."""
    return re.search(r"(?:共|包括|主要有|有|涉及|分为|设有?|下设|内设)(?:以下|如下)?(?P<n>[0-9]+|[一二三四五六七八九十]+)"
                     r"(?P<u>个|项|类|条|名|家|档|方面|部分)(?P<w>[^,。;:]{0,10}):$", text)


def _numbered(para: _Para, ex: Extracted, marker) -> None:
    """Count the numbered paragraphs after a count that ended its paragraph; settle the claim at the first
    paragraph that is not an item."""
    if ex.pending_count is None:
        return
    kind = _marker_kind(para.text) if marker(para.text) else None
    if kind and ex.pending_kind in (None, kind):
        ex.pending_kind = kind
        ex.pending_items += 1
        return
    stated, what, quote = ex.pending_count
    if ex.pending_items:
        ex.claims.append(Claim("count", Decimal(stated), (ex.pending_items,), quote,
                               {"what": what, "items": f"其后{ex.pending_items}段"}))
    ex.pending_count, ex.pending_items, ex.pending_kind = None, 0, None


def _marker_kind(text: str) -> str:
    """Which numbering a paragraph opens with: 1. / （一） / 一、 / ① …"""
    t = text.lstrip()
    if t[:1] in "（(":
        return "paren"
    if t[:1].isdigit() or t[:1] in "０１２３４５６７８９":
        return "arabic"
    if t[:1] in "一二三四五六七八九十":
        return "chinese"
    return "other"


def _lists(para: _Para, ex: Extracted) -> None:
    """A total followed by 其中 and the amounts of its parts, in one sentence and one level of brackets
    (``lists.list_claims``)."""
    text = para.norm.text
    budget_words = [word(w) for ws in patterns()["budget"].values() for w in ws]
    for _, _, (total, parts, a) in list_claims(text):
        listed = text[a + total.end(): a + parts[-1].end()]
        if any(w in listed for w in budget_words):
            continue  # budget parts are checked as components
        values = tuple(to_wan(Decimal(m.group("n")), m.group("u")) for m in parts)
        ex.claims.append(Claim("list_total", to_wan(Decimal(total.group("n")), total.group("u")), values,
                               para.quote(a + total.start(), a + parts[-1].end()),
                               {"printed": [m.group(0) for m in parts], "total_printed": total.group(0)}))


# --- indicators in prose ---------------------------------------------------------------------------

def parse_target(text: str) -> tuple[str, Decimal | None, str | None]:
    """``(direction, number, unit)`` of a target as printed: ``≥95%`` → ``('>=', 95, '%')``; a target
    without a number is ``('qualitative', None, None)``.

    >>> parse_target("≤３天"), parse_target("达到90%及以上"), parse_target("有效提升")
    (('<=', Decimal('3'), '天'), ('>=', Decimal('90'), '%'), ('qualitative', None, None))
    """
    t = normalise(text).text
    m = re.search(NUMBER, t)
    if not m or re.search(r"(?:19|20)[0-9]{2}年[0-9]{1,2}月|[A-Za-z]\.?[0-9]|[0-9][A-Za-z]", t):
        return "qualitative", None, None  # a date (2021年12月完成) or OCR noise (M.8万元) is not a number
    rest = t[m.end():]
    unit = next((u for u in sorted(UNITS, key=len, reverse=True) if rest.startswith(u)), None)
    if unit is None and rest[:1] and "\u4e00" <= rest[0] <= "\u9fff" and not rest.startswith(("及", "以")):
        unit = rest[:1]
    if t.endswith(("及以上", "以上")) or any(w in t for w in ("≥", ">=", "不低于", "不少于", "大于等于")):
        direction = ">="
    elif any(w in t for w in LOWER):
        direction = "<="
    elif "=" in t[: m.start()] or "等于" in t:
        direction = "="
    elif ">" in t[: m.start()]:
        direction = ">"
    elif "<" in t[: m.start()]:
        direction = "<"
    else:
        direction = ">="
    return direction, Decimal(m.group(0)), unit


def _prose_indicators(para: _Para, ex: Extracted, goal) -> bool:
    """Sentences like “公文处理件数：年度指标值≥1200件，实际完成1350件，分值10分，得分10分。”"""
    text = para.norm.text
    p = patterns()
    t_lead = "|".join(map(re.escape, sorted(p["target_lead"], key=len, reverse=True)))
    a_lead = "|".join(map(re.escape, sorted(p["actual_lead"], key=len, reverse=True)))
    found = False
    for a, b in sentences(text, CLAUSE_END):
        seg = text[a:b]
        mt = re.search(rf"(?:{t_lead})(?:为|:)?(?P<t>[^,;。]+)", seg)
        ma = re.search(rf"(?:{a_lead})(?:为|:)?(?P<a>[^,;。]*)", seg[mt.end():]) if mt else None
        if not mt or not ma:
            continue
        name = re.sub(r"^(?:[0-9]+[.、]|[（(][一二三四五六七八九十0-9]+[）)]|[①-⑳])", "", seg[: mt.start()])
        name = name.strip(":,：").removesuffix("的")
        if not name or len(name) > 40:
            continue
        actual_start = mt.end() + ma.start("a")
        w = re.search(r"(?:分值|权重)(?:为)?(?P<n>" + NUMBER + ")分", seg)
        s = re.search(r"(?<!自评)得分(?:为)?(?P<n>" + NUMBER + ")分", seg)
        row = IndicatorRow(name=name, target=mt.group("t"), actual=ma.group("a") or None,
                           quote=para.quote(a, b, context=(a, b)), goal=goal[0], goal_number=goal[1],
                           weight=Decimal(w.group("n")) if w else None, score=Decimal(s.group("n")) if s else None)
        row.cells["actual"] = para.quote(a + actual_start, a + actual_start + max(1, len(ma.group("a"))), context=(a, b))
        if s:
            row.cells["score"] = para.quote(a + s.start(), a + s.end(), context=(a, b))
        ex.indicators.append(row)
        found = True
    return found


def _goal_list(para: _Para, ex: Extracted, goal) -> None:
    """A goal's indicators as a list: “各项事务管理工作测评率达到90%及以上；…；完成课题调研任务。”"""
    text = para.norm.text
    if text.startswith("绩效目标") or SECTION.match(text) or TOP_SECTION.match(text):
        return
    items = [(m.start(), m.end()) for m in re.finditer(r"[^;。]+", text)]
    if not items or any(e - s > 45 for s, e in items):
        return
    if goal[1] and not any(g[1] == goal[1] and g[0] == goal[0] for g in ex.goals):
        ex.goals.append(goal)
    for s, e in items:
        item = text[s:e].strip()
        m = re.search(r"(?:达到|不低于|不少于|不高于|不超过|控制在|低于|高于|≥|≤|>=|<=)", item)
        num = re.search(NUMBER, item)
        if m and num and num.start() > m.start():
            # the name stops before the first direction word; the statement keeps every word
            first = min((item.find(w) for w in ("低于", "高于", "达到", "不低于", "不超过") if item.find(w) > 0),
                        default=m.start())
            name = item[:first]
            target = item[first:]
        else:
            name, target = item, item
        ex.indicators.append(IndicatorRow(name=name, target=target, actual=None,
                                          quote=para.quote(s, e, context=(s, e)), goal=goal[0],
                                          goal_number=goal[1], statement=item))


# --- tables ----------------------------------------------------------------------------------------

def _is_total(cells: tuple[str, ...]) -> bool:
    first = [normalise(c).text for c in cells if c.strip()][:2]
    return any(any(w in c for w in patterns()["total_words"]) for c in first)


def _num(cell: str) -> Decimal | None:
    t = normalise(cell).text.rstrip("分万元%")
    return number(t) if re.fullmatch(NUMBER, t or "x") else None


def _table(table: SourceTable, ex: Extracted) -> None:
    p = patterns()
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            t = normalise(cell).text
            for m in (*OCR_NOISE.finditer(t), *OCR_SLIP.finditer(t)):
                ex.unreadable.append(Figure("unreadable", None, m.group(0), _cell_quote(table, r, c)))
            if (OCR_CELL.fullmatch(t) or MALFORMED.fullmatch(t)) and not OCR_NOISE.search(t):
                ex.unreadable.append(Figure("unreadable", None, cell.strip(), _cell_quote(table, r, c)))
            if any(word(w) in t for w in p["template"]):
                ex.template.append(_cell_quote(table, r, c))
    found = blocks(table.rows)
    read = False
    for blk in found:
        header = table.rows[blk.header]
        if blk.kind == "indicators":
            ind = header_columns(header, p["indicator_columns"])
            if "name" in ind and ("target" in ind or "actual" in ind):
                _indicator_table(table, blk.header, ind, ex, end=blk.end)
                read = True
        elif blk.kind == "funds":
            bud = header_columns(header, p["budget_columns"])
            if "executed" in bud and ("adjusted" in bud or "initial" in bud):
                _budget_table(table, blk.header, bud, ex, end=blk.end)
                read = True
    if not read:
        _key_values(table, ex)
    elif found[0].header > 0:  # the form's head: 项目名称 | … | 主管部门 | … above its first block
        _key_values(SourceTable(table.rows[: found[0].header], table.location), ex)


def _component_key(text: str) -> str | None:
    """The budget part whose longest name ``text`` holds (the first such part on a tie)."""
    t = normalise(text).text
    named = [(key, name) for key, spec in patterns()["components"].items() for name in spec["names"] if name in t]
    return max(named, key=lambda n: len(n[1]))[0] if named else None


def _in_yuan(table: SourceTable, h: int, cols: dict) -> bool:
    """A funds block whose header says its amounts are in 元 (项目资金（元）): they are read in 万元."""
    cells = [normalise(c).text for c in table.rows[h][: min(cols.values()) + 1]]
    return any(re.search(r"\(元\)", c) for c in cells) and not any("万元" in c for c in cells)


def _budget_table(table: SourceTable, h: int, cols: dict, ex: Extracted, *, end: int) -> None:
    first = True  # a first row that names no part is the total
    yuan = _in_yuan(table, h, cols)
    for r in range(h + 1, end):
        row = table.rows[r]
        label = " ".join(c for c in row[: min(cols.values())] if c) or row[0]
        total = _is_total((label,)) or (first and _component_key(label) is None)
        part = None if total else _component_key(label)
        prefix = "budget" if total else f"component.{part}" if part else None
        if prefix is None:
            continue
        first = False
        for key, c in cols.items():
            if c < len(row) and (v := _num(row[c])) is not None:
                if yuan and key in ("initial", "adjusted", "executed"):
                    v = to_wan(v, "元")
                name = {"weight": "execution.weight", "score": "execution.score"}.get(key, f"{prefix}.{key}")
                if key in ("weight", "score") and prefix != "budget":
                    continue
                unit = {"rate": "%", "weight": "分", "score": "分"}.get(key, "万元")
                ex.figures.append(Figure(name, v, row[c], _cell_quote(table, r, c), unit))
    _weight_in_header(table, h, cols, ex)
    # the parts against the total row are checked as budget components (checks.component_sums)


def _weight_in_header(table: SourceTable, h: int, cols: dict, ex: Extracted) -> None:
    """A funds block with no 分值 column that prints its weight in its header (“预算执行情况（20分）”,
    “得分（20分×执行率）”): that is the execution weight."""
    if "weight" in cols or "score" not in cols or any(f.key == "execution.weight" for f in ex.figures):
        return
    header = table.rows[h]
    for c in (cols["score"], 0):
        if c < len(header) and (m := re.search(r"[(（](?P<n>[0-9]+(?:\.[0-9]+)?)分", header[c])):
            ex.figures.append(Figure("execution.weight", Decimal(m.group("n")), m.group("n") + "分",
                                     _cell_quote(table, h, c), "分"))
            return


def _indicator_table(table: SourceTable, h: int, cols: dict, ex: Extracted, *, end: int) -> None:
    header = table.rows[h]
    tier1 = tier2 = ""
    rows, total = [], None  # (row, its 分值 and 得分) of each indicator, and of the 总分 row
    for r in range(h + 1, end):
        row = table.rows[r] + ("",) * (len(header) - len(table.rows[r]))

        def cell(key, row=row):
            return row[cols[key]].strip() if key in cols and cols[key] < len(row) else ""

        if _is_total(row):
            total = (r, {k: _num(cell(k)) for k in ("weight", "score")})
            break  # rows under 总分 (填表人, 填报日期) are not indicators
        tier1 = cell("tier1") or tier1
        tier2 = cell("tier2") or tier2
        name = cell("name")
        if not name or name == normalise(header[cols["name"]]).text:
            continue
        if not any(cell(k) for k in ("target", "actual", "weight", "score")):
            continue  # a label row inside the block (a sub-heading), not an indicator
        weight, score = _num(cell("weight")), _num(cell("score"))
        coef = _num(cell("coefficient"))
        ir = IndicatorRow(name=re.sub(r"\s+", "", name), target=cell("target"), actual=cell("actual") or None,
                          quote=_cell_quote(table, r, cols["name"]), goal=tier2 or tier1 or "绩效指标",
                          tier1=tier1 or None, weight=weight, score=score, coefficient=coef,
                          unit=cell("unit") or None, direction_cell=cell("direction") or None)
        for key in ("actual", "score", "weight", "target", "coefficient"):
            if key in cols:
                ir.cells[key] = _cell_quote(table, r, cols[key])
        ex.indicators.append(ir)
        rows.append((r, {"weight": weight, "score": score}))
    if total is None:
        return
    r, values = total
    for key in ("weight", "score"):
        stated = values.get(key)
        if stated is None or key not in cols:
            continue
        parts = [v.get(key) for _, v in rows if v.get(key) is not None]
        ex.claims.append(Claim("total_row", stated, tuple(parts), _cell_quote(table, r, cols[key]),
                               {"column": normalise(header[cols[key]]).text, "rows": [x + 1 for x, _ in rows],
                                "indicator_table": key}))
        if key == "score":
            ex.figures.append(Figure("table.total_score", stated, table.rows[r][cols[key]],
                                     _cell_quote(table, r, cols[key]), "分"))


UNIT_LABELS = ("部门名称", "单位名称", "实施单位", "主管部门", "预算单位")
KEY_VALUE = {"自评得分": "reported.score", "自评总分": "reported.score", "总分": "reported.score",
             "评价等级": "reported.grade", "自评等级": "reported.grade", "年初预算数": "budget.initial",
             "全年预算数": "budget.adjusted", "全年执行数": "budget.executed", "预算执行率": "budget.rate",
             "编制人数": "staff.authorised", "在职人数": "staff.serving", "离退休人数": "staff.retired",
             "人员编制": "staff.authorised", "编制数": "staff.authorised", "实有人数": "staff.serving"}


def _key_values(table: SourceTable, ex: Extracted) -> None:
    """Tables of label | value pairs (单位名称 | 某局 | 自评得分 | 95)."""
    for r, row in enumerate(table.rows):
        for c in range(len(row) - 1):
            label = normalise(row[c]).text
            if label in UNIT_LABELS and row[c + 1].strip() and ex.department is None:
                ex.department = normalise(row[c + 1]).text
                continue
            key = KEY_VALUE.get(label.rstrip(":（(万元)）")) or next((v for k, v in KEY_VALUE.items()
                                                                    if label.startswith(k)), None)
            if key is None or not row[c + 1].strip():
                continue
            raw = row[c + 1].strip()
            if key == "reported.grade":
                ex.figures.append(Figure(key, normalise(raw).text, raw, _cell_quote(table, r, c + 1)))
                continue
            v = _num(raw)
            if v is None:
                continue
            if key.startswith("staff."):
                v = int(v)
            if key.startswith("budget.") and key != "budget.rate" and "元" in label and "万元" not in label:
                v = to_wan(v, "元")
            ex.figures.append(Figure(key, v, raw, _cell_quote(table, r, c + 1),
                                     "%" if key == "budget.rate" else "分" if key == "reported.score" else None))
