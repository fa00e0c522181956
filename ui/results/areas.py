"""The Areas tab: where a scenario lands, as a choropleth map and a table.

Both show one measure (an outcome's change, or net saving / knock-on cost summed over
agencies) in the scenario's headline year, from ``cutsim.appraise.areas.area_figures``;
the map is drawn with Qt painter paths from the areas' GeoJSON shapes (projected by
``cutsim.model.area_shapes``): no map tiles, no network. Orange is harm, blue is good,
white is no change; the darker, the larger the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cutsim.appraise.areas import MEASURES, AreaFigure, area_figures, measure_label
from cutsim.model.area_shapes import project
from cutsim.model.schema import headline_year
from ui.palette import diverging, text_colour_on
from ui.results.fmt import money, number, year_label
from ui.results.tables import _Table

if TYPE_CHECKING:
    from cutsim.appraise.result import Result
    from cutsim.engine.compiled import CompiledModel

NO_AREAS = ("This model has no areas. Add neighbourhoods (areas) to the model file to see "
            "where a scenario lands; see the user guide.")


def figure_text(figure: AreaFigure, measure: str) -> str:
    """An area's figure as it reads in the table and on the map."""
    if measure.startswith("outcome:"):
        if figure.effect == 0:
            return "no change"
        return ("+" if figure.value > 0 else "") + number(figure.value, 1)
    if figure.effect == 0:
        return "no change"
    return money(figure.value, signed=True)


def colour_for(figure: AreaFigure, limit: float) -> QColor:
    """Orange for harm, blue for good, white for none (darker = larger)."""
    return diverging(-figure.effect * abs(figure.value), limit)


class AreaTableModel(_Table):
    """Per area: population, deprivation decile and the measure's figure in one year."""

    columns = ("Population", "Deprivation decile", "Change")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.measure = "net_saving"
        self.figures: list[AreaFigure] = []
        self._limit = 0.0

    def set_figures(self, figures: list[AreaFigure], measure: str, heading: str) -> None:
        self.measure, self.figures = measure, figures
        self.columns = ("Population", "Deprivation decile (1 = most deprived)", heading)
        self._limit = max((abs(f.value) for f in figures), default=0.0)
        self.set_rows([f.name for f in figures],
                      [[f.population, f.deprivation_decile, f.value] for f in figures])

    def format(self, row: int, column: int, value: Any) -> str:
        if column == 0:
            return number(value, 0)
        if column == 1:
            return "—" if value is None else str(value)
        return figure_text(self.figures[row], self.measure)

    def style(self, row: int, column: int, value: Any, role: int) -> Any:
        if column != 2:
            return None
        colour = colour_for(self.figures[row], self._limit)
        if role == Qt.ItemDataRole.BackgroundRole:
            return colour
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(text_colour_on(colour.name()))
        return None


class ChoroplethMap(QWidget):
    """The areas filled by their figure; each labelled with its name and figure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-map")
        self.setMinimumSize(320, 240)
        self.setAccessibleName("Map of areas coloured by the change")
        self.areas: list[Any] = []
        self.figures: dict[str, AreaFigure] = {}
        self.measure = "net_saving"
        self.paths: dict[str, QPainterPath] = {}

    def set_figures(self, areas: list[Any], figures: list[AreaFigure], measure: str) -> None:
        self.areas, self.measure = areas, measure
        self.figures = {f.area_id: f for f in figures}
        self.update()

    def _build_paths(self) -> dict[str, QPainterPath]:
        shapes = project(self.areas, float(self.width()), float(self.height()), margin=12.0)
        paths = {}
        for area_id, rings in shapes.items():
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)  # holes stay holes
            for ring in rings:
                path.moveTo(QPointF(*ring[0]))
                for x, y in ring[1:]:
                    path.lineTo(QPointF(x, y))
                path.closeSubpath()
            paths[area_id] = path
        return paths

    def paintEvent(self, _event: Any) -> None:  # a Qt override: Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        self.paths = self._build_paths()
        if not self.paths:
            painter.setPen(QColor("#555555"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "No area has a shape to draw" if self.areas else "")
            painter.end()
            return
        limit = max((abs(f.value) for f in self.figures.values()), default=0.0)
        painter.setPen(QPen(QColor("#333333"), 1.2))
        for area_id, path in self.paths.items():
            figure = self.figures.get(area_id)
            painter.setBrush(colour_for(figure, limit) if figure else QColor("#EEEEEE"))
            painter.drawPath(path)
        font = QFont(painter.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        names = {a.id: a.name for a in self.areas}
        for area_id, path in self.paths.items():
            figure = self.figures.get(area_id)
            box = path.boundingRect()
            fill = colour_for(figure, limit) if figure else QColor("#EEEEEE")
            painter.setPen(QColor(text_colour_on(fill.name())))
            text = names.get(area_id, area_id)
            if figure is not None:
                text += "\n" + figure_text(figure, self.measure)
            painter.drawText(QRectF(box).adjusted(2, 2, -2, -2),
                             int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                             text)
        painter.end()


class AreasPage(QWidget):
    """A measure chooser, the map and the table; redrawn from each new result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: Result | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show", self))
        self.measure = QComboBox(self)
        self.measure.setObjectName("area-measure")
        self.measure.setAccessibleName("Measure shown per area")
        bar.addWidget(self.measure, 1)
        layout.addLayout(bar)
        self.caption = QLabel(self)
        self.caption.setObjectName("area-caption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.map = ChoroplethMap(self)
        layout.addWidget(self.map, 3)
        self.model = AreaTableModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("area-table")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.view, 2)
        self.tables = [self.model]
        self.plots: list[Any] = []
        self.measure.currentIndexChanged.connect(lambda _i: self.show_result(self.result))

    def _fill_measures(self, cm: CompiledModel) -> None:
        wanted = [*MEASURES, *(f"outcome:{o}" for o in cm.outcome_ids)]
        have = [self.measure.itemData(i) for i in range(self.measure.count())]
        if have == wanted:
            return
        current = self.measure.currentData()
        self.measure.blockSignals(True)
        self.measure.clear()
        for key in wanted:
            self.measure.addItem(measure_label(cm, key), key)
        index = wanted.index(current) if current in wanted else 0
        self.measure.setCurrentIndex(index)
        self.measure.blockSignals(False)

    def show_result(self, result: Result | None) -> None:
        self.result = result
        if result is None:
            return
        cm = result.compiled
        areas = cm.model.areas or []
        if result.areas is None or not areas:
            self.caption.setText(NO_AREAS)
            self.model.clear()
            self.map.set_figures([], [], "net_saving")
            self.measure.setEnabled(False)
            return
        self.measure.setEnabled(True)
        self._fill_measures(cm)
        measure = self.measure.currentData() or "net_saving"
        year = headline_year(result.scenario, cm.horizon_years)
        figures = area_figures(cm, result.areas, measure, year)
        label = year_label(cm.model.place.base_year, year)
        if measure.startswith("outcome:"):
            what = (f"Change in {measure_label(cm, measure)}: the mean over {label}, against "
                    "the baseline")
            heading = f"Change in {label}"
        else:
            sign = "+ = a cost" if measure == "knock_on_cost" else "+ = saving"
            what = f"{measure_label(cm, measure)} in {label}, {sign}"
            heading = f"£ in {label}"
        illustrative = (" Areas marked illustrative are not real places."
                        if any(a.illustrative for a in areas) else "")
        self.caption.setText(f"{what}. Orange = harm, blue = good, white = no change."
                             f"{illustrative}")
        self.model.set_figures(figures, measure, heading)
        self.map.set_figures(areas, figures, measure)
