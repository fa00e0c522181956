"""cutsim compare: side-by-side figures agree with single runs; --json; usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_cli

from cutsim.api import load
from cutsim.appraise.compare import compare, table, times_within

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
COUNTER = SCENARIOS / "youth-cut-counter-proposal.cutsim"
POOLED = SCENARIOS / "pooled-health-care.cutsim"


def _cutsim(*args):
    return run_cli(*args)


def test_comparison_matches_single_runs():
    project = load(COUNTER)
    results = [project.run("youth-cut-20"), project.run("partners-counter")]
    comp = compare(results)
    assert comp["times"] == [1, 3, 5, 10] and times_within(4) == [1, 3]
    for r in results:
        entry = comp["scenarios"][r.scenario.id]
        assert entry["npv"]["place"] == pytest.approx(r.appraisal.place.npv)
        assert entry["net_saving"]["place"] == pytest.approx(r.place_annual["net_saving"].sum())
        i = r.compiled.outcome_index["youth_offending"]
        assert entry["outcome_change"]["youth_offending"][1] == pytest.approx(
            r.outcome_delta[i, 36])
    assert comp["scenarios"]["partners-counter"]["parent"] == "youth-cut-20"
    text = table(comp)
    assert "youth-cut-20" in text and "NPV place" in text and "youth_offending (" in text
    # One headline year, named, with its figures (docs/result-format.md).
    assert comp["year"] == 4 and comp["year_label"] == "2030-31"
    assert "Net saving in 2030-31" in text and "by the end of 2030-31" in text
    for r in results:
        entry = comp["scenarios"][r.scenario.id]
        assert entry["net_saving_in_year"]["place"] == pytest.approx(r.place_annual["net_saving"][4])
        i = r.compiled.outcome_index["youth_offending"]
        assert entry["outcome_change_in_year"]["youth_offending"] == pytest.approx(
            r.outcome_delta[i, 5 * r.compiled.steps_per_year])


def test_pool_comparison_shows_settlement_transfers_beside_cash():
    project = load(POOLED)
    comp = compare([project.run("bcf-benefit"), project.run("bcf-contribution")])
    a, b = (comp["scenarios"][s] for s in ("bcf-benefit", "bcf-contribution"))
    assert a["net_saving"] == b["net_saving"]  # the rule moves money between partners only
    assert a["settlement_transfer"]["council"] != b["settlement_transfer"]["council"]
    assert sum(a["settlement_transfer"].values()) == 0.0
    assert "Pool settlement transfers" in table(comp)


def test_compare_cli_json_and_usage():
    run = _cutsim("compare", str(COUNTER), "--scenario", "youth-cut-20",
                  "--scenario", "partners-counter", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data["scenarios"]) == {"youth-cut-20", "partners-counter"}
    one = _cutsim("compare", str(COUNTER), "--scenario", "youth-cut-20")
    assert one.returncode == 2 and "at least two" in one.stderr
    bad = _cutsim("compare", str(COUNTER), "--scenario", "youth-cut-20", "--scenario", "nope")
    assert bad.returncode == 1 and 'no scenario "nope"' in bad.stderr
