"""The MTFS tab: the medium-term financial plan of one agency or the place, by year.

A thin view over :func:`cutsim.appraise.mtfs.build_plan` (docs/mtfs.md): lines down,
financial years across, the next five financial years in cash by default (a terms box
and a years box choose), an agency picker and a slippage box. The plan's warnings stand
in a banner above the tables, in the core's own words; a second tab lists the savings
programme with its totals by directorate and by status. Every figure is the core's
(lines shown by the same rule as the text export); the CSV export writes pounds and pence.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cutsim.appraise.mtfs import DEFAULT_YEARS, GRANT_LINES, LABELS, build_plan
from cutsim.appraise.mtfs_export import shown_lines
from cutsim.appraise.programme import totals_by
from cutsim.model.fmt import money_exact, number, pounds_pence
from cutsim.model.schema import PLACE_ID
from ui.results.tables import _Table

if TYPE_CHECKING:
    from cutsim.appraise.mtfs import Plan
    from cutsim.appraise.result import Result

PLACE_CHOICE = "Whole place"
#: The banner: dark red text on a pale red ground with a red rule (contrast above 7:1).
BANNER_STYLE = ("QLabel#mtfs-warnings { background: #FDECEA; color: #7A0010; "
                "border-left: 6px solid #B00020; padding: 6px 8px; }")
#: Status cells, as RAG ratings are usually coloured (the status is also written out).
STATUS_COLOURS = {"green": "#C6EFCE", "amber": "#FFEB9C", "red": "#FFC7CE",
                  "delivered": "#DDEBF7"}


class MtfsTableModel(_Table):
    """Plan lines × financial years for the chosen agency (general fund, then each grant)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = ()
        self._years: list[str] = []
        self.plan: Plan | None = None

    def set_plan(self, plan: Plan, who: str, floor: float) -> None:
        self.plan, self.floor = plan, floor
        self._years = list(plan.years)
        self.columns = tuple(self._years)
        rows, values = [], []
        if who == PLACE_ID:
            blocks = [("", plan.place, shown_lines(plan.place))]
        else:
            agency = next(a for a in plan.agencies if a.agency == who)
            blocks = [("", agency.lines, shown_lines(agency.lines))] + [
                (f"{grant.replace('_', ' ').capitalize()}: ", lines, list(GRANT_LINES))
                for grant, lines in agency.grants.items()]
        for prefix, lines, keys in blocks:
            for key in keys:
                rows.append(prefix + LABELS.get(key, key))
                values.append([float(v) for v in lines[key]])
        self.set_rows(rows, values)

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        return f"{self._rows[row]}, {self.columns[column]}: {money_exact(self.shown(value))}"

    def format(self, row: int, column: int, value: Any) -> str:
        return self.money_cell(value)

    def to_csv(self, path: str | Path) -> None:
        """line, one column per financial year: £ to the penny."""
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["line", *self._years])
            for name, values in zip(self._rows, self._values):
                writer.writerow([name, *(pounds_pence(self.shown(v)) for v in values)])


def proposal_name(row: dict[str, Any]) -> str:
    """A programme row's name as a row header: the lever in words, capitalised."""
    return row["name"][:1].upper() + row["name"][1:]


class ProgrammeTableModel(_Table):
    """The savings programme: a row per proposal (directorate, owner, status, FTE and its
    planned saving by year), then the totals by directorate and by status and the plan's
    planned-savings line they add up to. For the place, each agency's programme in turn."""

    TEXT_COLUMNS = ("Directorate", "Owner", "Status")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = ()
        self._years: list[str] = []
        self._kinds: list[str] = []  # "proposal", "total" or "line" per row

    def set_plan(self, plan: Plan, who: str, floor: float) -> None:
        self.floor = floor
        self._years = list(plan.years)
        self.columns = (*self.TEXT_COLUMNS, "FTE", *self._years)
        agencies = [a for a in plan.agencies if who in (PLACE_ID, a.agency) and a.programme]
        rows: list[str] = []
        values: list[list[Any]] = []
        kinds: list[str] = []
        for agency in agencies:
            prefix = f"{agency.name}: " if who == PLACE_ID else ""
            for row in agency.programme:
                rows.append(prefix + proposal_name(row))
                values.append([row["directorate"], row["owner"], row["status"], float(row["fte"]),
                               *(float(v) for v in row["saving"])])
                kinds.append("proposal")
            for key in ("directorate", "status"):
                for name, saving in totals_by(agency.programme, key).items():
                    rows.append(f"{prefix}Total, {key}: {name}")
                    values.append(["", "", "", None, *(float(v) for v in saving)])
                    kinds.append("total")
            rows.append(f"{prefix}{LABELS['planned_savings']} (the plan's line)")
            values.append(["", "", "", None,
                           *(float(v) for v in agency.lines["planned_savings"])])
            kinds.append("line")
        self._kinds = kinds
        self.set_rows(rows, values)

    def format(self, row: int, column: int, value: Any) -> str:
        if column < len(self.TEXT_COLUMNS):
            return str(value)
        if value is None:
            return ""
        if column == len(self.TEXT_COLUMNS):
            return number(value, 1)
        return self.money_cell(value)

    def is_money_column(self, column: int) -> bool:
        return column > len(self.TEXT_COLUMNS)  # after the text and the FTE

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        if column <= len(self.TEXT_COLUMNS) or value is None:
            return None
        return f"{self._rows[row]}, {self.columns[column]}: {money_exact(self.shown(value))}"

    def style(self, row: int, column: int, value: Any, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and self._kinds[row] != "proposal":
            font = QFont()
            font.setBold(self._kinds[row] == "line")
            font.setItalic(self._kinds[row] == "total")
            return font
        if (role == Qt.ItemDataRole.BackgroundRole and column == 2
                and value in STATUS_COLOURS):
            return QBrush(QColor(STATUS_COLOURS[value]))
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and value in STATUS_COLOURS:
            return QBrush(QColor("#000000"))  # dark text on the pale status colours
        return None

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.TextAlignmentRole and index.isValid()
                and index.column() < len(self.TEXT_COLUMNS)):
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)

    def kind(self, row: int) -> str:
        """"proposal", "total" or "line" (the plan's planned-savings line)."""
        return self._kinds[row]

    def to_csv(self, path: str | Path) -> None:
        """proposal, directorate, owner, status, FTE, one column per financial year (£ to
        the penny); the totals and the plan's line follow the proposals."""
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["proposal", "directorate", "owner", "status", "fte", *self._years])
            for name, values in zip(self._rows, self._values):
                text, fte, saving = values[:3], values[3], values[4:]
                writer.writerow([name, *text, "" if fte is None else fte,
                                 *(pounds_pence(self.shown(v)) for v in saving)])


class MtfsPage(QWidget):
    """Caption, controls (agency, cash terms, years, slippage), the warnings banner and
    two tabs: the plan's table and the savings programme."""

    changed = Signal()

    def __init__(self, make_view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MtfsTableModel(self)
        self.programme_model = ProgrammeTableModel(self)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.agency = QComboBox(self)
        self.agency.setSizeAdjustPolicy(  # long agency names never widen the panel
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.agency.setMinimumContentsLength(16)
        self.agency.setObjectName("mtfs-agency")
        self.agency.setAccessibleName("Agency")
        self.cash = QCheckBox("Cash terms", self)
        self.cash.setObjectName("mtfs-cash")
        self.cash.setChecked(True)  # an MTFS is set in cash
        self.cash.setToolTip("Cash: each agency's pay, prices and inflation applied. "
                             "Clear it for real terms at the place's price year.")
        self.years = QSpinBox(self)
        self.years.setObjectName("mtfs-years")
        self.years.setAccessibleName("Financial years shown")
        self.years.setRange(1, DEFAULT_YEARS)
        self.years.setValue(DEFAULT_YEARS)
        self.years.setSuffix(" years")
        self.years.setToolTip("How many financial years to show, from the base year "
                              "(up to the model's horizon)")
        self.slippage = QDoubleSpinBox(self)
        self.slippage.setObjectName("mtfs-slippage")
        self.slippage.setRange(0.0, 100.0)
        self.slippage.setSuffix(" % of savings slip")
        self.slippage.setAccessibleName("Slippage")
        # two rows, so the controls fit a laptop's results panel
        controls, terms = QVBoxLayout(), QHBoxLayout()
        who = QHBoxLayout()
        who.addWidget(QLabel("Plan of", self))
        who.addWidget(self.agency, 1)
        controls.addLayout(who)
        terms.addWidget(self.cash)
        terms.addWidget(self.years)
        terms.addWidget(self.slippage)
        terms.addStretch(1)
        controls.addLayout(terms)
        self.banner = QLabel(self)
        self.banner.setObjectName("mtfs-warnings")
        self.banner.setAccessibleName("Plan warnings")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)  # names come from the file
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.view = make_view(self.model, self, "mtfs-table")
        self.programme_caption = QLabel(self)
        self.programme_caption.setObjectName("mtfs-programme-caption")
        self.programme_caption.setWordWrap(True)
        self.programme_view = make_view(self.programme_model, self, "mtfs-programme")
        programme = QWidget(self)
        box = QVBoxLayout(programme)
        box.setContentsMargins(0, 2, 0, 0)
        box.addWidget(self.programme_caption)
        box.addWidget(self.programme_view, 1)
        self.sub_tabs = QTabWidget(self)
        self.sub_tabs.setObjectName("mtfs-sub-tabs")
        self.sub_tabs.addTab(self.view, "Plan")
        self.sub_tabs.addTab(programme, "Savings programme")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.caption)
        layout.addLayout(controls)
        layout.addWidget(self.banner)
        layout.addWidget(self.sub_tabs, 1)
        self.plots: list[Any] = []
        self.plan: Plan | None = None
        self._result: Result | None = None
        self.agency.currentIndexChanged.connect(lambda _i: self._show())
        self.cash.toggled.connect(lambda _c: self._show())
        self.years.valueChanged.connect(lambda _v: self._show())
        self.slippage.valueChanged.connect(lambda _v: self._show())

    @property
    def tables(self) -> list[Any]:
        """The visible sub-tab's table first (the one Export table writes)."""
        if self.sub_tabs.currentIndex() == 1:
            return [self.programme_model, self.model]
        return [self.model, self.programme_model]

    def update_result(self, result: Result) -> None:
        self._result = result
        chosen = self.agency.currentData()
        self.agency.blockSignals(True)
        self.agency.clear()
        self.agency.addItem(PLACE_CHOICE, PLACE_ID)
        for agency in result.compiled.model.agencies:
            self.agency.addItem(agency.name, agency.id)
        index = self.agency.findData(chosen if chosen is not None else result.compiled.agency_ids[0])
        self.agency.setCurrentIndex(max(0, index))
        self.agency.blockSignals(False)
        self.years.blockSignals(True)
        self.years.setMaximum(max(1, len(result.years)))  # up to the horizon
        self.years.blockSignals(False)
        self._show()

    def _show(self) -> None:
        result = self._result
        if result is None:
            return
        from cutsim.model.materiality import materiality_floor

        plan = build_plan(result, cash=self.cash.isChecked(),
                          slippage_percent=self.slippage.value()).span(self.years.value())
        self.plan = plan
        who = self.agency.currentData() or PLACE_ID
        floor = materiality_floor(result.compiled.model)
        self.model.set_plan(plan, who, floor)
        self.programme_model.set_plan(plan, who, floor)
        self.view.resizeColumnsToContents()
        self.programme_view.resizeColumnsToContents()
        self._show_warnings(plan, who)
        terms = ("cash terms, by each agency's pay, prices and inflation" if plan.terms == "cash"
                 else f"real terms at {plan.price_year} prices")
        span = f"{plan.years[0]} to {plan.years[-1]}" if len(plan.years) > 1 else plan.years[0]
        self.caption.setText(
            f"Medium-term financial plan, {span}, £ a year, {terms}. Gap = baseline spend with "
            "pressures − funding: positive is a shortfall. Gap after savings = gap − planned "
            "savings + cashable knock-on + one-off costs; non-cashable knock-on is shown but "
            "moves no budget. Lines that are zero in every year are left out. Ring-fenced "
            "grants below, apart from the general fund.")
        name = self.agency.currentText()
        # No proposals: the caption says so rather than an empty table.
        self.programme_view.setHidden(not self.programme_model.has_rows())
        if self.programme_model.has_rows():
            self.programme_caption.setText(
                f"Savings programme of {name}: each proposal's planned saving, £ a year, "
                f"{terms}; the posts it removes (FTE); its status. The totals by directorate "
                "and by status add up to the plan's planned-savings line.")
        else:
            self.programme_caption.setText(
                f"{name} has no savings proposals on its general fund in this scenario.")
        self.changed.emit()

    def _show_warnings(self, plan: Plan, who: str) -> None:
        """The chosen agency's warnings (every agency's for the place), in the core's words;
        a line says when other agencies have warnings too. Hidden when there are none."""
        mine = [w for w in plan.warnings if who in (PLACE_ID, w.agency)]
        others = len(plan.warnings) - len(mine)
        lines = [f"Warning: {w.message}" for w in mine]
        if others:
            lines.append(f"{others} more warning{'s' if others > 1 else ''} for other agencies: "
                         "choose Whole place to read them.")
        text = "\n".join(lines)
        self.banner.setText(text)
        self.banner.setAccessibleDescription(text)
        self.banner.setVisible(bool(text))
