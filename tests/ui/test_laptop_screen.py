"""The app on a 1,366×768 laptop: nothing cut off, never wider than the screen.

The main window is built on the example place with every view, on a screen whose
available area is 1,366×768 (``ui.screen_fit.available_geometry`` answers for it here; a
second test starts a separate app on a real headless screen of that size). Every results
tab is shown in turn and every widget on it must lie within the window and get at least
the width its layout asks for; ticking three comparisons must not grow the window.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QDockWidget,
    QScrollArea,
    QTabBar,
    QWidget,
)

from ui import screen_fit

REPO = Path(__file__).resolve().parents[2]
LAPTOP = QRect(0, 0, 1366, 768)


@pytest.fixture
def laptop(monkeypatch: pytest.MonkeyPatch) -> QRect:
    """Every window's screen has a 1,366×768 available area."""
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _window: QRect(LAPTOP))
    return LAPTOP


@pytest.fixture
def app_window(make_window, example_file, qtbot, laptop):
    """The main window with the scenario, results and diagram docks, its first result in."""
    window = make_window(example_file, optional_views=True)
    window.show()
    qtbot.waitUntil(lambda: window.run_controller.result is not None, timeout=15000)
    yield window
    window.run_controller.shutdown()


def _in_scroll_content(widget: QWidget, stop: QWidget) -> bool:
    """True for a widget inside a scroll area's viewport (it may lie outside: it scrolls)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not stop:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def _behind_a_tab(widget: QWidget) -> bool:
    """True inside a dock tabbed behind another (Qt parks it off the window)."""
    while widget is not None:
        if isinstance(widget, QDockWidget) and widget.visibleRegion().isEmpty():
            return True
        widget = widget.parentWidget()
    return False


def cut_off(root: QWidget, window: QWidget) -> list[str]:
    """Every visible widget under ``root`` that lies partly outside the window or outside
    ``root``, or is narrower than its layout's minimum (so its content is clipped)."""
    bounds = window.rect()
    page = QRect(root.mapTo(window, QPoint(0, 0)), root.size())
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.isWindow() or _in_scroll_content(widget, root) \
                or _behind_a_tab(widget):
            continue
        box = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        name = f"{type(widget).__name__}({widget.objectName() or getattr(widget, 'text', lambda: '')()})"
        if not bounds.contains(box):
            problems.append(f"{name} at {box} outside the window {bounds}")
        elif widget is not root and not page.adjusted(-1, -1, 1, 1).contains(box):
            problems.append(f"{name} at {box} outside its tab page {page}")
        layout = widget.layout()
        if layout is not None and widget.width() < layout.minimumSize().width():
            problems.append(f"{name} is {widget.width()} px wide, its layout needs "
                            f"{layout.minimumSize().width()} px")
        if widget.width() < widget.minimumSizeHint().width() and not isinstance(
                widget, QAbstractScrollArea) and not isinstance(widget.parentWidget(), QTabBar):
            problems.append(f"{name} is {widget.width()} px wide, it needs "
                            f"{widget.minimumSizeHint().width()} px")
        if isinstance(widget, QScrollArea) and widget.widget() is not None and \
                widget.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff and \
                widget.viewport().width() < widget.widget().minimumSizeHint().width():
            problems.append(f"{name} shows {widget.viewport().width()} px of rows that need "
                            f"{widget.widget().minimumSizeHint().width()} px (no sideways scroll)")
    return problems


def test_every_results_tab_fits_a_laptop_screen(app_window, qtbot, laptop) -> None:
    window = app_window
    assert laptop.contains(window.frameGeometry()), window.frameGeometry()
    assert window.minimumSizeHint().width() <= laptop.width()
    assert window.minimumSizeHint().height() <= laptop.height()
    dock = window.views["resultsDock"].widget()
    window.views["resultsDock"].raise_()
    # every panel gets at least the width it needs, side by side
    for name in ("scenarioDock", "resultsDock"):
        panel = window.views[name]
        assert panel.isVisible() and panel.width() >= panel.minimumSizeHint().width(), name
    assert window.editor.width() >= window.editor.minimumSizeHint().width()
    shown = []
    for index in range(dock.tabs.count()):
        if not dock.tabs.isTabEnabled(index):
            continue
        with qtbot.waitSignal(dock.redrawn, timeout=15000):
            if dock.tabs.currentIndex() == index:
                dock._drawn.discard(index)
                dock.redraw()
            else:
                dock.tabs.setCurrentIndex(index)
        page = dock.tabs.widget(index)
        qtbot.waitUntil(lambda p=page: p.isVisible() and p.width() > 0)
        problems = cut_off(page, window)
        assert problems == [], f"{dock.tabs.tabText(index)}: {problems}"
        box = QRect(page.mapTo(window, QPoint(0, 0)), page.size())
        assert box.width() >= 300 and box.height() >= 250, (dock.tabs.tabText(index), box)
        shown.append(dock.tabs.tabText(index))
    assert {"Outcomes", "Agency money", "Annual money", "Waterfall", "Cost shift",
            "Appraisal", "MTFS", "Compare", "Sensitivity"} <= set(shown)
    # the controls under the tabs, the scenario panel and the editor are within the window
    # and get the room they need too
    problems = cut_off(window, window)
    assert problems == [], problems


def test_ticking_comparisons_never_grows_the_window(app_window, qtbot, laptop) -> None:
    window = app_window
    scenario = window.views["scenarioDock"].widget()
    for name in ("Deeper youth cut, with a name long enough to wrap twice over",
                 "Youth closure, with every service the council runs cut as well"):
        scenario.duplicate_current(name)
    window.document.set_current_scenario("youth-cut")
    before = window.frameGeometry()
    others = [s.id for s in window.document.file.scenarios if s.id != "youth-cut"]
    assert len(others) == 3
    dock = window.views["resultsDock"].widget()
    dock.tabs.setCurrentWidget(dock.compare)
    scenario.model.set_comparisons(others)
    qtbot.waitUntil(lambda: len(window.run_controller.comparisons) == 3, timeout=20000)
    qtbot.waitUntil(lambda: "Youth closure" in dock.compare.chart.note.text(), timeout=10000)
    assert window.frameGeometry().width() <= before.width()
    assert laptop.contains(window.frameGeometry())
    assert window.minimumSizeHint().width() <= laptop.width()
    qtbot.waitUntil(lambda: cut_off(window, window) == [], timeout=3000)  # after the layout
    assert window.frameGeometry().width() <= before.width()
    legend = dock.compare.chart.widget.getPlotItem().legend
    assert len(legend.names()) == 4 and legend.columnCount < 4  # stacked, not cut off


def test_a_saved_layout_from_a_bigger_screen_is_brought_onto_the_laptop(
        make_window, example_file, qtbot, laptop) -> None:
    window = make_window(example_file)
    window.resize(1900, 1150)
    window.move(300, 200)
    window.fit_to_screen()
    assert laptop.contains(window.frameGeometry()), window.frameGeometry()
    assert window.width() <= laptop.width() and window.height() <= laptop.height()


def test_the_presenter_view_fits_a_1600_px_screen(window, qtbot, dialog_log,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    desk = QRect(0, 0, 1600, 900)
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _window: QRect(desk))
    dialog_log.yes = False
    window.actions.all["workshop"].trigger()
    mode = window._workshop
    qtbot.addWidget(mode.presenter)
    qtbot.addWidget(mode.audience)
    try:
        presenter = mode.presenter
        assert desk.contains(presenter.frameGeometry()), presenter.frameGeometry()
        assert presenter.minimumSizeHint().width() <= 1366  # it would fit a laptop too
        assert cut_off(presenter, presenter) == []
    finally:
        mode.leave()


CHECK = """
import json, sys, tempfile
from pathlib import Path
from PySide6.QtCore import QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
QStandardPaths.setTestModeEnabled(True)
folder = tempfile.mkdtemp()
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
from cutsim.files.exchange import read_file
from ui.main_window import MainWindow
path = Path(sys.argv[1])
window = MainWindow(read_file(path), path, recovery_dir=Path(folder) / "recovery", defer_views=True)
window.show()
def report():
    box, screen = window.frameGeometry(), window.screen().availableGeometry()
    print(json.dumps({"screen": [screen.width(), screen.height()],
                      "frame": [box.x(), box.y(), box.width(), box.height()],
                      "docks": sorted(n for n, d in window.views.items() if d.isVisible())}))
    window.run_controller.shutdown()
    app.quit()
window.viewsReady.connect(lambda: QTimer.singleShot(500, report))
QTimer.singleShot(20000, app.quit)
app.exec()
"""


def test_the_app_on_a_real_1366_by_768_screen(tmp_path: Path) -> None:
    """A separate app on Qt's headless platform with one 1,366×768 screen."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0,
                                               "width": 1366, "height": 768, "logicalDpi": 96,
                                               "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               PYTHONPATH=str(REPO), CUTSIM_CONFIG_DIR=str(tmp_path / "config"))
    script = tmp_path / "check.py"
    script.write_text(CHECK)
    out = subprocess.run([sys.executable, str(script), str(REPO / "models" / "example-place.cutsim")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                         check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines, out.stderr[-2000:]
    seen: dict[str, Any] = json.loads(lines[-1])
    assert seen["screen"] == [1366, 768]
    x, y, w, h = seen["frame"]
    assert x >= 0 and y >= 0 and x + w <= 1366 and y + h <= 768, seen
    assert {"resultsDock", "scenarioDock"} <= set(seen["docks"])
