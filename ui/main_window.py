"""The main window: a thin frame that puts the document, its views and its actions together.

It owns no document logic. The :class:`~ui.document.DocumentController` holds the file and
its undo history, :class:`~ui.files.FileController` opens and saves, :class:`~ui.recovery.Autosaver`
writes recovery files, :mod:`ui.actions` builds menus and shortcuts, and each view is a
dock added with :meth:`MainWindow.add_dock` or :meth:`MainWindow.register_view`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QWidget

from cutsim.model.schema import CutsimFile
from cutsim.workspace.sources import OpenedSource
from ui.actions import MainActions
from ui.actuals_action import ActualsImport
from ui.consult_action import ConsultController
from ui.document import DocumentController
from ui.editor.widget import ModelEditor
from ui.files import FileController, dropped_paths
from ui.problems import ProblemsDock
from ui.publish_action import PublishController
from ui.recovery import Autosaver
from ui.screen_fit import fit_to_screen
from ui.settings import Settings, data_dir
from ui.workbook_actions import WorkbookActions

if TYPE_CHECKING:  # for its type only
    from ui.workshop.mode import WorkshopMode

log = logging.getLogger(__name__)

DockArea = Qt.DockWidgetArea
DEFAULT_SIZE = (1400, 900)  # px, the first window on a screen that has room for it
ViewFactory = Callable[[DocumentController, Any], QWidget]

# The views built beside the editor, by object name: (area, title). Their modules are
# imported in :func:`view_classes`, on first use, so the window can be shown before NumPy,
# SciPy and pyqtgraph load (tests/ui/test_startup_lazy.py).
VIEWS: dict[str, tuple[DockArea, str]] = {
    "scenarioDock": (DockArea.LeftDockWidgetArea, "Scenario"),
    "resultsDock": (DockArea.RightDockWidgetArea, "Results"),
    "diagramDock": (DockArea.RightDockWidgetArea, "Influence diagram"),
}


def view_classes() -> dict[str, ViewFactory]:
    """The classes of :data:`VIEWS`, by object name; each is built as
    ``cls(document, run_controller)``. Importing them loads the engine and the charts."""
    from ui.diagram import DiagramDock
    from ui.results.dock import ResultsDock
    from ui.scenario.panel import ScenarioDock

    return {"scenarioDock": ScenarioDock, "resultsDock": ResultsDock,
            "diagramDock": DiagramDock}


class MainWindow(QMainWindow):
    """cutsim's main window.

    ``file``/``path``: the document to show first; ``opened``: the source it was read from,
    if it was (what its signatures prove is then not read again). ``settings`` and
    ``recovery_dir`` default to the app's QSettings and its local data folder (tests pass
    temporary ones).
    """

    viewsReady = Signal()  # the scenario, results and diagram docks are built
    _workshop: WorkshopMode | None  # set while a workshop runs (ui.workshop.mode)
    # The window's action set, in place of QWidget.actions() (which nothing calls on the
    # main window: its actions live in its menus and toolbar).
    actions: MainActions  # type: ignore[assignment]

    def __init__(self, file: CutsimFile, path: Path | None = None, *,
                 settings: Settings | None = None, recovery_dir: Path | None = None,
                 load_optional_views: bool = True, defer_views: bool = False,
                 opened: OpenedSource | None = None) -> None:
        """``defer_views``: build the engine, the charts and the other docks just after the
        window is first shown (the app's start-up: the window appears before NumPy, SciPy
        and pyqtgraph have loaded); otherwise at once, before this returns."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.settings = settings or Settings()
        self.document = DocumentController(file, path, self)
        self.views: dict[str, QDockWidget] = {}
        self._shown_once = False
        self.views_deferred = load_optional_views and defer_views
        self.run_controller = (self._make_run_controller()
                               if load_optional_views and not defer_views else None)

        self.editor = ModelEditor(self.document, self)
        self.setCentralWidget(self.editor)
        self.files = FileController(self, self.document, self.settings, opened)
        self.publisher = PublishController(self, self.document)
        self.consultation = ConsultController(self, self.document)
        self.workbooks = WorkbookActions(self)
        self.actuals_import = ActualsImport(self.document, self)
        self.autosaver = Autosaver(self.document, recovery_dir or data_dir() / "recovery",
                                   self.settings.autosave_seconds(), self)
        self.actions = MainActions(self)
        self.problems_dock = ProblemsDock(self.document, self)
        self.problems_dock.activated.connect(self.editor.go_to_location)
        self.add_dock(self.problems_dock, DockArea.BottomDockWidgetArea, "Problems", "problemsDock")
        if load_optional_views and not defer_views:
            self._add_optional_views()
        self._initial_state = self.saveState()  # for View → Reset Layout

        self._status = QLabel()
        self.statusBar().addPermanentWidget(self._status)
        self.document.commandRefused.connect(lambda message: self.show_status(message, 8000))
        self.document.changed.connect(self._update_status)
        self.document.pathChanged.connect(self._update_title)
        self.document.fileReplaced.connect(self._update_title)
        self.files.verificationChanged.connect(self._update_title)
        self.document.dirtyChanged.connect(self.setWindowModified)
        self._update_title()
        self._update_status()
        # Side panels run full height; the problems list sits under the editor only.
        self.setCorner(Qt.Corner.BottomLeftCorner, DockArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, DockArea.RightDockWidgetArea)
        self._restore_layout()

    # --- plugging views in ---------------------------------------------------------

    def add_dock(self, widget: QWidget, area: DockArea, title: str, object_name: str) -> QDockWidget:
        """Show ``widget`` in a dock (or add it, if it is a QDockWidget already).

        ``object_name`` must be stable: the dock layout is saved and restored by it.
        """
        dock = widget if isinstance(widget, QDockWidget) else QDockWidget(title, self)
        if dock is not widget:
            dock.setWidget(widget)
        if not dock.windowTitle():
            dock.setWindowTitle(title)
        dock.setObjectName(object_name)
        self.addDockWidget(area, dock)
        self.views[object_name] = dock
        self.actions.add_view_toggle(dock)
        return dock

    def register_view(self, name: str, factory: ViewFactory,
                      area: DockArea = DockArea.RightDockWidgetArea) -> QDockWidget:
        """Build a view with ``factory(document, run_controller)`` and dock it as ``name``."""
        widget = factory(self.document, self.run_controller)
        object_name = "".join(part.capitalize() for part in name.split())
        return self.add_dock(widget, area, name, object_name[:1].lower() + object_name[1:] + "Dock")

    def _make_run_controller(self) -> Any:
        from ui.run_controller import RunController  # loads the engine: after the first paint

        return RunController(self.document)

    def _add_optional_views(self) -> None:
        classes = view_classes()
        for object_name, (area, title) in VIEWS.items():
            view = classes[object_name](self.document, self.run_controller)
            self.add_dock(view, area, title, object_name)
        right = [d for n, d in self.views.items() if n in ("resultsDock", "diagramDock")]
        if len(right) == 2:
            self.tabifyDockWidget(right[0], right[1])
            right[0].raise_()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self.size() == self._chosen_size:  # not resized by a caller since
                # once its frame is known: the whole window, frame included, on the screen
                QTimer.singleShot(0, self.fit_to_screen)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.views_deferred:
            self.views_deferred = False
            # after this first paint: the heavy views load while the window is on screen
            QTimer.singleShot(0, self._build_deferred_views)

    def _build_deferred_views(self) -> None:
        """The run controller and the optional docks, then the saved layout again."""
        self.run_controller = self._make_run_controller()
        self._add_optional_views()
        self._initial_state = self.saveState()
        state = self.settings.window_state()
        if state is None or not self.restoreState(state):
            self._default_dock_sizes()
        self.fit_to_screen()  # the docks just added may have widened it
        self.viewsReady.emit()

    # --- status and title ----------------------------------------------------------

    def show_status(self, message: str, timeout_ms: int = 5000) -> None:
        self.statusBar().showMessage(message, timeout_ms)

    def _update_status(self) -> None:
        count = len(self.document.problems())
        self._status.setText("Model valid" if count == 0 else
                             f"{count} problem{'s' if count != 1 else ''}: the engine will not run")

    def _update_title(self) -> None:
        path = self.document.path
        place = self.document.file.model.place.name
        shown = path.name if path is not None else (self.files.server.title or "Untitled")
        signed = self.files.signature_text()
        self.setWindowTitle(f"{shown}[*] — {place}{f' — {signed}' if signed else ''} — cutsim")
        self.setWindowModified(self.document.is_dirty)

    # --- layout --------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        self.fit_to_screen()
        self._chosen_size = self.size()
        if state is None or not self.restoreState(state):
            self._default_dock_sizes()

    def fit_to_screen(self) -> None:
        """Keep the whole window, frame included, on the available screen: never wider or
        taller than it (a layout saved on a larger screen is shrunk, then moved onto it)."""
        fit_to_screen(self)

    def _default_dock_sizes(self) -> None:
        """Give the editor the middle, the side panels a fair share, problems a strip."""
        self.resizeDocks([self.problems_dock], [120], Qt.Orientation.Vertical)
        sides = [(name, width) for name, width in (("scenarioDock", 360), ("resultsDock", 560))
                 if name in self.views]
        if sides:
            self.resizeDocks([self.views[n] for n, _ in sides], [w for _, w in sides],
                             Qt.Orientation.Horizontal)

    def reset_layout(self) -> None:
        """Put every dock back where it starts."""
        for dock in self.views.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._initial_state)
        self._default_dock_sizes()

    # --- window events -------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.autosaver.close_cleanly()
        self.files.release_lock()
        self.files.server.stop()
        self.publisher.shutdown()
        results = self.views.get("resultsDock")
        actuals = getattr(results.widget() if results is not None else None, "actuals", None)
        if actuals is not None:
            actuals.shutdown()  # a review running on its thread is cancelled and joined
        shutdown = getattr(self.run_controller, "shutdown", None)
        if callable(shutdown):
            shutdown()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files.open_path(paths[0])
