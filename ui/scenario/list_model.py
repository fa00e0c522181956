"""The scenarios of the open document as a list model (a thin adapter over ``file.scenarios``).

Display: the scenario's name; editing the name applies ``RenameScenario``. The check boxes
mark up to three scenarios shown beside the current one (four side by side).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from cutsim.model.commands import RenameScenario
from cutsim.model.schema import Scenario

if TYPE_CHECKING:
    from ui.document import DocumentController

ID_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_COMPARED = 3  # beside the current scenario: four side by side

_Index = QModelIndex | QPersistentModelIndex


class ScenarioListModel(QAbstractListModel):
    """One row per scenario in ``document.file.scenarios``.

    ``comparisonChanged(object)`` fires with the list of checked scenario ids, in the
    order they were ticked (at most :data:`MAX_COMPARED`).
    """

    comparisonChanged = Signal(object)

    def __init__(self, document: DocumentController, parent: Any = None) -> None:
        super().__init__(parent)
        self.document = document
        self._scenarios: list[Scenario] = list(document.file.scenarios)
        self.comparison_ids: list[str] = []
        document.scenariosChanged.connect(self.refresh)
        document.fileReplaced.connect(self.refresh)

    # ------------------------------------------------------------ reading
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._scenarios)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._scenarios):
            return None
        scenario = self._scenarios[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return scenario.name
        if role == Qt.ItemDataRole.ToolTipRole:
            levers = len(scenario.levers)
            text = f"{scenario.name} (id {scenario.id}, {levers} lever{'s' if levers != 1 else ''})"
            return f"{text}\n{scenario.description}" if scenario.description else text
        if role == Qt.ItemDataRole.CheckStateRole:
            checked = scenario.id in self.comparison_ids
            return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        if role == ID_ROLE:
            return scenario.id
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemNeverHasChildren)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return "Scenario"
        return None

    # ------------------------------------------------------------ writing
    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        scenario = self._scenarios[index.row()]
        if role == Qt.ItemDataRole.EditRole:
            name = str(value).strip()
            if not name or name == scenario.name:
                return False
            return self.document.apply(RenameScenario(scenario.id, name))
        if role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(
                value, bool) else value
            ids = [i for i in self.comparison_ids if i != scenario.id]
            if checked:
                if len(ids) >= MAX_COMPARED:
                    return False  # four side by side at most: untick one first
                ids.append(scenario.id)
            self.set_comparisons(ids)
            return True
        return False

    def set_comparison(self, scenario_id: str | None) -> None:
        """Compare with ``scenario_id`` alone (or with nothing)."""
        self.set_comparisons([scenario_id] if scenario_id else [])

    def set_comparisons(self, scenario_ids: list[str]) -> None:
        """Tick ``scenario_ids`` (at most :data:`MAX_COMPARED`) for comparison."""
        ids = list(dict.fromkeys(scenario_ids))[:MAX_COMPARED]
        if ids == self.comparison_ids:
            return
        self.comparison_ids = ids
        if self._scenarios:
            self.dataChanged.emit(self.index(0), self.index(len(self._scenarios) - 1),
                                  [Qt.ItemDataRole.CheckStateRole])
        self.comparisonChanged.emit(list(ids))

    # ------------------------------------------------------------ helpers
    def scenario_id(self, row: int) -> str | None:
        return self._scenarios[row].id if 0 <= row < len(self._scenarios) else None

    def row_of(self, scenario_id: str | None) -> int:
        for row, scenario in enumerate(self._scenarios):
            if scenario.id == scenario_id:
                return row
        return -1

    def refresh(self) -> None:
        """Follow the document: names and order change in place, additions reset."""
        new = list(self.document.file.scenarios)
        if [s.id for s in new] == [s.id for s in self._scenarios]:
            self._scenarios = new
            if new:
                self.dataChanged.emit(self.index(0), self.index(len(new) - 1))
        else:
            self.beginResetModel()
            self._scenarios = new
            self.endResetModel()
        kept = [i for i in self.comparison_ids if self.row_of(i) >= 0]
        if kept != self.comparison_ids:
            self.set_comparisons(kept)
