"""judging.numbers: one parser for typed decimals, half-up rounding, locale display."""

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.numbers import exact_decimal, format_number, parse_decimal, round_half_up


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7,5", D("7.5")), ("7.5", D("7.5")), (" 17,5 ", D("17.5")), ("1,5", D("1.5")),
        ("7", D(7)), (",5", D("0.5")), ("5,", D(5)), ("-0,25", D("-0.25")), ("-0", D(0)),
        ("0,125", D("0.125")), ("100,00", D(100)), ("+3", D(3)),
    ],
)
def test_comma_or_dot_is_the_decimal_mark(raw, expected):
    assert parse_decimal(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1.234,5", "ambiguous"), ("1,234.5", "ambiguous"), ("1,2,3", "ambiguous"),
        ("1.234", "ambiguous"), ("12,500", "ambiguous"), ("1 234", "ambiguous"),
        ("1\u00a0234,5", "ambiguous"), ("7,5,1", "ambiguous"), ("7..5", "ambiguous"),
        (None, "missing"), ("  ", "missing"), ("abc", "not_a_number"), ("1e5", "not_a_number"),
        (",", "not_a_number"), ("-", "not_a_number"), ("7,5đ", "not_a_number"),
        ("NaN", "not_finite"), ("-inf", "not_finite"), ("Infinity", "not_finite"),
    ],
)
def test_anything_that_reads_two_ways_is_refused_not_guessed(raw, code):
    assert parse_decimal(raw) == (None, code)


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2), st.sampled_from(["vi", "en"]))
def test_what_we_display_without_grouping_parses_back(value, locale):
    text = format_number(value, locale, trim=True, group=False)
    assert parse_decimal(text) == (value if value != 0 else D(0), None)


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (82.625, "82,63", "82.63"), (D("82.625"), "82,63", "82.63"), (0.005, "0,01", "0.01"),
        (1.005, "1,01", "1.01"), (82.62499999999999, "82,63", "82.63"),
        (-0.005, "-0,01", "-0.01"), (-0.001, "0,00", "0.00"), (80, "80,00", "80.00"),
        (1234.5, "1.234,50", "1,234.50"),
    ],
)
def test_half_up_display_in_each_language(value, vi, en):
    assert (format_number(value, "vi"), format_number(value, "en")) == (vi, en)


def test_display_options():
    assert format_number(D("7.50"), "vi", trim=True) == "7,5"
    assert format_number(8, "en", trim=True) == "8"
    assert format_number(2048, "vi", trim=True, group=False) == "2048"
    assert format_number(3.25, "en", sign=True) == "+3.25"
    assert format_number(-3.25, "vi", sign=True) == "-3,25"
    with pytest.raises(ValueError, match="finite"):
        round_half_up(float("nan"))


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**9, max_value=10**9),
       st.integers(min_value=0, max_value=4))
def test_half_up_of_an_exact_decimal_is_decimal_quantize_half_up(value, places):
    assert round_half_up(value, places) == value.quantize(D(1).scaleb(-places),
                                                           rounding=ROUND_HALF_UP)


@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=60))
def test_a_float_mean_of_two_decimal_totals_rounds_like_its_exact_value(totals):
    exact = sum(totals) / len(totals)
    as_float = sum(float(t) for t in totals) / len(totals)
    assert round_half_up(as_float) == exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert exact_decimal(7) == D(7)
