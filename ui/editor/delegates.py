"""Cell editors: a drop-down for columns whose value is one of a list (kinds, modes, ids)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from cutsim.model.schema import CutsimFile
from ui.editor.columns import Column

Index = QModelIndex | QPersistentModelIndex


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box of the column's choices (e.g. the model's agency ids) for one column."""

    def __init__(self, column: Column, current_file: Callable[[], CutsimFile], parent=None) -> None:
        super().__init__(parent)
        self.column, self.current_file = column, current_file

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        assert self.column.choices is not None
        combo.addItems(self.column.choices(self.current_file()))
        combo.setToolTip(self.column.help)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        value = index.data(Qt.ItemDataRole.EditRole) or ""
        if editor.findText(value) < 0:
            editor.addItem(value)  # keep a dangling value visible, so it can be corrected
        editor.setCurrentText(value)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
