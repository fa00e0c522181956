"""Monte Carlo bands reduced block by block (cutsim.appraise.bands): exactly numpy's
percentiles of all draws, bit for bit, in memory that does not grow with the draws."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support.engine_fixtures import chain_model, cutsim_file

from cutsim.api import Project, load
from cutsim.appraise import bands
from cutsim.appraise import montecarlo as mc
from cutsim.appraise.uncertain import uncertainty_space
from cutsim.levers.build import build_inputs

REPO = Path(__file__).resolve().parents[2]
SIZES = (1, 3, 100, 255, 256, 257, 700, 1000, 1500, 4000)


def _bits(u) -> str:
    """The uncertainty as its JSON (repr of every float: -0.0 and 0.0 differ)."""
    return json.dumps(u.as_dict())


def _full_storage(cm, inputs, draws, seed, space=None):
    """The plain computation: every draw kept, numpy.percentile over all of them."""
    return mc.combine_blocks(cm, list(mc.iter_blocks(cm, inputs, draws, seed, space=space)),
                             seed)


def _ranged_project():
    m = chain_model(tau=0.5)
    doc = m.model_dump(mode="json", exclude_none=True)
    doc["services"][1].update(unit_cost_low=60.0, unit_cost_high=150.0)
    scen = [{"id": "s", "name": "s", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "percent": 20}]}]
    return Project(cutsim_file(type(m).model_validate(doc), scen))


def _feed(values: np.ndarray, **kw) -> bands.BandReducer:
    red = bands.BandReducer(len(values), values.shape[1], mc.PERCENTILES, **kw)
    for start in range(0, len(values), mc.DRAW_BLOCK):
        red.add(values[start:start + mc.DRAW_BLOCK])
    return red


def test_interpolation_is_numpys_bit_for_bit():
    rng = np.random.default_rng(3)
    for n in list(range(1, 40)) + [99, 100, 101, 255, 256, 257, 1001, 4097]:
        x = np.sort(rng.normal(size=(n, 7)) * 10.0 ** rng.integers(-3, 9, size=7), axis=0)
        lo, hi, gamma = bands.rank_plan(n, mc.PERCENTILES)
        mine = np.stack([bands.interpolate(x[lo[j]], x[hi[j]], float(gamma[j]))
                         for j in range(3)])
        assert mine.tobytes() == np.percentile(x, mc.PERCENTILES, axis=0).tobytes(), n


@pytest.mark.parametrize("pilot,capacity", [(None, None), (256, 8), (300, 64), (512, 600)])
def test_reducer_equals_numpy_on_every_kind_of_cell(pilot, capacity):
    rng = np.random.default_rng(8)
    n = 3001
    x = np.empty((n, 7))
    x[:, 0] = rng.normal(size=n)  # smooth
    x[:, 1] = rng.integers(0, 4, size=n)  # heavy ties
    x[:, 2] = 5.0  # steady
    x[:, 3] = 5.0
    x[1500:, 3] = rng.normal(size=n - 1500)  # steady through the pilot, then not
    x[:, 4] = np.where(rng.random(n) < 0.5, -0.0, 0.0)  # signed zeros
    x[:, 5] = rng.lognormal(size=n) * 1e9
    x[:, 6] = rng.normal(size=n)
    x[77, 6] = np.inf  # not finite: recomputed
    red = _feed(x, pilot=pilot, capacity=capacity)
    got, missed = red.result()
    assert red.narrowings > 0  # the brackets were narrowed: the bounded path was taken
    ref = np.percentile(x, mc.PERCENTILES, axis=0)
    ok = ~missed
    # the steady cell that moved, the one with zeros of both signs and the one not
    # finite are recomputed by the caller; the others are read off
    assert missed[[3, 4, 6]].all()
    assert ok[[0, 1, 2, 5]].all()
    assert got[:, ok].tobytes() == ref[:, ok].tobytes()


def test_a_run_within_the_pilot_is_numpys_percentile():
    rng = np.random.default_rng(2)
    n = 700
    x = np.empty((n, 5))
    x[:, 0] = rng.normal(size=n)
    x[:, 1] = -0.0  # steady at −0.0 (an interpolation of it with itself can give 0.0)
    x[:, 2] = 3.0
    x[:, 3] = np.where(rng.random(n) < 0.5, -0.0, 0.0)
    x[:, 4] = rng.integers(0, 3, size=n)
    got, missed = _feed(x).result()
    assert not missed.any()
    assert got.tobytes() == np.percentile(x, mc.PERCENTILES, axis=0).tobytes()


@pytest.mark.parametrize("n", [1, 2, 3, 10, 257, 1000])
def test_a_run_within_the_pilot_partitioned_is_numpys_percentile_for_awkward_cells(n):
    """The pilot's read off partitions each row at the bands' ranks (and its first and
    last): cells not finite, with zeros of both signs among other values, or whose least
    or greatest value is a zero, must still come out as numpy's percentile bit for bit."""
    rng = np.random.default_rng(n)
    x = np.empty((n, 9))
    x[:, 0] = rng.normal(size=n)
    x[:, 1] = rng.normal(size=n)
    x[n // 2, 1] = np.nan  # NaN: numpy's percentile is NaN
    x[:, 2] = rng.normal(size=n)
    x[0, 2] = -np.inf
    x[:, 3] = rng.normal(size=n)
    x[:: 3, 3] = 0.0
    x[1:: 3, 3] = -0.0  # zeros of both signs among negatives and positives
    x[:, 4] = np.abs(rng.normal(size=n))
    x[:: 2, 4] = 0.0  # least value a zero, one sign
    x[:, 5] = -np.abs(rng.normal(size=n))
    x[:: 2, 5] = -0.0  # greatest value a zero, the other sign
    x[:, 6] = rng.integers(0, 3, size=n).astype(float)  # heavy ties
    x[:, 7] = np.abs(rng.normal(size=n)) + 1.0  # least value above zero
    x[:, 8] = rng.normal(size=n)
    x[-1, 8] = np.inf
    # (interpolating between infinities warns in numpy's percentile as in the reducer,
    # which hands such cells to it: the values, NaN included, are what is compared)
    with np.errstate(invalid="ignore"):
        got, missed = _feed(x).result()
        want = np.percentile(x, mc.PERCENTILES, axis=0)
    assert not missed.any()
    assert np.isnan(got[:, 1]).all() and np.isnan(want[:, 1]).all()
    assert got.tobytes() == want.tobytes()


def test_memory_grows_with_the_square_root_of_the_draws():
    rng = np.random.default_rng(1)
    n = 60_000
    x = rng.normal(size=(n, 12)).cumsum(axis=1)
    red = _feed(x)
    got, missed = red.result()
    assert not missed.any()
    assert got.tobytes() == np.percentile(x, mc.PERCENTILES, axis=0).tobytes()
    widths = [b.shape[1] for b in red.buffer]
    assert max(widths) < n / 10  # each quantile keeps a few thousand values a cell, not n
    assert all(w <= c for w, c in zip(widths, red.capacity))
    assert red.limit == red.capacity  # and never had to grow beyond its capacity


@pytest.mark.parametrize("draws", SIZES)
def test_example_bands_equal_full_storage(draws):
    project = load(REPO / "models" / "example-place.cutsim")
    cm = project.compiled
    inputs = build_inputs(cm, project.scenario("youth-cut"))
    ref = _bits(_full_storage(cm, inputs, draws, 17))
    assert _bits(mc.run_draws(cm, inputs, draws, 17)) == ref
    assert _bits(project.run("youth-cut", draws=draws, seed=17).uncertainty) == ref


@pytest.mark.slow  # thousands of draws stored in full for comparison
@pytest.mark.parametrize("draws", (3, 255, 257, 1300, 4000))
def test_bands_equal_full_storage_with_a_short_pilot_and_wider_inputs(draws, monkeypatch):
    monkeypatch.setattr(bands, "PILOT", 256)
    monkeypatch.setattr(bands, "MIN_CAPACITY", 300)
    project = _ranged_project()
    cm = project.compiled
    scenario = project.scenario("s")
    space = uncertainty_space(cm.model, [scenario])
    assert space.extras  # the wider-inputs path, draw by draw
    inputs = build_inputs(cm, scenario)
    ref = _bits(_full_storage(cm, inputs, draws, 5, space))
    assert _bits(mc.run_draws(cm, inputs, draws, 5, space=space)) == ref
    example = load(REPO / "models" / "example-place.cutsim")
    ex_inputs = build_inputs(example.compiled, example.scenario("youth-cut"))
    assert _bits(mc.run_draws(example.compiled, ex_inputs, draws, 9)) == \
        _bits(_full_storage(example.compiled, ex_inputs, draws, 9))


def test_a_bracket_that_misses_is_recomputed_exactly(monkeypatch):
    monkeypatch.setattr(bands, "Z", 0.0)  # brackets too narrow: orders statistics fall out
    monkeypatch.setattr(bands, "SLACK", 0)
    project = load(REPO / "models" / "example-place.cutsim")
    cm = project.compiled
    inputs = build_inputs(cm, project.scenario("youth-cut"))
    values = np.concatenate([mc.flatten_block(b) for b in mc.iter_blocks(cm, inputs, 2000, 4)])
    assert _feed(values).result()[1].any()  # some cells missed
    assert _bits(mc.run_draws(cm, inputs, 2000, 4)) == \
        _bits(_full_storage(cm, inputs, 2000, 4))


def test_a_cancelled_run_gives_nothing():
    project = load(REPO / "models" / "example-place.cutsim")
    cm = project.compiled
    inputs = build_inputs(cm, project.scenario("youth-cut"))
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 5

    assert mc.run_draws(cm, inputs, 3000, 1, cancelled=cancelled) is None


@pytest.mark.slow  # a Dask cluster
@pytest.mark.dask
@pytest.mark.timeout(300)
def test_dask_returns_summaries_and_identical_bands():
    from cutsim.appraise.executor import DaskExecutor

    project = load(REPO / "models" / "example-place.cutsim")
    cm = project.compiled
    inputs = build_inputs(cm, project.scenario("youth-cut"))
    seen = []
    with DaskExecutor() as ex:
        original = ex.map

        def spy(fn, tasks):
            out = original(fn, tasks)
            seen.extend(out)
            return out

        ex.map = spy
        for draws in (300, 2500, 6000):
            local = mc.run_draws(cm, inputs, draws, 21)
            assert _bits(mc.run_draws(cm, inputs, draws, 21, executor=ex)) == _bits(local)
    assert seen and all(isinstance(s, bands.BlockSummary) for s in seen)
    # after the first wave a summary carries a fraction of its block's values
    cells = mc.flatten_block(mc.simulate_block(cm, inputs, 21, 0)).shape[1]
    assert min(sum(len(v) for v in s.values) for s in seen) < 3 * mc.DRAW_BLOCK * cells / 4


@pytest.mark.parametrize("draws", (700, 3000))
def test_cells_fixed_by_construction_are_steady_and_never_compared(draws):
    """The levels of outcomes the levers do not reach are written as the baseline in every
    draw: the reducer takes them as steady without comparing them, and the bands are
    still numpy's percentiles of every draw."""
    project = load(REPO / "models" / "example-place.cutsim")
    cm = project.compiled
    inputs = build_inputs(cm, project.scenario("youth-cut"))
    fixed = mc.fixed_cells(cm, inputs)
    values = np.concatenate([mc.flatten_block(b) for b in mc.iter_blocks(cm, inputs, draws, 4)])
    assert fixed.any() and (values[:, fixed] == values[0, fixed]).all()
    compared = []
    original = bands.summarise

    def spy(block, low, high, active=None, fixed=None):
        compared.append(fixed)
        return original(block, low, high, active, fixed)

    red = bands.BandReducer(draws, values.shape[1], mc.PERCENTILES, fixed=fixed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bands, "summarise", spy)
        for start in range(0, draws, mc.DRAW_BLOCK):
            red.add(values[start:start + mc.DRAW_BLOCK])
    got, missed = red.result()
    assert not missed.any()
    assert got.tobytes() == np.percentile(values, mc.PERCENTILES, axis=0).tobytes()
    assert all(f is fixed or (f == fixed).all() for f in compared)
    assert (draws > bands.PILOT) == bool(compared)


def test_blocks_written_into_one_array_equal_fresh_blocks():
    project = load(REPO / "models" / "example-place.cutsim")
    cm = project.compiled
    inputs = build_inputs(cm, project.scenario("youth-cut"))
    fresh = [mc.flatten_block(b).copy() for b in mc.iter_blocks(cm, inputs, 600, 8)]
    reused = [mc.flatten_block(b).copy() for b in mc.iter_blocks(cm, inputs, 600, 8, reuse=True)]
    assert [a.tobytes() for a in fresh] == [b.tobytes() for b in reused]
