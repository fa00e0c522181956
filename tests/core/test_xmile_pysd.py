"""XMILE export cross-checked in PySD against an exact solution and against the engine.

The model has a first-order delay, an order-3 delay, a zero-delay link, demand links and a
stable feedback loop (offending -> custody demand -> less offending). PySD integrates the
exported XMILE by Euler at dt = 1/1536 year; every outcome delta and agency knock-on cost
must agree with the reference within 1e-3 of the series' largest magnitude (docs/performance.md).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.linalg

from cutsim.api import load
from cutsim.cli import main
from cutsim.engine.compiled import compile_model
from cutsim.files import exchange
from cutsim.levers.build import build_inputs
from cutsim.levers.kinds import CutLever
from cutsim.model.errors import InputError
from cutsim.model.schema import (
    Agency,
    CutsimFile,
    Demand,
    Effect,
    Model,
    Outcome,
    Place,
    Scenario,
    Service,
)
from cutsim.tools.xmile import (
    pysd_load,
    pysd_run,
    series_from_pysd,
    step_expression,
    to_xmile,
    xmile_names,
)

pytestmark = pytest.mark.slow  # PySD integrates each model at 1/1536 year

pytest.importorskip("pysd")

# PySD's output writer calls DataFrame.set_index(inplace=True), which recent pandas
# deprecates; that is PySD's business, not ours, so only this exact warning is ignored.
PYSD_PANDAS_WARNING = pytest.mark.filterwarnings(
    "ignore:The inplace keyword in DataFrame.set_index is deprecated"
)

DT = Fraction(1, 1536)
REL_TOL = 1e-3
HORIZON, SPY = 5, 12
N = HORIZON * SPY


def _model() -> Model:
    return Model(
        place=Place(name="Testshire", base_year=2026, horizon_years=HORIZON),
        agencies=[Agency(id="council", name="Council", kind="council"),
                  Agency(id="nhs", name="NHS", kind="nhs"),
                  Agency(id="police", name="Police", kind="police")],
        services=[
            Service(id="youth", agency="council", name="Youth work", baseline_spend=1e6,
                    unit_cost=1000.0, activity_unit="places", mode="discretionary"),
            Service(id="early-help", agency="council", name="Early help",
                    baseline_spend=2e6, unit_cost=2000.0, activity_unit="families",
                    mode="discretionary"),
            Service(id="ae", agency="nhs", name="A&E", baseline_spend=5e6, unit_cost=150.0,
                    activity_unit="attendances", mode="demand_led"),
            Service(id="custody", agency="police", name="Custody", baseline_spend=2e6,
                    unit_cost=400.0, activity_unit="detentions", mode="demand_led"),
        ],
        outcomes=[
            Outcome(id="offending", name="Offences", unit="offences/yr", baseline=2000.0,
                    higher_is_better=False),
            Outcome(id="admissions", name="Admissions", unit="admissions/yr", baseline=800.0,
                    higher_is_better=False),
            Outcome(id="wellbeing", name="Wellbeing", unit="score", baseline=7.0,
                    higher_is_better=True),
        ],
        effects=[
            _effect("e1", "youth", "offending", -0.5, 1.0, 1),        # first order
            _effect("e2", "early-help", "admissions", -0.2, 2.0, 3),  # order 3
            _effect("e3", "early-help", "wellbeing", 0.001, 0.0, 1),  # no delay
            _effect("e4", "custody", "offending", -0.5, 0.5, 1),      # closes the loop
        ],
        demands=[
            _demand("d1", "offending", "custody", 0.3),
            _demand("d2", "admissions", "ae", 1.0),
            _demand("d3", "offending", "ae", 0.1),
        ],
    )


def _effect(id_, service, outcome, k, tau, n) -> Effect:
    return Effect(id=id_, service=service, outcome=outcome, per_unit=k, low=min(k, 0) * 2,
                  high=max(k, 0) * 2, delay_years=tau, delay_order=n, confidence=3,
                  source="assumption")


def _demand(id_, outcome, service, d) -> Demand:
    return Demand(id=id_, outcome=outcome, service=service, per_unit=d, low=0.0, high=2 * d,
                  confidence=3, source="assumption")


def _scenario() -> Scenario:
    return Scenario(id="cuts", name="Cuts", levers=[
        CutLever(id="l1", kind="cut", service="youth", percent=20.0, phase_years=1.0),
        CutLever(id="l2", kind="cut", service="early-help", amount=300000.0, start_year=0.5),
        CutLever(id="l3", kind="cut", service="ae", percent=5.0, start_year=2.0),  # efficiency
    ])


def _hand_inputs(model: Model) -> SimpleNamespace:
    """The scenario's lever inputs on the grid, by hand (zero-order hold: ramp at step starts)."""
    t = np.arange(N + 1) / SPY
    activity = np.zeros((len(model.services), N + 1))
    activity[0] = -0.2 * 1000.0 * np.minimum(t / 1.0, 1.0)    # 20 % of 1,000 places, 1-yr ramp
    activity[1] = np.where(t >= 0.5, -300000.0 / 2000.0, 0.0)  # £300k of £2,000 families
    efficiency = np.zeros_like(activity)
    efficiency[2] = np.where(t >= 2.0, 0.05, 0.0)  # 5 % cut on demand-led A&E: (1 − e)
    return SimpleNamespace(activity_delta=activity, efficiency=efficiency,
                           outcome_input=np.zeros((len(model.outcomes), N + 1)))


def _exact(model: Model, inputs) -> dict:
    """Exact solution of the linear system with zero-order-hold inputs (matrix exponential).

    Independent of the engine: states are the delay stages (material in each stage),
    ΔY = C·x + K0·ΔA + u_Y and ΔA = u_A + D·ΔY are solved together at each grid time.
    """
    svc = {s.id: i for i, s in enumerate(model.services)}
    out = {o.id: i for i, o in enumerate(model.outcomes)}
    n_s, n_o = len(svc), len(out)
    stages = [(e, i) for e in model.effects if e.delay_years > 0 for i in range(e.delay_order)]
    n_x = len(stages)
    index = {(e.id, i): j for j, (e, i) in enumerate(stages)}
    drain = np.zeros((n_x, n_x))   # dx/dt from x
    feed = np.zeros((n_x, n_s))    # dx/dt from ΔA
    c_out = np.zeros((n_o, n_x))   # ΔY from x
    k0 = np.zeros((n_o, n_s))      # ΔY from ΔA through zero-delay links
    for e in model.effects:
        if e.delay_years == 0:
            k0[out[e.outcome], svc[e.service]] += e.per_unit
            continue
        rate = e.delay_order / e.delay_years
        for i in range(e.delay_order):
            j = index[(e.id, i)]
            drain[j, j] -= rate
            if i == 0:
                feed[j, svc[e.service]] += e.per_unit
            else:
                drain[j, index[(e.id, i - 1)]] += rate
        c_out[out[e.outcome], index[(e.id, e.delay_order - 1)]] += rate
    dmat = np.zeros((n_s, n_o))
    for d in model.demands:
        dmat[svc[d.service], out[d.outcome]] += d.per_unit
    # ΔY = G·(C x + K0 u_A + u_Y) with G = (I − K0 D)^-1; ΔA = u_A + D ΔY.
    g = np.linalg.inv(np.eye(n_o) - k0 @ dmat)
    a_sys = drain + feed @ dmat @ g @ c_out
    b_a = feed + feed @ dmat @ g @ k0
    b_y = feed @ dmat @ g
    u = np.vstack([inputs.activity_delta, inputs.outcome_input])
    b_sys = np.hstack([b_a, b_y])
    h = 1.0 / SPY
    aug = np.zeros((n_x + u.shape[0],) * 2)
    aug[:n_x, :n_x], aug[:n_x, n_x:] = a_sys * h, b_sys * h
    phi = scipy.linalg.expm(aug)
    x = np.zeros((n_x, N + 1))
    for k in range(N):
        x[:, k + 1] = phi[:n_x, :n_x] @ x[:, k] + phi[:n_x, n_x:] @ u[:, k]
    dy = g @ (c_out @ x + k0 @ inputs.activity_delta + inputs.outcome_input)
    da = inputs.activity_delta + dmat @ dy
    knock = {}
    for a in model.agencies:
        knock[a.id] = sum(
            (s.unit_cost * (1 - inputs.efficiency[svc[s.id]]) * da[svc[s.id]]
             for s in model.services if s.agency == a.id and s.mode == "demand_led"),
            np.zeros(N + 1))
    return {"outcomes": {o: dy[i] for o, i in out.items()}, "knock_on_cost": knock}


def _run_pysd(model: Model, scenario: Scenario, inputs, tmp_path) -> dict:
    path = tmp_path / "model.xmile"
    path.write_text(to_xmile(model, scenario, inputs, dt=DT), encoding="utf-8")
    pysd_model = pysd_load(path)
    run = pysd_run(pysd_model, DT, steps_per_year=SPY)
    return series_from_pysd(run, xmile_names(model))


def _assert_close(got: dict, want: dict) -> float:
    """Every series within REL_TOL of its largest magnitude; returns the worst ratio."""
    worst = 0.0
    for group in ("outcomes", "knock_on_cost"):
        assert set(got[group]) == set(want[group])
        for key, expected in want[group].items():
            scale = np.max(np.abs(expected))
            error = np.max(np.abs(got[group][key] - expected))
            if scale == 0:
                assert error == 0, f"{group} {key}: expected zero, off by {error}"
                continue
            assert error <= REL_TOL * scale, f"{group} {key}: off by {error / scale:.2e}"
            worst = max(worst, error / scale)
    return worst


@PYSD_PANDAS_WARNING
def test_first_order_step_matches_the_analytic_solution(tmp_path):
    model = _model()
    only_e1 = model.model_copy(update={"effects": model.effects[:1], "demands": []})
    inputs = _hand_inputs(only_e1)
    inputs.activity_delta[0] = -200.0  # a step at t = 0
    inputs.activity_delta[1] = 0.0
    got = _run_pysd(only_e1, _scenario(), inputs, tmp_path)
    t = np.arange(N + 1) / SPY
    exact = -0.5 * -200.0 * (1.0 - np.exp(-t / 1.0))
    scale = np.max(np.abs(exact))
    assert np.max(np.abs(got["outcomes"]["offending"] - exact)) <= REL_TOL * scale


@PYSD_PANDAS_WARNING
def test_chains_delays_and_feedback_match_the_exact_solution(tmp_path):
    model, scenario = _model(), _scenario()
    inputs = _hand_inputs(model)
    worst = _assert_close(_run_pysd(model, scenario, inputs, tmp_path), _exact(model, inputs))
    assert worst > 0  # PySD's Euler steps really were compared, not a copy


def _engine_series(model: Model, scenario: Scenario, tmp_path) -> dict:
    """The engine's result, read through the public API and the result format (docs/result-format.md)."""
    path = tmp_path / "place.cutsim"
    exchange.write_file(path, CutsimFile(format="cutsim", format_version=1, model=model,
                                         scenarios=[scenario]))
    result = load(path).run(scenario.id).to_json_dict()
    outcomes = {o: np.asarray(v["scenario"], dtype=float) - np.asarray(v["baseline"], dtype=float)
                for o, v in result["outcomes"].items()}
    knock = {a: np.asarray(v["knock_on_cost"], dtype=float) for a, v in result["agencies"].items()}
    return {"outcomes": outcomes, "knock_on_cost": knock}


@PYSD_PANDAS_WARNING
def test_pysd_agrees_with_the_engine(tmp_path):
    model, scenario = _model(), _scenario()
    # Export from the engine's own lever inputs (inputs=None), as `cutsim xmile` does.
    path = tmp_path / "model.xmile"
    path.write_text(to_xmile(model, scenario, dt=DT), encoding="utf-8")
    got = series_from_pysd(pysd_run(path, DT, steps_per_year=SPY), xmile_names(model))
    engine = _engine_series(model, scenario, tmp_path)
    assert _assert_close(got, engine) > 0


def test_engine_matches_the_independent_exact_solution(tmp_path):
    """Without PySD's Euler error the engine and the reference agree to rounding."""
    model, scenario = _model(), _scenario()
    engine = _engine_series(model, scenario, tmp_path)
    exact = _exact(model, _hand_inputs(model))
    for group in ("outcomes", "knock_on_cost"):
        for key, want in exact[group].items():
            np.testing.assert_allclose(engine[group][key], want, rtol=0,
                                       atol=1e-9 * max(1.0, np.max(np.abs(want))))


def test_lever_inputs_match_the_hand_built_ones():
    model = _model()
    built, hand = build_inputs(compile_model(model), _scenario()), _hand_inputs(model)
    for attr in ("activity_delta", "efficiency", "outcome_input"):
        np.testing.assert_allclose(getattr(built, attr), getattr(hand, attr), atol=1e-12)


def test_cli_writes_xmile(tmp_path, capsys):
    source = tmp_path / "place.cutsim"
    exchange.write_file(source, CutsimFile(format="cutsim", format_version=1, model=_model(),
                                           scenarios=[_scenario()]))
    out = tmp_path / "model.xmile"
    assert main(["xmile", str(source), "--scenario", "cuts", "-o", str(out),
                 "--dt", "1/768"]) == 0
    text = out.read_text(encoding="utf-8")
    assert '<dt reciprocal="true">768</dt>' in text and "link_e2_stage_3" in text
    assert main(["xmile", str(source), "--scenario", "nope", "-o", str(out)]) == 1
    assert 'no scenario "nope"' in capsys.readouterr().err
    assert main(["xmile", str(source), "--scenario", "cuts", "-o", str(out),
                 "--dt", "fast"]) == 1


def test_exact_reference_sanity():
    """The reference itself: the loop settles where the algebra says it should."""
    model = _model()
    inputs = _hand_inputs(model)
    inputs.activity_delta[1] = 0.0
    ref = _exact(model, inputs)
    # Steady state: ΔY_off = −0.5·(−200) − 0.5·0.3·ΔY_off  =>  ΔY_off = 100/1.15.
    # (After five years the slowest mode, τ·(1 + loop gain) ≈ 1 yr, has all but settled.)
    assert ref["outcomes"]["offending"][-1] == pytest.approx(100 / 1.15, rel=2e-2)


def test_step_expression_holds_values_from_each_step_start():
    expr = step_expression(np.array([0.0, 0.0, -5.0, -5.0, -2.5]), 12)
    assert expr == "STEP((-5.0), 0.16666666666666666) + STEP(2.5, 0.3333333333333333)"
    assert step_expression(np.zeros(4), 12) == "0"
    assert step_expression(np.array([3.0, 3.0]), 12) == "3.0"


def test_names_are_safe_and_unique():
    model = _model()
    extra = model.model_copy(update={"services": model.services + [
        Service(id="early_help", agency="council", name="Clash", baseline_spend=1.0,
                unit_cost=1.0, activity_unit="u", mode="discretionary")]})
    names = xmile_names(extra)
    assert names.activity_delta["early-help"] == "svc_early_help_delta_activity"
    assert len(set(names.activity_delta.values())) == len(extra.services)
    assert all(n.replace("_", "").isalnum() for n in names.activity_delta.values())


def test_algebraic_loop_is_refused_by_name():
    model = _model()
    looped = model.model_copy(update={"effects": model.effects + [
        _effect("e5", "ae", "admissions", 0.1, 0.0, 1),
        _effect("e6", "early-help", "admissions", 0.0, 0.0, 1)]})
    inputs = _hand_inputs(looped)
    with pytest.raises(InputError, match="algebraic loop.*service ae -> outcome admissions"):
        to_xmile(looped, _scenario(), inputs)


def test_wrong_input_shape_is_refused():
    model = _model()
    inputs = _hand_inputs(model)
    inputs.efficiency = inputs.efficiency[:, :-1]
    with pytest.raises(InputError, match="efficiency must have shape"):
        to_xmile(model, _scenario(), inputs)


EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.mark.slow  # two scenarios of a 41-service model through PySD: 10-20 s
@PYSD_PANDAS_WARNING
@pytest.mark.skipif(not EXAMPLE.exists(), reason="example model not present")
def test_example_place_agrees_with_the_engine(tmp_path):
    """The shipped example model (order-2 and order-3 delays, loops) in PySD vs the engine."""
    project = load(EXAMPLE)
    model = project.model
    for scenario in project.file.scenarios:
        result = project.run(scenario).to_json_dict()
        engine = {
            "outcomes": {o: np.asarray(v["scenario"], dtype=float)
                         - np.asarray(v["baseline"], dtype=float)
                         for o, v in result["outcomes"].items()},
            "knock_on_cost": {a: np.asarray(v["knock_on_cost"], dtype=float)
                              for a, v in result["agencies"].items()},
        }
        path = tmp_path / f"{scenario.id}.xmile"
        path.write_text(to_xmile(model, scenario, dt=DT), encoding="utf-8")
        run = pysd_run(path, DT, steps_per_year=model.place.steps_per_year)
        _assert_close(series_from_pysd(run, xmile_names(model)), engine)
