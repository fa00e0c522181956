"""Money identities and linearity (docs/mathematics.md "Money")."""

from __future__ import annotations

import numpy as np
import pytest
from support.engine_fixtures import (
    cutsim_file,
    loop_model,
)

from cutsim.api import Project
from cutsim.engine.money import SERIES


def _project(levers, m=None, **kw):
    m = m or loop_model(**kw)
    return Project(cutsim_file(m, [{"id": "s", "name": "s", "levers": levers}]))


LEVERS = [
    {"id": "l1", "kind": "cut", "service": "youth", "percent": 10, "phase_years": 1,
     "one_off_cost": 20000},
    {"id": "l2", "kind": "cut", "service": "ae", "percent": 4, "start_year": 1.5},
    {"id": "l3", "kind": "invest", "service": "youth", "amount": 30000, "start_year": 2,
     "notice_months": 3},
]


def test_no_levers_gives_zero_deltas():
    r = _project([]).run("s")
    assert not np.any(r.outcome_delta) and not np.any(r.activity_delta)
    for s in SERIES:
        assert not np.any(r.agency_rates[s]) and not np.any(r.agency_annual[s])
    assert not np.any(r.cost_shift_matrix)


def test_doubling_every_small_cut_doubles_every_delta():
    small = [{"id": "a", "kind": "cut", "service": "youth", "amount": 10000},
             {"id": "b", "kind": "cut", "service": "youth", "amount": 20000, "start_year": 1,
              "phase_years": 2, "one_off_cost": 5000}]
    double = [dict(lv, amount=2 * lv["amount"], one_off_cost=2 * lv.get("one_off_cost", 0))
              for lv in small]
    r1, r2 = _project(small).run("s"), _project(double).run("s")
    np.testing.assert_allclose(r2.outcome_delta, 2 * r1.outcome_delta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r2.activity_delta, 2 * r1.activity_delta, rtol=1e-12, atol=1e-12)
    for s in SERIES:
        np.testing.assert_allclose(r2.agency_rates[s], 2 * r1.agency_rates[s], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(r2.agency_annual[s], 2 * r1.agency_annual[s], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(r2.cost_shift_matrix, 2 * r1.cost_shift_matrix, rtol=1e-12, atol=1e-9)


def test_doubling_an_efficiency_doubles_activity_and_outcome_deltas():
    # Money is not linear here: knock-on is priced at u(1 − e), a product of two inputs.
    small = [{"id": "a", "kind": "cut", "service": "youth", "amount": 10000},
             {"id": "b", "kind": "cut", "service": "ae", "percent": 2, "start_year": 1}]
    double = [dict(small[0], amount=20000), dict(small[1], percent=4)]
    r1, r2 = _project(small).run("s"), _project(double).run("s")
    np.testing.assert_allclose(r2.outcome_delta, 2 * r1.outcome_delta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r2.activity_delta, 2 * r1.activity_delta, rtol=1e-12, atol=1e-12)
    ae = r1.compiled.agency_index["nhs"]
    np.testing.assert_allclose(r2.agency_rates["planned_saving"][ae],
                       2 * r1.agency_rates["planned_saving"][ae], rtol=1e-5, atol=1e-8)


def test_a_cut_starting_in_year_3_changes_nothing_before_year_3():
    r = _project([{"id": "a", "kind": "cut", "service": "youth", "percent": 15,
                   "start_year": 3}]).run("s")
    before = r.t < 3 - 1e-9
    assert not np.any(r.outcome_delta[:, before]) and not np.any(r.activity_delta[:, before])
    for s in SERIES:
        assert not np.any(r.agency_rates[s][:, before])
        assert not np.any(r.agency_annual[s][:, :3])
    assert np.any(r.agency_annual["planned_saving"][:, 3])


def test_place_is_the_sum_of_agencies_and_net_is_planned_minus_costs():
    r = _project(LEVERS).run("s")
    for s in SERIES:
        np.testing.assert_allclose(r.place_rates[s], r.agency_rates[s].sum(axis=0), rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(r.place[s].to_numpy(), r.agency_rates[s].sum(axis=0), rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(r.place_annual[s], r.agency_annual[s].sum(axis=0), rtol=1e-5, atol=1e-8)
    net = r.agency_rates["planned_saving"] - r.agency_rates["knock_on_cost"] \
        - r.agency_rates["one_off_cost"]
    np.testing.assert_allclose(r.agency_rates["net_saving"], net, rtol=1e-5, atol=1e-8)


def test_cost_shift_columns_sum_to_each_agencys_knock_on():
    r = _project(LEVERS).run("s")
    total = r.agency_annual["knock_on_cost"].sum(axis=1)
    np.testing.assert_allclose(r.cost_shift_matrix.sum(axis=0), total, rtol=1e-10, atol=1e-6)
    shift = r.cost_shift
    police = r.compiled.agency_index["police"]
    # only the council's youth cut drives crime, so police costs all come from the council
    assert shift.loc["council", "police"] == pytest.approx(total[police], rel=1e-10)
    assert shift.loc["nhs", "police"] == 0.0


def test_npv_at_zero_discount_is_the_sum_of_annual_net():
    base = loop_model()
    m = base.model_copy(update={"place": base.place.model_copy(update={"discount_rate": 0.0})})
    r = _project(LEVERS, m=m).run("s")
    npv = r.appraisal
    for i, a in enumerate(r.compiled.agency_ids):
        assert npv.entities[a].npv == pytest.approx(r.agency_annual["net_saving"][i].sum(),
                                                    rel=1e-12, abs=1e-6)
    assert npv.place.npv == pytest.approx(r.place_annual["net_saving"].sum(), rel=1e-12, abs=1e-6)


def test_spend_identity_per_service():
    r = _project(LEVERS).run("s")
    cm = r.compiled
    from cutsim.appraise.run import simulate_by_origin as _simulate_by_origin
    from cutsim.engine.money import service_money
    from cutsim.levers.build import build_inputs

    inputs = build_inputs(cm, r.scenario)
    _, _, total = _simulate_by_origin(cm, cm.central_params(), inputs)
    money = service_money(cm, inputs, total)
    lhs = money.spend[0] - cm.baseline_spend[:, None]
    rhs = money.rates["knock_on_cost"][0] - money.rates["planned_saving"][0]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(r.spend, money.spend[0], rtol=1e-5, atol=1e-8)


def test_lump_is_spread_over_its_step_and_counted_in_its_year():
    r = _project([{"id": "a", "kind": "cut", "service": "youth", "percent": 10,
                   "start_year": 1.25, "one_off_cost": 12000}]).run("s")
    council = r.compiled.agency_index["council"]
    rate = r.agency_rates["one_off_cost"][council]
    k = 15  # the step starting at t = 1.25 on a monthly grid
    assert rate[k] == pytest.approx(12000 * 12) and np.count_nonzero(rate) == 1
    assert r.agency_annual["one_off_cost"][council].tolist() == [0, 12000] + [0] * 8


def test_efficiency_prices_knock_on_at_the_reduced_unit_cost():
    r = _project([{"id": "a", "kind": "cut", "service": "youth", "percent": 20},
                  {"id": "b", "kind": "cut", "service": "custody", "percent": 10}]).run("s")
    cm = r.compiled
    s = cm.service_index["custody"]
    police = cm.agency_index["police"]
    demand_units = r.activity_delta[s]
    expected = cm.unit_cost[s] * 0.9 * demand_units
    np.testing.assert_allclose(r.agency_rates["knock_on_cost"][police], expected, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(r.agency_rates["planned_saving"][police], 0.1 * cm.baseline_spend[s],
                               rtol=1e-5, atol=1e-8)
