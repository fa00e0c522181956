"""The ``cutsim`` command as a real process: the few checks that need one.

Most command-line tests call the entry point in this process (tests/support/cli.py), which
is quicker by seconds a command. These start ``python -m cutsim`` so that what only a
process shows is still checked: the module runs as a program, output goes through real
pipes, the exit code reaches the shell, and a bad file ends without a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.cli import run_cli
from support.result_contract import result_problems

from cutsim.version import __version__

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cutsim", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def test_the_version_and_the_exit_code_of_a_usage_error() -> None:
    version = _process("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"cutsim {__version__}"
    usage = _process("run")
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_run_json_through_a_pipe_keeps_the_contract_and_equals_the_in_process_run() -> None:
    args = ("run", str(EXAMPLE), "--scenario", "youth-cut", "--json")
    process = _process(*args)
    assert process.returncode == 0, process.stderr
    model = json.loads(EXAMPLE.read_text(encoding="utf-8"))["model"]
    assert result_problems(json.loads(process.stdout), model) == []
    assert process.stdout == run_cli(*args).stdout


def test_a_bad_file_is_one_message_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cutsim"
    bad.write_text('{"format": "cutsim", "format_version": 1, "model": {}}', encoding="utf-8")
    process = _process("validate", str(bad))
    assert process.returncode == 1
    assert "Traceback" not in process.stderr and process.stderr.startswith("cutsim: ")
    in_process = run_cli("validate", bad)
    assert (in_process.returncode, in_process.stderr) == (process.returncode, process.stderr)
