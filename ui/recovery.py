"""Autosave to a recovery file while there are unsaved changes, and recovery after a crash.

While the document is dirty, a timer writes it every N seconds to
``<recovery folder>/recovery.cutsim`` (with ``exchange.write_file``, so the write is
atomic), and beside it ``recovery.json`` saying which file it belongs to. A clean close
or a save removes both. If they are there when the app starts, the last session ended
without a clean close, and the app offers to restore the work.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from cutsim.files import exchange
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from ui.document import DocumentController

log = logging.getLogger(__name__)

RECOVERY_FILE = "recovery.cutsim"
RECOVERY_INFO = "recovery.json"


@dataclass(frozen=True)
class Recovered:
    """A document found in the recovery folder, and the file it was being edited as."""

    file: CutsimFile
    original_path: Path | None


def _strip_stamp(file: CutsimFile) -> CutsimFile:
    # The recovery file is written through the normal writer, which stamps provenance and
    # sha256; a restored document keeps the provenance it had before.
    return file.model_copy(update={"sha256": None})


def find_recovery(folder: Path) -> Recovered | None:
    """The unsaved document left by a session that did not close cleanly, if any."""
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
    return Recovered(_strip_stamp(file), original)


def discard_recovery(folder: Path) -> None:
    """Remove the recovery file (after a clean close, a save, or when the user declines)."""
    for name in (RECOVERY_FILE, RECOVERY_INFO):
        (folder / name).unlink(missing_ok=True)


class Autosaver(QObject):
    """Writes the dirty document to the recovery folder every ``interval_s`` seconds."""

    def __init__(self, document: DocumentController, folder: Path, interval_s: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.folder = document, folder
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
            # work the recovery file held is gone on purpose. (Not done at start-up, where
            # the file left by a crash must survive until the user is asked about it.)
            discard_recovery(self.folder)

    def save_now(self) -> Path | None:
        """Write the recovery file now if there are unsaved changes; its path, or None."""
        if not self.document.is_dirty:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / RECOVERY_FILE
        try:
            exchange.write_file(target, self.document.file)
            original = str(self.document.path) if self.document.path else None
            exchange.atomic_write_bytes(self.folder / RECOVERY_INFO,
                                        json.dumps({"path": original}).encode("utf-8"))
        except OSError as exc:
            # Autosave is a safety net: failing must not interrupt the user's work.
            log.warning("autosave to %s failed: %s", target, exc)
            return None
        log.debug("autosaved to %s", target)
        return target

    def close_cleanly(self) -> None:
        """The app is closing normally: no recovery is needed next time."""
        self.timer.stop()
        discard_recovery(self.folder)
