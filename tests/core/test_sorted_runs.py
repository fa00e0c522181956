"""Rows held as sorted runs (cutsim.appraise.sorted_runs): the same values, counts as a
sorted row gives them, bracket ends on the safe side of a rank, exact order statistics."""

from __future__ import annotations

import numpy as np
import pytest

from cutsim.appraise.sorted_runs import SORT_RUN, SortedRuns, count_sorted

WIDTHS = (1, 7, 200, 256, 257, 600, 1000, 1024, 2700)


def _rows(width: int, ties: bool, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, how many values each holds, and those values sorted with +inf after them."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(30, width))
    if ties:  # many equal values (+ 0.0: no −0.0 beside 0.0, whose order is free)
        rows = np.round(rows, 1) + 0.0
    counts = rng.integers(1, width + 1, 30)
    ordered = np.sort(np.where(np.arange(width) < counts[:, None], rows, np.inf), axis=1)
    return rows, counts, ordered


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("ties", (False, True))
def test_runs_hold_the_rows_values_sorted(width, ties):
    rows, counts, ordered = _rows(width, ties, width)
    runs = SortedRuns.of(rows.copy(), counts)
    r, c, w = runs.values.shape
    assert w <= SORT_RUN and c * w == SortedRuns.whole(width) >= width
    assert (runs.values[:, :, 1:] >= runs.values[:, :, :-1]).all()
    assert np.array_equal(np.sort(runs.values.reshape(r, -1), axis=1)[:, :width], ordered)


@pytest.mark.parametrize("width", WIDTHS)
def test_counts_in_runs_add_up_to_the_sorted_rows_counts(width):
    rows, counts, ordered = _rows(width, True, width + 1)
    runs = SortedRuns.of(rows.copy(), counts)
    thresholds = np.round(np.random.default_rng(0).normal(size=(30, 4)), 1)
    strict = np.array([True, False, True, False])
    assert np.array_equal(runs.count(thresholds, strict).sum(axis=1),
                          count_sorted(ordered, thresholds, strict))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("ties", (False, True))
def test_near_ranks_lie_on_the_safe_side_of_their_ranks(width, ties):
    rows, counts, ordered = _rows(width, ties, 2 * width)
    runs = SortedRuns.of(rows.copy(), counts)
    rng = np.random.default_rng(width)
    low_rank = rng.integers(-3, width + 3, 30)
    high_rank = np.minimum(low_rank + rng.integers(0, 50, 30), width + 3)
    low, ok_low, high, ok_high = runs.near_ranks(low_rank, high_rank)
    c, s = runs.values.shape[1], runs.sample()[1]
    for i in range(30):
        if ok_low[i] and 0 <= low_rank[i] < counts[i]:
            assert (ordered[i] < low[i]).sum() <= low_rank[i]
            assert (ordered[i] <= low[i]).sum() >= low_rank[i] + 1 - 2 * c * s
        if ok_high[i] and 0 <= high_rank[i] < counts[i] and np.isfinite(high[i]):
            assert (ordered[i] <= high[i]).sum() >= high_rank[i] + 1
    if c == 1:  # one run: the exact order statistics
        exact = ok_low & (low_rank >= 0) & (low_rank < counts)
        assert np.array_equal(low[exact], ordered[exact, low_rank[exact]])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("ties", (False, True))
def test_selected_order_statistics_are_the_sorted_rows(width, ties):
    rows, counts, ordered = _rows(width, ties, 3 * width)
    runs = SortedRuns.of(rows.copy(), counts)
    rng = np.random.default_rng(width + 7)
    pairs = []
    for _ in range(3):
        a = rng.integers(0, counts)
        pairs.append((a, np.minimum(a + rng.integers(0, 3, 30), counts - 1)))
    sub = np.arange(30)
    for (a, b), (got_a, got_b) in zip(pairs, runs.select(pairs)):
        assert got_a.tobytes() == ordered[sub, a].tobytes()
        assert got_b.tobytes() == ordered[sub, b].tobytes()


def test_rows_of_whole_runs_are_sorted_in_place():
    rows = np.random.default_rng(3).normal(size=(5, 512))
    runs = SortedRuns.of(rows)
    assert np.shares_memory(runs.values, rows)
    assert not np.shares_memory(SortedRuns.of(rows[:, :500]).values, rows)


@pytest.mark.parametrize("width", (0, 1, 2, 3, 5, 8, 255, 256, 257, 1000))
def test_counts_in_sorted_rows_are_numpys_searchsorted(width):
    rng = np.random.default_rng(width)
    rows = np.sort(np.round(rng.normal(size=(20, width)), 1) + 0.0, axis=1)
    thresholds = np.concatenate([np.round(rng.normal(size=(20, 4)), 1),
                                 np.full((20, 2), np.inf), np.full((20, 1), -np.inf)], axis=1)
    strict = np.array([True, False, True, False, True, False, False])
    got = count_sorted(rows, thresholds, strict)
    for i in range(20):
        for t in range(thresholds.shape[1]):
            side = "left" if strict[t] else "right"
            assert got[i, t] == np.searchsorted(rows[i], thresholds[i, t], side=side)
