"""The lever editor: each lever kind built through it equals the same lever written in a file.

For every kind (cut by percent, cut by £ with notice and one-off cost, invest, a closure,
pool with reinvestment and fixed shares, procurement) the test sets the editor's widgets as
a person would, presses OK, and checks: the scenario holds exactly the lever a file states;
the engine's result equals the result of that file; undo takes the lever out again.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from cutsim.api import Project
from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.scenario.lever_editor import LeverEditor, lever_problems
from ui.scenario.lever_forms import service_choices

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


def file_with_lever(tmp_path: Path, lever: dict) -> Path:
    """The example with one more lever written into its first scenario's JSON."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.pop("sha256", None)  # an edit by hand: the hash is removed knowingly
    data["scenarios"][0]["levers"].append(lever)
    path = tmp_path / "written.cutsim"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def document(qtbot):
    return DocumentController(read_file(EXAMPLE))


def open_editor(qtbot, document, kind: str) -> LeverEditor:
    editor = LeverEditor(document, "youth-cut", None, Project(document.file).compiled)
    qtbot.addWidget(editor)
    editor.kind.setCurrentIndex(editor.kind.findData(kind))
    return editor


def pick(combo, value) -> None:
    i = combo.findData(value)
    assert i >= 0, value
    combo.setCurrentIndex(i)


def build_cut_percent(editor):
    form = editor.forms["cut"]
    pick(form.service, "family_hubs")
    form.size.setValue(35.0)
    form.timing.start_year.setValue(1.0)
    form.timing.phase_years.setValue(2.0)
    return {"id": "cut-family_hubs", "kind": "cut", "service": "family_hubs", "percent": 35.0,
            "start_year": 1.0, "phase_years": 2.0}


def build_cut_amount(editor):
    form = editor.forms["cut"]
    pick(form.service, "reablement")
    pick(form.by, "amount")
    form.size.setValue(750000.0)
    form.notice.setValue(6.0)
    form.one_off.setValue(120000.0)
    editor.note.setPlainText("Redundancy costs agreed with HR.")
    return {"id": "cut-reablement", "kind": "cut", "service": "reablement", "amount": 750000.0,
            "notice_months": 6.0, "one_off_cost": 120000.0,
            "note": "Redundancy costs agreed with HR."}


def build_closure(editor):
    form = editor.forms["cut"]
    pick(form.service, "vcs_befriending")
    form.slider.setValue(form.slider.maximum())  # the whole way: a closure (no floor)
    return {"id": "cut-vcs_befriending", "kind": "cut", "service": "vcs_befriending",
            "percent": 100.0}


def build_demand_led_efficiency(editor):
    form = editor.forms["cut"]
    pick(form.service, "care_home")  # demand-led: a cut is an efficiency, capped
    form.slider.setValue(form.slider.maximum())  # the whole way: its maximum efficiency
    form.timing.phase_years.setValue(3.0)
    return {"id": "cut-care_home", "kind": "cut", "service": "care_home", "percent": 10.0,
            "phase_years": 3.0}


def build_invest(editor):
    form = editor.forms["invest"]
    pick(form.service, "asc_prevention")
    form.size.setValue(60.0)
    form.timing.start_year.setValue(2.0)
    return {"id": "invest-asc_prevention", "kind": "invest", "service": "asc_prevention",
            "percent": 60.0, "start_year": 2.0}


def build_pool(editor):
    form = editor.forms["pool"]
    form.set_checked(["reablement", "community_nursing"])
    form.efficiency.setValue(8.0)
    form.add_reinvest("asc_prevention", 25.0)
    pick(form.gain_share, "fixed")
    form.fixed.cellWidget(0, 0).setValue(40.0)
    form.fixed.cellWidget(1, 0).setValue(60.0)
    form.one_off.setValue(250000.0)
    form.timing.phase_years.setValue(1.0)
    editor.lever_id.setText("bcf")
    editor._id_edited("bcf")
    return {"id": "bcf", "kind": "pool", "services": ["reablement", "community_nursing"],
            "efficiency_percent": 8.0,
            "reinvest": [{"service": "asc_prevention", "percent_of_saving": 25.0}],
            "gain_share": {"fixed": {"council": 0.4, "nhs": 0.6}}, "one_off_cost": 250000.0,
            "phase_years": 1.0}


def build_procure(editor):
    form = editor.forms["procure"]
    pick(form.service, "drug_alcohol")
    form.share_from.setValue(20.0)
    form.share_to.setValue(45.0)
    form.premium.setValue(3.0)
    pick(form.outcome, "local_spend")
    return {"id": "procure-drug_alcohol", "kind": "procure", "service": "drug_alcohol",
            "local_share_from": 0.2, "local_share_to": 0.45, "premium_percent": 3.0,
            "outcome": "local_spend"}


BUILDERS = {"cut by percent": ("cut", build_cut_percent),
            "cut by £ with notice and one-off cost": ("cut", build_cut_amount),
            "closure": ("cut", build_closure),
            "demand-led efficiency at its cap": ("cut", build_demand_led_efficiency),
            "invest": ("invest", build_invest),
            "pool with fixed shares": ("pool", build_pool),
            "procure": ("procure", build_procure)}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_lever_kind_through_the_editor_equals_the_file(qtbot, tmp_path, document, name):
    kind, build = BUILDERS[name]
    editor = open_editor(qtbot, document, kind)
    written = build(editor)
    assert editor.check() == [], editor.problems.text()
    before = document.file
    editor.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert editor.result() == editor.DialogCode.Accepted

    from_file = read_file(file_with_lever(tmp_path, written))
    made = document.file.scenario("youth-cut")
    assert made.levers == from_file.scenario("youth-cut").levers
    ours = Project(document.file).run(made)
    theirs = Project(from_file).run(from_file.scenario("youth-cut"))
    np.testing.assert_array_equal(ours.place_annual["net_saving"],
                                  theirs.place_annual["net_saving"])
    assert ours.settlement == theirs.settlement and ours.procurement == theirs.procurement
    assert ours.appraisal.entities != \
        Project(before).run(before.scenario("youth-cut")).appraisal.entities

    assert document.undo_stack.count() == 1  # one undoable command
    document.undo_stack.undo()
    assert document.file.scenario("youth-cut").levers == before.scenario("youth-cut").levers


def test_editing_a_lever_replaces_it_in_place_and_undoes(qtbot, document):
    lever = document.file.scenario("youth-cut").levers[0]
    editor = LeverEditor(document, "youth-cut", lever)
    qtbot.addWidget(editor)
    assert not editor.kind.isEnabled() and editor.lever_id.isReadOnly()
    assert editor.forms["cut"].size.value() == lever.percent
    editor.forms["cut"].size.setValue(30.0)
    assert editor.apply()
    assert document.file.scenario("youth-cut").levers[0].percent == 30.0
    assert document.file.scenario("youth-cut").levers[0].id == lever.id
    document.undo_stack.undo()
    assert document.file.scenario("youth-cut").levers[0] == lever


def test_validator_messages_inline_and_ok_disabled(qtbot, document):
    editor = open_editor(qtbot, document, "pool")
    form = editor.forms["pool"]
    form.set_checked(["youth", "early_help"])  # one agency only
    problems = editor.check()
    assert any("two or more agencies" in p for p in problems)
    assert "two or more agencies" in editor.problems.text()
    assert not editor.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    form.add_reinvest("youth", 80.0)
    form.add_reinvest("early_help", 30.0)
    assert "more than 100 %" in editor.problems.text()
    assert not editor.apply() and document.undo_stack.count() == 0

    editor.kind.setCurrentIndex(editor.kind.findData("cut"))
    editor.lever_id.setText("l1")  # taken by the scenario
    editor._id_edited("l1")
    assert "already in this scenario" in editor.problems.text()


def test_cut_range_stops_at_the_statutory_floor(qtbot):
    file = read_file(EXAMPLE)
    services = [s.model_copy(update={"statutory_floor": 0.4}) if s.id == "youth" else s
                for s in file.model.services]
    file = file.model_copy(update={"model": file.model.model_copy(update={"services": services})})
    document = DocumentController(file)
    editor = open_editor(qtbot, document, "cut")
    form = editor.forms["cut"]
    pick(form.service, "youth")
    assert form.size.maximum() == pytest.approx(60.0)
    assert "statutory floor" in form.limit.text()
    pick(form.by, "amount")
    assert form.size.maximum() == pytest.approx(0.6 * 3_000_000)
    pick(form.service, "care_home")  # demand-led: a cut is an efficiency, up to its cap
    pick(form.by, "percent")
    assert form.size.maximum() == pytest.approx(10.0)
    pick(form.service, "vcs_advice")
    assert form.size.maximum() == 100.0 and "closure" in form.limit.text()


def test_engine_refusal_shown_inline(qtbot, document):
    # Two cuts that together pass the floor: the validator accepts each, the builder refuses.
    scenario = document.file.scenario("youth-cut")
    lever = scenario.levers[0]  # 20 % of youth
    compiled = Project(document.file).compiled
    bigger = lever.model_copy(update={"id": "more", "percent": 90.0})
    problems = lever_problems(document.file.model, scenario, bigger, compiled)
    assert problems and "youth" in problems[0], problems


def test_service_choices_name_the_agency(document):
    choices = dict(service_choices(document.file.model))
    assert len(choices) == len(document.file.model.services)
    assert choices["youth"].endswith("Youth services") or "—" in choices["youth"]


def test_panel_lists_every_lever_and_removes_one(qtbot, document):
    from ui.run_controller import RunController
    from ui.scenario import ScenarioDock

    controller = RunController(document)
    dock = ScenarioDock(document, controller)
    qtbot.addWidget(dock)
    try:
        levers = dock.levers
        ids = [levers.others.item(i).data(Qt.ItemDataRole.UserRole)
               for i in range(levers.others.count())]
        assert ids == [lv.id for lv in document.file.scenario("youth-cut").levers]
        levers.others.setCurrentRow(1)
        assert levers.remove_selected(confirm=False)
        assert [lv.id for lv in document.file.scenario("youth-cut").levers] == ids[:1]
        qtbot.waitUntil(lambda: levers.others.count() == 1)
        document.undo_stack.undo()
        qtbot.waitUntil(lambda: levers.others.count() == 2)
        editor = levers.editor()
        qtbot.addWidget(editor)
        assert editor.windowTitle() == "Add a lever"
    finally:
        controller.shutdown()


def test_description_and_lever_note_edited_in_the_app_are_undoable(qtbot, document):
    from ui.run_controller import RunController
    from ui.scenario import ScenarioDock

    controller = RunController(document)
    dock = ScenarioDock(document, controller)
    qtbot.addWidget(dock)
    try:
        dock.description.setPlainText("Officers' first option")
        dock.description.editingFinished.emit()
        assert document.file.scenario("youth-cut").description == "Officers' first option"
        lever = document.file.scenario("youth-cut").levers[0]
        editor = LeverEditor(document, "youth-cut", lever)
        qtbot.addWidget(editor)
        editor.note.setPlainText("Agreed with the youth service")
        assert editor.apply()
        assert document.file.scenario("youth-cut").levers[0].note == "Agreed with the youth service"
        assert "note: Agreed with the youth service" in dock.levers.others.item(0).text()
        document.undo_stack.undo()
        assert document.file.scenario("youth-cut").levers[0].note is None
        document.undo_stack.undo()
        assert document.file.scenario("youth-cut").description != "Officers' first option"
        qtbot.waitUntil(lambda: dock.description.toPlainText()
                        == (document.file.scenario("youth-cut").description or ""))
    finally:
        controller.shutdown()


def test_delete_key_in_the_lever_list_removes_the_lever_after_asking(make_window, example_file,
                                                                      qtbot, dialog_log):
    window = make_window(example_file, optional_views=True)
    window.show()
    panel = window.views["scenarioDock"].widget().levers
    panel.others.setCurrentRow(0)
    panel.others.setFocus()
    qtbot.waitUntil(lambda: panel.others.hasFocus())
    lever_id = panel.others.currentItem().data(Qt.ItemDataRole.UserRole)
    dialog_log.yes = True
    window.actions.all["remove_rows"].trigger()
    assert dialog_log.questions and lever_id in dialog_log.questions[-1]
    scenario = window.document.file.scenario(window.document.current_scenario_id)
    assert all(lv.id != lever_id for lv in scenario.levers)
    window.document.undo_stack.undo()
    window.document.undo_stack.setClean()
    window.run_controller.shutdown()


def test_a_kind_without_a_form_of_its_own_is_added_as_json(qtbot, document):
    """A newly registered kind (the toy ``trim`` of the core tests) appears in the kind
    list and is edited through the JSON form: bad JSON and the kind's own rules are
    shown, and OK adds exactly the lever its fields state, undoably."""
    import importlib.util
    import sys

    from cutsim.model import lever_kinds

    toy = Path(__file__).resolve().parents[1] / "core" / "fixtures" / "toy_lever_kind" / "trim.py"
    spec = importlib.util.spec_from_file_location("toy_trim_kind", toy)
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    with lever_kinds.registered(module.KIND):
        editor = open_editor(qtbot, document, "trim")
        assert editor.kind.currentText() == "Trim unit cost"
        form = editor.forms["trim"]
        form.fields.setPlainText("{not json")
        assert any("not JSON" in p for p in editor.check())
        form.fields.setPlainText('{"service": "family_hubs", "percent": 80}')
        assert any("percent must be between 0 and 50" in p for p in editor.check())
        form.fields.setPlainText('{"service": "family_hubs", "percent": 12.5}')
        assert editor.check() == []
        editor.lever_id.setText("trim-hubs")
        before = len(document.file.scenario("youth-cut").levers)
        assert editor.apply()
        added = document.file.scenario("youth-cut").levers[-1]
        assert (added.kind, added.service, added.percent) == ("trim", "family_hubs", 12.5)
        assert len(document.file.scenario("youth-cut").levers) == before + 1
        document.undo_stack.undo()
        assert len(document.file.scenario("youth-cut").levers) == before


def test_an_income_lever_is_added_through_its_own_form(qtbot, document):
    """The council tax form builds the lever a file would state; the editor refuses an
    agency without council tax by the kind's own rule, and applies the lever undoably."""
    editor = open_editor(qtbot, document, "council_tax")
    form = editor.forms["council_tax"]
    assert type(form).__name__ == "CouncilTaxForm"
    pick(form.agency, "council")
    form.percent.setValue(1.0)
    form.timing.start_year.setValue(1.0)
    assert editor.check() == []
    assert editor.apply()
    added = document.file.scenario("youth-cut").levers[-1]
    assert (added.kind, added.agency, added.percent, added.start_year) == ("council_tax", "council", 1.0, 1.0)
    document.undo_stack.undo()
    assert document.file.scenario("youth-cut").levers[-1].kind != "council_tax"
    fees = open_editor(qtbot, document, "income")
    income = fees.forms["income"]
    pick(income.agency, "council")
    pick(income.by, "percent")
    income.percent.setValue(10.0)
    pick(income.line, "fees")
    assert fees.check() == []
    lever = fees.lever()
    assert (lever.percent, lever.line, lever.amount) == (10.0, "fees", None)
