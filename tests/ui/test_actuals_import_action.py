"""File → Import Actuals…: located problems in one message and nothing imported, or one
undoable edit (issue 35)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog

HEADER = "kind,id,year,value,source\n"


def _csv(tmp_path: Path, body: str, name: str = "outturn.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_the_file_menu_has_import_actuals_with_a_shortcut(window) -> None:
    action = window.actions.all["import_actuals"]
    assert action.text() == "Import Ac&tuals…"
    assert action.shortcut() == QKeySequence("Ctrl+Shift+I")
    shortcuts = [a.shortcut() for n, a in window.actions.all.items()
                 if n != "import_actuals" and not a.shortcut().isEmpty()]
    assert action.shortcut() not in shortcuts  # free before it was taken


def test_a_good_csv_is_one_undoable_edit(window, tmp_path: Path, monkeypatch, dialog_log) -> None:
    document = window.document
    before = document.file.actuals
    path = _csv(tmp_path, "spend,youth,2028-29,\"£2,300,000\",RO outturn\n"
                          "outcome,youth_offending,2028-29,230.5,YJB\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.actions.all["import_actuals"].trigger()
    after = document.file.actuals.observations
    assert len(after) == len(before.observations) + 2
    assert (after[-2].kind, after[-2].id, after[-2].year, after[-2].value) == (
        "spend", "youth", "2028-29", 2_300_000.0)
    assert after[-1].value == 230.5 and after[-1].source == "YJB"
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Import actuals from outturn.csv"
    assert not dialog_log.errors
    document.undo_stack.undo()
    assert document.file.actuals == before


def test_a_hostile_csv_names_every_row_in_one_message_and_imports_nothing(
        window, tmp_path: Path, dialog_log) -> None:
    document = window.document
    before = document.file
    path = _csv(tmp_path, "spend,nope,2027-28,1,RO\n"           # row 2: no such service
                          "outcome,youth_offending,2050-51,2,YJB\n"  # row 3: outside the horizon
                          "outcome,youth_offending,2029-30,NaN,YJB\n"  # row 4: not finite
                          "spend,youth,2029-30,5,RO\n"
                          "spend,youth,2029-30,6,RO\n",          # row 6: a duplicate of row 5
                "bad.csv")
    assert not window.actuals_import.import_from(path)
    assert len(dialog_log.errors) == 1  # one message
    message = dialog_log.errors[0][1]
    assert "nothing was imported" in message
    for row in ("bad.csv row 2", "bad.csv row 3", "bad.csv row 4", "bad.csv row 6"):
        assert row in message
    assert document.file is before and document.undo_stack.count() == 0


def test_a_workbook_is_read_through_the_core(window, tmp_path: Path, dialog_log) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Actuals"
    sheet.append(["kind", "id", "year", "value", "source", "date"])
    sheet.append(["spend", "early_help", "2028-29", 7_000_000, "RO outturn", "2029-07-15"])
    path = tmp_path / "outturn.xlsx"
    book.save(path)
    assert window.actuals_import.import_from(path)
    last = window.document.file.actuals.observations[-1]
    assert (last.id, last.value, last.date) == ("early_help", 7_000_000.0, "2029-07-15")
    assert window.document.undo_stack.count() == 1 and not dialog_log.errors


def test_different_figures_for_held_rows_are_replaced_only_when_the_user_says_so(
        window, tmp_path: Path, dialog_log) -> None:
    document = window.document
    before = document.file
    path = _csv(tmp_path, "spend,youth,2026-27,2500000,RO outturn (revised)\n")
    dialog_log.yes = False
    assert not window.actuals_import.import_from(path)
    assert "held already" in dialog_log.questions[-1]
    assert "--replace" not in dialog_log.questions[-1]
    assert document.file is before and document.undo_stack.count() == 0
    dialog_log.yes = True
    assert window.actuals_import.import_from(path)
    held = [o for o in document.file.actuals.observations
            if (o.kind, o.id, o.year) == ("spend", "youth", "2026-27")]
    assert [o.value for o in held] == [2_500_000.0]
    assert len(document.file.actuals.observations) == len(before.actuals.observations)
    assert document.undo_stack.count() == 1


def test_a_missing_file_is_one_clear_message(window, tmp_path: Path, dialog_log) -> None:
    assert not window.actuals_import.import_from(tmp_path / "gone.csv")
    assert len(dialog_log.errors) == 1 and "gone.csv" in dialog_log.errors[0][1]
    assert window.document.undo_stack.count() == 0
