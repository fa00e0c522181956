"""cut and invest by hand: phasing, notice, one-off costs, floors, efficiency caps, composition."""

from __future__ import annotations

import numpy as np
import pytest
from support.engine_fixtures import model, outcome, service

from cutsim.appraise.run import run_scenario
from cutsim.engine import compile_model
from cutsim.levers.build import LeverError, build_inputs
from cutsim.model.schema import Scenario

# youth: £1.2m/yr at £1,000 a unit = 1,200 units/yr, floor 50 %; ae: demand-led, cap 10 %.
M = model([service("youth", "council", 1_200_000, 1000, statutory_floor=0.5),
           service("ae", "nhs", 5_000_000, 100, "demand_led", max_efficiency_percent=10)],
          [outcome("offending")])
CM = compile_model(M)


def _scenario(*levers) -> Scenario:
    return Scenario.model_validate({"id": "s", "name": "s", "levers": list(levers)})


def _annual(*levers):
    return run_scenario(CM, _scenario(*levers)).agency_annual


def test_percent_cut_phased_over_two_years_saves_the_ramp_integral():
    # 25 % of £1.2m = £300k/yr, ramped over 2 years from year 1, monthly steps sampled at
    # step starts: year 1 saves 300k × mean(0, 1/24, ..., 11/24) = 300k × 11/48.
    annual = _annual({"id": "c", "kind": "cut", "service": "youth", "percent": 25,
                      "start_year": 1, "phase_years": 2})["planned_saving"][0]
    assert annual[0] == 0
    assert annual[1] == pytest.approx(300_000 * 11 / 48)
    assert annual[2] == pytest.approx(300_000 * 35 / 48)
    np.testing.assert_allclose(annual[3:], 300_000, rtol=1e-5, atol=1e-8)


def test_notice_period_delays_the_saving_and_the_redundancy_falls_at_start():
    annual = _annual({"id": "c", "kind": "cut", "service": "youth", "amount": 240_000,
                      "start_year": 1, "notice_months": 3, "one_off_cost": 90_000})
    assert annual["planned_saving"][0, 1] == pytest.approx(240_000 * 9 / 12)
    assert annual["planned_saving"][0, 2] == pytest.approx(240_000)
    assert list(annual["one_off_cost"][0]) == pytest.approx([0, 90_000] + [0] * 8)
    assert annual["net_saving"][0, 1] == pytest.approx(180_000 - 90_000)


def test_floor_refusal_names_service_and_floor():
    with pytest.raises(LeverError, match=r'lever "c" cut youth: leaves 40 % of baseline '
                                         r"activity, below the statutory floor of 50 %"):
        build_inputs(CM, _scenario({"id": "c", "kind": "cut", "service": "youth",
                                    "percent": 60}))


def test_floor_holds_exactly_at_the_floor_and_invest_offsets_a_cut():
    build_inputs(CM, _scenario({"id": "c", "kind": "cut", "service": "youth", "percent": 50}))
    build_inputs(CM, _scenario(
        {"id": "c", "kind": "cut", "service": "youth", "percent": 70},
        {"id": "i", "kind": "invest", "service": "youth", "amount": 240_000}))


def test_demand_led_cut_is_an_efficiency_and_keeps_activity():
    result = run_scenario(CM, _scenario({"id": "e", "kind": "cut", "service": "ae",
                                         "percent": 8}))
    assert not np.any(result.activity_delta)
    assert result.agency_annual["planned_saving"][1, 0] == pytest.approx(400_000)
    assert result.spend[1, 0] == pytest.approx(4_600_000)


def test_efficiencies_from_a_cut_and_a_pool_share_one_cap():
    cut = {"id": "e", "kind": "cut", "service": "ae", "percent": 7}
    pool = {"id": "p", "kind": "pool", "services": ["youth", "ae"], "efficiency_percent": 4}
    with pytest.raises(LeverError, match=r'lever "p" pool ae: an efficiency of 11 % .*'
                                         r"maximum of 10 %"):
        build_inputs(CM, _scenario(cut, pool))


def test_a_cut_on_a_pooled_service_removes_activity_at_the_reduced_unit_cost():
    # A 10 % pool efficiency and a £120k cut of youth: 120 units removed, each now £900.
    result = run_scenario(CM, _scenario(
        {"id": "p", "kind": "pool", "services": ["youth", "ae"], "efficiency_percent": 10},
        {"id": "c", "kind": "cut", "service": "youth", "amount": 120_000}))
    assert result.activity_delta[0, 0] == pytest.approx(-120)
    assert result.agency_annual["planned_saving"][0, 0] == pytest.approx(
        0.10 * 1_200_000 + 120 * 900)
