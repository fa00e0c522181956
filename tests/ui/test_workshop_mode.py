"""Workshop mode: enter it on the example, change a package, gauges, red lines, the log, exports."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt

from cutsim.api import Project
from cutsim.files.exchange import read_file, write_file
from cutsim.model.schema import RedLine
from cutsim.workspace import Workspace

OFFENDING_2PC = RedLine(outcome="youth_offending", max_change=2.0, **{"as": "percent"})


@pytest.fixture
def workshop(window, qtbot, dialog_log):
    """Workshop mode entered from the main window's View menu (F5 action)."""
    # Leaving with a log only in memory asks to keep it; "yes" would open a file dialog.
    dialog_log.yes = False
    window.actions.all["workshop"].trigger()
    mode = window._workshop
    assert mode is not None
    qtbot.addWidget(mode.presenter)
    qtbot.addWidget(mode.audience)
    yield mode
    if shiboken6.isValid(mode) and mode._active:
        mode.leave()


def engine_result(file, session, label=None):
    return Project(file).run(session.working_scenario(file, label))


def test_enter_toggle_gauge_breach_log_and_minutes(workshop, qtbot, tmp_path: Path, dialog_log) -> None:
    mode = workshop
    c = mode.controller
    assert mode.presenter.isVisible() and mode.audience.isVisible()
    assert [p.scenario_id for p in c.session.packages] == ["youth-cut"]
    assert c.document.current_scenario_id == "youth-cut"

    # The gauge shows the core's numbers.
    g = mode.audience.gauge.gauge
    result = engine_result(c.file, c.session)
    council = result.compiled.agency_ids.index("council")
    y = c.session.year  # the scenario's headline year, as in the publication
    assert y == 4 and g.year_label == "2030-31"
    assert g.agency_net == pytest.approx(result.agency_annual["net_saving"][council, y], abs=1e-6)
    assert g.place_net == pytest.approx(result.place_annual["net_saving"][y], abs=1e-6)
    assert g.target == 8_000_000
    assert "£8.00m" in mode.audience.gauge_source.text()

    # A red line set in the meeting is breached by the package as prepared.
    mode.presenter.outcome.setCurrentIndex(mode.presenter.outcome.findData("youth_offending"))
    mode.presenter.max_change.setValue(2.0)
    qtbot.mouseClick(mode.presenter.findChild(type(mode.presenter.reset), "addRedLine"),
                     Qt.MouseButton.LeftButton)
    assert c.current_summary().breaches
    assert "1 breached" in mode.audience.lines_title.text()
    assert "breached from" in mode.presenter.red_lines.item(0).text()

    # Taking the youth lever out clears it; the numbers are still the engine's.
    box = mode.presenter.lever_rows.checks["l1"]
    with qtbot.waitSignal(c.updated, timeout=2000):
        box.click()
    assert [lv.id for lv in c.file.scenario("youth-cut").levers] == ["l2"]
    assert not c.current_summary().breaches
    assert mode.audience.lines_title.text() == "Red lines: all kept"
    after = engine_result(c.file, c.session)
    assert mode.audience.gauge.gauge.agency_net == pytest.approx(
        after.agency_annual["net_saving"][council, y], abs=1e-6)

    # Putting it back brings the breach back.
    with qtbot.waitSignal(c.updated, timeout=2000):
        mode.presenter.lever_rows.checks["l1"].click()
    assert c.current_summary().breaches

    # Size change (coalesced), undo, note.
    with qtbot.waitSignal(c.updated, timeout=2000):
        mode.presenter.lever_rows.sizes["l2"].setValue(10.0)
    c.flush()
    with qtbot.waitSignal(c.updated, timeout=2000):
        qtbot.mouseClick(mode.presenter.undo, Qt.MouseButton.LeftButton)
    assert c.file.scenario("youth-cut").levers[1].percent == 20.0
    mode.presenter.note.setText("Members want youth work protected")
    qtbot.keyClick(mode.presenter.note, Qt.Key.Key_Return)

    changes = [d.change for d in c.entries()]
    assert changes[0].startswith("Red line: Young people aged 10-17 who offend")
    assert changes[1].startswith("Took out: cut Youth")
    assert changes[2].startswith("Put back: cut Youth")
    assert changes[3] == "Changed: cut Early help (families and children) by 20 % to 10 %" or \
        changes[3].startswith("Changed: cut ") and changes[3].endswith("to 10 %")
    assert changes[4].startswith("Undo: ")
    assert c.entries()[5].note == "Members want youth work protected"
    assert mode.presenter.log_list.count() == len(changes)

    # Minutes.
    md = c.export_minutes(tmp_path / "minutes.md")
    text = md.read_text(encoding="utf-8")
    assert "## Decision log" in text and "Took out: cut Youth" in text
    assert "Members want youth work protected" in text
    pdf = c.export_minutes(tmp_path / "minutes.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_keys_switch_packages_and_escape_leaves(window, qtbot, dialog_log) -> None:
    from cutsim.model.commands import DuplicateScenario

    window.document.apply(DuplicateScenario("youth-cut", "youth-cut-b", "Second option"))
    window.actions.all["workshop"].trigger()
    mode = window._workshop
    qtbot.addWidget(mode.presenter)
    qtbot.addWidget(mode.audience)
    c = mode.controller
    assert [p.label for p in c.session.packages] == ["A", "B"]
    qtbot.keyClick(mode.audience, Qt.Key.Key_PageDown)
    assert c.session.package().label == "B" and mode.audience.badge.text() == "B"
    assert window.document.current_scenario_id == "youth-cut-b"
    qtbot.keyClick(mode.audience, Qt.Key.Key_PageUp)
    assert c.session.package().label == "A"
    qtbot.keyClick(mode.presenter, Qt.Key.Key_2)
    assert c.session.package().label == "B"
    qtbot.keyClick(mode.audience, Qt.Key.Key_Right)
    assert c.session.package().label == "A"  # wraps
    # Digits typed into a number field are the field's, not a package switch.
    spin = mode.presenter.target
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_2)
    assert c.session.package().label == "A"
    # The log is in memory (untitled example): leaving asks whether to keep it.
    c.note("keep this")
    dialog_log.yes = False
    qtbot.keyClick(mode.audience, Qt.Key.Key_Escape)
    assert not mode.presenter.isVisible() and not mode.audience.isVisible()
    assert any("only in memory" in q for q in dialog_log.questions)
    assert window._workshop is None


def test_log_goes_to_the_open_workspace(make_window, example_file, qtbot, tmp_path: Path, dialog_log) -> None:
    db = tmp_path / "budget.cutsimdb"
    Workspace.create(db, example_file).close()
    window = make_window(example_file, db)
    window.actions.all["workshop"].trigger()
    mode = window._workshop
    qtbot.addWidget(mode.presenter)
    qtbot.addWidget(mode.audience)
    c = mode.controller
    assert not c.log_in_memory and not mode.presenter.save_log.isVisible()
    with qtbot.waitSignal(c.updated, timeout=2000):
        c.toggle("l2")
    c.agree("carried unanimously")
    with Workspace.open(db) as ws:
        rows = ws.decisions()
    assert [(r.package, r.change.split(":")[0], r.note) for r in rows] == [
        ("A", "Took out", None), ("A", "Agreed", "carried unanimously")]
    mode.leave()
    assert not dialog_log.questions  # nothing only in memory to ask about


def test_agreed_package_exported_for_partners(workshop, qtbot, tmp_path: Path) -> None:
    c = workshop.controller
    c.add_red_line(OFFENDING_2PC)
    with qtbot.waitSignal(c.updated, timeout=2000):
        c.toggle("l1")
    c.agree()
    path = c.export_agreed(tmp_path / "agreed")
    assert path.suffix == ".cutsim"
    back = read_file(path)
    assert [s.id for s in back.scenarios] == ["youth-cut"]
    assert [lv.id for lv in back.scenarios[0].levers] == ["l2"]
    assert back.scenarios[0].red_lines == [OFFENDING_2PC]
    assert "Exported package A" in c.entries()[-1].change
    assert "AGREED" in workshop.audience.title.text()


def test_optimiser_proposal_becomes_a_package(workshop, qtbot) -> None:
    c = workshop.controller
    c.add_red_line(OFFENDING_2PC)
    c.set_target(2e6)
    assert workshop.presenter.propose.isVisible()
    qtbot.mouseClick(workshop.presenter.propose, Qt.MouseButton.LeftButton)
    assert [p.label for p in c.session.packages] == ["A", "B"]
    assert c.session.package().label == "B"
    assert not c.current_summary().breaches
    assert c.entries()[-1].change.startswith("Optimiser proposed")
    assert len(c.shown_summaries()) == 2


def test_an_impossible_target_is_explained(workshop, qtbot) -> None:
    c = workshop.controller
    c.set_target(5e9)
    with qtbot.waitSignal(c.message, timeout=2000) as blocker:
        c.propose()
    assert blocker.args[0].startswith("No package found")
    assert workshop.presenter.message.text().startswith("No package found")
    assert len(c.session.packages) == 1


def test_audience_view_is_readable_at_projector_size(workshop) -> None:
    from ui.workshop import style

    view = workshop.audience
    view.resize(1920, 1080)
    assert view.px(28) == 28
    for colour in (style.TEXT, style.MUTED, style.COUNCIL, style.TARGET, style.BREACH, style.OK):
        assert style.contrast(colour) >= 4.5
    assert style.contrast(style.TEXT, style.HIGHLIGHT) >= 4.5
    assert style.contrast(style.BREACH, style.HIGHLIGHT) >= 4.5


def test_screens_audience_on_the_second_when_there_is_one() -> None:
    from ui.workshop.mode import choose_screens

    assert choose_screens(["laptop"], "laptop") == ("laptop", None)
    assert choose_screens(["laptop", "projector"], "laptop") == ("laptop", "projector")
    assert choose_screens(["projector", "laptop"], "laptop") == ("laptop", "projector")


def test_a_saved_cutsim_file_logs_to_its_sidecar(make_window, example_file, qtbot, tmp_path: Path, dialog_log) -> None:
    path = tmp_path / "seaport.cutsim"
    write_file(path, example_file)
    window = make_window(read_file(path), path)
    window.actions.all["workshop"].trigger()
    mode = window._workshop
    qtbot.addWidget(mode.presenter)
    qtbot.addWidget(mode.audience)
    assert not (tmp_path / "seaport.workshop.cutsimdb").exists()  # not on entering
    mode.controller.note("sidecar")
    assert (tmp_path / "seaport.workshop.cutsimdb").exists()
    mode.leave()
    assert (tmp_path / "seaport.workshop.cutsimdb").exists()  # it holds a decision: kept


def test_undo_and_edits_outside_the_workshop_controls_are_logged_too(workshop, qtbot) -> None:
    mode = workshop
    c = mode.controller
    with qtbot.waitSignal(c.updated, timeout=2000):
        mode.presenter.lever_rows.checks["l1"].click()  # logged by the workshop itself
    logged = len(c.entries())
    stack = c.document.undo_stack
    stack.undo()  # as from the main window's Edit menu (Ctrl+Z)
    assert [e.change for e in c.entries()[logged:]] == \
        [f"Undo (outside the workshop controls): {stack.text(stack.index())}"]
    stack.redo()
    assert c.entries()[-1].change.startswith("Redo (outside the workshop controls): ")
    mode.presenter.undo.click()  # the presenter's own button: logged once, in its own words
    assert c.entries()[-1].change.startswith("Undo: ")
    assert len(c.entries()) == logged + 3


def test_add_a_lever_in_the_meeting_is_logged_and_undoable(workshop, qtbot) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    mode = workshop
    c = mode.controller
    dialog = mode.presenter.add_lever_dialog()
    qtbot.addWidget(dialog)
    form = dialog.forms["cut"]
    form.service.setCurrentIndex(form.service.findData("vcs_advice"))
    form.size.setValue(10.0)
    before = len(c.entries())
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    scenario = c.file.scenario(c.session.package().scenario_id)
    added = next(lv for lv in scenario.levers if lv.id == "cut-vcs_advice")
    assert added.percent == 10.0
    entries = c.entries()
    assert len(entries) == before + 1
    assert entries[-1].change.startswith("Added: cut") and "by 10 %" in entries[-1].change
    assert any(s.lever.id == "cut-vcs_advice" and s.on for s in c.levers())
    # The same id again is refused with a message, nothing changes.
    messages = []
    c.message.connect(messages.append)
    assert not c.add_lever(added)
    assert messages and "already has a lever" in messages[-1]
    c.undo()
    assert all(lv.id != "cut-vcs_advice" for lv in c.file.scenario(scenario.id).levers)
