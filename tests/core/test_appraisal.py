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
    outcome_values,
    payback_year,
    payback_years,
    place_discount_factors,
)
from cutsim.appraise.optimism import (
    describe_optimism_bias,
    knock_on_grades,
    optimism_bias,
    path_confidences,
    weakest_confidence_on_path,
)
from cutsim.appraise.run import run_scenario
from cutsim.engine import compile_model
from cutsim.levers.kinds import CutLever, PoolLever, Reinvest
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import Agency, Demand, Effect, Model, Outcome, Place, Scenario, Service

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
    # A place's materiality floor (here £1e-6) absorbs the rounding of 103.5/1.035.
    assert payback_year(np.array(net), rate, floor=1e-6) == expected


def test_payback_draws_axis():
    draws = np.array([[100.0, 100.0, 100.0], [-100.0, 60.0, 60.0], [-100.0, 50.0, 40.0]])
    np.testing.assert_array_equal(payback_years(draws, 0.0), [0, 2, -1])


def test_payback_judges_round_off_against_the_floor_not_the_agencys_own_scale():
    # An agency no lever reaches, with round-off knock-on (as the police in bcf-benefit):
    # nothing to pay back, whatever the noise's own relative size.
    noise = np.array([3.3e-12, 0.0, 3.1e-12, 0.0])
    assert payback_year(-noise, R, floor=0.5) is None
    assert payback_year(noise, R, floor=0.5) is None
    # Without a floor the same noise would read as "paid back in year 0" or "never".
    assert payback_year(noise, R) == 0
    # A real shortfall just above the floor still counts.
    assert payback_year(np.array([-2.0, 0.6, 1.6, 0.0]), 0.0, floor=0.5) == 2
    # A cumulative total within the floor of zero counts as paid back.
    assert payback_year(np.array([-100.0, 99.8, 0.0]), 0.0, floor=0.5) == 1


# ----------------------------------------------------------------- BCR


def test_bcr_of_a_plain_cut():
    money = _money([200.0, 200.0], [50.0, 100.0], [30.0, 0.0])
    b, c = benefits_and_costs(money, 0.0)
    assert (b, c) == (400.0, 180.0)
    assert bcr(b, c) == pytest.approx(400 / 180)


def test_bcr_undefined_without_costs():
    b, c = benefits_and_costs(_money([200.0, 200.0], [0.0, 0.0]), R)
    assert c == 0.0 and bcr(b, c) is None
    # Costs below the materiality floor are nothing: no astronomically large ratio.
    assert bcr(b, 3e-12, floor=0.5) is None and bcr(b, 3e-12) > 1e13
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
    block = optimism_bias(model, _cut("parks")).as_dict()
    assert {k: block[k] for k in ("grade", "fraction", "on_path")} == {
        "grade": 5, "fraction": 0.0, "on_path": False}
    assert all(line["knock_on_fraction"] == 0.0 and line["delivery_fraction"] == 0.0
               for line in block["lines"].values())


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
    assert optimism_bias(model, _cut("youth")).fraction == 0.5
    assert optimism_bias(model, _cut("parks")).fraction == 0.0  # default grade 5


# ----------------------------------------------------------------- appraise()


def test_appraise_block():
    model = _model()
    annual = {
        "council": _money([200.0, 200.0, 200.0], [0.0, 0.0, 0.0], [50.0, 0.0, 0.0]),
        "nhs": _money([0.0, 0.0, 0.0], [0.0, 30.0, 60.0]),
    }
    block = appraise(model, _cut("youth"), annual).as_dict()
    assert block["discount_rate"] == R and block["price_year"] == 2026
    assert set(block["npv"]) == {"council", "nhs", "place"}
    council = 150 + 200 / 1.035 + 200 / 1.035**2
    nhs = -30 / 1.035 - 60 / 1.035**2
    assert block["npv"]["council"] == pytest.approx(council)
    assert block["npv"]["nhs"] == pytest.approx(nhs)
    assert block["npv"]["place"] == pytest.approx(council + nhs)
    # Weakest grade on youth's whole path is 2 (the summary); line by line, the NHS's
    # knock-on costs rest on e1 (4) and d1 (3): 25 %; the council's own lines on nothing.
    bias = block["optimism_bias"]
    assert (bias["grade"], bias["fraction"], bias["on_path"], bias["method"]) == (2, 0.4, True,
                                                                                 "line_by_line")
    assert bias["lines"]["nhs"] == {"knock_on_grade": 3, "knock_on_fraction": 0.25,
                                    "delivery_grade": None, "delivery_fraction": 0.0}
    assert bias["lines"]["council"]["knock_on_grade"] is None
    b = 200 + 200 / 1.035 + 200 / 1.035**2
    c_nhs = 30 / 1.035 + 60 / 1.035**2
    c = 50 + c_nhs
    assert block["npv_adjusted"]["place"] == pytest.approx(b - 50 - 1.25 * c_nhs)
    assert block["npv_adjusted"]["council"] == pytest.approx(block["npv"]["council"])
    assert block["npv_adjusted"]["nhs"] == pytest.approx(-1.25 * c_nhs)
    assert block["npv_adjusted"]["place"] < block["npv"]["place"]
    assert block["bcr"]["place"] == pytest.approx(b / c)
    assert block["bcr"]["council"] == pytest.approx(b / 50)
    assert block["bcr"]["nhs"] == 0.0
    assert block["bcr_adjusted"]["place"] == pytest.approx(b / (50 + 1.25 * c_nhs))
    assert block["payback_year"] == {"council": 0, "nhs": None, "place": 0}
    assert block["social_value_npv"] == {"council": None, "nhs": None, "place": None}


def test_a_planned_saving_is_adjusted_only_by_its_own_delivery_confidence():
    model = _model()
    annual = {"council": _money([100.0, 100.0, 100.0], [0.0, 0.0, 0.0], [30.0, 0.0, 0.0])}
    # A grade-2 link further down the path does not touch the council's own cash.
    plain = appraise(model, _cut("youth"), annual).as_dict()
    assert plain["npv_adjusted"]["council"] == pytest.approx(plain["npv"]["council"])
    graded = _cut("youth")
    graded = graded.model_copy(update={"levers": [graded.levers[0].model_copy(
        update={"delivery_confidence": 1})]})
    block = appraise(model, graded, annual).as_dict()
    b = npv([100.0] * 3, R)
    assert block["optimism_bias"]["lines"]["council"]["delivery_fraction"] == 0.6
    assert block["npv_adjusted"]["council"] == pytest.approx(0.4 * b - 1.6 * 30.0)
    assert block["npv_adjusted"]["council"] < block["npv"]["council"]


def test_knock_on_grades_follow_the_paths_into_each_agency():
    model = _model()
    # youth -e1(4)-> offending -d1(3)-> ae (nhs) -e2(2)-> health -d2(5)-> custody (police)
    assert knock_on_grades(model, _cut("youth")) == {"council": None, "nhs": 3, "police": 2}
    assert knock_on_grades(model, _cut("ae")) == {"council": None, "nhs": None, "police": 2}


def test_avoided_costs_are_lowered_and_knock_on_costs_raised():
    model = _model()
    annual = {"council": _money([-100.0] * 3, [0.0] * 3),
              "nhs": _money([0.0] * 3, [-80.0] * 3), "police": _money([0.0] * 3, [10.0] * 3)}
    block = appraise(model, _cut("youth"), annual).as_dict()
    assert block["npv_adjusted"]["nhs"] == pytest.approx(0.75 * npv([80.0] * 3, R))
    assert block["npv_adjusted"]["police"] == pytest.approx(-1.4 * npv([10.0] * 3, R))
    assert block["npv_adjusted"]["council"] == pytest.approx(-npv([100.0] * 3, R))


def test_the_adjustment_is_said_in_words():
    model = _model()
    bias = optimism_bias(model, _cut("youth"))
    words = " ".join(describe_optimism_bias(model, bias, 1_000_000.0, 900_000.0))
    assert "net present value, a net saving of £1.00m, becomes a net saving of £0.90m" in words
    negative = " ".join(describe_optimism_bias(model, bias, -2_150_000.0, -2_150_000.0))
    assert "a net cost of £2.15m, is the same" in negative and "−£" not in negative
    assert "knock-on costs raised (and avoided costs lowered) by 25 %" in words
    assert "grade 3 (moderate)" in words
    assert "Planned savings and one-off costs are not adjusted" in words


def test_appraise_with_draws_axis():
    model = _model()
    planned = np.array([[100.0, 100.0, 100.0], [100.0, 100.0, 100.0]])
    knock = np.array([[0.0, 0.0, 0.0], [250.0, 0.0, 0.0]])
    block = appraise(model, _cut("youth"), {"council": _money(planned, knock)}).as_dict()
    assert block["npv"]["place"] == pytest.approx([npv(planned[0], R), npv(planned[1] - knock[1],
                                                                            R)])
    assert block["payback_year"]["place"] == [0, 2]
    assert block["bcr"]["place"][0] is None and block["bcr"]["place"][1] == pytest.approx(
        npv(planned[1], R) / 250.0)


def test_appraise_reports_social_value_for_the_place_only():
    model = _model()
    block = appraise(model, _cut("youth"), {"council": _money([1.0] * 3, [0.0] * 3)},
                     {"place": np.array([1000.0, 1000.0, 1000.0])}).as_dict()
    assert block["social_value_npv"]["place"] == pytest.approx(npv([1000.0] * 3, R))
    assert block["social_value_npv"]["council"] is None
    assert block["npv"]["place"] == pytest.approx(npv([1.0] * 3, R))  # never mixed into cash


# ----------------------------------------------------------------- social value


def test_outcome_values_signed_by_good_direction():
    np.testing.assert_array_equal(outcome_values(_model()), [-1000.0, 60000.0, 0.0])


def test_social_value_per_year_is_the_exact_integral_of_the_outcome_change():
    # youth → offending with no delay: a 20 % cut (−200 places) from year 0 adds 100
    # offences at once and for good; 10 more A&E attendances raise health by 0.1 QALY.
    # So each year's social value is −100 × £1,000 + 0.1 × £60,000 = −£94,000 exactly.
    model = _model(steps_per_year=5)
    result = run_scenario(compile_model(model.model_copy(update={"effects": [
        model.effects[0].model_copy(update={"delay_years": 0.0})] + model.effects[1:]})),
        _cut("youth"))
    values = outcome_values(model) @ result.outcome_annual
    np.testing.assert_allclose(values, [-94_000.0] * 3, rtol=1e-12)
    assert result.appraisal.place.social_value_npv == pytest.approx(
        npv(values, R), rel=1e-12)


# ----------------------------------------------------------------- the Green Book schedule


@pytest.mark.parametrize(("year", "factor"), [
    (0, 1.0), (10, 0.7089), (30, 0.3563), (31, 0.3459), (49, 0.2032), (50, 0.1973),
    (75, 0.0942), (76, 0.0919), (100, 0.0508)])
def test_green_book_factors_to_four_decimals(year, factor):
    assert round(float(discount_factors(101, R)[year]), 4) == factor


def test_green_book_factor_is_the_product_of_year_rates():
    # Year i's rate discounts year i back to year i − 1: 3.5 % for i = 1-30, 3.0 % for
    # 31-75, 2.5 % for 76-100 (Green Book annex A6).
    expected, product = [1.0], 1.0
    for year in range(1, 101):
        product /= 1.035 if year <= 30 else 1.03 if year <= 75 else 1.025
        expected.append(product)
    np.testing.assert_allclose(discount_factors(101, R), expected, rtol=1e-13)
    # The place's own rate replaces 3.5 % for years 1-30 only.
    f = discount_factors(40, 0.05)
    assert f[30] == pytest.approx(1.05**-30, rel=1e-14)
    assert f[39] == pytest.approx(1.05**-30 * 1.03**-9, rel=1e-14)
    # Up to year 30 the schedule is the flat rate exactly, so short horizons are unchanged.
    np.testing.assert_array_equal(discount_factors(31, R), 1.035 ** -np.arange(31.0))


def test_flat_schedule_and_the_place_choice():
    np.testing.assert_allclose(discount_factors(60, R, "flat"), 1.035 ** -np.arange(60.0),
                               rtol=1e-13)
    assert discount_factors(60, R, "flat")[49] == pytest.approx(0.1853, abs=5e-5)
    flat = Place(name="x", base_year=2026, horizon_years=60, discount_schedule="flat")
    np.testing.assert_array_equal(place_discount_factors(flat), discount_factors(60, R, "flat"))
    green = Place(name="x", base_year=2026, horizon_years=60)
    assert green.effective_discount_schedule == "green_book"
    np.testing.assert_array_equal(place_discount_factors(green), discount_factors(60, R))
    with pytest.raises(ValueError, match="schedule"):
        discount_factors(5, R, "annual")


def _long_model(horizon: int, tau: float, **place_kw) -> Model:
    base = _model(**place_kw)
    return base.model_copy(update={
        "place": base.place.model_copy(update={"horizon_years": horizon, **place_kw}),
        "effects": [base.effects[0].model_copy(update={"delay_years": tau})] + base.effects[1:]})


def test_sixty_year_appraisal_is_the_sum_of_net_times_factor():
    model = _long_model(60, 15.0)
    result = run_scenario(compile_model(model), _cut("youth"))
    block = result.appraisal.as_dict()
    factors, product = [1.0], 1.0
    for year in range(1, 60):
        product /= 1.035 if year <= 30 else 1.03
        factors.append(product)
    np.testing.assert_allclose(block["discount_factors"], factors, rtol=1e-13)
    assert block["discount_schedule"] == "green_book"
    net = result.agency_annual["net_saving"]
    for i, agency in enumerate(result.compiled.agency_ids):
        hand = sum(net[i, y] * factors[y] for y in range(60))
        assert block["npv"][agency] == pytest.approx(hand, rel=1e-12, abs=1e-6)
    assert block["npv"]["place"] == pytest.approx(sum(net.sum(axis=0) * factors), rel=1e-12)
    # The Monte Carlo prices with the same factors: with no spread its P50 is the NPV.
    fixed = model.model_copy(update={
        "effects": [e.model_copy(update={"low": e.per_unit, "high": e.per_unit})
                    for e in model.effects],
        "demands": [d.model_copy(update={"low": d.per_unit, "high": d.per_unit})
                    for d in model.demands]})
    drawn = run_scenario(compile_model(fixed), _cut("youth"), draws=4, seed=1)
    assert drawn.uncertainty.place_npv.p50 == pytest.approx(block["npv"]["place"],
                                                                     rel=1e-12)
    flat = run_scenario(compile_model(_long_model(60, 15.0, discount_schedule="flat")),
                        _cut("youth")).appraisal.as_dict()
    assert flat["discount_factors"][49] == pytest.approx(1.035**-49, rel=1e-13)
    assert flat["npv"]["place"] != pytest.approx(block["npv"]["place"], rel=1e-4)


# ----------------------------------------------------------------- unreached agencies


def test_an_agency_no_lever_reaches_has_exact_zeros_and_no_payback():
    # A cut on parks reaches no outcome: the NHS and the police are untouched.
    result = run_scenario(compile_model(_model()), _cut("parks"))
    block = result.appraisal.as_dict()
    for agency in ("nhs", "police"):
        i = result.compiled.agency_ids.index(agency)
        for series in ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving"):
            assert np.all(result.agency_annual[series][i] == 0.0)
            assert np.all(result.agency_rates[series][i] == 0.0)
        assert block["npv"][agency] == 0.0
        assert block["payback_year"][agency] is None
        assert block["bcr"][agency] is None
        assert block["long_run"]["agencies"][agency]["knock_on_long_run"] == 0.0
    assert block["payback_year"]["council"] == 0


def test_round_off_on_an_unreached_agency_is_not_a_payback():
    # The appraisal judges the police's round-off against the place's floor (1e-9 × £8.5m).
    model = _model()
    floor = materiality_floor(model)
    annual = {"council": _money([100.0] * 3, [0.0] * 3),
              "police": _money([0.0] * 3, [-3.3e-12, 1e-12, -2e-12])}
    block = appraise(model, _cut("parks"), annual).as_dict()
    assert floor == pytest.approx(8.5e-3)
    assert block["payback_year"]["police"] is None and block["bcr"]["police"] is None
    assert block["payback_year"]["council"] == 0


# ----------------------------------------------------------------- the long run


def test_long_run_says_harm_is_still_growing_at_the_horizon():
    # youth → offending after a 20-year mean delay; a 10-year horizon sees a third of it.
    # At rest: offending +100, A&E +10 attendances (£1,000/yr to the NHS), health +0.1,
    # custody +0.1 detentions (£20/yr to the police).
    result = run_scenario(compile_model(_long_model(10, 20.0)), _cut("youth"))
    long_run = result.appraisal.as_dict()["long_run"]
    nhs, police = long_run["agencies"]["nhs"], long_run["agencies"]["police"]
    assert nhs["knock_on_long_run"] == pytest.approx(1_000.0, rel=1e-12)
    assert police["knock_on_long_run"] == pytest.approx(20.0, rel=1e-12)
    assert long_run["agencies"]["council"]["net_saving_long_run"] == pytest.approx(200_000.0)
    last = result.agency_annual["knock_on_cost"][1, -1]
    assert nhs["knock_on_last_year"] == pytest.approx(last) and last < 500.0
    assert nhs["harm_still_growing"] and police["harm_still_growing"]
    assert long_run["harm_still_growing"] == ["nhs", "police"]
    assert long_run["place"]["harm_still_growing"]
    gap = long_run["outcomes_not_settled"]["offending"]
    assert gap["long_run"] == pytest.approx(100.0, rel=1e-12)
    assert gap["at_horizon"] == pytest.approx(100.0 * (1 - np.exp(-0.5)), rel=1e-9)
    assert result.appraisal.terminal_value is None  # off by default


def test_long_run_of_a_settled_scenario_equals_its_last_year():
    result = run_scenario(compile_model(_long_model(10, 0.2)), _cut("youth"))
    long_run = result.appraisal.as_dict()["long_run"]
    assert long_run["harm_still_growing"] == [] and long_run["outcomes_not_settled"] == {}
    for row in long_run["agencies"].values():
        assert row["knock_on_long_run"] == pytest.approx(row["knock_on_last_year"], rel=1e-9)


def test_long_run_takes_ramps_that_finish_after_the_horizon_at_full_effect():
    phased = Scenario(id="s", name="s", levers=[CutLever(
        id="l", kind="cut", service="youth", percent=20.0, phase_years=25.0)])
    result = run_scenario(compile_model(_long_model(10, 0.2)), phased)
    long_run = result.appraisal.as_dict()["long_run"]
    assert long_run["full_effect_year"] == 25.0
    assert long_run["agencies"]["council"]["net_saving_long_run"] == pytest.approx(200_000.0)
    assert long_run["agencies"]["nhs"]["knock_on_long_run"] == pytest.approx(1_000.0)
    assert long_run["agencies"]["nhs"]["harm_still_growing"]


def test_terminal_value_counts_the_long_run_for_the_years_after_the_horizon():
    model = _long_model(10, 20.0, terminal_years=5)
    result = run_scenario(compile_model(model), _cut("youth"))
    block = result.appraisal.as_dict()
    tv = block["terminal_value"]
    annuity = sum(1.035**-y for y in range(10, 15))
    assert tv["years"] == 5 and tv["first_year"] == 10
    assert tv["annuity_factor"] == pytest.approx(annuity, rel=1e-13)
    assert tv["value"]["nhs"] == pytest.approx(-1_000.0 * annuity, rel=1e-12)
    assert tv["value"]["council"] == pytest.approx(200_000.0 * annuity, rel=1e-12)
    assert tv["value"]["place"] == pytest.approx((200_000.0 - 1_020.0) * annuity, rel=1e-12)
    assert tv["value"]["place"] == pytest.approx(659_187.66, abs=0.01)  # docs/appraisal.md
    for key, value in tv["value"].items():
        assert tv["npv_with_terminal"][key] == pytest.approx(block["npv"][key] + value)
    # The NPV itself is unchanged: the terminal value is reported beside it.
    plain = run_scenario(compile_model(_long_model(10, 20.0)),
                         _cut("youth")).appraisal.as_dict()
    assert block["npv"] == plain["npv"]


def test_delivery_confidence_must_be_a_grade_and_marks_the_file_version_three():
    from cutsim.files.exchange import dumps
    from cutsim.model.schema import CutsimFile
    from cutsim.model.validation import validate_file

    graded = _cut("youth")
    bad = graded.model_copy(update={"levers": [graded.levers[0].model_copy(
        update={"delivery_confidence": 7})]})
    problems = validate_file(CutsimFile(format="cutsim", format_version=1, model=_model(), scenarios=[bad]))
    assert [p.message for p in problems if "delivery_confidence" in p.message] == [
        "delivery_confidence must be a confidence grade from 1 to 5 (got 7)"]
    good = graded.model_copy(update={"levers": [graded.levers[0].model_copy(
        update={"delivery_confidence": 3})]})
    text = dumps(CutsimFile(format="cutsim", format_version=1, model=_model(), scenarios=[good]))
    assert '"format_version": 3' in text and '"min_reader_version": 3' in text
