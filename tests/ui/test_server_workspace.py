"""The app on a partnership's workspace on the private PostgreSQL server: opened by its
URL, saved back with its version, a partner's save offered for reloading."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from cutsim.files import exchange
from cutsim.workspace import create_workspace, open_workspace
from cutsim.workspace.partnership import setup

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "example-place.cutsim"


@pytest.fixture
def partnership(pg_url: str) -> dict[str, str]:
    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    return {a.agency: a.uri for a in setup(pg_url, ["council", "police"])} | {"owner": pg_url}


def _with_spend(cutsim_file, service_id: str, spend: float):
    services = [s.model_copy(update={"baseline_spend": spend}) if s.id == service_id else s
                for s in cutsim_file.model.services]
    return cutsim_file.model_copy(update={"model": cutsim_file.model.model_copy(
        update={"services": services})})


def test_open_a_partnership_url_shows_what_the_role_sees(window, partnership, dialog_log,
                                                          qtbot) -> None:
    files = window.files
    assert files.server.open_url(partnership["police"])
    try:
        ids = {s.id for s in window.document.file.model.services}
        assert "police_asb" in ids and "home_care" not in ids  # the council's confidential line
        database = partnership["owner"].rsplit("/", 1)[1]
        assert f"{database} (partnership)" in window.windowTitle()
        password = partnership["police"].split(":")[2].split("@")[0]
        assert password not in window.windowTitle()
        assert window.document.path is None and files.workspace_version is not None
    finally:
        files.server.stop()


def test_the_app_says_in_words_when_the_database_refuses_a_save(window, partnership,
                                                                dialog_log, qtbot) -> None:
    from cutsim.model.commands import ReplaceContents

    files = window.files
    assert files.server.open_url(partnership["police"])
    try:
        original = window.document.file
        window.document.apply(ReplaceContents(_with_spend(original, "youth", 1.0),
                                              "change the council's youth work"))
        assert not files.save()
        assert "may change only its own rows" in dialog_log.error_text()
        assert window.document.is_dirty
        window.document.apply(ReplaceContents(_with_spend(original, "police_asb", 777.0),
                                              "change the police's own service"))
        assert files.save(), dialog_log.error_text()
        assert not window.document.is_dirty
    finally:
        files.server.stop()
    with open_workspace(partnership["owner"]) as workspace:
        saved = {s.id: s.baseline_spend for s in workspace.load().model.services}
    assert saved["police_asb"] == 777.0 and saved["youth"] == 3_000_000.0


def test_a_partners_save_is_offered_for_reloading(window, partnership, dialog_log,
                                                 qtbot) -> None:
    files = window.files
    assert files.server.open_url(partnership["police"])
    try:
        with qtbot.waitSignal(files.server.reloadOffered, timeout=15000) as offered, \
                open_workspace(partnership["council"]) as partner:
            model, version = partner.load_versioned()
            partner.save(_with_spend(model, "youth", 2_222_222.0), expected_version=version)
        assert "A partner saved" in offered.args[0]
        box = files.server.offer
        assert box is not None and box.isVisible()
        with qtbot.waitSignal(window.document.fileReplaced, timeout=10000):
            box.button(QMessageBox.StandardButton.Yes).click()
        youth = next(s for s in window.document.file.model.services if s.id == "youth")
        assert youth.baseline_spend == 2_222_222.0
        assert files.server.location is not None  # still on the server after the reload
    finally:
        files.server.stop()


def test_a_bad_url_is_refused_with_a_dialog_and_nothing_changes(window, dialog_log) -> None:
    before = window.document.file
    assert not window.files.server.open_url("postgresql://x:s3cret@127.0.0.1:1/none")
    assert "cannot connect" in dialog_log.error_text()
    assert "s3cret" not in dialog_log.error_text()
    assert window.document.file is before and window.files.server.location is None


def test_save_as_a_file_leaves_the_server(window, partnership, dialog_log, tmp_path) -> None:
    files = window.files
    assert files.server.open_url(partnership["police"])
    try:
        target = tmp_path / "mine.cutsim"
        assert files.save_to(target)
        assert files.server.location is None and window.document.path == target
        assert "(partnership)" not in window.windowTitle()
    finally:
        files.server.stop()
