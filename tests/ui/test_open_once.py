"""The app started on a file (``cutsim-app FILE``) reads it once: the window takes the
signatures' verdict, and a workspace model's key and version, from the read that opened it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from cutsim.files import exchange, signing
from cutsim.files.keyring import Keyring
from cutsim.model.commands import SetItemField
from cutsim.workspace import Workspace
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.startup import initial_source

REPO = Path(__file__).resolve().parents[2]
POOLED = REPO / "scenarios" / "pooled-health-care.cutsim"
EXAMPLE = REPO / "models" / "example-place.cutsim"


def _started_on(path: Path, qtbot, tmp_path: Path) -> MainWindow:
    """The window as ``cutsim-app PATH`` builds it."""
    file, where, error, opened = initial_source(path)
    assert error is None and where == path
    settings = Settings(QSettings(str(tmp_path / "settings" / "cutsim.ini"), QSettings.Format.IniFormat))
    window = MainWindow(file, where, settings=settings, recovery_dir=tmp_path / "recovery",
                        load_optional_views=False, opened=opened)
    qtbot.addWidget(window)
    return window


def test_a_window_started_on_a_signed_file_reads_it_once(qtbot, tmp_path, dialog_log,
                                                         monkeypatch) -> None:
    keyring = Keyring()  # the test's own config folder (conftest)
    keyring.new_key("council")
    path = tmp_path / "signed.cutsim"
    path.write_bytes(POOLED.read_bytes())
    signing.sign_path(path, keyring)
    reads: list[Path] = []
    real = exchange.file_bytes
    monkeypatch.setattr(exchange, "file_bytes", lambda where: reads.append(Path(where))
                        or real(where))
    window = _started_on(path, qtbot, tmp_path)
    assert reads == [path]
    assert "signed by Seaport Council (unitary)" in window.windowTitle()
    assert window.files.verification is not None and window.files.verification.trusted


def test_a_window_started_on_a_workspace_never_saves_over_a_change_made_since(
        qtbot, tmp_path, dialog_log) -> None:
    path = tmp_path / "shared.sqlite"
    Workspace.create(path, exchange.read_file(EXAMPLE)).close()
    window = _started_on(path, qtbot, tmp_path)
    with Workspace.open(path) as workspace:
        assert window.files.model_key == workspace.model_keys()[0][0]
        assert window.files.workspace_version == workspace.model_version()
    assert window.files.claim_current()
    service = window.document.file.model.services[0]
    assert window.document.apply(SetItemField("services", service.id, "unit_cost", 333.0))
    incoming = exchange.read_file(EXAMPLE)
    added = incoming.model.services[0].model_copy(update={"id": "imported-meanwhile",
                                                          "name": "Imported meanwhile"})
    incoming = incoming.model_copy(update={"model": incoming.model.model_copy(
        update={"services": [*incoming.model.services, added]})})
    with Workspace.open(path) as other:  # as `cutsim import` would, beside the app
        other.import_file(incoming, source="meanwhile.cutsim")
    assert not window.files.save_to(path)
    assert "changed since you opened it" in dialog_log.errors[-1][1]
    with Workspace.open(path) as workspace:
        assert "imported-meanwhile" in {s.id for s in workspace.load().model.services}
    window.files.release_lock()
