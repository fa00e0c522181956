"""The engine equals the exact solution of docs/mathematics.md (closed forms and independent solvers)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from scipy.special import gammainc
from scipy.stats import gamma
from support.engine_fixtures import chain_model, cutsim_file

from cutsim.api import Project
from cutsim.engine import compile_model, simulate
from cutsim.engine.chains import _phi_functions, erlang_step

C, U, K, D, V = 100_000.0, 1000.0, -0.5, 0.1, 100.0


def _run_chain(tau=1.0, order=1, steps=12, horizon=10):
    m = chain_model(k=K, d=D, tau=tau, order=order, u=U, v=V, steps=steps, horizon=horizon)
    f = cutsim_file(m, [{"id": "s", "name": "s", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "amount": C}]}])
    return Project(f).run("s")


def _erlang_integral(t, n, tau):
    """∫_0^t P(n, r s) ds with r = n/τ (P: regularised lower incomplete gamma)."""
    r = n / tau
    return t * gammainc(n, r * t) - n / r * gammainc(n + 1, r * t)


def test_first_order_knock_on_matches_closed_form():
    tau = 1.0
    r = _run_chain(tau=tau)
    t = r.t
    knock = r.agency_rates["knock_on_cost"][r.compiled.agency_index["nhs"]]
    exact = -(C / U) * K * D * V * (1 - np.exp(-t / tau))
    assert np.max(np.abs(knock - exact)) <= 1e-6 * np.max(np.abs(exact))


@pytest.mark.parametrize("order,tau", [(1, 0.5), (2, 1.0), (3, 2.0), (5, 1.5)])
def test_erlang_orders_match_gamma_cdf_and_annual_integrals(order, tau):
    r = _run_chain(tau=tau, order=order)
    nhs = r.compiled.agency_index["nhs"]
    scale = -(C / U) * K * D * V
    exact = scale * gamma.cdf(r.t, a=order, scale=tau / order)
    knock = r.agency_rates["knock_on_cost"][nhs]
    assert np.max(np.abs(knock - exact)) <= 1e-6 * np.max(np.abs(exact))
    years = np.arange(11.0)
    cum = _erlang_integral(years, order, tau)
    annual_exact = scale * np.diff(cum)
    annual = r.agency_annual["knock_on_cost"][nhs]
    np.testing.assert_allclose(annual, annual_exact, rtol=1e-9, atol=1e-9 * abs(scale))


def test_quarterly_grid_is_exact_too():
    r = _run_chain(tau=0.3, order=2, steps=4, horizon=5)
    nhs = r.compiled.agency_index["nhs"]
    exact = -(C / U) * K * D * V * gamma.cdf(r.t, a=2, scale=0.15)
    np.testing.assert_allclose(r.agency_rates["knock_on_cost"][nhs], exact, rtol=0, atol=1e-9 * 500)


def test_zero_delay_link_is_instantaneous():
    r = _run_chain(tau=0.0)
    nhs = r.compiled.agency_index["nhs"]
    np.testing.assert_allclose(r.agency_rates["knock_on_cost"][nhs], -(C / U) * K * D * V, rtol=1e-5, atol=1e-8)


def test_erlang_step_matrices_equal_augmented_expm():
    rate, order, h = np.array([3.0, 0.7, 40.0]), np.array([1, 3, 4]), 1 / 12
    phi, gam, psi1, psi2 = erlang_step(rate, order, h)
    for i, (r, n) in enumerate(zip(rate, order)):
        a = -r * np.eye(n) + r * np.eye(n, k=-1)
        b = np.zeros((n, 1))
        b[0, 0] = r
        big = np.zeros((2 * n + 1, 2 * n + 1))
        big[:n, n:2 * n] = np.eye(n)
        big[n:2 * n, n:2 * n] = a
        big[n:2 * n, 2 * n:] = b
        e = scipy.linalg.expm(big * h)
        np.testing.assert_allclose(phi[i, :n, :n], e[n:2 * n, n:2 * n], atol=1e-13, rtol=1e-5)
        np.testing.assert_allclose(gam[i, :n], e[n:2 * n, 2 * n], atol=1e-13, rtol=1e-5)
        np.testing.assert_allclose(psi1[i, :n, :n], e[:n, n:2 * n], atol=1e-13, rtol=1e-5)
        np.testing.assert_allclose(psi2[i, :n], e[:n, 2 * n], atol=1e-13, rtol=1e-5)


def test_phi_functions_equal_scipy_expm_of_augmented_matrix():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 6, 6)) * 3 - 5 * np.eye(6)
    e, p1, p2 = _phi_functions(a, 0.25)
    for i in range(4):
        big = np.zeros((12, 12))
        big[:6, 6:] = np.eye(6)
        big[6:, 6:] = a[i]
        ex = scipy.linalg.expm(big * 0.25)
        np.testing.assert_allclose(e[i], ex[6:, 6:], rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(p1[i], ex[:6, 6:], rtol=1e-11, atol=1e-12)
        # h² φ2(Ah) = ∫_0^h ∫_0^s e^{Ar} dr ds: check through a third augmented block
        big3 = np.zeros((18, 18))
        big3[:6, 6:12] = np.eye(6)
        big3[6:12, 12:] = np.eye(6)
        big3[12:, 12:] = a[i]
        ex3 = scipy.linalg.expm(big3 * 0.25)
        np.testing.assert_allclose(p2[i], ex3[:6, 12:], rtol=1e-11, atol=1e-12)


def test_parameters_with_a_draws_axis_match_single_runs():
    cm = compile_model(chain_model(tau=0.8, order=2))
    act = np.zeros((cm.n_services, cm.n_steps + 1))
    act[0] = -50.0
    p = cm.central_params()
    ks = np.stack([p.k, 2 * p.k, -p.k])
    ds = np.stack([p.d, p.d, 3 * p.d])
    from cutsim.engine import Params

    batched = simulate(cm, Params(ks, ds), act)
    for i in range(3):
        one = simulate(cm, Params(ks[i], ds[i]), act)
        np.testing.assert_allclose(batched.dA[i], one.dA[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(batched.dA_int[i], one.dA_int[0], rtol=1e-12, atol=1e-12)
