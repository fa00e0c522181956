"""Where a command's text goes: a file (atomically) or standard output."""

from __future__ import annotations

import os
import sys

from cutsim.files.exchange import atomic_write_bytes
from cutsim.model.errors import InputError


def write_file_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) atomically; an unwritable path is bad input, not a traceback."""
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def emit(text: str, out: str | os.PathLike[str] | None) -> None:
    """``text`` into the file ``out`` when given, else onto standard output."""
    if out:
        write_file_text(out, text)
    else:
        sys.stdout.write(text)
