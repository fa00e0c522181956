"""The choice asked when an imported file clashes with the open model.

A clash is an id in both with different content (``cutsim.workspace.importer``). Nothing
is ever overwritten silently: the user chooses, per clash, keep (the open model's
version), replace (with the file's) or rename (add the file's under a new id).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cutsim.workspace.importer import Clash, Key

CHOICE_LABELS = {
    "keep": "Keep ours",
    "replace": "Replace with theirs",
    "rename": "Add theirs under a new id",
}


class ClashDialog(QDialog):
    """One row per clash: what differs, and a choice (default: keep ours)."""

    def __init__(self, clashes: list[Clash], source: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import {source}: choose for each clash")
        self.clashes = clashes
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{len(clashes)} item(s) in {source} have the same id as an item in the open model "
            "but different content. Choose what to do with each; nothing changes until you "
            "press OK, and the import can be undone.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(clashes), 3, self)
        self.table.setObjectName("clash-table")
        self.table.setHorizontalHeaderLabels(["Item", "What differs (ours → theirs)", "Choice"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.choices: list[QComboBox] = []
        for row, clash in enumerate(clashes):
            name = "place settings" if clash.kind == "place" else f'{clash.kind} "{clash.id}"'
            self.table.setItem(row, 0, QTableWidgetItem(name))
            differs = QTableWidgetItem("; ".join(clash.differences[:3])
                                       + (" …" if len(clash.differences) > 3 else ""))
            differs.setToolTip("\n".join(clash.differences))
            self.table.setItem(row, 1, differs)
            self.table.setCellWidget(row, 2, self._choice_box(clash))
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(820, 360)

    def _choice_box(self, clash: Clash) -> QComboBox:
        box = QComboBox(self.table)
        for choice, label in CHOICE_LABELS.items():
            if choice == "rename" and clash.kind == "place":
                continue  # the place has no id to rename
            box.addItem(label, choice)
        box.setAccessibleName(f"Choice for {clash.kind} {clash.id}")
        self.choices.append(box)
        return box

    def resolutions(self) -> dict[Key, str]:
        return {clash.key: box.currentData() for clash, box in zip(self.clashes, self.choices)}


def choose_resolutions(parent: QWidget | None, clashes: list[Clash], source: str) -> dict[Key, str] | None:
    """Ask the user to resolve ``clashes``; their choices, or None if they cancelled.

    Tests replace this function to answer for the user.
    """
    dialog = ClashDialog(clashes, source, parent)
    return dialog.resolutions() if dialog.exec() == QDialog.DialogCode.Accepted else None
