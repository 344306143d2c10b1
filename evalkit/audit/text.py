"""Chinese report text as figures are read from it: a normalised copy that remembers where each of
its characters came from, amounts in 万元, percentages, Chinese numerals and dates.

Normalising maps full-width digits and punctuation to ASCII, drops every space and line break (a
number or a word broken across lines, ``优\\n秀``, reads whole again) and keeps, per character, its
offset in the original, so a quote is always the text as printed.

>>> n = normalise("调整预算数 9,593.18\\n万元，执行率９９．７１％")
>>> n.text
'调整预算数9593.18万元,执行率99.71%'
>>> n.original("调整预算数 9,593.18\\n万元，执行率９９．７１％", 5, 14)
'9,593.18\\n万元'
>>> to_wan(Decimal("95931800"), "元")
Decimal('9593.18')
>>> chinese_numeral("十二"), chinese_numeral("三十五")
(12, 35)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from ..core.numbers import NumberFormatError, parse_number

#: Characters kept as they are although NFKC would change them (Chinese punctuation carries meaning).
_KEEP = set("，。；：、（）“”")
_PUNCT = {"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "．": ".", "％": "%", "～": "~", "－": "-",
          "—": "-", "–": "-", "〇": "0", "≧": "≥", "≦": "≤", "═": "="}


@dataclass(frozen=True)
class Normalised:
    """``text`` normalised; ``offsets[i]`` is where its character ``i`` stands in the original."""

    text: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of normalised ``[start, end)``."""
        if not self.offsets:
            return 0, 0
        end = max(start + 1, end)
        return self.offsets[min(start, len(self.offsets) - 1)], self.offsets[min(end, len(self.offsets)) - 1] + 1

    def original(self, source: str, start: int, end: int) -> str:
        a, b = self.span(start, end)
        return source[a:b]


def normalise(text: str) -> Normalised:
    """Full-width to ASCII (except 。、“” which stay), whitespace dropped, thousands separators dropped."""
    out, where = [], []
    for i, ch in enumerate(text):
        if ch.isspace() or ch in "\u200b\ufeff":
            continue
        if ch in _PUNCT:
            mapped = _PUNCT[ch]
        elif ch in _KEEP:
            mapped = ch
        else:
            mapped = unicodedata.normalize("NFKC", ch)
            mapped = mapped if len(mapped) == 1 else ch
        out.append(mapped)
        where.append(i)
    joined = fold("".join(out))
    # thousands separators inside a number: 9,593.18 → 9593.18 (keep the offsets aligned)
    keep = [True] * len(joined)
    for m in re.finditer(r"(?<![0-9.])[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", joined):
        for k in range(m.start(), m.end()):
            if joined[k] == ",":
                keep[k] = False
    text_out = "".join(c for c, k in zip(joined, keep, strict=True) if k)
    offsets = tuple(w for w, k in zip(where, keep, strict=True) if k)
    return Normalised(text_out, offsets)


@cache
def patterns() -> dict:
    """``patterns.yaml``: the words figures are read by (read once, here, so that the reader of text
    copies needs nothing of ``extract``)."""
    from importlib import resources

    import yaml

    return yaml.safe_load((resources.files("evalkit.audit") / "patterns.yaml").read_text(encoding="utf-8"))


@cache
def word(text: str) -> str:
    """A word of ``patterns.yaml`` (or a table cell) normalised as the text it is looked for in (once per text)."""
    return normalise(text).text


@cache
def _traditional() -> dict[int, str]:
    return {ord(pair[0]): pair[1] for pair in patterns()["traditional"].split()}


def fold(text: str) -> str:
    """Traditional characters folded to simplified, one for one (offsets stay aligned): for matching
    words only; a quote is always the text as printed.

    >>> fold("項目支出績效自評表")
    '项目支出绩效自评表'
    """
    return text.translate(_traditional())


NUMBER = r"[0-9]+(?:\.[0-9]+)?"
#: A number whose digits are mixed with letters an OCR engine confuses with them (O for 0, l for 1).
OCR_NOISE = re.compile(r"(?<![A-Za-z0-9.])(?=[0-9.OolI]*[0-9])(?=[0-9.]*[OolI])[0-9OolI]+(?:\.[0-9OolI]+)?"
                       r"(?=万元|元|%|分|个|项|人|次|件|天)")
#: OCR slips a number keeps its digits through: a stray letter after a percentage (70%o), or “≥” read as
#: a 2 before a rate that cannot pass 100 % (接种率290% for 接种率≥90%).
OCR_SLIP = re.compile(r"[0-9]%[a-z](?![A-Za-z])|(?:接种率|完成率|覆盖率|合格率|满意度|知晓率|达标率)2[0-9]{2}%")


def number(text: str) -> Decimal | None:
    """A number as printed (full-width digits, thousands separators), or None."""
    try:
        value, _ = parse_number(text.strip().rstrip("%"))
    except (NumberFormatError, InvalidOperation):
        return None
    return value


def to_wan(value: Decimal, unit: str) -> Decimal:
    """An amount in 万元 (the unit every figure is kept in)."""
    if unit == "元":
        return value / Decimal(10000)
    if unit == "亿元":
        return value * Decimal(10000)
    return value


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_numeral(text: str) -> int | None:
    """一 … 九十九 (and 0-9 digits) as an int; None when it is not one."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    t = _DIGITS.get(tens, None) if tens else 1
    o = _DIGITS.get(ones, None) if ones else 0
    return None if t is None or o is None else t * 10 + o


DATE = re.compile(r"(?:(?P<y>(?:19|20)[0-9]{2})年)?(?P<m>1[0-2]|0?[1-9])月(?P<d>3[01]|[12][0-9]|0?[1-9])日")


def make_date(year: int | None, month: str, day: str) -> date | None:
    if year is None:
        return None
    try:
        return date(year, int(month), int(day))
    except ValueError:
        return None
