"""Lever rules of docs/levers.md: phasing, notice, lumps, floors, efficiency caps, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from support.engine_fixtures import model, outcome, service

from cutsim.engine import compile_model
from cutsim.levers.build import build_inputs
from cutsim.levers.common import LeverError, ramp
from cutsim.model.schema import Scenario

M = model([service("youth", "council", 1_200_000, 1000, statutory_floor=0.6),
           service("ae", "nhs", 5_000_000, 100, "demand_led", max_efficiency_percent=10)],
          [outcome("offending")])
CM = compile_model(M)


def _inputs(*levers):
    return build_inputs(CM, Scenario.model_validate({"id": "s", "name": "s", "levers": list(levers)}))


def test_phasing_ramp_is_sampled_at_step_starts():
    inp = _inputs({"id": "l1", "kind": "cut", "service": "youth", "percent": 24,
                   "start_year": 1, "phase_years": 1})
    full = -0.24 * 1200.0  # units/yr at full effect
    act = inp.activity_delta[0]
    assert np.all(act[:12] == 0)
    np.testing.assert_allclose(act[12:25], full * np.arange(13) / 12, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(act[24:], full, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(ramp(np.array([0.0, 0.5, 1.0, 2.0]), 0.5, 1.0), [0, 0, 0.5, 1], rtol=1e-5, atol=1e-8)


def test_notice_delays_the_saving_but_not_the_lump():
    inp = _inputs({"id": "l1", "kind": "cut", "service": "youth", "amount": 120_000,
                   "start_year": 2, "notice_months": 6, "one_off_cost": 30_000})
    act = inp.activity_delta[0]
    assert np.all(act[:30] == 0)
    np.testing.assert_allclose(act[30:], -120.0, rtol=1e-5, atol=1e-8)
    assert [(lp.service, lp.time, lp.amount) for lp in inp.lumps] == [(0, 2.0, 30_000.0)]
    assert inp.lumps[0].origin == CM.agency_index["council"]
    rates = inp.lump_rates(CM.n_services)
    assert rates[0, 24] == pytest.approx(30_000 * 12) and np.count_nonzero(rates) == 1


def test_levers_on_one_service_add_up_and_invest_raises_activity():
    inp = _inputs({"id": "a", "kind": "cut", "service": "youth", "percent": 10},
                  {"id": "b", "kind": "invest", "service": "youth", "amount": 60_000,
                   "start_year": 1})
    act = inp.activity_delta[0]
    np.testing.assert_allclose(act[:12], -120.0, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(act[12:], -60.0, rtol=1e-5, atol=1e-8)


def test_cut_below_statutory_floor_is_refused_naming_service_and_floor():
    with pytest.raises(LeverError) as err:
        _inputs({"id": "a", "kind": "cut", "service": "youth", "percent": 30},
                {"id": "l1", "kind": "cut", "service": "youth", "percent": 30, "start_year": 2})
    assert str(err.value) == ('lever "l1" cut youth: leaves 40 % of baseline activity, '
                              "below the statutory floor of 60 %")


def test_demand_led_cut_is_an_efficiency_and_is_capped():
    inp = _inputs({"id": "e", "kind": "cut", "service": "ae", "amount": 250_000,
                   "phase_years": 1})
    assert not np.any(inp.activity_delta)
    np.testing.assert_allclose(inp.efficiency[1, 12:], 0.05, rtol=1e-5, atol=1e-8)
    assert inp.efficiency[1, 0] == 0
    with pytest.raises(LeverError, match=r'lever "big" cut ae: an efficiency of 15 % .* '
                                         r"maximum of 10 %"):
        _inputs({"id": "big", "kind": "cut", "service": "ae", "percent": 15})


@pytest.mark.parametrize("lever,message", [
    ({"id": "x", "kind": "cut", "service": "nope", "percent": 5}, 'lever "x": no service "nope"'),
    ({"id": "x", "kind": "cut", "service": "youth"}, "exactly one of percent or amount"),
    ({"id": "x", "kind": "cut", "service": "youth", "percent": 5, "amount": 1.0},
     "exactly one of percent or amount"),
    ({"id": "x", "kind": "pool", "services": ["youth", "ae"], "efficiency_percent": 5,
      "reinvest": [{"service": "ae", "percent_of_saving": 10}]},
     'lever "x" pool: reinvest names ae, a demand-led service'),
    ({"id": "x", "kind": "procure", "service": "youth", "local_share_from": 0.1,
      "local_share_to": 0.2}, 'lever "x" procure youth: the service has no external_share'),
])
def test_bad_levers_are_refused_by_name(lever, message):
    with pytest.raises(LeverError, match=message):
        _inputs(lever)
