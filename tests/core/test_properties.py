"""Property-based tests (Hypothesis): the number parser reads every number evalkit may print and
refuses everything else cleanly and quickly; params survive the round trip to YAML and back."""

from __future__ import annotations

import dataclasses
import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core.numbers import MAX_DIGITS, MAX_EXPONENT, MIN_EXPONENT, NumberFormatError, parse_number
from evalkit.core.serialisation import params_yaml

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the number parser ----------------------------------------------------------------------

#: Amounts and rates as departments write them: up to 12 digits before the point, up to 4 after.
amounts = st.decimals(min_value=Decimal("-999999999999.9999"), max_value=Decimal("999999999999.9999"),
                      places=4, allow_nan=False, allow_infinity=False)
FULL_WIDTH = str.maketrans("0123456789.,-%", "０１２３４５６７８９．，－％")


@SETTINGS
@given(amounts)
def test_a_printed_number_reads_back_exactly(value):
    assert parse_number(f"{value:f}") == (value, False)
    assert parse_number(f"{value:,f}")[0] == value  # thousands separators
    assert parse_number(f"{value:f}%") == (value, True)
    assert parse_number(f"{value:f}%".translate(FULL_WIDTH)) == (value, True)  # full-width, as typed in WPS
    assert parse_number(value) == (value, False)


@SETTINGS
@given(st.text(max_size=60))
def test_any_text_is_a_bounded_number_or_a_number_format_error(text):
    try:
        number, _ = parse_number(text)
    except NumberFormatError:
        return
    assert number.is_finite()
    assert number.is_zero() or MIN_EXPONENT <= number.adjusted() < MAX_EXPONENT
    assert len(number.normalize().as_tuple().digits) <= MAX_DIGITS
    assert not any(unicodedata.category(ch) == "No" for ch in text)


@SETTINGS
@given(st.integers(min_value=-10**6, max_value=10**6), st.integers(min_value=1, max_value=9))
def test_exponents_beyond_the_bounds_are_refused(exponent, mantissa):
    text = f"{mantissa}e{exponent}"
    if MIN_EXPONENT <= exponent < MAX_EXPONENT:
        assert parse_number(text)[0] == Decimal(text)
    else:
        try:
            parse_number(text)
        except NumberFormatError as exc:
            assert exc.reason.startswith(("too large", "too small"))
        else:
            raise AssertionError(f"{text} was read")


# --- params → YAML → params --------------------------------------------------------------------

#: Text a department may write in a name: CJK, letters, digits, punctuation, and hostile starts.
name_chars = st.sampled_from(list("测试部门预算执行绩效指标办公室满意度（）、，。：“”《》—·-_=+@#%&*<>'\"/\\ abcXYZ0123456789"))
names = st.text(name_chars, min_size=1, max_size=30).map(str.strip).filter(bool)
money = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False)
values = st.decimals(min_value=0, max_value=Decimal("100000"), places=3, allow_nan=False, allow_infinity=False)


@st.composite
def indicators(draw):
    direction = draw(st.sampled_from([">=", ">", "<=", "<", "=", "qualitative"]))
    item = {"name": draw(names), "direction": direction}
    if direction == "qualitative":
        item["target"] = draw(names)
        item["level"] = draw(st.sampled_from(["达成", "部分达成", "未达成", None]))
    else:
        item["target"] = draw(values)
        item["actual"] = draw(st.one_of(st.none(), values))
        item["unit"] = draw(st.sampled_from(["%", "件", "次", "万元", None]))
    item["tier"] = draw(st.sampled_from(["产出", "效益", "满意度", None]))
    return {k: v for k, v in item.items() if v is not None}


@st.composite
def params_mappings(draw):
    lines = draw(st.lists(st.tuples(names, st.sampled_from(["basic", "project"]), money, money),
                          min_size=0, max_size=3, unique_by=lambda t: t[0]))
    adjusted = sum((line[2] for line in lines), Decimal(0)) if lines else draw(money)
    executed = sum((line[3] for line in lines), Decimal(0)) if lines else draw(money)
    goals = draw(st.lists(st.fixed_dictionaries({"name": names, "indicators": st.lists(indicators(), min_size=1, max_size=4)}),
                          min_size=1, max_size=3))
    return {
        "schema": "evalkit/v1",
        "department": {"id": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)), "name": draw(names),
                       "year": draw(st.integers(2015, 2030)), "region": draw(st.one_of(st.none(), names))},
        "scheme": draw(st.sampled_from(["mof-2020", "seed-85-75-60"])),
        "unit": draw(st.sampled_from(["万元", "元"])),
        "budget": {"initial": draw(money), "adjusted": adjusted, "executed": executed,
                   "lines": [{"name": n, "kind": k, "adjusted": a, "executed": e} for n, k, a, e in lines]},
        "goals": goals,
        "reported": {"score": draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))),
                     "grade": draw(st.one_of(st.none(), names))},
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params_mappings())
def test_params_survive_the_round_trip_through_yaml(mapping):
    params = evalkit.parse_params(mapping)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.yaml"
        path.write_text(params_yaml(params), encoding="utf-8")
        again = evalkit.load_params(path)
    assert dataclasses.replace(again, source="<memory>") == params
