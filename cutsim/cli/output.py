"""Where a command's text goes: a file (atomically) or standard output, made safe for a
terminal; and the one wording of errors from the system (files, disks, databases)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from cutsim.files.exchange import atomic_write_bytes
from cutsim.model.errors import InputError
from cutsim.model.safetext import terminal_safe

#: The options through which a command writes a file or folder of its own choosing.
OUTPUT_DESTS = ("out", "xlsx")
#: Commands whose job is to update their own input (``sign FILE -o FILE`` signs in place).
UPDATES_ITS_INPUT = frozenset({"sign"})


def add_force_options(parser: argparse.ArgumentParser) -> None:
    """Give ``--force`` to every (sub)command with an output option, once, here: the rule
    of :func:`guard_outputs` then holds for each without each command knowing it."""
    dests = {action.dest for action in parser._actions}
    if dests & set(OUTPUT_DESTS) and "force" not in dests:
        parser.add_argument("--force", action="store_true",
                            help="write even over this command's own input, an existing "
                                 "workspace, or files cutsim did not write in the folder")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in set(action.choices.values()):
                add_force_options(sub)


def _inputs(args: argparse.Namespace) -> list[str]:
    """Every other path-like argument of the command (its inputs)."""
    values: list[str] = []
    for name, value in vars(args).items():
        if name in OUTPUT_DESTS:
            continue
        if isinstance(value, (str, os.PathLike)):
            values.append(os.fspath(value))
        elif isinstance(value, (list, tuple)):
            values += [os.fspath(v) for v in value if isinstance(v, (str, os.PathLike))]
    return values


def guard_outputs(args: argparse.Namespace) -> None:
    """The one rule for output options (``--out``, ``-o``, ``--xlsx``): none writes over
    the command's own input (the same file, by identity: a hard link or another spelling
    of the path is the same file) or over an existing workspace, unless ``--force``.
    InputError before anything is read or written."""
    if getattr(args, "force", False):
        return
    for dest in OUTPUT_DESTS:
        out = getattr(args, dest, None)
        if not isinstance(out, (str, os.PathLike)) or not os.path.lexists(out):
            continue
        if getattr(args, "command", None) not in UPDATES_ITS_INPUT:
            for value in _inputs(args):
                try:
                    same = os.path.samefile(out, value)
                except (OSError, ValueError):
                    continue
                if same:
                    raise InputError(f"{terminal_safe(os.fspath(out))}: is this command's own "
                                     f"input ({terminal_safe(value)}); nothing was written "
                                     "(write to another path, or give --force to replace it)")
        from cutsim.workspace.detect import is_workspace

        if os.path.isfile(out) and is_workspace(out):
            raise InputError(f"{terminal_safe(os.fspath(out))}: is a workspace; nothing was "
                             "written (an output never replaces a workspace: write to another "
                             "path, or give --force to replace it)")


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
    (names in a received file are untrusted; docs/file-format.md)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(saved[0]), _SafeStream(saved[1])
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
