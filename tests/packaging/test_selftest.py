"""``cutsim-app --selftest`` from the source tree: it passes, and a failure says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_selftest(*extra_env: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    """The app's entry point with ``--selftest`` in a fresh, headless process."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **dict(extra_env))
    code = "import sys; from ui.app import main; sys.exit(main(['cutsim-app', '--selftest']))"
    return subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240)


@pytest.mark.slow  # the app in a child process
def test_selftest_passes_from_the_source_tree() -> None:
    proc = run_selftest(("CUTSIM_LAUNCH_TIME", "0"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip()
    assert line.startswith("cutsim selftest: ok — "), line
    assert "(frozen)" not in line
    for part in ("youth-cut planned £", "50 draws NPV P10/P50/P90", "docks", "curve px"):
        assert part in line


@pytest.mark.slow  # the app in a child process
def test_selftest_fails_with_the_reason(tmp_path: Path) -> None:
    # A copy of the app whose bundled example is missing: the report must name the cause.
    import shutil

    for folder in ("ui", "cutsim", "scenarios"):
        shutil.copytree(REPO / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(tmp_path))
    code = "import sys; from ui.app import main; sys.exit(main(['cutsim-app', '--selftest']))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "cutsim selftest: FAILED — the bundled example is missing" in proc.stdout


@pytest.mark.parametrize("name", ["check_money", "check_monte_carlo"])
def test_number_checks_reject_a_broken_engine(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The money and band checks are not vacuous: a wrong number fails them."""
    from dataclasses import replace

    import numpy as np

    import cutsim
    from ui import selftest

    project = cutsim.load(REPO / "models" / "example-place.cutsim")
    real_run = project.run

    def broken_run(*args, **kwargs):
        result = real_run(*args, **kwargs)
        if result.uncertainty is not None:  # swap P10 and P90 of the place NPV
            npv = result.uncertainty.place_npv
            result.uncertainty = replace(result.uncertainty,
                                         place_npv=replace(npv, p10=npv.p90, p90=npv.p10))
        else:  # a net saving that no longer equals planned − knock-on − one-off
            result.agency_annual["net_saving"] = result.agency_annual["net_saving"] + np.float64(1e5)
        return result

    monkeypatch.setattr(project, "run", broken_run)
    with pytest.raises(selftest.SelfTestError):
        getattr(selftest, name)(project)
