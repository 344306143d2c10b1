"""Lists of amounts as a report states them: a total, 其中, and its parts, compared only within one
sentence and one level of brackets.

A sentence ends at 。！？ or where a new section starts inside a paragraph (一、 （三） run together
by a page's layout); a list continues across ；. 其中 inside brackets lists the parts of the amount just
before the bracket, and only the amounts inside that bracket; 其中 outside brackets takes the amounts
outside brackets.

>>> text = "共计239万元,其中上级资金179.25万元,本级59.75万元三、支出情况:支出共计87.06万元"
>>> [(t, p) for t, p, _ in list_claims(text)]
[('239万元', ['179.25万元', '59.75万元'])]
>>> [(t, p) for t, p, _ in list_claims("一批3374.3万元(其中建筑工程3292万元),合计6222.4万元(其中设备6025.215万元)")]
[]
>>> [(t, p) for t, p, _ in list_claims("共38万元,其中甲22万元,乙4.98万元;丙11.02万元。")]
[('38万元', ['22万元', '4.98万元', '11.02万元'])]
"""

from __future__ import annotations

import re

from .text import NUMBER

AMOUNT = re.compile(rf"(?<![0-9.A-Za-z])(?P<n>-?{NUMBER})(?P<u>亿元|万元|元)")
#: Where a sentence ends, or a section starts inside a run-together paragraph.
SENTENCE_END = re.compile(r"[。!?]|(?=[一二三四五六七八九十]{1,3}、)|(?=\([一二三四五六七八九十]{1,3}\))")


def _depths(text: str) -> list[int]:
    depth, out = 0, []
    for ch in text:
        if ch == ")":
            depth = max(0, depth - 1)
        out.append(depth)
        if ch == "(":
            depth += 1
    return out


def sentences(text: str, ends: re.Pattern = SENTENCE_END):
    """``(start, end)`` of each sentence of normalised ``text`` (of each piece ``ends`` closes)."""
    start = 0
    for m in ends.finditer(text):
        if m.end() > start:
            yield start, m.end()
            start = m.end()
    if start < len(text):
        yield start, len(text)


def list_claims(text: str):
    """``(total printed, [parts printed], (total match, part matches, sentence start))`` of each list."""
    out = []
    for a, b in sentences(text):
        seg = text[a:b]
        depth = _depths(seg)
        amounts = list(AMOUNT.finditer(seg))
        for m in re.finditer("其中", seg):
            i, level = m.start(), depth[m.start()]
            if level:
                opening = seg.rfind("(", 0, i)
                closing = seg.find(")", i)
                closing = len(seg) if closing < 0 else closing
                totals = [x for x in amounts if x.end() <= opening and depth[x.start()] == level - 1]
                parts = [x for x in amounts if i < x.start() < closing and depth[x.start()] == level]
            else:
                totals = [x for x in amounts if x.end() <= i and depth[x.start()] == 0]
                nxt = seg.find("其中", i + 2)
                stop = nxt if nxt > 0 and depth[nxt] == 0 else len(seg)
                parts = [x for x in amounts if i < x.start() < stop and depth[x.start()] == 0]
            if totals and len(parts) >= 2:
                out.append((totals[-1].group(0), [p.group(0) for p in parts], (totals[-1], parts, a)))
    return out
