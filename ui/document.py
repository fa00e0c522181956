"""The open document: the current ``.cutsim`` file, its undo history and its signals.

Every view reads ``document.file`` and changes it only through :meth:`DocumentController.apply`
with a core :class:`~cutsim.model.commands.Command`, so every edit is undoable and every view
hears about it through the same signals. The undo stack is a ``QUndoStack`` (for Edit →
Undo/Redo texts, the clean state and the undo view) whose entries wrap core commands.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from cutsim.model.commands import Command, SetLever, SetPlaceField
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.model.validation import Problem, validate_file
from cutsim.workspace.detect import is_workspace

log = logging.getLogger(__name__)

# QUndoStack merges consecutive commands with the same id(); -1 never merges. Table edits
# are deliberately not merged: two edits of one cell are two steps, as in a spreadsheet.
_MERGE_IDS: dict[type[Command], int] = {SetLever: 1, SetPlaceField: 2}
MERGE_WINDOW_S = 1.5  # moves of one slider further apart than this are separate undo steps


class _UndoEntry(QUndoCommand):
    """A core command on the Qt undo stack: redo() applies it, undo() reverts it."""

    def __init__(self, controller: DocumentController, command: Command) -> None:
        super().__init__(command.description)
        self.controller, self.command = controller, command
        self._already_applied = True  # apply() ran it before push, to catch refusals
        self._last_merge = time.monotonic()

    def redo(self) -> None:
        if self._already_applied:
            self._already_applied = False
            return
        self.controller._set_file(self.command.apply(self.controller.file))

    def undo(self) -> None:
        self.controller._set_file(self.command.revert(self.controller.file))

    def id(self) -> int:
        return _MERGE_IDS.get(type(self.command), -1)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _UndoEntry):
            return False
        now = time.monotonic()
        if now - self._last_merge > MERGE_WINDOW_S:
            return False
        if not self.command.merge_with(other.command):
            return False
        self._last_merge = now
        self.setText(self.command.description)
        return True


class DocumentController(QObject):
    """The current file, where it lives, its undo stack and the current scenario.

    Signals:
        fileReplaced(): a different document was opened, created or recovered.
        modelChanged(): the place model changed (an edit, undo or redo).
        scenariosChanged(): the list of scenarios or a scenario's levers changed.
        currentScenarioChanged(str): the scenario being looked at ("" when none).
        dirtyChanged(bool): True when there are unsaved changes.
        pathChanged(): the file was saved under a new name or a different file opened.
        commandRefused(str): an edit was refused; the message says why.
        changed(): anything in the document changed (after the specific signals).
    """

    fileReplaced = Signal()
    modelChanged = Signal()
    scenariosChanged = Signal()
    currentScenarioChanged = Signal(str)
    dirtyChanged = Signal(bool)
    pathChanged = Signal()
    commandRefused = Signal(str)
    changed = Signal()

    def __init__(self, file: CutsimFile, path: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._file = file
        self._path = path
        self._problems: list[Problem] | None = None
        self._current_scenario_id: str | None = self._first_scenario(file)
        self.undo_stack = QUndoStack(self)
        # A bound slot (not a lambda): Qt drops it when this object goes, before the stack.
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    # --- state ---------------------------------------------------------------------

    @property
    def file(self) -> CutsimFile:
        """The current document (treat as read-only; change it with :meth:`apply`)."""
        return self._file

    @property
    def path(self) -> Path | None:
        """Where the document is saved: a ``.cutsim`` file or a workspace; None if never saved."""
        return self._path

    @property
    def is_workspace(self) -> bool:
        """Whether the document is kept in a workspace (told by the workspace package's
        one test, not by the name: an opened workbook is not a workspace)."""
        return self._path is not None and is_workspace(self._path)

    @property
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def current_scenario_id(self) -> str | None:
        return self._current_scenario_id

    def set_current_scenario(self, scenario_id: str | None) -> None:
        """Look at another scenario (not an edit: not undoable, does not dirty the file)."""
        if scenario_id is not None and all(s.id != scenario_id for s in self._file.scenarios):
            raise KeyError(f'no scenario with id "{scenario_id}"')
        if scenario_id != self._current_scenario_id:
            self._current_scenario_id = scenario_id
            self.currentScenarioChanged.emit(scenario_id or "")

    def problems(self) -> list[Problem]:
        """Every validation problem of the current document (empty: the engine may run)."""
        if self._problems is None:
            try:
                self._problems = validate_file(self._file)
            except Exception:  # a validator bug must not take the editor down with it
                log.exception("validator failed")
                self._problems = [Problem("", "the model could not be checked (see the log file)")]
        return self._problems

    # --- edits ---------------------------------------------------------------------

    def apply(self, command: Command) -> bool:
        """Apply an edit as one undoable step; False (and ``commandRefused``) if refused.

        A refused command (a wrong type, a duplicate id, removing something in use)
        leaves the document exactly as it was.
        """
        try:
            new_file = command.apply(self._file)
        except InputError as exc:
            log.info("edit refused: %s", exc)
            self.commandRefused.emit(str(exc))
            return False
        self._set_file(new_file)
        self.undo_stack.push(_UndoEntry(self, command))
        return True

    def report_refusal(self, message: str) -> None:
        """Tell the user an edit was refused before it became a command (e.g. text in a number)."""
        log.info("edit refused: %s", message)
        self.commandRefused.emit(message)

    def replace_file(self, file: CutsimFile, path: Path | None, *, dirty: bool = False) -> None:
        """Show another document (opened, new or recovered): a fresh undo history."""
        self.undo_stack.clear()
        self._file, self._path, self._problems = file, path, None
        self._current_scenario_id = self._first_scenario(file)
        if dirty:
            # A recovered document has changes nobody saved: mark it so without an undo step.
            self.undo_stack.resetClean()
        self.fileReplaced.emit()
        self.modelChanged.emit()
        self.scenariosChanged.emit()
        self.currentScenarioChanged.emit(self._current_scenario_id or "")
        self.pathChanged.emit()
        self.dirtyChanged.emit(self.is_dirty)
        self.changed.emit()

    def mark_saved(self, path: Path) -> None:
        """The document was written to ``path``: it is now clean."""
        moved = path != self._path
        self._path = path
        self.undo_stack.setClean()
        if moved:
            self.pathChanged.emit()

    # --- internals -----------------------------------------------------------------

    @Slot(bool)
    def _on_clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(not clean)

    def _set_file(self, new_file: CutsimFile) -> None:
        old, self._file, self._problems = self._file, new_file, None
        if new_file.model is not old.model:
            self.modelChanged.emit()
        if new_file.scenarios is not old.scenarios:
            if all(s.id != self._current_scenario_id for s in new_file.scenarios):
                self._current_scenario_id = self._first_scenario(new_file)
                self.currentScenarioChanged.emit(self._current_scenario_id or "")
            self.scenariosChanged.emit()
        self.changed.emit()

    @staticmethod
    def _first_scenario(file: CutsimFile) -> str | None:
        return file.scenarios[0].id if file.scenarios else None

