"""The scenario dock: scenarios (new, duplicate, rename, delete, compare) and lever sliders."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.commands import (
    AddScenario,
    DuplicateScenario,
    RemoveScenario,
    RenameScenario,
    ReplaceScenario,
)
from cutsim.model.schema import Scenario
from ui.scenario.levers import LeverPanel
from ui.scenario.list_model import ScenarioListModel

if TYPE_CHECKING:
    from ui.document import DocumentController
    from ui.run_controller import RunController

_SLUG_BAD = re.compile(r"[^a-z0-9_-]+")


def new_scenario_id(name: str, taken: set[str]) -> str:
    """A fresh slug id from ``name`` (``"Option B"`` → ``option-b``), unique among ``taken``."""
    base = _SLUG_BAD.sub("-", name.lower()).strip("-")[:56] or "scenario"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class DescriptionEdit(QPlainTextEdit):
    """A text box that says when its editing is finished (focus leaves it)."""

    editingFinished = Signal()

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.editingFinished.emit()


class ScenarioDock(QWidget):
    """The scenario panel docked on the left of the main window.

    Selecting a scenario makes it current; its check box marks the comparison scenario
    (told to the run controller, which runs it beside the current one).
    """

    def __init__(self, document: DocumentController, run_controller: RunController | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioPanel")
        self.document = document
        self.run_controller = run_controller
        self.model = ScenarioListModel(document, self)
        self.list = QListView(self)
        self.list.setObjectName("scenario-list")
        self.list.setModel(self.model)
        self.list.setEditTriggers(QListView.EditTrigger.EditKeyPressed
                                  | QListView.EditTrigger.DoubleClicked)
        self.list.setToolTip("Click to look at a scenario; tick one to compare it with the "
                             "current one; double-click to rename")
        self.levers = LeverPanel(document, run_controller, self)

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(QLabel("Scenarios (tick up to three to compare)", top))
        top_layout.addWidget(self.list, 1)
        top_layout.addLayout(self._buttons())
        self.description = DescriptionEdit(top)
        self.description.setObjectName("scenario-description")
        self.description.setPlaceholderText("Description of this scenario: what it is for, "
                                            "what it assumes (shown in minutes, prints and "
                                            "the publication)")
        self.description.setMaximumHeight(64)
        self.description.editingFinished.connect(self.set_description)
        top_layout.addWidget(self.description)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(self.levers)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        self.list.selectionModel().currentChanged.connect(self._row_chosen)
        self.model.modelReset.connect(self._show_current)
        self.model.comparisonChanged.connect(self._comparison_chosen)
        document.currentScenarioChanged.connect(self._show_current)
        document.scenariosChanged.connect(self._show_description)
        self._show_current()

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for text, tip, slot in (
            ("New", "Add an empty scenario", self.new_scenario),
            ("Duplicate", "Copy the current scenario", self.duplicate_current),
            ("Rename", "Rename the current scenario", self.rename_current),
            ("Delete", "Delete the current scenario", self.delete_current),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"scenario-{text.lower()}")
            button.clicked.connect(lambda _checked=False, run=slot: run())
            row.addWidget(button)
        row.addStretch(1)
        return row

    # ------------------------------------------------------------ selection
    def _row_chosen(self, current: Any, _previous: Any = None) -> None:
        sid = self.model.scenario_id(current.row()) if current.isValid() else None
        if sid is not None and sid != self.document.current_scenario_id:
            self.document.set_current_scenario(sid)

    def _show_current(self, *_: object) -> None:
        row = self.model.row_of(self.document.current_scenario_id)
        if row >= 0 and self.list.currentIndex().row() != row:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._show_description()

    def _show_description(self) -> None:
        current = self._current()
        text = (current.description or "") if current is not None else ""
        self.description.setEnabled(current is not None)
        if self.description.toPlainText() != text:
            self.description.blockSignals(True)
            self.description.setPlainText(text)
            self.description.blockSignals(False)

    def set_description(self, text: str | None = None) -> bool:
        """Set the current scenario's description (one undoable edit); "" clears it."""
        current = self._current()
        if current is None:
            return False
        text = (self.description.toPlainText() if text is None else text).strip()
        if text == (current.description or ""):
            return False
        return self.document.apply(ReplaceScenario(
            current.model_copy(update={"description": text or None})))

    def _comparison_chosen(self, scenario_ids: list[str]) -> None:
        if self.run_controller is not None:
            self.run_controller.set_comparisons(scenario_ids)

    # ------------------------------------------------------------ commands
    def _taken(self) -> set[str]:
        return {s.id for s in self.document.file.scenarios}

    def new_scenario(self, name: str | None = None) -> str | None:
        name = name or f"Option {len(self.document.file.scenarios) + 1}"
        sid = new_scenario_id(name, self._taken())
        if self.document.apply(AddScenario(Scenario(id=sid, name=name))):
            self.document.set_current_scenario(sid)
            return sid
        return None

    def duplicate_current(self, name: str | None = None) -> str | None:
        current = self._current()
        if current is None:
            return None
        name = name or f"{current.name} (copy)"
        sid = new_scenario_id(name, self._taken())
        if self.document.apply(DuplicateScenario(current.id, sid, name)):
            self.document.set_current_scenario(sid)
            return sid
        return None

    def rename_current(self, name: str | None = None) -> bool:
        current = self._current()
        if current is None:
            return False
        if name is None:
            name, ok = QInputDialog.getText(self, "Rename scenario", "Name:", text=current.name)
            if not ok:
                return False
        name = name.strip()
        return bool(name) and self.document.apply(RenameScenario(current.id, name))

    def delete_current(self, confirm: bool = True) -> bool:
        current = self._current()
        if current is None:
            return False
        if confirm:
            answer = QMessageBox.question(
                self, "Delete scenario",
                f'Delete "{current.name}"? (Edit → Undo brings it back.)')
            if answer != QMessageBox.StandardButton.Yes:
                return False
        return self.document.apply(RemoveScenario(current.id))

    def _current(self) -> Scenario | None:
        sid = self.document.current_scenario_id
        return next((s for s in self.document.file.scenarios if s.id == sid), None)
