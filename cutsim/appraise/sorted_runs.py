"""Rows of float64 held sorted, and held as sorted runs (docs/performance.md "Bands in
bounded memory").

The band reducer (:mod:`cutsim.appraise.bands`) counts, for many rows of values at once,
how many lie below or at given thresholds, keeps the values between two thresholds and
reads off order statistics. On sorted rows each count is one binary search
(:func:`count_sorted`), never a pass over the values.

A row wider than :data:`SORT_RUN` is sorted as runs of at most that many values
(:class:`SortedRuns`) rather than in one piece: numpy sorts up to 256 float64 with a
sorting network, and on some x86 machines (measured on an AMD EPYC: 1.8 ns a value up to
256, 6.5 to 35 ns a value from 257 to 2,700) a longer row costs many times as much a
value. Counts are then the sums of each run's own binary searches, the values between two
thresholds are one stretch of each run, and order statistics are read off a sorted sample
of the runs and made exact by counting (:meth:`SortedRuns.select`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SORT_RUN = 256  # the widest row numpy sorts in one piece here (module docstring)


def count_sorted(rows: np.ndarray, thresholds: np.ndarray, strict: np.ndarray) -> np.ndarray:
    """For each row of ``rows`` (r, k), sorted ascending, and each of its thresholds
    (r, t): how many entries are below the threshold (``strict``, a boolean (t,)) or at
    or below it. One binary search for every row and threshold at once, in about
    log₂(k) + 1 steps over (r, t) arrays, never a pass over the (r, k) values.

    "At or below t" is counted as "below the next float above t" (the same set for every
    number that is not NaN, ±0 included), so every step is one comparison. The search is
    over a window of p entries, p the largest power of two ≤ k, so that it never leaves
    the row and each step is one gather, one comparison and one add: the first p entries,
    or (when the p-th is below the bound, so the count is at least p) the last p."""
    r, k = rows.shape
    if k == 0:
        return np.zeros(thresholds.shape, np.intp)
    bound = np.where(strict, thresholds, np.nextafter(thresholds, np.inf))
    flat = rows.ravel()
    base = np.arange(r, dtype=np.intp)[:, None] * k
    pos = np.broadcast_to(base, bound.shape).copy()  # row start + entries below so far
    p = 1 << (k.bit_length() - 1)
    if p < k:
        pos += (flat[pos + (p - 1)] < bound) * (k - p)
    step = p >> 1
    while step:
        pos += (flat[pos + (step - 1)] < bound) * step
        step >>= 1
    pos += flat[pos] < bound  # the entry reached
    return pos - base


def at_or_below(rows: np.ndarray, thresholds: np.ndarray, below: np.ndarray) -> np.ndarray:
    """How many entries of each sorted row are at or below each threshold, given how many
    are below it (``below``, from :func:`count_sorted`): the same unless the entry
    just past them equals the threshold, and only those (rare: ties) are searched again."""
    r, k = rows.shape
    out = below.copy()
    if k == 0:
        return out
    at = np.minimum(below, k - 1) + (np.arange(r, dtype=np.intp) * k)[:, None]
    i, j = np.nonzero((below < k) & (rows.ravel()[at] == thresholds))
    if len(i):
        out[i, j] = count_sorted(rows[i], thresholds[i, j][:, None], np.array([False]))[:, 0]
    return out


@dataclass(eq=False)
class SortedRuns:
    """Rows held as sorted runs: ``values`` (r, c, w), c runs of w ≤ :data:`SORT_RUN`
    values a row, each run ascending (NaN, then the +inf padding after a row's values, at
    its end). Make them with :meth:`of`."""

    values: np.ndarray
    _sample: tuple[np.ndarray, int] | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, rows: np.ndarray, counts: np.ndarray | None = None) -> SortedRuns:
        """``rows`` (r, k) as c = ⌈k / SORT_RUN⌉ runs of w = ⌈k / c⌉ values. Entries at or
        past a row's ``counts`` (all k if None), and the c·w − k added to make whole runs,
        are +inf. Sorted in place when ``rows`` is contiguous and k = c·w (the caller's
        values are then lost to it), else in a copy."""
        r, k = rows.shape
        c, w = _run_shape(k)
        if c * w == k and rows.flags.c_contiguous:
            runs = rows
        else:
            runs = np.full((r, c * w), np.inf)
            runs[:, :k] = rows
        if counts is not None:
            runs[np.arange(c * w)[None, :] >= counts[:, None]] = np.inf
        runs = runs.reshape(r, c, w)
        runs.sort(axis=2)
        return cls(runs)

    @staticmethod
    def whole(width: int) -> int:
        """The width c·w that :meth:`of` gives rows of ``width`` values (no copy is made
        for rows already that wide)."""
        c, w = _run_shape(width)
        return c * w

    def count(self, thresholds: np.ndarray, strict: np.ndarray) -> np.ndarray:
        """:func:`count_sorted` in each run, every run of a row against that row's
        ``thresholds`` (r, t): (r, c, t), each run's own count (sum over axis 1 for the
        row's)."""
        r, c, w = self.values.shape
        per_run = np.repeat(thresholds, c, axis=0)  # row-major: a row's runs are adjacent
        return count_sorted(self.values.reshape(r * c, w), per_run, strict).reshape(r, c, -1)

    def sample(self) -> tuple[np.ndarray, int]:
        """Every s-th value of each run, all a row's together and sorted, (r, ≤ SORT_RUN),
        and s (made once). With one run, the run itself and s = 1."""
        if self._sample is None:
            r, c, w = self.values.shape
            if c == 1:
                self._sample = (self.values[:, 0, :], 1)
            else:
                s = min(max(-(-(c * w) // SORT_RUN), 1), w)  # at least one value a run
                q = w // s
                sample = np.ascontiguousarray(self.values[:, :, s - 1::s][:, :, :q])
                sample = sample.reshape(r, c * q)
                sample.sort(axis=1)
                self._sample = (sample, s)
        return self._sample

    def near_ranks(self, low_rank: np.ndarray, high_rank: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A value at or below each row's order statistic of ``low_rank`` and one at or
        above that of ``high_rank`` (0-based ranks among a row's values), each within about
        c·s ranks of it, and whether each was found (False: the rank lies outside what the
        sample can place).

        The sample's t-th value v (0-based, :meth:`sample`) has, whatever the ties, at
        most s(t + c) − c values of its row below it (each run has fewer than s(m + 1)
        below v when m of its sampled values are, and the runs' m add up to at most t) and
        at least s(t + 1) at or below it. So ``t = ⌊(low_rank + c)/s⌋ − c`` gives a value
        at or below the low rank's order statistic and ``t = ⌈(high_rank + 1)/s⌉ − 1`` one
        at or above the high rank's. With one run both are the exact order statistics."""
        sample, s = self.sample()
        r, c, _ = self.values.shape
        width = sample.shape[1]
        t_low = (low_rank + c) // s - c
        t_high = -(-(high_rank + 1) // s) - 1
        ok_low = (t_low >= 0) & (t_low < width)
        ok_high = (t_high >= 0) & (t_high < width)
        if not width:
            return np.zeros(r), ok_low, np.zeros(r), ok_high
        sub = np.arange(r)
        return (sample[sub, np.clip(t_low, 0, width - 1)], ok_low,
                sample[sub, np.clip(t_high, 0, width - 1)], ok_high)

    def copy_stretches(self, first: np.ndarray, take: np.ndarray, out: np.ndarray,
                       row_start: np.ndarray) -> None:
        """Copy ``take`` (r, c) values of each run, from its position ``first`` (r, c),
        into the flat array ``out``: row i's from ``out[row_start[i]]`` on, its runs one
        after another, each ascending. The k-th value taken overall comes from a fixed
        offset of its run and goes to a fixed offset of its row, so both ends are k plus
        one repeated offset (two index arrays in all, however many runs)."""
        r, c, w = self.values.shape
        take, first = take.ravel(), first.ravel()
        start = np.cumsum(take) - take  # each run's first value among all taken
        per_row = take.reshape(r, c).sum(axis=1)
        row_begin = np.cumsum(per_row) - per_row  # each row's first value among all taken
        k = np.arange(int(start[-1] + take[-1]) if len(take) else 0, dtype=np.intp)
        source = k + np.repeat(np.arange(r * c, dtype=np.intp) * w + first - start, take)
        target = k + np.repeat(np.asarray(row_start, dtype=np.intp) - row_begin, per_row)
        out[target] = self.values.reshape(-1)[source]

    def select(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray,
                                                                              np.ndarray]]:
        """For each pair of rank arrays ``(a, b)``, a ≤ b (r,), 0-based among a row's
        values (which must hold them): each row's order statistics of those ranks,
        exactly (the values a full sort of the row puts there). The values between the
        sample's bracket of the two ranks (:meth:`near_ranks`, its ends included, counted
        in every run at once for all pairs) are gathered and sorted: a few c·s values a
        row, unless it has many ties."""
        r, c, _ = self.values.shape
        sub = np.arange(r)
        if c == 1:
            return [(self.values[sub, 0, a], self.values[sub, 0, b]) for a, b in pairs]
        ends = []
        for a, b in pairs:
            low, ok_low, high, ok_high = self.near_ranks(a, b)
            # where the sample cannot place a rank: from the row's start, or to its end
            ends += [np.where(ok_low, low, -np.inf), np.where(ok_high, high, np.inf)]
        per_run = self.count(np.stack(ends, axis=1),
                             np.tile(np.array([True, False]), len(pairs)))
        out = []
        for i, (a, b) in enumerate(pairs):
            first = per_run[:, :, 2 * i]
            take = per_run[:, :, 2 * i + 1] - first
            below = first.sum(axis=1)
            width = int(take.sum(axis=1).max()) if r else 0
            candidates = np.full((r, width), np.inf)
            self.copy_stretches(first, take, candidates.reshape(-1),
                                np.arange(r, dtype=np.intp) * width)
            candidates.sort(axis=1)
            out.append((candidates[sub, a - below], candidates[sub, b - below]))
        return out


def _run_shape(k: int) -> tuple[int, int]:
    """(c, w): how :meth:`SortedRuns.of` holds rows of k values, as c = ⌈k / SORT_RUN⌉ runs
    (at least one) of w = ⌈k / c⌉ values."""
    c = max(-(-k // SORT_RUN), 1)
    return c, (-(-k // c) if k else 0)
