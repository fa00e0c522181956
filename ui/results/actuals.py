"""The Actuals tab: what we said would happen, and what happened (docs/actuals.md).

The observations of the file (editable, each change one undoable step through the
document's command stack), and, on "Review", the core's review of the current scenario:
observed points over the forecast's P10–P90 band for one outcome, the savings variance
table, and the posterior against the prior for the inputs that moved most. The app
computes nothing of its own: every figure is :func:`cutsim.appraise.review.review`'s.
The review runs on a worker thread (as the run controller's Monte Carlo does), with a
progress bar and a Cancel button; the interface stays live while it runs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cutsim.appraise.review import (
    DEFAULT_SEED,
    Review,
    ReviewCancelled,
    estimate_words,
    review,
)
from cutsim.files.exchange import atomic_write_bytes
from cutsim.model.actuals_rules import year_index
from cutsim.model.commands import SetActuals
from cutsim.model.errors import CutsimError, InputError
from cutsim.model.fmt import count, money, year_label
from cutsim.model.safecsv import csv_table
from cutsim.model.schema import Actuals, CutsimFile, Observation
from cutsim.workshop.adoption import LoggedAdoption, agreed_decision, logged_entries
from ui.background import BackgroundJobs, BackgroundWorker
from ui.results.plotkit import pen, plot_widget

if TYPE_CHECKING:
    from ui.document import DocumentController

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("kind", "id", "year", "value", "source", "area", "date")
EDITABLE = {"year", "value", "source", "date"}
APP_DRAWS = 2000  # the app's default: a quicker look than the command line's 4,000
BAND, CENTRAL, OBSERVED = "#1d4f91", "#1d4f91", "#b3261e"



def _mid_year(label: str, base_year: int) -> float:
    """The middle of a financial year on the chart's axis (years from the base year)."""
    index = year_index(label, base_year)
    if index is None:  # the review labels its own years: never, unless it is broken
        raise ValueError(f"not a financial year label: {label!r}")
    return index + 0.5

class ReviewWorker(BackgroundWorker):
    """Runs the core's review on its own thread (:class:`ui.background.BackgroundWorker`)."""

    def __init__(self, cutsim_file: CutsimFile, scenario: str | None, draws: int,
                 seed: int) -> None:
        super().__init__()
        self._file, self._scenario, self._draws, self._seed = cutsim_file, scenario, draws, seed

    def work(self) -> Review | None:
        try:
            return review(self._file, self._scenario, draws=self._draws, seed=self._seed,
                          progress=self.report, cancelled=lambda: self.is_cancelled)
        except ReviewCancelled:
            return None

    def describe(self, error: Exception) -> str:
        if not isinstance(error, InputError):
            log.exception("the review failed")
        return (str(error) if isinstance(error, CutsimError) else
                f"The review could not run ({type(error).__name__}: {error})")


class ObservationsModel(QAbstractTableModel):
    """The file's observations as a table; an edit becomes a :class:`SetActuals` command."""

    def __init__(self, document: DocumentController, parent: Any = None) -> None:
        super().__init__(parent)
        self.document = document

    def observations(self) -> list[Observation]:
        actuals = self.document.file.actuals
        return list(actuals.observations) if actuals is not None else []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.observations())

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        rows = self.observations()
        if not index.isValid() or not 0 <= index.row() < len(rows):
            return None
        value = getattr(rows[index.row()], COLUMNS[index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(value, float):
                return (money(value) if rows[index.row()].kind == "spend" else count(value))
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.EditRole:
            return "" if value is None else (repr(value) if isinstance(value, float) else str(value))
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, float):
            return repr(value)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and COLUMNS[index.column()] in EDITABLE:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        field = COLUMNS[index.column()]
        rows = self.observations()
        text = str(value).strip()
        if field == "value":
            try:
                new_value: Any = float(text.replace(",", "").removeprefix("£"))
            except ValueError:
                self.document.report_refusal(f"actuals row {index.row() + 1}: value must be a "
                                             f"number (got {text[:40]!r})")
                return False
        else:
            new_value = text or None
        if field in ("year", "source") and new_value is None:
            self.document.report_refusal(f"actuals row {index.row() + 1}: {field} is required")
            return False
        rows[index.row()] = rows[index.row()].model_copy(update={field: new_value})
        return self.replace(rows, f"Change actuals row {index.row() + 1} {field}")

    def replace(self, rows: list[Observation], description: str) -> bool:
        """Apply the new list of observations as one undoable command."""
        current = self.document.file.actuals or Actuals()
        return self.document.apply(SetActuals(current.model_copy(update={"observations": rows}),
                                              description))

    def refresh(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def has_rows(self) -> bool:
        return bool(self.observations())

    def to_csv(self, path: str | Path) -> None:
        """The observations as an actuals CSV (the columns ``cutsim actuals import`` reads),
        exact values, text guarded against running as spreadsheet formulas; atomically."""
        rows = [[getattr(o, c) if getattr(o, c) is not None else "" for c in COLUMNS]
                for o in self.observations()]
        atomic_write_bytes(path, csv_table(list(COLUMNS), rows, lineterminator="\r\n")
                           .encode("utf-8"))


class ActualsPage(QWidget):
    """Observations (editable), then the review of the current scenario on demand.

    ``reviewFinished(Review)`` fires on the GUI thread when a review's figures are shown."""

    reviewFinished = Signal(object)

    def __init__(self, document: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.result: Review | None = None
        self.summary = QLabel(self)
        self.summary.setObjectName("actuals-summary")
        self.summary.setWordWrap(True)
        self.adopt_button = QPushButton("Record the workshop's agreed package as the decision",
                                        self)
        self.adopt_button.setObjectName("actuals-adopt")
        self.adopt_button.clicked.connect(self.record_logged_decision)
        self.logged: LoggedAdoption | None = None  # what the document's decision log agreed
        self.model = ObservationsModel(document, self)
        self.table = QTableView(self)
        self.table.setObjectName("actuals-table")
        self.table.setModel(self.model)
        # columns fit their contents, nothing elided (a long source scrolls)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setHorizontalScrollMode(QTableView.ScrollMode.ScrollPerPixel)
        self.table.setWordWrap(False)
        self.add_button = QPushButton("Add row", self)
        self.add_button.setToolTip("Add a row like the selected one, for the next year")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = QPushButton("Remove row", self)
        self.remove_button.clicked.connect(self.remove_row)
        self.draws = QSpinBox(self)
        self.draws.setRange(64, 100_000)
        self.draws.setSingleStep(500)
        self.draws.setValue(APP_DRAWS)
        self.draws.setSuffix(" draws")
        self.review_button = QPushButton("Review against the forecast", self)
        self.review_button.setObjectName("actuals-review")
        self.review_button.clicked.connect(self.run_review)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("actuals-progress")
        self.progress.setRange(0, 100)
        self.progress.setFormat("Reviewing: %p% of the draws")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("actuals-cancel")
        self.cancel_button.setToolTip("Stop the review (the figures shown stay as they were)")
        self.cancel_button.clicked.connect(self.cancel_review)
        buttons = QHBoxLayout()
        for widget in (self.add_button, self.remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.draws)
        buttons.addWidget(self.review_button)
        running = QHBoxLayout()  # a row of its own, so the tab is no wider than before
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)

        self.outcome_choice = QComboBox(self)
        self.outcome_choice.currentIndexChanged.connect(lambda _i: self._draw_outcome())
        self.chart = plot_widget("Observed against the forecast", "level", money=False)
        self.variance = QTableWidget(0, 6, self)
        self.variance.setObjectName("actuals-variance")
        self.variance.setHorizontalHeaderLabels(
            ["service", "year", "planned", "delivered", "slipped", "overspent"])
        self.learning = QTableWidget(0, 3, self)
        self.learning.setObjectName("actuals-learning")
        self.learning.setHorizontalHeaderLabels(["prior P50 (P10 to P90)",
                                                 "posterior P50 (P10 to P90)", "input"])
        for table in (self.variance, self.learning):
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.horizontalHeader().setSectionResizeMode(
                QHeaderView.ResizeMode.ResizeToContents)
            table.setTextElideMode(Qt.TextElideMode.ElideNone)
            table.setWordWrap(False)
            table.setHorizontalScrollMode(QTableView.ScrollMode.ScrollPerPixel)

        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.summary)
        adopt_row = QHBoxLayout()
        adopt_row.addWidget(self.adopt_button)
        adopt_row.addStretch(1)
        top_layout.addLayout(adopt_row)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        top_layout.addLayout(running)
        middle = QWidget(self)
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.outcome_choice)
        middle_layout.addWidget(self.chart, 1)
        self.bottom = bottom = QSplitter(Qt.Orientation.Horizontal, self)
        bottom.addWidget(self.variance)
        bottom.addWidget(self.learning)
        bottom.setSizes([420, 820])
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        for stretch, part in ((2, top), (3, middle), (2, bottom)):
            splitter.addWidget(part)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        splitter.setSizes([300, 420, 240])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.plots: list[Any] = []  # the chart once a review has drawn it
        self.tables: list[Any] = []  # the observations, when there are any (export as CSV)
        for hidden in (self.outcome_choice, self.chart, self.variance, self.learning,
                       self.bottom, self.progress, self.cancel_button):
            hidden.setHidden(True)  # until a review
        self._jobs = BackgroundJobs(self)  # the review's threads; its current job
        document.changed.connect(self.show_document)
        for name in ("pathChanged", "fileReplaced"):
            signal = getattr(document, name, None)
            if signal is not None:
                signal.connect(self.read_decision_log)
        self.read_decision_log()
        self.show_document()

    # --------------------------------------------------------------- the observations
    def show_document(self) -> None:
        """Show the file's observations (after any edit, undo or redo); a review running
        on the file as it was is cancelled."""
        self.cancel_review()
        self.model.refresh()
        actuals = self.document.file.actuals
        if actuals is None or not actuals.observations:
            self.summary.setText("No actuals yet: bring them in with File → Import Actuals… "
                                 "(a CSV or workbook, docs/actuals.md).")
        else:
            decision = actuals.decision
            said = (f"Adopted: scenario {decision.scenario}"
                    + (f" on {decision.date}" if decision.date else "")
                    + (f" by {decision.by}" if decision.by else "") + ". ") if decision else ""
            self.summary.setText(
                f"{said}{len(actuals.observations)} observation(s)"
                + (" (illustrative)" if actuals.illustrative else "")
                + ". Outcomes: the year's mean level in the outcome's unit; spend: outturn in £ "
                  "at the place's price year. Edit a cell to change it (Edit → Undo takes it back).")
        self._show_offer()
        has = self.model.has_rows()
        self.add_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.table.setHidden(not has)
        self.tables = [self.model] if has else []

    # --------------------------------------------------------------- the decision
    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """A meeting may have agreed a package since the tab was last shown."""
        self.read_decision_log()
        super().showEvent(event)

    def read_decision_log(self) -> None:
        """Read the decision log kept for the document (docs/workshop.md) and offer its
        agreed package as the actuals' decision when it differs from the one recorded."""
        try:
            entries = logged_entries(self.document.path, self.document.is_workspace)
        except (CutsimError, OSError) as error:  # the workspace translates its own errors
            log.warning("the decision log could not be read: %s", error)
            entries = []
        self.logged = agreed_decision(entries, self.document.file) if entries else None
        self._show_offer()

    def _show_offer(self) -> None:
        actuals = self.document.file.actuals
        current = actuals.decision if actuals is not None else None
        offered = self.logged.decision if self.logged is not None else None
        self.adopt_button.setHidden(offered is None or offered == current)
        if self.logged is not None:
            self.adopt_button.setToolTip(self.logged.reason[:1].upper() + self.logged.reason[1:]
                                         + ": record it as the decision these actuals follow "
                                           "(Edit → Undo takes it back)")

    def record_logged_decision(self) -> bool:
        """Record the decision log's agreed package as the actuals' decision (one undoable
        edit); False when the log offers none."""
        offered = self.logged.decision if self.logged is not None else None
        if offered is None:
            return False
        current = self.document.file.actuals or Actuals()
        return bool(self.document.apply(SetActuals(
            current.model_copy(update={"decision": offered}),
            f"Record the decision: scenario {offered.scenario} (from the workshop's log)")))

    def add_row(self) -> None:
        """A copy of the selected row (or the last) for the year after it."""
        rows = self.model.observations()
        if not rows:
            return
        selected = self.table.currentIndex()
        source = rows[selected.row()] if selected.isValid() else rows[-1]
        base_year = self.document.file.model.place.base_year
        y = year_index(source.year, base_year)
        year = year_label(base_year, (y if y is not None else 0) + 1)
        rows.append(source.model_copy(update={"year": year}))
        self.model.replace(rows, f"Add actuals row for {source.id} in {year}")

    def remove_row(self) -> None:
        rows = self.model.observations()
        selected = self.table.currentIndex()
        if not selected.isValid() or not rows:
            return
        gone = rows.pop(selected.row())
        self.model.replace(rows, f"Remove actuals row for {gone.id} in {gone.year}")

    # --------------------------------------------------------------- the review
    @property
    def review_running(self) -> bool:
        return self._jobs.current is not None

    def run_review(self) -> bool:
        """Start the review of the adopted scenario (else the current one) against the
        actuals on a worker thread; False (and a message) when there is nothing to review.
        A review already running is cancelled first. The figures are the core's."""
        self.cancel_review()
        file = self.document.file
        scenario = self.document.current_scenario_id
        decision = file.actuals.decision if file.actuals is not None else None
        if decision is not None and any(s.id == decision.scenario for s in file.scenarios):
            scenario = decision.scenario
        if file.actuals is None or not file.actuals.observations:
            self.document.report_refusal("the file has no actuals to review (File → Import "
                                         "Actuals…)")
            return False
        self._jobs.start(ReviewWorker(file, scenario, self.draws.value(), DEFAULT_SEED),
                         self._on_progress, self._on_finished, self._on_failed)
        self._set_running(True)
        return True

    def cancel_review(self) -> None:
        """Stop the running review; its result, if it comes, is not shown."""
        if self._jobs.cancel():
            self._set_running(False)

    def wait_for_review(self, timeout_ms: int = 30000) -> bool:
        """Block until every review thread has finished (for shutdown)."""
        return self._jobs.wait(timeout_ms)

    def shutdown(self) -> None:
        """Cancel and join the review (before the window closes)."""
        self.cancel_review()
        self.wait_for_review()

    def _set_running(self, running: bool) -> None:
        self.progress.setValue(0)
        self.progress.setHidden(not running)
        self.cancel_button.setHidden(not running)
        self.review_button.setEnabled(not running)
        self.draws.setEnabled(not running)

    @Slot(int)
    def _on_progress(self, percent: int) -> None:
        if self._jobs.is_current(self.sender()):
            self.progress.setValue(percent)

    @Slot(object)
    def _on_finished(self, result: Review) -> None:
        if not self._jobs.is_current(self.sender()):
            return
        self._jobs.done()
        self._set_running(False)
        self.result = result
        self.show_review(result)
        self.reviewFinished.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._jobs.is_current(self.sender()):
            self._jobs.done()
            self._set_running(False)
            self.document.report_refusal(message)

    def show_review(self, result: Review) -> None:
        model = self.document.file.model
        for widget in (self.outcome_choice, self.chart):
            widget.setHidden(not result.outcomes)
        self.variance.setHidden(not result.services)
        self.learning.setHidden(not result.outcomes)
        self.bottom.setHidden(not (result.services or result.outcomes))
        self.plots = [self.chart] if result.outcomes else []
        self.outcome_choice.blockSignals(True)
        self.outcome_choice.clear()
        for outcome_id in result.outcomes:
            self.outcome_choice.addItem(model.outcome(outcome_id).name, outcome_id)
        self.outcome_choice.blockSignals(False)
        self._draw_outcome()
        rows = [(model.service(s).name, row, i) for s, row in result.services.items()
                for i in range(len(row["years"]))]
        self.variance.setRowCount(len(rows))
        for r, (name, row, i) in enumerate(rows):
            cells = [name, row["years"][i], *(money(row[k][i]) for k in
                                               ("planned", "delivered", "slipped", "overspent"))]
            for c, text in enumerate(cells):
                self.variance.setItem(r, c, QTableWidgetItem(text))
        moved = result.moved_most(8) if result.outcomes else []
        self.learning.setRowCount(len(moved))
        for r, key in enumerate(moved):
            before, after, words = estimate_words(result.prior[key], result.posterior[key])
            label = result.labels.get(key, key) + (f", in {words}" if words else "")
            cells = [before, after, label]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(key)
                self.learning.setItem(r, c, item)
        warn = " ".join(w[:1].upper() + w[1:] + "." for w in result.warnings)
        self.summary.setText(self.summary.text().split(" Review:")[0]
                             + f" Review: {result.draws:,} draws, effective sample size "
                               f"{result.effective_sample_size:,.0f}." + (f" {warn}" if warn else ""))

    def _draw_outcome(self) -> None:
        item = self.chart.getPlotItem()
        item.clear()
        outcome_id = self.outcome_choice.currentData()
        if self.result is None or outcome_id is None:
            return
        row = self.result.outcomes[outcome_id]
        outcome = self.document.file.model.outcome(outcome_id)
        base_year = self.document.file.model.place.base_year
        x = [_mid_year(y, base_year) for y in row["years"]]
        lows, highs = row["forecast_p10"], row["forecast_p90"]
        bars = pg.BarGraphItem(x=x, y0=lows, y1=highs, width=0.3, brush=pg.mkBrush(29, 79, 145, 70),
                               pen=pg.mkPen(None))
        item.addItem(bars)
        central = item.plot(x, row["forecast_central"], pen=None, symbol="t1", symbolSize=10,
                            symbolBrush=CENTRAL)
        baseline = item.plot(x, row["baseline"], pen=pen("#1a1a1a", dash=True, width=1.5))
        observed = item.plot(x, row["observed"], pen=None, symbol="o", symbolSize=10,
                             symbolBrush=OBSERVED)
        item.setLabel("left", outcome.unit)
        item.legend.show_only([(bars, "forecast, likely range (P10 to P90)"),
                               (central, "forecast, central"), (baseline, "without the decision"),
                               (observed, "what happened")])
        item.setXRange(min(x) - 1, max(x) + 1)
