"""The one materiality floor (docs/mathematics.md "Exact zeros")."""

from __future__ import annotations

import numpy as np
import pytest
from support.small_model import EXAMPLE

import cutsim
from cutsim.model.materiality import clean, is_nothing, materiality_floor


def test_the_floor_is_a_billionth_of_the_place_baseline_spend():
    model = cutsim.load(EXAMPLE).model
    total = sum(s.baseline_spend for s in model.services)
    assert materiality_floor(model) == pytest.approx(1e-9 * total)
    assert 0.5 < materiality_floor(model) < 2.0  # about £0.92 for the £923m example


def test_below_the_floor_is_nothing_and_cleaned_to_exact_zero():
    floor = 1.0
    assert is_nothing(-3.3e-12, floor) is True and is_nothing(1.5, floor) is False
    got = clean(np.array([-3.3e-12, 2.0, -0.9999, 1.0]), floor)
    assert got.tolist() == [0.0, 2.0, 0.0, 1.0]
    assert np.signbit(got[0]) == False  # noqa: E712 - an exact +0, never −0
