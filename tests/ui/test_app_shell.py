"""The app shell: start-up document, shortcuts, pluggable views, layout memory, friendly errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox

from cutsim.model.commands import SetPlaceField
from ui.errors import ErrorReporter
from ui.examples import blank_file
from ui.startup import initial_document


def test_the_app_starts_on_the_example_as_an_untitled_copy(example_file) -> None:
    file, path, error = initial_document(None)
    assert file == example_file and path is None and error is None


def test_a_bad_file_on_the_command_line_is_reported_and_the_example_shown(tmp_path, example_file) -> None:
    bad = tmp_path / "bad.cutsim"
    bad.write_text("{not json", encoding="utf-8")
    file, path, error = initial_document(bad)
    assert file == example_file and path is None
    assert error is not None and error.startswith("bad.cutsim")


def test_the_window_shows_the_document(window, example_file) -> None:
    assert window.windowTitle().startswith("Untitled")
    assert example_file.model.place.name in window.windowTitle()
    assert window.editor.tables["services"].model.rowCount() == len(example_file.model.services)
    assert window._status.text() == "Model valid"
    window.document.apply(SetPlaceField("name", "Renamed"))
    assert window.isWindowModified()


MAIN_ACTIONS = ["new", "open", "save", "save_as", "import", "export", "quit", "undo", "redo",
                "add_row", "remove_rows", "find", "user_guide"]


def test_every_main_action_has_a_shortcut_and_a_tooltip(window) -> None:
    seen: dict[str, str] = {}
    for name in MAIN_ACTIONS:
        action = window.actions.all[name]
        keys = action.shortcut()
        assert not keys.isEmpty(), f"{name} has no shortcut"
        assert action.toolTip(), f"{name} has no tooltip"
        text = keys.toString()
        assert text not in seen, f"{name} and {seen.get(text)} share {text}"
        seen[text] = name
    assert window.actions.all["save"].shortcut() == QKeySequence(QKeySequence.StandardKey.Save)


def test_insert_and_delete_only_act_in_the_editor_table(window, qtbot, example_file) -> None:
    window.show()
    qtbot.waitExposed(window)
    table = window.editor.show_kind("outcomes")
    table.view.setFocus()
    qtbot.waitUntil(table.view.hasFocus)
    window.actions.all["add_row"].trigger()
    assert len(window.document.file.model.outcomes) == len(example_file.model.outcomes) + 1
    window.editor.place_form.edits["name"].setFocus()
    window.editor.setCurrentIndex(0)
    window.actions.all["remove_rows"].trigger()  # focus is in the place form: nothing removed
    assert len(window.document.file.model.outcomes) == len(example_file.model.outcomes) + 1


def test_a_registered_view_is_docked_and_listed_in_the_view_menu(window) -> None:
    calls = []

    def factory(document, run_controller):
        calls.append((document, run_controller))
        return QLabel("a view")

    dock = window.register_view("Notes view", factory, Qt.DockWidgetArea.LeftDockWidgetArea)
    assert calls == [(window.document, window.run_controller)]
    assert dock.objectName() == "notesViewDock" and window.views["notesViewDock"] is dock
    assert dock.toggleViewAction() in window.actions.view_menu.actions()


def test_the_optional_views_plug_in_when_installed(make_window, example_file) -> None:
    window = make_window(example_file, optional_views=True)
    assert "problemsDock" in window.views
    from ui.main_window import VIEWS, view_classes

    classes = view_classes()
    for object_name in VIEWS:
        dock = window.views[object_name]
        assert isinstance(dock, classes[object_name]) or isinstance(dock.widget(), classes[object_name])
    assert window.run_controller is not None


def test_window_layout_is_remembered(make_window, example_file) -> None:
    first = make_window(example_file)
    first.resize(654, 432)  # within the headless screen, which clamps restored geometry
    first.problems_dock.hide()
    assert first.close()
    second = make_window(example_file)
    assert second.size().width() == 654 and second.size().height() == 432
    assert second.problems_dock.isHidden()


def test_unexpected_errors_are_logged_and_shown_once_without_a_traceback(dialog_log, caplog) -> None:
    reporter = ErrorReporter("/somewhere/cutsim.log")
    with caplog.at_level(logging.ERROR, logger="cutsim.app"):
        for _ in range(3):
            try:
                raise ZeroDivisionError("boom")
            except ZeroDivisionError as exc:
                reporter(type(exc), exc, exc.__traceback__)
    assert reporter.count == 3
    assert len(dialog_log.errors) == 1
    _title, message = dialog_log.errors[0]
    assert "Traceback" not in message and "unexpected problem" in message and "cutsim.log" in message
    assert len([r for r in caplog.records if r.exc_info]) == 3


def test_about_names_the_version(window, monkeypatch) -> None:
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, title, text: shown.append(text))
    window.actions.all["about"].trigger()
    assert shown and "cutsim" in shown[0]


def test_a_blank_model_is_a_valid_start(make_window) -> None:
    window = make_window(blank_file())
    assert window.document.problems() == []
    assert window.editor.tables["services"].model.rowCount() == 0


@pytest.mark.parametrize("kind", ["agencies", "services", "outcomes", "effects", "demands"])
def test_adding_to_a_blank_model_is_flagged_until_filled_in(make_window, kind) -> None:
    window = make_window(blank_file())
    table = window.editor.show_kind(kind)
    assert table.add_row()
    assert len(getattr(window.document.file.model, kind)) == (2 if kind == "agencies" else 1)
    if kind in ("services", "effects", "demands"):  # zero costs, empty sources
        assert window.document.problems(), "a blank row should be flagged, not silently valid"


def test_user_guide_exists() -> None:
    guide = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"
    assert guide.is_file() and "Undo" in guide.read_text(encoding="utf-8")


def test_the_real_entry_point_starts_shows_the_window_and_exits_cleanly(tmp_path) -> None:
    """``cutsim-app`` in a fresh process: window shown, log written, exit code 0."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "import ui.app as app\n"
        "class Closing(app.MainWindow):\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        super().__init__(*args, **kwargs)\n"
        "        QTimer.singleShot(300, self.close)\n"
        "app.MainWindow = Closing\n"
        "sys.exit(app.main(['cutsim-app']))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    logs = list((tmp_path / "data").rglob("cutsim.log"))
    assert logs and "cutsim exiting (0)" in logs[0].read_text(encoding="utf-8")


def test_a_file_open_event_opens_the_file(window, tmp_path, example_file) -> None:
    # macOS hands a double-clicked document over as a QFileOpenEvent, not in argv.
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from cutsim.files import exchange
    from ui.app import FileOpenHandler

    target = tmp_path / "sent.cutsim"
    exchange.write_file(target, example_file.model_copy(update={"scenarios": []}))
    handler = FileOpenHandler(window)
    assert handler.eventFilter(QApplication.instance(), QFileOpenEvent(str(target)))
    assert window.document.path == target and window.document.file.scenarios == []
