"""Nothing lost when a writing command is killed or the disk fills up.

Each command runs in a child process under strace, which kills it (SIGKILL) at a chosen
write, pwrite64, fsync, fdatasync, rename or link call, or makes a write fail with
ENOSPC (Python-level wrappers would miss SQLite's own writes). Afterwards the target must
hold the old state or the new one, never a mix, and a workspace must pass SQLite's
integrity_check. The kill points are spread over the calls an undisturbed run makes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
YOUTH = ROOT / "scenarios" / "youth-cut.cutsim"
STRACE = shutil.which("strace")
SYSCALLS = ("write", "pwrite64", "fsync", "fdatasync", "rename", "renameat", "renameat2",
            "link", "linkat")
KILLS_PER_COMMAND = 14  # 4 commands: 56 kill points (a few may fall after the last call)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    STRACE is None or not sys.platform.startswith("linux"),
    reason="needs Linux and strace (scripts/setup installs it)")]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def _traced(args: list[str], cwd: Path, *, log: Path | None = None,
            inject: str | None = None) -> subprocess.CompletedProcess:
    # (not --seccomp-bpf: with it, strace 6.1 miscounts the calls that when=N refers to)
    command = [STRACE, "-f", "-qq", "-o", str(log or os.devnull),
               "-e", "trace=" + ",".join(SYSCALLS)]
    if inject:
        command += ["-e", f"inject={inject}"]
    command += [sys.executable, "-m", "cutsim", *args]
    return subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=300)


def _calls(args: list[str], cwd: Path) -> Counter:
    """How many of each traced call an undisturbed run makes."""
    log = cwd.parent / f"{cwd.name}.strace"
    run = _traced(args, cwd, log=log)
    assert run.returncode == 0, run.stderr
    counts: Counter = Counter()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and "(" in parts[1]:
            name = parts[1].split("(", 1)[0]
            if name in SYSCALLS:
                counts[name] += 1
    return counts


def _kill_points(counts: Counter, wanted: int) -> list[tuple[str, int]]:
    """Up to ``wanted`` (syscall, n) pairs, shared over the kinds of call and spread over
    each kind's calls from the first to the last."""
    kinds = sorted(counts)
    points: list[tuple[str, int]] = []
    share = {k: max(1, wanted // len(kinds)) for k in kinds}
    spare = wanted - sum(min(share[k], counts[k]) for k in kinds)
    for kind in sorted(kinds, key=lambda k: -counts[k]):  # the most frequent calls take the rest
        extra = min(spare, counts[kind] - min(share[kind], counts[kind]))
        share[kind] += max(0, extra)
        spare -= max(0, extra)
    for kind in kinds:
        n, k = counts[kind], min(share[kind], counts[kind])
        picks = sorted({1 + round(i * (n - 1) / max(1, k - 1)) for i in range(k)})
        points += [(kind, p) for p in picks]
    return points


def _integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _scenarios(path: Path) -> set[str]:
    with Workspace.open(path) as workspace:
        return {s.id for s in workspace.load().scenarios}


def _folder_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _kill_run(tmp_path: Path, name: str, args: list[str], setup: Callable[[Path], None],
              check: Callable[[Path, subprocess.CompletedProcess, str], None]) -> int:
    probe = tmp_path / f"{name}-probe"
    probe.mkdir()
    setup(probe)
    counts = _calls(args, probe)
    points = _kill_points(counts, KILLS_PER_COMMAND)
    works = []
    for syscall, n in points:
        work = tmp_path / f"{name}-{syscall}-{n}"
        work.mkdir()
        setup(work)
        works.append(work)
    # Two children at a time (each waits mostly on the tracer); checked one by one after.
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda job: _traced(args, job[0], inject=f"{job[1]}:signal=KILL:when={job[2]}"),
                             [(w, sc, n) for w, (sc, n) in zip(works, points)]))
    kills = 0
    for work, (syscall, n), run in zip(works, points, runs):
        where = f"{name} killed at {syscall} #{n}"
        assert "Traceback" not in run.stderr, where
        check(work, run, where)
        kills += run.returncode == -signal.SIGKILL or run.returncode == 128 + signal.SIGKILL
    return kills


def test_kills_at_chosen_calls_leave_the_old_or_the_new_state(tmp_path) -> None:
    example = exchange.read_file(EXAMPLE)
    old_ids = {s.id for s in example.scenarios}
    new_ids = old_ids | {s.id for s in exchange.read_file(YOUTH).scenarios}
    base = tmp_path / "base.sqlite"
    Workspace.create(base, example).close()
    grown = tmp_path / "grown.sqlite"
    shutil.copyfile(base, grown)
    assert main(["import", str(grown), str(YOUTH)]) == 0
    old_export = tmp_path / "old.cutsim"
    assert main(["export", str(base), "-o", str(old_export)]) == 0
    old_pub, new_pub = tmp_path / "old-pub", tmp_path / "new-pub"
    publish = ["publish", "--draws", "0", "--no-pdf", "-o"]
    assert main([*publish, str(old_pub), str(EXAMPLE), "--scenario", "youth-cut"]) == 0
    assert main([*publish, str(new_pub), str(YOUTH), "--scenario", "youth-cut-20"]) == 0
    old_set, new_set = _folder_digest(old_pub), _folder_digest(new_pub)
    assert old_set != new_set
    total = 0

    # init: no workspace, or a whole one; and init works again over a killed one
    def check_init(work: Path, run, where: str) -> None:
        target = work / "w.sqlite"
        if target.exists():
            _integrity(target)
            assert _scenarios(target) == old_ids, where
        else:
            assert main(["init", str(target), "--from", str(EXAMPLE)]) == 0, where
        assert [p for p in work.iterdir() if not p.name.startswith(".")] == [target], where

    total += _kill_run(tmp_path, "init", ["init", "w.sqlite", "--from", str(EXAMPLE)],
                       lambda work: None, check_init)

    # import: the workspace holds the old scenarios or all of both, and is sound
    def check_import(work: Path, run, where: str) -> None:
        target = work / "w.sqlite"
        _integrity(target)
        assert _scenarios(target) in (old_ids, new_ids), where

    total += _kill_run(tmp_path, "import", ["import", "w.sqlite", str(YOUTH)],
                       lambda work: shutil.copyfile(base, work / "w.sqlite"), check_import)

    # export: the old file byte for byte, or a whole new one
    def setup_export(work: Path) -> None:
        shutil.copyfile(grown, work / "w.sqlite")
        shutil.copyfile(old_export, work / "out.cutsim")

    def check_export(work: Path, run, where: str) -> None:
        data = (work / "out.cutsim").read_bytes()
        if data != old_export.read_bytes():
            assert {s.id for s in exchange.read_bytes(data).scenarios} == new_ids, where
        _integrity(work / "w.sqlite")

    total += _kill_run(tmp_path, "export", ["export", "w.sqlite", "-o", "out.cutsim"],
                       setup_export, check_export)

    # publish: the old set or the new set, never a page of one and data of the other
    def check_publish(work: Path, run, where: str) -> None:
        assert _folder_digest(work / "pub") in (old_set, new_set), where

    total += _kill_run(
        tmp_path, "publish",
        ["publish", str(YOUTH), "--scenario", "youth-cut-20", "--draws", "0", "--no-pdf",
         "-o", "pub"],
        lambda work: shutil.copytree(old_pub, work / "pub"), check_publish)
    assert total >= 50, f"only {total} runs were killed"


@pytest.mark.parametrize("command", ["init", "import", "export", "merge", "publish"])
def test_a_full_disk_is_exit_1_and_the_old_target_intact(tmp_path, command, capsys) -> None:
    base = tmp_path / "base.sqlite"
    Workspace.create(base, exchange.read_file(EXAMPLE)).close()
    work = tmp_path / "work"
    work.mkdir()
    before: dict[str, str] = {}
    if command == "init":
        args, target, inject = ["init", "w.sqlite", "--from", str(EXAMPLE)], None, "pwrite64"
    elif command == "import":
        shutil.copyfile(base, work / "w.sqlite")
        args, target, inject = ["import", "w.sqlite", str(YOUTH)], work / "w.sqlite", "pwrite64"
    elif command == "export":
        shutil.copyfile(base, work / "w.sqlite")
        (work / "out.cutsim").write_text("old", encoding="utf-8")
        args, target, inject = ["export", "w.sqlite", "-o", "out.cutsim"], work / "out.cutsim", "write"
    elif command == "merge":
        (work / "out.cutsim").write_text("old", encoding="utf-8")
        args = ["merge", str(EXAMPLE), str(EXAMPLE), str(YOUTH), "-o", "out.cutsim"]
        target, inject = work / "out.cutsim", "write"
    else:
        assert main(["publish", str(EXAMPLE), "--scenario", "youth-cut", "--draws", "0",
                     "--no-pdf", "-o", str(work / "pub")]) == 0
        capsys.readouterr()
        args = ["publish", str(YOUTH), "--scenario", "youth-cut-20", "--draws", "0", "--no-pdf",
                "-o", "pub"]
        target, inject = work / "pub", "write"
    if target is not None:
        before = _folder_digest(target) if target.is_dir() else {
            "": hashlib.sha256(target.read_bytes()).hexdigest()}
    # From the second of these calls on, every one fails as on a full disk (the first
    # lets SQLite start; Python's writes of the error message go to a pipe, not the disk).
    when = "1" if inject == "write" else "2+"
    run = _traced(args, work, inject=f"{inject}:error=ENOSPC:when={when}")
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    # (import first says the received file is unsigned: a warning line, not the error)
    error = next((line for line in run.stderr.splitlines() if line.startswith("cutsim: ")), "")
    assert error and ("space" in error or "full" in error or "I/O" in error), run.stderr
    if target is None:
        assert not (work / "w.sqlite").exists()
        return
    after = _folder_digest(target) if target.is_dir() else {
        "": hashlib.sha256(target.read_bytes()).hexdigest()}
    assert after == before
    if command == "import":
        _integrity(target)
