"""Exact zeros (docs/mathematics.md): what no lever can reach is exactly 0, not round-off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cutsim
from cutsim.engine.reach import reach
from cutsim.levers.build import build_inputs

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "scenarios").glob("*.cutsim")) + sorted((ROOT / "models").glob("*.cutsim"))


def _cases():
    for path in FILES:
        for s in cutsim.load(path).file.scenarios:
            yield pytest.param(path, s.id, id=f"{path.stem}:{s.id}")


@pytest.mark.parametrize(("path", "scenario_id"), list(_cases()))
def test_unreached_series_are_exactly_zero_and_reached_ones_are_not_touched(path, scenario_id):
    project = cutsim.load(path)
    cm = project.compiled
    scenario = project.scenario(scenario_id)
    inputs = build_inputs(cm, scenario)
    lever_services = np.any(inputs.activity_by_origin != 0, axis=(0, 2))
    lever_outcomes = np.any(inputs.outcome_by_origin != 0, axis=(0, 2))
    out_mask, srv_mask = reach(cm, lever_services, lever_outcomes)
    result = project.run(scenario, draws=8, seed=3)
    assert np.all(result.outcome_delta[~out_mask] == 0.0)
    assert np.all(result.activity_delta[~srv_mask] == 0.0)
    # An agency none of whose services is reached or carries an efficiency has no money at all.
    touched = srv_mask | np.any(inputs.efficiency != 0, axis=1)
    for i, aid in enumerate(cm.agency_ids):
        if not touched[cm.service_agency == i].any() and not any(
                cm.service_agency[lump.service] == i for lump in inputs.lumps):
            for series, annual in result.agency_annual.items():
                assert np.all(annual[i] == 0.0), (aid, series)
            assert result.appraisal.entities[aid].npv == 0.0
            band = result.uncertainty.agency_net_saving[aid]
            assert all(v == 0.0 for q in ("p10", "p50", "p90") for v in band.quantile(q))


def test_the_pooled_budget_leaves_police_money_exactly_zero():
    """The case that printed "−£0.0000000000033" of police demand costs."""
    project = cutsim.load(ROOT / "scenarios" / "pooled-health-care.cutsim")
    result = project.run("bcf-benefit")
    police = project.compiled.agency_index["police"]
    assert np.all(result.agency_annual["knock_on_cost"][police] == 0.0)
    assert result.appraisal.entities["police"].npv == 0.0
    assert result.appraisal.place.social_value_npv == 0.0


def test_reach_follows_effects_then_demands_through_loops():
    project = cutsim.load(ROOT / "models" / "example-place.cutsim")
    cm = project.compiled
    youth = np.zeros(cm.n_services, dtype=bool)
    youth[cm.service_index["youth"]] = True
    out_mask, srv_mask = reach(cm, youth, np.zeros(cm.n_outcomes, dtype=bool))
    assert out_mask[cm.outcome_index["youth_offending"]]
    assert srv_mask[cm.service_index["police_response"]]  # youth → offending → police demand
    assert not out_mask[cm.outcome_index["ae_older"]]
    nothing = reach(cm, np.zeros(cm.n_services, bool), np.zeros(cm.n_outcomes, bool))
    assert not nothing[0].any() and not nothing[1].any()


def test_payback_judges_money_against_the_materiality_floor_not_an_agencys_own_noise():
    from cutsim.appraise.appraisal import payback_years

    noise = np.array([3.3e-12, -1.5e-12, 2e-12, 1e-12])
    assert int(payback_years(noise, 0.035)) == 0  # judged by its own scale: "pays back"
    assert int(payback_years(noise, 0.035, floor=0.92)) == -1  # nothing: no payback
    real = np.array([-1000.0, 400.0, 400.0, 400.0])
    assert int(payback_years(real, 0.035, floor=0.92)) == int(payback_years(real, 0.035)) == 3
    project = cutsim.load(ROOT / "scenarios" / "pooled-health-care.cutsim")
    assert project.run("bcf-benefit").appraisal.entities["police"].payback_year is None
