"""What a document is and how much of it was read, the way a person reads a form.

:func:`identify` sets the kind (department | project | special) from the title and then the form, the
evaluated year from 年度 in the title (never from 填报日期, which is the year after), and the unit
without a web page's breadcrumb. :func:`coverage` says what was read against what the document lists:
``{indicators_read, indicators_listed, budget_read, truncated, partial}`` and the words a page prints
(“读出指标24项，表中列有41项”, “部分读取”, “文档在总分之前截断”). A count is never stated as fact when the
reading was partial: :func:`coverage_words` says so.

>>> from .readers import read_text
>>> from .extract import extract
>>> doc = read_text("首页 > 信息公开 > 某县农业农村局2019年度项目支出绩效自评表\\n\\n填报日期：2020年3月1日", "x.txt")
>>> ex = extract(doc); identify(doc, ex); (ex.kind, ex.year, ex.department)
('project', 2019, '某县农业农村局')
"""

from __future__ import annotations

import re
from dataclasses import replace

from .extract import Extracted, patterns
from .source_document import SourceDocument, SourceTable
from .tables import blocks, has_block
from .text import fold, normalise

YEAR_OF = re.compile(r"(?P<y>(?:19|20)[0-9]{2})年度")
DATED = re.compile(r"(?:填报日期|填表日期|报告日期|报送日期|日期)[:：]?\s*(?:19|20)[0-9]{2}年")
CRUMB_SEPARATORS = (">", "›", "»", "＞", "→", "/")


def identify(doc: SourceDocument, ex: Extracted) -> None:
    """Kind, evaluated year and unit of ``doc`` (sets them on ``ex``): the unit as a cover or form labels
    it, else as the title names it (without a breadcrumb, a kind word or a budget code)."""
    line = _title_line(doc)
    if line:
        ex.title = line
    head = fold(normalise(doc.text()[:6000]).text)
    title = fold(normalise(ex.title).text) if ex.title else ""
    ex.kind = _kind(title, head, doc)
    year = _title_year(doc, line)
    if year is not None:
        ex.year = year
    elif ex.year is not None and (period := _period_year(doc)) is not None:
        ex.year = period
    if ex.kind != "department":  # a project's 项目支出 is its whole budget, not a department's part
        have = {f.key for f in ex.figures}
        ex.figures = [replace(f, key="budget." + f.key.removeprefix("component.project."))
                      if f.key.startswith("component.project.") and "budget." + f.key.removeprefix("component.project.")
                      not in have else f for f in ex.figures]
    named = _title_unit(line) if line else ex.department
    unit = _prose_unit(doc) or _form_unit(doc, department=ex.kind == "department") or named
    ex.department = strip_breadcrumb(unit) if unit else None


#: A title: a short line naming the evaluation (绩效 … 自评/评价/报告/表).
TITLE = re.compile(r"绩效.{0,12}(?:自评|评价|报告|表)|自评(?:报告|表|结果)|(?:19|20)[0-9]{2}年度?.{0,24}决算")
#: The year a title names: 2019年度 or 2019年 before what the document is (决算, 绩效, 自评).
TITLE_YEAR = re.compile(r"(?P<y>(?:19|20)[0-9]{2})年度?(?=.{0,16}(?:决算|绩效|自评|评价))")
KIND_WORDS = re.compile(r"(?:中央转移支付|转移支付|专项资金|部门整体|整体支出|项目支出|部门预算|机关整体|部门)$")


MARKER_LINE = re.compile(r"[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分|[（(]")


def _title_line(doc: SourceDocument) -> str | None:
    """The line of the first paragraphs that names the evaluation, as printed (spaces dropped)."""
    paras = doc.paragraphs[:12]
    unwrapped = [re.sub(r"\s*\n\s*", "", p.text) for p in paras]  # a title a page wrapped onto two lines (or paragraphs)
    for i, p in enumerate(paras):
        joined = unwrapped[i]
        pair = joined + unwrapped[i + 1] if i + 1 < len(paras) else ""
        nxt = paras[i + 1].text.lstrip() if i + 1 < len(paras) else ""
        head = len(joined) <= 30 and not MARKER_LINE.match(nxt) and not TITLE.search(fold(normalise(joined).text))
        wrapped = [pair] if head and len(pair) <= 70 and re.search(r"(?:19|20)[0-9]{2}", pair) else []
        after = unwrapped[i + 2] if i + 2 < len(paras) else ""
        if head and len(pair) <= 64 and 0 < len(after) <= 6:
            wrapped = [pair + after] + wrapped  # a PDF title over three lines, its last a word's tail (报 / 告)
        first = p.text.strip().split("\n")[0]  # a title line with a date line under it in one paragraph
        lines = [ln.strip() for ln in p.text.split("\n") if ln.strip()]
        # inside a longer paragraph (a PDF's info box run into it), a title a line break cut in two
        halves = [a + b for a, b in zip(lines, lines[1:], strict=False)
                  if not TITLE.search(fold(normalise(a).text)) and len(a) <= 40 and len(b) <= 20]
        for raw in wrapped + [first] + ([joined] if len(joined) <= 70 else []) + halves + p.text.split("\n"):
            text = fold(normalise(raw).text)
            crumb = any(sep in text for sep in CRUMB_SEPARATORS[:4]) or text.startswith(tuple(patterns()["breadcrumb"])) \
                or re.match(r"[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分", text)
            sentence = "," in text or text.endswith("。")  # a notice's sentence names the evaluation too
            sentence = sentence or text.startswith("索引号") or "发布机" in text  # a site's info box (發布機構)
            if 6 <= len(text) <= 70 and TITLE.search(text) and not crumb and not sentence \
                    and not text.startswith(("按", "根据", "为")):
                return re.sub(r"\s+", "", raw)
    return None


def _title_unit(line: str) -> str | None:
    """The unit a title names before its year or its kind (岳阳县2020年度… → 岳阳县)."""
    text = fold(line)
    m = re.search(r"(?:19|20)[0-9]{2}年度?|[（(]?(?:19|20)[0-9]{2}", text)
    cut = m.start() if m else len(text)
    k = re.search(r"部门整体|整体支出|项目支出|机关整体|部门预算|绩效|自评|中央转移支付|专项资金|部门决算|单位决算|决算", text)
    if k and k.start() < cut:
        cut = k.start()
    name = re.split(r"[0-9A-Za-z:：]+", line[:cut])[-1].strip("（(：: ")  # not an index code before the title
    if not name and m and k and k.start() > m.end():  # 2023年度某局部门整体支出…: the name follows the year
        name = line[m.end():k.start()].strip("（(）)：: ")
    while KIND_WORDS.search(fold(name)):
        name = name[: KIND_WORDS.search(fold(name)).start()]
    suffixes = list(UNIT_SUFFIX.finditer(fold(name)))
    if suffixes:  # 某指挥部乡村振兴项目资金 → 某指挥部: the unit ends with its last unit word
        name = name[: suffixes[-1].end()]
    elif re.search(r"资金|经费|项目|工程", fold(name)) or not re.search(r"(?:省|市|州|县|区|旗|镇|乡|街道|村)$", fold(name)):
        return None  # the title names a fund or a project (or 预算绩效评价…), not the unit
    return name if len(name) >= 2 else None


#: How a unit's name ends (局, 中心, 指挥部 …).
UNIT_SUFFIX = re.compile(r"(?:指挥部|委员会|办公室|人民政府|政府|中心|局|院|所|站|队|馆|学校|中学|小学|大学|学院|政协|残联|妇联|"
                         r"团委|委|办|处|厅|部|社|会)(?=[^局院所站队馆委办处厅部社会]|$)")


#: The labels a form names its unit by, the most specific first (a project's unit is the one carrying it out).
UNIT_LABELS = ("实施单位", "资金使用单位", "单位名称", "部门名称", "部门（单位）名称", "填报单位", "预算单位", "主管部门")


def _form_unit(doc: SourceDocument, *, department: bool = False) -> str | None:
    """The unit a form names (实施单位 before 主管部门), without its budget code (219001-某镇人民政府)."""
    found = {}
    for t in doc.tables[:3]:
        for row in t.rows[:6]:
            for cell in row:  # 单位名称：某局 in one cell
                m = PROSE_UNIT.search(fold(cell))
                if m and "单位名称" not in found:
                    found["单位名称"] = cell[m.start("u"):m.end("u")]
            for c in range(len(row) - 1):
                label = re.sub(r"[（(]盖章[）)]|[:：\s]", "", fold(row[c]))
                value = next((v for v in row[c + 1:] if v.strip()), "")
                if label.endswith(("单位名称", "部门名称")) and label not in UNIT_LABELS:
                    label = "单位名称"  # 区级预算单位名称, 县级部门名称
                if label in UNIT_LABELS and value and label not in found:
                    found[label] = re.sub(r"^[0-9A-Za-z]+[-－—]", "", value.strip())
    order = ("单位名称", "部门名称", "部门（单位）名称", "主管部门") + UNIT_LABELS if department else UNIT_LABELS
    return next((found[k] for k in order if k in found), None)


def _kind(title: str, head: str, doc: SourceDocument) -> str:
    kinds = patterns()["kinds"]
    for text in (title, head[:1500], head):
        if not text:
            continue
        # the kind named first in the text (special before project before department at one place)
        found = [(i, kind) for kind in ("special", "project", "department") for w in kinds[kind]
                 if (i := text.find(fold(normalise(w).text))) >= 0]
        if found:
            return min(found, key=lambda f: f[0])[1]
    # no title words: a form with 项目名称 and a funds block is a project's
    if "项目名称" in head and has_block(doc, "funds"):
        return "project"
    return "department"


def _title_year(doc: SourceDocument, line: str | None) -> int | None:
    """The year a report evaluates: 年度 in its title ``line`` or first lines (评价年度：2024 on a cover),
    never the date it was filed."""
    cover = COVER_YEAR.search(fold(doc.text()[:1500]))
    if cover:
        return int(cover.group("y"))
    titled = TITLE_YEAR.search(fold(normalise(line).text)) if line else None
    if titled:
        return int(titled.group("y"))
    for block in doc.blocks[:12]:
        text = block.text if not isinstance(block, SourceTable) else "\n".join(" ".join(r) for r in block.rows[:4])
        norm = fold(normalise(text).text)
        for m in YEAR_OF.finditer(norm):
            before = norm[max(0, m.start() - 8): m.start()]
            if not DATED.search(before + m.group(0)):
                return int(m.group("y"))
    return None


#: The year a cover states (评价年度：2024) or a project's period (2020年元月起至2020年12月止).
COVER_YEAR = re.compile(r"(?:评价年度|所属年度|年度)[:：]\s*(?P<y>(?:19|20)[0-9]{2})")
PERIOD = re.compile(r"(?P<y>(?:19|20)[0-9]{2})年[^至]{0,8}至(?P=y)年12月")
#: A cover's or a form's label of the unit, with the unit after it.
PROSE_UNIT = re.compile(r"(?:项目单位|评价单位|实施单位|单位名称|部门[（(]单位[)）]名称)(?:[（(]公章[)）])?(?:[:：]|[ \t\u3000]{2,})[ \u3000]*"
                        r"(?P<u>[^\s，。；]{2,40})")


def _period_year(doc: SourceDocument) -> int | None:
    text = fold(doc.text()[:4000])
    m = COVER_YEAR.search(text) or PERIOD.search(text)
    return int(m.group("y")) if m else None


#: A unit the opening introduces by a short name: 湖北残疾人联合会（以下简称“省残联”）.
NAMED_UNIT = re.compile(r"(?:^|[，,。；;、\s])(?P<u>[^，,。；;、\s（(《》“”]{2,30}?)[（(](?:以下)?简称")


#: A unit the opening names as the one that evaluated the year (某局对2021年度…开展了绩效自评).
SUBJECT_UNIT = re.compile(r"(?:^|[，,。；;：:\s])(?P<u>[^，,。；;：:\s“”]{2,30}?)对(?:19|20)[0-9]{2}年度?[^。]{0,40}?"
                          r"(?:开展|进行)了?[^。]{0,8}?(?:自评|评价)")


def _prose_unit(doc: SourceDocument) -> str | None:
    """The unit a cover names (评价单位（公章）：某乡人民政府), or the one the opening introduces by a short
    name (某联合会（以下简称“省残联”）), as printed."""
    for p in doc.paragraphs[:15]:
        m = PROSE_UNIT.search(fold(p.text))
        if m:
            return p.text[m.start("u"):m.end("u")]
    for p in doc.paragraphs[:6]:
        for rx in (NAMED_UNIT, SUBJECT_UNIT):
            for m in rx.finditer(re.sub(r"\s*\n\s*", "", p.text)):  # a name a line break cut
                name = m.group("u")
                if name.startswith(("我", "本", "该", "各")) or len(name) < 3:
                    continue  # 我局对2021年度…: the report speaking of itself, not naming the unit
                if UNIT_SUFFIX.search(fold(name)) and UNIT_SUFFIX.search(fold(name)).end() == len(name):
                    return name
    return None


def strip_breadcrumb(name: str) -> str:
    """A unit's name without the trail a web page prints before it (首页 > 信息公开 > 某局)."""
    for sep in CRUMB_SEPARATORS:
        if sep in name:
            name = name.rsplit(sep, 1)[-1]
    for w in patterns()["breadcrumb"]:
        if name.startswith(w):
            name = name[len(w):]
    return name.strip(" :：-—|")


def coverage(doc: SourceDocument, ex: Extracted) -> dict:
    """What was read against what the document lists; ``words`` is what a page prints."""
    listed = 0
    has_form = False
    total_row = False
    cut = False
    for t in doc.tables:
        for b in blocks(t.rows):
            if b.kind != "indicators":
                continue
            has_form = True
            body = [r for r in t.rows[b.header + 1: b.end] if any(c.strip() for c in r)]
            # the last row of the table holds a name and nothing else: the copy stops inside the form
            cut = cut or (b.end == len(t.rows) and len(body) >= 2 and sum(1 for c in body[-1] if c.strip()) <= 1
                          and sum(1 for c in body[-2] if c.strip()) >= 4)
            for row in t.rows[b.header + 1: b.end]:
                cells = [normalise(c).text for c in row if c and c.strip()]
                if any(any(w in c for w in ("总分", "合计", "总计")) for c in cells[:2]):
                    total_row = True
                    break
                if len(cells) >= 3:
                    listed += 1
    if has_form and not total_row and not cut:
        cut = _ends_after_form(doc)
    read = len(ex.indicators)
    table_read = sum(1 for i in ex.indicators if i.tier1 is not None or i.cells.get("weight") is not None)
    prose_read = read - table_read
    indicators_listed = max(listed + prose_read, read) if has_form else read
    budget_read = any(f.key.startswith("budget.") for f in ex.figures)
    score_stated = any(f.key in ("reported.score", "table.total_score") for f in ex.figures)
    truncated = has_form and not total_row and (not score_stated or cut)
    partial = truncated or read < indicators_listed or (has_block(doc, "funds") and not budget_read)
    return {"indicators_read": read, "indicators_listed": indicators_listed, "budget_read": budget_read,
            "truncated": truncated, "partial": partial, "words": coverage_words(read, indicators_listed,
                                                                                truncated, partial)}


def _ends_after_form(doc: SourceDocument) -> bool:
    """The document ends with its indicator table (or one short fragment after it): the copy stops inside
    the form."""
    last = max((i for i, b in enumerate(doc.blocks) if isinstance(b, SourceTable)
                and any(k.kind == "indicators" for k in blocks(b.rows))), default=None)
    if last is None:
        return False
    after = doc.blocks[last + 1:]
    return len(after) <= 3 and all(not isinstance(b, SourceTable) and len(b.text.strip()) <= 10 for b in after)


def coverage_words(read: int, listed: int, truncated: bool, partial: bool) -> str:
    """“读出指标24项，表中列有41项；部分读取” — what a page says about how much was read."""
    words = f"读出指标{read}项" + (f"，表中列有{listed}项" if listed > read else "")
    if truncated:
        words += "；文档在总分之前截断"
    if partial:
        words += "；部分读取"
    return words


def drop_cut_row(doc: SourceDocument, ex: Extracted, cov: dict) -> dict:
    """A document cut off inside its last indicator row: that row is not read as an indicator (cut before
    its actual, 分值 and 得分, or, where the rows above it are scored, before its 得分); the coverage is
    counted again."""
    last = ex.indicators[-1] if ex.indicators else None
    if not cov["truncated"] or last is None or last.score is not None:
        return cov
    scored_above = any(r.score is not None for r in ex.indicators[:-1])
    if (last.actual is None and last.weight is None) or scored_above:
        ex.indicators.pop()
        return coverage(doc, ex)
    return cov
