"""Only regular files are read as models, workbooks or workspaces.

Opening a FIFO blocks until something writes to it, and a device can return bytes for
ever: a ``ws.sqlite`` that is a named pipe would hang every command. So a path that exists
and is neither a regular file nor a folder (a pipe, a socket, a device) is refused before
it is opened; a folder is left to the caller, which says it is a folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cutsim.model.errors import InputError

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def refuse_special(path: str | os.PathLike[str]) -> None:
    """InputError if ``path`` is a pipe, socket or device; nothing otherwise (a missing or
    unreadable path is for the caller's own open to report). ``stat`` never blocks."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise InputError(f"{Path(path)}: refused: it is {kind}, not a file; cutsim reads models, "
                     "workbooks and workspaces only from regular files")
