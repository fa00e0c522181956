"""Every file cutsim writes lands whole, beside its target, never through a link or onto
something that is not a regular file; leftovers of killed writes are ignored or cleaned."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files.safewrite import (
    FOLDER_MANIFEST,
    STALE_AFTER_S,
    UnsafeTarget,
    atomic_folder,
    atomic_write_bytes,
    clean_leftovers,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
YOUTH = ROOT / "scenarios" / "youth-cut.cutsim"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "w.sqlite"
    assert main(["init", str(path), "--from", str(EXAMPLE)]) == 0
    return path


def test_export_through_a_symbolic_link_is_refused(tmp_path, workspace, capsys) -> None:
    real = tmp_path / "real.cutsim"
    real.write_text("someone else's file", encoding="utf-8")
    link = tmp_path / "link.cutsim"
    link.symlink_to(real)
    assert main(["export", str(workspace), "-o", str(link)]) == 1
    assert "symbolic link" in capsys.readouterr().err
    assert real.read_text(encoding="utf-8") == "someone else's file"
    assert link.is_symlink()


def test_export_onto_a_fifo_is_refused_and_the_fifo_stays(tmp_path, workspace, capsys) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["export", str(workspace), "-o", str(fifo)]) == 1
    assert "named pipe" in capsys.readouterr().err
    assert fifo.is_fifo()


def test_a_device_target_is_refused() -> None:
    with pytest.raises(UnsafeTarget, match="character device"):
        atomic_write_bytes("/dev/null", b"x")


@pytest.mark.slow  # publishes, PDF included
def test_publish_refuses_a_planted_link_and_a_folder_of_other_files(tmp_path, capsys) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    secret.chmod(0o600)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").symlink_to(secret)
    argv = ["publish", str(YOUTH), "--scenario", "youth-cut-20", "-o", str(out), "--draws", "0",
            "--no-pdf"]
    # Only a publication's name, but not a file cutsim wrote there: refused, then with
    # --force replaced as a whole (the link itself, never what it points to).
    assert main(argv) == 1
    assert "report.pdf were not written by cutsim" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert not (out / "report.pdf").exists() and (out / "index.html").is_file()
    assert secret.stat().st_mode & 0o777 == 0o600  # the link's target untouched
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", encoding="utf-8")
    argv[5] = str(mine)
    assert main(argv) == 1
    assert "notes.txt" in capsys.readouterr().err
    assert sorted(os.listdir(mine)) == ["notes.txt"]
    linked = tmp_path / "linked-out"
    linked.symlink_to(mine)
    argv[5] = str(linked)
    assert main(argv) == 1
    assert "symbolic link" in capsys.readouterr().err


def test_a_publication_replaces_the_old_set_as_a_whole(tmp_path) -> None:
    out = tmp_path / "pub"
    with atomic_folder(out, ["a", "b"]) as folder:
        (folder / "a").write_text("old a")
        (folder / "b").write_text("old b")
    with pytest.raises(RuntimeError):
        with atomic_folder(out, ["a", "b"]) as folder:
            (folder / "a").write_text("new a")
            raise RuntimeError("disk full half way")
    assert (out / "a").read_text() == "old a" and (out / "b").read_text() == "old b"
    with atomic_folder(out, ["a", "b"]) as folder:
        (folder / "a").write_text("new a")
    assert sorted(os.listdir(out)) == [FOLDER_MANIFEST, "a"] and (out / "a").read_text() == "new a"
    assert [p.name for p in tmp_path.iterdir()] == ["pub"]  # no temporary folder left


def test_init_over_a_killed_init_leftover_works_and_old_leftovers_are_cleaned(tmp_path) -> None:
    target = tmp_path / "w.sqlite"
    fresh = tmp_path / ".w.sqlite.abc123.tmp"
    fresh.write_bytes(b"SQLite format 3\x00half")
    stale = tmp_path / ".w.sqlite.old999.tmp"
    stale.write_bytes(b"half")
    old = time.time() - STALE_AFTER_S - 60
    os.utime(stale, (old, old))
    assert main(["init", str(target), "--from", str(EXAMPLE)]) == 0
    assert target.is_file()
    assert fresh.exists() and not stale.exists()  # a young one may be a live write
    assert main(["show", str(target)]) == 0
    assert clean_leftovers(target, older_than_s=0) == [fresh]


def test_init_never_replaces_an_existing_file(tmp_path, capsys) -> None:
    target = tmp_path / "w.sqlite"
    target.write_text("not mine to replace", encoding="utf-8")
    assert main(["init", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "not mine to replace"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.sqlite"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    target = tmp_path / "x.cutsim"
    target.write_bytes(b"old")

    def full(fd, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.cutsim"]


def test_private_files_are_0600(tmp_path) -> None:
    target = tmp_path / "recovery.cutsim"
    atomic_write_bytes(target, b"{}", private=True)
    assert target.stat().st_mode & 0o777 == 0o600
