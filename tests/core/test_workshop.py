"""The workshop session: packages, toggles, targets, gauges, red lines, the decision log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cutsim.api import Project
from cutsim.files.exchange import read_file, write_file
from cutsim.model.commands import CommandStack
from cutsim.model.errors import InputError
from cutsim.model.schema import RedLine, Target
from cutsim.workshop import (
    MemoryLog,
    SidecarLog,
    WorkshopSession,
    agency_target,
    open_log,
    propose,
    red_line_statuses,
    resolve_target,
    run_packages,
    save_log_to_workspace,
    sidecar_path,
    summarise_all,
)
from cutsim.workshop.minutes import (
    build_minutes,
    to_html,
    to_markdown,
    write_markdown,
    write_pdf,
)
from cutsim.workspace import Workspace

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"
OFFENDING_2PC = RedLine(outcome="youth_offending", max_change=2.0, **{"as": "percent"})


@pytest.fixture
def file():
    return read_file(EXAMPLE)


def test_packages_default_to_scenarios_with_levers(file) -> None:
    session = WorkshopSession(file)
    assert [(p.label, p.scenario_id) for p in session.packages] == [("A", "youth-cut")]
    both = WorkshopSession(file, ["youth-cut", "baseline"])
    assert [p.label for p in both.packages] == ["A", "B"]
    assert both.step(1) and both.package().label == "B"
    assert both.step(1) and both.package().label == "A"  # wraps round, as a clicker does
    assert session.lead_agency == "council"


def test_toggle_out_and_back_restores_the_lever_in_place_with_undo(file) -> None:
    session = WorkshopSession(file)
    stack = CommandStack(file)
    command, words = session.toggle(stack.document, "l1")
    assert words == "Took out: cut Youth services by 20 %" or words.startswith("Took out: cut ")
    stack.push(command)
    session.observe(stack.document)
    states = session.levers(stack.document)
    assert [(s.lever.id, s.on) for s in states] == [("l1", False), ("l2", True)]
    command, words = session.toggle(stack.document, "l1")
    assert words.startswith("Put back: ")
    stack.push(command)
    assert [lv.id for lv in stack.document.scenario("youth-cut").levers] == ["l1", "l2"]
    stack.undo()
    session.observe(stack.document)
    assert [s.on for s in session.levers(stack.document)] == [False, True]
    stack.undo()
    assert stack.document.scenario("youth-cut") == file.scenario("youth-cut")


def test_resize_then_reset_to_prepared(file) -> None:
    session = WorkshopSession(file)
    stack = CommandStack(file)
    command, words = session.resize(stack.document, "l2", 10.0)
    stack.push(command)
    assert stack.document.scenario("youth-cut").levers[1].percent == 10.0
    assert "to 10 %" in words
    stack.push(session.toggle(stack.document, "l1")[0])
    command, words = session.reset(stack.document)
    stack.push(command)
    assert stack.document.scenario("youth-cut").levers == file.scenario("youth-cut").levers
    with pytest.raises(InputError):
        session.resize(stack.document, "l1", float("nan"))


def test_target_resolution_order(file) -> None:
    model = file.model
    assert agency_target(model, "council", 3) == 8_000_000
    assert agency_target(model, "police", 3) is None
    scenario = file.scenario("youth-cut")
    info = resolve_target(model, scenario, "council", 0)
    assert (info.amount, info.source) == (8_000_000, "Seaport Council savings target")
    with_target = scenario.model_copy(update={"targets": [Target(agency="council", amount=5e6, from_year=1)]})
    assert resolve_target(model, with_target, "council", 0).amount == 8e6
    assert resolve_target(model, with_target, "council", 1).amount == 5e6
    assert resolve_target(model, with_target, "council", 1, {1: 3e6}).amount == 3e6
    place_only = scenario.model_copy(update={"targets": [Target(agency="place", amount=7e6)]})
    assert resolve_target(model, place_only, "police", 0).source == "the package's whole-place target"
    listed = model.model_copy(update={"agencies": [
        a.model_copy(update={"savings_target": [1e6, 2e6]}) if a.id == "council" else a
        for a in model.agencies]})
    assert agency_target(listed, "council", 1) == 2e6 and agency_target(listed, "council", 5) is None


def test_gauge_is_the_engines_annual_net_saving(file) -> None:
    session = WorkshopSession(file)
    session.set_year(2)
    results = run_packages(session, file)
    summary = summarise_all(session, file, results)["A"]
    direct = Project(file).run("youth-cut")
    council = direct.compiled.agency_ids.index("council")
    assert summary.gauge.agency_net == pytest.approx(direct.agency_annual["net_saving"][council, 2], abs=1e-6)
    assert summary.gauge.place_net == pytest.approx(direct.place_annual["net_saving"][2], abs=1e-6)
    assert summary.gauge.partners_net < 0  # knock-on costs fall on partners
    assert summary.gauge.target == 8e6 and summary.gauge.agency_met is False
    assert summary.gauge.year_label == "2028-29"


def test_red_line_breach_appears_and_clears_when_the_lever_goes(file) -> None:
    session = WorkshopSession(file)
    session.add_red_line(OFFENDING_2PC, file.model)
    stack = CommandStack(file)
    status = red_line_statuses(run_packages(session, stack.document)["A"])
    assert len(status) == 1 and status[0].breached
    assert status[0].first_breach_label is not None and status[0].worst > 2.0
    engine = Project(file).run(session.working_scenario(file)).red_lines()
    assert engine[0]["first_breach_year"] == status[0].first_breach_year
    stack.push(session.toggle(stack.document, "l1")[0])
    status = red_line_statuses(run_packages(session, stack.document)["A"])
    assert not status[0].breached and status[0].first_breach_label is None


def test_memory_log_then_saved_into_a_sidecar_workspace(file, tmp_path: Path) -> None:
    session = WorkshopSession(file, log=MemoryLog())
    session.record("Took out: cut Youth", "protect youth work")
    session.record("Reset to prepared")
    target = sidecar_path(tmp_path / "seaport.cutsim")
    assert target.name == "seaport.workshop.cutsimdb"
    session.log = save_log_to_workspace(session.log, target, file)
    session.record("Agreed", None)
    with Workspace.open(target) as ws:
        rows = ws.decisions()
    assert [(r.package, r.change, r.note) for r in rows] == [
        ("A", "Took out: cut Youth", "protect youth work"), ("A", "Reset to prepared", None),
        ("A", "Agreed", None)]
    assert all(r.at for r in rows)


def test_a_saved_file_logs_to_its_sidecar_and_a_workspace_to_itself(file, tmp_path: Path) -> None:
    path = tmp_path / "budget.cutsim"
    write_file(path, file)
    log = open_log(file, path, is_workspace=False)
    assert isinstance(log, SidecarLog) and log.where == tmp_path / "budget.workshop.cutsimdb"
    assert not log.where.exists() and log.entries() == []  # nothing is written on entering
    db = tmp_path / "budget.cutsimdb"
    Workspace.create(db, file).close()
    log = open_log(file, db, is_workspace=True)
    assert log.where == db
    WorkshopSession(file, log=log).record("Took out: x")
    assert [d.change for d in log.entries()] == ["Took out: x"]
    with Workspace.open(db) as ws:  # saving the model again keeps the log
        ws.save(file)
        assert len(ws.decisions()) == 1
    assert isinstance(open_log(file, None, False), MemoryLog)


def test_the_sidecar_is_created_at_the_first_decision_and_removed_when_discarded_empty(
        file, tmp_path: Path) -> None:
    path = tmp_path / "budget.cutsim"
    write_file(path, file)
    sidecar = tmp_path / "budget.workshop.cutsimdb"
    log = open_log(file, path, is_workspace=False)
    session = WorkshopSession(file, log=log)
    assert not sidecar.exists()
    assert log.discard_if_empty() is False  # nothing to remove
    session.record("Took out: cut Youth")
    assert sidecar.exists() and [d.change for d in log.entries()] == ["Took out: cut Youth"]
    assert log.discard_if_empty() is False and sidecar.exists()  # it holds a decision
    # A sidecar made for this meeting that ends up holding no decision is removed.
    fresh = tmp_path / "other.cutsim"
    write_file(fresh, file)
    empty = open_log(file, fresh, is_workspace=False)
    save_log_to_workspace(MemoryLog(), empty.where, file)
    empty.created = True
    assert empty.entries() == [] and empty.discard_if_empty() is True
    assert not empty.where.exists()
    # An earlier meeting's sidecar is never removed by a new meeting.
    again = open_log(file, path, is_workspace=False)
    assert again.discard_if_empty() is False and sidecar.exists()


def test_minutes_markdown_html_and_pdf(file, tmp_path: Path) -> None:
    session = WorkshopSession(file, ["youth-cut", "baseline"])
    session.add_red_line(OFFENDING_2PC, file.model)
    session.record("Took out: cut Youth | services", "members | protect youth")
    session.agree(file, "B")
    summaries = summarise_all(session, file, run_packages(session, file))
    minutes = build_minutes(session, file, summaries)
    text = to_markdown(minutes)
    assert text.startswith("# Budget workshop: Seaport")
    assert "## Decision log" in text and "members \\| protect youth" in text
    assert "Young people aged 10-17 who offend must not worsen by more than 2 %" in text
    assert "Package B: Baseline (no change)." in text
    assert "| A | 20 % cut to youth and early-help services |" in text
    html = to_html(minutes)
    assert "<table>" in html and "members | protect youth" in html
    md = write_markdown(minutes, tmp_path / "minutes.md")
    assert md.read_text(encoding="utf-8") == text
    pdf = write_pdf(minutes, tmp_path / "minutes.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_agreed_package_is_a_valid_cutsim_file(file, tmp_path: Path) -> None:
    session = WorkshopSession(file)
    session.add_red_line(OFFENDING_2PC, file.model)
    session.set_target(6e6, 1)
    exported = session.agreed_file(file)
    write_file(tmp_path / "agreed.cutsim", exported)
    back = read_file(tmp_path / "agreed.cutsim")
    assert [s.id for s in back.scenarios] == ["youth-cut"]
    scenario = back.scenarios[0]
    assert scenario.red_lines == [OFFENDING_2PC]
    assert [(t.agency, t.amount, t.from_year) for t in scenario.targets] == [("council", 6e6, 1)]
    assert back.model == file.model


def test_optimiser_proposes_a_package_within_the_red_lines(file) -> None:
    session = WorkshopSession(file)
    session.add_red_line(OFFENDING_2PC, file.model)
    session.set_target(2e6)
    project = Project(file)
    scenario, words = propose(file, session, project.compiled)
    assert scenario.levers and "within 1 red line" in words
    result = project.run(scenario.model_copy(update={"red_lines": session.red_lines}))
    assert not any(r["breached"] for r in result.red_lines())
    council = result.compiled.agency_ids.index("council")
    # the target is the council's net saving from the meeting's year on (each cut saves
    # after its lead time, so earlier years may save less)
    annual = result.agency_annual
    net = annual["planned_saving"][council] - annual["knock_on_cost"][council]
    assert np.all(net[session.year:] >= 2e6 - 1)
    assert np.isfinite(result.place_annual["net_saving"]).all()


def test_the_workshop_headlines_the_scenario_headline_year_like_the_publication(file) -> None:
    from cutsim.model.schema import headline_year
    from cutsim.publish.build import render_all

    session = WorkshopSession(file)
    assert session.year == headline_year(file.scenario("youth-cut"), 10) == 4
    results = run_packages(session, file)
    summary = summarise_all(session, file, results)["A"]
    result = results["A"]
    k = 5 * result.compiled.steps_per_year  # the end of 2030-31
    i = result.compiled.outcome_index[summary.outcomes[0].outcome]
    assert summary.gauge.year_label == "2030-31"
    assert summary.outcomes[0].change == pytest.approx(float(result.outcome_delta[i, k]))
    doc, _, _ = render_all(Project(file), "youth-cut", draws=None)
    assert doc["report"]["financial_year"] == summary.gauge.year_label
    assert doc["place_money"]["report_year"]["net_saving"] == pytest.approx(summary.gauge.place_net)
    custom = file.model_copy(update={"scenarios": [
        s.model_copy(update={"headline_year": 2}) if s.id == "youth-cut" else s for s in file.scenarios]})
    assert WorkshopSession(custom).year == 2
