"""The result's typed appraisal and bands (cutsim.appraise.blocks) and the one Monte Carlo
entry (cutsim.appraise.run.run_uncertainty)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support.engine_fixtures import chain_model, cutsim_file

import cutsim
from cutsim.api import Project
from cutsim.appraise.appraisal import benefits_and_costs, place_discount_factors
from cutsim.appraise.blocks import Appraisal, Uncertainty
from cutsim.appraise.executor import Executor, InProcess
from cutsim.appraise.montecarlo import DRAW_BLOCK
from cutsim.appraise.run import run_uncertainty
from cutsim.engine.money import SERIES
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import PLACE_ID

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
APPRAISAL_KEYS = ["discount_rate", "discount_schedule", "discount_factors", "price_year", "npv",
                  "npv_adjusted", "payback_year", "bcr", "bcr_adjusted", "social_value_npv",
                  "optimism_bias", "long_run", "terminal_value", "value_split"]


@pytest.fixture(scope="module")
def project() -> Project:
    return cutsim.load(EXAMPLE)


@pytest.fixture(scope="module")
def youth(project):
    return project.run("youth-cut")


def _agency_series(result, i: int) -> dict[str, np.ndarray]:
    return {s: result.agency_annual[s][i] for s in SERIES}


# --------------------------------------------------------------------------- appraisal


def test_the_appraisal_is_typed_and_its_json_keeps_the_documented_keys(youth):
    assert isinstance(youth.appraisal, Appraisal)
    block = youth.to_json_dict()["appraisal"]
    assert list(block) == APPRAISAL_KEYS
    assert list(block["npv"]) == [*youth.compiled.agency_ids, PLACE_ID]
    assert block["npv"][PLACE_ID] == youth.appraisal.place.npv
    assert block["optimism_bias"]["grade"] == youth.appraisal.optimism_bias.grade
    # The Python-only fields never reach the JSON.
    assert "pv_benefits" not in json.dumps(block) and "waterfall" not in block


def test_present_values_are_the_appraisals_own(youth):
    a = youth.appraisal
    rate, schedule = a.discount_rate, a.discount_schedule
    total_b = total_c = 0.0
    for i, agency in enumerate(youth.compiled.agency_ids):
        b, c = benefits_and_costs(_agency_series(youth, i), rate, schedule)
        row = a.entities[agency]
        assert row.pv_benefits == b and row.pv_costs == c
        assert row.npv == pytest.approx(b - c, rel=1e-12, abs=1e-6)
        total_b, total_c = total_b + b, total_c + c
    assert a.place.pv_benefits == pytest.approx(total_b, rel=1e-15)
    assert a.place.pv_costs == pytest.approx(total_c, rel=1e-15)
    assert a.place.npv == pytest.approx(a.place.pv_benefits - a.place.pv_costs, rel=1e-12)
    assert a.place.bcr == pytest.approx(a.place.pv_benefits / a.place.pv_costs, rel=1e-12)
    assert a.place.pv_benefits > 0 and a.place.pv_costs > 0  # the youth cut has both


def test_present_values_follow_the_places_discount_schedule():
    # Over 40 years the flat schedule and the Green Book one differ from year 31: the
    # present values must be the flat ones when the place says "flat".
    base = chain_model(tau=0.5)
    doc = base.model_dump(mode="json", exclude_none=True)
    doc["place"].update(horizon_years=40, discount_schedule="flat")
    scen = [{"id": "s", "name": "s", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "percent": 20}]}]
    result = Project(cutsim_file(type(base).model_validate(doc), scen)).run("s")
    a = result.appraisal
    assert a.discount_schedule == "flat"
    i = 0
    flat_b, flat_c = benefits_and_costs(_agency_series(result, i), a.discount_rate, "flat")
    green_b, _ = benefits_and_costs(_agency_series(result, i), a.discount_rate, "green_book")
    row = a.entities[result.compiled.agency_ids[i]]
    assert row.pv_benefits == flat_b and row.pv_costs == flat_c
    assert row.pv_benefits != pytest.approx(green_b, rel=1e-6)


@pytest.mark.parametrize("mode", ["total", "npv"])
def test_waterfall_steps_add_up_to_the_net_saving(youth, mode):
    cm = youth.compiled
    steps = youth.appraisal.waterfall.steps(mode)
    assert steps[0].kind == "planned_saving" and steps[-1].kind == "net_saving"
    weights = (np.ones(cm.horizon_years) if mode == "total"
               else place_discount_factors(cm.model.place, cm.horizon_years))
    place = youth.place_annual
    assert steps[0].amount == pytest.approx(float(place["planned_saving"] @ weights), rel=1e-12)
    assert steps[-1].amount == pytest.approx(float(place["net_saving"] @ weights), rel=1e-12)
    if mode == "npv":
        assert steps[-1].amount == pytest.approx(youth.appraisal.place.npv, rel=1e-12)
    knock = [s for s in steps if s.kind == "knock_on_cost"]
    assert knock and all(s.agency in cm.agency_ids for s in knock)
    # Steps left out are each below the materiality floor.
    floor = materiality_floor(cm.model)
    left_out = 2 + len(cm.agency_ids) - len(steps[1:-1])
    assert sum(s.amount for s in steps[:-1]) == pytest.approx(
        steps[-1].amount, abs=1e-6 * abs(steps[0].amount) + left_out * floor)


def test_waterfall_mode_is_checked(youth):
    with pytest.raises(ValueError, match="waterfall mode"):
        youth.appraisal.waterfall.steps("discounted")


# --------------------------------------------------------------------------- one Monte Carlo entry


DRAWS = 2 * DRAW_BLOCK + 10  # three blocks


def test_run_uncertainty_gives_the_bands_of_project_run(project):
    scenario = project.scenario("youth-cut")
    seen: list[tuple[int, int]] = []
    got = run_uncertainty(project.compiled, scenario, DRAWS, 3,
                          progress=lambda done, total: seen.append((done, total)))
    expected = project.run("youth-cut", draws=DRAWS, seed=3).uncertainty
    assert isinstance(got, Uncertainty) and got == expected
    assert got.as_dict() == expected.as_dict()
    assert seen == [(0, DRAWS), (DRAW_BLOCK, DRAWS), (2 * DRAW_BLOCK, DRAWS), (DRAWS, DRAWS)]
    # The JSON is the typed bands' as_dict, with the documented keys.
    block = project.run("youth-cut", draws=DRAWS, seed=3).to_json_dict()["uncertainty"]
    assert list(block) == ["draws", "seed", "outcomes", "agencies", "place", "annual"]
    assert list(block["place"]) == ["net_saving", "npv"]
    assert block["place"]["npv"] == {"p10": got.place_npv.p10, "p50": got.place_npv.p50,
                                     "p90": got.place_npv.p90}


def test_run_uncertainty_stops_when_cancelled(project):
    scenario = project.scenario("youth-cut")
    seen: list[int] = []
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(len(seen))
        return len(seen) >= 2  # after the first block

    got = run_uncertainty(project.compiled, scenario, DRAWS, 3,
                          progress=lambda done, total: seen.append(done), cancelled=cancelled)
    assert got is None
    assert seen == [0, DRAW_BLOCK]  # the later blocks never ran
    assert asked == [1, 2]


class _Elsewhere(Executor):
    """An executor that is not the in-process one (runs the tasks here, in order)."""

    def __init__(self) -> None:
        self.calls = 0

    def map(self, fn, tasks):
        self.calls += 1
        return [fn(t) for t in tasks]


def test_run_uncertainty_on_any_executor_gives_the_same_bits(project):
    scenario = project.scenario("youth-cut")
    expected = run_uncertainty(project.compiled, scenario, DRAWS, 5)
    elsewhere = _Elsewhere()
    seen: list[int] = []
    got = run_uncertainty(project.compiled, scenario, DRAWS, 5, executor=elsewhere,
                          progress=lambda done, total: seen.append(done))
    assert elsewhere.calls == 1 and seen == [0, DRAWS]
    assert got == expected
    assert run_uncertainty(project.compiled, scenario, DRAWS, 5, executor=InProcess()) == expected
    assert run_uncertainty(project.compiled, scenario, DRAWS, 5, executor=_Elsewhere(),
                           cancelled=lambda: True) is None
