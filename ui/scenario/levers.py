"""One slider per discretionary service, grouped by agency, and the other levers read-only.

A slider runs from the service's statutory floor (−100 %, a closure, where it has none) to
+50 % of its baseline spend: negative is a ``cut`` lever, positive an ``invest`` lever (both
with ``percent``), 0 removes the slider's lever.
Each move applies ``SetLever``; the document merges the moves of one drag into one undo
step. Beside each slider: the service's baseline spend and the change in its spend at
full effect, read from the engine's result (so it is the engine's number, not the panel's).

A service whose spend levers cannot be shown by one slider (an amount in £, several
levers, a lever on a demand-led service) keeps its levers as they are: its slider is
disabled. Below the sliders every lever of the scenario is listed; Add, Edit and Remove
open the lever editor (:mod:`ui.scenario.lever_editor`) for any kind of lever.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cutsim.levers.kinds import CutLever, InvestLever
from cutsim.model.commands import RemoveLever, SetLever
from cutsim.model.schema import Scenario, Service
from cutsim.workshop import describe_lever
from ui import dialogs
from ui.palette import agency_colours
from ui.results.fmt import MINUS, money, year_label
from ui.scenario.area_targets import AreaTargets

if TYPE_CHECKING:
    from cutsim.appraise.result import Result
    from ui.document import DocumentController
    from ui.run_controller import RunController

SLIDER_MIN, SLIDER_MAX = -100, 50  # a closure at most; invest up to +50 % by slider


@dataclass
class RowState:
    """What one service's slider shows: its lever (or None) and whether it can edit it."""

    lever: CutLever | InvestLever | None
    editable: bool
    note: str = ""


def signed_percent(lever: CutLever | InvestLever | None) -> float | None:
    """A percent lever's size, negative for a cut (None for no lever or one in £/yr)."""
    if lever is None or lever.percent is None:
        return None
    return -lever.percent if lever.kind == "cut" else lever.percent


def slider_value(lever: CutLever | InvestLever | None, low: int = SLIDER_MIN) -> int:
    """The slider position for a percent lever (clamped to the slider's range)."""
    signed = signed_percent(lever)
    if signed is None:
        return 0
    return int(max(low, min(SLIDER_MAX, round(signed))))


def deepest_cut(service: Service) -> int:
    """The slider's lowest position: down to the statutory floor (−100 %, a closure, if none)."""
    return -int((1.0 - service.statutory_floor) * 100.0 + 1e-9)


def lever_for(value: int, service_id: str, lever_id: str,
              template: CutLever | InvestLever | None, start_year: float,
              phase_years: float) -> CutLever | InvestLever | None:
    """The lever a slider at ``value`` stands for (None at 0), keeping the template's timing."""
    if value == 0:
        return None
    fields: dict[str, Any] = {"start_year": start_year, "phase_years": phase_years}
    if template is not None:
        fields = {name: getattr(template, name) for name in
                  ("start_year", "phase_years", "note", "notice_months", "one_off_cost",
                   "areas")}
    if value < 0:
        return CutLever(id=lever_id, kind="cut", service=service_id, percent=float(-value),
                        **fields)
    return InvestLever(id=lever_id, kind="invest", service=service_id, percent=float(value),
                       **fields)


def row_states(scenario: Scenario | None, services: list[Service]) -> dict[str, RowState]:
    """For each discretionary service, the lever its slider edits, if one slider can."""
    spend: dict[str, list[Any]] = {}
    for lever in (scenario.levers if scenario else []):
        if isinstance(lever, (CutLever, InvestLever)):
            spend.setdefault(lever.service, []).append(lever)
    states = {}
    for service in services:
        levers = spend.get(service.id, [])
        if not levers:
            states[service.id] = RowState(None, True)
        elif len(levers) == 1 and levers[0].percent is not None:
            states[service.id] = RowState(levers[0], True)
        else:
            states[service.id] = RowState(None, False,
                                          f"set by {len(levers)} lever(s) listed below")
    return states


def describe(lever: Any) -> str:
    """A lever in words with its id and timing, e.g. ``l1: cut youth by 20 %, from year 0``."""
    timing = f"from year {lever.start_year:g}" + (
        f", phased over {lever.phase_years:g} yrs" if lever.phase_years else "")
    return f"{lever.id}: {describe_lever(lever)}, {timing}"


class ServiceRow:
    """The widgets of one service: name, slider, value, baseline spend and £ change."""

    def __init__(self, service: Service, grid: QGridLayout, row: int, parent: QWidget) -> None:
        self.service = service
        self.name = QLabel(service.name, parent)
        self.name.setToolTip(f"{service.name} ({service.id}): {money(service.baseline_spend)}/yr, "
                             f"{service.activity_unit}")
        self.name.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, parent)
        self.slider.setRange(deepest_cut(service), SLIDER_MAX)
        self.slider.setSingleStep(1)
        self.slider.setPageStep(5)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(10)
        self.slider.setObjectName(f"slider-{service.id}")
        self.slider.setMinimumWidth(130)  # a usable drag length, in a panel a laptop fits
        self.slider.setAccessibleName(f"Change to {service.name}, percent of spend")
        self.value = QLabel("0 %", parent)
        self.value.setMinimumWidth(48)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.spend = QLabel(f"{money(service.baseline_spend)}/yr", parent)
        self.spend.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.change = QLabel("", parent)
        self.change.setMinimumWidth(84)
        self.change.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Two lines per service: the name (and its spend) above a slider that gets the
        # dock's whole width, so it stays a usable drag length in a narrow side panel.
        grid.addWidget(self.name, 2 * row, 0, 1, 2)
        grid.addWidget(self.spend, 2 * row, 2)
        grid.addWidget(self.slider, 2 * row + 1, 0)
        grid.addWidget(self.value, 2 * row + 1, 1)
        grid.addWidget(self.change, 2 * row + 1, 2)
        self.state = RowState(None, True)

    def show_state(self, state: RowState) -> None:
        """Show ``state`` without emitting a slider move."""
        self.state = state
        self.slider.blockSignals(True)
        self.slider.setValue(slider_value(state.lever, self.slider.minimum()))
        self.slider.blockSignals(False)
        self.slider.setEnabled(state.editable)
        self.slider.setToolTip(state.note or "drag left to cut, right to invest (% of spend)")
        self.show_value()

    def show_value(self) -> None:
        lever = self.state.lever
        if not self.state.editable:
            self.value.setText("…")
        elif lever is None:
            self.value.setText("0 %")
        elif (signed := signed_percent(lever)) is not None:  # editable: by percent
            self.value.setText(f"{MINUS if signed < 0 else '+'}{abs(signed):g} %")
        else:
            self.value.setText("…")

    def show_change(self, change: float | None) -> None:
        """The change in spend at full effect (£/yr, from the result); blank when none."""
        if change is None or abs(change) < 0.5:
            self.change.setText("")
            self.change.setToolTip("")
            return
        self.change.setText(f"{money(change, signed=True)}/yr")
        self.change.setToolTip("change in this service's spend at full effect, £ per year "
                               "(− = less spent)")


class LeverPanel(QWidget):
    """Sliders for the current scenario's discretionary services, and its other levers.

    ``serviceSelected(str)`` fires when a slider is touched, so the timing box edits it.
    """

    serviceSelected = Signal(str)

    def __init__(self, document: DocumentController, run_controller: RunController | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.rows: dict[str, ServiceRow] = {}
        self.selected_service: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        # rows wrap their names instead of scrolling sideways in a narrow dock
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self._scroll, 1)
        layout.addWidget(self._build_timing())
        self.run_controller = run_controller
        self._levers_label = QLabel("Levers (Enter: edit, Delete: remove)", self)
        self.others = QListWidget(self)
        self.others.setObjectName("lever-list")
        self.others.setToolTip("Every lever of the scenario: add, edit or remove any kind "
                               "(cut, invest, pool, procurement)")
        self.others.setMaximumHeight(120)
        # Enter or a double-click edits the lever; Delete (Edit > Remove Rows) removes it
        self.others.itemActivated.connect(lambda _item: self.edit_selected())
        layout.addWidget(self._levers_label)
        layout.addWidget(self.others)
        layout.addLayout(self._lever_buttons())
        self.rebuild()
        document.modelChanged.connect(self.rebuild)
        document.fileReplaced.connect(self.rebuild)
        document.scenariosChanged.connect(self.refresh)
        document.currentScenarioChanged.connect(self.refresh)
        if run_controller is not None:
            run_controller.resultReady.connect(self.show_result)

    # ------------------------------------------------------------ building
    def _build_timing(self) -> QGroupBox:
        box = QGroupBox("Timing of the selected lever", self)
        form = QFormLayout(box)
        self.timing_label = QLabel("Touch a slider to choose a service", box)
        self.start_year = QSpinBox(box)
        self.start_year.setObjectName("start-year")
        self.phase_years = QDoubleSpinBox(box)
        self.phase_years.setObjectName("phase-years")
        self.phase_years.setDecimals(1)
        self.phase_years.setSingleStep(0.5)
        self.phase_years.setSuffix(" years")
        form.addRow(self.timing_label)
        form.addRow("Starts in", self.start_year)
        form.addRow("Phased in over", self.phase_years)
        self.area_targets = AreaTargets(box)
        self._areas_label = QLabel("Only in areas", box)
        form.addRow(self._areas_label, self.area_targets)
        self.area_targets.targetsChanged.connect(self._areas_changed)
        self.start_year.valueChanged.connect(self._timing_changed)
        self.phase_years.valueChanged.connect(self._timing_changed)
        return box

    def rebuild(self) -> None:
        """Rebuild every row (the model changed: services, names or agencies)."""
        model = self.document.file.model
        horizon, base = model.place.horizon_years, model.place.base_year
        for spin in (self.start_year, self.phase_years):
            spin.blockSignals(True)
        self.start_year.setRange(0, max(0, horizon - 1))
        self.start_year.setPrefix("")
        self.start_year.setToolTip(f"financial year of the start, 0 = {year_label(base, 0)}")
        self.start_year.setSuffix(f"  (year 0 = {year_label(base, 0)})")
        self.phase_years.setRange(0.0, float(horizon))
        for spin in (self.start_year, self.phase_years):
            spin.blockSignals(False)
        self.area_targets.set_areas(list(model.areas or []))
        for widget in (self.area_targets, self._areas_label):
            widget.setVisible(bool(model.areas))
        content = QWidget()
        outer = QVBoxLayout(content)
        colours = agency_colours([a.id for a in model.agencies])
        self.rows = {}
        for agency in model.agencies:
            services = [s for s in model.services
                        if s.agency == agency.id and s.mode == "discretionary"]
            if not services:
                continue
            box = QGroupBox(agency.name, content)
            box.setObjectName(f"agency-{agency.id}")
            box.setStyleSheet(f"QGroupBox {{ border-left: 6px solid {colours[agency.id]}; "
                              "margin-top: 1.2em; padding-left: 4px; }"
                              "QGroupBox::title { subcontrol-origin: margin; left: 8px; }")
            grid = QGridLayout(box)
            grid.setColumnStretch(0, 1)  # the slider column takes the spare width
            grid.setVerticalSpacing(2)
            for i, service in enumerate(services):
                row = ServiceRow(service, grid, i, box)
                row.slider.valueChanged.connect(
                    lambda value, sid=service.id: self._slider_moved(sid, value))
                row.slider.sliderPressed.connect(lambda sid=service.id: self.select(sid))
                self.rows[service.id] = row
            outer.addWidget(box)
        outer.addStretch(1)
        self._scroll.setWidget(content)
        # the rows never scroll sideways, so the panel is at least as wide as they need:
        # their figures are never cut off at the dock's edge
        bar = self._scroll.verticalScrollBar().sizeHint().width()
        self._scroll.setMinimumWidth(content.minimumSizeHint().width() + bar
                                     + 2 * self._scroll.frameWidth())
        self.refresh()

    # ------------------------------------------------------------ following the document
    def scenario(self) -> Scenario | None:
        sid = self.document.current_scenario_id
        return next((s for s in self.document.file.scenarios if s.id == sid), None)

    def refresh(self, *_: object) -> None:
        """Show the current scenario's levers on the sliders (no commands are applied)."""
        scenario = self.scenario()
        states = row_states(scenario, [r.service for r in self.rows.values()])
        for sid, row in self.rows.items():
            row.show_state(states[sid])
            row.slider.setEnabled(states[sid].editable and scenario is not None)
        self.others.clear()
        for lever in (scenario.levers if scenario else []):
            item = QListWidgetItem(describe(lever) + (f"\n    note: {lever.note}" if lever.note else ""))
            item.setData(Qt.ItemDataRole.UserRole, lever.id)
            self.others.addItem(item)
        for button in self.lever_buttons.values():
            button.setEnabled(scenario is not None)
        self._show_timing()

    def show_result(self, result: Result) -> None:
        """The change in each service's spend at full effect, from the engine's result."""
        cm = result.compiled
        for sid, row in self.rows.items():
            i = cm.service_index.get(sid)
            row.show_change(None if i is None else
                            float(result.spend[i, -1] - cm.baseline_spend[i]))

    # ------------------------------------------------------------ the lever list
    def _lever_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.lever_buttons: dict[str, QToolButton] = {}
        for text, tip, slot, name in (
            ("Add lever…", "Add a cut, invest, pool or procurement lever", self.add_lever, "add"),
            ("Edit…", "Edit the selected lever", self.edit_selected, "edit"),
            ("Remove", "Remove the selected lever (Edit → Undo brings it back)",
             self.remove_selected, "remove"),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"lever-{name}")
            button.clicked.connect(lambda _c=False, run=slot: run())
            row.addWidget(button)
            self.lever_buttons[name] = button
        row.addStretch(1)
        return row

    def selected_lever(self) -> Any:
        item = self.others.currentItem()
        scenario = self.scenario()
        if item is None or scenario is None:
            return None
        lever_id = item.data(Qt.ItemDataRole.UserRole)
        return next((lv for lv in scenario.levers if lv.id == lever_id), None)

    def editor(self, lever: Any = None) -> Any:
        """A lever editor on the current scenario (``lever`` None: a new lever)."""
        from ui.scenario.lever_editor import LeverEditor

        scenario = self.scenario()
        if scenario is None:
            return None
        return LeverEditor(self.document, scenario.id, lever, self._compiled(), self)

    def _compiled(self) -> Any:
        project = getattr(self.run_controller, "project", None)
        try:
            return project.compiled if project is not None else None
        except Exception:  # noqa: BLE001 - an invalid model: the validator's messages suffice
            return None

    def add_lever(self) -> bool:
        dialog = self.editor()
        return dialog is not None and bool(dialog.exec())

    def edit_selected(self) -> bool:
        lever = self.selected_lever()
        if lever is None:
            return False
        dialog = self.editor(lever)
        return dialog is not None and bool(dialog.exec())

    def remove_selected(self, confirm: bool = True) -> bool:
        lever, scenario = self.selected_lever(), self.scenario()
        if lever is None or scenario is None:
            return False
        if confirm and not dialogs.ask_yes_no(
                self, "Remove lever", f'Remove lever "{lever.id}"? (Edit → Undo brings it back.)'):
            return False
        return self.document.apply(RemoveLever(scenario.id, lever.id))

    # ------------------------------------------------------------ edits
    def _lever_id(self, service_id: str, scenario: Scenario) -> str:
        taken = {lever.id for lever in scenario.levers}
        candidate, n = service_id, 2
        while candidate in taken:
            suffix = f"-{n}"
            candidate, n = service_id[: 64 - len(suffix)] + suffix, n + 1
        return candidate

    def _slider_moved(self, service_id: str, value: int) -> None:
        scenario = self.scenario()
        row = self.rows[service_id]
        if scenario is None or not row.state.editable:
            return
        self.select(service_id)
        current = row.state.lever
        lever_id = current.id if current is not None else self._lever_id(service_id, scenario)
        lever = lever_for(value, service_id, lever_id, current,
                          float(self.start_year.value()), self.phase_years.value())
        if lever is None:
            if current is not None:
                self.document.apply(RemoveLever(scenario.id, current.id))
            return
        self.document.apply(SetLever(scenario.id, lever))

    def select(self, service_id: str) -> None:
        """Make ``service_id`` the row the timing box edits."""
        if service_id != self.selected_service:
            self.selected_service = service_id
            self._show_timing()
            self.serviceSelected.emit(service_id)

    def _show_timing(self) -> None:
        row = self.rows.get(self.selected_service or "")
        if row is None:
            return
        lever = row.state.lever
        self.timing_label.setText(f"{row.service.name}"
                                  + ("" if lever else " (no lever yet: timing for a new one)"))
        self.area_targets.show_lever(lever)
        self.area_targets.setEnabled(lever is not None)
        if lever is not None:
            for spin in (self.start_year, self.phase_years):
                spin.blockSignals(True)
            self.start_year.setValue(int(lever.start_year))
            self.phase_years.setValue(lever.phase_years)
            for spin in (self.start_year, self.phase_years):
                spin.blockSignals(False)

    def _areas_changed(self, areas: list[str] | None) -> None:
        """Make the selected lever fall in ``areas`` only (None: the whole place)."""
        row = self.rows.get(self.selected_service or "")
        scenario = self.scenario()
        if row is None or scenario is None or row.state.lever is None:
            return
        self.document.apply(SetLever(scenario.id, row.state.lever.model_copy(
            update={"areas": areas})))

    def _timing_changed(self, *_: object) -> None:
        row = self.rows.get(self.selected_service or "")
        scenario = self.scenario()
        if row is None or scenario is None or row.state.lever is None:
            return  # the values become the timing of the next new lever
        lever = row.state.lever.model_copy(update={
            "start_year": float(self.start_year.value()),
            "phase_years": float(self.phase_years.value())})
        self.document.apply(SetLever(scenario.id, lever))
