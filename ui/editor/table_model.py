"""A thin Qt table model over one list of the place model (agencies, services, …).

Rows are the core objects in ``document.file.model.<kind>``; columns are fields
(:mod:`ui.editor.columns`). The model holds no copy of the data: it reads the current
document on every call, and every edit becomes a core ``SetItemField`` command applied
through the document controller, so it is undoable and every other view sees it.
Cells the validator complains about get a red background, a warning icon and the
validator's message as their tooltip.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from cutsim.model.commands import ItemKind, SetItemField
from ui.document import DocumentController
from ui.editor.columns import COLUMNS, CONFIDENCE_WORDS, Column, ParseError
from ui.editor.locations import ProblemIndex

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # raw value, for sorting numbers as numbers
FIELD_ROLE = Qt.ItemDataRole.UserRole + 2  # the column's field name
PROBLEM_BACKGROUND = QColor(255, 205, 205)
PROBLEM_FOREGROUND = QColor(120, 0, 0)


class ItemTableModel(QAbstractTableModel):
    """Editable table of one kind of model item."""

    def __init__(self, document: DocumentController, kind: ItemKind,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.kind = document, kind
        self.columns: list[Column] = COLUMNS[kind]
        self._items = list(getattr(document.file.model, kind))
        self._index: ProblemIndex | None = None
        self._warning_icon: QIcon | None = None
        document.modelChanged.connect(self._on_model_changed)
        document.fileReplaced.connect(self._reset)

    # --- reading -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def item(self, row: int) -> Any:
        return self._items[row]

    def problems(self) -> ProblemIndex:
        if self._index is None:
            self._index = ProblemIndex(self.document.problems())
        return self._index

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        column = self.columns[index.column()]
        value = getattr(self._items[index.row()], column.field)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(value)
        if role == Qt.ItemDataRole.EditRole:
            return column.edit_text(value)
        if role == Qt.ItemDataRole.CheckStateRole and column.kind == "bool":
            return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(index.row(), column, value)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole,
                    Qt.ItemDataRole.DecorationRole):
            return self._problem_style(index.row(), column, role)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.is_numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SORT_ROLE:
            return _sort_key(value)
        if role == FIELD_ROLE:
            return column.field
        return None

    def _problem_style(self, row: int, column: Column, role: int) -> Any:
        if not self.problems().cell(self.kind, row, column.field):
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(PROBLEM_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(PROBLEM_FOREGROUND)
        if self._warning_icon is None:
            self._warning_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._warning_icon

    def _tooltip(self, row: int, column: Column, value: Any) -> str:
        lines = [str(p.message) for p in self.problems().cell(self.kind, row, column.field)]
        if not lines and column.help:
            lines.append(column.help)
        if self.kind in ("effects", "demands"):
            lines.append(_link_summary(self._items[row]))
        elif column.field in ("name", "id") and getattr(self._items[row], "source", None):
            lines.append(f"Source: {self._items[row].source}")
        return "\n".join(line for line in lines if line)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.header
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{column.field}: {column.help}" if column.help else column.field
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.columns[index.column()].kind == "bool":
            return flags | Qt.ItemFlag.ItemIsUserCheckable
        return flags | Qt.ItemFlag.ItemIsEditable

    # --- editing -------------------------------------------------------------------

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Edit a cell through an undoable command; refused text leaves the document alone."""
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return False
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.CheckStateRole and column.kind == "bool":
            value = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        elif role != Qt.ItemDataRole.EditRole:
            return False
        try:
            parsed = column.parse(value)
        except ParseError as exc:
            item_id = self._items[index.row()].id
            self.document.report_refusal(f'{self.kind}[{index.row()}] "{item_id}": {exc}')
            return False
        item = self._items[index.row()]
        if parsed == getattr(item, column.field) and type(parsed) is type(getattr(item, column.field)):
            return True  # nothing changed: no empty undo step
        return self.document.apply(SetItemField(self.kind, item.id, column.field, parsed))

    # --- following the document ----------------------------------------------------

    def _on_model_changed(self) -> None:
        new_items = list(getattr(self.document.file.model, self.kind))
        self._index = None
        if len(new_items) != len(self._items):
            self._reset()
            return
        # Same rows: repaint (problems may have moved anywhere in the table after any edit).
        self._items = new_items
        if new_items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(new_items) - 1, len(self.columns) - 1))

    def _reset(self) -> None:
        self.beginResetModel()
        self._items = list(getattr(self.document.file.model, self.kind))
        self._index = None
        self.endResetModel()

    def row_of(self, item_id: str) -> int | None:
        for row, item in enumerate(self._items):
            if item.id == item_id:
                return row
        return None


def _sort_key(value: Any) -> Any:
    if value is None:
        return -math.inf
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value).lower()
    return str(value).lower()


def _link_summary(link: Any) -> str:
    """Source, confidence and range of an effect or demand link, for its tooltip."""
    words = CONFIDENCE_WORDS.get(link.confidence, "?")
    parts = [f"Source: {link.source or '—'}",
             f"Confidence: {link.confidence}/5 ({words})",
             f"Range: {link.low:.6g} to {link.high:.6g} (central {link.per_unit:.6g})"]
    if hasattr(link, "delay_years"):
        parts.append(f"Delay: {link.delay_years:.6g} years, order {link.delay_order}")
    if getattr(link, "illustrative", False):
        parts.append("Illustrative: stands in for unknown local data")
    return "\n".join(parts)
