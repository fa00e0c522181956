"""Money on chart axes, hover text and CSV: cutsim.model.fmt's axis and exact helpers."""

from __future__ import annotations

import math

import pytest

from cutsim.model.fmt import MINUS, axis_unit, money_exact, pounds_pence, tick


@pytest.mark.parametrize(("magnitude", "expected"), [
    (0.0, (1.0, "£")), (999.0, (1.0, "£")), (1000.0, (1e3, "£k")), (15_000.0, (1e3, "£k")),
    (-15_000.0, (1e3, "£k")), (999_999.0, (1e3, "£k")), (1e6, (1e6, "£m")),
    (2.4e9, (1e6, "£m")), (math.nan, (1.0, "£")),
])
def test_axis_unit_is_chosen_from_the_largest_magnitude(magnitude, expected):
    assert axis_unit(magnitude) == expected


def test_ticks_use_the_decimals_the_spacing_needs_and_a_real_minus():
    assert tick(-15.0, 5.0) == f"{MINUS}15"
    assert tick(2.5, 0.5) == "2.5"
    assert tick(1250.0, 250.0) == "1,250"
    assert tick(0.05, 0.05) == "0.05"
    assert tick(-1e-12, 0.5) == "0.0"  # never a negative zero
    assert tick(-0.0, 1.0) == "0"


def test_exact_money_and_pounds_and_pence():
    assert money_exact(-12345.678) == f"{MINUS}£12,345.68"
    assert money_exact(-0.001) == "£0.00"
    assert money_exact(None) == "—"
    assert pounds_pence(1234.5678) == "1234.57"
    assert pounds_pence(-0.004) == "0.00"
    assert pounds_pence(-2.5) == "-2.50"
    assert pounds_pence(float("nan")) == ""
