"""Files: save and reopen, hostile files refused with the core's message, unsaved-changes prompt, recovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

from cutsim.files import exchange
from cutsim.model.commands import SetItemField, SetPlaceField
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.workspace import Workspace
from ui import dialogs
from ui.recovery import RECOVERY_FILE, find_recovery

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


def _same_content(a: CutsimFile, b: CutsimFile) -> bool:
    """Equal model and scenarios (saving stamps provenance and the integrity hash)."""
    return a.model == b.model and a.scenarios == b.scenarios


def _edit(window) -> None:
    service = window.document.file.model.services[0]
    assert window.document.apply(SetItemField("services", service.id, "unit_cost", 777.0))


def test_save_then_reopen_gives_the_same_document(window, tmp_path: Path) -> None:
    _edit(window)
    target = tmp_path / "saved.cutsim"
    assert window.files.save_to(target)
    assert not window.document.is_dirty and window.document.path == target
    assert "saved.cutsim" in window.windowTitle()
    edited = window.document.file
    assert window.files.open_path(target)
    assert _same_content(window.document.file, edited)
    assert window.settings.recent_files()[0] == target.resolve()


def test_save_to_a_workspace_and_open_it_again(window, tmp_path: Path) -> None:
    _edit(window)
    edited = window.document.file
    target = tmp_path / "place.cutsimdb"
    assert window.files.save_to(target)
    _edit(window)  # save again into the existing workspace
    window.document.apply(SetPlaceField("name", "Seaport again"))
    assert window.files.save()
    assert window.files.open_path(target)
    assert window.document.file.model.place.name == "Seaport again"
    assert window.document.file.model.services[0].unit_cost == edited.model.services[0].unit_cost


def test_an_invalid_model_is_not_saved_into_a_workspace(window, tmp_path: Path, dialog_log) -> None:
    service = window.document.file.model.services[0]
    window.document.apply(SetItemField("services", service.id, "unit_cost", -1.0))
    target = tmp_path / "place.cutsimdb"
    assert not window.files.save_to(target)
    assert "unit_cost must be > 0" in dialog_log.error_text()
    assert window.document.is_dirty and window.document.path is None


def test_save_as_asks_for_a_name(window, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "chosen"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "x"))
    assert window.files.save_as()
    assert (tmp_path / "chosen.cutsim").is_file()


def _hostile(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _example_doc() -> dict:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.pop("sha256", None)  # edited below, so the integrity hash would (rightly) refuse it
    return doc


def _hostile_files(tmp_path: Path) -> list[Path]:
    unknown = _example_doc()
    unknown["model"]["services"][0]["colour"] = "red"
    dangling = _example_doc()
    dangling["model"]["effects"][0]["service"] = "no-such-service"
    return [
        _hostile(tmp_path, "bad-json.cutsim", '{"format": "cutsim", "model": {'),
        _hostile(tmp_path, "nan.cutsim", EXAMPLE.read_text(encoding="utf-8").replace(
            '"discount_rate": 0.035', '"discount_rate": NaN', 1)),
        _hostile(tmp_path, "unknown-field.cutsim", json.dumps(unknown)),
        _hostile(tmp_path, "dangling.cutsim", json.dumps(dangling)),
        _hostile(tmp_path, "not-cutsim.cutsim", "[1, 2, 3]"),
    ]


@pytest.mark.parametrize("index", range(5), ids=["bad-json", "nan", "unknown-field", "dangling", "not-object"])
def test_a_hostile_file_gets_the_cores_message_and_changes_nothing(window, tmp_path, dialog_log, index) -> None:
    _edit(window)
    before, before_path = window.document.file, window.document.path
    path = _hostile_files(tmp_path)[index]
    with pytest.raises(InputError) as core:
        exchange.read_file(path)

    assert not window.files.open_path(path)
    assert len(dialog_log.errors) == 1
    title, message = dialog_log.errors[0]
    assert title == f"Cannot open {path.name}"
    assert message == str(core.value)
    assert window.document.file is before and window.document.path == before_path
    assert window.document.is_dirty  # the unsaved edit is still there, still undoable
    assert window.document.undo_stack.count() == 1


def test_a_hostile_file_dropped_on_the_window_is_refused_too(window, tmp_path, dialog_log) -> None:
    before = window.document.file
    path = _hostile_files(tmp_path)[3]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert 'refers to service "no-such-service"' in dialog_log.error_text()
    assert window.document.file is before


def test_dropping_a_good_file_opens_it(window, tmp_path, example_file) -> None:
    path = tmp_path / "dropped.cutsim"
    exchange.write_file(path, example_file.model_copy(update={
        "model": example_file.model.model_copy(update={"place": example_file.model.place.model_copy(
            update={"name": "Dropped"})})}))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    assert window.document.file.model.place.name == "Dropped" and window.document.path == path


def test_unsaved_changes_prompt_on_open_and_close(window, tmp_path, dialog_log, example_file) -> None:
    _edit(window)
    other = tmp_path / "other.cutsim"
    exchange.write_file(other, example_file)
    dialog_log.save_choice = dialogs.Choice.CANCEL
    assert not window.files.open_path(other)
    assert window.document.is_dirty and window.document.path is None
    assert not window.close()  # cancelled: the window stays
    dialog_log.save_choice = dialogs.Choice.DISCARD
    assert window.files.open_path(other)
    assert window.document.path == other and not window.document.is_dirty
    assert len(dialog_log.questions) == 3


def test_new_starts_a_blank_model_with_a_fresh_history(window) -> None:
    _edit(window)
    assert window.files.new()
    assert window.document.file.model.services == []
    assert window.document.undo_stack.count() == 0 and window.document.path is None


def test_export_writes_a_readable_file_and_keeps_the_current_path(window, tmp_path) -> None:
    _edit(window)
    assert window.files.export_to(tmp_path / "for-partners")
    read = exchange.read_file(tmp_path / "for-partners.cutsim")
    assert _same_content(read, window.document.file)
    assert window.document.path is None and window.document.is_dirty


def test_import_merges_new_items_into_an_open_workspace(window, tmp_path, monkeypatch, example_file) -> None:
    workspace = tmp_path / "place.cutsimdb"
    Workspace.create(workspace, example_file).close()
    assert window.files.open_path(workspace)
    received = tmp_path / "received.cutsim"
    extra = example_file.scenarios[0].model_copy(update={"id": "from-partner", "name": "Partner's idea"})
    exchange.write_file(received, example_file.model_copy(update={"scenarios": [extra]}))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(received), ""))
    assert window.files.import_file()
    ids = [s.id for s in window.document.file.scenarios]
    assert ids == [s.id for s in example_file.scenarios] + ["from-partner"]  # added, none lost
    assert window.document.path == workspace and window.document.is_dirty
    window.document.undo_stack.undo()  # an import is one undoable step
    assert window.document.file.scenarios == example_file.scenarios
    window.document.undo_stack.redo()
    assert window.files.save()
    with Workspace.open(workspace) as opened:
        assert [s.id for s in opened.load().scenarios] == ids


def test_an_import_clash_is_resolved_by_the_users_choice(window, tmp_path, monkeypatch) -> None:
    current = window.document.file
    service = current.model.services[0]
    theirs = current.model_copy(deep=True)
    theirs.model.services[0] = service.model_copy(update={"baseline_spend": service.baseline_spend + 1000})
    received = tmp_path / "received.cutsim"
    exchange.write_file(received, theirs)
    asked: list = []

    def answer(choice):
        def choose(_parent, clashes, _source):
            asked.append([(c.kind, c.id) for c in clashes])
            return None if choice is None else {c.key: choice for c in clashes}
        return choose

    from ui import import_dialog
    monkeypatch.setattr(import_dialog, "choose_resolutions", answer(None))
    assert not window.files.import_path(received)  # cancelled: nothing changes
    assert window.document.file == current and asked == [[("service", service.id)]]
    monkeypatch.setattr(import_dialog, "choose_resolutions", answer("keep"))
    assert window.files.import_path(received)
    assert window.document.file.model == current.model
    monkeypatch.setattr(import_dialog, "choose_resolutions", answer("replace"))
    assert window.files.import_path(received)
    assert window.document.file.model.services[0].baseline_spend == service.baseline_spend + 1000
    monkeypatch.setattr(import_dialog, "choose_resolutions", answer("rename"))
    window.document.undo_stack.undo()
    assert window.files.import_path(received)
    ids = [s.id for s in window.document.file.model.services]
    assert service.id in ids and f"{service.id}-2" in ids


def test_the_clash_dialog_offers_the_three_choices(qtbot) -> None:
    from cutsim.workspace.importer import Clash
    from ui.import_dialog import ClashDialog

    dialog = ClashDialog([Clash("service", "youth", ("baseline_spend 1 → 2",)),
                          Clash("place", "place", ("name A → B",))], "received.cutsim")
    qtbot.addWidget(dialog)
    assert [dialog.choices[0].itemData(i) for i in range(dialog.choices[0].count())] == \
        ["keep", "replace", "rename"]
    assert dialog.choices[1].count() == 2  # the place cannot be renamed
    dialog.choices[0].setCurrentIndex(2)
    assert dialog.resolutions() == {("service", "youth"): "rename", ("place", "place"): "keep"}


def test_autosave_writes_a_recovery_file_and_recovery_restores_it(window, tmp_path, qtbot, dialog_log) -> None:
    from ui.app import offer_recovery

    folder = tmp_path / "recovery"
    window.autosaver.set_interval(1)
    _edit(window)
    own = window.autosaver.folder
    qtbot.waitUntil(lambda: (own / RECOVERY_FILE).exists(), timeout=5000)
    edited = window.document.file
    assert find_recovery(folder) is None  # its instance is running: not for anyone else

    # The old session "crashes": its window never closes cleanly, its process lock goes.
    window.autosaver.release()
    found = find_recovery(folder)
    assert found is not None and _same_content(found.file, edited) and found.folder == own

    fresh = window.__class__(exchange.read_file(EXAMPLE), None, settings=window.settings,
                             recovery_dir=folder, load_optional_views=False)
    qtbot.addWidget(fresh)
    assert offer_recovery(fresh, folder)
    assert _same_content(fresh.document.file, edited)
    assert fresh.document.is_dirty  # restored work is unsaved until saved
    assert not own.exists()  # moved into the new instance's own recovery folder
    assert (fresh.autosaver.folder / RECOVERY_FILE).exists()
    assert fresh.files.save_to(tmp_path / "kept.cutsim")
    assert not (fresh.autosaver.folder / RECOVERY_FILE).exists()  # saved: nothing to recover


def test_declining_recovery_removes_the_file(window, tmp_path, dialog_log) -> None:
    from ui.app import offer_recovery

    folder = tmp_path / "recovery"
    _edit(window)
    assert window.autosaver.save_now() == window.autosaver.folder / RECOVERY_FILE
    assert window.autosaver.folder.parent == folder
    window.autosaver.release()  # as if it had crashed
    other = window.__class__(exchange.read_file(EXAMPLE), None, settings=window.settings,
                             recovery_dir=folder, load_optional_views=False)
    dialog_log.yes = False
    assert not offer_recovery(other, folder)
    assert find_recovery(folder) is None


def test_a_clean_close_leaves_no_recovery_file(window, tmp_path, dialog_log) -> None:
    _edit(window)
    window.autosaver.save_now()
    folder = window.autosaver.folder
    assert (folder / RECOVERY_FILE).exists()
    assert window.close()  # the fixture discards unsaved changes
    assert not folder.exists()


def test_undoing_back_to_the_saved_state_removes_the_recovery_file(window, tmp_path) -> None:
    _edit(window)
    window.autosaver.save_now()
    assert (window.autosaver.folder / RECOVERY_FILE).exists()
    window.document.undo_stack.undo()
    assert not (window.autosaver.folder / RECOVERY_FILE).exists()



def test_a_workspace_with_several_models_asks_which_and_recent_files_remember(
        window, tmp_path: Path, monkeypatch) -> None:
    pooled = exchange.read_file(Path(__file__).resolve().parents[2] / "scenarios"
                                / "pooled-health-care.cutsim")
    pooled = pooled.model_copy(update={"model": pooled.model.model_copy(update={
        "place": pooled.model.place.model_copy(update={"name": "Second place"})})})
    target = tmp_path / "two.cutsimdb"
    with Workspace.create(target, exchange.read_file(EXAMPLE)) as workspace:
        second = workspace.add_model(pooled)
    asked: list[list[tuple[int, str]]] = []

    def choose(_path, keys, _remembered=None):
        asked.append(keys)
        return second

    monkeypatch.setattr(window.files, "choose_model", choose)
    assert window.files.open_path(target)
    assert len(asked) == 1 and [name for _k, name in asked[0]][1] == "Second place"
    assert window.document.file.model.place.name == "Second place"
    assert window.settings.workspace_model(target) == second

    # Saving goes back into the model that was opened, not the first one.
    window.document.apply(SetPlaceField("name", "Second place, edited"))
    assert window.files.save()
    with Workspace.open(target) as workspace:
        names = dict(workspace.model_keys())
    assert names[second] == "Second place, edited" and len(names) == 2
    assert "edited" not in names[min(names)]

    # Open Recent reopens that model without asking; Open asks again (and cancel changes nothing).
    window.files.new()
    assert window.files.open_path(target, recent=True)
    assert len(asked) == 1 and window.document.file.model.place.name == "Second place, edited"
    monkeypatch.setattr(window.files, "choose_model", lambda *_a: None)
    assert not window.files.open_path(target)
    assert window.document.file.model.place.name == "Second place, edited"
