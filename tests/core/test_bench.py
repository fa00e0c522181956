"""``cutsim bench --quick`` prints well-formed JSON, and the synthetic place is sound.

No timing is asserted (machines are shared and noisy): only structure, and that every
number is positive and finite.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from cutsim.api import Project
from cutsim.appraise.montecarlo import draw_params
from cutsim.engine import Params, compile_model, simulate
from cutsim.levers.build import build_inputs
from cutsim.model.validation import validate_model
from cutsim.tools.synthetic import (
    MAX_LOOP_GAIN,
    SCENARIO_ID,
    SyntheticSpec,
    loop_gain_matrix,
    synthetic_place,
)

TIMED = ("example_deterministic", "monte_carlo", "synthetic_deterministic", "workspace_open",
         "workbook_read", "areas_deterministic",
         "large_file_import", "large_file_diff", "large_file_merge")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "cutsim", "bench", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert json.loads(out.read_text(encoding="utf-8")) == printed
    return printed


def _positive_finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


@pytest.mark.slow  # cutsim bench --quick in a child process
def test_every_timed_entry_has_seconds_target_and_verdict(report):
    assert report["quick"] is True
    for name in TIMED:
        e = report[name]
        assert _positive_finite(e["seconds"]), name
        assert _positive_finite(e["target_seconds"]), name
        assert isinstance(e["meets_target"], bool), name
        assert _positive_finite(e["ratio_to_target"]), name
        assert e["min_seconds"] <= e["seconds"] <= e["max_seconds"], name
    syn = report["synthetic_deterministic"]
    assert _positive_finite(syn["cold_seconds"]) and _positive_finite(syn["compile_seconds"])
    assert report["monte_carlo"]["draws"] > 0
    large = report["large_file_import"]
    assert large["items"]["services"] == 500 and large["items"]["total"] > 2500  # quick size
    assert _positive_finite(large["read_seconds"]) and large["file_bytes"] > 0


@pytest.mark.slow  # cutsim bench --quick in a child process
def test_draws_sobol_and_dask_entries(report):
    draws = report["draws_per_second"]
    assert _positive_finite(draws["draws_per_second"]) and draws["target_draws_per_second"] == 20000
    assert isinstance(draws["meets_target"], bool)
    sob = report["sobol_example"]
    assert _positive_finite(sob["seconds"]) and sob["runs"] == sob["n"] * (sob["inputs"] + 2)
    dask = report["dask"]
    assert dask["identical"] is True  # the cluster's bands equal the in-process bands
    assert _positive_finite(dask["overhead_ratio"]) and dask["workers"] == 2


@pytest.mark.slow  # cutsim bench --quick in a child process
def test_end_to_end_monte_carlo_entry(report):
    e2e = report["monte_carlo_end_to_end"]
    assert list(e2e["sizes"]) == ["300", "600"]  # the quick sizes
    for size, row in e2e["sizes"].items():
        assert row["draws"] == int(size)
        for key in ("seconds", "cpu_seconds", "draws_per_second", "peak_rss_mb",
                    "rss_before_run_mb", "microseconds_per_draw", "kernel_draws_per_second",
                    "kernel_cpu_draws_per_second", "cpu_over_kernel"):
            assert _positive_finite(row[key]), (size, key)
        assert row["peak_rss_mb"] >= row["rss_before_run_mb"]
        # the ratio is the two rates of the same process
        assert math.isclose(row["cpu_over_kernel"], row["kernel_cpu_draws_per_second"]
                            / row["cpu_draws_per_second"])
        # one round when quick: the row is that round's, and at least one warm run follows
        assert row["rounds"] == 1 and row["draws_per_second_each"] == [row["draws_per_second"]]
        assert row["cpu_over_kernel_each"] == [row["cpu_over_kernel"]]
        assert row["peak_rss_mb_max"] == row["peak_rss_mb"]
        assert isinstance(row["warm_runs"], int) and row["warm_runs"] >= 1
        for key in ("warm_draws_per_second", "warm_cpu_draws_per_second",
                    "warm_cpu_over_kernel"):
            assert _positive_finite(row[key]), (size, key)
        assert row["warm_draws_per_second_each"] == [row["warm_draws_per_second"]]
        assert "warm_seconds_each" not in row and "warm_cpu_seconds_each" not in row
    assert e2e["target_draws_per_second"] == 15000 and e2e["target_peak_rss_mb"] == 800
    assert isinstance(e2e["meets_rate"], bool) and isinstance(e2e["meets_memory"], bool)
    assert isinstance(e2e["meets_rate_cpu"], bool)
    assert isinstance(e2e["meets_rate_warm"], bool) and e2e["rounds"] == 1
    assert e2e["warm_per_draw_spread"] >= 1.0 and e2e["target_per_draw_spread"] == 1.3
    assert e2e["meets_flat"] == (e2e["warm_per_draw_spread"] <= 1.3)
    assert e2e["meets_flat_first_run"] == (e2e["per_draw_spread"] <= 1.3)
    assert report["example_deterministic"]["target_seconds"] == 0.001  # docs/performance.md
    assert e2e["per_draw_spread"] >= 1.0


@pytest.mark.slow  # cutsim bench --quick in a child process
def test_pysd_entry_and_ratios(report):
    pysd = report["pysd"]
    if pysd == "not installed":
        pytest.skip("PySD is a development dependency")
    assert _positive_finite(pysd["seconds"]) and _positive_finite(pysd["speed_ratio"])
    assert math.isfinite(pysd["max_rel_diff"]) and pysd["max_rel_diff"] >= 0
    assert isinstance(pysd["meets_target"], bool)
    assert all(_positive_finite(v) for v in report["ratios"].values())


@pytest.mark.slow  # cutsim bench --quick in a child process
def test_environment_says_one_thread_and_ui_is_reported(report):
    assert set(report["environment"]["threads"].values()) == {"1"}
    ui = report["ui"]
    assert isinstance(ui, dict) and ui  # the app's numbers, or why there are none


# ------------------------------------------------------------------ synthetic place


SMALL = SyntheticSpec(n_services=300, n_links=1200)


@pytest.fixture(scope="module")
def small_place():
    return synthetic_place(SMALL, seed=5)


def test_synthetic_counts_and_mix(small_place):
    m = small_place.model
    assert len(m.services) == SMALL.n_services
    links = len(m.effects) + len(m.demands)
    assert SMALL.n_links * 0.98 <= links <= SMALL.n_links * 1.05
    share = np.mean([s.mode == "demand_led" for s in m.services])
    assert 0.3 <= share <= 0.5
    orders = {e.delay_order for e in m.effects if e.delay_years > 0}
    assert orders == {1, 2, 3}
    assert any(e.delay_years == 0 for e in m.effects)
    assert all(e.low <= e.per_unit <= e.high for e in m.effects)
    assert all(d.low <= d.per_unit <= d.high for d in m.demands)
    assert small_place.scenarios[0].levers


def test_synthetic_place_is_valid(small_place):
    assert validate_model(small_place.model) == []


def test_synthetic_place_has_loops_and_chains_and_runs(small_place):
    cm = compile_model(small_place.model)
    assert any(g.loops for g in cm.groups)  # feedback loops
    assert len(cm.groups) > 5 and len(cm.singletons) > 0  # chains of blocks and lone chains
    result = Project(small_place).run(SCENARIO_ID)  # no EngineError: stable
    assert np.all(np.isfinite(result.outcome_delta))


def test_synthetic_loops_are_stable_for_every_draw(small_place):
    cm = compile_model(small_place.model)
    inputs = build_inputs(cm, small_place.scenarios[0])
    simulate(cm, draw_params(cm, 30, seed=1), inputs.activity_delta)  # no EngineError
    # and at the range ends that bound the loop gain
    simulate(cm, Params(cm.k_high, cm.d_high), inputs.activity_delta)
    simulate(cm, Params(cm.k_low, cm.d_low), inputs.activity_delta)


def test_synthetic_loop_gains_are_below_the_bound(small_place):
    m = small_place.model
    effects = [e.model_dump() for e in m.effects]
    demands = [d.model_dump() for d in m.demands]
    clusters: dict[str, list[str]] = {}
    for o in m.outcomes:
        clusters.setdefault(o.name.split("(cluster ")[1], []).append(o.id)
    worst = max(float(np.max(np.abs(np.linalg.eigvals(loop_gain_matrix(ids, effects, demands)))))
                for ids in clusters.values())
    assert 0 < worst < MAX_LOOP_GAIN


def test_synthetic_is_deterministic_for_a_seed():
    a = synthetic_place(SyntheticSpec(n_services=50, n_links=200), seed=9)
    b = synthetic_place(SyntheticSpec(n_services=50, n_links=200), seed=9)
    c = synthetic_place(SyntheticSpec(n_services=50, n_links=200), seed=10)
    assert a.model_dump() == b.model_dump()
    assert a.model_dump() != c.model_dump()
