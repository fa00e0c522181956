"""Where a command's text goes: a file (atomically) or standard output, made safe for a
terminal; and the one wording of errors from the system (files, disks, databases)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from cutsim.files.exchange import atomic_write_bytes
from cutsim.model.errors import InputError
from cutsim.model.safetext import terminal_safe


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


class _SafeStream:
    """A text stream that escapes control characters (keeping newlines and tabs) on write."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(terminal_safe(text, keep_lines=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def safe_streams() -> Iterator[None]:
    """While a command runs, nothing it prints can send a control character to a terminal
    (names in a received file are untrusted; DESIGN §5)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(saved[0]), _SafeStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def system_error_message(exc: OSError) -> str:
    """One line naming the path and the reason for an error from the system."""
    where = exc.filename
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename2 is not None:
        return f"{where} → {exc.filename2}: {reason}"
    return f"{where}: {reason}" if where is not None else f"cannot complete: {reason}"
