"""The import-linter contracts in pyproject.toml hold, and catch a planted breach.

``.ci/run`` runs ``lint-imports`` before the tests; these tests run it too, on the tree
and on a copy with one forbidden import planted, so a contract that stopped checking
anything would fail here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def copy_of_tree(tmp_path: Path) -> Path:
    for package in ("cutsim", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize("module,line,contract", [
    ("cutsim/engine/money.py", "import PySide6.QtCore", "The core never imports the app or Qt"),
    ("cutsim/engine/money.py", "from cutsim.appraise import appraisal",
     "The parts of the core, each importing only those below it"),
    ("cutsim/workspace/store.py", "import cutsim.engine.simulate",
     "The workspace keeps to files and the model"),
    ("ui/results/charts.py", "import ui.main_window",
     "The parts of the app, each importing only those below it"),
])
def test_a_planted_breach_is_caught(copy_of_tree: Path, module: str, line: str,
                                    contract: str) -> None:
    path = copy_of_tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _planted():\n    {line}\n",
                    encoding="utf-8")
    run = _lint_imports(copy_of_tree)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 broken" in run.stdout and f"{contract}" in run.stdout.split("Broken contracts")[1]
