"""Green Book appraisal: hand-checkable NPV, optimism bias, payback, BCR, social value."""

from __future__ import annotations

import numpy as np
import pytest

from cutsim.appraise.appraisal import (
    appraise,
    bcr,
    benefits_and_costs,
    discount_factors,
    npv,
    optimism_bias,
    outcome_values,
    path_confidences,
    payback_year,
    payback_years,
    social_value_annual,
    weakest_confidence_on_path,
)
from cutsim.model.schema import (
    Agency,
    CutLever,
    Demand,
    Effect,
    Model,
    Outcome,
    Place,
    PoolLever,
    Reinvest,
    Scenario,
    Service,
)

R = 0.035


def _model(**place_kw) -> Model:
    """council youth (discretionary) -> offending -> nhs ae (demand-led) -> health -> police."""
    return Model(
        place=Place(name="Testshire", base_year=2026, horizon_years=3, **place_kw),
        agencies=[
            Agency(id="council", name="Council", kind="council"),
            Agency(id="nhs", name="NHS", kind="nhs"),
            Agency(id="police", name="Police", kind="police"),
        ],
        services=[
            Service(id="youth", agency="council", name="Youth", baseline_spend=1e6,
                    unit_cost=1000.0, activity_unit="places", mode="discretionary"),
            Service(id="parks", agency="council", name="Parks", baseline_spend=5e5,
                    unit_cost=500.0, activity_unit="visits", mode="discretionary"),
            Service(id="ae", agency="nhs", name="A&E", baseline_spend=5e6,
                    unit_cost=100.0, activity_unit="attendances", mode="demand_led"),
            Service(id="custody", agency="police", name="Custody", baseline_spend=2e6,
                    unit_cost=200.0, activity_unit="detentions", mode="demand_led"),
        ],
        outcomes=[
            Outcome(id="offending", name="Offending", unit="offences/yr", baseline=2000.0,
                    higher_is_better=False, value_per_unit=1000.0),
            Outcome(id="health", name="Health", unit="QALY", baseline=100.0,
                    higher_is_better=True, value_per_unit=60000.0),
            Outcome(id="unvalued", name="Unvalued", unit="x", baseline=1.0,
                    higher_is_better=True),
        ],
        effects=[
            Effect(id="e1", service="youth", outcome="offending", per_unit=-0.5, low=-0.8,
                   high=-0.2, delay_years=1.0, confidence=4, source="assumption"),
            Effect(id="e2", service="ae", outcome="health", per_unit=0.01, low=0.0,
                   high=0.02, delay_years=0.0, confidence=2, source="assumption"),
        ],
        demands=[
            Demand(id="d1", outcome="offending", service="ae", per_unit=0.1, low=0.05,
                   high=0.15, confidence=3, source="assumption"),
            Demand(id="d2", outcome="health", service="custody", per_unit=1.0, low=0.5,
                   high=1.5, confidence=5, source="assumption"),
        ],
    )


def _cut(service: str) -> Scenario:
    return Scenario(id="s", name="s", levers=[CutLever(id="l", kind="cut", service=service,
                                                       percent=20.0)])


def _money(planned, knock_on, one_off=None) -> dict[str, np.ndarray]:
    planned = np.asarray(planned, dtype=float)
    knock_on = np.asarray(knock_on, dtype=float)
    one_off = np.zeros_like(planned) if one_off is None else np.asarray(one_off, dtype=float)
    return {"planned_saving": planned, "knock_on_cost": knock_on, "one_off_cost": one_off,
            "net_saving": planned - knock_on - one_off}


# ----------------------------------------------------------------- NPV and discounting


def test_npv_hand_checked():
    assert npv([100.0, 100.0, 100.0], R) == pytest.approx(100 + 100 / 1.035 + 100 / 1.035**2,
                                                          rel=1e-14)


def test_year_zero_undiscounted():
    assert discount_factors(3, R)[0] == 1.0
    assert npv([250.0, 0.0, 0.0], 0.2) == 250.0


def test_npv_at_zero_rate_is_the_sum():
    annual = np.array([-300.0, 120.0, 80.5, 200.25])
    assert npv(annual, 0.0) == pytest.approx(annual.sum(), rel=1e-15)


def test_npv_draws_axis_broadcasts():
    draws = np.array([[100.0, 100.0, 100.0], [0.0, 0.0, 1.035**2], [-1.0, 0.0, 0.0]])
    out = npv(draws, R)
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [npv(row, R) for row in draws], rtol=1e-15)
    np.testing.assert_allclose(out[1:], [1.0, -1.0], rtol=1e-14)


# ----------------------------------------------------------------- payback


@pytest.mark.parametrize(
    ("net", "rate", "expected"),
    [
        ([100.0, 100.0, 100.0], R, 0),          # never negative: pays back at once
        ([-100.0, 60.0, 60.0], 0.0, 2),         # cumulative −100, −40, +20
        ([-100.0, 100.0, 0.0], 0.0, 1),         # exactly zero counts as paid back
        ([-100.0, 103.5, 0.0], R, 1),           # 103.5/1.035 = 100: discounted break-even
        ([-100.0, 100.0, 0.0], R, None),        # undiscounted pays back, discounted not yet
        ([-100.0, 50.0, 40.0], 0.0, None),      # never pays back
        ([100.0, -200.0, 150.0], 0.0, 2),       # goes negative again: the later year counts
        ([0.0, 0.0, 0.0], R, None),             # nothing to pay back
    ],
)
def test_payback_year(net, rate, expected):
    assert payback_year(np.array(net), rate) == expected


def test_payback_draws_axis():
    draws = np.array([[100.0, 100.0, 100.0], [-100.0, 60.0, 60.0], [-100.0, 50.0, 40.0]])
    np.testing.assert_array_equal(payback_years(draws, 0.0), [0, 2, -1])


# ----------------------------------------------------------------- BCR


def test_bcr_of_a_plain_cut():
    money = _money([200.0, 200.0], [50.0, 100.0], [30.0, 0.0])
    b, c = benefits_and_costs(money, 0.0)
    assert (b, c) == (400.0, 180.0)
    assert bcr(b, c) == pytest.approx(400 / 180)


def test_bcr_undefined_without_costs():
    b, c = benefits_and_costs(_money([200.0, 200.0], [0.0, 0.0]), R)
    assert c == 0.0 and bcr(b, c) is None
    np.testing.assert_array_equal(np.isnan(bcr(np.array([1.0, 1.0]), np.array([0.0, 2.0]))),
                                  [True, False])


def test_investment_benefit_is_avoided_demand():
    # Invest 100/yr (planned saving −100), demand falls (knock-on −150): benefit 150, cost 100.
    b, c = benefits_and_costs(_money([-100.0, -100.0], [-150.0, -150.0]), 0.0)
    assert (b, c) == (300.0, 200.0)
    assert bcr(b, c) == 1.5


def test_benefits_minus_costs_is_npv():
    rng = np.random.default_rng(1)
    money = _money(*rng.normal(0, 100, size=(3, 4, 5)))
    b, c = benefits_and_costs(money, R)
    np.testing.assert_allclose(b - c, npv(money["net_saving"], R), rtol=1e-12, atol=1e-9)


# ----------------------------------------------------------------- confidence path


def test_weakest_confidence_follows_the_causal_chain():
    model = _model()
    # youth -e1(4)-> offending -d1(3)-> ae -e2(2)-> health -d2(5)-> custody (no effects).
    assert sorted(path_confidences(model, _cut("youth"))) == [2, 3, 4, 5]
    assert weakest_confidence_on_path(model, _cut("youth")) == 2
    # Starting at ae: only e2 and d2 are reachable.
    assert weakest_confidence_on_path(model, _cut("ae")) == 2
    assert sorted(path_confidences(model, _cut("ae"))) == [2, 5]


def test_no_path_uses_grade_five():
    model = _model()
    assert weakest_confidence_on_path(model, _cut("parks")) is None
    assert weakest_confidence_on_path(model, Scenario(id="s", name="s")) is None
    assert optimism_bias(model, _cut("parks")) == {"grade": 5, "fraction": 0.0,
                                                   "on_path": False}


def test_pool_and_reinvest_services_start_the_path():
    model = _model()
    pool = Scenario(id="p", name="p", levers=[PoolLever(
        id="l", kind="pool", services=["parks", "custody"], efficiency_percent=5.0,
        reinvest=[Reinvest(service="youth", percent_of_saving=50.0)])])
    assert weakest_confidence_on_path(model, pool) == 2


def test_feedback_loop_terminates_and_counts_each_link_once():
    base = _model()
    loop = base.model_copy(update={"effects": base.effects + [
        Effect(id="e3", service="custody", outcome="offending", per_unit=0.01, low=0.0,
               high=0.02, delay_years=0.5, confidence=1, source="assumption")]})
    grades = path_confidences(loop, _cut("ae"))
    assert sorted(grades) == [1, 2, 3, 5]  # e2, d2, e3, d1 — once each
    assert weakest_confidence_on_path(loop, _cut("ae")) == 1


def test_place_table_overrides_defaults():
    model = _model(optimism_bias={"2": 0.5})
    assert optimism_bias(model, _cut("youth"))["fraction"] == 0.5
    assert optimism_bias(model, _cut("parks"))["fraction"] == 0.0  # default grade 5


# ----------------------------------------------------------------- appraise()


def test_appraise_block():
    model = _model()
    annual = {
        "council": _money([200.0, 200.0, 200.0], [0.0, 0.0, 0.0], [50.0, 0.0, 0.0]),
        "nhs": _money([0.0, 0.0, 0.0], [0.0, 30.0, 60.0]),
    }
    block = appraise(model, _cut("youth"), annual)
    assert block["discount_rate"] == R and block["price_year"] == 2026
    assert set(block["npv"]) == {"council", "nhs", "place"}
    council = 150 + 200 / 1.035 + 200 / 1.035**2
    nhs = -30 / 1.035 - 60 / 1.035**2
    assert block["npv"]["council"] == pytest.approx(council)
    assert block["npv"]["nhs"] == pytest.approx(nhs)
    assert block["npv"]["place"] == pytest.approx(council + nhs)
    # Weakest grade on youth's path is 2 -> 40 %.
    assert block["optimism_bias"] == {"grade": 2, "fraction": 0.4, "on_path": True}
    b = 200 + 200 / 1.035 + 200 / 1.035**2
    c = 50 + 30 / 1.035 + 60 / 1.035**2
    assert block["npv_adjusted"]["place"] == pytest.approx(0.6 * b - 1.4 * c)
    assert block["npv_adjusted"]["place"] < block["npv"]["place"]
    assert block["bcr"]["place"] == pytest.approx(b / c)
    assert block["bcr"]["council"] == pytest.approx(b / 50)
    assert block["bcr"]["nhs"] == 0.0
    assert block["bcr_adjusted"]["place"] == pytest.approx(0.6 * b / (1.4 * c))
    assert block["payback_year"] == {"council": 0, "nhs": None, "place": 0}
    assert block["social_value_npv"] == {"council": None, "nhs": None, "place": None}


def test_optimism_bias_lowers_npv_of_positive_savings():
    model = _model()
    annual = {"council": _money([100.0, 100.0, 100.0], [0.0, 0.0, 0.0])}
    block = appraise(model, _cut("youth"), annual)
    assert block["npv_adjusted"]["council"] == pytest.approx(0.6 * block["npv"]["council"])
    assert block["npv_adjusted"]["council"] < block["npv"]["council"]


def test_appraise_with_draws_axis():
    model = _model()
    planned = np.array([[100.0, 100.0, 100.0], [100.0, 100.0, 100.0]])
    knock = np.array([[0.0, 0.0, 0.0], [250.0, 0.0, 0.0]])
    block = appraise(model, _cut("youth"), {"council": _money(planned, knock)})
    assert block["npv"]["place"] == pytest.approx([npv(planned[0], R), npv(planned[1] - knock[1],
                                                                            R)])
    assert block["payback_year"]["place"] == [0, 2]
    assert block["bcr"]["place"][0] is None and block["bcr"]["place"][1] == pytest.approx(
        npv(planned[1], R) / 250.0)


def test_appraise_reports_social_value_for_the_place_only():
    model = _model()
    block = appraise(model, _cut("youth"), {"council": _money([1.0] * 3, [0.0] * 3)},
                     {"place": np.array([1000.0, 1000.0, 1000.0])})
    assert block["social_value_npv"]["place"] == pytest.approx(npv([1000.0] * 3, R))
    assert block["social_value_npv"]["council"] is None
    assert block["npv"]["place"] == pytest.approx(npv([1.0] * 3, R))  # never mixed into cash


# ----------------------------------------------------------------- social value


def test_outcome_values_signed_by_good_direction():
    np.testing.assert_array_equal(outcome_values(_model()), [-1000.0, 60000.0, 0.0])


def test_social_value_annual_integrates_each_year():
    model = _model()
    spy, horizon = 12, 3
    t = np.arange(horizon * spy + 1) / spy
    delta = np.zeros((3, t.size))
    delta[0] = -10.0            # 10 fewer offences a year: +10,000 £/yr
    delta[1] = 0.1 * t          # health rising linearly: 6,000·t £/yr, exact for Simpson
    out = social_value_annual(model, t, delta, spy, horizon)
    expected = [10000.0 + 6000.0 * (y + 0.5) for y in range(horizon)]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    # Draws axis, and the trapezoid rule for an odd number of steps per year.
    stacked = social_value_annual(model, t, np.stack([delta, 2 * delta]), spy, horizon)
    np.testing.assert_allclose(stacked, [expected, 2 * np.array(expected)], rtol=1e-12)
    t3 = np.arange(horizon * 3 + 1) / 3
    odd = social_value_annual(model, t3, np.stack([np.full(t3.size, -1.0), 0 * t3, 0 * t3]),
                              3, horizon)
    np.testing.assert_allclose(odd, [1000.0] * 3, rtol=1e-12)


def test_social_value_annual_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="outcome_delta"):
        social_value_annual(_model(), np.arange(37) / 12, np.zeros((2, 37)), 12, 3)
