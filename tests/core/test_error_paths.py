"""One error path for every command: a bad target is exit 1 with a message naming the path
and the reason, never a traceback; text from files is made safe before a terminal sees it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.cli import CliRun, run_cli

from cutsim.cli import main
from cutsim.model.safetext import formula_safe, terminal_safe
from cutsim.publish.opendata import safe_cell

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
SCENARIO_FILE = ROOT / "scenarios" / "youth-cut.cutsim"


def cutsim(*args: str, cwd: Path | None = None) -> CliRun:
    return run_cli(*args, cwd=cwd)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "w.sqlite"
    assert main(["init", str(path), "--from", str(EXAMPLE)]) == 0
    return path


def _bad_targets(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    readonly = tmp_path / "read-only"
    readonly.mkdir()
    readonly.chmod(0o500)
    return {
        "a folder": (folder, ""),
        "a missing folder": (tmp_path / "no" / "such" / "out.cutsim", "No such file"),
        "a read-only folder": (readonly / "out.cutsim", "ermission denied"),
    }


ROOT_USER = os.geteuid() == 0


@pytest.mark.parametrize("kind", ["a folder", "a missing folder", pytest.param(
    "a read-only folder", marks=pytest.mark.skipif(ROOT_USER, reason="root writes anywhere"))])
def test_an_unwritable_target_is_a_message_not_a_traceback(tmp_path, workspace, kind, capsys) -> None:
    target, reason = _bad_targets(tmp_path)[kind]
    commands = [
        ["export", str(workspace), "-o", str(target)],
        ["merge", str(EXAMPLE), str(EXAMPLE), str(EXAMPLE), "-o", str(target)],
        ["diff", str(EXAMPLE), str(target)],
        ["init", str(target), "--from", str(EXAMPLE)],
    ]
    for argv in commands:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert str(target.name) in err, (argv, err)
        assert reason.lower() in err.lower(), (argv, err)


def test_publish_onto_a_file_and_a_missing_source_are_messages(tmp_path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("keep me", encoding="utf-8")
    run = cutsim("publish", str(SCENARIO_FILE), "--scenario", "youth-cut-20", "-o", str(plain),
                 "--draws", "0", "--no-pdf")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "plain.txt" in run.stderr
    assert plain.read_text(encoding="utf-8") == "keep me"
    run = cutsim("show", str(tmp_path / "missing.cutsim"))
    assert run.returncode == 1 and "missing.cutsim" in run.stderr and "Traceback" not in run.stderr


def test_show_escapes_control_characters_in_names(tmp_path, small_doc) -> None:
    small_doc["model"]["place"]["name"] = "Evil\x1b[2J\rValidated OK\nplace"
    small_doc["model"]["agencies"][0]["name"] = "A\u202egency\x9b31m"
    path = tmp_path / "evil.cutsim"
    path.write_text(json.dumps(small_doc), encoding="utf-8")
    run = cutsim("show", str(path))
    assert run.returncode == 0, run.stderr
    for raw in ("\x1b", "\r", "\u202e", "\x9b"):
        assert raw not in run.stdout
    assert "Evil\\u001b[2J\\u000dValidated OK\\u000aplace" in run.stdout
    assert "A\\u202egency\\u009b31m" in run.stdout


def test_error_messages_are_escaped(tmp_path) -> None:
    bad = tmp_path / "bad\x1b[31m.cutsim"
    bad.write_text("{", encoding="utf-8")
    run = cutsim("validate", str(bad))
    assert run.returncode == 1
    assert "\x1b" not in run.stderr and "bad\\u001b[31m.cutsim" in run.stderr


def test_terminal_safe_keeps_lines_only_when_asked() -> None:
    assert terminal_safe("a\nb\tc\x07") == "a\\u000ab\\u0009c\\u0007"
    assert terminal_safe("a\nb\tc\x07", keep_lines=True) == "a\nb\tc\\u0007"
    assert terminal_safe("Ünïcode £ names stay") == "Ünïcode £ names stay"
    # JSON output stays valid JSON and reads back to the same text
    text = json.dumps({"name": "x\x85\u202ey"}, ensure_ascii=False)
    assert json.loads(terminal_safe(text, keep_lines=True)) == {"name": "x\x85\u202ey"}


@pytest.mark.parametrize("cell", ["=1+1", " =1+1", "\u3000=cmd", "\uff1dHYPERLINK()", "\uff0b1",
                                  "\uff0d1", "\uff20SUM(A1)", "\t=1", "\r=1", "\n=1", "  -2+3",
                                  "@x", "+x"])
def test_formula_guard_covers_blanks_and_fullwidth_forms(cell) -> None:
    assert formula_safe(cell) == "'" + cell
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Youth services", "a=b", "£1,000", "", " plain"])
def test_formula_guard_leaves_plain_text(cell) -> None:
    assert formula_safe(cell) == cell
