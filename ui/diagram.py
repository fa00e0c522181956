"""The influence diagram: services → outcomes → demand-led services, as a layered graph.

Three columns: discretionary services on the left, outcomes in the middle, demand-led
services on the right (a demand-led service that also has effects sits on the right and
its effect edges run back to the middle). Nodes are coloured by agency (a legend names
the agencies); outcomes are white. Labels wrap onto up to three lines inside the box,
are unique, and the full name shows on hover.
Edge width grows with |per_unit| (scaled within each link kind, since an effect's units
differ from a demand's); hovering an edge shows its size, delay, order, confidence and
source. Clicking a node emits ``nodeSelected(kind, id)``.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
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

if TYPE_CHECKING:
    from ui.document import DocumentController
    from ui.run_controller import RunController

NODE_W, NODE_H = 200.0, 48.0
LABEL_PAD = 6.0  # px either side of a node's label
LABEL_LINES = 3
COLUMN_X = (0.0, 340.0, 680.0)
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
        self.kind, self.ident, self.label = kind, ident, label
        self.setBrush(QBrush(QColor(colour)))
        self.setPen(QPen(QColor("#333333"), 1.2))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setToolTip(tooltip)
        self.setZValue(2)
        self.text = QGraphicsSimpleTextItem(label, self)
        self.text.setFont(label_font())
        self.text.setBrush(QBrush(QColor(text_colour_on(colour))))
        bounds = self.text.boundingRect()
        self.text.setPos((NODE_W - bounds.width()) / 2, (NODE_H - bounds.height()) / 2)

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


def label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.0)
    return font


def wrap_label(text: str, metrics: QFontMetricsF, width: float = NODE_W - 2 * LABEL_PAD,
               lines: int = LABEL_LINES) -> str | None:
    """``text`` wrapped onto at most ``lines`` lines of at most ``width`` px, or None."""
    out: list[str] = []
    for word in text.split():
        if out and metrics.horizontalAdvance(f"{out[-1]} {word}") <= width:
            out[-1] = f"{out[-1]} {word}"
        elif metrics.horizontalAdvance(word) <= width:
            out.append(word)
        else:
            return None
    return "\n".join(out) if len(out) <= lines else None


def _elided(text: str, metrics: QFontMetricsF, width: float, lines: int) -> str:
    """The first words of ``text`` that fit ``lines`` lines, ending in "…"."""
    words = text.split()
    for n in range(len(words) - 1, 0, -1):
        label = wrap_label(" ".join(words[:n]) + " …", metrics, width, lines)
        if label is not None:
            return label
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def node_labels(names: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """A readable, unique label per node: the name wrapped; if too long, the name without
    its bracketed detail; else its first words and "…". Labels that would still repeat
    get the node's id as their last line."""
    metrics = QFontMetricsF(label_font())
    width = NODE_W - 2 * LABEL_PAD
    labels = {}
    for key, name in names.items():
        labels[key] = (wrap_label(name, metrics, width)
                       or wrap_label(name.split(" (")[0], metrics, width)
                       or _elided(name, metrics, width, LABEL_LINES))
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    for key, label in labels.items():
        if seen[label] > 1:
            short = _elided(names[key], metrics, width, LABEL_LINES - 1)
            labels[key] = f"{short}\n({metrics.elidedText(key[1], Qt.TextElideMode.ElideRight, width - 8)})"
    return labels


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
        labels = node_labels({**{("service", s.id): s.name for s in model.services},
                              **{("outcome", o.id): o.name for o in model.outcomes}})
        columns: tuple[list[NodeItem], list[NodeItem], list[NodeItem]] = ([], [], [])
        for service in model.services:
            column = 0 if service.mode == "discretionary" else 2
            node = NodeItem("service", service.id, labels[("service", service.id)],
                            colours.get(service.agency, "#999999"),
                            f"{service.name} ({agencies.get(service.agency, service.agency)}, "
                            f"{service.mode.replace('_', '-')})")
            columns[column].append(node)
            self.nodes[("service", service.id)] = node
        for outcome in model.outcomes:
            direction = "higher is better" if outcome.higher_is_better else "lower is better"
            node = NodeItem("outcome", outcome.id, labels[("outcome", outcome.id)], OUTCOME_COLOUR,
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


def legend_entries(model: Model) -> list[tuple[str, str]]:
    """(colour, agency label) for every agency that has a service on the diagram."""
    colours = agency_colours([a.id for a in model.agencies])
    used = {s.agency for s in model.services}
    return [(colours[a.id], a.label) for a in model.agencies if a.id in used]


def legend_html(model: Model) -> str:
    swatch = ("<span style='background-color:{0}; color:{0}; border:1px solid #333'>"
              "&nbsp;&nbsp;&nbsp;</span>&nbsp;{1}")
    agencies = " &nbsp; ".join(swatch.format(colour, html.escape(name))
                               for colour, name in legend_entries(model))
    return (f"<span style='color:{EFFECT_COLOUR}'>━ effect</span> (service → outcome) &nbsp; "
            f"<span style='color:{DEMAND_COLOUR}'>━ demand</span> (outcome → demand-led "
            "service); wider = larger per unit. Hover a box for its full name, an edge for "
            f"its size, delay, confidence and source.<br>Agencies: {agencies} &nbsp; "
            f"{swatch.format('#FFFFFF', 'outcome')}")


class DiagramDock(QWidget):
    """The influence diagram of the open model, rebuilt when the model changes.

    ``nodeSelected(kind, id)`` fires when a node is clicked ("service" or "outcome").
    """

    nodeSelected = Signal(str, str)

    def __init__(self, document: DocumentController, run_controller: RunController | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagramPanel")
        self.document = document
        self.scene = DiagramScene(self)
        self.view = QGraphicsView(self.scene, self)
        self.view.setObjectName("diagram-view")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setBackgroundBrush(QBrush(QColor("#FFFFFF")))
        self.legend = QLabel(self)
        self.legend.setObjectName("diagram-legend")
        self.legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.legend)
        layout.addWidget(self.view, 1)
        self.scene.selectionChanged.connect(self._selection_changed)
        document.modelChanged.connect(self.rebuild)
        document.fileReplaced.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        self.scene.blockSignals(True)
        self.scene.build(self.document.file.model)
        self.scene.blockSignals(False)
        self.legend.setText(legend_html(self.document.file.model))
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
