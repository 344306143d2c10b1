"""Exact numbers: parsing what people type, rounding half up, formatting for display.

All arithmetic in evalkit is exact (``fractions.Fraction``); only display and comparison round,
half up (四舍五入, away from zero), never with the float ``round()``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction
from math import gcd

Number = int | Decimal | Fraction

_THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_PLAIN = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
#: The bounds of a number evalkit reads: at most this many significant digits, no larger in
#: magnitude than 10**MAX_EXPONENT and no smaller (unless zero) than 10**MIN_EXPONENT. A budget in 元
#: of a whole province fits with room to spare; ``1e100000000`` (eleven bytes that would take
#: minutes of exact arithmetic) does not.
MAX_DIGITS, MAX_EXPONENT, MIN_EXPONENT = 24, 15, -12
#: Longest text read as a number (a thousands-separated amount with decimals fits easily).
MAX_NUMBER_TEXT = 48


class NumberFormatError(ValueError):
    """Text that is not a number evalkit can read; ``reason`` says why when it looks like one."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(f"{message}: {reason}" if reason else message)
        self.reason = reason


def parse_number(value: object) -> tuple[Decimal, bool]:
    """Read a number as typed; return ``(value, had_percent_sign)``.

    Accepts ints, Decimals, and text with full-width digits (``９５．１``), thousands
    separators (``9,593.18``) and a trailing ``%``; refuses superscripts and other number-like
    characters (``8²`` is not 82) and anything beyond :data:`MAX_DIGITS` significant digits or
    outside 10**MIN_EXPONENT … 10**MAX_EXPONENT in magnitude.

    >>> parse_number("９５．１%")
    (Decimal('95.1'), True)
    >>> parse_number("1e100000000")
    Traceback (most recent call last):
    ...
    evalkit.core.numbers.NumberFormatError: got '1e100000000': too large (10^15 or more)
    """
    if type(value) is Decimal and value.is_finite():  # the usual case: YAML's numbers are Decimals already
        return _bounded(value, value), False
    if isinstance(value, bool):
        raise NumberFormatError(f"got {value!r}")
    if isinstance(value, int | Decimal | float):  # floats only come from Python, not from YAML
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise NumberFormatError(f"got {value!r}")
        return _bounded(number, value), False
    if not isinstance(value, str):
        raise NumberFormatError(f"got {value!r}")
    if len(value) > MAX_NUMBER_TEXT:
        raise NumberFormatError(f"got {short(value)}", f"longer than {MAX_NUMBER_TEXT} characters")
    text = value
    if not value.isascii():  # ASCII has no number-like characters and is its own NFKC form
        if any(unicodedata.category(ch) == "No" for ch in value):  # ² ½ ① …: NFKC would make 8² into 82
            raise NumberFormatError(f"got {value!r}")
        text = unicodedata.normalize("NFKC", value)
    text = text.strip().replace(" ", "")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise NumberFormatError(f"got {value!r}")
    try:
        return _bounded(Decimal(text), value), percent
    except InvalidOperation as exc:  # pragma: no cover - the regex already rejects these
        raise NumberFormatError(f"got {value!r}") from exc


def _bounded(number: Decimal, value: object) -> Decimal:
    """``number`` if it lies within evalkit's bounds; a ``NumberFormatError`` saying which it breaks."""
    if number.is_zero():
        return number.copy_abs() if number.is_signed() else number
    exponent = number.adjusted()
    if exponent >= MAX_EXPONENT:
        raise NumberFormatError(f"got {short(value)}", f"too large (10^{MAX_EXPONENT} or more)")
    if exponent < MIN_EXPONENT:
        raise NumberFormatError(f"got {short(value)}", f"too small (below 10^{MIN_EXPONENT})")
    # its text has every digit of it (most numbers: a few characters, looked at no further)
    if len(str(number)) > MAX_DIGITS and len(number.as_tuple().digits) > MAX_DIGITS \
            and len(number.normalize().as_tuple().digits) > MAX_DIGITS:
        raise NumberFormatError(f"got {short(value)}", f"more than {MAX_DIGITS} significant digits")
    return number


def short(value: object, limit: int = 40) -> str:
    """What the user wrote, as a short quoted excerpt for an error message (never a whole file)."""
    text = value if isinstance(value, str) else f"{value:f}" if isinstance(value, Decimal) else str(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(text)


def exact(value: Number | float) -> Fraction:
    """The exact rational value of ``value``; a float counts as the decimal it prints as (2.675)."""
    kind = type(value)
    if kind is Fraction:
        return value
    if kind is Decimal and value.is_finite():  # its exact ratio, without Fraction's checks of what it is
        return Fraction(*value.as_integer_ratio())
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return value if isinstance(value, Fraction) else Fraction(value)


#: ``round_half_up``'s quanta by places, and a context with room for any Decimal it rounds so.
_QUANTUM = [Decimal(1).scaleb(-places) for places in range(13)]
_EXACT = Context(prec=60, Emax=MAX_EXPONENT + 30, Emin=-60, traps=[InvalidOperation])


def exact_sum(values) -> Fraction:
    """The exact sum of ``values`` (:func:`exact` of each), as ``sum(…, Fraction(0))`` gives it: the
    terms added over a common denominator, the fraction reduced once rather than at every step."""
    numerator, denominator = 0, 1
    for value in values:
        f = exact(value)
        n, d = f.numerator, f.denominator
        if d == denominator:
            numerator += n
        else:
            common = denominator * d // gcd(denominator, d)
            numerator = numerator * (common // denominator) + n * (common // d)
            denominator = common
    return Fraction(numerator, denominator)


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """Round exactly, half away from zero (四舍五入).

    >>> round_half_up(Decimal("2.675"))
    Decimal('2.68')
    """
    if type(value) is Decimal and value.is_finite() and 0 <= places <= 12 and value.adjusted() < 15:
        # a Decimal of evalkit's bounds (parse_number): rounded by the decimal module, exactly (half up
        # is away from zero there too), in digits to spare; a zero without its sign, as below
        rounded = value.quantize(_QUANTUM[places], rounding=ROUND_HALF_UP, context=_EXACT)
        return rounded.copy_abs() if rounded.is_zero() else rounded
    f = exact(value)
    return _round_ratio(f.numerator, f.denominator, places)


def _round_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """``numerator ÷ denominator`` rounded half up to ``places``, in integers only: exact and fast."""
    n, r = divmod(abs(numerator) * 10**places, denominator)
    if 2 * r >= denominator:
        n += 1
    n = -n if numerator < 0 else n
    return Decimal(n).scaleb(-places) if places else Decimal(n)


def _round_scaled(value: Number, scale: int, places: int) -> Decimal:
    """``round_half_up(exact(value) * scale, places)`` without making the product a Fraction."""
    f = exact(value)
    return _round_ratio(f.numerator * scale, f.denominator, places)


def decimals_of(value: Decimal) -> int:
    """How many decimals a printed number had: ``Decimal('99.71')`` → 2, ``99`` → 0."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)  # None or NaN


def fmt(value: Number | None, places: int = 2) -> str:
    """Display a number rounded half up with thousands kept plain: ``9565.63``; ``—`` for None/NaN."""
    if _missing(value):
        return "—"
    return f"{round_half_up(value, places):f}"


def fmt_parts(values, places: int = 2) -> list[str]:
    """Parts of a whole displayed so that they add up to the whole as displayed (largest remainder):
    each part rounded down, then the leftover hundredths to the parts that lost most. ``—`` for None.

    >>> fmt_parts([Fraction(90, 7)] * 7)      # 12.86 × 7 would be 90.02
    ['12.86', '12.86', '12.86', '12.86', '12.86', '12.85', '12.85']
    """
    known = [exact(v) for v in values if not _missing(v)]
    if any(v < 0 for v in known):
        return [fmt(v, places) for v in values]
    unit = Fraction(1, 10**places)
    total = exact(round_half_up(sum(known, Fraction(0)), places))
    floors = {i: (exact(v) / unit).__floor__() for i, v in enumerate(values) if not _missing(v)}
    left = int(total / unit) - sum(floors.values())
    by_loss = sorted(floors, key=lambda i: (-(exact(values[i]) / unit - floors[i]), i))
    for i in by_loss[:max(0, left)]:
        floors[i] += 1
    return [fmt(floors[i] * unit, places) if i in floors else "—" for i in range(len(values))]


def fmt_pct(value: Number | None, places: int = 2) -> str:
    """Display a fraction as a percentage: ``0.99713…`` → ``99.71%``; ``—`` for None/NaN."""
    if _missing(value):
        return "—"
    return f"{_round_scaled(value, 100, places):f}%"


def fmt_plain(value: Decimal | Number) -> str:
    """Display an input number as it was written (no trailing zeros added)."""
    if isinstance(value, Fraction):
        return fmt(value)
    return f"{Decimal(value):f}"


def jsonable(value):
    """``value`` for JSON: exact numbers as unrounded floats, dates as ISO text, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return value.isoformat() if isinstance(value, date) else float(value)


def to_float(value: Number | None) -> float | None:
    """Unrounded float for JSON and DataFrames."""
    return None if value is None else float(value)


def rounding_eq_decimal(computed: Number, printed: Decimal, *, scale: int = 1) -> bool:
    """Whether ``computed × scale`` rounds to ``printed`` at the precision it was printed with."""
    return _round_scaled(computed, scale, decimals_of(printed)) == printed


_DIGITS = "零一二三四五六七八九"

def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (section numbers up to 99).

    >>> [chinese_numeral(n) for n in (1, 10, 11, 20, 35)]
    ['一', '十', '十一', '二十', '三十五']
    """
    if not 1 <= n <= 99:
        raise ValueError(f"section numbers run from 1 to 99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")
