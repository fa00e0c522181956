"""Workbooks in the app: open and drop .xlsx, export results, budget books, pickers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QMimeData, QUrl  # noqa: E402
from PySide6.QtWidgets import QDialog  # noqa: E402

from cutsim.files import exchange  # noqa: E402
from cutsim.files.workbook import read_workbook, write_workbook  # noqa: E402
from cutsim.tools import unit_costs  # noqa: E402
from ui.editor.pickers import pick_evidence, pick_unit_cost  # noqa: E402
from ui.files import dropped_paths  # noqa: E402
from ui.reference_pickers import EvidenceDialog, UnitCostDialog  # noqa: E402
from ui.workbook_actions import BudgetDialog  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def test_file_open_reads_a_workbook_and_save_writes_one(window, example_file, tmp_path: Path,
                                                       dialog_log) -> None:
    book = tmp_path / "place.xlsx"
    write_workbook(book, example_file)
    assert window.files.open_path(book, confirmed=True)
    assert window.document.file.model == example_file.model
    out = tmp_path / "saved.xlsx"
    assert window.files.save_to(out)
    assert read_workbook(out).model == example_file.model
    assert dialog_log.errors == []


def test_a_bad_workbook_gets_a_dialog_and_changes_nothing(window, tmp_path: Path, dialog_log) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    before = window.document.file
    assert not window.files.open_path(bad, confirmed=True)
    assert window.document.file is before
    assert "not an .xlsx workbook" in dialog_log.error_text()


def test_a_dropped_workbook_is_accepted(tmp_path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "place.xlsx")),
                  QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    assert dropped_paths(mime) == [tmp_path / "place.xlsx"]


def test_export_results_to_excel(qtbot, make_window, example_file, tmp_path: Path) -> None:
    window = make_window(example_file, optional_views=True)
    qtbot.waitUntil(lambda: window.run_controller.result is not None, timeout=20000)
    path = window.workbooks.export_results_to(tmp_path / "results")
    assert path == tmp_path / "results.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == ["Summary", "Annual money"]
    result = window.run_controller.result
    assert book["Annual money"]["C4"].value == float(result.agency_annual["planned_saving"][0][0])
    assert "Export Results to E&xcel…" in [a.text() for a in window.actions.all.values()]
    window.run_controller.shutdown()


def test_the_unit_cost_picker_fills_a_service_as_one_undoable_step(qtbot, window, monkeypatch) -> None:
    table = window.editor.show_kind("services")
    assert table.select("youth")
    dialog = UnitCostDialog("Youth service", 2024, table)
    qtbot.addWidget(dialog)
    dialog.search.setText("A&E attendance")
    assert dialog.rows[0].id == "HE4.0"
    dialog.select_row(0)
    assert "116.64" in dialog.table.item(0, 3).text()
    assert dialog.table.item(0, 4).text() == f"{116.64 * 100 / 75.15:,.2f}"
    monkeypatch.setattr(dialog, "exec", lambda: QDialog.DialogCode.Accepted)
    before = window.document.file
    assert pick_unit_cost(table, dialog)
    youth = window.document.file.model.service("youth")
    assert youth.unit_cost == 116.64 * unit_costs.uprating_factor(2024)
    assert youth.activity_unit == "incident"
    assert youth.source.startswith("GMCA Unit Cost Database v1.4, HE4.0")
    window.document.undo_stack.undo()
    assert window.document.file.model == before.model


def test_a_year_without_an_index_point_asks_for_one(qtbot) -> None:
    dialog = UnitCostDialog("x", 2021)
    qtbot.addWidget(dialog)
    dialog.search.setText("arrest")
    dialog.select_row(0)
    assert "no deflator index for 2021" in dialog.factor_label.text()
    assert dialog.chosen() is None and dialog.table.item(0, 4).text() == ""
    dialog.index.setValue(90.0)
    assert dialog.chosen() is not None
    assert dialog.fields()["unit_cost"] == dialog.rows[0].cost_gbp * 90.0 / 75.15


def test_the_evidence_picker_shows_null_results_and_sets_the_source(qtbot, window, monkeypatch) -> None:
    table = window.editor.show_kind("effects")
    first = window.document.file.model.effects[0].id
    assert table.select(first)
    dialog = EvidenceDialog(first, table)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 18
    nulls = [dialog.table.item(r, 0).text() for r in range(18)
             if dialog.table.item(r, 3).text() == "null result: no effect found"]
    assert nulls == ["EV08", "EV11", "EV17"]
    dialog.search.setText("EV04")
    dialog.select_row(0)
    monkeypatch.setattr(dialog, "exec", lambda: QDialog.DialogCode.Accepted)
    assert pick_evidence(table, dialog)
    effect = window.document.file.model.effects[0]
    assert effect.source.endswith(")") and "EV04" in effect.source and effect.confidence == 4


def test_the_budget_dialog_shows_before_it_adds(qtbot, window, tmp_path: Path) -> None:
    from support.budget_book_support import MAPPING, make_book

    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    dialog = BudgetDialog(window.document, window)
    qtbot.addWidget(dialog)
    dialog.book.setText(str(make_book(tmp_path / "b.xlsx", total=6_600_000)))
    dialog.mapping.setText(str(tmp_path / "map.toml"))
    assert dialog.read()
    text = dialog.report.toPlainText()
    assert "difference (sheet − mapped) £600,000.00: map the missing rows" in text
    assert "Car parks" in text and "to complete (not guessed)" in text
    assert not dialog.add_button.isEnabled() and not dialog.workbook_button.isEnabled()
    dialog.book.setText(str(make_book(tmp_path / "b2.xlsx", total=6_000_000, complete=True)))
    assert dialog.read()
    assert dialog.add_button.isEnabled()
    before = len(window.document.file.model.services)
    assert dialog.add_services()
    assert len(window.document.file.model.services) == before + 3
    window.document.undo_stack.undo()
    assert len(window.document.file.model.services) == before


def test_the_budget_dialog_writes_a_workbook_to_complete(qtbot, window, tmp_path: Path) -> None:
    from support.budget_book_support import MAPPING, make_book

    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    dialog = BudgetDialog(window.document, window)
    qtbot.addWidget(dialog)
    dialog.book.setText(str(make_book(tmp_path / "b.xlsx", total=6_000_000)))
    dialog.mapping.setText(str(tmp_path / "map.toml"))
    assert dialog.read() and not dialog.add_button.isEnabled() and dialog.workbook_button.isEnabled()
    written = dialog.write_workbook_to(tmp_path / "to-complete")
    with pytest.raises(Exception) as caught:
        read_workbook(written)
    assert "Services!E4 (unit_cost): required, the cell is empty" in str(caught.value)
    assert exchange  # the written model is a workbook, not a .cutsim file
