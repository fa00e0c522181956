"""Social-value procurement by hand: premium cost, local economy outcome, its value.

care: £2m/yr, half bought from suppliers. Moving local share from 20 % to 60 % moves
0.5 × £2m × 0.4 = £400k/yr to local suppliers, at a 5 % premium: £20k/yr extra cost,
£420k/yr retained locally; × local multiplier 1.5 = £630k/yr more local economic activity.
"""

from __future__ import annotations

import numpy as np
import pytest
from support.engine_fixtures import model, service

from cutsim.appraise.run import run_scenario
from cutsim.engine import compile_model
from cutsim.levers.build import LeverError, build_inputs
from cutsim.levers.procurement import DEFAULT_LOCAL_MULTIPLIER
from cutsim.model.schema import Scenario

LOCAL = {"id": "local_spend", "name": "local spend", "unit": "GBP a year",
         "baseline": 1e8, "higher_is_better": True, "value_per_unit": 0.1}
LEVER = {"id": "sv", "kind": "procure", "service": "care", "local_share_from": 0.2,
         "local_share_to": 0.6, "premium_percent": 5, "outcome": "local_spend"}


def _cm(multiplier=1.5, **care):
    kw = {} if multiplier is None else {"local_multiplier": multiplier}
    m = model([service("care", "council", 2_000_000, 1000, external_share=0.5, **care),
               service("ae", "nhs", 1_000_000, 100, "demand_led")], [LOCAL])
    m = m.model_copy(update={"place": m.place.model_copy(update=kw)})
    return compile_model(m)


def _run(cm, **changes):
    return run_scenario(cm, Scenario.model_validate(
        {"id": "s", "name": "s", "levers": [{**LEVER, **changes}]}))


def test_premium_is_a_cost_to_the_services_agency_and_activity_is_kept():
    result = _run(_cm())
    assert not np.any(result.activity_delta)
    np.testing.assert_allclose(result.agency_annual["planned_saving"][0], -20_000, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(result.spend[0], 2_020_000, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(result.agency_annual["net_saving"][1], 0, rtol=1e-5, atol=1e-8)


def test_local_economy_outcome_and_its_value_beside_cash():
    result = _run(_cm())
    np.testing.assert_allclose(result.outcome_delta[0], 630_000, rtol=1e-5, atol=1e-8)
    block = result.to_json_dict()["procurement"]["sv"]
    assert block["moved_locally"] == pytest.approx(400_000)
    assert block["premium_cost"] == pytest.approx(20_000)
    assert block["retained_locally"] == pytest.approx(420_000)
    assert block["local_economy_change"] == pytest.approx(630_000)
    assert block["value_per_year"] == pytest.approx(63_000)
    factors = 1.035 ** -np.arange(10)
    assert block["social_value_npv"] == pytest.approx(63_000 * factors.sum())
    assert result.appraisal.place.social_value_npv == pytest.approx(63_000 * factors.sum())
    # value is never in cash
    assert result.appraisal.place.npv == pytest.approx(-20_000 * factors.sum())


def test_default_multiplier_is_documented_lm3():
    result = _run(_cm(multiplier=None))
    block = result.procurement["sv"]
    assert block["local_multiplier"] == DEFAULT_LOCAL_MULTIPLIER == 1.76
    assert "Local Multiplier 3" in block["multiplier_source"]
    assert block["local_economy_change"] == pytest.approx(420_000 * 1.76)


def test_phasing_and_no_outcome():
    result = _run(_cm(), outcome=None, start_year=2, phase_years=1)
    assert not np.any(result.outcome_delta)
    planned = result.agency_annual["planned_saving"][0]
    assert planned[1] == 0 and planned[2] == pytest.approx(-20_000 * 66 / 144)
    assert result.procurement["sv"]["value_per_year"] is None


@pytest.mark.parametrize("changes,message", [
    ({"service": "nowhere"}, 'no service "nowhere"'),
    ({"outcome": "nowhere"}, 'no outcome "nowhere"'),
    ({"service": "ae"}, "no external_share"),
    ({"local_share_to": 1.4}, "local_share_to must be a fraction"),
])
def test_procurement_that_makes_no_sense_is_refused(changes, message):
    with pytest.raises(LeverError, match=message):
        build_inputs(_cm(), Scenario.model_validate(
            {"id": "s", "name": "s", "levers": [{**LEVER, **changes}]}))


def test_the_outcome_a_procurement_moves_starts_the_appraisals_causal_path():
    """The kind declares the outcome it moves directly, and the optimism bias's path
    starts from it as well as from the service (a lever without one adds no outcome)."""
    from cutsim.appraise.optimism import _lever_start_services
    from cutsim.model import lever_kinds

    with_outcome = Scenario.model_validate({"id": "s", "name": "s", "levers": [LEVER]})
    lever = with_outcome.levers[0]
    assert lever_kinds.of(lever).outcomes(lever) == ["local_spend"]
    assert _lever_start_services(with_outcome) == ({"care"}, {"local_spend"})
    without = Scenario.model_validate({"id": "s", "name": "s",
                                       "levers": [{**LEVER, "outcome": None}]})
    assert _lever_start_services(without) == ({"care"}, set())
    cut = Scenario.model_validate({"id": "c", "name": "c", "levers": [
        {"id": "c1", "kind": "cut", "service": "care", "percent": 10}]})
    assert lever_kinds.of(cut.levers[0]).outcomes(cut.levers[0]) == []
