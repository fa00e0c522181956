"""The budget a council sets (docs/mtfs.md): funding by line, council tax and the
referendum principles, pressures by kind, reserves that add up in the terms shown, the
unfunded gap, warnings, income levers and the savings programme.

The hand-checked fixture is the one docs/mtfs.md works through line by line: every
expected figure below is written out as the arithmetic a finance officer would do.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.strategies import files

from cutsim.api import Project
from cutsim.appraise.mtfs import build_plan
from cutsim.appraise.programme import totals_by
from cutsim.files import exchange
from cutsim.model.errors import InputError
from cutsim.model.schema import CouncilTax, CutsimFile

FIXTURE = {
    "format": "cutsim", "format_version": 3,
    "model": {
        "place": {"name": "Hand-checked borough", "base_year": 2026, "horizon_years": 5,
                  "steps_per_year": 1},
        "agencies": [{
            "id": "council", "name": "Borough council", "kind": "council",
            "inflation_percent": 2.0, "reserves": 9_000_000.0, "minimum_balance": 3_000_000.0,
            "council_tax": {"tax_base": 40_000.0, "band_d": 2_000.0, "increase_percent": 2.99,
                            "asc_precept_percent": 2.0, "authority_class": "social_care"},
            "funding_lines": [
                {"id": "nndr", "name": "Retained business rates", "kind": "business_rates",
                 "amount": 20_000_000.0, "growth_percent": 2.0},
                {"id": "rsg", "name": "Revenue support grant", "kind": "settlement_grant",
                 "amount": 10_000_000.0},
                {"id": "phg", "name": "Public health grant", "kind": "specific_grant",
                 "amount": 5_000_000.0, "grant": "public_health_grant"}],
            "pressures": {"pay_share": 0.6, "pay_award_percent": 3.0,
                          "contract_inflation_percent": 2.0}}],
        "services": [
            {"id": "care", "agency": "council", "name": "Care", "baseline_spend": 110_000_000.0,
             "unit_cost": 1000.0, "activity_unit": "care weeks", "mode": "discretionary",
             "demand_growth_percent": 4.0},
            {"id": "health", "agency": "council", "name": "Public health",
             "baseline_spend": 5_000_000.0, "unit_cost": 100.0, "activity_unit": "contacts",
             "mode": "discretionary", "funding_source": "public_health_grant"}],
        "outcomes": [{"id": "need", "name": "Unmet need", "unit": "people", "baseline": 100.0,
                      "higher_is_better": False}],
    },
    "scenarios": [{"id": "saving", "name": "Save £2m on care", "levers": [
        {"kind": "cut", "id": "cut-care", "service": "care", "amount": 2_000_000.0,
         "start_year": 1.0, "directorate": "Adults", "owner": "Director of adult services",
         "status": "amber"}]}],
}
YEARS = range(5)


def _doc(**agency_changes) -> dict:
    doc = copy.deepcopy(FIXTURE)
    doc["model"]["agencies"][0].update(agency_changes)
    return doc


def _plan(doc: dict | None = None, *, cash: bool, scenario: str = "saving"):
    project = Project(exchange.load_document(copy.deepcopy(doc or FIXTURE)))
    return build_plan(project.run(scenario), cash=cash)


def test_the_fixture_by_hand_in_cash():
    lines = _plan(cash=True).agencies[0].lines
    band_d = [2000.0 * 1.0499 ** y for y in YEARS]  # 2.99 % core + 2 % precept from year 1
    council_tax = [40_000 * b for b in band_d]
    rates = [20_000_000.0 * 1.02 ** y for y in YEARS]
    funding = [council_tax[y] + rates[y] + 10_000_000.0 for y in YEARS]
    pay = [110_000_000.0 * 0.6 * (1.03 ** y - 1) for y in YEARS]
    prices = [110_000_000.0 * 0.4 * (1.02 ** y - 1) for y in YEARS]
    factor = [0.6 * 1.03 ** y + 0.4 * 1.02 ** y for y in YEARS]  # cash per real £ of spend
    demand = [110_000_000.0 * (1.04 ** y - 1) * factor[y] for y in YEARS]
    spend = [110_000_000.0 + demand[y] + pay[y] + prices[y] for y in YEARS]
    savings = [0.0] + [2_000_000.0 * factor[y] for y in YEARS[1:]]
    gap = [spend[y] - funding[y] - savings[y] for y in YEARS]
    expect = {"funding_council_tax": council_tax, "funding_business_rates": rates,
              "funding_settlement_grant": [10_000_000.0] * 5, "funding": funding,
              "pressure_pay": pay, "pressure_prices": prices, "pressure_demand": demand,
              "baseline_spend": spend, "planned_savings": savings, "net_position": gap}
    for line, values in expect.items():
        assert lines[line] == pytest.approx(values, rel=1e-12, abs=1e-6), line
    # 2027-28: 83,992,000 council tax (40,000 × £2,099.80); 117,374,400 spend; gap 930,400.
    assert lines["funding_council_tax"][1] == pytest.approx(83_992_000.0, abs=1e-6)
    assert lines["baseline_spend"][1] == pytest.approx(117_374_400.0, abs=1e-6)
    assert lines["net_position"][1] == pytest.approx(930_400.0, abs=1e-6)
    # Reserves of £9m meet the gaps of 2027-28 and 2028-29 and run out in 2029-30 (year 3).
    left, used, unfunded = [], [], []
    pot = 9_000_000.0
    for y in YEARS:
        take = min(max(gap[y], 0.0), pot)
        pot -= take
        left.append(pot)
        used.append(take)
        unfunded.append(max(gap[y], 0.0) - take)
    assert lines["reserves_used"] == pytest.approx(used, abs=1e-6)
    assert lines["reserves_left"] == pytest.approx(left, abs=1e-6)
    assert lines["unfunded_gap"] == pytest.approx(unfunded, abs=1e-6)
    assert left[2] > 0 and left[3] == 0 and unfunded[3] > 0
    assert lines["below_minimum_balance"] == pytest.approx([max(3e6 - v, 0.0) for v in left], abs=1e-6)


def test_the_fixture_by_hand_in_real_terms():
    lines = _plan(cash=False).agencies[0].lines
    deflator = [1.02 ** y for y in YEARS]
    council_tax = [40_000 * 2000.0 * 1.0499 ** y / deflator[y] for y in YEARS]
    rates = [20_000_000.0] * 5  # 2 % cash growth at 2 % inflation
    grant = [10_000_000.0 / deflator[y] for y in YEARS]
    spend = [110_000_000.0 * 1.04 ** y for y in YEARS]  # demand only: pay and prices are cash
    savings = [0.0, 2e6, 2e6, 2e6, 2e6]
    gap = [spend[y] - council_tax[y] - rates[y] - grant[y] - savings[y] for y in YEARS]
    assert lines["funding_council_tax"] == pytest.approx(council_tax, rel=1e-12)
    assert lines["funding_settlement_grant"] == pytest.approx(grant, rel=1e-12)
    assert lines["baseline_spend"] == pytest.approx(spend, rel=1e-12)
    assert not lines["pressure_pay"].any() and not lines["pressure_prices"].any()
    assert lines["net_position"] == pytest.approx(gap, rel=1e-9, abs=1e-6)
    pot, left = 9e6, []
    for y in YEARS:
        pot -= min(max(gap[y], 0.0), pot)
        left.append(pot)
    assert lines["reserves_left"] == pytest.approx(left, abs=1e-6)


def test_the_ring_fenced_grant_is_shown_apart_with_its_funding():
    plan = _plan(cash=True).agencies[0]
    grant = plan.grants["public_health_grant"]
    assert grant["funding"] == pytest.approx([5e6] * 5)
    assert grant["baseline_spend"][1] == pytest.approx(5e6 * (0.6 * 1.03 + 0.4 * 1.02))
    assert plan.lines["funding"][0] == pytest.approx(110e6)  # the grant funds no general fund


@pytest.mark.parametrize("cash", [False, True])
def test_reserves_and_cumulative_gap_add_up_exactly(cash):
    for doc in (FIXTURE, _doc(reserves=50e6)):
        plan = _plan(doc, cash=cash)
        for lines in [a.lines for a in plan.agencies]:
            _identities(lines, float(doc["model"]["agencies"][0]["reserves"]))
        running = 0.0
        for y, value in enumerate(plan.place["net_position"]):
            running += value
            assert plan.place["cumulative_gap"][y] == running


def _identities(lines: dict[str, np.ndarray], opening: float) -> None:
    before, running = opening, 0.0
    for y in range(len(lines["net_position"])):
        running += lines["net_position"][y]
        assert lines["cumulative_gap"][y] == running
        assert lines["reserves_left"][y] == before - lines["reserves_used"][y] + lines["surplus_to_reserves"][y]
        gap = lines["net_position"][y]
        assert lines["unfunded_gap"][y] == (gap - lines["reserves_used"][y] if gap > 0 else 0.0)
        before = lines["reserves_left"][y]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=files(), cash=st.booleans(), reserves=st.floats(0, 1e7), rise=st.floats(0, 6))
def test_the_identities_hold_over_random_models(file: CutsimFile, cash: bool, reserves: float,
                                                 rise: float):
    if not file.scenarios:
        return
    agencies = [a.model_copy(update={"reserves": reserves, "inflation_percent": 2.5,
                                     "council_tax": CouncilTax(tax_base=1000.0, band_d=1500.0,
                                                               increase_percent=rise)})
                if a.kind == "council" else a for a in file.model.agencies]
    file = file.model_copy(update={"model": file.model.model_copy(update={"agencies": agencies})})
    try:
        result = Project(file).run(file.scenarios[0])
    except InputError:
        return
    plan = build_plan(result, cash=cash)
    for agency, plan_of in zip(agencies, plan.agencies):
        _identities(plan_of.lines, float(agency.reserves or 0.0))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=files())
def test_with_none_of_the_new_fields_the_real_plan_is_as_before(file: CutsimFile):
    """The real view of a model without the budget fields: funding is the flat base-year
    general-fund spend and the gap lines are the differences they always were."""
    if not file.scenarios:
        return
    try:
        result = Project(file).run(file.scenarios[0])
    except InputError:
        return
    for i, agency in enumerate(build_plan(result).agencies):
        lines = agency.lines
        assert np.array_equal(lines["gap_before_savings"], lines["baseline_spend"] - lines["funding"])
        assert np.array_equal(lines["net_position"],
                              lines["gap_before_savings"] - lines["planned_savings"]
                              + lines["knock_on_cashable"] + lines["one_off_costs"]
                              - lines["income_council_tax"] - lines["income_fees_and_charges"])
        assert not lines["income_council_tax"].any() and not lines["pressure_pay"].any()
        assert np.array_equal(lines["planned_savings"], result.agency_annual["planned_saving"][i])


@pytest.mark.parametrize("core,precept,warned", [
    (2.99, 2.0, False),  # 4.99 % in all: below both limits
    (3.0, 2.0, True),  # the core at its 3 % limit
    (2.5, 2.5, True),  # 5 % in all with the precept
    (2.0, 0.0, False),
])
def test_an_increase_at_or_above_the_referendum_limit_warns(core, precept, warned):
    doc = _doc(council_tax={"tax_base": 40_000.0, "band_d": 2_000.0, "increase_percent": core,
                            "asc_precept_percent": precept})
    plan = _plan(doc, cash=True)
    found = [w for w in plan.warnings if w.kind == "referendum_limit"]
    assert bool(found) == warned
    if warned:
        assert [w.year for w in found] == ["2027-28", "2028-29", "2029-30", "2030-31"]
        assert "referendum" in found[0].message and "2027-28" in found[0].message


def test_a_district_is_warned_only_above_both_its_percent_and_pound_limits():
    small = _doc(council_tax={"tax_base": 40_000.0, "band_d": 150.0, "increase_percent": 3.0,
                              "authority_class": "district"})  # 3 % of £150 is £4.50
    assert not [w for w in _plan(small, cash=True).warnings if w.kind == "referendum_limit"]
    big = copy.deepcopy(small)
    big["model"]["agencies"][0]["council_tax"]["band_d"] = 300.0  # 3 % is £9
    assert [w for w in _plan(big, cash=True).warnings if w.kind == "referendum_limit"]


def test_a_council_tax_lever_closes_the_gap_warns_at_the_limit_and_is_no_saving():
    doc = copy.deepcopy(FIXTURE)
    doc["scenarios"].append({"id": "tax", "name": "Tax", "levers": [
        {"kind": "council_tax", "id": "ct", "agency": "council", "percent": 1.0, "start_year": 2}]})
    project = Project(exchange.load_document(doc))
    plain, taxed = project.run("saving"), project.run("tax")
    plan = build_plan(taxed, cash=True)
    lines = plan.agencies[0].lines
    band_d = [2000.0, 2000 * 1.0499, 2000 * 1.0499 * 1.0599, 2000 * 1.0499 * 1.0599 ** 2,
              2000 * 1.0499 * 1.0599 ** 3]
    extra = [40_000 * band_d[y] - 40_000 * 2000.0 * 1.0499 ** y for y in YEARS]
    assert lines["income_council_tax"] == pytest.approx(extra, abs=1e-6)
    assert lines["income_council_tax"][2] > 0 and lines["income_council_tax"][1] == 0
    assert [w.year for w in plan.warnings if w.kind == "referendum_limit"][0] == "2028-29"
    # Income changes no figure of the run: the place's net saving is the do-nothing's.
    assert not taxed.agency_annual["net_saving"].any()
    assert plain.agency_annual["net_saving"].any()


def test_an_income_lever_of_a_fees_line_is_ramped_and_counted_as_income():
    doc = _doc(funding_lines=FIXTURE["model"]["agencies"][0]["funding_lines"]
               + [{"id": "fees", "name": "Parking and licences", "kind": "fees_and_charges",
                   "amount": 4_000_000.0}])
    doc["scenarios"].append({"id": "fees", "name": "Fees", "levers": [
        {"kind": "income", "id": "more-fees", "agency": "council", "percent": 10.0,
         "line": "fees", "start_year": 1, "phase_years": 2}]})
    lines = _plan(doc, cash=True, scenario="fees").agencies[0].lines
    # The ramp at each year's start (one step a year): 0, 0, 0.5, 1, 1 of 10 % of £4m.
    assert lines["income_fees_and_charges"] == pytest.approx([0, 0, 200_000, 400_000, 400_000])
    bad = copy.deepcopy(doc)
    bad["scenarios"][-1]["levers"][0]["line"] = "nndr"
    with pytest.raises(InputError, match="line must name a fees_and_charges funding line"):
        exchange.load_document(bad)


def test_the_programme_adds_up_to_the_planned_savings_line():
    doc = copy.deepcopy(FIXTURE)
    doc["scenarios"][0]["levers"].append(
        {"kind": "cut", "id": "cut-more", "service": "care", "percent": 1.0, "start_year": 2,
         "directorate": "Adults", "status": "green"})
    agency = _plan(doc, cash=True).agencies[0]
    rows = agency.programme
    assert [r["lever"] for r in rows] == ["cut-care", "cut-more"]
    total = sum(r["saving"] for r in rows)
    np.testing.assert_allclose(total, agency.lines["planned_savings"], rtol=1e-12, atol=1e-6)
    by_status = totals_by(rows, "status")
    assert set(by_status) == {"amber", "green"}
    np.testing.assert_allclose(sum(by_status.values()), agency.lines["planned_savings"], rtol=1e-12)
    assert rows[1]["saving"][1] == 0.0  # starts in year 2


def test_the_warnings_reach_text_json_and_the_workbook(tmp_path):
    from openpyxl import load_workbook

    from cutsim.cli import main

    path = tmp_path / "fixture.cutsim"
    exchange.write_file(path, exchange.load_document(copy.deepcopy(FIXTURE)))
    out = tmp_path / "plan.json"
    assert main(["mtfs", str(path), "--scenario", "saving", "--json", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    kinds = {(w["kind"], w["year"]) for w in data["warnings"]}
    assert ("unfunded_gap", "2029-30") in kinds and ("below_minimum_balance", "2029-30") in kinds
    assert data["years"] == ["2026-27", "2027-28", "2028-29", "2029-30", "2030-31"]
    assert data["terms"] == "cash"
    text = tmp_path / "plan.txt"
    assert main(["mtfs", str(path), "--scenario", "saving", "--out", str(text)]) == 0
    words = text.read_text(encoding="utf-8")
    assert "does not balance in 2029-30" in words and "section 114" in words
    assert "savings programme" in words and "Director of adult services" in words
    book = tmp_path / "plan.xlsx"
    assert main(["mtfs", str(path), "--scenario", "saving", "--xlsx", str(book), "--out",
                 str(tmp_path / "x.txt")]) == 0
    sheet = load_workbook(book)["Borough council"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("does not balance in 2029-30" in c for c in cells)
    real = tmp_path / "real.json"
    assert main(["mtfs", str(path), "--scenario", "saving", "--json", "--real", "--years", "3",
                 "--out", str(real)]) == 0
    data = json.loads(real.read_text(encoding="utf-8"))
    assert data["terms"] == "real" and len(data["years"]) == 3


def test_run_says_income_is_not_a_saving_and_warns_at_the_referendum_limit(tmp_path, capsys):
    from cutsim.cli import main

    doc = copy.deepcopy(FIXTURE)
    doc["scenarios"].append({"id": "tax", "name": "Tax", "levers": [
        {"kind": "council_tax", "id": "ct", "agency": "council", "percent": 1.0, "start_year": 2}]})
    path = tmp_path / "tax.cutsim"
    exchange.write_file(path, exchange.load_document(doc))
    assert main(["run", str(path), "--scenario", "tax"]) == 0
    out = capsys.readouterr().out
    assert "Income, paid by residents (not a saving" in out
    assert "Warning: Borough council: council tax in 2028-29 rises by" in out
    assert main(["run", str(path), "--scenario", "saving"]) == 0
    assert "Warning" not in capsys.readouterr().out
