"""File → Import Actuals…: an actuals CSV or workbook into the open document (docs/actuals.md).

Thin: the table is read by :func:`cutsim.files.actuals_table.read_table` and checked and
merged by :func:`cutsim.files.actuals_table.import_actuals`, exactly as ``cutsim actuals
import`` does. Every problem is shown, named by its row, in one message and nothing
changes; rows that would replace observations held with different figures are shown and
replaced only when the user says so. A successful import is one undoable edit
(:class:`cutsim.model.commands.SetActuals`); the file on disk changes when it is saved.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from cutsim.files.actuals_table import ImportResult, import_actuals, read_table
from cutsim.model.commands import SetActuals
from cutsim.model.errors import CutsimError
from ui import dialogs

log = logging.getLogger(__name__)
ACTUALS_FILTER = "Actuals table (*.csv *.xlsx);;CSV (*.csv);;Excel workbook (*.xlsx)"
TITLE = "Import actuals"


def _differs_only(error: CutsimError) -> bool:
    """True when the table is sound and only differs from observations held."""
    return "differ from those held" in str(error).split("\n", 1)[0]


class ActualsImport(QObject):
    """Reads an actuals table into ``document`` (a :class:`ui.document.DocumentController`);
    ``parent_widget`` owns the dialogs."""

    def __init__(self, document: Any, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self.document = document
        self.parent_widget = parent_widget

    def import_actuals(self) -> bool:
        """Ask for a CSV or workbook and import it; False when cancelled or refused."""
        path = self.document.path
        start = str(path.parent) if path is not None else ""
        name, _ = QFileDialog.getOpenFileName(self.parent_widget, "Import actuals (CSV or workbook)",
                                              start, ACTUALS_FILTER)
        return self.import_from(Path(name)) if name else False

    def import_from(self, path: Path) -> bool:
        """Import the table at ``path`` as one undoable edit. On any problem one message
        lists them all, by row, and nothing changes (False)."""
        try:
            rows = read_table(path)
            try:
                result = import_actuals(self.document.file, rows)
            except CutsimError as error:
                if not _differs_only(error):
                    raise
                question = (str(error).replace("Run again with --replace to replace it", "")
                            .rstrip() + "\n\nReplace the observations held with the table's?")
                if not dialogs.ask_yes_no(self.parent_widget, TITLE, question):
                    return False
                result = import_actuals(self.document.file, rows, replace=True)
        except CutsimError as error:
            message = str(error)
            dialogs.show_error(self.parent_widget, TITLE,
                               message if path.name in message else f"{path.name}: {message}")
            return False
        except OSError as error:
            dialogs.show_error(self.parent_widget, TITLE,
                               f"{path.name}: could not be read ({error.strerror or error})")
            return False
        return self._apply(result, path)

    def _apply(self, result: ImportResult, path: Path) -> bool:
        summary = (f"{path.name}: added {result.added} observation(s), replaced "
                   f"{result.replaced}, {result.unchanged} already held")
        if result.added == 0 and result.replaced == 0:
            dialogs.show_info(self.parent_widget, TITLE, summary + "; nothing to change.")
            return True
        if not self.document.apply(SetActuals(result.file.actuals,
                                              f"Import actuals from {path.name}")):
            return False
        log.info("%s", summary)
        show_status = getattr(self.parent_widget, "show_status", None)
        if callable(show_status):
            show_status(summary + " (Edit → Undo takes it back)", 8000)
        return True
