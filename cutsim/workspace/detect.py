"""Telling a workspace from a ``.cutsim`` file (no database code loaded).

The one place that knows a workspace file by its first bytes: everyone asks
:func:`is_workspace`.
"""

from __future__ import annotations

import os

from cutsim.files.regular import refuse_special
from cutsim.model.errors import InputError
from cutsim.workspace.location import Location, parse_location

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_workspace(location: str | os.PathLike[str] | Location) -> bool:
    """True if ``location`` names a workspace: an SQLite file (a workspace, or something
    to refuse clearly when opened), or a URL of a workspace (a PostgreSQL server's too:
    opening it then says clearly if it is not one)."""
    try:
        parsed = parse_location(location)
    except InputError:
        return True  # a workspace URL of a kind not kept: opening it says what is wrong
    if parsed.is_server:
        return True  # a PostgreSQL workspace: opening it says if it is not one
    path = parsed.path
    refuse_special(path)  # a FIFO named ws.sqlite would block the open below for ever
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False
