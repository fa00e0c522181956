"""The example scenarios in scenarios/: they run, pass the result contract, and say what
their README says (a council saving with knock-on costs on other agencies, a settlement
that sums to zero, local spend retained, a counter-proposal that shifts less)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.result_contract import result_problems

from cutsim.api import load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
RUNS = [("youth-cut.cutsim", "youth-cut-20"),
        ("youth-cut-counter-proposal.cutsim", "partners-counter"),
        ("pooled-health-care.cutsim", "bcf-benefit"),
        ("pooled-health-care.cutsim", "bcf-contribution"),
        ("social-value-procurement.cutsim", "social-value")]


@pytest.mark.parametrize("name,scenario", RUNS)
def test_example_scenarios_pass_the_result_contract(name, scenario):
    path = SCENARIOS / name
    result = json.loads(json.dumps(load(path).run(scenario).to_json_dict()))
    model = json.loads(path.read_text(encoding="utf-8"))["model"]
    assert result_problems(result, model) == []


def test_youth_cut_saves_for_the_council_and_shifts_costs_onto_other_agencies():
    result = load(SCENARIOS / "youth-cut.cutsim").run("youth-cut-20")
    shift = result.cost_shift.loc["council"]
    annual = result.annual
    assert annual[("council", "planned_saving")].iloc[1] == pytest.approx(2_400_000)
    others = shift.drop("council")
    assert (others > 1_000).sum() >= 2  # at least two other agencies bear knock-on costs
    assert {"police", "schools"} <= set(others[others > 1_000].index)
    for agency in others[others > 1_000].index:
        assert annual[(agency, "net_saving")].sum() < 0


def test_counter_proposal_saves_as_much_and_shifts_less():
    project = load(SCENARIOS / "youth-cut-counter-proposal.cutsim")
    first, counter = project.run("youth-cut-20"), project.run("partners-counter")
    assert counter.scenario.parent == "youth-cut-20"
    assert counter.annual[("council", "planned_saving")].iloc[1] >= 2_400_000 * 0.99
    moved = lambda r: r.cost_shift.loc["council"].drop("council").sum()  # noqa: E731
    assert moved(counter) < moved(first)
    assert not any(line["breached"] for line in counter.red_lines())


def test_pool_settlement_sums_to_zero_and_stays_beside_cash():
    result = load(SCENARIOS / "pooled-health-care.cutsim").run("bcf-benefit")
    settlement = result.to_json_dict()["settlement"]["bcf"]
    assert set(settlement) == {"council", "nhs"}
    assert sum(v["transfer"] for v in settlement.values()) == 0.0
    assert sum(v["share"] for v in settlement.values()) == pytest.approx(1.0)
    for i, agency in enumerate(result.compiled.agency_ids):
        if agency in settlement:
            assert result.agency_annual["net_saving"][i].sum() == pytest.approx(
                settlement[agency]["net_saving"], rel=1e-9)


def test_procurement_raises_local_spend_at_a_small_premium():
    result = load(SCENARIOS / "social-value-procurement.cutsim").run("social-value")
    o = result.compiled.outcome_index["local_spend"]
    assert result.outcome_delta[o, -1] > 0
    block = result.procurement
    premium = sum(b["premium_cost"] for b in block.values())
    assert result.agency_annual["planned_saving"][0, -1] == pytest.approx(-premium)


def test_pooled_example_figures_are_those_the_readme_quotes():
    # scenarios/README.md §3: the benefit rule keeps reablement's efficiency saving although
    # it also receives reinvestment; the police, whom no lever reaches, have no payback.
    result = load(SCENARIOS / "pooled-health-care.cutsim").run("bcf-benefit")
    council = result.settlement["bcf"]["council"]
    assert round(council["share"] * 100, 1) == 52.7
    assert round(council["transfer"]) == 6_290_785
    assert result.appraisal.entities["police"].payback_year is None
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    assert "| 52.7 % | +6,290,785 | −6,290,785 |" in readme
