"""The medium-term financial plan (docs/mtfs.md): pressures, funding, the gap, cashable
and non-cashable knock-on, reserves, slippage and the workforce thresholds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cli import run_cli
from support.small_model import EXAMPLE, REPO
from support.strategies import files

import cutsim
from cutsim.api import Project
from cutsim.appraise.mtfs import build_plan, funding_path, workforce
from cutsim.files.exchange import load_document
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=files(), cash=st.booleans())
def test_with_no_pressures_the_plan_is_the_annual_figures_exactly(file: CutsimFile, cash: bool):
    """No growth, no inflation, every cashable share 1: the plan's money lines are the
    result's annual figures bit for bit, and the gap after savings is the gap less the
    net saving."""
    if not file.scenarios:
        return
    project = Project(file)
    try:
        result = project.run(file.scenarios[0])
    except InputError:
        return  # a drawn lever the engine refuses (a floor, a cap): nothing to plan
    plan = build_plan(result, cash=cash)
    for i, agency in enumerate(plan.agencies):
        lines = agency.lines
        assert np.array_equal(lines["planned_savings"], result.agency_annual["planned_saving"][i])
        assert np.array_equal(lines["knock_on_cashable"], result.agency_annual["knock_on_cost"][i])
        assert np.array_equal(lines["one_off_costs"], result.agency_annual["one_off_cost"][i])
        assert not lines["knock_on_non_cashable"].any()
        assert np.all(lines["gap_before_savings"] == 0.0)  # funded at the flat baseline
        net = result.agency_annual["net_saving"][i]
        np.testing.assert_allclose(lines["gap_before_savings"] - lines["net_position"], net,
                           rtol=1e-12, atol=1e-9 * max(1.0, float(np.max(np.abs(net)))))


def _fixture(**service_extra) -> Project:
    """One council with a demand-led care service (£1m, growing 3 % a year) and a
    discretionary prevention service (£0.5m) whose cut raises care demand."""
    doc = {
        "format": "cutsim", "format_version": 2,
        "model": {
            "place": {"name": "Fixture", "base_year": 2026, "horizon_years": 5,
                      "steps_per_year": 12, "discount_rate": 0.035},
            "agencies": [{"id": "council", "name": "Council", "kind": "council",
                          "funding": 1_500_000, "funding_growth_percent": 1.0,
                          "reserves": 40_000, "inflation_percent": 2.0}],
            "services": [
                {"id": "care", "agency": "council", "name": "Care", "baseline_spend": 1_000_000,
                 "unit_cost": 1000, "activity_unit": "week", "mode": "demand_led",
                 "demand_growth_percent": 3.0, **service_extra},
                {"id": "prevention", "agency": "council", "name": "Prevention",
                 "baseline_spend": 500_000, "unit_cost": 500, "activity_unit": "session",
                 "mode": "discretionary", "fte": 25.0}],
            "outcomes": [{"id": "need", "name": "Need", "unit": "people", "baseline": 100,
                          "higher_is_better": False}],
            "effects": [{"id": "e1", "service": "prevention", "outcome": "need", "per_unit": -0.1,
                         "low": -0.1, "high": -0.1, "delay_years": 0, "delay_order": 1,
                         "confidence": 3, "source": "fixture"}],
            "demands": [{"id": "d1", "outcome": "need", "service": "care", "per_unit": 2,
                         "low": 2, "high": 2, "confidence": 3, "source": "fixture"}]},
        "scenarios": [{"id": "cut", "name": "cut", "levers": [
            {"id": "l1", "kind": "cut", "service": "prevention", "percent": 20,
             "delivery_confidence_percent": 75}]}]}
    return Project(load_document(doc))


def test_a_growing_service_and_growing_funding_give_the_documented_gap():
    project = _fixture()
    result = project.run("cut")
    plan = build_plan(result)
    lines = plan.agencies[0].lines
    years = np.arange(5)
    baseline = 1_000_000 * 1.03 ** years + 500_000
    funding = 1_500_000 * 1.01 ** years
    np.testing.assert_allclose(lines["baseline_spend"], baseline, rtol=1e-13, atol=1e-8)
    np.testing.assert_allclose(lines["funding"], funding, rtol=1e-13, atol=1e-8)
    np.testing.assert_allclose(lines["gap_before_savings"], baseline - funding, rtol=1e-12, atol=1e-8)
    # The cut saves 20 % of £0.5m from the start: £100,000 a year.
    np.testing.assert_allclose(lines["planned_savings"], 100_000, rtol=1e-12, atol=1e-8)
    # 200 fewer sessions a year → +20 people in need → +40 weeks of care at £1,000 = £40k.
    np.testing.assert_allclose(lines["knock_on_cashable"], 40_000, rtol=1e-9, atol=1e-8)
    want = baseline - funding - 100_000 + 40_000
    np.testing.assert_allclose(lines["net_position"], want, rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(lines["cumulative_gap"], np.cumsum(want), rtol=1e-9, atol=1e-8)
    # Year 0 is a surplus of £60,000 (added to the £40,000 reserves); later shortfalls
    # draw them down until they run out.
    left = 40_000.0
    for y in range(5):
        gap = want[y]
        used = min(max(gap, 0.0), left)
        left = left - used if gap > 0 else left - gap
        assert lines["reserves_used"][y] == pytest.approx(used)
        assert lines["reserves_left"][y] == pytest.approx(left)
    # A quarter of the cut is at risk (75 % delivery confidence).
    np.testing.assert_allclose(lines["planned_savings_at_risk"], 25_000, rtol=1e-12, atol=1e-8)


def test_a_cashable_share_of_0_moves_every_knock_on_pound_and_leaves_the_budget_lines():
    cashable = build_plan(_fixture().run("cut")).agencies[0].lines
    none = build_plan(_fixture(cashable_share=0.0).run("cut")).agencies[0].lines
    assert not none["knock_on_cashable"].any()
    np.testing.assert_allclose(none["knock_on_non_cashable"], cashable["knock_on_cashable"], rtol=1e-12, atol=1e-8)
    for line in ("funding", "baseline_spend", "gap_before_savings", "planned_savings", "one_off_costs"):
        assert np.array_equal(none[line], cashable[line])
    np.testing.assert_allclose(none["net_position"], cashable["net_position"] - 40_000, rtol=1e-9, atol=1e-8)


def test_the_result_reports_cashable_and_non_cashable_beside_the_total():
    result = _fixture(cashable_share=0.25).run("cut").to_json_dict()
    council = result["annual"]["agencies"]["council"]
    for y in range(5):
        assert council["knock_on_cashable"][y] + council["knock_on_non_cashable"][y] == \
            pytest.approx(council["knock_on_cost"][y], rel=1e-12)
        assert council["knock_on_cashable"][y] == pytest.approx(0.25 * council["knock_on_cost"][y])
    split = result["appraisal"]["value_split"]
    assert split["fiscal_cashable"] + split["fiscal_non_cashable"] == \
        pytest.approx(result["appraisal"]["npv"]["place"], rel=1e-12)


def test_the_cash_view_inflates_each_year():
    real = build_plan(_fixture().run("cut")).agencies[0].lines
    cash = build_plan(_fixture().run("cut"), cash=True).agencies[0].lines
    np.testing.assert_allclose(cash["planned_savings"], real["planned_savings"] * 1.02 ** np.arange(5),
                               rtol=1e-5, atol=1e-8)


def test_slippage_and_bad_slippage():
    plan = build_plan(_fixture().run("cut"), slippage_percent=50)
    lines = plan.agencies[0].lines
    np.testing.assert_allclose(lines["net_position_if_slipped"] - lines["net_position"], 50_000, rtol=1e-5, atol=1e-8)
    with pytest.raises(InputError, match="slippage"):
        build_plan(_fixture().run("cut"), slippage_percent=120)


def test_workforce_posts_and_the_consultation_thresholds():
    result = _fixture().run("cut")
    posts = workforce(result)
    assert posts["levers"][0]["posts"] == pytest.approx(5.0)  # 20 % of 25 FTE
    assert posts["agencies"]["council"]["consultation_days"] is None  # under 20
    example = cutsim.load(EXAMPLE)
    scenario = example.scenario("youth-cut")
    big = scenario.model_copy(update={"levers": [lv.model_copy(update={"percent": 60.0})
                                                 for lv in scenario.levers]})
    flags = workforce(example.run(big))["agencies"]["council"]
    # 60 % of youth work (60 FTE) and early help (180 FTE) in the same quarter: 144 posts.
    assert flags["most_posts_within_90_days"] == pytest.approx(144.0)
    assert flags["consultation_days"] == 45


def test_funding_given_year_by_year_is_used_as_given():
    project = _fixture()
    agency = project.model.agencies[0].model_copy(update={"funding": [1.0, 2.0, 3.0, 4.0, 5.0],
                                                          "funding_growth_percent": None})
    model = project.model.model_copy(update={"agencies": [agency]})
    assert funding_path(model, "council", 0.0).tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_the_command_line_writes_json_csv_and_a_workbook(tmp_path):
    run = lambda *a: run_cli("mtfs", str(EXAMPLE), "--scenario", "youth-cut", *a,  # noqa: E731
                             cwd=REPO)
    out = run("--json", "--xlsx", str(tmp_path / "plan.xlsx"))
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    council = plan["agencies"]["council"]["general_fund"]
    assert council["gap_before_savings"][0] == 0 and council["gap_before_savings"][4] > 1e6  # balanced start
    assert "public_health_grant" in plan["agencies"]["council"]["ring_fenced"]
    assert (tmp_path / "plan.xlsx").stat().st_size > 2000
    csv_out = run("--csv")
    assert csv_out.stdout.splitlines()[0] == "entity,budget,line,year,value"
    bad = run("--slippage", "150")
    assert bad.returncode == 1 and "--slippage" in bad.stderr and "Traceback" not in bad.stderr
    text = run("--agency", "council")
    assert "Gap before savings" in text.stdout and "2030-31" in text.stdout


def test_the_workshop_target_closes_the_gap_when_the_agency_states_its_funding():
    from cutsim.appraise.mtfs import gap_before_savings
    from cutsim.workshop.figures import resolve_target

    project = _fixture()
    model = project.model
    gap = gap_before_savings(model, "council")
    target = resolve_target(model, None, "council", 3)
    assert target.source == "closing the medium-term gap"
    assert target.amount == pytest.approx(gap[3])
    np.testing.assert_allclose(build_plan(project.run("cut")).agencies[0].lines["gap_before_savings"], gap,
                               rtol=1e-5, atol=1e-8)
    fixed = model.model_copy(update={"agencies": [model.agencies[0].model_copy(
        update={"savings_target": 123.0})]})
    assert resolve_target(fixed, None, "council", 3).amount == 123.0  # a fixed target wins


def test_the_publication_says_what_share_of_the_extra_costs_is_cashable():
    from cutsim.model.fmt import round_sig
    from cutsim.publish.build import render_all

    project = cutsim.load(EXAMPLE)
    doc, result, files = render_all(project, "youth-cut", draws=None)
    place = result["annual"]["place"]
    share = round_sig(100 * sum(place["knock_on_cashable"]) / sum(place["knock_on_cost"]), 2)
    assert 0 < share < 100 and doc["place_money"]["knock_on_cashable_percent"] == share
    assert f'data-key="place.knock_on_cashable_percent" data-value="{share!r}"' in files["index.html"]
    assert "are cashable" in files["index.html"]
    # a model without cashable shares says nothing about it
    plain = cutsim.load(REPO / "tests" / "core" / "golden" / "v1" / "full.cutsim")
    scenario = plain.file.scenarios[0].id
    doc, _result, files = render_all(plain, scenario, draws=None)
    assert doc["place_money"]["knock_on_cashable_percent"] is None
    assert "are cashable" not in files["index.html"]
