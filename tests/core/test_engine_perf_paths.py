"""The engine's fast paths equal straightforward computations of the same mathematics.

- padded, batched chain blocks equal blocks advanced in exact-size buckets, and both equal
  an independent matrix-exponential solution of the whole system;
- cached step matrices give the same numbers as a fresh compile, and a new parameter set
  is never served stale matrices;
- the origin batch adds up to the total run (superposition), the sparse algebraic path
  equals the dense one, draws equal one-at-a-time runs;
- cost shift and Monte Carlo money (totals only, draw-free parts priced once) equal the
  full per-service money of :func:`service_money`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from support.engine_fixtures import loop_model

from cutsim.api import Project, load
from cutsim.appraise.montecarlo import _fixed_money, _net_and_npv, draw_params
from cutsim.engine import EngineError, Params, algebraic, chains, compile_model, simulate
from cutsim.engine.money import by_agency, cost_shift, service_money
from cutsim.engine.simulate import lever_reach
from cutsim.levers.build import build_inputs
from cutsim.tools.synthetic import SCENARIO_ID, SyntheticSpec, synthetic_place

TIGHT = 1e-12


def _small_place(seed=1, n_services=80, n_links=320, horizon=5):
    spec = SyntheticSpec(n_services=n_services, n_links=n_links, loop_share=0.5,
                         horizon_years=horizon)
    return synthetic_place(spec, seed=seed)


def _inputs(cm, f):
    return build_inputs(cm, f.scenarios[0])


def _origin_run(cm, params, inputs):
    origins = inputs.active_origins()
    return origins, simulate(cm, params, inputs.activity_by_origin[origins],
                             inputs.outcome_by_origin[origins])


def _close(a, b, tol=TIGHT):
    """Every array within tol of the larger array's largest magnitude."""
    for f in ("dY", "dA", "dY_int", "dA_int"):
        x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
        scale = max(np.max(np.abs(x)), np.max(np.abs(y)), 1e-300)
        assert x.shape == y.shape, f
        assert np.max(np.abs(x - y)) <= tol * scale, f"{f}: {np.max(np.abs(x - y)) / scale:.2e}"


def _exact(cm, params, act):
    """The whole system as one LTI model, stepped with one matrix exponential (no blocks).

    States: every delay stage; v = M (Q z + u) with M = (I − P)⁻¹ formed densely.
    """
    k, d = params.k, params.d
    n_out, v = cm.n_outcomes, cm.n_nodes
    p = np.zeros((v, v))
    np.add.at(p, (cm.eff_dst[cm.alg], n_out + cm.eff_src[cm.alg]), k[cm.alg])
    np.add.at(p, (n_out + cm.dem_dst, cm.dem_src), d)
    m = np.linalg.inv(np.eye(v) - p)
    links = cm.dyn
    order = cm.eff_order[links]
    rate = order / cm.eff_tau[links]
    offsets = np.concatenate([[0], np.cumsum(order)])
    n = int(offsets[-1])
    first, last = offsets[:-1], offsets[1:] - 1
    q = np.zeros((v, len(links)))
    q[cm.eff_dst[links], np.arange(len(links))] = k[links]
    out = np.zeros((len(links), n))
    out[np.arange(len(links)), last] = 1.0
    a = np.zeros((n, n))
    stage = np.repeat(rate, order)
    a[np.arange(n), np.arange(n)] = -stage
    inner = np.setdiff1d(np.arange(n), first)
    a[inner, inner - 1] = stage[inner]
    feed = np.zeros((n, v))
    feed[first] = rate[:, None] * m[n_out + cm.eff_src[links]]
    a += feed @ q @ out
    u = np.concatenate([np.zeros((n_out, act.shape[-1])), act])
    h, steps = cm.h, cm.n_steps
    aug = np.zeros((n + v, n + v))
    aug[:n, :n], aug[:n, n:] = a * h, feed * h
    e = scipy.linalg.expm(aug)
    x = np.zeros((n, steps + 1))
    for i in range(steps):
        x[:, i + 1] = e[:n, :n] @ x[:, i] + e[:n, n:] @ u[:, i]
    return m @ (q @ (out @ x) + u)


def test_padded_batched_blocks_equal_exact_size_blocks(monkeypatch):
    f = _small_place()
    results = []
    for bucket in (1, 64):  # every block its own size vs all padded into one batch
        monkeypatch.setattr(chains, "BUCKET_STATES", bucket)
        cm = compile_model(f.model)
        _, tr = _origin_run(cm, cm.central_params(), _inputs(cm, f))
        results.append(tr)
        assert len(cm.groups) > 3 and any(g.loops for g in cm.groups)
    _close(*results)


def test_blocks_equal_one_matrix_exponential_of_the_whole_system():
    f = _small_place(seed=4, n_services=40, n_links=160)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    tr = simulate(cm, cm.central_params(), inputs.activity_delta)
    v = _exact(cm, cm.central_params(), inputs.activity_delta)
    scale = np.max(np.abs(v))
    assert np.max(np.abs(tr.dY[0] - v[:cm.n_outcomes])) <= 1e-10 * scale
    assert np.max(np.abs(tr.dA[0] - v[cm.n_outcomes:])) <= 1e-10 * scale


def test_cached_step_matrices_match_a_fresh_compile_and_follow_new_parameters():
    f = _small_place(seed=2)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    p = cm.central_params()
    first = simulate(cm, p, inputs.activity_delta)
    again = simulate(cm, cm.central_params(), inputs.activity_delta)  # cache hit (same values)
    _close(first, again, 0.0)
    changed = Params(p.k * 0.7, p.d * 1.1)
    cached = simulate(cm, changed, inputs.activity_delta)
    fresh_cm = compile_model(f.model)
    fresh = simulate(fresh_cm, changed, inputs.activity_delta)
    _close(cached, fresh, 0.0)
    assert np.max(np.abs(cached.dA - first.dA)) > 0


def test_origins_add_up_to_the_total_run():
    f = _small_place(seed=3)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    origins, by_origin = _origin_run(cm, cm.central_params(), inputs)
    assert len(origins) >= 2
    total = simulate(cm, cm.central_params(), inputs.activity_delta, inputs.outcome_input)
    summed = type(total)(*(getattr(by_origin, x).sum(axis=0, keepdims=True)
                           for x in ("dY", "dA", "dY_int", "dA_int")))
    _close(summed, total)
    for i, g in enumerate(origins[:3]):
        alone = simulate(cm, cm.central_params(), inputs.activity_by_origin[g],
                         inputs.outcome_by_origin[g])
        _close(type(alone)(*(getattr(by_origin, x)[i:i + 1]
                             for x in ("dY", "dA", "dY_int", "dA_int"))), alone)


@pytest.mark.parametrize("seed", [5, 6])
def test_sparse_path_equals_dense_path_on_a_synthetic_place(monkeypatch, seed):
    f = _small_place(seed=seed)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    dense = _origin_run(cm, cm.central_params(), inputs)[1]
    monkeypatch.setattr(algebraic, "DENSE_LIMIT", 0)
    cm2 = compile_model(f.model)
    sparse = _origin_run(cm2, cm2.central_params(), inputs)[1]
    _close(dense, sparse)


def test_draws_equal_single_runs_with_loops_and_blocks():
    f = _small_place(seed=7)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    params = draw_params(cm, 6, seed=11)
    batched = simulate(cm, params, inputs.activity_delta, inputs.outcome_input)
    for i in range(6):
        one = simulate(cm, Params(params.k[i], params.d[i]), inputs.activity_delta,
                       inputs.outcome_input)
        # The draws path solves the algebraic part through the outcome block (Schur
        # complement) and a single run inverts I − P whole: same algebra, other rounding.
        _close(type(one)(*(getattr(batched, x)[i:i + 1]
                           for x in ("dY", "dA", "dY_int", "dA_int"))), one, 1e-10)


def test_draws_with_an_algebraic_loop_equal_single_runs():
    cm = compile_model(loop_model(gain_k=0.4, tau_loop=0.0))
    assert cm.algebraic_loops
    act = np.zeros((cm.n_services, cm.n_steps + 1))
    act[cm.service_index["youth"]] = -100.0
    p = cm.central_params()
    ks = np.stack([p.k, 0.5 * p.k, 1.5 * p.k])
    ds = np.stack([p.d, 0.8 * p.d, 1.2 * p.d])
    batched = simulate(cm, Params(ks, ds), act)
    for i in range(3):
        one = simulate(cm, Params(ks[i], ds[i]), act)
        _close(type(one)(*(getattr(batched, x)[i:i + 1]
                           for x in ("dY", "dA", "dY_int", "dA_int"))), one)


def test_cost_shift_totals_equal_full_money():
    f = _small_place(seed=8)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    origins, by_origin = _origin_run(cm, cm.central_params(), inputs)
    shift = cost_shift(cm, inputs, origins, by_origin)
    money = service_money(cm, inputs, by_origin, activity_lever=inputs.activity_by_origin[origins])
    full = by_agency(cm, money.annual["knock_on_cost"].sum(axis=-1)[..., None])[..., 0]
    scale = np.max(np.abs(full))
    assert scale > 0
    assert np.max(np.abs(shift[origins] - full)) <= TIGHT * scale


@pytest.mark.parametrize("batched", [False, True])
def test_the_outcome_rows_asked_for_are_the_full_runs_rows(batched):
    """``outcomes=`` returns those rows of ΔY and its integrals, bit for bit, in the order
    asked, with the levers' reach and exact zeros kept (an unreached row asked for is 0)."""
    f = _small_place(seed=9)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    params = draw_params(cm, 4, seed=3) if batched else cm.central_params()
    full = simulate(cm, params, inputs.activity_delta, inputs.outcome_input)
    reached = np.flatnonzero(lever_reach(cm, inputs.activity_delta, inputs.outcome_input)[0])
    unreached = np.setdiff1d(np.arange(cm.n_outcomes), reached)
    asked = np.concatenate([reached[::-1], unreached[:2]])
    part = simulate(cm, params, inputs.activity_delta, inputs.outcome_input, outcomes=asked)
    assert part.dY.shape[1] == part.dY_int.shape[1] == len(asked)
    assert part.dY.tobytes() == full.dY[:, asked].tobytes()
    assert part.dY_int.tobytes() == full.dY_int[:, asked].tobytes()
    assert part.dA.tobytes() == full.dA.tobytes()
    assert not np.any(part.dY[:, len(reached):])


def test_monte_carlo_money_equals_full_money():
    f = _small_place(seed=9)
    cm = compile_model(f.model)
    inputs = _inputs(cm, f)
    params = draw_params(cm, 5, seed=2)
    traj = simulate(cm, params, inputs.activity_delta, inputs.outcome_input)
    # A draw asks for the demand-led services the levers reach; the others have no
    # knock-on at all (their ΔA and their lever input are exactly 0).
    dl = _fixed_money(cm, inputs).services
    unreached = np.setdiff1d(np.flatnonzero(cm.demand_led), dl)
    assert not np.any(traj.dA[:, unreached]) and not np.any(inputs.activity_delta[unreached])
    part = simulate(cm, params, inputs.activity_delta, inputs.outcome_input, services=dl,
                    outcome_integrals=False)
    # the rows a draw asks for are the rows of the full run
    np.testing.assert_allclose(part.dY, traj.dY, rtol=1e-13, atol=0)
    np.testing.assert_allclose(part.dA, traj.dA[:, dl], rtol=1e-13, atol=0)
    np.testing.assert_allclose(part.dA_int, traj.dA_int[:, dl], rtol=1e-13, atol=0)
    assert part.dY_int.shape == (5, 0, cm.n_steps)
    net, npv, annual = _net_and_npv(cm, inputs, part)
    money = service_money(cm, inputs, traj)
    want_net = by_agency(cm, money.rates["net_saving"])
    factors = (1.0 + cm.model.place.discount_rate) ** -np.arange(cm.horizon_years)
    want_npv = money.annual["net_saving"].sum(axis=-2) @ factors
    want_annual = by_agency(cm, money.annual["net_saving"])
    assert np.max(np.abs(net - want_net)) <= TIGHT * np.max(np.abs(want_net))
    assert np.max(np.abs(npv - want_npv)) <= TIGHT * np.max(np.abs(want_npv))
    assert np.max(np.abs(annual - want_annual)) <= TIGHT * np.max(np.abs(want_annual))


def test_unstable_loop_inside_a_padded_batch_is_named():
    f = _small_place(seed=10)
    cm = compile_model(f.model)
    loop_group = next(g for g in cm.groups if g.loops)
    link = cm.dyn[loop_group.chains[loop_group.loops[0]]][0]
    act = np.zeros((cm.n_services, cm.n_steps + 1))
    refused = 0
    for gain in (1e4, -1e4):  # one sign makes the loop reinforcing, with gain far above 1
        k = cm.k_central.copy()
        k[link] *= gain
        try:
            simulate(cm, Params(k, cm.d_central), act)
        except EngineError as exc:
            assert "unstable feedback loop" in str(exc)
            refused += 1
    assert refused >= 1


def test_synthetic_run_through_the_api_agrees_with_per_origin_money():
    f = _small_place(seed=12)
    result = Project(f).run(SCENARIO_ID)
    knock = result.agency_annual["knock_on_cost"].sum(axis=-1)
    shifted = result.cost_shift_matrix.sum(axis=0)
    np.testing.assert_allclose(shifted, knock, rtol=1e-10, atol=1e-6 * max(1.0, np.max(np.abs(knock))))


def test_the_outcome_inverse_by_blocks_equals_the_whole_inverse():
    """Draws invert only the outcomes a zero-delay effect feeds (the other rows of K0·Dm
    are zero): the same G as inverting the whole O×O system, to round-off."""
    rng = np.random.default_rng(5)
    for fed in ([], [1], [0, 3, 4], [0, 1, 2, 3, 4, 5]):
        k0 = np.zeros((7, 6, 9))
        for o in fed:
            k0[:, o, rng.choice(9, 2, replace=False)] = rng.normal(scale=0.3, size=(7, 2))
        dm = rng.normal(scale=0.3, size=(7, 9, 6))
        want = np.linalg.inv(np.eye(6) - k0 @ dm)
        got = algebraic._outcome_inverse(k0, dm, np.array(fed, dtype=np.int64))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=str(fed))


def test_the_outcome_block_is_inverted_only_where_a_zero_delay_loop_can_close():
    """Under draws, (I − B_aa) is inverted only when a demand from an outcome a zero-delay
    effect feeds reaches a service with a zero-delay effect onto such an outcome; else
    G's fed rows are [I | B_ab] as they stand, equal to the inverse taken in full."""
    looped = compile_model(loop_model(gain_k=0.5, d=1.0, tau_loop=0.0))
    assert algebraic._fed_outcomes(looped)[1]
    example = load(Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim")
    assert not algebraic._fed_outcomes(example.compiled)[1]  # the example inverts nothing
    for cm in (looped, example.compiled, compile_model(_small_place(seed=4).model)):
        params = draw_params(cm, 3, seed=5)
        k0 = algebraic._scattered((3, cm.n_outcomes, cm.n_services), cm.eff_dst[cm.alg],
                            cm.eff_src[cm.alg], params.k[:, cm.alg])
        dm = algebraic._scattered((3, cm.n_services, cm.n_outcomes), cm.dem_dst, cm.dem_src,
                            params.d)
        fed = np.unique(cm.eff_dst[cm.alg])
        full = np.linalg.inv(np.eye(cm.n_outcomes) - np.matmul(k0, dm))
        got = algebraic._outcome_inverse(k0, dm, fed, algebraic._fed_outcomes(cm)[1])
        np.testing.assert_allclose(got, full, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("which", ("example", "synthetic"))
def test_chains_by_convolution_equal_the_step_by_step_recurrence(which):
    """One parameter set's closed-form chains are their unit responses convolved with their
    inputs: the recurrence's sum in another order, so equal to round-off, with the same
    exact zeros (none turned into −0.0)."""
    if which == "example":
        cm = load(Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim").compiled
    else:
        cm = compile_model(_small_place(seed=3).model)
    layout = chains.chain_layout(cm)
    every = np.arange(len(cm.dyn))
    assert len(every)
    rng = np.random.default_rng(5)
    w = rng.normal(size=(len(every), cm.n_steps + 1)) * 1e6
    w[:, :7] = 0.0  # nothing before step 7: exactly nothing out before it
    w[::2, :7] = -0.0
    got = chains.run_singletons(cm, layout, every, every, w)
    want = chains._advance_singletons(cm, layout, every, every, w)
    for x, y in zip(got[2:], want[2:]):
        scale = np.max(np.abs(y))
        assert np.max(np.abs(x - y)) <= TIGHT * scale
        assert np.array_equal(x == 0, y == 0)
        assert not np.signbit(x[x == 0]).any()
