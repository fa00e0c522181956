"""cutsim optimise on the example place: feasible targets, never worse than pro rata,
red lines and floors respected by the real engine, infeasible targets exit 3 naming why."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support.cli import run_cli

from cutsim.api import load
from cutsim.appraise.optimise import (
    Request,
    evaluate,
    optimise,
    pro_rata_scenario,
    unit_responses,
)
from cutsim.cli import main
from cutsim.files.exchange import read_file
from cutsim.model.errors import InputError, NoCleanAnswer
from cutsim.model.schema import RedLine

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture(scope="module")
def cm():
    return load(EXAMPLE).compiled


def _cutsim(*args):
    return run_cli(*args)


@pytest.mark.parametrize("request_", [
    Request(target=8e6),
    Request(target=8e6, agency="council"),
    Request(target=5e6, agency="council", protect=["family_hubs"], max_percent=40),
])
def test_package_meets_target_and_beats_pro_rata_by_the_engine(cm, request_):
    package = optimise(cm, request_)
    assert package.planned_saving >= request_.target - 1e-6
    found = evaluate(cm, package.scenario, request_.outcome_weight)
    total = sum(package.cuts.values())
    pro_rata = pro_rata_scenario(cm, request_, total)
    pro = evaluate(cm, pro_rata, request_.outcome_weight)
    # the same £ a year cut under the same delivery rules: the package costs no more
    assert sum(cm.baseline_spend[cm.service_index[lv.service]] * lv.percent / 100
               for lv in pro_rata.levers) == pytest.approx(total)
    assert found["objective"] <= pro["objective"] + 1.0
    # the LP's linear prediction is what the engine gives
    assert found["knock_on_npv"] == pytest.approx(package.knock_on_npv, rel=1e-6, abs=1.0)
    assert -found["social_value_npv"] == pytest.approx(package.outcome_loss_npv, rel=1e-6,
                                                       abs=1.0)
    for sid in request_.protect:
        assert sid not in package.cuts


def test_cash_only_package_has_a_whole_place_npv_no_worse_than_pro_rata(cm):
    request = Request(target=8e6, agency="council", outcome_weight=0.0)
    package = optimise(cm, request)
    found = evaluate(cm, package.scenario, 0.0)
    pro = evaluate(cm, pro_rata_scenario(cm, request, sum(package.cuts.values())), 0.0)
    assert found["npv_place"] >= pro["npv_place"] - 1.0


def test_red_lines_hold_in_the_engine_result(cm):
    lines = [RedLine(outcome="youth_offending", max_change=1.0, as_="level"),
             RedLine(outcome="care_entries_under_16", max_change=0.2, as_="level", by_year=5)]
    request = Request(target=6e6, agency="council", red_lines=lines, max_percent=50, by=1)
    package = optimise(cm, request)
    result = load(EXAMPLE).run(package.scenario)
    assert [r["breached"] for r in result.red_lines()] == [False, False]


def test_unit_responses_are_linear(cm):
    # twice the cut gives twice the knock-on (the engine is linear in lever inputs)
    r = unit_responses(cm, Request(target=1.0, agency="council"))
    s = r.services.index(cm.service_index["youth"])
    notice = r.leads[s].months  # the column's lead time, as a lever's notice
    one = evaluate(cm, _single(cm, "youth", 100_000, notice), 0.0)["knock_on_npv"]
    two = evaluate(cm, _single(cm, "youth", 200_000, notice), 0.0)["knock_on_npv"]
    assert two == pytest.approx(2 * one) and one == pytest.approx(100_000 * r.knock_npv[s])


def _single(cm, sid, amount, notice_months=0.0):
    from cutsim.model.schema import Scenario

    return Scenario.model_validate({"id": "x", "name": "x", "levers": [
        {"id": "c", "kind": "cut", "service": sid, "amount": amount,
         "notice_months": notice_months}]})


def test_target_beyond_the_floors_names_the_capacity(cm):
    with pytest.raises(NoCleanAnswer, match=r"exceeds the £[0-9.]+m/yr that all of council's "
                                            r"discretionary services on its budget above "
                                            r"their floors can give after their lead times"):
        optimise(cm, Request(target=60e6, agency="council"))


def test_binding_red_line_is_named(cm):
    lines = [RedLine(outcome="youth_offending", max_change=0.1, as_="level"),
             RedLine(outcome="care_entries_under_16", max_change=0.05, as_="level"),
             RedLine(outcome="recorded_crime", max_change=1.0, as_="level"),
             RedLine(outcome="asb_incidents", max_change=10_000, as_="level")]
    with pytest.raises(NoCleanAnswer) as err:
        optimise(cm, Request(target=8e6, agency="council", red_lines=lines, max_percent=40, by=1))
    message = str(err.value)
    assert "with the red lines the most that can be saved is £" in message
    assert "red line youth_offending +0.1" in message and "asb_incidents" not in message


def test_cli_writes_the_package_as_a_scenario_and_exits_3_when_infeasible(tmp_path):
    out = tmp_path / "package.cutsim"
    run = _cutsim("optimise", str(EXAMPLE), "--target", "£8m", "--agency", "council",
                  "--protect", "youth", "early_help", "--red-line", "youth_offending:2",
                  "--json", "-o", str(out))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["planned_saving"] >= 8e6 - 1e-6
    assert {c["service"] for c in report["cuts"]}.isdisjoint({"youth", "early_help"})
    assert report["package"]["objective"] <= report["pro_rata"]["objective"] + 1.0
    written = read_file(out)
    scenario = written.scenario("optimised")
    assert sum(lv.amount for lv in scenario.levers) == pytest.approx(
        sum(c["amount"] for c in report["cuts"]))
    assert scenario.targets[0].agency == "council"
    rerun = _cutsim("run", str(out), "--scenario", "optimised", "--json")
    assert rerun.returncode == 0 and "red_lines" in json.loads(rerun.stdout)
    bad = _cutsim("optimise", str(EXAMPLE), "--target", "500m")
    assert bad.returncode == 3 and "exceeds" in bad.stderr and "Traceback" not in bad.stderr
    usage = _cutsim("optimise", str(EXAMPLE), "--target", "lots")
    assert usage.returncode == 1 and "--target" in usage.stderr
    assert np.isfinite(report["objective"]["total"])


def test_red_lines_can_come_from_a_scenario_in_the_file(tmp_path):
    from cutsim.files.exchange import write_file
    from cutsim.model.schema import Scenario

    example = read_file(EXAMPLE)
    lines = [RedLine(outcome="youth_offending", max_change=0.1, as_="level"),
             RedLine(outcome="care_entries_under_16", max_change=0.05, as_="level"),
             RedLine(outcome="recorded_crime", max_change=1.0, as_="level")]
    agreed = Scenario(id="agreed-limits", name="Cabinet's red lines", red_lines=lines)
    path = tmp_path / "with-limits.cutsim"
    write_file(path, example.model_copy(update={"scenarios": [*example.scenarios, agreed],
                                                "provenance": None, "sha256": None}))
    common = ["optimise", str(path), "--target", "8m", "--agency", "council", "--max-percent", "40",
              "--by", "2027-28"]
    assert _cutsim(*common).returncode == 0
    bound = _cutsim(*common, "--red-lines-from", "agreed-limits")
    assert bound.returncode == 3 and "red line youth_offending +0.1" in bound.stderr
    missing = _cutsim(*common, "--red-lines-from", "nope")
    assert missing.returncode == 1 and 'no scenario "nope"' in missing.stderr


# ----------------------------------------------------------------- net targets (docs/result-format.md)


def test_council_target_of_8m_is_netted_in_every_year_by_the_real_engine(cm):
    """The must-show: `optimise --target 8m --agency council` nets the council at least
    £8m in the target year and every later year, after its own knock-on costs."""
    package = optimise(cm, Request(target=8e6, agency="council"))
    result = load(EXAMPLE).run(package.scenario)
    council = result.compiled.agency_index["council"]
    annual = result.agency_annual
    # the recurrent net saving: planned less knock-on (one-off costs are met once)
    net = annual["planned_saving"][council] - annual["knock_on_cost"][council]
    assert np.all(net >= 8e6), net
    assert package.net_saving == pytest.approx(net.tolist(), rel=1e-9)
    # planned saving alone would fall short: the old rule met £8m gross and netted less
    gross = optimise(cm, Request(target=8e6, agency="council", gross=True))
    gross_annual = load(EXAMPLE).run(gross.scenario).agency_annual
    gross_net = gross_annual["planned_saving"][council] - gross_annual["knock_on_cost"][council]
    assert gross.planned_saving == pytest.approx(8e6, abs=2.0) and gross_net.min() < 8e6


def test_a_later_target_year_and_the_place_are_netted_from_that_year_on(cm):
    package = optimise(cm, Request(target=6e6, by=3))
    annual = load(EXAMPLE).run(package.scenario).place_annual
    net = annual["planned_saving"] - annual["knock_on_cost"]
    assert np.all(net[3:] >= 6e6)


def test_cli_reports_net_saving_outcome_changes_weakest_evidence_and_late_harm():
    run = _cutsim("optimise", str(EXAMPLE), "--target", "8m", "--agency", "council", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["target"]["basis"] == "net" and min(report["net_saving"]["values"]) >= 8e6
    changes = {c["outcome"]: c for c in report["outcome_changes"]}
    assert changes["asb_incidents"]["direction"] == "worse" and changes["asb_incidents"]["percent"] > 10
    grades = {w["confidence"] for w in report["weakest_evidence"]}
    assert grades == {1}
    assert isinstance(report["late_harm"], list)
    text = _cutsim("optimise", str(EXAMPLE), "--target", "8m", "--agency", "council").stdout
    assert "Anti-social behaviour" in text and "evidence grade 1 of 5" in text
    assert "What council nets each year" in text


def test_late_harm_names_a_cut_whose_knock_on_is_mostly_still_to_come(tmp_path):
    import copy

    from support.small_model import SMALL_DOC

    from cutsim.api import Project
    from cutsim.appraise.package_effects import consequences
    from cutsim.model.schema import CutsimFile

    doc = copy.deepcopy(SMALL_DOC)
    doc["model"]["effects"][0]["delay_years"] = 30.0  # the harm takes decades to arrive
    slow = Project(CutsimFile.model_validate(doc)).compiled
    package = optimise(slow, Request(target=100_000, agency="council", gross=True))
    late = consequences(slow, package)["late_harm"]
    assert [h["service"] for h in late] == ["youth"] and late[0]["share_felt"] < 0.5
    fast = Project(CutsimFile.model_validate(SMALL_DOC)).compiled  # one-year delay
    package = optimise(fast, Request(target=100_000, agency="council", gross=True))
    assert consequences(fast, package)["late_harm"] == []


def test_a_package_starting_at_the_horizon_is_refused(cm):
    from cutsim.model.errors import InputError

    with pytest.raises(InputError, match="--start must be a year from 0 to before the horizon"):
        optimise(cm, Request(target=1e6, agency="council", start=float(cm.horizon_years)))


def test_a_scan_gives_each_target_its_own_least_cost_package():
    from cutsim.appraise.optimise import Request, optimise
    from cutsim.appraise.target_scan import scan_targets

    p = load(EXAMPLE)
    targets = [1e6, 4e6, 8e6, 5e9]
    rows = scan_targets(p.model, Request(target=1.0), targets)
    assert [r["target"] for r in rows] == targets
    for row in rows[:3]:
        alone = optimise(p.compiled, Request(target=row["target"]))
        assert row["feasible"] and row["cuts"] == alone.cuts
        assert row["knock_on_npv"] == alone.knock_on_npv and row["objective"] == alone.objective
    # dearer targets cost at least as much
    assert rows[0]["objective"] <= rows[1]["objective"] <= rows[2]["objective"]
    assert not rows[3]["feasible"] and "exceeds" in rows[3]["why"]
    with pytest.raises(InputError, match="positive"):
        scan_targets(p.model, Request(target=1.0), [1e6, -2.0])


def test_optimise_command_scans_several_targets(capsys):
    assert main(["optimise", str(EXAMPLE),
                 "--target", "1m,4m,200m", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["target"] for r in report["scan"]] == [1e6, 4e6, 200e6]
    assert [r["feasible"] for r in report["scan"]] == [True, True, False]
    assert main(["optimise", str(EXAMPLE),
                 "--target", "1m,4m"]) == 0
    text = capsys.readouterr().out
    assert "What each target costs the whole place" in text and "£4.00m" in text
    assert main(["optimise", str(EXAMPLE),
                 "--target", "1m,4m", "-o", "x.cutsim"]) == 1
    assert "give one --target" in capsys.readouterr().err
