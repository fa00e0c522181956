"""Feedback loops: stable loops match an independent solver; bad loops are refused by name."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.stats import gamma
from support.engine_fixtures import loop_model

from cutsim.engine import EngineError, Params, algebraic, chains, compile_model, simulate


def _cut_youth(cm, units=100.0):
    act = np.zeros((cm.n_services, cm.n_steps + 1))
    act[cm.service_index["youth"]] = -units
    return act


def _reference(t_eval, gain=0.5, d=1.0, tau1=1.0, tau2=0.5):
    """The same loop written out by hand and integrated by solve_ivp at tight tolerance."""
    r1, r2, r3 = 2 / tau1, 1 / tau2, 3 / 0.3

    def rhs(_, x):
        crime = -0.5 * x[1] + gain * x[2]
        custody = d * crime
        return [r1 * (-100.0 - x[0]), r1 * (x[0] - x[1]), r2 * (custody - x[2]),
                r3 * (custody - x[3]), r3 * (x[3] - x[4]), r3 * (x[4] - x[5])]

    sol = solve_ivp(rhs, (0, t_eval[-1]), np.zeros(6), t_eval=t_eval, method="Radau",
                    rtol=1e-11, atol=1e-12)
    crime = -0.5 * sol.y[1] + gain * sol.y[2]
    return crime, d * crime, 2.0 * 0.2 * sol.y[5]


def test_stable_loop_matches_solve_ivp():
    cm = compile_model(loop_model())
    tr = simulate(cm, cm.central_params(), _cut_youth(cm))
    crime, custody, ae = _reference(cm.t)
    scale = np.max(np.abs(crime))
    assert np.max(np.abs(tr.dY[0, cm.outcome_index["crime"]] - crime)) < 1e-7 * scale
    assert np.max(np.abs(tr.dA[0, cm.service_index["custody"]] - custody)) < 1e-7 * scale
    assert np.max(np.abs(tr.dA[0, cm.service_index["ae"]] - ae)) < 1e-7 * scale


def test_stable_loop_step_integrals_match_solve_ivp():
    cm = compile_model(loop_model())
    tr = simulate(cm, cm.central_params(), _cut_youth(cm))
    fine = np.linspace(0, cm.horizon_years, cm.n_steps * 40 + 1)
    _, custody, _ = _reference(fine)
    # Simpson on a fine grid of the smooth reference, per step (40 subintervals each).
    w = np.ones(41)
    w[1:-1:2], w[2:-1:2] = 4, 2
    h = fine[1] - fine[0]
    ref = np.array([custody[40 * k:40 * k + 41] @ w * h / 3 for k in range(cm.n_steps)])
    got = tr.dA_int[0, cm.service_index["custody"]]
    assert np.max(np.abs(got - ref)) < 1e-8 * np.max(np.abs(ref))


def test_algebraic_loop_is_solved_exactly():
    cm = compile_model(loop_model(gain_k=0.5, tau_loop=0.0))
    assert len(cm.algebraic_loops) == 1
    tr = simulate(cm, cm.central_params(), _cut_youth(cm))
    # crime = z1 + 0.5·custody and custody = crime, so crime = 2·z1
    z1 = -0.5 * -100.0 * gamma.cdf(cm.t, a=2, scale=0.5)
    np.testing.assert_allclose(tr.dY[0, cm.outcome_index["crime"]], 2 * z1, rtol=1e-12, atol=1e-10)


def test_sparse_path_matches_dense_path(monkeypatch):
    for m in (loop_model(), loop_model(tau_loop=0.0)):
        cm = compile_model(m)
        dense = simulate(cm, cm.central_params(), _cut_youth(cm))
        monkeypatch.setattr(algebraic, "DENSE_LIMIT", 0)
        sparse = simulate(cm, cm.central_params(), _cut_youth(cm))
        monkeypatch.undo()
        np.testing.assert_allclose(dense.dA, sparse.dA, rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(dense.dY_int, sparse.dY_int, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("dense_limit", [600, 0])
def test_singular_algebraic_loop_is_refused_by_name(monkeypatch, dense_limit):
    monkeypatch.setattr(algebraic, "DENSE_LIMIT", dense_limit)
    cm = compile_model(loop_model(gain_k=1.0, d=1.0, tau_loop=0.0))
    with pytest.raises(EngineError, match=r"singular.*custody.*crime"):
        simulate(cm, cm.central_params(), _cut_youth(cm))


def test_unstable_loop_is_refused_by_name():
    cm = compile_model(loop_model(gain_k=1.5, d=1.0))
    with pytest.raises(EngineError, match=r"unstable.*custody.*crime"):
        simulate(cm, cm.central_params(), _cut_youth(cm))


def test_unstable_loop_is_refused_even_without_input():
    cm = compile_model(loop_model(gain_k=1.5, d=1.0))
    with pytest.raises(EngineError, match="unstable"):
        simulate(cm, cm.central_params(), np.zeros((cm.n_services, cm.n_steps + 1)))


def test_small_gain_bound_certifies_a_loop_whose_worst_case_gain_is_below_one():
    """The per-draw eigenvalue check is skipped only under the small-gain certificate:
    with loop gain |k·d| = 0.5 every draw within the links' ranges is stable."""
    cm = compile_model(loop_model(gain_k=0.5, d=1.0))
    bound = algebraic._small_gain_bound(cm)
    assert bound is not False
    k_max, d_max = bound
    kb, db = np.stack([cm.k_central] * 3), np.stack([cm.d_central] * 3)
    assert algebraic._small_gain_certified(cm, kb, db)
    kb[1, 1] = 0.9  # above the link's own magnitude: the certificate no longer covers it
    assert not algebraic._small_gain_certified(cm, kb, db)
    # and what it certifies holds: the eigenvalue check passes for every such draw
    op = algebraic.draws_operator(cm, kb[:1], db[:1], np.arange(cm.n_nodes))
    op.stable_checked = False
    chains.check_groups_stable(cm, chains.chain_layout(cm), op, kb[:1])


def test_an_unstable_draw_is_still_refused_when_the_bound_proves_nothing():
    cm = compile_model(loop_model(gain_k=0.5, d=1.0))
    kb, db = np.stack([cm.k_central] * 2), np.stack([cm.d_central] * 2)
    kb[1, 1] = 1.5  # the second draw's loop gain is 1.5: unstable
    with pytest.raises(EngineError, match=r"unstable feedback loop \(in at least one draw\)"):
        simulate(cm, Params(kb, db), _cut_youth(cm))


def test_a_worst_case_gain_of_one_or_more_gives_no_certificate():
    assert algebraic._small_gain_bound(compile_model(loop_model(gain_k=1.0, d=1.0))) \
        is False
