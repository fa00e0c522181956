"""The baseline publication states what doing nothing costs when the model's financial plan
has pressures (docs/mtfs.md, "The baseline publication"), in the plan's own figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.small_model import SMALL_DOC

import cutsim
from cutsim.appraise.mtfs import build_plan, do_nothing
from cutsim.model import fmt
from cutsim.model.audit import audit_text, mixed_units, visible_text
from cutsim.model.schema import Scenario
from cutsim.publish.build import publish

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"


def test_the_do_nothing_block_is_the_plans_own_gap_before_savings():
    result = cutsim.load(EXAMPLE).run("baseline")
    block = do_nothing(result)
    plan = build_plan(result, cash=True).span(5)
    assert block["years"] == plan.years == ["2026-27", "2027-28", "2028-29", "2029-30", "2030-31"]
    assert block["gap_before_savings"] == pytest.approx(list(plan.place["gap_before_savings"]))
    assert block["cumulative_gap_before_savings"] == pytest.approx(
        float(plan.place["gap_before_savings"].sum()))
    assert block["gap_before_savings"][-1] > 1e6  # the example's plan has a real gap
    assert set(block["pressures"]) >= {"pressure_demand", "pressure_prices"}
    council = next(a for a in block["agencies"] if a["id"] == "council")
    assert council["gap_before_savings"] == pytest.approx(
        list(next(a for a in plan.agencies if a.agency == "council").lines["gap_before_savings"]))


def test_the_baseline_page_states_the_pressures_and_the_gap(tmp_path):
    out = tmp_path / "pub"
    pub = publish(EXAMPLE, "baseline", out, draws=16, seed=1, pdf=False)
    page = (out / "index.html").read_text(encoding="utf-8")
    text = " ".join(visible_text(page).split())
    block = pub.document["do_nothing"]
    assert "makes no change" in text and "What doing nothing costs" in text
    gap = fmt.resident_money(block["gap_before_savings"][-1])
    assert f"a gap of {gap} in 2030-31 before any saving" in text
    assert fmt.resident_money(block["cumulative_gap_before_savings"]) + " short over the 5 years" in text
    assert "demand growth £" in text and "Seaport Council (unitary)" in text
    assert audit_text(visible_text(page)) == [] and mixed_units(page, html_page=True) == []


def test_a_scenario_with_levers_and_a_model_without_pressures_say_nothing_of_it(tmp_path):
    out = tmp_path / "pub"
    pub = publish(EXAMPLE, "youth-cut", out, draws=16, seed=1, pdf=False)
    assert "do_nothing" not in pub.document
    assert "What doing nothing costs" not in (out / "index.html").read_text(encoding="utf-8")
    small = tmp_path / "small.cutsim"
    small.write_text(json.dumps(SMALL_DOC), encoding="utf-8")
    flat = cutsim.load(small)
    assert do_nothing(flat.run(Scenario(id="none", name="No change"))) is None
