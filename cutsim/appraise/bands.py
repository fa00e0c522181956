"""Exact percentiles of many draws in bounded memory (docs/performance.md "Bands in
bounded memory").

The Monte Carlo's bands are numpy's ``percentile(x, (10, 50, 90), axis=0)`` (method
"linear") over every draw of every output cell. That needs, per cell and per quantile,
only two order statistics of the n draws: ranks ``⌊(n − 1)q⌋`` and the next one.
:class:`BandReducer` finds them without keeping the draws:

- **Pilot.** The first :data:`PILOT` draws are kept whole; a run no longer than that
  is numpy's percentile of them. Then the pilot is sorted once, and a cell whose pilot
  draws are all one value (by bits) is *steady*: its bracket is that value and a block
  costs it one comparison a draw.
- **Brackets.** For each quantile, every other cell keeps a bracket [L, U] of values,
  the number of draws seen below L, the numbers equal to L and to U (so ties cost
  counters, not values), and the values strictly inside (L, U) in a buffer of fixed
  width.
- **Narrowing.** When a buffer would overflow, and each time the draws seen double, its
  values are sorted (as runs of at most ``SORT_RUN`` values) and the bracket is
  narrowed to the values whose rank among the m draws seen so far lies within ``z = 7``
  standard deviations (plus two ranks) of where the wanted order statistic is expected
  to be: of the r draws below the n-draw order statistic of rank r, the number among the
  first m is hypergeometric, mean rm/n, variance m·p(1 − p)(n − m)/(n − 1) with
  p = r/n. With more than one run the new ends are read off a sample of the runs
  (:meth:`SortedRuns.near_ranks`), a few ranks wider on the safe side. Draws outside the new
  bracket only add to the counters.
- **Exactness.** Whatever the brackets, the counters are exact, so at the end the rank r
  value is read off exactly: below L, equal to L, the r-th of the sorted buffer, equal to
  U, or above. Only if it lies outside the bracket (a narrowing guessed wrong, which
  takes a deviation of 7 standard deviations, or a steady cell changed after the
  pilot), or a cell holds a value that is not finite or zeros of both signs, is that
  cell recomputed: :meth:`BandReducer.result` names the cells and the caller runs the
  seeded blocks again keeping every draw of those cells only, whose percentile is then
  numpy's own.
- **The interpolation** between the two order statistics is numpy's "linear" method
  written out (:func:`interpolate`), the same arithmetic in the same order, so the bands
  equal ``numpy.percentile`` over all draws bit for bit (tested against it).

Memory: three buffers of ``cells × capacity`` floats, with capacity about
``2·(2·7·√(n·p(1 − p)/4) + 8) + 512`` (about 2,700 values a cell at n = 100,000 for the
median): it grows with √n, not n, and never beyond n.

A reducer absorbs :class:`BlockSummary` objects, which :func:`summarise` makes from a
block's values and the current brackets; a summary carries only the counters and the
values inside the brackets, so a Dask worker returns summaries, never whole paths. The
result does not depend on which brackets each summary was made with, or on how the
summaries are grouped: only on the draws.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from cutsim.appraise.sorted_runs import SortedRuns, at_or_below, count_sorted
from cutsim.engine.heap import sparse_empty

log = logging.getLogger(__name__)

Z = 7.0  # standard deviations of rank kept either side of the expected rank
SLACK = 2  # and this many ranks more
MIN_CAPACITY = 1024
PILOT = 1024  # draws kept whole before the brackets are set


def rank_plan(draws: int, percentiles: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """numpy's "linear" percentile over ``draws`` values: for each percentile the ranks
    (0-based) of the two order statistics it interpolates, and the weight γ of the upper
    one, computed as numpy computes them."""
    quantiles = np.true_divide(np.asarray(percentiles), 100)
    virtual = (int(draws) - 1) * quantiles
    previous = np.floor(virtual)
    following = previous + 1
    top = virtual >= draws - 1
    previous[top] = -1  # numpy's own index of the last value (γ then reads so)
    following[top] = -1
    gamma = virtual - previous
    lo = np.where(previous < 0, draws - 1, previous).astype(np.intp)
    hi = np.where(following < 0, draws - 1, following).astype(np.intp)
    return lo, hi, gamma


def interpolate(a: np.ndarray, b: np.ndarray, gamma: float) -> np.ndarray:
    """numpy's linear interpolation between order statistics a ≤ b with weight γ (its
    ``_lerp``: from a below γ = 0.5, from b at and above, for the same bits)."""
    diff = b - a
    out = np.add(a, diff * gamma)
    if gamma >= 0.5:
        out = np.subtract(b, diff * (1 - gamma))
    return out


@dataclass(frozen=True)
class BlockSummary:
    """One block's values against brackets: per quantile j, ``below[j]`` (cells,) the
    draws below L, ``at_low``/``at_high`` those equal to L and to U, and the values
    strictly inside as ``cells[j]``/``values[j]`` (cell index and value, in cell order);
    ``draws`` the block's draws, ``bad`` the cells holding a value that is not finite and
    ``moved`` the steady cells (see :class:`BandReducer`) whose value changed."""

    draws: int
    low: tuple[np.ndarray, ...]
    high: tuple[np.ndarray, ...]
    below: tuple[np.ndarray, ...]
    at_low: tuple[np.ndarray, ...]
    at_high: tuple[np.ndarray, ...]
    cells: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]
    bad: np.ndarray
    moved: np.ndarray


def _mixed_zeros(xt: np.ndarray) -> np.ndarray:
    """Rows (cells) holding both 0.0 and −0.0: which one numpy's partition puts at a
    rank is its own affair, so such a cell takes numpy's percentile itself."""
    zero = xt == 0
    if not zero.any():
        return np.zeros(len(xt), bool)
    negative = np.signbit(xt)
    return (zero & negative).any(axis=1) & (zero & ~negative).any(axis=1)


def _mixed_zero_runs(runs: SortedRuns) -> np.ndarray:
    """:func:`_mixed_zeros` of rows held as sorted runs: only rows holding two zeros or
    more (counted by binary search in each run) are looked at."""
    r = len(runs.values)
    at = runs.count(np.zeros((r, 2)), np.array([True, False])).sum(axis=1)
    out = np.zeros(r, bool)
    twice = np.flatnonzero(at[:, 1] - at[:, 0] >= 2)
    if len(twice):
        out[twice] = _mixed_zeros(runs.values[twice].reshape(len(twice), -1))
    return out


def summarise(values: np.ndarray, low: tuple[np.ndarray, ...], high: tuple[np.ndarray, ...],
              active: np.ndarray | None = None, fixed: np.ndarray | None = None) -> BlockSummary:
    """Summarise a block's ``values`` (draws, cells) against the brackets ``low``/``high``
    (one (cells,) array each per quantile). Cells not ``active`` (a boolean (cells,)) are
    steady: their bracket is one value, and a block that keeps to it costs one
    comparison a value; one that does not is summarised in full like an active cell.
    Cells ``fixed`` (a boolean (cells,), steady) are the caller's promise that every draw
    has their steady value: they are not compared at all.

    Each active cell's draws are sorted once; every counter is then the position of a
    bracket end in its sorted draws (:func:`~cutsim.appraise.sorted_runs.count_sorted`),
    and the values strictly inside a bracket are one run of them (kept in ascending order
    within a cell)."""
    values = np.asarray(values, dtype=float)
    n_draws, n_cells = values.shape
    if active is None:
        active = np.ones(n_cells, bool)
    steady = np.flatnonzero(~active)
    moved = np.zeros(n_cells, bool)
    check = steady if fixed is None else np.flatnonzero(~active & ~fixed)
    if len(check):  # by bits, so that a zero changing sign is a change
        bits, first = values.view(np.int64), low[0].view(np.int64)
        if 2 * len(check) >= n_cells:  # most cells: compared in place, no gather
            same = (bits == first).all(axis=0)[check]
        else:
            same = (bits[:, check] == first[check]).all(axis=0)
        moved[check[~same]] = True
        steady = steady[~moved[steady]]
    idx = np.flatnonzero(active | moved)
    xt = np.ascontiguousarray(values.T[idx])  # (cells, draws): one gather, no transpose
    xt.sort(axis=1)  # NaN last, so a row is finite when its ends are
    q = len(low)
    # Thresholds per row: each quantile's L and U, then 0 (a run of zeros of both signs is
    # checked apart); the draws below each, then at or below each.
    thresholds = np.empty((len(idx), 2 * q + 1))
    for j in range(q):
        thresholds[:, 2 * j] = low[j][idx]
        thresholds[:, 2 * j + 1] = high[j][idx]
    thresholds[:, 2 * q] = 0.0
    below_t = count_sorted(xt, thresholds, np.ones(2 * q + 1, bool))
    upto_t = at_or_below(xt, thresholds, below_t)
    bad = np.zeros(n_cells, bool)
    if len(idx) and n_draws:
        bad[idx] = ~(np.isfinite(xt[:, 0]) & np.isfinite(xt[:, -1]))
        zeros = upto_t[:, 2 * q] - below_t[:, 2 * q]
        twice = np.flatnonzero(zeros >= 2)
        if len(twice):
            bad[idx[twice]] |= _mixed_zeros(xt[twice])
    flat_values = xt.ravel()
    row_start = np.arange(len(idx), dtype=np.intp) * n_draws
    idx32 = idx.astype(np.int32)
    below, at_low, at_high, cells, kept = [], [], [], [], []
    for j in range(q):
        lt, le = below_t[:, 2 * j], upto_t[:, 2 * j]
        lt_hi, le_hi = below_t[:, 2 * j + 1], upto_t[:, 2 * j + 1]
        b = np.zeros(n_cells, np.int64)
        a = np.zeros(n_cells, np.int64)
        u = np.zeros(n_cells, np.int64)
        b[idx] = lt
        a[idx] = le - lt
        a[steady] = n_draws
        # equal to U: nothing when U is L (those draws are equal to L)
        u[idx] = (le_hi - lt_hi) * (high[j][idx] != low[j][idx])
        below.append(b)
        at_low.append(a)
        at_high.append(u)
        inside = np.maximum(lt_hi - le, 0)  # L < x < U: one run of each sorted row
        # the k-th value kept is k plus its row's offset: its row's start, plus its
        # count at or below L, less the values kept before the row
        first = np.cumsum(inside) - inside
        pos = np.arange(int(inside.sum()), dtype=np.intp) \
            + np.repeat(row_start + le - first, inside)
        cells.append(np.repeat(idx32, inside))
        kept.append(flat_values[pos])
    # The brackets as they were (copies: a reducer narrows its own in place).
    return BlockSummary(int(n_draws), tuple(a.copy() for a in low),
                        tuple(a.copy() for a in high), tuple(below), tuple(at_low),
                        tuple(at_high), tuple(cells), tuple(kept), bad, moved)


def _flat(a: np.ndarray) -> np.ndarray:
    """A C-contiguous array as one flat view: a one-dimensional index into it is many
    times cheaper than the same (row, column) pairs as two index arrays."""
    flat = a.reshape(-1)
    assert np.shares_memory(flat, a) or a.size == 0
    return flat


class _Pilot:
    """The first draws of every cell, kept whole and compact: a cell whose draws so far
    all have the bits of its first is held as that one value; every other cell's draws are
    one contiguous row of :attr:`rows` (a cell gets its row when it first varies, filled
    with its one value for the draws before), so the pilot costs memory for the cells
    that vary only, and its rows are ready to sort or partition in place."""

    def __init__(self, n_cells: int, width: int, fixed: np.ndarray | None = None) -> None:
        self.m = 0
        self.width = max(int(width), 1)
        # cells the caller promises hold one value in every draw: never compared
        self.fixed = np.zeros(n_cells, bool) if fixed is None else np.asarray(fixed, bool)
        self.first = np.zeros(n_cells)
        self.row_of = np.full(n_cells, -1, np.intp)  # cell → its row; −1 while one value
        self.cells = np.zeros(0, np.intp)  # row → cell
        self.rows = np.empty((0, self.width))

    def add(self, values: np.ndarray) -> None:
        n = values.shape[0]
        if n == 0:
            return
        if self.m == 0:
            self.first = values[0].copy()
        check = np.flatnonzero((self.row_of < 0) & ~self.fixed)
        if len(check):
            # by bits (a zero changing sign varies); a value that is not finite is never
            # held as one value, so that such a cell has its row and is judged with them
            first = self.first[check]
            same = (values.view(np.int64)[:, check] == first.view(np.int64)).all(axis=0)
            same &= np.isfinite(first)
            starts = check[~same]
            if len(starts):
                self._rows_for(starts)
        if self.m + n > self.width:
            self._widen(self.m + n)
        self.rows[:, self.m:self.m + n] = values[:, self.cells].T
        self.m += n

    def _rows_for(self, cells: np.ndarray) -> None:
        """Rows for ``cells``, which held one value until now (their draws so far)."""
        grown = np.empty((len(self.cells) + len(cells), self.width))
        grown[:len(self.cells), :self.m] = self.rows[:, :self.m]
        grown[len(self.cells):, :self.m] = self.first[cells, None]
        self.row_of[cells] = np.arange(len(self.cells), len(grown))
        self.cells = np.concatenate([self.cells, cells])
        self.rows = grown

    def _widen(self, need: int) -> None:
        width = max(need, 2 * self.width)
        grown = np.empty((len(self.cells), width))
        grown[:, :self.m] = self.rows[:, :self.m]
        self.rows, self.width = grown, width

    def draws(self) -> np.ndarray:
        """The varying cells' draws, (rows, m), contiguous (a view when the pilot is full)."""
        out = self.rows[:, :self.m]
        return out if out.flags.c_contiguous else np.ascontiguousarray(out)


class BandReducer:
    """Exact P-percentiles over ``draws`` draws of ``n_cells`` cells, fed block by block
    (:meth:`add` or :meth:`absorb`), in memory that grows with √draws (see the module).

    The first :data:`PILOT` draws are kept whole; a run no longer than that is read off
    them. Otherwise, when the pilot is full, it is sorted once: a cell whose pilot draws
    are all one value is *steady* (its bracket is that value, and a block costs it one
    comparison a value until a draw differs), and every other cell's brackets are set
    around where its order statistics are expected.
    """

    def __init__(self, draws: int, n_cells: int, percentiles: tuple[float, ...], *,
                 capacity: int | None = None, pilot: int | None = None,
                 fixed: np.ndarray | None = None) -> None:
        self.n, self.cells, self.m = int(draws), int(n_cells), 0
        # Cells the caller promises hold one value in every draw (outcomes the levers do
        # not reach): steady from the first draw, and never compared.
        self.fixed = None if fixed is None else np.asarray(fixed, bool)
        self.percentiles = tuple(percentiles)
        self.lo_rank, self.hi_rank, self.gamma = rank_plan(self.n, percentiles)
        q = len(percentiles)
        self.low = tuple(np.full(self.cells, -np.inf) for _ in range(q))
        self.high = tuple(np.full(self.cells, np.inf) for _ in range(q))
        self.below = [np.zeros(self.cells, np.int64) for _ in range(q)]
        self.at_low = [np.zeros(self.cells, np.int64) for _ in range(q)]
        self.at_high = [np.zeros(self.cells, np.int64) for _ in range(q)]
        self.count = [np.zeros(self.cells, np.int64) for _ in range(q)]
        self.pilot_size = min(self.n, PILOT if pilot is None else int(pilot))
        caps = [max(capacity or self._capacity(j), self.pilot_size) for j in range(q)]
        self.capacity = [min(c, self.n) for c in caps]
        # The values a cell may hold before its bracket is narrowed (raised only when a
        # narrowing cannot bring a block within it); the buffers are made that wide when
        # the first values arrive (their pages are taken only as rows fill).
        self.limit = list(self.capacity)
        self.buffer: list[np.ndarray] = [np.full((self.cells, 0), np.inf) for _ in range(q)]
        self.pilot: _Pilot | None = _Pilot(self.cells, self.pilot_size, self.fixed)
        self.active = np.ones(self.cells, bool)
        self.bad = np.zeros(self.cells, bool)
        self.narrowings = 0  # how many times a bracket was narrowed (for the tests)
        self.next_narrowing = 0  # draws seen at which every bracket is narrowed again

    def _capacity(self, j: int) -> int:
        p = (self.lo_rank[j] + 0.5) / self.n
        sd_max = math.sqrt(self.n * p * (1 - p) / 4)  # the widest, at m = n/2
        return max(MIN_CAPACITY, int(2 * (2 * Z * sd_max + 2 * SLACK + 4) + 512))

    def brackets(self) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], np.ndarray]:
        """The current brackets and active cells (copies), to summarise blocks against."""
        return (tuple(a.copy() for a in self.low), tuple(a.copy() for a in self.high),
                self.active.copy())

    def add(self, values: np.ndarray) -> None:
        """Absorb one block's values (draws, cells)."""
        if self.pilot is not None:
            self.pilot.add(np.asarray(values, dtype=float))
            self.m += values.shape[0]
            if self.m >= self.pilot_size and self.m < self.n:
                self._start()
            return
        self.absorb(summarise(values, self.low, self.high, self.active, self.fixed))

    def _start(self) -> None:
        """End the pilot: find the steady cells, sort the others, set and fill the brackets.

        A cell is bad (recomputed at the end) if a draw is not finite or it holds zeros of
        both signs; steady if its draws are one value (by bits) and it is not bad."""
        pilot = self.pilot
        assert pilot is not None  # both callers start only while the pilot is running
        self.pilot = None
        m = pilot.m
        first = pilot.first
        steady = pilot.row_of < 0  # one value by bits, and finite (see _Pilot.add)
        # (a fixed cell is the caller's promise, not checked: one not finite is recomputed)
        self.bad |= steady & ~np.isfinite(first)
        rows = pilot.cells
        runs = SortedRuns.of(pilot.draws())  # in place: the pilot is done with
        bad = np.zeros(self.cells, bool)
        if len(rows):  # not finite: NaN sorts last in its run, ±inf to the ends
            ends = np.isfinite(runs.values[:, :, 0]) & np.isfinite(runs.values[:, :, -1])
            bad[rows] = ~ends.all(axis=1) | _mixed_zero_runs(runs)
        self.bad |= bad
        self.active = ~steady
        for j in range(len(self.low)):
            self.limit[j] = max(self.capacity[j], m)
            self.count[j] = np.where(steady, 0, m)
            self.low[j][steady] = self.high[j][steady] = first[steady]
            self.at_low[j] = np.where(steady, m, 0)
            self._narrow_one(j, presorted=(rows, runs))
        self.next_narrowing = 2 * m

    def absorb(self, s: BlockSummary) -> None:
        """Absorb a block summary made against brackets that contain the current ones
        (brackets only narrow)."""
        if self.pilot is not None:
            raise ValueError("a block summary comes after the pilot")
        self.bad |= s.bad
        self.active |= s.moved
        if self.m >= self.next_narrowing:  # each time the draws seen double: tighter
            self.narrow()
        for j in range(len(self.low)):
            part = self._against(j, s.low[j], s.high[j], s.below[j], s.at_low[j],
                                 s.at_high[j], s.cells[j], s.values[j])
            if (self.count[j] + part[4]).max() > self.limit[j]:
                self._narrow_one(j)
                part = self._against(j, s.low[j], s.high[j], s.below[j], s.at_low[j],
                                     s.at_high[j], s.cells[j], s.values[j])
            self._commit(j, *part)
        self.m += s.draws

    def _against(self, j, s_low, s_high, below, at_low, at_high, cells, values):
        """A summary's counters and values re-expressed against the current bracket j
        (made against a wider one: equal-to-old-L draws below the new L are below it,
        equal-to-old-U draws above the new U drop out, and when the bracket has closed on
        the old U they are equal to L)."""
        low, high = self.low[j], self.high[j]
        if np.array_equal(s_low, low) and np.array_equal(s_high, high):
            # made against these very brackets: its counters and values stand as they are
            return below, at_low, at_high, (cells, values), np.bincount(cells,
                                                                        minlength=self.cells)
        moved_low = s_low < low
        same = high == low
        add_below = below + np.where(moved_low, at_low, 0)
        add_low = np.where(moved_low, 0, at_low) + np.where(same & (s_high == high), at_high, 0)
        add_high = np.where((s_high > high) | same, 0, at_high)
        if len(values):
            lo_c, hi_c = low[cells], high[cells]
            add_below = add_below + np.bincount(cells[values < lo_c], minlength=self.cells)
            add_low = add_low + np.bincount(cells[values == lo_c], minlength=self.cells)
            add_high = add_high + np.bincount(cells[(values == hi_c) & (hi_c != lo_c)],
                                              minlength=self.cells)
            keep = (values > lo_c) & (values < hi_c)
            cells, values = cells[keep], values[keep]
        k = np.bincount(cells, minlength=self.cells)
        return add_below, add_low, add_high, (cells, values), k

    def _commit(self, j, add_below, add_low, add_high, kept, k) -> None:
        cells, values = kept
        self.below[j] += add_below
        self.at_low[j] += add_low
        self.at_high[j] += add_high
        need = int((self.count[j] + k).max())
        if need > self.limit[j]:
            log.debug("band buffer %d grows to %d values a cell", j, need)
            self.limit[j] = need
        self._ensure_width(j, need)
        if len(values):
            # cells arrive in cell order, k[c] of cell c: the i-th value goes to i plus
            # its cell's offset (the cell's row, its count so far, less the values before)
            starts = np.cumsum(k) - k
            offset = np.arange(self.cells, dtype=np.intp) * self.buffer[j].shape[1] \
                + self.count[j] - starts
            _flat(self.buffer[j])[np.arange(len(cells), dtype=np.intp)
                                  + np.repeat(offset, k)] = values
        self.count[j] += k

    def _ensure_width(self, j: int, need: int) -> None:
        """Make buffer j at least ``need`` values wide (at once as wide as its limit)."""
        width = self.buffer[j].shape[1]
        if need <= width:
            return
        # Straight to the limit: the memory is reserved, and the system gives it pages
        # only as rows are written (sparse_empty: ordinary pages, not huge pages zeroed
        # whole at their first write), so a row's unused tail costs nothing, while
        # growing by doubling would copy the buffer each time. Only each row's first
        # count[j] entries mean anything (the rest are read through _buffer_runs, which
        # pads them), so only those are copied.
        grown = sparse_empty((self.cells, max(need, self.limit[j])))
        used = min(int(self.count[j].max()), width) if self.cells else 0
        grown[:, :used] = self.buffer[j][:, :used]
        self.buffer[j] = grown

    def narrow(self) -> None:
        """Narrow every bracket around where its order statistics are expected (module)."""
        if self.pilot is not None:
            if self.m:
                self._start()
            return
        for j in range(len(self.low)):
            self._narrow_one(j)
        self.next_narrowing = 2 * self.m

    def _expected(self, rank: int, sign: int) -> int:
        n, m = self.n, self.m
        p = rank / n
        sd = math.sqrt(max(m * p * (1 - p) * (n - m) / max(n - 1, 1), 0.0))
        centre = rank * m / n
        edge = centre + sign * (Z * sd + SLACK)
        return math.floor(edge) if sign < 0 else math.ceil(edge)

    def _narrow_one(self, j: int,
                    presorted: tuple[np.ndarray, SortedRuns] | None = None) -> None:
        """Narrow bracket j; ``presorted`` gives the rows and their values as sorted runs
        (the pilot's) instead of the buffer's.

        The new ends are values of the buffer near the ranks the module gives
        (:meth:`SortedRuns.near_ranks`: exact with one run, within a few ranks on the safe
        side with more), never outside the old bracket; the counters and the values kept
        are then exact, counted in each sorted run."""
        cnt_all = self.count[j]
        if presorted is None:
            rows = np.flatnonzero(cnt_all > 0)  # steady cells hold no values
            if len(rows) == 0:
                return
            runs = self._buffer_runs(j, rows)  # padded with +inf, at the end of each run
        else:
            rows, runs = presorted
            if len(rows) == 0:
                return
        self.narrowings += 1
        cnt = cnt_all[rows]
        start = self.below[j][rows] + self.at_low[j][rows]  # the rank of buf[:, 0] seen
        a = self._expected(int(self.lo_rank[j]), -1) - start
        b = self._expected(int(self.hi_rank[j]), +1) - start
        old_low, old_high = self.low[j][rows], self.high[j][rows]
        near_low, ok_low, near_high, ok_high = runs.near_ranks(a, b)
        # (never outside the old bracket: a padding +inf is not below the old U)
        low = np.where(ok_low & (a >= 0) & (a < cnt) & (near_low > old_low), near_low,
                       old_low)
        high = np.where(ok_high & (b >= 0) & (b < cnt) & (near_high < old_high), near_high,
                        old_high)
        per_run = runs.count(np.stack([low, low, high, high], axis=1),
                             np.array([True, False, True, False]))
        lt, le, lt_hi, le_hi = per_run.sum(axis=1).T  # a padding +inf is never below L
        moved_low = low > old_low
        self.below[j][rows] += np.where(moved_low, self.at_low[j][rows], 0) + lt
        self.at_low[j][rows] = np.where(moved_low, 0, self.at_low[j][rows]) + (le - lt)
        same = high == low
        # (a finite U only: the padding is +inf)
        eq_hi = (le_hi - lt_hi) * (np.isfinite(high) & ~same)
        self.at_high[j][rows] = np.where((high < old_high) | same, 0,
                                         self.at_high[j][rows]) + eq_hi
        # each sorted run keeps one stretch, from its own count at or below L
        run_kept = np.maximum(per_run[:, :, 2] - per_run[:, :, 1], 0)
        kept = run_kept.sum(axis=1)
        self._ensure_width(j, int(kept.max()))
        # a row's kept stretches one after another from its start in buffer j
        runs.copy_stretches(per_run[:, :, 1], run_kept, _flat(self.buffer[j]),
                            rows * self.buffer[j].shape[1])
        self.count[j][rows] = kept
        self.low[j][rows], self.high[j][rows] = low, high

    def _buffer_runs(self, j: int, rows: np.ndarray) -> SortedRuns:
        """Buffer j's values of ``rows`` as sorted runs, padded with +inf after their
        count[j] values; a copy, so the buffer is left as it is."""
        count = self.count[j][rows]
        width = int(count.max())
        whole = SortedRuns.whole(width)
        if whole <= self.buffer[j].shape[1]:  # one gather, then sorted in place
            return SortedRuns.of(self.buffer[j][rows, :whole], count)
        return SortedRuns.of(self.buffer[j][rows, :width], count)

    def _values(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's order statistics of bracket j's two ranks, (2, cells), and whether
        both were found: below L, equal to L, in the buffer (selected exactly from its
        sorted runs, :meth:`SortedRuns.select`), equal to U, or above (not found)."""
        values = np.zeros((2, self.cells))
        found = np.ones(self.cells, bool)
        in_buf = []
        for i, rank in enumerate((int(self.lo_rank[j]), int(self.hi_rank[j]))):
            r = rank - self.below[j]
            in_low = (r >= 0) & (r < self.at_low[j])
            r2 = r - self.at_low[j]
            in_buf.append(r2)
            r3 = r2 - self.count[j]
            in_high = (r3 >= 0) & (r3 < self.at_high[j])
            values[i] = np.where(in_low, self.low[j], self.high[j])
            found &= in_low | ((r2 >= 0) & (r2 < self.count[j])) | in_high
        rows = np.flatnonzero(self.count[j] > 0)
        if len(rows):
            last = self.count[j][rows] - 1
            lo, hi = (np.clip(r2[rows], 0, last) for r2 in in_buf)
            (picked,) = self._buffer_runs(j, rows).select([(lo, hi)])
            for i, r2 in enumerate(in_buf):
                here = (r2[rows] >= 0) & (r2[rows] <= last)
                values[i, rows[here]] = picked[i][here]
        return values, found

    def _pilot_bands(self, pilot: _Pilot, out: np.ndarray) -> None:
        """Bands of a run whose every draw is in the pilot, into ``out``: numpy's
        percentile of them, bit for bit.

        A cell of one value (by bits) needs no partition: numpy's interpolation of that
        value with itself (which may turn −0.0 into 0.0, as numpy's does). Every other
        cell's row is partitioned in place at the two ranks each band reads, and the band
        interpolated as numpy does; a row not finite, or with zeros of both signs (which
        zero numpy's partition puts at a rank is its own affair), is first set aside in
        draw order and given to numpy's percentile itself."""
        first = pilot.first
        steady = pilot.row_of < 0
        for j in range(len(self.low)):
            out[j, steady] = interpolate(first[steady], first[steady], float(self.gamma[j]))
        rows, draws = pilot.cells, pilot.draws()
        if len(rows) == 0:
            return
        least, greatest = draws.min(axis=1), draws.max(axis=1)  # NaN if the row holds one
        plain = np.isfinite(least) & np.isfinite(greatest)
        spans_zero = np.flatnonzero(plain & (least <= 0) & (greatest >= 0))
        if len(spans_zero):
            plain[spans_zero] = ~_mixed_zeros(draws[spans_zero])
        rest = np.flatnonzero(~plain)
        if len(rest):
            out[:, rows[rest]] = np.percentile(draws[rest], self.percentiles, axis=1)
        keep = np.flatnonzero(plain)
        if len(keep) == 0:
            return
        # in place when every row is plain: the run is done with its draws
        runs = SortedRuns.of(draws if len(keep) == len(rows) else draws[keep])
        picked = runs.select([(np.full(len(keep), lo, np.intp), np.full(len(keep), hi, np.intp))
                              for lo, hi in zip(self.lo_rank, self.hi_rank)])
        for j, (a, b) in enumerate(picked):
            out[j, rows[keep]] = interpolate(a, b, float(self.gamma[j]))

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """``(bands, misses)``: bands (percentiles, cells) and a boolean (cells,) of the
        cells whose bands could not be read off (recompute them: :meth:`misses`)."""
        if self.m != self.n:
            raise ValueError(f"the reducer expected {self.n} draws and got {self.m}")
        out = np.empty((len(self.low), self.cells))
        if self.pilot is not None:  # every draw is here: numpy's percentile of them
            self._pilot_bands(self.pilot, out)
            return out, np.zeros(self.cells, bool)
        missed = self.bad.copy()
        for j in range(len(self.low)):
            (a, b), found = self._values(j)
            # a cell not found reads 0 here and is recomputed by the caller
            out[j] = interpolate(np.where(found, a, 0.0), np.where(found, b, 0.0),
                                 float(self.gamma[j]))
            missed |= ~found
        return out, missed
