"""Start-up: the window is painted before the engine, the charts and the heavy libraries load.

Speed itself is measured by ``cutsim bench`` (scripts/ui_bench.py), not asserted here;
these tests check the order of loading that makes it fast, and that nothing is lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QSettings

REPO = Path(__file__).resolve().parents[2]
# Loaded only when used: workbooks, Dask, SALib, signing, the publication, the database,
# and (until after the first paint) the engine's SciPy and the charts' pyqtgraph.
HEAVY = ("openpyxl", "xlsxwriter", "dask", "distributed", "SALib", "cryptography",
         "weasyprint", "matplotlib", "jinja2", "sqlalchemy", "sqlmodel", "scipy", "pyqtgraph",
         "cutsim.publish", "cutsim.engine", "PySide6.QtPrintSupport")


def test_importing_the_main_window_loads_no_heavy_library():
    code = ("import json, sys; import ui.main_window; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO),
                                        "QT_QPA_PLATFORM": "offscreen"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_deferred_views_are_built_after_the_first_paint(qtbot, tmp_path, dialog_log, example_file):
    from ui.main_window import MainWindow
    from ui.settings import Settings

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(example_file, None, settings=settings, recovery_dir=tmp_path / "r",
                        defer_views=True)
    qtbot.addWidget(window)
    assert window.run_controller is None and "resultsDock" not in window.views
    assert "run" in window.actions.all  # the Run menu is there from the start
    with qtbot.waitSignal(window.viewsReady, timeout=20000):
        window.show()
    assert {"scenarioDock", "resultsDock", "diagramDock"} <= set(window.views)
    run = window.run_controller
    assert run is not None
    window.actions.all["run"].trigger()
    qtbot.waitUntil(lambda: run.result is not None, timeout=20000)
    assert run.result.scenario.id == window.document.current_scenario_id
    window.document.undo_stack.setClean()
    run.shutdown()


def test_printing_asked_for_before_the_views_are_built_prints_their_results(
        qtbot, tmp_path, dialog_log, example_file):
    """The print controller made before the run controller exists is made again with it."""
    from ui.main_window import MainWindow
    from ui.settings import Settings

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(example_file, None, settings=settings, recovery_dir=tmp_path / "r",
                        defer_views=True)
    qtbot.addWidget(window)
    early = window.actions.printer()
    assert early.run is None
    with qtbot.waitSignal(window.viewsReady, timeout=20000):
        window.show()
    run = window.run_controller
    assert run is not None and window.actions.printer().run is run
    assert window.actions.printer() is window.actions.printer()  # kept while it stands
    window.document.undo_stack.setClean()
    run.shutdown()
