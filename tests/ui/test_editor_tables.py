"""The model editor: edits are undoable commands, problems are flagged inline, models pass Qt's tester."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QLineEdit

from cutsim.model.validation import validate_file
from ui.editor.table_model import ItemTableModel
from ui.problems import ProblemsModel


def _cell(table, item_id: str, field: str):
    row = table.model.row_of(item_id)
    column = next(i for i, c in enumerate(table.model.columns) if c.field == field)
    return table.model.index(row, column)


def test_edit_a_cell_then_undo_and_redo(window, example_file) -> None:
    table = window.editor.show_kind("services")
    service = example_file.model.services[0]
    index = _cell(table, service.id, "unit_cost")
    assert table.model.setData(index, "1,234.5")
    assert window.document.file.model.service(service.id).unit_cost == 1234.5
    assert index.data() == "1,234.50"
    assert window.document.is_dirty and window.isWindowModified()
    assert window.actions.all["undo"].text() == f"&Undo Set service {service.id} unit_cost"

    window.actions.all["undo"].trigger()
    assert window.document.file == example_file
    assert not window.document.is_dirty
    window.actions.all["redo"].trigger()
    assert window.document.file.model.service(service.id).unit_cost == 1234.5


def test_an_edit_through_the_cell_editor_is_one_command(window, qtbot, example_file) -> None:
    table = window.editor.show_kind("outcomes")
    outcome = example_file.model.outcomes[0]
    proxy_index = table.proxy.mapFromSource(_cell(table, outcome.id, "name"))
    table.view.setCurrentIndex(proxy_index)
    table.view.edit(proxy_index)
    editor = table.view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == outcome.name
    editor.selectAll()
    qtbot.keyClicks(editor, "Renamed outcome")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on a queued call
    qtbot.waitUntil(lambda: window.document.file.model.outcome(outcome.id).name == "Renamed outcome")
    assert window.document.undo_stack.count() == 1


def test_a_negative_cost_is_held_and_flagged_with_the_validators_message(window, example_file) -> None:
    table = window.editor.show_kind("services")
    service = example_file.model.services[2]
    index = _cell(table, service.id, "unit_cost")
    assert table.model.setData(index, "-5")

    expected = 'unit_cost must be > 0 (got -5)'
    problems = [str(p) for p in window.document.problems()]
    assert f'services[2] "{service.id}": {expected}' in problems
    assert isinstance(index.data(Qt.ItemDataRole.BackgroundRole), QBrush)
    assert expected in index.data(Qt.ItemDataRole.ToolTipRole)
    assert index.data(Qt.ItemDataRole.DecorationRole) is not None
    # the neighbouring cell is not flagged
    assert _cell(table, service.id, "name").data(Qt.ItemDataRole.BackgroundRole) is None
    # the problems list shows it, and the status bar says the engine will not run
    assert window.problems_dock.model.rowCount() == 1
    assert "engine will not run" in window._status.text()
    # undo clears the flag
    window.document.undo_stack.undo()
    assert index.data(Qt.ItemDataRole.BackgroundRole) is None
    assert window.document.problems() == []


def test_text_in_a_number_is_refused_with_a_clear_message(window, example_file) -> None:
    table = window.editor.show_kind("services")
    service = example_file.model.services[0]
    assert not table.model.setData(_cell(table, service.id, "baseline_spend"), "a lot")
    assert window.document.file == example_file
    assert window.document.undo_stack.count() == 0
    assert "baseline_spend must be a number (got 'a lot')" in window.statusBar().currentMessage()


def test_clicking_a_problem_goes_to_its_cell(window, example_file) -> None:
    table = window.editor.show_kind("effects")
    effect = example_file.model.effects[3]
    table.model.setData(_cell(table, effect.id, "confidence"), "9")
    window.editor.setCurrentIndex(0)
    problems = window.problems_dock
    assert problems.model.rowCount() == 1
    problems.view.clicked.emit(problems.model.index(0, 1))
    assert window.editor.current_table() is table
    current = table.proxy.mapToSource(table.view.currentIndex())
    assert current.row() == 3 and table.model.columns[current.column()].field == "confidence"


def test_renaming_an_id_keeps_links_connected(window, example_file) -> None:
    table = window.editor.show_kind("services")
    old = example_file.model.effects[0].service
    assert table.model.setData(_cell(table, old, "id"), "renamed-service")
    file = window.document.file
    assert file.model.effects[0].service == "renamed-service"
    assert validate_file(file) == []


def test_add_and_remove_rows(window, example_file) -> None:
    table = window.editor.show_kind("outcomes")
    before = len(example_file.model.outcomes)
    assert table.add_row()
    assert len(window.document.file.model.outcomes) == before + 1
    new_id = table.selected_ids()[0]
    assert new_id.startswith("outcome-")
    assert table.remove_selected()
    assert window.document.file.model.outcomes == example_file.model.outcomes


def test_removing_a_linked_service_is_refused_naming_the_links(window, dialog_log, example_file) -> None:
    table = window.editor.show_kind("services")
    used = example_file.model.effects[0].service
    table.select(used)
    assert not table.remove_selected()
    assert window.document.file == example_file
    assert f'service "{used}" cannot be removed' in dialog_log.error_text()
    assert 'effects[0]' in dialog_log.error_text()


def test_search_and_agency_filter(window, example_file) -> None:
    table = window.editor.show_kind("services")
    total = len(example_file.model.services)
    assert table.proxy.rowCount() == total
    target = example_file.model.services[5]
    table.search.setText(target.name)
    assert 1 <= table.proxy.rowCount() < total
    table.search.clear()
    agency = example_file.model.agencies[1].id
    table.agency_filter.setCurrentText(agency)
    shown = {table.model.item(table.proxy.mapToSource(table.proxy.index(r, 0)).row()).agency
             for r in range(table.proxy.rowCount())}
    assert shown == {agency}


def test_link_tooltips_show_source_and_confidence(window, example_file) -> None:
    table = window.editor.show_kind("effects")
    effect = example_file.model.effects[0]
    tip = _cell(table, effect.id, "per_unit").data(Qt.ItemDataRole.ToolTipRole)
    assert effect.source in tip and f"Confidence: {effect.confidence}/5" in tip


def test_check_boxes_edit_booleans(window, example_file) -> None:
    table = window.editor.show_kind("services")
    service = example_file.model.services[0]
    index = _cell(table, service.id, "confidential")
    assert table.model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert window.document.file.model.service(service.id).confidential is True


def test_place_form_edits_are_undoable_and_refuse_text(window, example_file) -> None:
    form = window.editor.place_form
    edit = form.edits["discount_rate"]
    edit.setText("0.05")
    edit.editingFinished.emit()
    assert window.document.file.model.place.discount_rate == 0.05
    edit.setText("high")
    edit.editingFinished.emit()
    assert window.document.file.model.place.discount_rate == 0.05
    assert "discount_rate must be a number" in window.statusBar().currentMessage()
    window.document.undo_stack.undo()
    assert window.document.file == example_file
    assert edit.text() == "0.035"


@pytest.mark.parametrize("kind", ["agencies", "services", "outcomes", "effects", "demands"])
def test_every_table_model_passes_qts_model_tester(window, qtmodeltester, kind) -> None:
    table = window.editor.tables[kind]
    qtmodeltester.check(table.model)
    qtmodeltester.check(table.proxy)


def test_table_models_stay_consistent_through_edits(window, qtmodeltester, example_file) -> None:
    model = ItemTableModel(window.document, "services")
    qtmodeltester.check(model)  # the tester keeps watching the model from here on
    table = window.editor.show_kind("services")
    table.add_row()
    table.model.setData(_cell(table, example_file.model.services[0].id, "unit_cost"), "-1")
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert model.rowCount() == len(example_file.model.services)


def test_problems_model_passes_qts_model_tester(window, qtmodeltester, example_file) -> None:
    table = window.editor.show_kind("services")
    table.model.setData(_cell(table, example_file.model.services[0].id, "unit_cost"), "-1")
    model = ProblemsModel(window.document)
    qtmodeltester.check(model)
    assert model.rowCount() == 1


def test_place_form_sets_the_discount_schedule_and_terminal_years(window, example_file) -> None:
    form = window.editor.place_form
    schedule, terminal = form.edits["discount_schedule"], form.edits["terminal_years"]
    assert schedule.text() == "" and terminal.text() == ""  # Green Book, no terminal value
    schedule.setText("flat")
    schedule.editingFinished.emit()
    terminal.setText("20")
    terminal.editingFinished.emit()
    place = window.document.file.model.place
    assert place.discount_schedule == "flat" and place.terminal_years == 20
    schedule.setText("annual")
    schedule.editingFinished.emit()
    assert "#ffcdcd" in schedule.styleSheet()  # the validator's problem is shown on the field
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.document.file == example_file
