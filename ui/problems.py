"""The problems list: every message of the core validator; activate one to go to its cell."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QTreeView,
    QWidget,
)

from cutsim.model.validation import Problem
from ui.document import DocumentController

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Where", "Problem")


class ProblemsModel(QAbstractTableModel):
    """The current document's validation problems, in the validator's order."""

    def __init__(self, document: DocumentController, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self._problems: list[Problem] = list(document.problems())
        document.changed.connect(self.refresh)
        document.fileReplaced.connect(self.refresh)

    def refresh(self) -> None:
        new = list(self.document.problems())
        if new != self._problems:
            self.beginResetModel()
            self._problems = new
            self.endResetModel()

    def problem(self, row: int) -> Problem:
        return self._problems[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._problems):
            return None
        problem = self._problems[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return problem.location or "file" if index.column() == 0 else problem.message
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None


class ProblemsDock(QDockWidget):
    """A dock listing the problems; ``activated(Problem)`` when one is clicked or entered."""

    activated = Signal(object)

    def __init__(self, document: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__("Problems", parent)
        self.model = ProblemsModel(document, self)
        self.view = QTreeView()
        self.view.setObjectName("problemsView")
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setModel(self.model)
        self.view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.view.header().setStretchLastSection(True)
        self.view.setToolTip("What the validator found; click one to go to it")
        self.view.clicked.connect(self._on_activated)
        self.view.activated.connect(self._on_activated)
        self.setWidget(self.view)
        self.model.modelReset.connect(self._update_title)
        self._update_title()

    def _update_title(self) -> None:
        count = self.model.rowCount()
        self.setWindowTitle(f"Problems ({count})" if count else "Problems")

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.activated.emit(self.model.problem(index.row()))
