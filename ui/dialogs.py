"""Message boxes, in one place: tests replace these functions to capture what users see."""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget


class Choice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> None:
    """A modal error with the core's message (and optional details behind a button)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()


def show_info(parent: QWidget | None, title: str, message: str) -> None:
    QMessageBox.information(parent, title, message)


def ask_save_changes(parent: QWidget | None, name: str) -> Choice:
    """Save, discard or cancel before the current document is closed."""
    answer = QMessageBox.question(
        parent, "Unsaved changes",
        f"“{name}” has changes that are not saved.\nSave them before closing it?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save,
    )
    return {QMessageBox.StandardButton.Save: Choice.SAVE,
            QMessageBox.StandardButton.Discard: Choice.DISCARD}.get(answer, Choice.CANCEL)


def ask_yes_no(parent: QWidget | None, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes
