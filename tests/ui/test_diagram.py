"""The influence diagram: a node per service and outcome, an edge per link, selection."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

from cutsim.files.exchange import read_file
from cutsim.model.commands import SetItemField
from ui.diagram import COLUMN_X, MAX_EDGE, MIN_EDGE, DiagramDock, edge_width
from ui.document import DocumentController

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def diagram(qtbot):
    document = DocumentController(read_file(EXAMPLE))
    dock = DiagramDock(document)
    qtbot.addWidget(dock)
    return document, dock


def test_a_node_per_service_and_outcome_and_an_edge_per_link(diagram):
    document, dock = diagram
    model = document.file.model
    nodes, edges = dock.scene.nodes, dock.scene.edges
    assert {k for k in nodes if k[0] == "service"} == {("service", s.id) for s in model.services}
    assert {k for k in nodes if k[0] == "outcome"} == {("outcome", o.id) for o in model.outcomes}
    assert set(edges) == ({("effect", e.id) for e in model.effects}
                          | {("demand", d.id) for d in model.demands})


def test_layers_services_left_outcomes_middle_demand_led_right(diagram):
    document, dock = diagram
    for service in document.file.model.services:
        x = dock.scene.nodes[("service", service.id)].x()
        assert x == (COLUMN_X[0] if service.mode == "discretionary" else COLUMN_X[2])
    assert all(n.x() == COLUMN_X[1] for k, n in dock.scene.nodes.items() if k[0] == "outcome")


def test_edge_width_and_tooltip(diagram):
    document, dock = diagram
    effect = document.file.model.effects[0]
    edge = dock.scene.edges[("effect", effect.id)]
    largest = max(abs(e.per_unit) for e in document.file.model.effects)
    assert edge.pen().widthF() == pytest.approx(edge_width(effect.per_unit, largest))
    tip = edge.toolTip()
    for text in (f"{effect.per_unit:g}", f"delay: {effect.delay_years:g} years",
                 f"confidence: {effect.confidence} of 5", effect.source[:20]):
        assert text in tip
    assert edge_width(0, 1) == MIN_EDGE and edge_width(-1, 1) == MAX_EDGE


def test_clicking_a_node_emits_its_kind_and_id(qtbot, diagram):
    _document, dock = diagram
    with qtbot.waitSignal(dock.nodeSelected, timeout=2000) as blocker:
        dock.select("outcome", "recorded_crime")
    assert blocker.args == ["outcome", "recorded_crime"]


def test_rebuilt_when_the_model_changes(diagram):
    document, dock = diagram
    document.apply(SetItemField("services", "youth", "name", "Youth service"))
    node = dock.scene.nodes[("service", "youth")]
    assert "Youth service" in node.toolTip()


def test_labels_are_unique_fit_their_boxes_and_the_full_name_is_on_hover(diagram):
    from PySide6.QtGui import QFontMetricsF

    from ui.diagram import LABEL_LINES, LABEL_PAD, NODE_W, label_font

    document, dock = diagram
    model = document.file.model
    nodes = dock.scene.nodes
    labels = [node.label for node in nodes.values()]
    assert len(set(labels)) == len(labels), "two nodes read the same"
    metrics = QFontMetricsF(label_font())
    for node in nodes.values():
        lines = node.label.split("\n")
        assert len(lines) <= LABEL_LINES
        assert all(metrics.horizontalAdvance(line) <= NODE_W - 2 * LABEL_PAD for line in lines), node.label
        assert node.text.boundingRect().height() <= node.rect().height()
    for service in model.services:
        assert service.name in nodes[("service", service.id)].toolTip()
    for outcome in model.outcomes:
        assert outcome.name in nodes[("outcome", outcome.id)].toolTip()
    # the two out-of-work benefit services no longer read alike
    dwp = [nodes[("service", s.id)].label for s in model.services if s.name.startswith("Out-of-work")]
    assert len(dwp) == 2 and dwp[0] != dwp[1]


def test_the_legend_names_every_agency_with_a_service(diagram):
    from ui.diagram import legend_entries

    document, dock = diagram
    model = document.file.model
    names = [name for _colour, name in legend_entries(model)]
    assert names == [a.label for a in model.agencies if any(s.agency == a.id for s in model.services)]
    for name in names:
        assert name.replace("&", "&amp;") in dock.legend.text()
