"""The workspace lock: a live holder in another process is named; a dead one's is stale."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys

import pytest

from cutsim.workspace.lock import WorkspaceInUse, WorkspaceLock, lock_path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork and flock")


def _hold(path: str, ready) -> None:
    lock = WorkspaceLock(path)
    lock.acquire()
    ready.set()
    signal.pause()


def test_another_process_holding_it_is_named_and_its_death_frees_it(tmp_path) -> None:
    workspace = tmp_path / "w.sqlite"
    workspace.write_bytes(b"")
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    child = context.Process(target=_hold, args=(str(workspace), ready))
    child.start()
    try:
        assert ready.wait(30)
        with pytest.raises(WorkspaceInUse) as caught:
            WorkspaceLock(workspace).acquire()
        assert caught.value.holder["pid"] == child.pid
        assert f"process {child.pid}" in str(caught.value)
        assert oct(lock_path(workspace).stat().st_mode & 0o777) == oct(0o600)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
    assert lock_path(workspace).exists()  # left behind by the killed holder: stale
    with WorkspaceLock(workspace) as lock:
        assert lock.held
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    assert not lock_path(workspace).exists()


def test_the_holder_itself_may_ask_again(tmp_path) -> None:
    lock = WorkspaceLock(tmp_path / "w.sqlite")
    lock.acquire()
    lock.acquire()
    assert lock.held
    lock.release()
    assert not lock.held
