"""The run controller: live deterministic runs, chunked Monte Carlo, cancel, clear errors."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest

from cutsim.api import Project
from cutsim.files.exchange import read_file
from cutsim.levers.kinds import CutLever
from cutsim.model.commands import SetItemField, SetLever
from ui.document import DocumentController
from ui.run_controller import RunController

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def document(qtbot):
    return DocumentController(read_file(EXAMPLE))


@pytest.fixture
def controller(qtbot, document):
    rc = RunController(document)
    yield rc
    rc.shutdown()


def test_result_is_the_engines_result_for_the_current_scenario(qtbot, controller, document):
    with qtbot.waitSignal(controller.resultReady, timeout=10000) as blocker:
        controller.schedule()
    result = blocker.args[0]
    expected = Project(document.file).run(document.current_scenario_id)
    assert result.scenario.id == document.current_scenario_id
    for series, values in expected.agency_rates.items():
        np.testing.assert_array_equal(result.agency_rates[series], values)
    np.testing.assert_array_equal(result.outcome_delta, expected.outcome_delta)
    assert controller.baseline is not None
    assert not controller.baseline.scenario.levers


def test_a_lever_change_reruns_without_recompiling(qtbot, controller, document):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    compiled = controller.project.compiled
    lever = CutLever(id="l1", kind="cut", service="youth", percent=40.0)
    with qtbot.waitSignal(controller.resultReady, timeout=10000) as blocker:
        document.apply(SetLever(document.current_scenario_id, lever))
    assert controller.project.compiled is compiled
    planned = blocker.args[0].agency_rates["planned_saving"]
    council = blocker.args[0].compiled.agency_index["council"]
    # 40 % of £3m youth + 20 % of £9m early help, docs/mathematics.md sign: + = saving
    assert planned[council, -1] == pytest.approx(0.4 * 3e6 + 0.2 * 9e6)


def test_a_model_edit_recompiles(qtbot, controller, document):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    compiled = controller.project.compiled
    with qtbot.waitSignal(controller.resultReady, timeout=10000):
        document.apply(SetItemField("services", "youth", "baseline_spend", 4e6))
    assert controller.project.compiled is not compiled


def test_monte_carlo_progress_reaches_100_and_equals_the_core(qtbot, controller, document):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    seen: list[int] = []
    controller.monteCarloProgress.connect(seen.append)
    with qtbot.waitSignal(controller.monteCarloFinished, timeout=100000) as blocker:
        assert controller.run_monte_carlo(draws=1000, seed=1)
    # 1,000 draws are four blocks of the core's seeding contract: progress after each.
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 100 and len(seen) == 5
    got = blocker.args[0].uncertainty
    expected = Project(document.file).run(document.current_scenario_id, draws=1000,
                                          seed=1).uncertainty
    # The worker calls the core's Monte Carlo: the same numbers, bit for bit.
    assert got == expected
    qtbot.waitUntil(lambda: not controller._jobs, timeout=5000)


def test_cancel_stops_monte_carlo_and_emits_no_result(qtbot, controller):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    finished: list[object] = []
    controller.monteCarloFinished.connect(finished.append)
    with qtbot.waitSignal(controller.monteCarloProgress, timeout=10000,
                          check_params_cb=lambda p: p > 0):
        controller.run_monte_carlo(draws=5000, seed=1)
    with qtbot.waitSignal(controller.monteCarloCancelled, timeout=10000):
        controller.cancel_monte_carlo()
    assert not controller.monte_carlo_running
    qtbot.waitUntil(lambda: not controller._jobs, timeout=5000)  # the thread has finished
    assert finished == [] and controller.mc_result is None


def test_a_scenario_change_cancels_a_running_monte_carlo(qtbot, controller, document):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    controller.run_monte_carlo(draws=5000, seed=1)
    with qtbot.waitSignal(controller.monteCarloCancelled, timeout=10000):
        document.apply(SetLever(document.current_scenario_id,
                                CutLever(id="l1", kind="cut", service="youth", percent=10.0)))
    assert controller.mc_result is None


def test_a_refused_lever_is_a_message_not_a_traceback(qtbot, controller, document):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    # lac is demand-led with max_efficiency_percent 10: a 40 % cut is refused.
    lever = CutLever(id="lx", kind="cut", service="lac", percent=40.0)
    with qtbot.waitSignal(controller.runFailed, timeout=10000) as blocker:
        document.apply(SetLever(document.current_scenario_id, lever))
    message = blocker.args[0]
    assert "lac" in message and "Traceback" not in message
    assert controller.result is None


def test_an_invalid_model_shows_its_problems_and_does_not_run(qtbot, controller, document):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    with qtbot.waitSignal(controller.runFailed, timeout=10000) as blocker:
        document.apply(SetItemField("services", "youth", "unit_cost", -5.0))
    assert "problems" in blocker.args[0] and "unit_cost" in blocker.args[0]


def test_monte_carlo_without_a_valid_result_says_why(qtbot, controller, document):
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    document.apply(SetItemField("services", "youth", "unit_cost", -5.0))
    controller.run_now()
    with qtbot.waitSignal(controller.monteCarloFailed, timeout=10000):
        assert controller.run_monte_carlo(100, 1) is False
