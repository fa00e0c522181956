"""Two app instances: one workspace has one holder (the other is told who), and each
instance's recovery files are its own."""

from __future__ import annotations

from pathlib import Path

from cutsim.files import exchange
from cutsim.model.commands import SetItemField
from cutsim.workspace import Workspace
from ui.app import offer_recovery
from ui.recovery import find_recovery

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "example-place.cutsim"


def _edit(window, cost: float) -> None:
    service = window.document.file.model.services[0]
    assert window.document.apply(SetItemField("services", service.id, "unit_cost", cost))


def _workspace(tmp_path: Path) -> Path:
    path = tmp_path / "shared.sqlite"
    Workspace.create(path, exchange.read_file(EXAMPLE)).close()
    return path


def test_the_second_instance_is_told_the_workspace_is_in_use(make_window, example_file,
                                                            tmp_path, dialog_log) -> None:
    path = _workspace(tmp_path)
    first, second = make_window(example_file), make_window(example_file)
    assert first.files.open_path(path)
    assert not second.files.open_path(path)
    title, message = dialog_log.errors[-1]
    assert title == "Workspace in use"
    assert "shared.sqlite is in use by" in message and "process" in message
    assert second.document.path is None  # it kept what it had
    # nor may the second save over it
    assert not second.files.save_to(path)
    assert dialog_log.errors[-1][0] == "Workspace in use"
    # once the first lets go (opens something else), the second may have it
    assert first.files.open_path(EXAMPLE)
    assert second.files.open_path(path)
    assert second.files.lock is not None and second.files.lock.held


def test_a_lock_left_by_a_crashed_instance_is_taken_over(make_window, example_file,
                                                        tmp_path, dialog_log) -> None:
    path = _workspace(tmp_path)
    first, second = make_window(example_file), make_window(example_file)
    assert first.files.open_path(path)
    lock = first.files.lock
    assert lock is not None and lock.path.exists()
    import os

    os.close(lock._fd)  # the process "dies": the system drops its lock, the file stays
    lock._fd = None
    assert lock.path.exists()
    assert second.files.open_path(path)
    assert not dialog_log.errors


def test_closing_the_window_gives_the_workspace_up(make_window, example_file, tmp_path) -> None:
    path = _workspace(tmp_path)
    first = make_window(example_file)
    assert first.files.open_path(path)
    lock_file = first.files.lock.path
    assert first.close()
    assert not lock_file.exists()


def test_recovery_of_one_instance_is_untouched_by_the_other(make_window, example_file,
                                                           tmp_path, dialog_log) -> None:
    first, second = make_window(example_file), make_window(example_file)
    _edit(first, 111.0)
    _edit(second, 222.0)
    first_file = first.autosaver.save_now()
    second_file = second.autosaver.save_now()
    assert first_file and second_file and first_file != second_file
    assert first_file.parent.parent == second_file.parent.parent  # one recovery folder
    for path in (first_file, second_file):
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
    kept = first_file.read_bytes()
    # the second neither offers nor deletes the first's work while the first runs
    assert find_recovery(first_file.parent.parent, exclude=second.autosaver.folder) is None
    assert not offer_recovery(second, first_file.parent.parent)
    assert not dialog_log.questions
    # saving or closing the second removes only its own recovery
    assert second.files.save_to(tmp_path / "second.cutsim")
    assert not second_file.exists()
    assert second.close()
    assert first_file.read_bytes() == kept
    # when the first crashes, a new instance is offered the first's work
    first.autosaver.release()
    found = find_recovery(first_file.parent.parent)
    assert found is not None and found.folder == first_file.parent
    assert found.file.model.services[0].unit_cost == 111.0


def test_a_save_never_overwrites_a_change_made_since_the_workspace_was_opened(
        make_window, example_file, tmp_path, dialog_log) -> None:
    """The command line takes no app lock: an import made while the app has the workspace
    open must survive the app's next save, which is refused and says why."""
    path = _workspace(tmp_path)
    window = make_window(example_file)
    assert window.files.open_path(path)
    _edit(window, 333.0)
    incoming = exchange.read_file(EXAMPLE)
    added = incoming.model.services[0].model_copy(update={"id": "imported-meanwhile",
                                                          "name": "Imported meanwhile"})
    incoming = incoming.model_copy(update={"model": incoming.model.model_copy(
        update={"services": [*incoming.model.services, added]})})
    with Workspace.open(path) as other:  # as `cutsim import` would, beside the app
        other.import_file(incoming, source="meanwhile.cutsim")
    assert not window.files.save_to(path)
    title, message = dialog_log.errors[-1]
    assert title == "Cannot save shared.sqlite"
    assert "changed since you opened it" in message and "import meanwhile.cutsim" in message
    assert window.document.is_dirty  # the edit is still there to save elsewhere
    with Workspace.open(path) as ws:
        kept = ws.load()
    assert "imported-meanwhile" in {s.id for s in kept.model.services}
    assert kept.model.services[0].unit_cost != 333.0
    # after reopening (the import now in the document), saving works again
    assert window.files.open_path(path, confirmed=True)
    _edit(window, 444.0)
    assert window.files.save_to(path)
    assert window.files.save_to(path)  # its own saves move the version it expects
    with Workspace.open(path) as ws:
        assert ws.load().model.services[0].unit_cost == 444.0
