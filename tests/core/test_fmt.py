"""The one formatter (docs/result-format.md): figures parse back within the rounding shown, and no
forbidden form ever appears."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cutsim.model import fmt
from cutsim.model.audit import audit_text

MONEY = st.one_of(
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-10**12, max_value=10**12).map(float),
    st.sampled_from([999_999.0, -999_999.0, 999.5, 999_499.0, 9_995.0, -0.004, 4e-12, -3.3e-12,
                     0.0, -0.0, 0.5, 1e9 - 1, 99_950.0]),
)


def _within(text: str, value: float, digits: int = fmt.SCREEN) -> None:
    shown, half = fmt.parse_money(text, digits)
    assert abs(shown - value) <= half * (1 + 1e-9) + 1e-9, (text, value)


@settings(max_examples=400, deadline=None)
@given(MONEY, st.sampled_from([fmt.SCREEN, fmt.RESIDENT]), st.booleans())
def test_money_parses_back_within_the_rounding_shown_and_has_no_forbidden_form(value, digits, words):
    text = fmt.money(value, digits=digits, words=words)
    _within(text, value, digits)
    assert audit_text(text) == [], text
    assert "e" not in text.replace("less than", "").replace("million", "").replace("billion", "")


@settings(max_examples=300, deadline=None)
@given(MONEY)
def test_signed_money_has_a_real_minus_and_no_signed_zero(value):
    text = fmt.money(value, signed=True)
    assert "-" not in text
    assert not text.startswith(("+£0", fmt.MINUS + "£0"))
    if text.startswith("+"):
        _within(text[1:], value)


@settings(max_examples=300, deadline=None)
@given(st.lists(MONEY, min_size=1, max_size=8))
def test_a_money_column_has_one_unit_and_one_precision(values):
    texts = fmt.money_column(values)
    shapes = set()
    for text, value in zip(texts, values):
        _within(text, value)
        assert audit_text(text) == [], text
        if text != "£0":
            number = text.split("£")[1]
            unit = number.lstrip("0123456789,.")
            decimals = len(number[:len(number) - len(unit)].partition(".")[2])
            shapes.add((unit, decimals))
    assert len(shapes) <= 1, texts


@settings(max_examples=300, deadline=None)
@given(MONEY, MONEY)
def test_a_range_shows_two_ends_only_when_they_differ_at_the_shown_precision(a, b):
    text = fmt.money_range(a, b, digits=fmt.RESIDENT, words=True)
    ends = text.split(" to ")
    assert len(ends) in (1, 2)
    if len(ends) == 2:
        assert ends[0] != ends[1]
    found = audit_text(f"between {text.replace(' to ', ' and ')}")
    assert [f for f in found if f.form == "degenerate range"] == []


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.booleans())
def test_counts_and_percents_never_read_as_a_negative_zero_or_exponent(value, words):
    for text in (fmt.count(value, words=words), fmt.percent(value), fmt.number(value),
                 fmt.resident_number(value), fmt.resident_percent(value)):
        assert audit_text(text) == [], text
        assert not math.isnan(value)


@pytest.mark.parametrize(("value", "text"), [
    (999_999, "£1.00m"), (1_234_567, "£1.23m"), (-45_000, "\u2212£45.0k"), (999.6, "£1.00k"),
    (-0.004, "less than £1"), (0.0, "£0"), (-0.0, "£0"), (12.345, "£12"), (8e6, "£8.00m"),
])
def test_screen_money_examples(value, text):
    assert fmt.money(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (600_000, "£600,000"), (2_140_000, "£2.1 million"), (999_999, "£1 million"),
    (0.27, "£0.27"), (-15, "\u2212£15"), (0.004, "less than £0.01"),
])
def test_resident_money_examples(value, text):
    assert fmt.resident_money(value) == text


def test_materiality_floor_makes_a_figure_nothing():
    assert fmt.money(0.3, floor=0.92) == "£0"
    assert fmt.money(0.3) == "less than £1"


def test_column_precision_and_less_than():
    assert fmt.money_column([999_999, 1_234, 0, -250_000]) == [
        "£1.00m", "less than £0.01m", "£0", "\u2212£0.25m"]


def test_degenerate_range_collapses():
    assert fmt.money_range(-2.1e6, -2.12e6, digits=2, words=True) == "\u2212£2.1 million"
    assert fmt.money_range(1e6, 2e6) == "£1.00m to £2.00m"


def test_percent_never_negative_zero():
    assert fmt.percent(-0.4) == "less than 1 %"
    assert fmt.percent(0) == "0 %"
    assert fmt.percent(-20) == "\u221220 %"


def test_pence_are_rounded_once_from_the_figure() -> None:
    # 0.7152 to three figures is 0.715, which rounded again to pence gave £0.71.
    assert fmt.money(0.7152, digits=fmt.SCREEN, words=True) == "£0.72"
    _within(fmt.money(0.7152, digits=fmt.SCREEN, words=True), 0.7152, fmt.SCREEN)


def test_labels_wrap_at_word_boundaries() -> None:
    assert fmt.wrap_words("Youth  service\tcut", 8) == "Youth\nservice\ncut"
    assert fmt.wrap_words("A&E attendances and admissions", 14) == "A&E\nattendances\nand admissions"
    assert fmt.wrap_words("Supercalifragilistic", 5) == "Supercalifragilistic"  # never cut
    assert fmt.wrap_words("", 5) == ""
