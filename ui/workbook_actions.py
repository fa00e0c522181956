"""File → Export Results to Excel… and File → Import Budget Book…

Both are thin: the results workbook is written by
``cutsim.tools.results_workbook.write_results_workbook`` from the run controller's current
result (with its Monte Carlo bands when they were run); a budget book is read by
``cutsim.files.budget`` and shown (rows not mapped, the reconciliation, what is left to
complete) before anything changes. Complete services are added to the open model as one
undoable step; otherwise the user may write a model workbook with the blanks to fill.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.commands import AddItem, Batch
from cutsim.model.errors import CutsimError, InputError
from cutsim.model.fmt import money
from ui import dialogs

if TYPE_CHECKING:  # the workbook readers load when a budget book is imported
    from cutsim.files.budget import BudgetImport
    from ui.document import DocumentController
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)
RESULTS_FILTER = "Excel workbook (*.xlsx)"
RECONCILE_TOLERANCE = 0.5  # £, as the command line


class BudgetDialog(QDialog):
    """Choose a budget book and its mapping, see what maps, then add the services."""

    def __init__(self, document: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("budgetDialog")
        self.setWindowTitle("Import a budget book")
        self.document = document
        self.imported: BudgetImport | None = None
        self.book = QLineEdit()
        self.book.setObjectName("budgetBook")
        self.mapping = QLineEdit()
        self.mapping.setObjectName("budgetMapping")
        form = QFormLayout()
        for label, edit, caption, pattern in (("Budget book", self.book, "Budget workbook", "*.xlsx"),
                                              ("Mapping", self.mapping, "Mapping", "*.toml")):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            browse = QPushButton("Browse…")
            browse.clicked.connect(lambda _=False, e=edit, c=caption, p=pattern: self._browse(e, c, p))
            row.addWidget(browse)
            form.addRow(label, row)
        self.read_button = QPushButton("Read")
        self.read_button.setObjectName("budgetRead")
        self.read_button.clicked.connect(self.read)
        self.report = QPlainTextEdit()
        self.report.setObjectName("budgetReport")
        self.report.setReadOnly(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.addButton("Add services to the model",
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("budgetAdd")
        self.workbook_button = self.buttons.addButton("Write a workbook to complete…",
                                                      QDialogButtonBox.ButtonRole.ActionRole)
        self.workbook_button.setObjectName("budgetWorkbook")
        self.add_button.clicked.connect(self.add_services)
        self.workbook_button.clicked.connect(self.write_workbook)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.read_button)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.buttons)
        self._update_buttons()
        self.resize(760, 520)

    def _browse(self, edit: QLineEdit, caption: str, pattern: str) -> None:
        name, _ = QFileDialog.getOpenFileName(self, caption, edit.text(), f"{caption} ({pattern})")
        if name:
            edit.setText(name)

    def _update_buttons(self) -> None:
        imp = self.imported
        reconciled = imp is not None and (imp.difference is None or abs(imp.difference) <= RECONCILE_TOLERANCE)
        self.add_button.setEnabled(bool(imp and imp.services and imp.complete and reconciled))
        self.workbook_button.setEnabled(bool(imp and imp.services and reconciled))

    def read(self) -> bool:
        """Read the book with the mapping and show what it gives (nothing changes yet)."""
        self.imported = None
        try:
            from cutsim.files.budget import read_budget, read_mapping

            self.imported = read_budget(Path(self.book.text()), read_mapping(Path(self.mapping.text())))
        except CutsimError as exc:
            self.report.setPlainText(str(exc))
            self._update_buttons()
            return False
        self.report.setPlainText(self.summary(self.imported))
        self._update_buttons()
        return True

    @staticmethod
    def summary(imp: BudgetImport) -> str:
        lines = [f"{len(imp.services)} services in {len(imp.agencies)} agencies: "
                 f"{money(imp.mapped_total)} a year (£{imp.mapped_total:,.2f})"]
        if imp.sheet_total is None:
            lines.append("The mapping names no sheet total: nothing reconciled.")
        else:
            diff = imp.difference or 0.0
            ok = abs(diff) <= RECONCILE_TOLERANCE
            lines.append(f"Sheet total £{imp.sheet_total:,.2f}; difference (sheet − mapped) "
                         f"£{diff:,.2f}" + (": reconciled." if ok else
                                            ": map the missing rows before importing."))
        if imp.not_mapped:
            lines.append(f"\n{len(imp.not_mapped)} rows not mapped:")
            lines += [f"  {line}" for line in imp.not_mapped]
        if imp.to_complete:
            lines.append(f"\n{len(imp.to_complete)} to complete (not guessed):")
            lines += [f"  {line}" for line in imp.to_complete]
        return "\n".join(lines)

    def add_services(self) -> bool:
        """Add the new agencies and the services to the open model, as one undoable step."""
        imp = self.imported
        if imp is None or not imp.complete:
            return False
        file = self.document.file
        have = {a.id for a in file.model.agencies}
        commands = [AddItem("agencies", a) for a in imp.agencies if a.id not in have]
        commands += [AddItem("services", s.model_validate(s.model_dump())) for s in imp.services]
        if not self.document.apply(Batch(f"Import {len(imp.services)} services from a budget book",
                                         commands)):
            self.report.appendPlainText("\nNot added: an id is already in the model "
                                        "(see the status bar); nothing changed.")
            return False
        self.accept()
        return True

    def write_workbook(self) -> Path | None:
        """Write the mapped services as a model workbook with the blanks left to fill."""
        imp = self.imported
        if imp is None:
            return None
        name, _ = QFileDialog.getSaveFileName(self, "Write a model workbook", "budget-model.xlsx",
                                              RESULTS_FILTER)
        return self.write_workbook_to(Path(name)) if name else None

    def write_workbook_to(self, path: Path) -> Path | None:
        from cutsim.files import exchange
        from cutsim.files.workbook import write_workbook
        from cutsim.model.schema import CutsimFile, Model

        imp = self.imported
        if imp is None:  # nothing read yet: nothing to write (the button is off then)
            return None
        place = self.document.file.model.place
        model = Model.model_construct(place=place, agencies=imp.agencies, services=imp.services,
                                      outcomes=[], effects=[], demands=[])
        try:
            write_workbook(path.with_suffix(".xlsx"), CutsimFile.model_construct(
                format="cutsim", format_version=exchange.FORMAT_VERSION, model=model,
                scenarios=[], provenance=None))
        except CutsimError as exc:
            dialogs.show_error(self, "Cannot write the workbook", str(exc))
            return None
        self.report.appendPlainText(f"\nWrote {path.with_suffix('.xlsx').name}: fill the blank "
                                    "unit costs and activity units, then open or import it.")
        return path.with_suffix(".xlsx")


class WorkbookActions(QObject):
    """The window's workbook actions: export the current results; import a budget book."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def _result(self) -> Any:
        run = getattr(self.window, "run_controller", None)
        if run is None or run.result is None:
            return None
        mc = run.mc_result
        return mc if mc is not None and mc.scenario.id == run.result.scenario.id else run.result

    def export_results(self) -> Path | None:
        """Ask for a file and write the current scenario's results workbook there."""
        result = self._result()
        if result is None:
            dialogs.show_error(self.window, "No results yet", "Run a scenario first (Ctrl+R).")
            return None
        name, _ = QFileDialog.getSaveFileName(self.window, "Export results to Excel",
                                              f"{result.scenario.id}-results.xlsx", RESULTS_FILTER)
        return self.export_results_to(Path(name)) if name else None

    def export_results_to(self, path: Path) -> Path | None:
        from cutsim.tools.results_workbook import write_results_workbook

        result = self._result()
        if result is None:
            return None
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        try:
            write_results_workbook(path, result)
        except (CutsimError, OSError) as exc:
            error = exc if isinstance(exc, CutsimError) else InputError(f"{path}: {exc}")
            dialogs.show_error(self.window, f"Cannot write {path.name}", str(error))
            return None
        self.window.statusBar().showMessage(f"Exported results to {path.name}", 5000)
        return path

    def import_budget(self) -> bool:
        dialog = BudgetDialog(self.window.document, self.window)
        return dialog.exec() == QDialog.DialogCode.Accepted
