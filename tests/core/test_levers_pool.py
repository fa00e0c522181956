"""Pooled budgets by hand: efficiency keeps activity, reinvestment, set-up costs, settlement.

The place: council runs youth (£1m/yr) and prevention (£1k a unit); the NHS runs community
(£2m/yr) and A&E (demand-led, £100 an attendance). Prevention lowers offending (−0.5 per
unit) and each offence is 10 A&E attendances. The pool takes 5 % out of youth and
community (£150k/yr: council £50k, NHS £100k) and reinvests half (£75k/yr = 75 units of
prevention, paid by the council), which avoids 37.5 offences = 375 attendances = £37.5k/yr
of NHS knock-on cost. Set-up £30k, split by contribution (1/3 council, 2/3 NHS).
Over 10 years: council net −£250k − £10k = −£260k; NHS £1m + £375k − £20k = £1,355k.
"""

from __future__ import annotations

import numpy as np
import pytest
from support.engine_fixtures import demand, effect, model, outcome, service

from cutsim.appraise.run import run_scenario
from cutsim.engine import compile_model
from cutsim.levers.build import LeverError, build_inputs
from cutsim.model.schema import Scenario

M = model([service("youth", "council", 1_000_000, 1000),
           service("prevention", "council", 500_000, 1000),
           service("community", "nhs", 2_000_000, 100),
           service("ae", "nhs", 5_000_000, 100, "demand_led")],
          [outcome("offending", 2000)],
          [effect("e1", "prevention", "offending", -0.5)],
          [demand("d1", "offending", "ae", 10.0)])
CM = compile_model(M)
POOL = {"id": "bcf", "kind": "pool", "services": ["youth", "community"],
        "efficiency_percent": 5, "reinvest": [{"service": "prevention", "percent_of_saving": 50}],
        "one_off_cost": 30_000}


def _run(**changes):
    lever = {**POOL, **changes}
    return run_scenario(CM, Scenario.model_validate({"id": "s", "name": "s", "levers": [lever]}))


def test_pooled_efficiency_leaves_activity_unchanged_and_saves_e_times_baseline():
    result = _run(reinvest=[])
    youth, community = CM.service_index["youth"], CM.service_index["community"]
    assert not np.any(result.activity_delta[[youth, community]])
    np.testing.assert_allclose(result.spend[youth], 950_000, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(result.spend[community], 1_900_000, rtol=1e-5, atol=1e-8)
    planned = result.agency_annual["planned_saving"]
    assert planned[0, 3] == pytest.approx(50_000) and planned[1, 3] == pytest.approx(100_000)


def test_reinvestment_buys_prevention_owned_by_its_agency():
    result = _run()
    prevention = CM.service_index["prevention"]
    np.testing.assert_allclose(result.activity_delta[prevention], 75.0, rtol=1e-5, atol=1e-8)
    annual = result.agency_annual
    assert annual["planned_saving"][0, 3] == pytest.approx(50_000 - 75_000)
    assert annual["knock_on_cost"][1, 3] == pytest.approx(-37_500)
    assert list(annual["one_off_cost"][:, 0]) == pytest.approx([10_000, 20_000])
    # the NHS's avoided A&E cost is caused by a lever on a council service
    assert result.cost_shift_matrix[0, 1] == pytest.approx(-375_000)


def _settlement(rule):
    return _run(gain_share=rule).settlement["bcf"]


def test_contribution_settlement_by_hand_and_transfers_sum_to_zero():
    s = _settlement("contribution")
    assert s["council"]["contribution"] == 1_000_000 and s["nhs"]["contribution"] == 2_000_000
    assert s["council"]["net_saving"] == pytest.approx(-260_000)
    assert s["nhs"]["net_saving"] == pytest.approx(1_355_000)
    assert s["council"]["share"] == pytest.approx(1 / 3)
    assert s["council"]["transfer"] == pytest.approx(1_095_000 / 3 + 260_000)
    assert s["council"]["transfer"] + s["nhs"]["transfer"] == 0.0


def test_benefit_settlement_shares_by_what_each_partner_gains_before_paying():
    # benefit: council 10 × £50k = £500k; NHS 10 × (£100k + £37.5k) = £1,375k.
    s = _settlement("benefit")
    assert s["council"]["share"] == pytest.approx(500 / 1875)
    assert s["council"]["transfer"] == pytest.approx(500 / 1875 * 1_095_000 + 260_000)
    assert sum(v["transfer"] for v in s.values()) == 0.0


def test_benefit_keeps_the_efficiency_saving_of_a_pooled_service_that_is_reinvested_in():
    # The levers.md variant: the 50 % goes to the pooled youth service, not prevention.
    # Youth then saves 5 % × £1m = £50k a year *and* spends £75k of reinvestment on itself:
    # its planned saving is −£25k a year, but its efficiency saving is still £50k.
    # Benefits over ten years: council £500k; NHS £1,000k (no knock-on: youth has no
    # effect in this model). Net: council 10 × −£25k − £10k = −£260k; NHS £1m − £20k =
    # £980k; total £720k. Share 500/1500 = 1/3; transfer £240k + £260k = +£500k.
    s = _run(gain_share="benefit",
             reinvest=[{"service": "youth", "percent_of_saving": 50}]).settlement["bcf"]
    assert s["council"]["net_saving"] == pytest.approx(-260_000)
    assert s["nhs"]["net_saving"] == pytest.approx(980_000)
    assert s["council"]["share"] == pytest.approx(1 / 3, rel=1e-12)
    assert s["council"]["transfer"] == pytest.approx(500_000, rel=1e-12)
    assert s["nhs"]["transfer"] == -s["council"]["transfer"]


def test_a_partner_whose_benefit_is_round_off_gets_no_share():
    # A reinvestment-only partner (the police's diversion scheme) whose benefit is nothing:
    # its share is exactly 0 under the benefit rule, not a sliver of noise.
    from cutsim.levers.kinds import PoolLever
    from cutsim.levers.settlement import gain_shares

    pool = PoolLever.model_validate({**POOL, "gain_share": "benefit"})
    shares = gain_shares(pool, ["council", "nhs", "police"],
                         {"council": 1e6, "nhs": 2e6, "police": 0.0},
                         {"council": 5e5, "nhs": 1e6, "police": 3e-11}, floor=0.5)
    assert shares["police"] == 0.0 and shares["council"] == pytest.approx(1 / 3)


def test_fixed_settlement_and_the_result_block():
    result = _run(gain_share={"fixed": {"council": 0.5, "nhs": 0.5}})
    s = result.to_json_dict()["settlement"]["bcf"]
    assert set(s["nhs"]) == {"contribution", "net_saving", "share", "transfer", "transfer_by_year"}
    assert s["council"]["transfer"] == pytest.approx(547_500 + 260_000)
    assert sum(v["transfer"] for v in s.values()) == 0.0
    # beside agency money, never in it
    assert result.agency_annual["net_saving"][0].sum() == pytest.approx(-260_000)


def test_settlement_is_the_pools_own_effect_when_other_levers_share_its_services():
    cut = {"id": "c", "kind": "cut", "service": "youth", "amount": 100_000}
    result = run_scenario(CM, Scenario.model_validate(
        {"id": "s", "name": "s", "levers": [POOL, cut]}))
    # with the cut, youth activity is 900 units: the pool saves 5 % of £1m (efficiency on
    # baseline spend) and the cut's £100k now costs only 95 % as much per unit removed,
    # so the pool's marginal council saving is 10 × (£50k − £75k − £5k) − £10k.
    assert result.settlement["bcf"]["council"]["net_saving"] == pytest.approx(-310_000)
    assert sum(v["transfer"] for v in result.settlement["bcf"].values()) == 0.0


@pytest.mark.parametrize("changes,message", [
    ({"services": ["youth", "prevention"]}, "belong to one agency"),
    ({"services": ["youth", "youth", "community"]}, "listed twice"),
    ({"services": ["youth", "nowhere"]}, 'no service "nowhere"'),
    ({"reinvest": [{"service": "ae", "percent_of_saving": 10}]}, "demand-led service"),
    ({"reinvest": [{"service": "prevention", "percent_of_saving": 70},
                   {"service": "youth", "percent_of_saving": 40}]}, "more than 100 %"),
])
def test_pools_that_make_no_sense_are_refused(changes, message):
    lever = {**POOL, **changes}
    with pytest.raises(LeverError, match=message):
        build_inputs(CM, Scenario.model_validate({"id": "s", "name": "s", "levers": [lever]}))
