"""Tables the way the forms are printed: one table for the whole form, its blocks found by their headers.

The MoF 项目支出绩效自评表 and 部门整体支出绩效自评表 are one table: title rows, 项目名称/主管部门, the funds
block (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分), 年度总体目标, then the indicator block
whose header (一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因) sits around
row 10, its 一级/二级 cells merged down the rows, and 总分 at the bottom. :func:`blocks` finds each block
anywhere in a table by its header words (``patterns.yaml`` ``form_blocks``); a merged cell reads as ''
and the name above it is carried down by the reader of the block.

The same model is rebuilt from text copies: :func:`split_line` reads one line of cells separated by
`` | ``, tabs or runs of spaces; :func:`cells_to_tables` reads tables copied one cell per line (blank
lines between) by anchoring each indicator row on its 分值 and 得分.

>>> split_line("一级指标 | 二级指标 | 三级指标 | 分值")
('一级指标', '二级指标', '三级指标', '分值')
>>> split_line("产出指标    数量指标    培训人次    ≥500人次")
('产出指标', '数量指标', '培训人次', '≥500人次')
>>> tables, _ = cells_to_tables(["三级指标", "年度指标值", "实际完成值", "分值", "得分",
...                              "培训人次", "≥500人次", "520人次", "10", "10", "总分", "100", "93"])
>>> rows = tables[0]
>>> rows[1], rows[2]
(('培训人次', '≥500人次', '520人次', '10', '10'), ('总分', '', '', '100', '93'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ..publish.terminal import width
from .text import number, patterns, word

#: A cell holding only a number (a 分值, 得分 or an amount), as printed.
PURE_NUMBER = re.compile(r"^[-−]?[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?\s*(?:分|万元)?$")
#: Sentence punctuation: a line holding it is prose, not a row of cells.
PROSE = re.compile(r"[。！？]|[，,][^，,]{12,}[，,]")


@dataclass(frozen=True)
class Block:
    """One block of a form table: ``kind`` (funds | indicators | goals), the header row and the rows
    below it up to the next block (``end`` exclusive), 0-based row numbers of the table."""

    kind: str
    header: int
    end: int


def header_score(row: tuple[str, ...], kind: str) -> int:
    """How many distinct header words of ``kind`` the row's cells start with."""
    spec = patterns()["form_blocks"][kind]
    cells = [word(c) for c in row if c and c.strip()]
    hits = set()
    for w in spec["words"]:
        ww = word(w)
        if any(c == ww or (ww in c and len(c) <= len(ww) + 12) for c in cells):
            hits.add(ww)
    # a word inside a longer one (指标值 in 年度指标值) counts once
    return sum(1 for h in hits if not any(h != o and h in o for o in hits))


def blocks(rows: tuple[tuple[str, ...], ...]) -> list[Block]:
    """Every block of a table, by the row that holds its header words (the first of a run of header rows)."""
    return list(_blocks(tuple(tuple(r) for r in rows)))


@lru_cache(maxsize=512)
def _blocks(rows: tuple[tuple[str, ...], ...]) -> tuple[Block, ...]:
    need = {k: v["need"] for k, v in patterns()["form_blocks"].items()}
    starts: list[tuple[int, str]] = []
    for r, row in enumerate(rows):
        scores = {k: header_score(row, k) for k in ("indicators", "funds", "goals")}
        ind_words = sum(1 for c in row if word(c) in ("一级指标", "二级指标", "三级指标"))
        if scores["indicators"] >= need["indicators"] and (ind_words or _names_indicator(row)):
            kind = "indicators"
        elif scores["funds"] >= need["funds"] and _names_amount(row):
            kind = "funds"
        elif scores["goals"] >= need["goals"]:
            kind = "goals"
        else:
            continue
        if starts and starts[-1][1] == kind and starts[-1][0] == r - 1:
            continue  # a two-row header: the block starts at its first row
        starts.append((r, kind))
    ends = [r for r, _ in starts[1:]] + [len(rows)]  # a block ends where the next one starts (no start: no block)
    return tuple(Block(kind, r, end) for (r, kind), end in zip(starts, ends, strict=False))


def has_block(doc, kind: str) -> bool:
    """Whether a table of ``doc`` (a :class:`~.source_document.SourceDocument`) holds a block of ``kind``."""
    return any(b.kind == kind for t in doc.tables for b in blocks(t.rows))


def _names_indicator(row) -> bool:
    cells = [word(c) for c in row]
    return any(c in ("指标名称", "绩效指标", "三级指标", "指标内容") for c in cells) and any(
        "指标值" in c or "目标值" in c for c in cells)


def _names_amount(row) -> bool:
    cells = [word(c) for c in row]
    return any("预算" in c or "执行数" in c for c in cells)


def header_columns(header: tuple[str, ...], spec: dict) -> dict[str, int]:
    """Column of each field: the field's words are tried in their order (三级指标 before 绩效指标), each
    against every cell no field before it took (a column is one field's at most)."""
    cells = [word(c) for c in header]
    found: dict[str, int] = {}
    for key, words in spec.items():
        for w in words:
            ww = word(w)
            hit = next((i for i, c in enumerate(cells) if i not in found.values() and
                        (c == ww or (key != "score" and (c.startswith(ww) or (ww in c and len(ww) >= 3))
                                     and len(c) <= len(ww) + 14)
                         or (key == "score" and (re.sub(r"\(分\)$", "", c) in ("得分", "自评得分", "自评分", "评价得分", "指标得分", "执行率得分")
                                          or re.fullmatch(r"得分\([0-9.]+分[×*x]执行率\)", c))))), None)
            if hit is not None:
                found[key] = hit
                break
    return found


# --- text copies ----------------------------------------------------------------------------------

def split_line(line: str) -> tuple[str, ...] | None:
    """The cells of one line of a text copy, or None when the line is not a row of cells: `` | `` or
    ``|`` framing, tabs, or runs of two or more spaces (ideographic spaces count)."""
    s = line.strip()
    if not s:
        return None
    if s.count("|") >= 2 or (s.count(" | ") >= 1):
        cells = tuple(c.strip() for c in s.strip("|").split("|"))
        return cells if len(cells) >= 2 else None
    if "\t" in s or line.count("\t") >= 2:  # empty cells kept: a merged 一级/二级 cell is a leading tab
        cells = tuple(c.strip() for c in line.rstrip("\r\n ").split("\t"))
        return cells if sum(1 for c in cells if c) >= 2 or line.count("\t") >= 2 else None
    parts = [c for c in re.split(r"(?: {2,}|\u3000+)", s) if c.strip()]
    indented = line.startswith(("  ", "\u3000"))  # a row whose first cells are merged (blank)
    if (len(parts) >= 3 or (indented and len(parts) >= 2)) and (len(parts) >= 4 or not PROSE.search(s)) \
            and all(len(c) <= 60 for c in parts):
        return tuple(c.strip() for c in parts)
    return None


def align_spaced(lines: list[str]) -> list[tuple[str, ...]]:
    """Rows of a table laid out with spaces (a PDF's text layer, a page's ``<pre>``): each cell goes to
    the column its start position falls in, so a blank (merged) cell stays blank instead of pulling the
    next cell left."""
    cells_at: list[list[tuple[int, str]]] = []
    starts: set[int] = set()
    for line in lines:
        found = []
        for m in re.finditer(r"\S+(?: \S+)*", line.replace("\u3000", "  ")):
            col = width(line[: m.start()])  # a Chinese character takes two columns
            found.append((col, m.group(0)))
            starts.add(col)
        cells_at.append(found)
    columns: list[int] = []
    for col in sorted(starts):
        if not columns or col - columns[-1] > 1:
            columns.append(col)
    rows = []
    for found in cells_at:
        row = [""] * len(columns)
        for col, text in found:
            k = max(i for i, c in enumerate(columns) if c <= col + 1)
            row[k] = (row[k] + " " + text).strip()
        rows.append(tuple(row))
    return rows


def header_run(lines: list[str], start: int) -> int:
    """How many cells from ``start`` are header words of one block (one cell per line); a unit note such
    as ``(万元)`` inside the header counts with it."""
    words = _header_words()
    n = 0
    while start + n < len(lines):
        cell = word(lines[start + n])
        if not (re.fullmatch(r"\((?:万元|元|分)\)", cell) or (any(cell.startswith(w) for w in words) and len(cell) <= 20)):
            break
        n += 1
    return n


@cache
def _header_words() -> frozenset[str]:
    words = {word(w) for spec in patterns()["form_blocks"].values() for w in spec["words"]
             if w not in ("预期目标", "实际完成情况", "年度目标", "总体目标", "年度总体目标")}
    words |= {word(w) for w in ("三级指标", "指标名称", "绩效指标", "年度指标值", "实际完成值", "偏差原因分析及改进措施",
                                 "自评得分", "权重", "年度目标值", "全年完成值", "预算执行率", "偏差原因分析", "全年预算数",
                                 "项目资金", "资金(万元)", "指标性质", "度量单位", "计量单位", "未完成原因分析", "调整后预算数",
                                 "预算执行数", "年初预算", "原因", "全年实际值", "实际值", "年终完成值", "年初指标值",
                                 "调整指标值", "得分系数", "指标权重", "指标得分", "是否核心指标", "执行率权重",
                                 "执行率得分", "全年(调整)预算数", "执行率(%)", "年初目标值")}
    return frozenset(words)


def _is_tier(cell: str, level: int) -> bool:
    names = patterns()["tier1_names" if level == 1 else "tier2_names"]
    bare = re.sub(r"\([0-9.]+分?\)$", "", word(cell))
    return bare in {word(n) for n in names}


#: Labels of a form's head (项目名称 | … | 主管部门 | …) copied one cell per line: each is followed by its value.
HEAD_LABELS = ("项目名称", "主管部门", "实施单位", "单位名称", "部门名称", "资金使用单位", "填报单位")
#: Labels whose value follows them in a copy one cell per line (人员编制 / 21 / 实有人数 / 21).
PAIR_LABELS = HEAD_LABELS + ("人员编制", "编制人数", "编制数", "实有人数", "在职人数", "离退休人数", "自评得分", "自评总分",
                             "评价等级", "自评等级", "联系人", "联络电话", "联系电话", "预算编码")
#: Cells that end a funds block copied one cell per line (the goals block follows it).
GOALS_START = ("年度总体目标", "总体目标", "年度目标", "项目年度目标", "当年绩效目标", "年初绩效目标")


def cells_to_tables(cells: list[str]) -> tuple[list[list[tuple[str, ...]]], int]:
    """Tables rebuilt from cells copied one per line (or run together on one line): the form's head as
    label | value rows, the funds block and the indicator block, each under its own header. Returns the
    tables and how many cells they used (the rest is text after the form)."""
    tables: list[list[tuple[str, ...]]] = []
    head: list[tuple[str, ...]] = []
    i, used = 0, 0
    while i < len(cells):
        n = header_run(cells, i)
        if n >= 3:
            header = tuple(c for c in cells[i:i + n] if not re.fullmatch(r"\((?:万元|元|分)\)", word(c)))
            if _is_value_header(header[0]):  # the label column has no header cell of its own
                header = ("",) + header
            end = _block_end(cells, i + n)
            rows, taken = _block_rows(header, cells[i + n:end])
            if rows:
                tables.append([header, *rows])
                i = used = i + n + taken
                continue
        label = word(cells[i])
        if (any(label.startswith(w) for w in PAIR_LABELS) or label.endswith("单位名称")) and len(label) <= 12 \
                and i + 1 < len(cells) and not tables:
            head.append((cells[i], cells[i + 1]))
            i += 2
            used = i
            continue
        i += 1
    if head:
        tables.insert(0, head)
    return tables, used


def pairs_table(cells: list[str]) -> tuple[int, int, list[tuple[str, str]]] | None:
    """A run of label / value cells (at least two labels a form knows): (first, end, pairs)."""
    pairs, first, end = [], None, 0
    i = 0
    while i + 1 < len(cells):
        if any(word(cells[i]).startswith(w) for w in PAIR_LABELS) and len(cells[i]) <= 12:
            first = i if first is None else first
            pairs.append((cells[i], cells[i + 1]))
            i += 2
            end = i
            continue
        if first is not None:
            break
        i += 1
    return (first, end, pairs) if len(pairs) >= 2 else None


def _is_value_header(cell: str) -> bool:
    """A header cell over values (年初预算, 全年执行数 …), not over the rows' labels."""
    words = [word(w) for k, ws in patterns()["budget_columns"].items() for w in ws if k != "weight"]
    c = word(cell)
    return any(c.startswith(w) for w in words) and not c.startswith(("项目资金", "资金", "预算执行情况"))


def _block_end(cells: list[str], start: int) -> int:
    for j in range(start, len(cells)):
        if header_run(cells, j) >= 3 or word(cells[j]).startswith(GOALS_START):
            return j
    return len(cells)


def _block_rows(header: tuple[str, ...], cells: list[str]) -> tuple[list[tuple[str, ...]], int]:
    cols = header_columns(header, patterns()["indicator_columns"])
    if "weight" in cols and "score" in cols and "name" in cols:
        return _indicator_rows(header, cols, cells)
    if "score" in cols and "name" in cols and ("target" in cols or "actual" in cols) and not _is_value_header(header[0]):
        return _score_only_rows(header, cols, cells)
    return _funds_rows(header, cells)


def _score_only_rows(header, cols, cells) -> tuple[list[tuple[str, ...]], int]:
    """Indicator rows of a form with a 得分 column and no 分值 one (年初目标值 | 实际完成值 | 得分): each run of
    numbers ends with the row's score; the numbers before it are its target and actual when those are
    numbers, the words since the last row its name (and its words target and actual)."""
    order = [k for k in ("name", "target", "actual") if k in cols]
    rows: list[tuple[str, ...]] = []
    prev = taken = i = 0
    while i < len(cells):
        if not PURE_NUMBER.match(cells[i]):
            i += 1
            continue
        end = i
        while end < len(cells) and PURE_NUMBER.match(cells[end]):
            end += 1
        segment = cells[prev:i]
        tiers = [c for c in segment if _is_tier(c, 1) or _is_tier(c, 2)]
        values = [c for c in segment if c not in tiers] + cells[i:end - 1]
        if word(values[-1] if values else "").startswith(("总分", "合计", "总计")) or len(values) < len(order):
            break
        row = [""] * len(header)
        _put_tiers(row, cols, tiers)
        for key, value in zip(order, values[-len(order):], strict=True):
            row[cols[key]] = value
        row[cols["score"]] = cells[end - 1]
        rows.append(tuple(row))
        prev = taken = i = end
    return rows, taken


def _put_tiers(row: list[str], cols: dict, tiers: list[str]) -> None:
    """The 一级/二级 names since the last row, each in its column (either kind: 二级 once 一级 is set)."""
    for s in tiers:
        key = "tier2" if _is_tier(s, 2) and (not _is_tier(s, 1) or row[cols.get("tier1", 0)]) else "tier1"
        if key in cols:
            row[cols[key]] = s


def _indicator_rows(header, cols, cells) -> tuple[list[tuple[str, ...]], int]:
    """Indicator rows anchored on their numbers: the text cells since the last row are the name (and the
    target and actual when they are words); a run of numbers fills the missing target/actual, then 分值
    and 得分 (a number after them is the deviation cell). A merged 一级/二级 name printed once stays at the
    row it opens; the block ends after its 总分 (or 合计) row."""
    # each cell keeps the original position after it, so that what the rows used is counted in the copy
    tagged = list(zip(cells, range(1, len(cells) + 1), strict=True))
    if "direction" in cols or "unit" in cols:
        tagged = _join_targets(tagged)
    if any("是否" in word(h) for h in header):  # 是否核心指标: a 是/否 cell after each row's 得分
        tagged = [(c, k) for c, k in tagged if c.strip() not in ("是", "否")]
    if "unit" in cols or "direction" in cols or "coefficient" in cols:
        tagged = _drop_kinds(tagged, coefficient="coefficient" in cols)
    cells, ends = [c for c, _ in tagged], [k for _, k in tagged]
    if "weight" in cols and "target" in cols and cols["weight"] < cols["target"]:
        rows, taken = _weight_first_rows(header, cols, cells)
    else:
        rows, taken = _anchored_rows(header, cols, cells)
    return rows, ends[taken - 1] if taken else 0


def _anchored_rows(header, cols, cells) -> tuple[list[tuple[str, ...]], int]:
    order = [k for k in ("name", "target", "actual") if k in cols]
    rows: list[tuple[str, ...]] = []
    prev = taken = i = 0
    # a copy whose 得分 (and 完成值) cells are all blank has one number per row: its 分值
    weights_only = not any(PURE_NUMBER.match(a) and PURE_NUMBER.match(b) for a, b in zip(cells, cells[1:], strict=False))
    while i < len(cells):
        if not PURE_NUMBER.match(cells[i]):
            i += 1
            continue
        run_end = i
        while run_end < len(cells) and PURE_NUMBER.match(cells[run_end]):
            run_end += 1
        run = cells[i:run_end]
        segment = cells[prev:i]
        tiers = [s for s in segment if _is_tier(s, 1) or _is_tier(s, 2)]
        texts = [s for s in segment if s not in tiers]
        row = [""] * len(header)
        if texts and word(texts[-1]).startswith(("总分", "合计", "总计")):
            return [*rows, _total_row(header, cols, texts[-1], run)], i + min(len(run), 2)
        if rows and "deviation" in cols and len(texts) > len(order):
            last = list(rows[-1])
            last[cols["deviation"]] = texts[0]
            rows[-1] = tuple(last)
        # numbers fill the target and actual first (the name is always words); one more is a deviation
        if weights_only and texts:
            _put_tiers(row, cols, tiers)
            values = texts[-min(len(order), 2):] if len(texts) >= 2 else texts
            for key, value in zip(order, values, strict=False):
                row[cols[key]] = value
            row[cols["weight"]] = run[0]
            rows.append(tuple(row))
            prev = taken = i = i + 1
            continue
        missing = min(len(order) - 1, len(run) - 2) if len(run) >= 2 else 0
        missing = max(missing, len(order) - len(texts))
        if len(run) < missing + 2 or not texts:
            i = run_end  # numbers inside a name or a goal: not a row's 分值 and 得分
            continue
        _put_tiers(row, cols, tiers)
        words = texts[-(len(order) - missing):] if len(order) > missing else []
        for key, value in zip(order, words, strict=False):
            row[cols[key]] = value
        # the numbers fill their columns in the header's order (指标值 | 指标权重 | 全年完成值 | 指标得分)
        numeric = sorted(order[len(order) - missing:] + ["weight", "score"], key=lambda k: cols[k])
        for key, value in zip(numeric, run, strict=False):
            row[cols[key]] = value
        if len(run) > missing + 2 and "deviation" in cols:
            row[cols["deviation"]] = run[missing + 2]
        rows.append(tuple(row))
        prev = taken = i = run_end
    return rows, taken


def _total_row(header, cols, label: str, numbers: list[str]) -> tuple[str, ...]:
    """The 总分 row: its label, then its 分值 and 得分 as far as ``numbers`` gives them."""
    row = [label] + [""] * (len(header) - 1)
    for key, value in zip(("weight", "score"), numbers, strict=False):
        row[cols[key]] = value
    return tuple(row)


#: A 计量单位 or 指标性质 cell copied on its own line (%, 篇, 定量指标 …): not a target or an actual.
KIND_CELL = re.compile(r"%|[\u4e00-\u9fff]{1,2}|定量(?:指标)?|定性(?:指标)?|正向|反向")


def _drop_kinds(tagged: list, *, coefficient: bool) -> list:
    """Cells without the unit and nature cells of the indicator rows (%, 篇, 定量指标 after a name or a
    target), and without the 得分系数 (a % right before 分值 and 得分), so that each row reads name,
    target, actual, 分值, 得分."""
    cells = [c for c, _ in tagged]
    levels = {word(w) for ws in patterns()["levels"].values() for w in ws}  # 完成, 达到: an actual, not a unit
    out = []
    for k, (c, end) in enumerate(tagged):
        t = c.strip()
        if KIND_CELL.fullmatch(t) and not _is_tier(t, 1) and not _is_tier(t, 2) \
                and t not in ("高", "好", "优", "良", "中", "差") and word(t) not in levels:
            if k and not PURE_NUMBER.match(cells[k - 1]) and not word(cells[k - 1]).startswith(("总分", "合计")):
                continue
        if coefficient and re.fullmatch(r"[0-9.]+%", t) and k + 2 < len(cells) and PURE_NUMBER.match(cells[k + 1]) \
                and PURE_NUMBER.match(cells[k + 2]):
            continue  # 得分系数（%）between the actual and the 分值
        out.append((c, end))
    return out


def _weight_first_rows(header, cols, cells) -> tuple[list[tuple[str, ...]], int]:
    """Rows of a table whose 分值 comes before the target (一级 | 二级 | 三级 | 分值 | 指标值 | 实际值 | 得分):
    a name, then its 分值, target, actual and 得分, one cell each."""
    rows: list[tuple[str, ...]] = []
    i = taken = 0
    tiers: list[str] = []
    while i < len(cells):
        c = cells[i]
        if word(c).startswith(("总分", "合计")):
            numbers = cells[i + 1:i + 2] if i + 1 < len(cells) and PURE_NUMBER.match(cells[i + 1]) else []
            return [*rows, _total_row(header, cols, c, numbers)], i + 2
        if _is_tier(c, 1) or _is_tier(c, 2) or re.search(r"\([0-9.]+分\)$", word(c)):
            tiers.append(c)
        elif i + 4 < len(cells) and PURE_NUMBER.match(cells[i + 1]) and not PURE_NUMBER.match(c):
            row = [""] * len(header)
            for key, value in zip(("name", "weight", "target", "actual", "score"), cells[i:i + 5], strict=True):
                if key in cols:
                    row[cols[key]] = value
            for t in tiers[-2:]:
                key = "tier2" if _is_tier(t, 2) or not _is_tier(t, 1) and tiers.index(t) else "tier1"
                if key in cols:
                    row[cols[key]] = t
            tiers = []
            rows.append(tuple(row))
            i = taken = i + 5
            continue
        i += 1
    return rows, taken


def _join_targets(tagged: list) -> list:
    """指标性质 | 指标值 | 度量单位 copied one per line (≤ / 30 / 万元) read as one target (≤30万元)."""
    out, i = [], 0
    cells = [c for c, _ in tagged]
    while i < len(cells):
        c = cells[i].strip()
        if word(c) in ("≥", "≤", "=", ">", "<") and i + 1 < len(cells) and PURE_NUMBER.match(cells[i + 1]):
            unit = cells[i + 2].strip() if i + 2 < len(cells) and re.fullmatch(r"%|[\u4e00-\u9fff]{1,3}", cells[i + 2].strip()) \
                and not _is_tier(cells[i + 2], 1) and not _is_tier(cells[i + 2], 2) else ""
            step = 3 if unit else 2
            out.append((c + cells[i + 1].strip() + unit, tagged[i + step - 1][1]))
            i += step
            continue
        out.append(tagged[i])
        i += 1
    return out


def _rate_weight_score(values: list[str], tail: int) -> bool:
    """Values that fill a funds header's last columns from 执行率 on: a rate, a weight, a score no higher
    than that weight."""
    if len(values) != tail or tail != 3 or not all(PURE_NUMBER.match(v) for v in values):
        return False
    rate, weight, score = (number(word(v)) for v in values)
    return None not in (rate, weight, score) and 0 <= rate <= 100 and 0 < weight <= 100 and 0 <= score <= weight


def _funds_rows(header: tuple[str, ...], cells: list[str]) -> tuple[list[tuple[str, ...]], int]:
    """The funds block copied one cell per line: a label (or none, when the label cell was blank), then
    its values; a value with % is set in the header's 执行率 column and the others around it (blank cells
    vanish from such a copy, so values are aligned by what they are)."""
    raw: list[list[str]] = []  # each label and the values after it
    for c in cells:
        if PURE_NUMBER.match(c) or c.strip() in ("—", "-", "/", "－") or c.strip().endswith("%"):
            if not raw:
                raw.append([""])  # values before any label: the label cell was blank
            raw[-1].append(c)
        else:
            raw.append([c])
    width = len(header)
    rate = header_columns(header, {"rate": patterns()["budget_columns"]["rate"]}).get("rate")
    out = []
    for r in raw:
        label, values = r[0], r[1:]
        row = [label] + [""] * (width - 1)
        p = next((k for k, v in enumerate(values) if v.strip().endswith("%")), None)
        start = rate - p if rate is not None and p is not None and rate - p >= 1 else 1
        if p is None and rate is not None and _rate_weight_score(values, width - rate):
            start = rate  # blank amounts lost in the copy: the values are 执行率, 权重, 得分 (79.27 / 10 / 7.93)
        for k, v in enumerate(values):
            if start + k < width:
                row[start + k] = v
        out.append(tuple(row))
    return out, len(cells)
