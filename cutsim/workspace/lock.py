"""Who has a workspace open in the app: a lock file beside it (docs/workspace-safety.md, one writer).

``.<workspace name>.lock`` holds JSON naming the holder (user, host, process id, since
when) and, while the holder runs, an exclusive ``flock`` on it. A second app instance
that wants the workspace finds the lock taken and is told who holds it. A lock whose
holder died (a crash, a kill, a power cut) is *stale*: the operating system dropped its
``flock`` with the process, so the next instance takes it over without asking.

Where ``fcntl`` is missing (Windows), the lock file is created exclusively instead, and
a lock is stale when this computer wrote it for a process id that no longer exists, or
when it is older than :data:`STALE_AFTER_S` (a lock from another computer, or one whose
process cannot be checked). The command line does not take this lock: its writes are
short transactions serialised by the database itself (the write lock and busy timeout
of :mod:`cutsim.workspace.sqlite_adapter`).
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any

from cutsim.model.errors import InputError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

STALE_AFTER_S = 12 * 3600.0  # without flock: a lock this old is taken to be left behind


class WorkspaceInUse(InputError):
    """Another running instance holds the workspace; ``holder`` says who."""

    def __init__(self, path: Path, holder: dict[str, Any]) -> None:
        who = f"{holder.get('user') or 'someone'} on {holder.get('host') or 'another computer'}"
        pid = f" (process {holder['pid']})" if holder.get("pid") else ""
        since = f" since {holder['since']}" if holder.get("since") else ""
        super().__init__(f"{path.name} is in use by {who}{pid}{since}. Only one app can have a "
                         "workspace open at a time; close it there first, or open a copy.")
        self.holder = holder


def lock_path(workspace: str | os.PathLike[str]) -> Path:
    """The lock file of a workspace."""
    path = Path(workspace)
    return path.with_name(f".{path.name}.lock")


def _me() -> dict[str, Any]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (a container without passwd entries)
        user = None
    return {"user": user, "host": socket.gethostname(), "pid": os.getpid(),
            "since": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8")[:4096] or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would end the process on Windows: cannot check safely
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class WorkspaceLock:
    """The app's hold on one workspace: :meth:`acquire`, then :meth:`release`."""

    def __init__(self, workspace: str | os.PathLike[str]) -> None:
        self.workspace = Path(workspace)
        self.path = lock_path(workspace)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`WorkspaceInUse` naming its live holder."""
        if self._fd is not None:
            return
        if fcntl is None:
            self._acquire_exclusive()
            return
        for _ in range(5):  # retry if the holder removed the file while we opened it
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise WorkspaceInUse(self.workspace, _read_holder(self.path)) from None
            except OSError:
                os.close(fd)
                raise
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            stale = _read_holder(self.path)
            if stale:
                log.info("took over the stale lock on %s left by %s", self.workspace.name, stale)
            self._write(fd)
            return
        raise WorkspaceInUse(self.workspace, _read_holder(self.path))

    def _acquire_exclusive(self) -> None:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                holder = _read_holder(self.path)
                if not self._stale(holder):
                    raise WorkspaceInUse(self.workspace, holder) from None
                log.info("removing the stale lock on %s left by %s", self.workspace.name, holder)
                self.path.unlink(missing_ok=True)
                continue
            self._write(fd)
            return
        raise WorkspaceInUse(self.workspace, _read_holder(self.path))

    def _stale(self, holder: dict[str, Any]) -> bool:
        try:
            age = _dt.datetime.now(_dt.UTC) - _dt.datetime.fromisoformat(holder["since"])
            if age.total_seconds() > STALE_AFTER_S:
                return True
        except (KeyError, TypeError, ValueError):
            return True  # unreadable: not a lock any cutsim wrote whole
        if holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int):
            return not _pid_alive(holder["pid"])
        return False

    def _write(self, fd: int) -> None:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_me()).encode("utf-8"))
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Give the workspace up (removing the lock file while still holding it)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the lock %s: %s", self.path, exc)
        os.close(self._fd)  # drops the flock
        self._fd = None

    def __enter__(self) -> WorkspaceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
