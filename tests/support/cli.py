"""Run the ``cutsim`` command line in this process, as ``python -m cutsim ARGS`` would.

Starting Python for every command costs seconds (imports of NumPy, SciPy, pandas and
pydantic each time); calling the entry point here costs milliseconds. The result has the
fields of ``subprocess.CompletedProcess`` that the tests read. What a separate process
would show is kept: argparse's usage errors exit 2, an exception that escapes the entry
point prints its traceback on stderr and exits 1 (so "no traceback" checks still mean
something). A few smoke tests still start a real process (tests/core/test_cli_smoke.py).
"""

from __future__ import annotations

import contextlib
import io
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from cutsim.cli import main


@dataclass(frozen=True)
class CliRun:
    """One command's exit code and everything it wrote (text, UTF-8)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def _stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\n", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def run_cli(*args: object, cwd: Path | None = None, input: str | None = None) -> CliRun:
    """``cutsim ARGS`` in this process: exit code, stdout and stderr.

    ``args`` are turned into strings (paths may be passed as they are); ``cwd`` is the
    working directory for the command (restored afterwards); ``input`` is its stdin.
    """
    argv = [str(a) for a in args]
    out, err = _stream(), _stream()
    stdin = io.StringIO(input if input is not None else "")
    saved_stdin = sys.stdin
    chdir = contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext()
    try:
        sys.stdin = stdin
        with chdir, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # as the interpreter would: the traceback on stderr, exit 1
                traceback.print_exc()
                code = 1
    finally:
        sys.stdin = saved_stdin
    return CliRun(argv, int(code), _text(out), _text(err))
