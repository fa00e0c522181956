"""Build the frozen app with PyInstaller and run its ``--selftest``.

Minutes of work, so it runs only with ``CUTSIM_PACKAGING=1``; CI runs the same build
and check as its own step (``python packaging/build --check`` in ``.ci/run``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(os.environ.get("CUTSIM_PACKAGING") != "1",
                       reason="builds the frozen app (minutes): set CUTSIM_PACKAGING=1"),
]


def test_frozen_app_builds_and_passes_its_selftest(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "build"), "--check",
         "--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "work")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "cutsim selftest: ok (frozen)" in proc.stdout
