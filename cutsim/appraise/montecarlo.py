"""Monte Carlo over the model's uncertain per_unit values (docs/uncertainty.md).

Each effect and demand per_unit is drawn independently from a PERT distribution on
[low, per_unit, high] (a Beta with λ = 4; low == high gives the constant), and all the
draws of one block go through the engine at once (a leading draws axis).

**Seeding contract.** Draws are numbered 0, 1, 2, … and made in blocks of
:data:`DRAW_BLOCK` (256): block b holds draws 256·b … 256·b + 255. Block b's generator is
``numpy.random.default_rng(numpy.random.SeedSequence(entropy, spawn_key=(b,)))``, where
``entropy`` is the run's seed (or, with no seed, fresh entropy taken once per run). A
block always draws its full 256 parameter sets (first every effect ``k``, shape
(256, K), then every demand ``d``, shape (256, D)) and keeps the first n it needs, and is
simulated and priced on its own. So a draw's numbers depend only on the seed and its
number, never on how the blocks are grouped: the blocks may run in one call, in chunks
on a worker thread with progress and cancellation (:func:`run_draws`), or on other
machines (:func:`simulate_block` is a pure function of its arguments), and the result
is bit-identical for the same seed. The first n draws of a longer run are the draws of
an n-draw run. The bands are the exact percentiles of all draws; each block is reduced
as it is made (:mod:`cutsim.appraise.bands`), so memory does not grow with the draws.

Money is priced per draw with the appraisal's own discount factors
(:func:`cutsim.appraise.appraisal.place_discount_factors`: the place's rate and
schedule): there is one NPV.

**Wider uncertainty.** Given an :class:`~cutsim.appraise.uncertain.UncertaintySpace`
(``space``), a block draws with :meth:`UncertaintySpace.draw` from the same generator:
the effect and demand draws come first and are the same numbers, and only a model with
other uncertain inputs (unit costs, spends, delays, pool efficiency, premium) draws more
after them. Such a block is simulated draw by draw on the model and scenario realised
with that draw's values (:meth:`UncertaintySpace.realise`), still a pure function of its
arguments. A space without such inputs and without correlation draws and simulates
exactly as no space at all.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np

from cutsim.appraise.appraisal import place_discount_factors
from cutsim.appraise.bands import BandReducer, BlockSummary, summarise
from cutsim.appraise.blocks import Band, Uncertainty
from cutsim.engine.compiled import CompiledModel, Params, compile_model, with_values
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import agency_onehot, by_agency, service_money
from cutsim.engine.simulate import Trajectory, lever_reach, simulate
from cutsim.levers.build import build_inputs
from cutsim.model.errors import InputError

if TYPE_CHECKING:  # the space module builds on this one
    from cutsim.appraise.executor import Executor
    from cutsim.appraise.uncertain import UncertaintySpace

log = logging.getLogger(__name__)

PERT_LAMBDA = 4.0
PERCENTILES = (10, 50, 90)
DRAW_BLOCK = 256  # draws per block: the unit of seeding, chunking and distribution


def pert(rng: np.random.Generator, low: np.ndarray, mode: np.ndarray, high: np.ndarray,
         draws: int) -> np.ndarray:
    """PERT draws, shape (draws, len(mode)): low + (high − low)·Beta(α, β) with
    α = 1 + λ(mode − low)/(high − low), β = 1 + λ(high − mode)/(high − low)."""
    low, mode, high = (np.asarray(x, dtype=float) for x in (low, mode, high))
    span = high - low
    degenerate = span <= 0
    safe = np.where(degenerate, 1.0, span)
    alpha = 1.0 + PERT_LAMBDA * np.clip((mode - low) / safe, 0.0, 1.0)
    beta = 1.0 + PERT_LAMBDA * np.clip((high - mode) / safe, 0.0, 1.0)
    x = rng.beta(alpha, beta, size=(draws, len(mode))) if len(mode) else np.zeros((draws, 0))
    return np.where(degenerate, mode, low + span * x)


def run_entropy(seed: int | None) -> int:
    """The entropy every block of one run is seeded from: the seed, or fresh entropy."""
    if seed is not None:
        if seed < 0:
            raise ValueError("seed must be >= 0")
        return int(seed)
    return int(cast(int, np.random.SeedSequence().entropy))


def block_sizes(draws: int) -> list[int]:
    """How many draws each block of a ``draws``-draw run holds (all DRAW_BLOCK but the last)."""
    if draws < 1:
        raise ValueError("draws must be >= 1")
    full, rest = divmod(int(draws), DRAW_BLOCK)
    return [DRAW_BLOCK] * full + ([rest] if rest else [])


def block_params(cm: CompiledModel, entropy: int, block: int, n: int = DRAW_BLOCK) -> Params:
    """The parameters of draws ``DRAW_BLOCK·block`` … ``+ n − 1`` (a draws axis of n)."""
    if not 0 < n <= DRAW_BLOCK:
        raise ValueError(f"a block holds 1 to {DRAW_BLOCK} draws (got {n})")
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(int(block),)))
    k = pert(rng, cm.k_low, cm.k_central, cm.k_high, DRAW_BLOCK)
    d = pert(rng, cm.d_low, cm.d_central, cm.d_high, DRAW_BLOCK)
    return Params(k[:n], d[:n])


def block_values(space: UncertaintySpace, entropy: int, block: int,
                 n: int = DRAW_BLOCK) -> np.ndarray:
    """Every input's values for draws ``DRAW_BLOCK·block`` … ``+ n − 1``: (n, P) in the
    order of ``space.inputs`` (the per_unit columns equal :func:`block_params`)."""
    if not 0 < n <= DRAW_BLOCK:
        raise ValueError(f"a block holds 1 to {DRAW_BLOCK} draws (got {n})")
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(int(block),)))
    return space.draw(rng, DRAW_BLOCK)[:n]


def draw_params(cm: CompiledModel, draws: int, seed: int | None) -> Params:
    """Every draw's parameters of a ``draws``-draw run, in draw order (Params with a draws
    axis), exactly as the blocks of :func:`run_draws` make them."""
    entropy = run_entropy(seed)
    blocks = [block_params(cm, entropy, b, n) for b, n in enumerate(block_sizes(draws))]
    return Params(np.concatenate([p.k for p in blocks]), np.concatenate([p.d for p in blocks]))


@dataclass(frozen=True)
class DrawBlock:
    """One block's per-draw series: outcome ``levels (n, O, N+1)`` in outcome units,
    ``agency_net (n, A, N+1)`` net saving in £/yr (positive good for the budget), the
    place's ``npv (n,)`` in £ and ``agency_net_annual (n, A, H)``, each agency's exact net
    saving per financial year in £."""

    levels: np.ndarray
    agency_net: np.ndarray
    npv: np.ndarray
    agency_net_annual: np.ndarray | None = None
    cells: np.ndarray | None = None  # (n, cells) of :func:`flatten_block`, when the
    # series above are views of it (a block made by :func:`simulate_block`)


@dataclass(frozen=True)
class CellViews:
    """Views of one (draws, cells) array in the cell order of :func:`flatten_block`, so
    that a block's series are written once, where the bands read them."""

    cells: np.ndarray
    levels: np.ndarray  # (n, O, N+1)
    agency_net: np.ndarray  # (n, A, N+1)
    place_net: np.ndarray  # (n, N+1)
    annual: np.ndarray  # (n, A, H)
    annual_place: np.ndarray  # (n, H)
    npv: np.ndarray  # (n,)


def block_views(cm: CompiledModel, inputs: LeverInputs, n: int,
                within: CellViews | None = None) -> CellViews:
    """A block's (n draws, cells) array and its views, with the levels of the outcomes
    these lever inputs do not reach already written: their baseline plus an exact 0 in
    every draw (the same bits as the baseline plus the engine's exact-zero ΔY). With
    ``within`` (views of at least n draws), the array is its first n rows, memory already
    in use, rather than a fresh one."""
    out = _cell_views(cm, n, None if within is None else within.cells[:n])
    base = cm.outcome_baseline
    for first, stop in _fixed_money(cm, inputs).unreached_runs:  # plain slices, no gather
        out.levels[:, first:stop] = (base[first:stop] + 0.0)[None, :, None]
    return out


def fixed_cells(cm: CompiledModel, inputs: LeverInputs) -> np.ndarray:
    """The cells (in :func:`flatten_block` order, annual series included) that hold one
    value in every draw by construction: the levels of the outcomes the levers do not
    reach (a boolean (cells,))."""
    fixed = np.zeros(sum(_cell_sizes(cm)), bool)
    t1 = cm.n_steps + 1
    for first, stop in _fixed_money(cm, inputs).unreached_runs:
        fixed[first * t1:stop * t1] = True
    return fixed


def _cell_sizes(cm: CompiledModel) -> list[int]:
    """How many cells each part of :func:`flatten_block`'s order holds: outcome levels,
    agency net saving, the place's, the same by year for agencies and the place, the NPV."""
    n_out, n_ag, t1, h = cm.n_outcomes, len(cm.agency_ids), cm.n_steps + 1, cm.horizon_years
    return [n_out * t1, n_ag * t1, t1, n_ag * h, h, 1]


def _cell_views(cm: CompiledModel, n: int, cells: np.ndarray | None = None) -> CellViews:
    n_out, n_ag, t1, h = cm.n_outcomes, len(cm.agency_ids), cm.n_steps + 1, cm.horizon_years
    sizes = _cell_sizes(cm)
    if cells is None:
        cells = np.empty((n, sum(sizes)))
    ends = np.cumsum(sizes)
    part = [cells[:, e - s:e] for s, e in zip(sizes, ends)]
    return CellViews(cells, part[0].reshape(n, n_out, t1), part[1].reshape(n, n_ag, t1),
                      part[2], part[3].reshape(n, n_ag, h), part[4], part[5][:, 0])


def simulate_block(cm: CompiledModel, inputs: LeverInputs, entropy: int, block: int,
                   n: int = DRAW_BLOCK, space: UncertaintySpace | None = None, *,
                   into: CellViews | None = None) -> DrawBlock:
    """Draw, simulate and price one block (a pure function: same arguments, same bits).

    ``space`` (of the model of ``cm`` and the one scenario of ``inputs``) adds the wider
    inputs and correlation; without it only the per_unit values vary. ``into`` (from
    :func:`block_views`, n draws) is written instead of a fresh array, so the block's
    series are its views and are overwritten by the next block written there.
    """
    if space is None or (not space.extras and space.correlation == 0):
        params = block_params(cm, entropy, block, n)
    else:
        values = block_values(space, entropy, block, n)
        if space.extras:
            return _simulate_realised(cm, space, values)
        params = _params_of(space, values)
    fixed = _fixed_money(cm, inputs)
    traj = simulate(cm, params, inputs.activity_delta, inputs.outcome_input,
                    services=fixed.services, outcomes=fixed.outcomes, outcome_integrals=False)
    # Written straight into the array the bands read (the same arithmetic as
    # flatten_block's of separate arrays, without the copies): an outcome the levers do
    # not reach is its baseline plus an exact 0 in every draw.
    out = into if into is not None else block_views(cm, inputs, len(params.k))
    base = cm.outcome_baseline
    for i, o in enumerate(fixed.outcomes):
        np.add(base[o], traj.dY[:, i], out=out.levels[:, o])
    _net_and_npv(cm, inputs, traj, out)
    np.sum(out.agency_net, axis=1, out=out.place_net)
    np.sum(out.annual, axis=1, out=out.annual_place)
    return DrawBlock(out.levels, out.agency_net, out.npv, out.annual, out.cells)


def _plain(space: UncertaintySpace | None) -> bool:
    """Whether blocks are drawn plainly (per_unit values only, one parameter set per
    draw through :func:`simulate_block`'s batched path), not realised draw by draw."""
    return space is None or not space.extras


def _params_of(space: UncertaintySpace, values: np.ndarray) -> Params:
    """The engine parameters (effect and demand per_unit columns) of rows of values."""
    k, d = space.n_k, space.n_d
    return Params(np.ascontiguousarray(values[..., :k]),
                  np.ascontiguousarray(values[..., k:k + d]))


def _simulate_realised(cm: CompiledModel, space: UncertaintySpace,
                       values: np.ndarray) -> DrawBlock:
    """Draw by draw: each row's model and scenario realised, compiled and priced."""
    parts = []
    for row in values:
        model, scenarios = space.realise(row)
        cm_row = with_values(cm, model)
        inputs = build_inputs(cm_row, scenarios[0])
        traj = simulate(cm_row, _params_of(space, row[None]), inputs.activity_delta,
                        inputs.outcome_input, services=_fixed_money(cm_row, inputs).services,
                        outcome_integrals=False)
        agency_net, npv, annual = _net_and_npv(cm_row, inputs, traj)
        parts.append(DrawBlock(cm.outcome_baseline[None, :, None] + traj.dY, agency_net, npv,
                               annual))
    return DrawBlock(*(np.concatenate([getattr(p, f) for p in parts])
                       for f in ("levels", "agency_net", "npv", "agency_net_annual")))


def run_draws(cm: CompiledModel, inputs: LeverInputs, draws: int, seed: int | None, *,
              space: UncertaintySpace | None = None, executor: Executor | None = None,
              progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> Uncertainty | None:
    """The bands of ``draws`` draws of one scenario's lever inputs (None if cancelled).

    Each block is reduced as it is made (:class:`cutsim.appraise.bands.BandReducer`): the
    bands are exactly numpy's percentiles over all draws, in memory that does not grow
    with the draws the way the draws themselves would.

    Without ``executor`` (or with the in-process one) the blocks are computed in order on
    this thread: ``progress(done, draws)`` is called with 0 first and after each block,
    and ``cancelled()`` is asked before each block, a True answer stopping the run. Another
    executor (:mod:`cutsim.appraise.executor`) gets the blocks in waves of
    :data:`WAVE_BLOCKS` and returns each block's summary against the current brackets
    (never its paths): progress is called at 0 and after each wave, cancel asked before
    each wave. Either way the bands are bit-identical (the module's seeding contract).
    Callers go through :func:`cutsim.appraise.run.run_uncertainty`, which builds the
    inputs and the space.
    """
    from cutsim.appraise.executor import InProcess

    draws = int(draws)
    entropy = run_entropy(seed)
    if executor is None or isinstance(executor, InProcess):
        reducer: BandReducer | None = None
        blocks = 0
        plain = _plain(space)
        # (the entropy is its own seed: run_entropy(entropy) == entropy)
        for block in iter_blocks(cm, inputs, draws, entropy, progress=progress,
                                 cancelled=cancelled, space=space, reuse=plain):
            values = flatten_block(block)
            if reducer is None:
                # Blocks drawn plainly write an unreached outcome's level as its baseline
                # in every draw: the reducer never compares those cells.
                reducer = BandReducer(draws, values.shape[1], PERCENTILES,
                                      fixed=fixed_cells(cm, inputs) if plain else None)
            reducer.add(values)  # (copies what it keeps: the array is written again)
            blocks += 1
            # Let go of this block before the next is made: a block realised draw by draw
            # is a fresh array, and two alive at once make the first run fault in fresh
            # pages (plain blocks share one array anyway).
            del block, values
        if reducer is None or blocks < len(block_sizes(draws)):
            return None
        return _finish(cm, inputs, space, entropy, reducer, seed)
    _refuse_effect_multipliers(cm)
    if progress is not None:
        progress(0, draws)
    if cancelled is not None and cancelled():
        return None
    sizes = block_sizes(draws)
    # The first block here, to learn the cells and set the first brackets.
    first = flatten_block(simulate_block(cm, inputs, entropy, 0, sizes[0], space))
    reducer = BandReducer(draws, first.shape[1], PERCENTILES)
    reducer.add(first)
    rest = list(enumerate(sizes))[1:]
    done = sizes[0]
    for start in range(0, len(rest), WAVE_BLOCKS):
        if cancelled is not None and cancelled():
            return None
        wave = rest[start:start + WAVE_BLOCKS]
        reducer.narrow()
        task = _SummaryTask(cm.model, inputs, space, *reducer.brackets())
        task._cm = cm  # this process's copy; a pickled task compiles its own
        for summary in executor.map(task, [(entropy, b, n) for b, n in wave]):
            reducer.absorb(summary)
        done += sum(n for _, n in wave)
        if progress is not None:
            progress(done, draws)
    if progress is not None and not rest:
        progress(draws, draws)
    return _finish(cm, inputs, space, entropy, reducer, seed)


WAVE_BLOCKS = 16  # blocks sent to a cluster against one set of brackets


def flatten_block(block: DrawBlock) -> np.ndarray:
    """A block's banded series as one (draws, cells) array: outcome levels, agency net
    saving and the place's (their sum over agencies), then by financial year the same
    for agencies and the place (when priced by year), then the place NPV."""
    if block.cells is not None:
        return block.cells
    n = len(block.npv)
    parts = [block.levels.reshape(n, -1), block.agency_net.reshape(n, -1),
             block.agency_net.sum(axis=1)]
    if block.agency_net_annual is not None:
        parts += [block.agency_net_annual.reshape(n, -1), block.agency_net_annual.sum(axis=1)]
    parts.append(block.npv[:, None])
    return np.concatenate(parts, axis=1)


def _finish(cm: CompiledModel, inputs: LeverInputs, space: UncertaintySpace | None,
            entropy: int, reducer: BandReducer, seed: int | None) -> Uncertainty:
    """The reducer's bands; cells it could not read off (a bracket that missed, or a value
    that is not finite) are recomputed from the seeded blocks keeping every draw of those
    cells only, and take numpy's percentile over them."""
    bands, missed = reducer.result()
    if missed.any():
        cols = np.flatnonzero(missed)
        log.info("recomputing %d of %d band cells from the seeded blocks", len(cols),
                 len(missed))
        kept = [flatten_block(simulate_block(cm, inputs, entropy, b, n, space))[:, cols]
                for b, n in enumerate(block_sizes(reducer.n))]
        bands[:, cols] = np.percentile(np.concatenate(kept), PERCENTILES, axis=0)
    return uncertainty_of(cm, bands, reducer.n, seed)


def uncertainty_of(cm: CompiledModel, bands: np.ndarray, draws: int,
                   seed: int | None) -> Uncertainty:
    """The result's uncertainty from bands (percentiles, cells) in the cell order of
    :func:`flatten_block`."""
    n_out, n_ag, t1 = cm.n_outcomes, len(cm.agency_ids), cm.n_steps + 1
    h = cm.horizon_years
    at = 0

    def take(size: int) -> np.ndarray:
        nonlocal at
        part = bands[:, at:at + size]
        at += size
        return part

    levels = take(n_out * t1).reshape(len(PERCENTILES), n_out, t1)
    agency = take(n_ag * t1).reshape(len(PERCENTILES), n_ag, t1)
    place = take(t1)
    annual_agencies, annual_place = None, None
    if bands.shape[1] > at + 1:
        yearly = take(n_ag * h).reshape(len(PERCENTILES), n_ag, h)
        annual_agencies = {a: _band_rows(yearly, i) for i, a in enumerate(cm.agency_ids)}
        annual_place = Band(*(row.tolist() for row in take(h)))
    npv = take(1)[:, 0]
    return Uncertainty(
        draws=int(draws), seed=seed,
        outcomes={o: _band_rows(levels, i) for i, o in enumerate(cm.outcome_ids)},
        agency_net_saving={a: _band_rows(agency, i) for i, a in enumerate(cm.agency_ids)},
        place_net_saving=Band(*(row.tolist() for row in place)),
        place_npv=Band(*(float(v) for v in npv)),
        annual_agency_net_saving=annual_agencies, annual_place_net_saving=annual_place)


class _SummaryTask:
    """One Monte Carlo block as a picklable task returning its
    :class:`~cutsim.appraise.bands.BlockSummary` against the given brackets: the model
    (compiled once per process that runs it), the lever inputs, the space, the brackets."""

    def __init__(self, model, inputs: LeverInputs, space, low, high, active) -> None:
        self.model, self.inputs, self.space = model, inputs, space
        self.low, self.high, self.active = low, high, active
        self._cm: CompiledModel | None = None

    def __getstate__(self) -> dict:
        return {"model": self.model, "inputs": self.inputs, "space": self.space,
                "low": self.low, "high": self.high, "active": self.active, "_cm": None}

    def __call__(self, task: tuple[int, int, int]) -> BlockSummary:
        if self._cm is None:
            self._cm = compile_model(self.model)
        entropy, block, n = task
        values = flatten_block(simulate_block(self._cm, self.inputs, entropy, block, n,
                                              self.space))
        return summarise(values, self.low, self.high, self.active)


def _refuse_effect_multipliers(cm: CompiledModel) -> None:
    """Refused (InputError) for a model whose areas have effect multipliers: its place is
    the sum of differently parameterised areas, which these draws do not replicate."""
    if any(a.effect_multipliers for a in cm.model.areas or []):
        raise InputError("uncertainty bands (Monte Carlo) are not available yet for a model "
                         "whose areas have effect_multipliers")


def iter_blocks(cm: CompiledModel, inputs: LeverInputs, draws: int, seed: int | None, *,
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None,
                space: UncertaintySpace | None = None,
                reuse: bool = False) -> Iterator[DrawBlock]:
    """Yield each block of a run in order; stops early (yielding fewer) when cancelled.
    Refused as :func:`_refuse_effect_multipliers` says. With ``reuse`` (blocks drawn
    plainly, :func:`_plain`), every block of one size is written into the same array, so
    a block is valid only until the next is asked for."""
    _refuse_effect_multipliers(cm)
    sizes = block_sizes(draws)
    entropy = run_entropy(seed)
    done = 0
    views: dict[int, CellViews] = {}
    if progress is not None:
        progress(0, int(draws))
    for b, n in enumerate(sizes):
        if cancelled is not None and cancelled():
            return
        if reuse and n not in views:
            # a run's one short block comes last: written into the full blocks' array
            views[n] = block_views(cm, inputs, n, within=views.get(DRAW_BLOCK))
        yield simulate_block(cm, inputs, entropy, b, n, space, into=views.get(n))
        done += n
        if progress is not None:
            progress(done, int(draws))


def combine_blocks(cm: CompiledModel, blocks: list[DrawBlock], seed: int | None) -> Uncertainty:
    """The result's uncertainty (docs/result-format.md) from every block of a run, in draw order,
    kept whole: the plain full-storage computation (memory grows with the draws), the
    reference :func:`run_draws`'s bounded reduction equals bit for bit.

    Outcome levels and net savings (£/yr) are arrays over t; place NPV (£) is a scalar.
    """
    levels = np.concatenate([b.levels for b in blocks])
    agency_net = np.concatenate([b.agency_net for b in blocks])
    npv = np.concatenate([b.npv for b in blocks])
    n_out, n_ag = cm.n_outcomes, len(cm.agency_ids)
    # One percentile call over every series: a single partition pass, not one per series.
    series = np.concatenate([levels, agency_net, agency_net.sum(axis=1, keepdims=True)], axis=1)
    bands = np.percentile(series, PERCENTILES, axis=0)  # (3, O + A + 1, N+1)
    annual_agencies, annual_place = None, None
    if all(b.agency_net_annual is not None for b in blocks):
        annual = np.concatenate([b.agency_net_annual for b in blocks])  # (D, A, H)
        yearly = np.percentile(np.concatenate([annual, annual.sum(axis=1, keepdims=True)], axis=1),
                               PERCENTILES, axis=0)  # (3, A + 1, H)
        annual_agencies = {a: _band_rows(yearly, i) for i, a in enumerate(cm.agency_ids)}
        annual_place = _band_rows(yearly, n_ag)
    return Uncertainty(
        draws=int(len(npv)), seed=seed,
        outcomes={o: _band_rows(bands, i) for i, o in enumerate(cm.outcome_ids)},
        agency_net_saving={a: _band_rows(bands, n_out + i) for i, a in enumerate(cm.agency_ids)},
        place_net_saving=_band_rows(bands, n_out + n_ag), place_npv=_bands(npv),
        annual_agency_net_saving=annual_agencies, annual_place_net_saving=annual_place)


def _bands(x: np.ndarray) -> Band:
    """P10/P50/P90 over the leading draws axis, as lists (or floats for scalars)."""
    p = np.percentile(x, PERCENTILES, axis=0)
    if p.ndim == 1:
        return Band(*(float(v) for v in p))
    return Band(*([float(v) for v in row] for row in p))


def _band_rows(bands: np.ndarray, row: int) -> Band:
    return Band(*(bands[i, row].tolist() for i in range(len(PERCENTILES))))


def _net_and_npv(cm: CompiledModel, inputs: LeverInputs, traj,
                 out: CellViews | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agency net saving (D, A, N+1) in £/yr, place NPV (D,) in £ and agency net saving
    per financial year (D, A, H) in £, for every draw; ``traj`` holds the demand-led
    services' rows only (``simulate(..., services=demand-led)``).

    Money is affine in the trajectory, so the part that no draw changes (planned saving,
    one-off costs) is priced once by :func:`service_money` with no knock-on (ΔA equal to
    the levers' own change), and only knock_on_cost = u(1 − e)(ΔA − ΔA_lever) is evaluated
    per draw, on the demand-led services the levers reach (a discretionary service's ΔA is
    its lever input, and an unreached service's ΔA and lever input are both exactly zero,
    so their knock-on is exactly zero) with the NPV weights folded into one contraction.
    With ``out``, the three are written into its views (and returned).
    """
    fixed = _fixed_money(cm, inputs)
    # With ``out`` the trajectory is the block's own and read here last: its arrays are
    # priced in place (the same arithmetic, without fresh arrays of its size).
    knock = traj.dA - fixed.lever_dl if out is None else \
        np.subtract(traj.dA, fixed.lever_dl, out=traj.dA)  # (D, S_dl, N+1)
    knock *= fixed.price
    agency_net = np.subtract(fixed.net, np.matmul(fixed.onehot, knock),
                             out=None if out is None else out.agency_net)
    knock_npv = np.einsum("dsk,sk->d", traj.dA_int, fixed.weight) - fixed.lever_npv
    # Exact annual knock-on per draw: Σ over each year's steps of u(1 − e)(∫ΔA − ΔA_lever·h).
    knock_steps = traj.dA_int - fixed.lever_dl_steps if out is None else \
        np.subtract(traj.dA_int, fixed.lever_dl_steps, out=traj.dA_int)  # (D, S_dl, N)
    knock_steps *= fixed.price_steps
    knock_annual = knock_steps.reshape(knock_steps.shape[:2] + (cm.horizon_years,
                                                                cm.steps_per_year)).sum(-1)
    annual = np.subtract(fixed.net_annual[None], np.matmul(fixed.onehot, knock_annual),
                         out=None if out is None else out.annual)
    npv = np.subtract(fixed.npv, knock_npv, out=None if out is None else out.npv)
    return agency_net, npv, annual


def _runs(mask: np.ndarray) -> tuple[tuple[int, int], ...]:
    """The runs of True in a boolean vector, as (first, stop) pairs."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return tuple((int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]))


@dataclass(frozen=True, eq=False)
class _FixedMoney:
    """The parts of a scenario's money that no draw changes (see :func:`_net_and_npv`)."""

    net: np.ndarray  # (1, A, N+1) £/yr: planned saving − one-off, no knock-on
    net_annual: np.ndarray  # (A, H) £ a year: the same, by financial year
    npv: float  # £
    services: np.ndarray  # (S_dl,) the demand-led services the levers reach (indices)
    outcomes: np.ndarray  # the outcomes the levers reach (indices)
    unreached_runs: tuple[tuple[int, int], ...]  # the others, as (first, stop) runs
    price: np.ndarray  # (S_dl, N+1) £ per unit after efficiency
    lever_dl: np.ndarray  # (S_dl, N+1) the levers' own ΔA on those services
    onehot: np.ndarray  # (A, S_dl)
    weight: np.ndarray  # (S_dl, N) £ per unit of ∫ΔA, discounted
    lever_npv: float  # £: the weight applied to the levers' own ∫ΔA
    price_steps: np.ndarray  # (S_dl, N) price over each step
    lever_dl_steps: np.ndarray  # (S_dl, N) the levers' own ∫ΔA over each step (ΔA·h)


# Per (compiled model, lever inputs): every block of a run shares these, so they are
# computed once (the same arithmetic as per block, so the same bits).
_FIXED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fixed_money(cm: CompiledModel, inputs: LeverInputs) -> _FixedMoney:
    per_model = _FIXED.get(inputs)
    if per_model is not None and per_model[0]() is cm:
        return per_model[1]
    n, h = cm.n_steps, cm.h
    lever = inputs.activity_delta
    zero_y = np.zeros((1, cm.n_outcomes, n + 1))
    fixed = service_money(cm, inputs, Trajectory(dY=zero_y, dA=lever[None],
                                                 dY_int=zero_y[..., :n],
                                                 dA_int=lever[None, :, :n] * h))
    factors = place_discount_factors(cm.model.place, cm.horizon_years)
    reach_out, reach_srv = lever_reach(cm, lever, inputs.outcome_input)
    dl = np.flatnonzero(cm.demand_led & reach_srv)
    price = cm.unit_cost[dl, None] * (1.0 - inputs.efficiency[dl])  # (S_dl, N+1)
    onehot = np.ascontiguousarray(agency_onehot(cm)[:, dl])  # (A, S_dl), row-major
    step_factor = np.repeat(factors, cm.steps_per_year)  # each step's year's factor
    weight = price[:, :n] * step_factor  # £ per unit of ∫ΔA, discounted
    out = _FixedMoney(
        net=by_agency(cm, fixed.rates["net_saving"]),
        net_annual=by_agency(cm, fixed.annual["net_saving"])[0],
        npv=fixed.annual["net_saving"].sum(axis=-2)[0] @ factors,
        services=dl, outcomes=np.flatnonzero(reach_out), unreached_runs=_runs(~reach_out),
        price=price, lever_dl=lever[dl], onehot=onehot, weight=weight,
        lever_npv=np.sum(weight * lever[dl, :n] * h),
        price_steps=np.ascontiguousarray(price[:, :n]), lever_dl_steps=lever[dl, :n] * h)
    _FIXED[inputs] = (weakref.ref(cm), out)
    return out
