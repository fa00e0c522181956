"""The MTFS tab shows the core's plan: agency picker, cash terms, slippage, CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cutsim.appraise.mtfs import build_plan
from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.results.dock import ResultsDock
from ui.run_controller import RunController

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def results(qtbot):
    document = DocumentController(read_file(EXAMPLE))
    controller = RunController(document)
    dock = ResultsDock(document, controller)
    qtbot.addWidget(dock)
    dock.resize(1000, 700)
    dock.show()
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    dock.tabs.setCurrentWidget(dock.mtfs)
    yield controller, dock
    controller.shutdown()


def _row(model, label: str) -> int:
    return next(r for r in range(model.rowCount())
                if model.headerData(r, Qt.Orientation.Vertical) == label)


def test_the_council_plan_equals_the_core(qtbot, results, tmp_path: Path):
    controller, dock = results
    qtbot.waitUntil(lambda: dock.mtfs.model.has_rows(), timeout=10000)
    page = dock.mtfs
    page.agency.setCurrentIndex(page.agency.findData("council"))
    plan = build_plan(controller.result)
    council = next(a for a in plan.agencies if a.agency == "council")
    row = _row(page.model, "Gap before savings")
    for y in range(len(plan.years)):
        assert page.model.raw(row, y) == pytest.approx(council.lines["gap_before_savings"][y])
    assert page.model.rowCount() > len(council.lines)  # the public health grant lines follow
    page.cash.setChecked(True)
    cash = next(a for a in build_plan(controller.result, cash=True).agencies if a.agency == "council")
    row = _row(page.model, "Planned savings")
    assert page.model.raw(row, 4) == pytest.approx(cash.lines["planned_savings"][4])
    page.slippage.setValue(50.0)
    row = _row(page.model, "Gap if savings slip")
    assert page.model.raw(row, 4) > page.model.raw(_row(page.model, "Gap after savings"), 4)
    out = tmp_path / "plan.csv"
    page.model.to_csv(out)
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0][0] == "line" and rows[0][1] == plan.years[0]
    assert all(cell.count(".") == 1 for cell in rows[1][1:])  # pounds and pence
