"""Tables the way the forms are printed: one table for the whole form, its blocks found by their headers.

The MoF 项目支出绩效自评表 and 部门整体支出绩效自评表 are one table: title rows, 项目名称/主管部门, the funds
block (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分), 年度总体目标, then the indicator block
whose header (一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因) sits around
row 10, its 一级/二级 cells merged down the rows, and 总分 at the bottom. :func:`blocks` finds each block
anywhere in a table by its header words (``patterns.yaml`` ``form_blocks``); a merged cell reads as ''
and the name above it is carried down by the reader of the block.

The same model is rebuilt from text copies: :func:`split_line` reads one line of cells separated by
`` | ``, tabs or runs of spaces; :func:`from_cell_lines` reads a table copied one cell per line (blank
lines between) by anchoring each indicator row on its 分值 and 得分.

>>> split_line("一级指标 | 二级指标 | 三级指标 | 分值")
('一级指标', '二级指标', '三级指标', '分值')
>>> split_line("产出指标    数量指标    培训人次    ≥500人次")
('产出指标', '数量指标', '培训人次', '≥500人次')
>>> rows = from_cell_lines(["三级指标", "年度指标值", "实际完成值", "分值", "得分",
...                         "培训人次", "≥500人次", "520人次", "10", "10", "总分", "100", "93"])
>>> rows[1], rows[2]
(('培训人次', '≥500人次', '520人次', '10', '10'), ('总分', '', '', '100', '93'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .text import normalise

#: A cell holding only a number (a 分值, 得分 or an amount), as printed.
PURE_NUMBER = re.compile(r"^[-−]?[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?\s*(?:分|万元)?$")
#: Sentence punctuation: a line holding it is prose, not a row of cells.
PROSE = re.compile(r"[。！？]|[，,][^，,]{12,}[，,]")


@cache
def _patterns() -> dict:
    from .extract import patterns

    return patterns()


@cache
def _word(text: str) -> str:
    return normalise(text).text


@dataclass(frozen=True)
class Block:
    """One block of a form table: ``kind`` (funds | indicators | goals), the header row and the rows
    below it up to the next block (``end`` exclusive), 0-based row numbers of the table."""

    kind: str
    header: int
    end: int


def header_score(row: tuple[str, ...], kind: str) -> int:
    """How many distinct header words of ``kind`` the row's cells start with."""
    spec = _patterns()["form_blocks"][kind]
    cells = [_word(c) for c in row if c and c.strip()]
    hits = set()
    for w in spec["words"]:
        ww = _word(w)
        if any(c == ww or (c.startswith(ww) and len(c) <= len(ww) + 12) for c in cells):
            hits.add(ww)
    # a word inside a longer one (指标值 in 年度指标值) counts once
    return sum(1 for h in hits if not any(h != o and h in o for o in hits))


def blocks(rows: tuple[tuple[str, ...], ...]) -> list[Block]:
    """Every block of a table, by the row that holds its header words (the first of a run of header rows)."""
    need = {k: v["need"] for k, v in _patterns()["form_blocks"].items()}
    starts: list[tuple[int, str]] = []
    for r, row in enumerate(rows):
        scores = {k: header_score(row, k) for k in ("indicators", "funds", "goals")}
        ind_words = sum(1 for c in row if _word(c) in ("一级指标", "二级指标", "三级指标"))
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
    found = []
    for i, (r, kind) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(rows)
        found.append(Block(kind, r, end))
    return found


def _names_indicator(row) -> bool:
    cells = [_word(c) for c in row]
    return any(c in ("指标名称", "绩效指标", "三级指标", "指标内容") for c in cells) and any(
        "指标值" in c or "目标值" in c for c in cells)


def _names_amount(row) -> bool:
    cells = [_word(c) for c in row]
    return any("预算" in c or "执行数" in c for c in cells)


def header_columns(header: tuple[str, ...], spec: dict, *, below: tuple[str, ...] | None = None) -> dict[str, int]:
    """Column of each field: the field's words are tried in their order (三级指标 before 绩效指标), each
    against every cell; a two-row header (分值 | 得分 under a merged 自评) is read with ``below``."""
    cells = [_word(c) for c in header]
    if below is not None:
        cells = [c or _word(b) for c, b in zip(cells + [""] * (len(below) - len(cells)), below, strict=False)]
    found: dict[str, int] = {}
    for key, words in spec.items():
        for w in words:
            ww = _word(w)
            hit = next((i for i, c in enumerate(cells) if i not in found.values() and
                        (c == ww or (key != "score" and c.startswith(ww) and len(c) <= len(ww) + 14)
                         or (key == "score" and c in ("得分", "自评得分", "评价得分")))), None)
            if hit is not None:
                found[key] = hit
                break
    if "score" in found and "coefficient" in found and found["score"] == found["coefficient"]:
        del found["score"]
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
    if "\t" in s:  # empty cells kept: a merged 一级/二级 cell is a leading tab
        cells = tuple(c.strip() for c in line.rstrip("\r\n ").split("\t"))
        return cells if sum(1 for c in cells if c) >= 2 else None
    parts = [c for c in re.split(r"(?: {2,}|\u3000+)", s) if c.strip()]
    if len(parts) >= 3 and not PROSE.search(s) and all(len(c) <= 40 for c in parts):
        return tuple(c.strip() for c in parts)
    return None


def header_run(lines: list[str], start: int) -> int:
    """How many lines from ``start`` are header words of one block (one cell per line)."""
    words = {_word(w) for spec in _patterns()["form_blocks"].values() for w in spec["words"]}
    words |= {_word(w) for w in ("三级指标", "指标名称", "绩效指标", "年度指标值", "实际完成值", "偏差原因分析及改进措施",
                                 "自评得分", "权重", "年度目标值", "全年完成值", "预算执行率", "偏差原因分析", "全年预算数",
                                 "项目资金", "项目资金(万元)", "资金(万元)")}
    n = 0
    while start + n < len(lines) and any(_word(lines[start + n]).startswith(w) for w in words) \
            and len(_word(lines[start + n])) <= 20:
        n += 1
    return n


def _is_tier(cell: str, level: int) -> bool:
    names = _patterns()["tier1_names" if level == 1 else "tier2_names"]
    return _word(cell) in {_word(n) for n in names}


def from_cell_lines(lines: list[str]) -> list[tuple[str, ...]]:
    """A table copied one cell per line: its header (the first lines, header words) and the rows below,
    each anchored on its last two numbers (分值 and 得分) and laid out in the header's columns; a merged
    一级/二级 name printed once stays at the row it opens. Returns the rows, the header first."""
    from .extract import patterns

    n = header_run(lines, 0)
    header = tuple(lines[:n])
    if n < 3:
        return []
    spec = patterns()["indicator_columns"]
    cols = header_columns(header, spec)
    cells = lines[n:]
    if "weight" not in cols or "score" not in cols or "name" not in cols:
        return [header] + _funds_rows(header, cells)
    rows: list[tuple[str, ...]] = [header]
    pairs = []
    i = 0
    while i + 1 < len(cells):
        if PURE_NUMBER.match(cells[i]) and PURE_NUMBER.match(cells[i + 1]) and not (
                i + 2 < len(cells) and PURE_NUMBER.match(cells[i + 2])):
            pairs.append(i)
            i += 2
        else:
            i += 1
    prev = 0
    order = [k for k in ("tier1", "tier2", "name", "target", "actual") if k in cols]
    for p in pairs:
        segment = cells[prev:p]
        row = [""] * len(header)
        row[cols["weight"]], row[cols["score"]] = cells[p], cells[p + 1]
        if segment and _word(segment[-1]).startswith(("总分", "合计", "总计")) or (
                segment and any(_word(s).startswith(("总分", "合计")) for s in segment[-2:])):
            row[0] = next(s for s in segment if _word(s).startswith(("总分", "合计", "总计")))
            rows.append(tuple(row))
            prev = p + 2
            continue
        tiers = []
        if prev and len(segment) >= 1 and "deviation" in cols:
            body = [s for s in segment if not (_is_tier(s, 1) or _is_tier(s, 2))]
            if len(body) > len([k for k in order if k not in ("tier1", "tier2")]):
                row[cols["deviation"]] = segment[0]
                segment = segment[1:]
        for s in list(segment):
            if _is_tier(s, 1) and "tier1" in cols and not tiers:
                row[cols["tier1"]] = s
                tiers.append(s)
                segment = segment[1:]
            elif _is_tier(s, 2) and "tier2" in cols and len(tiers) < 2:
                row[cols["tier2"]] = s
                tiers.append(s)
                segment = segment[1:]
            else:
                break
        body_keys = [k for k in order if k not in ("tier1", "tier2")]
        for key, value in zip(body_keys[-len(segment):] if len(segment) < len(body_keys) else body_keys,
                              segment[-len(body_keys):], strict=False):
            row[cols[key]] = value
        rows.append(tuple(row))
        prev = p + 2
    if prev < len(cells) and "deviation" in cols and rows[1:]:
        last = list(rows[-1])
        last[cols["deviation"]] = cells[prev]
        rows[-1] = tuple(last)
    return rows


def _funds_rows(header: tuple[str, ...], cells: list[str]) -> list[tuple[str, ...]]:
    """The funds block copied one cell per line: a label, then its amounts in the header's order."""
    rows, current = [], None
    for c in cells:
        if PURE_NUMBER.match(c) or c.strip() in ("—", "-", "/", "－") or c.strip().endswith("%"):
            if current is not None:
                current.append(c)
            continue
        if current is not None:
            rows.append(tuple(current))
        current = [c]
    if current is not None:
        rows.append(tuple(current))
    return [r + ("",) * (len(header) - len(r)) if len(r) < len(header) else r for r in rows]
