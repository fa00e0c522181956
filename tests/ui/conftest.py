"""Fixtures for the app's tests: headless Qt, isolated settings and recovery folders.

Qt warnings fail a test (``qt_log_level_fail`` in pyproject.toml); settings, the data
folder and the recovery folder are per test, so no test sees another's (or a user's)
recent files, window layout or recovery file.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402

from cutsim.files.exchange import read_file  # noqa: E402
from cutsim.model.schema import CutsimFile  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "example-place.cutsim"


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The partner keyring in this test's own folder, never the user's."""
    folder = tmp_path / "cutsim-config"
    monkeypatch.setenv("CUTSIM_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[Path]:
    """QSettings and the app's standard folders in this test's temporary folder."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder / "system"))
    yield folder


@pytest.fixture
def example_file() -> CutsimFile:
    """The bundled example place, read and validated by the core."""
    return read_file(EXAMPLE)


@dataclass
class DialogLog:
    """What the app showed in message boxes, and the answers the test gives."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    infos: list[tuple[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    save_choice: Any = None  # answer to "unsaved changes": set by the fixture to DISCARD
    yes: bool = True  # answer to yes/no questions

    def error_text(self) -> str:
        return "\n".join(message for _title, message in self.errors)


@pytest.fixture
def dialog_log(monkeypatch: pytest.MonkeyPatch) -> DialogLog:
    """Replace every message box with a recorder (no modal dialog ever blocks a test)."""
    from ui import dialogs

    log = DialogLog(save_choice=dialogs.Choice.DISCARD)
    monkeypatch.setattr(dialogs, "show_error",
                        lambda _parent, title, message, details="": log.errors.append((title, message)))
    monkeypatch.setattr(dialogs, "show_info",
                        lambda _parent, title, message: log.infos.append((title, message)))

    def ask_save(_parent: Any, name: str) -> Any:
        log.questions.append(f"save {name}")
        return log.save_choice

    def ask_yes_no(_parent: Any, title: str, question: str) -> bool:
        log.questions.append(question)
        return log.yes

    monkeypatch.setattr(dialogs, "ask_save_changes", ask_save)
    monkeypatch.setattr(dialogs, "ask_yes_no", ask_yes_no)
    return log


@pytest.fixture
def make_window(qtbot, tmp_path: Path, dialog_log: DialogLog):
    """Build a main window on a document, with its own settings and recovery folder."""
    from ui.main_window import MainWindow
    from ui.settings import Settings

    def build(file: CutsimFile, path: Path | None = None, *, optional_views: bool = False) -> MainWindow:
        settings = Settings(QSettings(str(tmp_path / "settings" / "cutsim.ini"), QSettings.Format.IniFormat))
        window = MainWindow(file, path, settings=settings, recovery_dir=tmp_path / "recovery",
                            load_optional_views=optional_views)
        qtbot.addWidget(window)
        return window

    return build


@pytest.fixture
def window(make_window, example_file: CutsimFile):
    """A main window on the example place (the editor and problems list only)."""
    return make_window(example_file)


@pytest.fixture
def make_results_docks(qtbot):
    """Open a file in a scenario dock and a results dock (no main window), shown at
    ``size`` once the first result is in: (document, controller, scenario, results).
    The run controllers are shut down after the test."""
    from ui.document import DocumentController
    from ui.results import ResultsDock
    from ui.run_controller import RunController
    from ui.scenario import ScenarioDock

    controllers = []

    def build(path: Path, size: tuple[int, int] = (1000, 800)):
        document = DocumentController(read_file(path))
        controller = RunController(document)
        controllers.append(controller)
        scenario = ScenarioDock(document, controller)
        results = ResultsDock(document, controller)
        for widget in (scenario, results):
            qtbot.addWidget(widget)
        results.resize(*size)
        results.show()
        qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
        return document, controller, scenario, results

    yield build
    for controller in controllers:
        controller.shutdown()
