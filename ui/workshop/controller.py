"""The workshop's Qt adapter: the core session, the open document and the engine.

Every change goes through the document (:meth:`DocumentController.apply`, so Edit → Undo
sees it too) and is logged in the session's decision log. Every number the views show
comes from :func:`cutsim.workshop.run_packages` and :func:`cutsim.workshop.summarise_all`:
this module only decides *when* to run and carries the summaries to the views.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from cutsim.api import Project
from cutsim.appraise.result import Result
from cutsim.files.exchange import write_file
from cutsim.model.commands import AddScenario
from cutsim.model.errors import CutsimError, InputError
from cutsim.model.schema import RedLine
from cutsim.workshop import (
    Decision,
    LeverState,
    MemoryLog,
    PackageSummary,
    WorkshopSession,
    describe_lever,
    open_log,
    run_packages,
    save_log_to_workspace,
    summarise_all,
)
from cutsim.workshop import minutes as minutes_mod
from ui.document import DocumentController

if TYPE_CHECKING:
    from cutsim.model.commands import Command
    from cutsim.model.schema import CutsimFile
    from ui.run_controller import RunController

log = logging.getLogger(__name__)

RESIZE_LOG_DELAY_MS = 1500  # spin-box steps closer together than this are one logged change


def optimiser_available() -> bool:
    """True when the core has the optimiser (it proposes packages within red lines)."""
    return importlib.util.find_spec("cutsim.appraise.optimise") is not None


class WorkshopController(QObject):
    """One workshop on ``document``. Signals:

    - ``updated()``: packages were re-run; ``summaries`` and ``error`` are current.
    - ``currentChanged(int)``: another package is shown.
    - ``logged(object)``: a :class:`~cutsim.workshop.Decision` was written to the log.
    - ``message(str)``: something to tell the room (a refused change, an infeasible target).
    """

    updated = Signal()
    currentChanged = Signal(int)
    logged = Signal(object)
    message = Signal(str)

    def __init__(self, document: DocumentController, run_controller: RunController | None = None,
                 scenario_ids: list[str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.run_controller = run_controller
        file = document.file
        self.session = WorkshopSession(file, scenario_ids,
                                       log=self._open_log())
        self.summaries: dict[str, PackageSummary] = {}
        self.results: dict[str, Result] = {}
        self.error: str | None = None
        self._project: Project | None = None
        self._pending_resize: tuple[str, str, str, str] | None = None  # label, lever, before, after
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(RESIZE_LOG_DELAY_MS)
        self._resize_timer.timeout.connect(self.flush)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)  # coalesce a burst of document signals into one run
        self._refresh_timer.timeout.connect(self.refresh)
        document.changed.connect(self._on_document_changed)
        document.commandRefused.connect(self.message)
        # Undo, redo or edits made outside the presenter's controls (the main window's
        # Edit menu, Ctrl+Z) still change the packages: they are logged too.
        stack = document.undo_stack
        self._own_stack_change = False
        self._stack_index, self._stack_count = stack.index(), stack.count()
        stack.indexChanged.connect(self._on_stack_index)
        self._follow_current()
        self.refresh()

    def _open_log(self) -> Any:
        try:
            return open_log(self.document.file, self.document.path, self.document.is_workspace)
        except CutsimError as exc:  # an invalid model cannot go into a sidecar: keep it in memory
            log.info("decision log kept in memory: %s", exc)
            return MemoryLog()

    # --- state for the views -----------------------------------------------------

    @property
    def file(self) -> Any:
        return self.document.file

    def current_summary(self) -> PackageSummary | None:
        return self.summaries.get(self.session.package().label)

    def shown_summaries(self) -> list[PackageSummary]:
        """Up to four packages side by side (the current one among them)."""
        return [self.summaries[p.label] for p in self.session.shown() if p.label in self.summaries]

    def levers(self) -> list[LeverState]:
        try:
            return self.session.levers(self.file)
        except InputError:
            return []

    def entries(self) -> list[Decision]:
        return self.session.log.entries()

    @property
    def log_in_memory(self) -> bool:
        return self.session.log.where is None

    def discard_empty_log(self) -> bool:
        """At the meeting's end: remove a sidecar log made for it that holds no decision."""
        discard = getattr(self.session.log, "discard_if_empty", None)
        return bool(discard()) if discard is not None else False

    # --- running -------------------------------------------------------------------

    @Slot()
    def _on_document_changed(self) -> None:
        self.session.observe(self.file)
        self._refresh_timer.start()

    def _project_for(self, file: CutsimFile) -> Project:
        """A project compiled for the document's model (the run controller's when it is)."""
        shared = getattr(self.run_controller, "project", None)
        if shared is not None and shared.model is file.model:
            return shared
        if self._project is None or self._project.model is not file.model:
            self._project = Project(file)
        return self._project

    @Slot()
    def refresh(self) -> None:
        """Re-run every package now and tell the views."""
        self._refresh_timer.stop()
        file = self.file
        problems = self.document.problems()
        try:
            if problems:
                raise InputError("The model has problems to fix before it can run: "
                                 + "; ".join(str(p) for p in problems[:3]))
            self.results = run_packages(self.session, file, self._project_for(file))
            self.summaries = summarise_all(self.session, file, self.results)
            self.error = None
        except CutsimError as exc:
            self.results, self.summaries, self.error = {}, {}, str(exc)
        except Exception as exc:  # noqa: BLE001 - the room sees a sentence, the log the trace
            log.exception("workshop run failed")
            self.results, self.summaries = {}, {}
            self.error = f"The engine could not run the packages ({type(exc).__name__}: {exc})"
        self.updated.emit()

    # --- the log -------------------------------------------------------------------

    def record(self, change: str, note: str | None = None, key: Any = None) -> Decision | None:
        """Write one entry (after any pending size change, so the log stays in order)."""
        self.flush()
        return self._write(change, note, key)

    def _write(self, change: str, note: str | None, key: Any) -> Decision | None:
        try:
            decision = self.session.record(change, note, key)
        except (CutsimError, OSError) as exc:
            log.exception("decision not logged")
            self.message.emit(f"The decision log could not be written: {exc}")
            return None
        self.logged.emit(decision)
        return decision

    @Slot()
    def flush(self) -> None:
        """Log a pending lever size change now."""
        self._resize_timer.stop()
        pending, self._pending_resize = self._pending_resize, None
        if pending is not None:
            label, _lever, before, after = pending
            if not before.endswith(f" by {after}"):
                self._write(f"Changed: {before} to {after}", None, label)

    # --- changes ---------------------------------------------------------------------

    def _apply(self, command: Command) -> bool:
        with self._own_stack():
            return self.document.apply(command)

    @contextmanager
    def _own_stack(self) -> Iterator[None]:
        """Stack changes made by the workshop itself, which log their own words."""
        self._own_stack_change = True
        try:
            yield
        finally:
            self._own_stack_change = False
            stack = self.document.undo_stack
            self._stack_index, self._stack_count = stack.index(), stack.count()

    @Slot(int)
    def _on_stack_index(self, index: int) -> None:
        stack = self.document.undo_stack
        before, count_before = self._stack_index, self._stack_count
        self._stack_index, self._stack_count = index, stack.count()
        if self._own_stack_change or index == before:
            return
        self.flush()
        if index < before:
            for i in range(before - 1, index - 1, -1):
                self._write(f"Undo (outside the workshop controls): {stack.text(i)}", None, None)
        elif stack.count() == count_before:
            for i in range(before, index):
                self._write(f"Redo (outside the workshop controls): {stack.text(i)}", None, None)
        else:
            self._write(f"Edit outside the workshop: {stack.text(index - 1)}", None, None)

    def select(self, index: int) -> None:
        if self.session.select(index):
            self._follow_current()
            self.currentChanged.emit(self.session.current)
            self.updated.emit()

    def step(self, delta: int) -> None:
        if self.session.step(delta):
            self._follow_current()
            self.currentChanged.emit(self.session.current)
            self.updated.emit()

    def _follow_current(self) -> None:
        """The main window looks at the package shown (not an edit: not logged)."""
        try:
            self.document.set_current_scenario(self.session.package().scenario_id)
        except KeyError:
            pass

    def _apply_logged(self, make: Callable[[], tuple[Any, str]]) -> bool:
        """Flush a pending resize, make a command (and its words) with the session, apply
        it and log it; a refusal is a message, not an exception."""
        self.flush()
        try:
            command, words = make()
        except InputError as exc:
            self.message.emit(str(exc))
            return False
        if not self._apply(command):
            return False
        self._write(words, None, None)
        return True

    def toggle(self, lever_id: str) -> bool:
        """Take a lever out of the current package, or put it back."""
        return self._apply_logged(lambda: self.session.toggle(self.file, lever_id))

    def resize(self, lever_id: str, value: float) -> bool:
        """Change a cut or invest lever's size; steps in quick succession are logged once."""
        file = self.file
        try:
            command, _words = self.session.resize(file, lever_id, value)
        except InputError as exc:
            self.message.emit(str(exc))
            return False
        label = self.session.package().label
        pending = self._pending_resize
        if pending is not None and pending[:2] != (label, lever_id):
            self.flush()
            pending = None
        before = pending[2] if pending else describe_lever(
            next(lv for lv in self.session.levers(file) if lv.lever.id == lever_id).lever, file.model)
        if not self._apply(command):
            return False
        after = describe_lever(command.lever, file.model).split(" by ")[-1]
        self._pending_resize = (label, lever_id, before, after)
        self._resize_timer.start()
        return True

    def add_lever(self, lever: Any) -> bool:
        """Add a new lever (made in the lever editor) to the current package; logged."""
        return self._apply_logged(lambda: self.session.add_lever(self.file, lever))

    def reset(self) -> bool:
        return self._apply_logged(lambda: self.session.reset(self.file))

    def undo(self) -> None:
        self.flush()
        stack = self.document.undo_stack
        if stack.canUndo():
            text = stack.undoText()
            with self._own_stack():
                stack.undo()
            self._write(f"Undo: {text}", None, None)

    def redo(self) -> None:
        self.flush()
        stack = self.document.undo_stack
        if stack.canRedo():
            text = stack.redoText()
            with self._own_stack():
                stack.redo()
            self._write(f"Redo: {text}", None, None)

    def set_year(self, year: int) -> None:
        if self.session.set_year(year):
            self.refresh()

    def set_target(self, amount: float | None) -> None:
        """Set the meeting's savings target for the year shown (None: back to the agency's)."""
        try:
            words = self.session.set_target(amount)
        except InputError as exc:
            self.message.emit(str(exc))
            return
        self.record(words, None, "")
        self.refresh()

    def add_red_line(self, line: RedLine) -> bool:
        try:
            words = self.session.add_red_line(line, self.file.model)
        except InputError as exc:
            self.message.emit(str(exc))
            return False
        self.record(words, None, "")
        self.refresh()
        return True

    def remove_red_line(self, index: int) -> None:
        if 0 <= index < len(self.session.red_lines):
            self.record(self.session.remove_red_line(index, self.file.model), None, "")
            self.refresh()

    def note(self, text: str) -> Decision | None:
        """A note for the minutes, against the package shown."""
        text = text.strip()
        return self.record("Note", text) if text else None

    def agree(self, note: str | None = None) -> None:
        """Record the package shown as the one agreed."""
        self.flush()
        decision = self.session.agree(self.file, None, note)
        self.logged.emit(decision)
        self.updated.emit()

    def propose(self) -> bool:
        """Add the optimiser's least-cost package within the red lines as a new package."""
        from cutsim.workshop import propose

        self.flush()
        file = self.file
        try:
            scenario, words = propose(file, self.session, self._project_for(file).compiled)
        except CutsimError as exc:
            self.message.emit(f"No package found: {exc}")
            return False
        if not self._apply(AddScenario(scenario)):
            return False
        package = self.session.add_package(scenario)
        self._write(words + f" as package {package.label}", None, package.label)
        self.select(len(self.session.packages) - 1)
        self.refresh()
        return True

    # --- exports -------------------------------------------------------------------

    def build_minutes(self) -> minutes_mod.Minutes:
        self.flush()
        if not self.summaries:
            self.refresh()
        return minutes_mod.build_minutes(self.session, self.file, self.summaries)

    def export_minutes(self, path: Path) -> Path:
        """Minutes as PDF (``.pdf``) or Markdown (anything else); the path written."""
        path = Path(path)
        minutes = self.build_minutes()
        if path.suffix.lower() == ".pdf":
            return minutes_mod.write_pdf(minutes, path)
        if path.suffix.lower() not in (".md", ".markdown"):
            path = path.with_suffix(".md")
        return minutes_mod.write_markdown(minutes, path)

    def export_agreed(self, path: Path) -> Path:
        """The agreed package (or the one shown) as a ``.cutsim`` file for partners."""
        path = Path(path)
        if path.suffix.lower() != ".cutsim":
            path = path.with_suffix(".cutsim")
        file = self.session.agreed_file(self.file)
        write_file(path, file)
        self.record(f"Exported package {self.session.agreed or self.session.package().label} "
                    f"as {path.name}", None, self.session.agreed)
        return path

    def save_log(self, path: Path) -> Path:
        """Keep a log held in memory in a workspace from now on (created if needed)."""
        self.session.log = save_log_to_workspace(self.session.log, Path(path), self.file)
        return Path(path)
