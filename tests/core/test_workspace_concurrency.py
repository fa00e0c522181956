"""Workspace writes are serialised: two imports at once never lose either one's items."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.model.errors import WorkspaceBusy
from cutsim.workspace import Workspace

pytestmark = pytest.mark.slow  # parallel writers in child processes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
FILES = {ROOT / "scenarios" / "youth-cut.cutsim": {"youth-cut-20"},
         ROOT / "scenarios" / "pooled-health-care.cutsim": {"bcf-benefit", "bcf-contribution"}}
PAIRS = 20


def _import_in_child(workspace: Path, file: Path, err_path: Path) -> None:
    # A forked process of its own (its own SQLite connection and locks), without the
    # start-up time of a new interpreter; stderr goes to a file the test reads.
    fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    sys.stdout = open(os.devnull, "w")
    code = main(["import", str(workspace), str(file)])
    sys.stderr.flush()
    os._exit(code)


def _start_import(workspace: Path, file: Path, err_path: Path):
    process = multiprocessing.get_context("fork").Process(
        target=_import_in_child, args=(workspace, file, err_path))
    process.start()
    return process


def test_twenty_pairs_of_parallel_imports_lose_nothing(tmp_path) -> None:
    before = {s.id for s in exchange.read_file(EXAMPLE).scenarios}
    refused = 0
    for n in range(PAIRS):
        workspace = tmp_path / f"w{n}.sqlite"
        assert main(["init", str(workspace), "--from", str(EXAMPLE)]) == 0
        errs = {file: tmp_path / f"err{n}-{file.stem}.txt" for file in FILES}
        runs = [(file, _start_import(workspace, file, errs[file])) for file in FILES]
        expected = set(before)
        for file, proc in runs:
            proc.join(120)
            err = errs[file].read_text(encoding="utf-8")
            assert "Traceback" not in err
            if proc.exitcode == 3:  # refused after the busy timeout: said so, changed nothing
                assert "workspace busy" in err
                refused += 1
                continue
            assert proc.exitcode == 0, err
            expected |= FILES[file]
        with Workspace.open(workspace) as ws:
            present = {s.id for s in ws.load().scenarios}
        assert present == expected, f"pair {n}: {sorted(expected - present)} lost"
        with sqlite3.connect(workspace) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert refused < PAIRS  # the lock serialises; it does not refuse every time


def test_a_writer_waits_then_is_told_the_workspace_is_busy(tmp_path, monkeypatch) -> None:
    from cutsim.workspace import sqlite_adapter

    path = tmp_path / "w.sqlite"
    Workspace.create(path, exchange.read_file(EXAMPLE)).close()
    monkeypatch.setattr(sqlite_adapter, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Workspace.open(path) as ws, pytest.raises(WorkspaceBusy, match="workspace busy"):
            ws.import_file(exchange.read_file(next(iter(FILES))))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Workspace.open(path) as ws:
        assert "youth-cut-20" not in {s.id for s in ws.load().scenarios}


def test_a_read_plan_write_holds_the_lock_from_its_first_read(tmp_path) -> None:
    path = tmp_path / "w.sqlite"
    Workspace.create(path, exchange.read_file(EXAMPLE)).close()
    inside, release = threading.Event(), threading.Event()
    seen: list[str] = []

    def writer() -> None:
        with Workspace.open(path) as ws, ws.write_transaction():
            ws.load()
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert inside.wait(10)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        seen.append(str(exc))
    finally:
        other.close()
        release.set()
        thread.join(10)
    assert seen and "locked" in seen[0]
