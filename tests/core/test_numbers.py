"""Exact numbers: rounding half up (四舍五入) and reading numbers as people type them."""

from decimal import Decimal
from fractions import Fraction

import pytest

from evalkit import round_half_up
from evalkit.core.numbers import (
    NumberFormatError,
    decimals_of,
    fmt,
    fmt_pct,
    parse_number,
    rounding_eq_decimal,
)

# value, places, expected display. Rows marked float_round_wrong are the ones where Python's
# round() on the float gives a different answer (binary floats, banker's rounding).
ROUNDING = [
    pytest.param(Decimal("2.675"), 2, "2.68", True, id="2.675"),
    pytest.param(Decimal("1.005"), 2, "1.01", True, id="1.005"),
    pytest.param(Decimal("0.125"), 2, "0.13", True, id="0.125-banker"),
    pytest.param(Decimal("-2.675"), 2, "-2.68", True, id="negative-half-away-from-zero"),
    pytest.param(Decimal("-0.125"), 2, "-0.13", True, id="negative-0.125"),
    pytest.param(Decimal("2.5"), 0, "3", True, id="2.5-to-integer"),
    pytest.param(Decimal("-0.5"), 0, "-1", True, id="-0.5-to-integer"),
    pytest.param(Fraction(1, 8), 2, "0.13", True, id="fraction-1/8"),
    pytest.param(Fraction(-1, 8), 2, "-0.13", True, id="fraction--1/8"),
    pytest.param(Decimal("2.674999"), 2, "2.67", False, id="just-below-half"),
    pytest.param(Decimal("99.995"), 2, "100.00", False, id="carry-into-hundreds"),
    pytest.param(Decimal("-0.004"), 2, "0.00", False, id="tiny-negative-is-zero"),
    pytest.param(Decimal("9.26"), 2, "9.26", False, id="already-two-places"),
    pytest.param(7, 2, "7.00", False, id="int"),
    pytest.param(Fraction(956563, 959318) * 100, 2, "99.71", False, id="worked-example-rate"),
    pytest.param(Fraction(2, 3), 4, "0.6667", False, id="four-places"),
    pytest.param(2.675, 2, "2.68", True, id="float-2.675-as-printed"),
    pytest.param(1.005, 2, "1.01", True, id="float-1.005-as-printed"),
]


@pytest.mark.parametrize(("value", "places", "expected", "float_round_wrong"), ROUNDING)
def test_round_half_up(value, places, expected, float_round_wrong):
    result = round_half_up(value, places)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert f"{result:f}" == expected


@pytest.mark.parametrize(("value", "places", "expected", "float_round_wrong"),
                         [row for row in ROUNDING if row.values[3]])
def test_rows_marked_are_cases_float_round_gets_wrong(value, places, expected, float_round_wrong):
    # Guards the table itself: these rows must be ones the built-in round() gets wrong.
    assert round(float(value), places) != float(expected)


@pytest.mark.parametrize(("text", "expected", "percent"), [
    ("95.1", Decimal("95.1"), False),
    ("９５．１", Decimal("95.1"), False),
    ("９５．１％", Decimal("95.1"), True),
    ("9,593.18", Decimal("9593.18"), False),
    ("1,234,567", Decimal("1234567"), False),
    ("9，593.18", Decimal("9593.18"), False),  # full-width comma
    ("99.71%", Decimal("99.71"), True),
    ("85％", Decimal("85"), True),
    (" 90 % ", Decimal("90"), True),
    ("-3.5", Decimal("-3.5"), False),
    ("+2", Decimal("2"), False),
    (".5", Decimal("0.5"), False),
    ("1e3", Decimal("1000"), False),
    (Decimal("99.71"), Decimal("99.71"), False),
    (95, Decimal("95"), False),
    (0.1, Decimal("0.1"), False),
])
def test_parse_number_accepts(text, expected, percent):
    assert parse_number(text) == (expected, percent)


@pytest.mark.parametrize("text", [
    "九千", "1,23", "12,34.5", "1,2345", "", "   ", "%", "95%%", "1.2.3", "abc", "0x1F", "1_000",
    "nan", "inf", "9 千", True, None, [1], Decimal("NaN"), Decimal("Infinity"), float("nan"), float("inf"),
])
def test_parse_number_rejects(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)


def test_number_format_error_is_a_value_error():
    with pytest.raises(ValueError, match="九千"):
        parse_number("九千")


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("99.71"), 2), (Decimal("99"), 0), (Decimal("99.0"), 1), (Decimal("91.666"), 3),
])
def test_decimals_of(value, expected):
    assert decimals_of(value) == expected


@pytest.mark.parametrize(("value", "places", "expected"), [
    (Fraction(956563, 959318), 2, "99.71%"),
    (Fraction(81334, 877984), 2, "9.26%"),
    (Fraction(1, 8), 1, "12.5%"),
    (Fraction(1, 800), 2, "0.13%"),
    (None, 2, "—"),
])
def test_fmt_pct(value, places, expected):
    assert fmt_pct(value, places) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Fraction(90, 41), "2.20"), (Fraction(4782815, 479659), "9.97"), (Decimal("9565.63"), "9565.63"), (None, "—"),
])
def test_fmt(value, expected):
    assert fmt(value) == expected


@pytest.mark.parametrize(("computed", "printed", "matches"), [
    (Fraction(956563, 959318), Decimal("99.71"), True),
    (Fraction(956563, 959318), Decimal("99.72"), False),
    (Fraction(956563, 959318), Decimal("99.7"), True),
    (Fraction(956563, 959318), Decimal("100"), True),
    (Fraction(11, 12), Decimal("91.67"), True),
    (Fraction(11, 12), Decimal("91.66"), False),
])
def test_reported_figures_compare_at_their_printed_precision(computed, printed, matches):
    assert rounding_eq_decimal(computed, printed, scale=100) is matches
