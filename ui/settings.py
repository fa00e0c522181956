"""Preferences, recent files and window layout, kept in QSettings.

One small typed wrapper, so the rest of the app never spells a settings key twice.
Tests point QSettings at a temporary folder (see ``tests/ui/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

ORGANISATION = "cutsim"
APPLICATION = "cutsim"
MAX_RECENT = 10
DEFAULT_AUTOSAVE_S = 60


def data_dir() -> Path:
    """The app's own folder for the log and recovery files (created if missing)."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Settings:
    """Typed access to the app's QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else QSettings()

    # --- recent files --------------------------------------------------------------

    def recent_files(self) -> list[Path]:
        """Recently opened or saved files, newest first, existing ones only."""
        value = self._s.value("files/recent", [])
        # a list, or one name alone (how some stores give back a list of one), or nothing
        if isinstance(value, str):
            names = [value]
        elif isinstance(value, (list, tuple)):
            names = list(value)
        else:
            names = []
        return [Path(name) for name in names if Path(name).exists()]

    def add_recent_file(self, path: Path) -> None:
        names = [str(p) for p in self.recent_files() if p.resolve() != path.resolve()]
        self._s.setValue("files/recent", [str(path.resolve()), *names][:MAX_RECENT])

    def workspace_model(self, path: Path) -> int | None:
        """The model last opened from the workspace at ``path`` (its key), if remembered."""
        value = self._s.value(_model_key(path))
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def set_workspace_model(self, path: Path, model_key: int) -> None:
        """Remember which model of a several-model workspace was opened (for recent files)."""
        self._s.setValue(_model_key(path), int(model_key))

    def clear_recent_files(self) -> None:
        self._s.setValue("files/recent", [])

    def last_folder(self) -> str:
        return str(self._s.value("files/last_folder", "") or "")

    def set_last_folder(self, folder: Path) -> None:
        self._s.setValue("files/last_folder", str(folder))

    # --- preferences ---------------------------------------------------------------

    def autosave_seconds(self) -> int:
        """How often unsaved changes are written to the recovery file (0: never)."""
        try:
            value: Any = self._s.value("prefs/autosave_seconds", DEFAULT_AUTOSAVE_S)
            return max(0, int(value))
        except (TypeError, ValueError):
            return DEFAULT_AUTOSAVE_S

    def set_autosave_seconds(self, seconds: int) -> None:
        self._s.setValue("prefs/autosave_seconds", int(seconds))

    def print_zero_rows(self) -> bool:
        """Whether the printed pack keeps rows whose every figure is £0 (default: no)."""
        value = self._s.value("prefs/print_zero_rows", False)
        return value is True or str(value).lower() in ("true", "1")

    def set_print_zero_rows(self, keep: bool) -> None:
        self._s.setValue("prefs/print_zero_rows", bool(keep))

    # --- window layout -------------------------------------------------------------

    def window_geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self._s.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)

    def sync(self) -> None:
        self._s.sync()


def _model_key(path: Path) -> str:
    """The settings key for a workspace's chosen model (paths hashed: no slashes in keys)."""
    import hashlib

    digest = hashlib.sha1(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"files/workspace_model/{digest}"
