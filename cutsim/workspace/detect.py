"""Telling a workspace from a ``.cutsim`` file by its first bytes (no database code loaded)."""

from __future__ import annotations

import os

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_workspace(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is an SQLite file (a workspace, or something to refuse clearly)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False
