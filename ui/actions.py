"""The window's actions, menus and keyboard shortcuts.

Every main action has a shortcut (platform-standard keys where Qt has one) and a tooltip
that names it, and all of them live here so the main window stays a frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QMenu,
    QMessageBox,
)

from cutsim import __version__
from ui.editor.widget import ItemTable
from ui.examples import REPO_ROOT, example_path
from ui.settings import data_dir

if TYPE_CHECKING:
    from ui.main_window import MainWindow

USER_GUIDE = REPO_ROOT / "docs" / "user-guide.md"
Key = QKeySequence.StandardKey
# Where a platform has no standard key for an action, these keep it reachable.
FALLBACK_KEYS = {Key.Quit: "Ctrl+Q", Key.Preferences: "Ctrl+,", Key.HelpContents: "F1",
                 Key.SaveAs: "Ctrl+Shift+S", Key.Redo: "Ctrl+Shift+Z"}


class MainActions:
    """Creates the actions and menus of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.all: dict[str, QAction] = {}
        files, document = window.files, window.document
        bar = window.menuBar()

        file_menu = bar.addMenu("&File")
        self._add(file_menu, "new", "&New", files.new, Key.New, "Start a new, empty place model")
        self._add(file_menu, "open", "&Open…", files.open, Key.Open,
                  "Open a .cutsim file, a workspace or a model workbook (.xlsx)")
        self._add(file_menu, "open_server", "Open &Partnership Workspace…",
                  files.server.ask_and_open, None,
                  "Open a partnership's shared workspace on a PostgreSQL server by its address "
                  "(postgresql://…)")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._add(file_menu, "open_example", "Open &Example", self._open_example, None,
                  "Open the bundled example place")
        file_menu.addSeparator()
        self._add(file_menu, "save", "&Save", files.save, Key.Save, "Save the model and its scenarios")
        self._add(file_menu, "save_as", "Save &As…", files.save_as, Key.SaveAs,
                  "Save under a new name, as a .cutsim file or a workspace")
        file_menu.addSeparator()
        self._add(file_menu, "import", "&Import .cutsim…", files.import_file, "Ctrl+I",
                  "Merge a received .cutsim file into the open model (clashes are shown; undoable)")
        self._add(file_menu, "export", "&Export .cutsim…", files.export, "Ctrl+E",
                  "Write the model and scenarios as a .cutsim file to send to partners")
        self._add(file_menu, "import_budget", "Import &Budget Book…", window.workbooks.import_budget,
                  None, "Map an existing budget workbook onto services (rows not mapped and the "
                  "reconciliation are shown before anything changes)")
        self._add(file_menu, "import_actuals", "Import Ac&tuals…",
                  window.actuals_import.import_actuals, "Ctrl+Shift+I",
                  "Add observed outcomes and spend outturn from a CSV or workbook (kind, id, year, "
                  "value, source); problems are named by row and nothing is imported; undoable")
        self._add(file_menu, "export_results_xlsx", "Export Results to E&xcel…",
                  window.workbooks.export_results, "Ctrl+Shift+X",
                  "Write the current scenario's results as an Excel workbook (totals are formulas)")
        self._add(file_menu, "publish", "&Publish…", window.publisher.publish, "Ctrl+Shift+P",
                  "Publish the current scenario for residents, cabinet and open data "
                  "(web page, A4 report, JSON and CSV) into a folder")
        self._add(file_menu, "consult", "Build &Consultation Page…", window.consultation.build,
                  "Ctrl+Shift+K", "Write a page on which residents try the current scenario's "
                  "choices and see the knock-on effects, and send back their response")
        file_menu.addSeparator()
        self._add(file_menu, "print", "&Print…", self._print, Key.Print,
                  "Print the current scenario's cabinet pack: appraisal, annual money, cost "
                  "shift and the medium-term financial plan (A4 or Letter)")
        self._add(file_menu, "print_preview", "Print Pre&view…", self._print_preview,
                  "Ctrl+Alt+P", "See the printed pages before printing")
        zero_rows = self._add(file_menu, "print_zero_rows", "Print Rows of &Zeros",
                              lambda: window.settings.set_print_zero_rows(
                                  self.all["print_zero_rows"].isChecked()),
                              None, "Keep the rows whose every figure is £0 in the printed pack "
                              "(left out when not ticked)")
        zero_rows.setCheckable(True)
        zero_rows.setChecked(window.settings.print_zero_rows())
        file_menu.addSeparator()
        self._add(file_menu, "quit", "&Quit", window.close, Key.Quit, "Close cutsim")

        edit_menu = bar.addMenu("&Edit")
        undo = document.undo_stack.createUndoAction(window, "&Undo")
        undo.setShortcut(QKeySequence(Key.Undo))
        redo = document.undo_stack.createRedoAction(window, "&Redo")
        redo.setShortcuts(QKeySequence.keyBindings(Key.Redo) or [QKeySequence(FALLBACK_KEYS[Key.Redo])])
        for name, action in (("undo", undo), ("redo", redo)):
            action.setObjectName(f"action_{name}")
            edit_menu.addAction(action)
            self.all[name] = action
        edit_menu.addSeparator()
        self._add(edit_menu, "add_row", "&Add Row", self._add_row, "Ins", "Add a row to the current table")
        self._add(edit_menu, "remove_rows", "&Remove Rows", self._remove_rows, Key.Delete,
                  "Remove the selected rows (refused while something refers to them)")
        self._add(edit_menu, "find", "&Find…", self._find, Key.Find, "Search the current table")
        edit_menu.addSeparator()
        self._add(edit_menu, "preferences", "&Preferences…", self._preferences, Key.Preferences,
                  "Autosave interval")

        self.view_menu = bar.addMenu("&View")
        self._add(self.view_menu, "reset_layout", "Reset &Layout", window.reset_layout, None,
                  "Put every panel back where it starts")
        self._add(self.view_menu, "workshop", "&Workshop Mode", self._workshop, "F5",
                  "Compare option packages live on a projector, with a decision log")
        self.view_menu.addSeparator()

        if window.run_controller is not None or getattr(window, "views_deferred", False):
            # the run controller may be built after the first paint: look it up when used
            def on_run(name: str) -> Callable[[], object]:
                return lambda: (getattr(window.run_controller, name)()
                                if window.run_controller is not None else None)

            run_menu = bar.addMenu("&Run")
            self._add(run_menu, "run", "&Run Scenario", on_run("run_now"), "Ctrl+R",
                      "Run the current scenario now")
            self._add(run_menu, "monte_carlo", "Run with &Uncertainty", on_run("run_monte_carlo"),
                      "Ctrl+Shift+R", "Monte Carlo: 1,000 draws of every link's range")
            self._add(run_menu, "cancel_run", "&Cancel Uncertainty Run", on_run("cancel_monte_carlo"),
                      "Ctrl+.", "Stop the Monte Carlo run")

        help_menu = bar.addMenu("&Help")
        self._add(help_menu, "user_guide", "&User Guide", self._user_guide, Key.HelpContents,
                  "Open the user guide")
        self._add(help_menu, "log_folder", "Show &Log Folder", self._log_folder, None,
                  "Open the folder holding the log and recovery files")
        self._add(help_menu, "about", "&About cutsim", self._about, None, "Version and licence")

    def _add(self, menu: QMenu, name: str, text: str, slot: Callable[..., object],
             shortcut: Key | str | None, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"action_{name}")
        if shortcut is not None:
            keys = QKeySequence(shortcut)
            if keys.isEmpty() and shortcut in FALLBACK_KEYS:
                keys = QKeySequence(FALLBACK_KEYS[shortcut])
            action.setShortcut(keys)
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shown})" if shown else tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.window.addAction(action)  # shortcuts work even when the menu bar is hidden
        self.all[name] = action
        return action

    def add_view_toggle(self, dock: QDockWidget) -> None:
        """A View menu entry that shows or hides ``dock``."""
        self.view_menu.addAction(dock.toggleViewAction())

    # --- slots ---------------------------------------------------------------------

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.window.settings.recent_files()
        for path in recent:
            model = self.window.settings.workspace_model(path)
            action = self.recent_menu.addAction(
                path.name if model is None else f"{path.name} (model {model})")
            action.setToolTip(str(path))
            action.triggered.connect(
                lambda _checked=False, p=path: self.window.files.open_path(p, recent=True))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear List", self.window.settings.clear_recent_files)

    def _open_example(self) -> None:
        path = example_path()
        if path is not None:
            self.window.files.open_path(path)

    def _editor_table(self) -> ItemTable | None:
        """The editor table the keyboard is in (or that is showing, if focus is nowhere)."""
        table = self.window.editor.current_table()
        focus = QApplication.focusWidget()
        if table is None or (focus is not None and not table.isAncestorOf(focus)):
            return None  # Insert/Delete in another panel must not edit the model tables
        return table

    def _add_row(self) -> None:
        table = self._editor_table()
        if table is not None:
            table.add_row()

    def _remove_rows(self) -> None:
        table = self._editor_table()
        if table is not None:
            table.remove_selected()
            return
        focus = QApplication.focusWidget()
        if focus is not None and focus.objectName() == "lever-list":
            # the scenario panel's list of levers: the panel removes them
            remove = getattr(focus.parentWidget(), "remove_selected", None)
            if remove is not None:
                remove()

    def _find(self) -> None:
        table = self.window.editor.current_table() or self.window.editor.show_kind("services")
        table.search.setFocus()
        table.search.selectAll()

    def _preferences(self) -> None:
        current = self.window.settings.autosave_seconds()
        seconds, ok = QInputDialog.getInt(self.window, "Preferences",
                                          "Autosave unsaved work every (seconds, 0 = never):",
                                          current, 0, 3600, 10)
        if ok:
            self.window.settings.set_autosave_seconds(seconds)
            self.window.autosaver.set_interval(seconds)

    def _workshop(self) -> None:
        from ui.workshop.mode import enter_workshop  # only loaded when a meeting starts

        enter_workshop(self.window)

    def printer(self):  # noqa: ANN201 - ui.printing loads on first use (QtPrintSupport)
        """The window's print controller, made on first use, and again once the window
        has its run controller (a window that builds its views after the first paint has
        none before: a controller made then would have no results to print for good)."""
        from ui.printing import PrintController

        printer = getattr(self, "_printer", None)
        if printer is None or printer.run is not self.window.run_controller:
            self._printer = PrintController(self.window, self.window.run_controller)
        return self._printer

    def _print(self) -> None:
        self.printer().print_dialog()

    def _print_preview(self) -> None:
        self.printer().preview()

    def _user_guide(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(USER_GUIDE)))

    def _log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(data_dir())))

    def _about(self) -> None:
        QMessageBox.about(
            self.window, "About cutsim",
            f"<h3>cutsim {__version__}</h3>"
            "<p>Scenario modeller for public expenditure cuts across a whole place: what a "
            "cut, a pooled budget or a procurement change does to outcomes and to every "
            "agency's money, including costs one agency's saving pushes onto another.</p>"
            "<p>Money is in real terms at the place's price year. Figures marked "
            "<i>illustrative</i> stand in for unknown local data.</p>"
            f"<p>Log and recovery files: {Path(data_dir())}</p><p>MIT licence.</p>",
        )
