"""The influence diagram: services → outcomes → demand-led services, as a layered graph.

Three columns: discretionary services on the left, outcomes in the middle, demand-led
services on the right (a demand-led service that also has effects sits on the right and
its effect edges run back to the middle). Nodes are coloured by agency; outcomes are white.
Edge width grows with |per_unit| (scaled within each link kind, since an effect's units
differ from a demand's); hovering an edge shows its size, delay, order, confidence and
source. Clicking a node emits ``nodeSelected(kind, id)``.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.schema import Model
from ui.palette import OUTCOME_COLOUR, agency_colours, text_colour_on

NODE_W, NODE_H = 190.0, 34.0
COLUMN_X = (0.0, 330.0, 660.0)
ROW_GAP = 12.0
MIN_EDGE, MAX_EDGE = 1.0, 7.0
EFFECT_COLOUR = "#0072B2"
DEMAND_COLOUR = "#D55E00"


def edge_width(value: float, largest: float) -> float:
    """Pen width for |per_unit| = ``value`` when the largest of its kind is ``largest``.

    Square-root scaling, so a link a hundred times weaker is still visible.
    """
    if largest <= 0:
        return MIN_EDGE
    return MIN_EDGE + (MAX_EDGE - MIN_EDGE) * math.sqrt(abs(value) / largest)


class NodeItem(QGraphicsRectItem):
    """A service or outcome box; ``kind`` is "service" or "outcome"."""

    def __init__(self, kind: str, ident: str, label: str, colour: str, tooltip: str) -> None:
        super().__init__(0, 0, NODE_W, NODE_H)
        self.kind, self.ident = kind, ident
        self.setBrush(QBrush(QColor(colour)))
        self.setPen(QPen(QColor("#333333"), 1.2))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setToolTip(tooltip)
        self.setZValue(2)
        text = QGraphicsSimpleTextItem(_elide(label, 26), self)
        text.setBrush(QBrush(QColor(text_colour_on(colour))))
        bounds = text.boundingRect()
        text.setPos((NODE_W - bounds.width()) / 2, (NODE_H - bounds.height()) / 2)

    def left(self) -> QPointF:
        return self.mapToScene(QPointF(0, NODE_H / 2))

    def right(self) -> QPointF:
        return self.mapToScene(QPointF(NODE_W, NODE_H / 2))


class EdgeItem(QGraphicsPathItem):
    """An effect (service → outcome) or demand (outcome → service) link."""

    def __init__(self, kind: str, link: Any, start: QPointF, end: QPointF, width: float,
                 colour: str, tooltip: str) -> None:
        super().__init__()
        self.kind, self.link, self.width = kind, link, width
        path = QPainterPath(start)
        dx = max(40.0, abs(end.x() - start.x()) / 2)
        sign = 1.0 if end.x() >= start.x() else -1.0
        path.cubicTo(QPointF(start.x() + sign * dx, start.y()),
                     QPointF(end.x() - sign * dx, end.y()), end)
        self.setPath(path)
        pen = QPen(QColor(colour), width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self.setOpacity(0.55)
        self.setToolTip(tooltip)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)

    def shape(self) -> QPainterPath:
        # A fat hover target: thin edges are still easy to point at.
        stroker = QPainterPathStroker()
        stroker.setWidth(max(8.0, self.width + 4.0))
        return stroker.createStroke(self.path())

    def hoverEnterEvent(self, event: Any) -> None:
        self.setOpacity(1.0)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: Any) -> None:
        self.setOpacity(0.55)
        super().hoverLeaveEvent(event)


def _elide(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def effect_tooltip(model: Model, link: Any) -> str:
    service, outcome = model.service(link.service), model.outcome(link.outcome)
    order = "first-order" if link.delay_order == 1 else f"order {link.delay_order} (Erlang)"
    return (f"Effect {link.id}: {service.name} → {outcome.name}\n"
            f"size: {link.per_unit:g} {outcome.unit} per {service.activity_unit} "
            f"(range {link.low:g} to {link.high:g})\n"
            f"delay: {link.delay_years:g} years, {order}\n"
            f"confidence: {link.confidence} of 5\n"
            f"source: {link.source}")


def demand_tooltip(model: Model, link: Any) -> str:
    service, outcome = model.service(link.service), model.outcome(link.outcome)
    return (f"Demand {link.id}: {outcome.name} → {service.name}\n"
            f"size: {link.per_unit:g} {service.activity_unit} per {outcome.unit} "
            f"(range {link.low:g} to {link.high:g})\n"
            f"delay: none (demand follows the outcome at once)\n"
            f"confidence: {link.confidence} of 5\n"
            f"source: {link.source}")


class DiagramScene(QGraphicsScene):
    """Builds the layered graph of a model; ``nodes[(kind, id)]``, ``edges[(kind, id)]``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.nodes: dict[tuple[str, str], NodeItem] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}

    def build(self, model: Model) -> None:
        self.clear()
        self.nodes, self.edges = {}, {}
        colours = agency_colours([a.id for a in model.agencies])
        agencies = {a.id: a.name for a in model.agencies}
        columns: tuple[list[NodeItem], list[NodeItem], list[NodeItem]] = ([], [], [])
        for service in model.services:
            column = 0 if service.mode == "discretionary" else 2
            node = NodeItem("service", service.id, service.name, colours.get(service.agency, "#999999"),
                            f"{service.name} ({agencies.get(service.agency, service.agency)}, "
                            f"{service.mode.replace('_', '-')})")
            columns[column].append(node)
            self.nodes[("service", service.id)] = node
        for outcome in model.outcomes:
            direction = "higher is better" if outcome.higher_is_better else "lower is better"
            node = NodeItem("outcome", outcome.id, outcome.name, OUTCOME_COLOUR,
                            f"{outcome.name}: {outcome.baseline:g} {outcome.unit} ({direction})")
            columns[1].append(node)
            self.nodes[("outcome", outcome.id)] = node
        self._place(columns)
        self._links(model)
        self._headers()

    def _place(self, columns: tuple[list[NodeItem], ...]) -> None:
        heights = [len(c) * (NODE_H + ROW_GAP) for c in columns]
        tallest = max(heights) if heights else 0.0
        for x, column, height in zip(COLUMN_X, columns, heights):
            top = (tallest - height) / 2  # centre each column
            for i, node in enumerate(column):
                node.setPos(x, top + i * (NODE_H + ROW_GAP))
                self.addItem(node)

    def _links(self, model: Model) -> None:
        largest_k = max((abs(e.per_unit) for e in model.effects), default=0.0)
        largest_d = max((abs(d.per_unit) for d in model.demands), default=0.0)
        for effect in model.effects:
            src = self.nodes.get(("service", effect.service))
            dst = self.nodes.get(("outcome", effect.outcome))
            if src is None or dst is None:
                continue
            start = src.right() if src.x() < dst.x() else src.left()
            edge = EdgeItem("effect", effect, start, dst.left() if src.x() < dst.x() else dst.right(),
                            edge_width(effect.per_unit, largest_k), EFFECT_COLOUR,
                            effect_tooltip(model, effect))
            self.addItem(edge)
            self.edges[("effect", effect.id)] = edge
        for demand in model.demands:
            src = self.nodes.get(("outcome", demand.outcome))
            dst = self.nodes.get(("service", demand.service))
            if src is None or dst is None:
                continue
            edge = EdgeItem("demand", demand, src.right(), dst.left(),
                            edge_width(demand.per_unit, largest_d), DEMAND_COLOUR,
                            demand_tooltip(model, demand))
            self.addItem(edge)
            self.edges[("demand", demand.id)] = edge

    def _headers(self) -> None:
        for x, text in zip(COLUMN_X, ("Discretionary services", "Outcomes",
                                      "Demand-led services")):
            header = self.addSimpleText(text)
            font = header.font()
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.2)
            header.setFont(font)
            header.setPos(x + (NODE_W - header.boundingRect().width()) / 2, -40)


class DiagramDock(QWidget):
    """The influence diagram of the open model, rebuilt when the model changes.

    ``nodeSelected(kind, id)`` fires when a node is clicked ("service" or "outcome").
    """

    nodeSelected = Signal(str, str)

    def __init__(self, document: Any, run_controller: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagramPanel")
        self.document = document
        self.scene = DiagramScene(self)
        self.view = QGraphicsView(self.scene, self)
        self.view.setObjectName("diagram-view")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setBackgroundBrush(QBrush(QColor("#FFFFFF")))
        legend = QLabel(
            f"<span style='color:{EFFECT_COLOUR}'>━ effect</span> (service → outcome) &nbsp; "
            f"<span style='color:{DEMAND_COLOUR}'>━ demand</span> (outcome → demand-led "
            "service); wider = larger per unit. Boxes coloured by agency. Hover an edge "
            "for its size, delay, confidence and source.", self)
        legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(legend)
        layout.addWidget(self.view, 1)
        self.scene.selectionChanged.connect(self._selection_changed)
        document.modelChanged.connect(self.rebuild)
        document.fileReplaced.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        self.scene.blockSignals(True)
        self.scene.build(self.document.file.model)
        self.scene.blockSignals(False)
        rect = self.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        self.scene.setSceneRect(rect)
        self.fit()

    def fit(self) -> None:
        """Scale the view so the whole graph is visible."""
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit()

    def select(self, kind: str, ident: str) -> None:
        """Select a node programmatically (emits ``nodeSelected``)."""
        node = self.scene.nodes.get((kind, ident))
        if node is not None:
            self.scene.clearSelection()
            node.setSelected(True)

    def _selection_changed(self) -> None:
        for item in self.scene.selectedItems():
            if isinstance(item, NodeItem):
                self.nodeSelected.emit(item.kind, item.ident)
                return


__all__ = ["DiagramDock", "DiagramScene", "NodeItem", "EdgeItem", "edge_width"]
