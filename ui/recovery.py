"""Autosave to a recovery file while there are unsaved changes, and recovery after a crash.

Each running app instance keeps its document's recovery in a folder of its own,
``<recovery folder>/<host>-<process>-<token>/``: ``recovery.cutsim`` (written with
``exchange.write_file``, atomic) and ``recovery.json`` saying which file it belongs to.
Both are private to the user (0600, the folder 0700), since a model may hold
confidential services. While the instance runs it holds an exclusive ``flock`` on
``owner.lock`` in its folder, so another instance can tell a live instance's unsaved
work (never offered, deleted or overwritten) from a crashed one's (offered once at
start-up). A clean close or a save removes the instance's files. On Windows, where
there is no ``flock``, the owner's process id and host stand in (see
docs/workspace-safety.md), and the files are private through the user's own
application-data folder, which Windows keeps to its owner.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from cutsim.files import exchange
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from ui.document import DocumentController

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

RECOVERY_FILE = "recovery.cutsim"
RECOVERY_INFO = "recovery.json"
OWNER_LOCK = "owner.lock"
OWNER_INFO = "owner.json"


@dataclass(frozen=True)
class Recovered:
    """A document found in a recovery folder, the file it was being edited as, and the
    folder it was found in."""

    file: CutsimFile
    original_path: Path | None
    folder: Path


def _strip_stamp(file: CutsimFile) -> CutsimFile:
    # The recovery file is written through the normal writer, which stamps provenance and
    # sha256; a restored document keeps the provenance it had before.
    return file.model_copy(update={"sha256": None})


def _owner_alive(folder: Path) -> bool:
    """True if the instance that owns ``folder`` is still running."""
    lock = folder / OWNER_LOCK
    if fcntl is not None:
        if not lock.exists():
            return False
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # (dropping the lock we may have taken)
        return False
    try:
        owner = json.loads((folder / OWNER_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return owner.get("host") == socket.gethostname() and owner.get("pid") == os.getpid()


def _read(folder: Path) -> Recovered | None:
    path = folder / RECOVERY_FILE
    if not path.exists():
        return None
    try:
        info = json.loads((folder / RECOVERY_INFO).read_text(encoding="utf-8"))
        original = Path(info["path"]) if info.get("path") else None
    except (OSError, ValueError, KeyError, TypeError):
        original = None
    try:
        # A recovery file may hold an invalid model (work in progress): read it without
        # refusing values, but still through the strict parser (it is a file on disk).
        document = exchange.parse_json(path.read_bytes(), path.name)
        document.pop("sha256", None)
        file = CutsimFile.model_validate(document)
    except (OSError, InputError, ValueError) as exc:
        log.warning("recovery file %s cannot be read (%s); ignoring it", path, exc)
        return None
    return Recovered(_strip_stamp(file), original, folder)


def find_recovery(folder: Path, exclude: Path | None = None) -> Recovered | None:
    """Unsaved work left by an instance that did not close cleanly, if any (never that of
    an instance still running, nor of ``exclude``, the asking instance's own folder)."""
    candidates = [folder] if (folder / RECOVERY_FILE).exists() else []  # one folder given
    try:
        candidates += sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        pass
    for candidate in candidates:
        if candidate == exclude or (candidate != folder and _owner_alive(candidate)):
            continue
        found = _read(candidate)
        if found is not None:
            return found
    return None


def discard_recovery(folder: Path) -> None:
    """Remove the recovery files in ``folder`` (after a clean close, a save, or when the
    user declines); a dead instance's folder goes as a whole."""
    for name in (RECOVERY_FILE, RECOVERY_INFO):
        (folder / name).unlink(missing_ok=True)
    if (folder / OWNER_INFO).exists() and not _owner_alive(folder):
        shutil.rmtree(folder, ignore_errors=True)


class Autosaver(QObject):
    """Writes the dirty document to this instance's recovery folder every ``interval_s``
    seconds."""

    def __init__(self, document: DocumentController, folder: Path, interval_s: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.root = document, folder
        self.folder = folder / f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        self._owner_fd: int | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.save_now)
        self.set_interval(interval_s)
        document.dirtyChanged.connect(self._on_dirty_changed)
        document.fileReplaced.connect(lambda: self._on_dirty_changed(document.is_dirty))

    def set_interval(self, seconds: int) -> None:
        """Autosave period; 0 turns autosave off."""
        self.interval_s = seconds
        self.timer.setInterval(max(1, seconds) * 1000)
        self._update_timer()

    def _update_timer(self) -> None:
        if self.document.is_dirty and self.interval_s > 0:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()

    def _on_dirty_changed(self, dirty: bool) -> None:
        self._update_timer()
        if not dirty:
            # Saved, undone back to the saved state, or another file opened: the unsaved
            # work the recovery file held is gone on purpose. (Only this instance's own.)
            for name in (RECOVERY_FILE, RECOVERY_INFO):
                (self.folder / name).unlink(missing_ok=True)

    def _claim_folder(self) -> None:
        """Create this instance's private folder and hold it while the instance runs."""
        if self._owner_fd is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.folder, 0o700)
        fd = os.open(self.folder / OWNER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._owner_fd = fd
        exchange.atomic_write_bytes(self.folder / OWNER_INFO, json.dumps(
            {"host": socket.gethostname(), "pid": os.getpid()}).encode("utf-8"), private=True)

    def save_now(self) -> Path | None:
        """Write the recovery file now if there are unsaved changes; its path, or None."""
        if not self.document.is_dirty:
            return None
        target = self.folder / RECOVERY_FILE
        try:
            self._claim_folder()
            exchange.write_file(target, self.document.file, private=True)
            original = str(self.document.path) if self.document.path else None
            exchange.atomic_write_bytes(self.folder / RECOVERY_INFO,
                                        json.dumps({"path": original}).encode("utf-8"),
                                        private=True)
        except (OSError, InputError) as exc:
            # Autosave is a safety net: failing must not interrupt the user's work.
            log.warning("autosave to %s failed: %s", target, exc)
            return None
        log.debug("autosaved to %s", target)
        return target

    def release(self) -> None:
        """Let go of this instance's folder (as a crash would, but for tests and exit)."""
        if self._owner_fd is not None:
            os.close(self._owner_fd)
            self._owner_fd = None

    def close_cleanly(self) -> None:
        """The app is closing normally: no recovery is needed next time."""
        self.timer.stop()
        self.release()
        shutil.rmtree(self.folder, ignore_errors=True)
