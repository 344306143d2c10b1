"""Exact numbers: parsing what people type, rounding half up, formatting for display.

All arithmetic in evalkit is exact (``fractions.Fraction``); only display and comparison round,
half up (四舍五入, away from zero), never with the float ``round()``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

Number = int | Decimal | Fraction

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class NumberFormatError(ValueError):
    """Text that is not a number evalkit can read."""


def parse_number(value: object) -> tuple[Decimal, bool]:
    """Read a number as typed; return ``(value, had_percent_sign)``.

    Accepts ints, Decimals, and text with full-width digits (``９５．１``), thousands
    separators (``9,593.18``) and a trailing ``%``.

    >>> parse_number("９５．１%")
    (Decimal('95.1'), True)
    """
    if isinstance(value, bool):
        raise NumberFormatError(f"got {value!r}")
    if isinstance(value, int | Decimal | float):  # floats only come from Python, not from YAML
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise NumberFormatError(f"got {value!r}")
        return number, False
    if not isinstance(value, str):
        raise NumberFormatError(f"got {value!r}")
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise NumberFormatError(f"got {value!r}")
    try:
        return Decimal(text), percent
    except InvalidOperation as exc:  # pragma: no cover - the regex already rejects these
        raise NumberFormatError(f"got {value!r}") from exc


def exact(value: Number | float) -> Fraction:
    """The exact rational value of ``value``; a float counts as the decimal it prints as (2.675)."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return value if isinstance(value, Fraction) else Fraction(value)


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """Round exactly, half away from zero (四舍五入).

    >>> round_half_up(Decimal("2.675"))
    Decimal('2.68')
    """
    q = exact(value) * (10**places)
    sign = -1 if q < 0 else 1
    n = (abs(q) + Fraction(1, 2)).__floor__()
    return Decimal(sign * n).scaleb(-places) if places else Decimal(sign * n)


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


def fmt_pct(value: Number | None, places: int = 2) -> str:
    """Display a fraction as a percentage: ``0.99713…`` → ``99.71%``; ``—`` for None/NaN."""
    if _missing(value):
        return "—"
    return f"{round_half_up(exact(value) * 100, places):f}%"


def fmt_plain(value: Decimal | Number) -> str:
    """Display an input number as it was written (no trailing zeros added)."""
    if isinstance(value, Fraction):
        return fmt(value)
    d = Decimal(value)
    text = f"{d:f}"
    return text


def to_float(value: Number | None) -> float | None:
    """Unrounded float for JSON and DataFrames."""
    return None if value is None else float(value)


def rounding_eq_decimal(computed: Number, printed: Decimal, *, scale: int = 1) -> bool:
    """Whether ``computed × scale`` rounds to ``printed`` at the precision it was printed with."""
    return round_half_up(exact(computed) * scale, decimals_of(printed)) == printed
