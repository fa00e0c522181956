"""Runs the engine for the open document: live deterministic runs and Monte Carlo.

The engine separates structure from parameters, so the model is compiled only when the
model itself changes; a lever move re-runs the current scenario on the compiled model in
a few milliseconds, on the GUI thread. Runs are coalesced: changes arriving in one burst
(a slider drag) give one run, and runs start at most every ``min_interval_ms``.

Monte Carlo runs in a worker thread through the core's one Monte Carlo entry,
:func:`cutsim.appraise.run.run_uncertainty`, block by block with progress and a cancel
flag checked between blocks; the core's seeding contract makes the result equal
``project.run(scenario, draws, seed)`` bit for bit. This module only moves the result
between threads.

Every number shown comes from the engine's :class:`~cutsim.appraise.result.Result`; this module
only decides *when* to run and carries results and clear error messages to the views.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from cutsim.api import Project
from cutsim.appraise.blocks import Uncertainty
from cutsim.appraise.result import Result
from cutsim.appraise.run import run_uncertainty
from cutsim.engine.compiled import CompiledModel
from cutsim.model.errors import CutsimError
from cutsim.model.schema import CutsimFile, Scenario
from cutsim.model.validation import validate_scenario
from ui.background import BackgroundJobs, BackgroundWorker

log = logging.getLogger(__name__)

BASELINE_SCENARIO_ID = "__baseline__"  # never a valid slug, so never clashes with a file's id


class Document(Protocol):
    """What the run controller needs from the document controller."""

    @property
    def file(self) -> CutsimFile: ...

    @property
    def current_scenario_id(self) -> str | None: ...

    def problems(self) -> list[Any]: ...


def user_message(error: BaseException) -> str:
    """One clear line for the user: core errors carry their own; anything else is named."""
    if isinstance(error, CutsimError):
        return str(error)
    return f"The engine could not run this scenario ({type(error).__name__}: {error})"


class MonteCarloWorker(BackgroundWorker):
    """Runs Monte Carlo draws block by block on its own thread
    (:class:`ui.background.BackgroundWorker`); its result is the Uncertainty."""

    def __init__(self, cm: CompiledModel, scenario: Scenario, draws: int,
                 seed: int | None) -> None:
        super().__init__()
        self._cm, self._scenario = cm, scenario
        self._draws, self._seed = draws, seed

    def work(self) -> Uncertainty | None:
        return run_uncertainty(self._cm, self._scenario, self._draws, self._seed,
                               progress=self.report, cancelled=lambda: self.is_cancelled)

    def describe(self, error: Exception) -> str:
        log.exception("Monte Carlo failed")
        return user_message(error)


# ---------------------------------------------------------------- the controller


class RunController(QObject):
    """Keeps the compiled model and the latest results of the current document.

    Signals (all on the GUI thread):

    - ``resultReady(Result)`` the current scenario's deterministic result; ``baseline``
      and ``comparison`` are up to date when it fires.
    - ``baselineReady(Result)`` the no-lever baseline, after each compile.
    - ``comparisonReady(object)`` the comparison scenario's result, or None.
    - ``runFailed(str)`` a clear message (invalid model, refused lever, unstable loop).
    - ``monteCarloStarted(int)``, ``monteCarloProgress(int)`` (percent),
      ``monteCarloFinished(Result)`` (the deterministic result with ``uncertainty``),
      ``monteCarloFailed(str)``, ``monteCarloCancelled()``.
    """

    resultReady = Signal(object)
    baselineReady = Signal(object)
    comparisonReady = Signal(object)
    runFailed = Signal(str)
    monteCarloStarted = Signal(int)
    monteCarloProgress = Signal(int)
    monteCarloFinished = Signal(object)
    monteCarloFailed = Signal(str)
    monteCarloCancelled = Signal()
    monteCarloRunningChanged = Signal(bool)

    def __init__(self, document: Document, parent: QObject | None = None, *,
                 min_interval_ms: int = 30) -> None:
        super().__init__(parent)
        self.document = document
        self.min_interval_ms = min_interval_ms
        self.project: Project | None = None
        self.result: Result | None = None
        self.baseline: Result | None = None
        self.comparison: Result | None = None
        self.comparisons: list[Result] = []  # up to three, beside the current scenario
        self.mc_result: Result | None = None
        self.error: str | None = None
        self.comparison_ids: list[str] = []
        self._last_run = 0.0
        self._jobs = BackgroundJobs(self)  # Monte Carlo's threads; its current job
        self._jobs.ended.connect(self._on_job_ended)
        self._mc_base: Result | None = None
        self._checked_model: object | None = None  # the model whose problems are cached
        self._model_only: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.run_now)
        self._connect(document)
        self._recompile()
        self.schedule()

    # ------------------------------------------------------------ wiring
    def _connect(self, document: Document) -> None:
        for name, slot in (("fileReplaced", self._on_model_changed),
                           ("modelChanged", self._on_model_changed),
                           ("scenariosChanged", self._on_scenarios_changed),
                           ("currentScenarioChanged", self._on_scenarios_changed)):
            signal = getattr(document, name, None)
            if signal is not None:
                signal.connect(slot)

    @Slot()
    def _on_model_changed(self) -> None:
        self._recompile()
        self.schedule()

    @Slot()
    def _on_scenarios_changed(self, *_: object) -> None:
        self.schedule()

    @property
    def comparison_scenario_id(self) -> str | None:
        """The first scenario shown beside the current one (None for none)."""
        return self.comparison_ids[0] if self.comparison_ids else None

    def set_comparison(self, scenario_id: str | None) -> None:
        """Choose the one scenario shown beside the current one (None for none)."""
        self.set_comparisons([scenario_id] if scenario_id else [])

    def set_comparisons(self, scenario_ids: list[str]) -> None:
        """Choose up to three scenarios shown beside the current one (four side by side)."""
        ids = list(dict.fromkeys(scenario_ids))[:3]
        if ids != self.comparison_ids:
            self.comparison_ids = ids
            self.schedule()

    # ------------------------------------------------------------ deterministic runs
    def schedule(self) -> None:
        """Ask for a re-run: coalesced, and at most one run every ``min_interval_ms``."""
        self.cancel_monte_carlo()
        if self._timer.isActive():
            return
        since = (time.perf_counter() - self._last_run) * 1000.0
        self._timer.start(max(0, int(self.min_interval_ms - since)))

    def _recompile(self) -> None:
        """Build the project from the in-memory file; compiling happens on first use."""
        self.project = Project(self.document.file)
        self.baseline = None
        self._checked_model = None

    def _model_problems(self) -> list[str]:
        """Problems that stop the run: the model's, and the current scenario's own.

        A lever move leaves the model object as it was, so the model's problems are taken
        from the document once per model and only the current scenario is re-checked.
        """
        file = self.document.file
        current = self.current_scenario()
        if file.model is not self._checked_model:
            self._model_only = [str(p) for p in self.document.problems()
                                if not str(getattr(p, "location", "")).startswith("scenarios[")]
            self._checked_model = file.model
        out = list(self._model_only)
        if current is not None:
            index = next(i for i, s in enumerate(file.scenarios) if s.id == current.id)
            out += [str(p) for p in validate_scenario(file.model, current, f"scenarios[{index}]")]
        return out

    def current_scenario(self) -> Scenario | None:
        sid = getattr(self.document, "current_scenario_id", None)
        for scenario in self.document.file.scenarios:
            if scenario.id == sid:
                return scenario
        return None

    def _scenario(self, scenario_id: str | None) -> Scenario | None:
        for scenario in self.document.file.scenarios:
            if scenario.id == scenario_id:
                return scenario
        return None

    @Slot()
    def run_now(self) -> None:
        """Run the current (and comparison) scenario now; emit the result or a message."""
        self._timer.stop()
        self._last_run = time.perf_counter()
        problems = self._model_problems()
        if problems:
            self._fail("The model has problems to fix before it can run:\n" + "\n".join(problems))
            return
        scenario = self.current_scenario()
        if scenario is None:
            self._fail("No scenario selected: add or choose a scenario to see results.")
            return
        project = self.project
        if project is None:  # made with the controller; gone only with the document
            self._fail("The model is not loaded.")
            return
        try:
            if self.baseline is None:
                self.baseline = project.run(Scenario(id=BASELINE_SCENARIO_ID,
                                                     name="Baseline (no change)"))
                self.baselineReady.emit(self.baseline)
            result = project.run(scenario)
        except Exception as error:  # noqa: BLE001 - shown to the user, never a traceback
            self._fail(user_message(error))
            return
        self.comparisons = [r for r in (self._run_comparison(scenario, sid)
                                         for sid in self.comparison_ids) if r is not None]
        self.comparison = self.comparisons[0] if self.comparisons else None
        self.comparisonReady.emit(self.comparison)
        self.error = None
        self.result = result
        self.mc_result = None
        self.resultReady.emit(result)

    def _run_comparison(self, current: Scenario, scenario_id: str | None) -> Result | None:
        other = self._scenario(scenario_id)
        if other is None or other.id == current.id or self.project is None:
            return None
        try:
            return self.project.run(other)
        except Exception as error:  # noqa: BLE001 - a broken comparison must not hide the current
            log.info("comparison scenario %s did not run: %s", other.id, error)
            return None

    def _fail(self, message: str) -> None:
        self.error = message
        self.result = None
        self.mc_result = None
        self.runFailed.emit(message)

    # ------------------------------------------------------------ Monte Carlo
    @property
    def monte_carlo_running(self) -> bool:
        return self._jobs.current is not None

    def run_monte_carlo(self, draws: int = 1000, seed: int | None = 1) -> bool:
        """Start Monte Carlo for the current scenario in a worker thread.

        Returns False (and says why through ``monteCarloFailed``) when there is no
        valid result to add bands to. A running Monte Carlo is cancelled first.
        """
        self.cancel_monte_carlo()
        if self._timer.isActive():
            self.run_now()
        scenario = self.current_scenario()
        if self.result is None or scenario is None or self.project is None:
            self.monteCarloFailed.emit(self.error or "Nothing to run: choose a valid scenario.")
            return False
        self._mc_base = self.result
        self._jobs.start(MonteCarloWorker(self.project.compiled, scenario, int(draws), seed),
                         self._on_mc_progress, self._on_mc_finished, self._on_mc_failed)
        self.monteCarloStarted.emit(int(draws))
        self.monteCarloRunningChanged.emit(True)
        return True

    def cancel_monte_carlo(self) -> None:
        """Stop the running Monte Carlo; no result is emitted for it afterwards.

        The worker stops at its next chunk boundary; ``monteCarloCancelled`` fires when
        its thread has finished.
        """
        if self._jobs.cancel():
            self.monteCarloRunningChanged.emit(False)

    def wait_for_monte_carlo(self, timeout_ms: int = 30000) -> bool:
        """Block until every worker thread has finished (for shutdown and scripts)."""
        return self._jobs.wait(timeout_ms)

    @Slot(int)
    def _on_mc_progress(self, percent: int) -> None:
        if self._jobs.is_current(self.sender()):
            self.monteCarloProgress.emit(percent)

    @Slot(object)
    def _on_mc_finished(self, block: Uncertainty) -> None:
        if not self._jobs.is_current(self.sender()):
            return
        self._jobs.done()
        if self._mc_base is None:  # set when the run started; a current job always has it
            self.monteCarloRunningChanged.emit(False)
            return
        self.mc_result = replace(self._mc_base, uncertainty=block)
        self.monteCarloRunningChanged.emit(False)
        self.monteCarloFinished.emit(self.mc_result)

    @Slot(str)
    def _on_mc_failed(self, message: str) -> None:
        if self._jobs.is_current(self.sender()):
            self._jobs.done()
            self.monteCarloRunningChanged.emit(False)
            self.monteCarloFailed.emit(message)

    @Slot(object)
    def _on_job_ended(self, worker: BackgroundWorker) -> None:
        if worker.is_cancelled:
            self.monteCarloCancelled.emit()

    def shutdown(self) -> None:
        """Cancel and join every worker (call before the window closes)."""
        self.cancel_monte_carlo()
        self.wait_for_monte_carlo()
