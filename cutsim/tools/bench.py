"""Benchmarks of DESIGN §8: timings and ratios as one JSON object.

``cutsim bench`` runs :func:`measure` in a child process (``cutsim bench --in-process``) whose
BLAS/OpenMP thread pools are limited to one thread through the environment before numpy
loads, so every number is one process on one core. The UI benchmark
(``scripts/ui_bench.py``) runs in another child process, since the core never imports Qt.

Each timing is the median of several repeats (machines are shared and noisy); entries are
``{"seconds", "target_seconds", "meets_target", "ratio_to_target", …}``. Measured:

- ``example_deterministic``: the example place, 10 years monthly, one scenario run
  (levers, engine, money, cost shift, appraisal), warm (the model compiled once, as when a
  slider moves);
- ``monte_carlo``: the same scenario with 1,000 PERT draws (the central run included);
- ``synthetic_deterministic``: a seeded synthetic place (:mod:`cutsim.tools.synthetic`) of
  5,000 services and 20,000 links, warm; its compile and first (cold) run are reported too;
- ``workspace_open``: ``Workspace.open`` + ``load`` of a workspace holding the example;
- ``pysd``: the example scenario exported as XMILE and run by PySD (Euler, dt = 1/1536
  year) against the engine's run of the same scenario: the speed ratio and the largest
  difference of any outcome or knock-on series relative to that series' largest magnitude.

``quick`` shrinks every size (for tests); its numbers are not comparable with the targets.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"
UI_BENCH = Path(__file__).resolve().parents[2] / "scripts" / "ui_bench.py"
EXAMPLE_SCENARIO = "youth-cut"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
TARGETS = {  # seconds (DESIGN §8)
    "example_deterministic": 0.005,
    "monte_carlo": 0.5,
    "synthetic_deterministic": 0.5,
    "workspace_open": 0.1,
}
PYSD_MIN_RATIO = 50.0
PYSD_MAX_REL_DIFF = 1e-3
PYSD_DT_DENOMINATOR = 1536
UI_TIMEOUT_SECONDS = 300
MEASURE_TIMEOUT_SECONDS = 1800


# ----------------------------------------------------------------------- timing


def median_time(fn: Callable[[], Any], repeats: int, min_seconds: float = 0.0) -> dict:
    """Median and spread of ``repeats`` timed calls (more while under ``min_seconds``)."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 100 * max(repeats, 1):
            break
    times.sort()
    return {"seconds": statistics.median(times), "min_seconds": times[0],
            "max_seconds": times[-1], "repeats": len(times)}


def entry(timing: dict, target: float, **extra: Any) -> dict:
    """A benchmark entry: the timing, its target and whether it meets it."""
    seconds = timing["seconds"]
    return {**timing, "target_seconds": target, "meets_target": bool(seconds < target),
            "ratio_to_target": seconds / target, **extra}


# ------------------------------------------------------------------ measurements


def bench_example(project, quick: bool) -> dict:
    """The example scenario, warm (compiled and cached once, like a slider move)."""
    project.run(EXAMPLE_SCENARIO)
    timing = median_time(lambda: project.run(EXAMPLE_SCENARIO), 5 if quick else 50,
                         0.0 if quick else 1.0)
    return entry(timing, TARGETS["example_deterministic"],
                 services=len(project.model.services),
                 links=len(project.model.effects) + len(project.model.demands))


def bench_monte_carlo(project, quick: bool) -> dict:
    draws = 100 if quick else 1000
    project.run(EXAMPLE_SCENARIO, draws=draws, seed=1)
    timing = median_time(lambda: project.run(EXAMPLE_SCENARIO, draws=draws, seed=1),
                         2 if quick else 7)
    return entry(timing, TARGETS["monte_carlo"], draws=draws)


def bench_synthetic(quick: bool) -> dict:
    from cutsim.api import Project
    from cutsim.tools.synthetic import SCENARIO_ID, SyntheticSpec, synthetic_place

    spec = SyntheticSpec(n_services=200, n_links=800) if quick else SyntheticSpec()
    place = synthetic_place(spec, seed=0)
    project = Project(place)
    t0 = time.perf_counter()
    project.compiled  # noqa: B018 - compile once, timed on its own
    compile_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    project.run(SCENARIO_ID)
    cold = time.perf_counter() - t0
    timing = median_time(lambda: project.run(SCENARIO_ID), 2 if quick else 7)
    cm = project.compiled
    return entry(timing, TARGETS["synthetic_deterministic"], cold_seconds=cold,
                 compile_seconds=compile_seconds, services=len(place.model.services),
                 links=len(place.model.effects) + len(place.model.demands),
                 levers=len(place.scenarios[0].levers), chain_blocks=len(cm.groups),
                 loop_blocks=sum(1 for g in cm.groups if g.loops),
                 closed_form_chains=len(cm.singletons), seed=0)


def bench_workspace(cutsim_file, quick: bool) -> dict:
    from cutsim.workspace.store import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.cutsim-workspace"
        Workspace.create(path, cutsim_file).close()

        def open_and_load() -> None:
            workspace = Workspace.open(path)
            try:
                workspace.load()
            finally:
                workspace.close()

        open_and_load()
        timing = median_time(open_and_load, 3 if quick else 21)
    return entry(timing, TARGETS["workspace_open"])


def bench_pysd(project, engine_seconds: float, quick: bool) -> dict | str:
    """PySD on the exported example vs the engine: speed ratio and agreement."""
    try:
        import pysd  # noqa: F401
    except ImportError:
        return "not installed"
    from fractions import Fraction

    import numpy as np

    from cutsim.api import Project
    from cutsim.tools.xmile import (
        pysd_load,
        pysd_run,
        series_from_pysd,
        to_xmile,
        xmile_names,
    )

    dt = Fraction(1, PYSD_DT_DENOMINATOR)
    model = project.model
    if quick:  # two years, same step: the agreement check still means something
        model = model.model_copy(update={"place": model.place.model_copy(
            update={"horizon_years": 2})})
        project = Project(project.file.model_copy(update={"model": model}))
        project.run(EXAMPLE_SCENARIO)
        engine_seconds = median_time(lambda: project.run(EXAMPLE_SCENARIO), 5)["seconds"]
    scenario = project.scenario(EXAMPLE_SCENARIO)
    result = project.run(scenario)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySD's own pandas deprecation warnings
        path = Path(tmp) / "example.xmile"
        path.write_text(to_xmile(model, scenario, dt=dt), encoding="utf-8")
        t0 = time.perf_counter()
        loaded = pysd_load(path)
        translate = time.perf_counter() - t0
        timing = median_time(lambda: pysd_run(loaded, dt, steps_per_year=model.place.steps_per_year),
                             1 if quick else 3)
        run = pysd_run(loaded, dt, steps_per_year=model.place.steps_per_year)
    got = series_from_pysd(run, xmile_names(model))
    cm = result.compiled
    engine = {"outcomes": {o: result.outcome_delta[i] for i, o in enumerate(cm.outcome_ids)},
              "knock_on_cost": {a: result.agency_rates["knock_on_cost"][i]
                                for i, a in enumerate(cm.agency_ids)}}
    worst, worst_series = 0.0, None
    for group, series in engine.items():
        for key, want in series.items():
            scale = float(np.max(np.abs(want)))
            have = np.asarray(got[group].get(key, np.zeros_like(want)), dtype=float)
            diff = float(np.max(np.abs(have - want)))
            rel = diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))
            if rel > worst:
                worst, worst_series = rel, f"{group}.{key}"
    ratio = timing["seconds"] / engine_seconds
    return {**timing, "translate_seconds": translate, "engine_seconds": engine_seconds,
            "dt_years": f"1/{PYSD_DT_DENOMINATOR}", "horizon_years": model.place.horizon_years,
            "speed_ratio": ratio, "target_speed_ratio": PYSD_MIN_RATIO,
            "max_rel_diff": worst, "max_rel_diff_series": worst_series,
            "target_max_rel_diff": PYSD_MAX_REL_DIFF,
            "meets_target": bool(ratio >= PYSD_MIN_RATIO and worst <= PYSD_MAX_REL_DIFF)}


def measure(quick: bool = False) -> dict:
    """Every core benchmark, in this process (call it with BLAS limited to one thread)."""
    import numpy as np

    from cutsim.api import load

    project = load(EXAMPLE)
    out: dict[str, Any] = {"quick": quick, "environment": environment()}
    out["example_deterministic"] = bench_example(project, quick)
    out["monte_carlo"] = bench_monte_carlo(project, quick)
    out["synthetic_deterministic"] = bench_synthetic(quick)
    out["workspace_open"] = bench_workspace(project.file, quick)
    out["pysd"] = bench_pysd(project, out["example_deterministic"]["seconds"], quick)
    out["ratios"] = {
        "monte_carlo_per_draw_over_deterministic":
            out["monte_carlo"]["seconds"] / out["monte_carlo"]["draws"]
            / out["example_deterministic"]["seconds"],
        "synthetic_over_example":
            out["synthetic_deterministic"]["seconds"] / out["example_deterministic"]["seconds"],
    }
    if isinstance(out["pysd"], dict):
        out["ratios"]["pysd_over_engine"] = out["pysd"]["speed_ratio"]
    log.info("numpy %s", np.__version__)
    return out


def environment() -> dict:
    import numpy as np
    import scipy

    return {"python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "threads": {v: os.environ.get(v) for v in THREAD_VARS}}


# --------------------------------------------------------------- child processes


def single_thread_env() -> dict[str, str]:
    """This environment with every BLAS/OpenMP thread pool limited to one thread."""
    env = dict(os.environ)
    env.update({v: "1" for v in THREAD_VARS})
    return env


def run_core(quick: bool) -> dict:
    """:func:`measure` in a child process with one BLAS thread; its JSON."""
    cmd = [sys.executable, "-m", "cutsim", "bench", "--in-process"] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, env=single_thread_env(), capture_output=True, text=True,
                          timeout=MEASURE_TIMEOUT_SECONDS, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark process failed ({proc.returncode}): "
                           f"{proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


UI_RUNS = 5  # start-up varies from launch to launch: the median of five fresh processes


def run_ui(quick: bool) -> dict:
    """scripts/ui_bench.py in fresh child processes (offscreen Qt): the report of the run with
    the median window-shown time (of :data:`UI_RUNS`; one when ``quick``), with every run's
    time in ``window_shown_runs_s``; or why there is none."""
    reports = []
    for _ in range(1 if quick else UI_RUNS):
        report = _run_ui_once(quick)
        if "window_shown_s" not in report:
            return report
        reports.append(report)
    reports.sort(key=lambda r: r["window_shown_s"])
    median = dict(reports[len(reports) // 2])
    median["window_shown_runs_s"] = [r["window_shown_s"] for r in reports]
    return median


def _run_ui_once(quick: bool) -> dict:
    """One run of scripts/ui_bench.py in a child process; its JSON or why there is none."""
    if not UI_BENCH.is_file():
        return {"status": "missing", "detail": "scripts/ui_bench.py not found"}
    env = single_thread_env()
    env["QT_QPA_PLATFORM"] = "offscreen"
    cmd = [sys.executable, str(UI_BENCH)] + (["--moves", "5"] if quick else [])
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=UI_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"status": "failed", "detail": str(exc)}
    if proc.returncode != 0:
        return {"status": "failed", "returncode": proc.returncode,
                "detail": proc.stderr.strip()[-2000:]}
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"status": "failed", "detail": "no JSON on its output",
                "output": proc.stdout.strip()[-2000:]}
    return report if isinstance(report, dict) else {"status": "ok", "report": report}


def run_all(quick: bool = False, ui: bool = True) -> dict:
    """Core benchmarks (one process, one core) and, unless ``ui`` is False, the UI ones."""
    report = run_core(quick)
    report["ui"] = run_ui(quick) if ui else {"status": "skipped"}
    return report
