"""The results dock: live charts and tables of the current scenario, and Monte Carlo.

Only the visible tab is redrawn when a result arrives (the others are redrawn when shown),
so a slider move costs one engine run and one chart update. ``redrawn`` fires once the
visible tab shows the newest result (the UI benchmark times slider → ``redrawn``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cutsim.appraise.longrun import describe_long_run
from cutsim.model.fmt import money, year_label
from cutsim.model.schema import headline_year
from ui.results.actuals import ActualsPage
from ui.results.areas import AreasPage
from ui.results.charts import (
    AgencyMoneyChart,
    CompareChart,
    OutcomeChart,
    WaterfallChart,
)
from ui.results.export import CHART_FILTER, TABLE_FILTER, export_chart, export_table
from ui.results.mtfs import MtfsPage
from ui.results.pools import PoolsPage, has_pools_or_procurement
from ui.results.sensitivity import SensitivityPage, ValueOfInformation
from ui.results.tables import (
    AnnualMoneyTableModel,
    AppraisalTableModel,
    CompareTableModel,
    CostShiftTableModel,
)

if TYPE_CHECKING:
    from cutsim.appraise.result import Result
    from ui.document import DocumentController
    from ui.run_controller import RunController

ILLUSTRATIVE_NOTE = "Figures marked illustrative stand in for local data."


def _table_view(model: Any, parent: QWidget, name: str) -> QTableView:
    """A read-only table whose columns fit their contents: no cell or header is elided.

    Headers carry their own line breaks (the models wrap them); cells never wrap, so a
    minus sign stays beside its number; a table wider than the view scrolls.
    """
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setAlternatingRowColors(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideNone)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setWordWrap(False)
    return view


class _TablePage(QWidget):
    """A caption above a table view (the caption carries units and signs)."""

    def __init__(self, caption: str, model: Any, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.caption = QLabel(caption, self)
        self.caption.setWordWrap(True)
        self.view = _table_view(model, self, name)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        self.tables = [model]
        self.plots: list[Any] = []


class _ComparePage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.chart = CompareChart(self)
        self.model = CompareTableModel(self)
        self.view = _table_view(self.model, self, "compare-table")
        self.chart.setMinimumHeight(180)
        layout.addWidget(self.chart, 3)
        caption = QLabel("NPV per agency over the horizon (£, discounted, + = saving)", self)
        caption.setWordWrap(True)
        layout.addWidget(caption)
        # the table shows its heading and a few rows however short the window
        self.view.setMinimumHeight(self.view.horizontalHeader().sizeHint().height() * 2
                                   + self.view.verticalHeader().defaultSectionSize() * 3)
        layout.addWidget(self.view, 2)
        self.value_of_information = ValueOfInformation(_table_view, self)
        layout.addWidget(self.value_of_information, 1)
        self.plots = self.chart.plots
        self.tables = [self.model, self.value_of_information.model]


class ResultsDock(QWidget):
    """Tabs: outcomes, agency money, annual money, waterfall, cost shift, appraisal, the
    medium-term financial plan, comparison, areas, sensitivity, actuals."""

    redrawn = Signal()

    def __init__(self, document: DocumentController, run_controller: RunController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPanel")
        self.document = document
        self.run = run_controller
        self._drawn: set[int] = set()  # tabs showing the newest result

        self.status = QLabel(self)
        self.status.setObjectName("results-status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.outcomes = OutcomeChart()
        self.money = AgencyMoneyChart()
        self.waterfall = WaterfallChart()
        self.cost_shift_model = CostShiftTableModel(self)
        self.cost_shift = _TablePage(
            "Who pays for whose cuts: knock-on cost (£, over the horizon, undiscounted) borne by "
            "the column agency because of the row agency's levers. Darker orange = more cost "
            "pushed across.", self.cost_shift_model, "cost-shift-table")
        self.appraisal_model = AppraisalTableModel(self)
        self.appraisal = _TablePage(
            "Green Book appraisal of net saving (£, discounted; + = saving). Optimism bias lowers "
            "benefits and raises costs by the weakest evidence on the causal path. Payback: the "
            "first financial year by which discounted net saving turns positive.",
            self.appraisal_model, "appraisal-table")
        # The long run beside the NPV: harm still growing at the horizon, a terminal value.
        self.long_run_note = QLabel(self.appraisal)
        self.long_run_note.setObjectName("long-run-note")
        self.long_run_note.setWordWrap(True)
        self.long_run_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.appraisal.body.addWidget(self.long_run_note)
        self.compare = _ComparePage()
        self.annual_model = AnnualMoneyTableModel(self)
        self.annual = _TablePage(
            "Money per financial year (£ in each year, undiscounted): planned saving, knock-on "
            "cost and one-off cost as they fall, and net saving = planned saving − knock-on − "
            "one-off. Costs are shown as costs. Hover a cell for the exact figure; Export table "
            "writes it in pounds and pence.", self.annual_model, "annual-table")
        self.annual.view.verticalHeader().hide()  # the agency and money columns name each row
        self.pools = PoolsPage(_table_view)

        self.mtfs = MtfsPage(_table_view)
        self.areas = AreasPage()
        self.sensitivity = SensitivityPage(_table_view)
        self.actuals = ActualsPage(document)  # follows the document itself; reviews on demand

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("results-tabs")
        for page, title in ((self.outcomes, "Outcomes"), (self.money, "Agency money"),
                            (self.annual, "Annual money"),
                            (self.waterfall, "Waterfall"), (self.cost_shift, "Cost shift"),
                            (self.appraisal, "Appraisal"), (self.mtfs, "MTFS"),
                            (self.compare, "Compare"), (self.pools, "Pools and procurement"),
                            (self.areas, "Areas"), (self.sensitivity, "Sensitivity"),
                            (self.actuals, "Actuals")):
            self.tabs.addTab(page, title)
        self._enable_pools(None)
        self.tabs.currentChanged.connect(lambda _i: self.redraw())
        self.tabs.currentChanged.connect(lambda _i: self._update_exports())
        # the review finishes on its own thread's signal: its chart can then be exported
        self.actuals.reviewFinished.connect(lambda _r: self._update_exports())
        for chart in (self.outcomes, self.money, self.waterfall, self.sensitivity):
            chart.selectionChanged.connect(self._selection_changed)
        self.compare.value_of_information.button.clicked.connect(
            lambda: self.compare.value_of_information.compute(self.run.result,
                                                              self.run.comparison))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(self._bottom_bar())

        run_controller.resultReady.connect(self._new_result)
        run_controller.comparisonReady.connect(lambda _r: self._drawn.clear())
        run_controller.runFailed.connect(self._show_error)
        run_controller.monteCarloProgress.connect(self.progress.setValue)
        run_controller.monteCarloFinished.connect(self._monte_carlo_done)
        run_controller.monteCarloFailed.connect(self._monte_carlo_failed)
        run_controller.monteCarloCancelled.connect(
            lambda: self._set_mc_status("Monte Carlo cancelled."))
        run_controller.monteCarloRunningChanged.connect(self._mc_running)
        if run_controller.result is not None:
            self._new_result(run_controller.result)
        elif run_controller.error:
            self._show_error(run_controller.error)

    # ------------------------------------------------------------ controls
    def _bottom_bar(self) -> QVBoxLayout:
        """Two rows under the tabs: export and the Monte Carlo summary, then the Monte Carlo
        controls (one row of both would set the panel's width at a laptop's screen)."""
        bar, exports, controls = QVBoxLayout(), QHBoxLayout(), QHBoxLayout()
        bar.addLayout(exports)
        bar.addLayout(controls)
        self.draws = QSpinBox(self)
        self.draws.setObjectName("mc-draws")
        self.draws.setRange(10, 100000)
        self.draws.setSingleStep(100)
        self.draws.setValue(1000)
        self.draws.setSuffix(" draws")
        self.mc_button = QPushButton("Run Monte Carlo", self)
        self.mc_button.setObjectName("mc-run")
        self.mc_button.setToolTip("Draw every uncertain input (effect and demand sizes, and "
                                  "costs, spends and delays with ranges) and show P10–P90 bands")
        self.mc_button.clicked.connect(lambda: self.run.run_monte_carlo(self.draws.value(), 1))
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("mc-cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.run.cancel_monte_carlo)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("mc-progress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.mc_status = QLabel("", self)
        self.mc_status.setObjectName("mc-status")
        # The status takes the free width and never asks for more, so the panels above do
        # not jump when a Monte Carlo summary appears.
        self.mc_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.mc_status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.export_buttons: dict[str, QToolButton] = {}
        for text, slot, name in (("Export chart…", self.export_chart_dialog, "export-chart"),
                                 ("Export table…", self.export_table_dialog, "export-table")):
            button = QToolButton(self)
            button.setText(text)
            button.setObjectName(name)
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, run=slot: run())
            exports.addWidget(button)
            self.export_buttons[name] = button
        exports.addWidget(self.mc_status, 1)
        for widget in (self.draws, self.mc_button, self.progress, self.cancel_button):
            controls.addWidget(widget)
        controls.setStretchFactor(self.progress, 1)
        return bar

    # ------------------------------------------------------------ results
    def _new_result(self, _result: Result) -> None:
        self._drawn.clear()
        illustrative = self._illustrative_note()
        self.status.setStyleSheet("")
        result = self.run.result
        assert result is not None  # resultReady fires once the result is set
        self._enable_pools(result)
        self.status.setText(f"Scenario: <b>{result.scenario.name}</b>. {self.headline(result)} "
                            f"Money in £ at {year_label(result.compiled.model.place.effective_price_year, 0)} "
                            f"prices; + = saving for the budget. {illustrative}")
        self.redraw()
        self._update_exports()

    @staticmethod
    def headline(result: Result) -> str:
        """The summary of the scenario's headline year (docs/result-format.md), in the core's words."""
        cm = result.compiled
        year = headline_year(result.scenario, cm.horizon_years)
        net = float(result.place_annual["net_saving"][year])
        return (f"In {year_label(cm.model.place.base_year, year)} (the headline year) the whole "
                f"place's net saving is {money(net)}.")

    def _enable_pools(self, result: Result | None) -> None:
        """The pools tab only when the scenario has a pool or a procurement lever."""
        index = self.tabs.indexOf(self.pools)
        has = result is not None and has_pools_or_procurement(result)
        self.tabs.setTabEnabled(index, has)
        self.tabs.setTabToolTip(index, "" if has else
                                "This scenario has no pooled budget and no procurement lever")
        index = self.tabs.indexOf(self.areas)
        has_areas = result is not None and bool(result.compiled.model.areas)
        self.tabs.setTabEnabled(index, has_areas)
        self.tabs.setTabToolTip(index, "" if has_areas else
                                "This model has no areas (neighbourhoods): see docs/areas.md")

    def _illustrative_note(self) -> str:
        model = self.document.file.model
        flagged = any(getattr(x, "illustrative", False)
                      for x in (*model.services, *model.outcomes, *model.effects, *model.demands))
        return ILLUSTRATIVE_NOTE if flagged else ""

    def _show_error(self, message: str) -> None:
        self.status.setStyleSheet("color: #B00020;")
        self.status.setText(message)
        self._update_exports()
        self.redrawn.emit()

    def _update_exports(self) -> None:
        """Export actions only where there is something to export on the visible tab."""
        has_result = self.run.result is not None
        self.export_buttons["export-chart"].setEnabled(has_result and bool(self.current_plots()))
        self.export_buttons["export-table"].setEnabled(
            has_result and any(t.has_rows() for t in self.current_tables()))

    def _selection_changed(self) -> None:
        self._drawn.discard(self.tabs.currentIndex())
        self.redraw()

    def redraw(self) -> None:
        """Show the newest result on the visible tab (others wait until shown)."""
        result = self.run.result
        index = self.tabs.currentIndex()
        if result is None or index in self._drawn:
            return
        page = self.tabs.widget(index)
        comparison, mc = self.run.comparison, self.run.mc_result
        if page is self.outcomes:
            self.outcomes.update_result(result, comparison, mc)
        elif page is self.money:
            self.money.update_result(result)
        elif page is self.waterfall:
            self.waterfall.update_result(result)
        elif page is self.annual:
            self.annual_model.set_result(result)
        elif page is self.cost_shift:
            self.cost_shift_model.set_result(result)
        elif page is self.appraisal:
            self.appraisal_model.set_result(result)
            self.long_run_note.setText(" ".join(describe_long_run(result)))
        elif page is self.mtfs:
            self.mtfs.update_result(result)
        elif page is self.pools:
            self.pools.set_result(result)
        elif page is self.compare:
            others = list(getattr(self.run, "comparisons", []) or
                          ([comparison] if comparison is not None else []))
            self.compare.chart.update_result(result, others)
            self.compare.model.set_results(result, others)
            self.compare.value_of_information.clear()  # for the previous pair of scenarios
        elif page is self.sensitivity:
            self.sensitivity.update_result(result)
        elif page is self.areas:
            self.areas.show_result(result)
        self._drawn.add(index)
        self._update_exports()
        self.redrawn.emit()

    # ------------------------------------------------------------ Monte Carlo
    def _mc_running(self, running: bool) -> None:
        self.mc_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress.setValue(0)
            self._set_mc_status("Monte Carlo running…")

    def _monte_carlo_done(self, result: Result) -> None:
        unc = result.uncertainty
        if unc is None:
            self._set_mc_status("Monte Carlo gave no bands.")
        else:
            npv = unc.place_npv
            self._set_mc_status(f"{unc.draws} draws: place NPV P10 {money(npv.p10)}, "
                                f"P50 {money(npv.p50)}, P90 {money(npv.p90)}")
        self._drawn.clear()
        self.redraw()

    def _monte_carlo_failed(self, message: str) -> None:
        self._set_mc_status(f"Monte Carlo failed: {message}")

    def _set_mc_status(self, text: str) -> None:
        self.mc_status.setText(text)

    # ------------------------------------------------------------ export
    def current_plots(self) -> list[Any]:
        return list(getattr(self.tabs.currentWidget(), "plots", []))

    def current_tables(self) -> list[Any]:
        return list(getattr(self.tabs.currentWidget(), "tables", []))

    def export_chart_dialog(self) -> None:
        plots = self.current_plots()
        if not plots:
            self._set_mc_status("This tab has no chart; use Export table.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export chart", "chart.png", CHART_FILTER)
        if path:
            export_chart(plots[0], path)

    def export_table_dialog(self) -> None:
        tables = self.current_tables()
        if not tables:
            self._set_mc_status("This tab has no table; use Export chart.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export table", "table.csv", TABLE_FILTER)
        if path:
            export_table(tables[0], path)

