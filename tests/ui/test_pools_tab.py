"""The "Pools and procurement" tab shows the settlement and local value of `cutsim run --json`."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
from pathlib import Path

import pytest
from support.cli import run_cli

from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.results import ResultsDock
from ui.results.tables import RAW_ROLE
from ui.run_controller import RunController

REPO = Path(__file__).resolve().parents[2]


def cli_json(path: Path, scenario: str) -> dict:
    """`cutsim run FILE --scenario ID --json`, as the command prints it."""
    out = run_cli("run", path, "--scenario", scenario, "--json", cwd=REPO)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def open_dock(qtbot, path: Path, scenario: str):
    document = DocumentController(read_file(path))
    controller = RunController(document)
    results = ResultsDock(document, controller)
    qtbot.addWidget(results)
    results.resize(1000, 700)
    results.show()
    document.set_current_scenario(scenario)
    qtbot.waitUntil(lambda: controller.result is not None
                    and controller.result.scenario.id == scenario, timeout=15000)
    return document, controller, results


def table_rows(model) -> dict[str, list]:
    return {model.headerData(r, _vertical(), 0): [model.index(r, c).data(RAW_ROLE)
                                                  for c in range(model.columnCount())]
            for r in range(model.rowCount())}


def _vertical():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Vertical


@pytest.mark.parametrize("scenario", ["bcf-benefit", "bcf-contribution"])
def test_pooled_settlement_in_the_app_equals_cutsim_run_json(qtbot, scenario):
    path = REPO / "scenarios" / "pooled-health-care.cutsim"
    expected = cli_json(path, scenario)["settlement"]
    _document, controller, results = open_dock(qtbot, path, scenario)
    try:
        index = results.tabs.indexOf(results.pools)
        assert results.tabs.isTabEnabled(index)
        with qtbot.waitSignal(results.redrawn, timeout=10000):
            results.tabs.setCurrentIndex(index)
        rows = table_rows(results.pools.settlement)
        names = {a.id: a.name for a in controller.result.compiled.model.agencies}
        assert len(rows) == sum(len(p) for p in expected.values()) >= 2
        for pool_id, partners in expected.items():
            for agency, entry in partners.items():
                shown = rows[f"{pool_id}: {names[agency]}"]
                # JSON carries the same doubles: equal to the last bit, not approximately
                assert shown == [entry["contribution"], entry["net_saving"], entry["share"],
                                 entry["transfer"]]
        transfers = [v[3] for v in rows.values()]
        assert abs(sum(transfers)) < 1e-6 and max(abs(t) for t in transfers) > 1e6
        text = results.pools.settlement.index(0, 3).data()
        assert "£" in text
    finally:
        controller.shutdown()


def test_procurement_local_value_equals_cutsim_run_json(qtbot):
    path = REPO / "scenarios" / "social-value-procurement.cutsim"
    expected = cli_json(path, "social-value")["procurement"]
    _document, controller, results = open_dock(qtbot, path, "social-value")
    try:
        with qtbot.waitSignal(results.redrawn, timeout=10000):
            results.tabs.setCurrentWidget(results.pools)
        rows = table_rows(results.pools.procurement)
        assert len(rows) == len(expected) == 2
        for header, values in rows.items():
            entry = expected[header.split(":")[0]]
            assert values == [entry[f] for f in results.pools.procurement.FIELDS]
        assert results.pools.settlement_view.isHidden()
    finally:
        controller.shutdown()


def test_tab_disabled_without_pools_or_procurement(qtbot):
    _document, controller, results = open_dock(qtbot, REPO / "models" / "example-place.cutsim",
                                               "youth-cut")
    try:
        assert not results.tabs.isTabEnabled(results.tabs.indexOf(results.pools))
    finally:
        controller.shutdown()
