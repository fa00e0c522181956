"""Which assumptions drive the answer: tornado swings and Sobol indices of one figure.

The figure is one scenario's place NPV by default, or an agency's NPV, or an agency's net
saving in one financial year (:class:`~cutsim.appraise.figures.Figure`), all in £ with
positive = good for the budget. Inputs are every uncertain input whose range is not a
point (:mod:`cutsim.appraise.uncertain`), named like ``effects[e1].per_unit``.

**Tornado** (one at a time): each input in turn is set to its low and then its high end,
every other input held at its central value; ``swing = |figure_high − figure_low|`` (£).
Rows are sorted by swing, largest first (ties by name).

**Sobol indices** (variance-based, first order S1 and total order ST), with SALib:
Saltelli's extension of the scrambled Sobol' sequence on the unit cube, N·(D + 2) model
runs for D inputs, each unit coordinate mapped to its input through the inverse CDF of
that input's PERT distribution (so the indices are those of the Monte Carlo's own
distributions, inputs independent); Jansen/Saltelli estimators with bootstrap confidence
intervals (``S1_conf``, ``ST_conf``: half-widths of the 95 % interval). Convergence
check: the indices are computed again from the first half of the base samples, and the
largest change of any S1 or ST is reported (``max_change_from_half``); ``converged`` is
True when it is below :data:`CONVERGED_CHANGE` or within the intervals.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from cutsim.appraise.executor import Executor, InProcess
from cutsim.appraise.figures import Figure, FigureRows, ScenarioFigures, figure_of_rows
from cutsim.appraise.montecarlo import DRAW_BLOCK, PERT_LAMBDA
from cutsim.appraise.uncertain import UncertaintySpace

log = logging.getLogger(__name__)

DEFAULT_SOBOL_N = 512  # base samples (a power of two for the Sobol' sequence)
CONVERGED_CHANGE = 0.05  # largest change of an index from half the samples counted as settled
CONF_LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 200


@dataclass(frozen=True)
class TornadoRow:
    """One input's swing: its range (in its own unit) and the figure (£) at each end."""

    input: str
    low: float
    high: float
    figure_low: float
    figure_high: float
    swing: float
    label: str = ""  # the input in words (uncertain.input_labels)

    def as_dict(self) -> dict[str, Any]:
        return {"input": self.input, "label": self.label or self.input, "low": self.low,
                "high": self.high,
                "figure_low": self.figure_low, "figure_high": self.figure_high,
                "swing": self.swing}


def evaluate(space: UncertaintySpace, scenario_id: str, rows: np.ndarray,
             executor: Executor | None = None) -> FigureRows:
    """Figures of ``scenario_id`` for rows of input values, in chunks of one draw block
    run by ``executor`` (in this process by default; any executor gives the same bits)."""
    executor = executor or InProcess()
    task = ScenarioFigures(space, scenario_id)
    chunks = [rows[i:i + DRAW_BLOCK] for i in range(0, len(rows), DRAW_BLOCK)]
    return FigureRows.concat(executor.map(task, chunks))


def tornado(space: UncertaintySpace, scenario_id: str, figure: Figure, agencies: list[str],
            top: int | None = None, executor: Executor | None = None
            ) -> tuple[float, list[TornadoRow]]:
    """The central figure (£) and each varying input's low/high swing, largest first."""
    varying = space.varying()
    central = space.central
    rows = np.tile(central, (2 * len(varying) + 1, 1))
    for i, j in enumerate(varying):
        rows[1 + 2 * i, j] = space.inputs[j].low
        rows[2 + 2 * i, j] = space.inputs[j].high
    values = figure_of_rows(space, scenario_id, figure, agencies, rows, executor).value
    out = []
    for i, j in enumerate(varying):
        lo, hi = float(values[1 + 2 * i]), float(values[2 + 2 * i])
        inp = space.inputs[j]
        out.append(TornadoRow(inp.name, inp.low, inp.high, lo, hi, abs(hi - lo), inp.label))
    out.sort(key=lambda r: (-r.swing, r.input))
    return float(values[0]), out[:top] if top else out


def pert_ppf(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Inverse CDF of PERT(low, mode, high) (λ = 4, as the Monte Carlo draws) at u ∈ (0, 1)."""
    span = high - low
    safe = np.where(span > 0, span, 1.0)
    alpha = 1.0 + PERT_LAMBDA * np.clip((mode - low) / safe, 0.0, 1.0)
    beta = 1.0 + PERT_LAMBDA * np.clip((high - mode) / safe, 0.0, 1.0)
    return np.where(span > 0, low + span * stats.beta.ppf(u, alpha, beta), mode)


def sobol(space: UncertaintySpace, scenario_id: str, figure: Figure, agencies: list[str],
          n: int = DEFAULT_SOBOL_N, seed: int = 0, executor: Executor | None = None
          ) -> dict[str, Any]:
    """First- and total-order Sobol indices of ``figure`` over the varying inputs.

    Returns ``{"n", "runs", "seed", "variance", "converged", "max_change_from_half",
    "sobol": [{input, S1, S1_conf, ST, ST_conf}]}`` sorted by ST, largest first. The
    figure's variance is in £².
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n < 8 or n & (n - 1):
        raise ValueError(f"Sobol base samples must be a power of two, at least 8 (got {n})")
    varying = space.varying()
    if len(varying) == 0:
        return {"n": n, "runs": 0, "seed": seed, "variance": 0.0, "converged": True,
                "max_change_from_half": 0.0, "sobol": []}
    names = [space.inputs[j].name for j in varying]
    labels = {space.inputs[j].name: space.inputs[j].label or space.inputs[j].name for j in varying}
    problem = {"num_vars": len(varying), "names": names,
               "bounds": [[0.0, 1.0]] * len(varying)}
    unit = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    # Keep u strictly inside (0, 1): the Sobol' sequence may hit 0, where a ppf is the end.
    unit = np.clip(unit, 1e-12, 1.0 - 1e-12)
    lo, mid, hi = space.low[varying], space.central[varying], space.high[varying]
    rows = np.tile(space.central, (len(unit), 1))
    for c, j in enumerate(varying):
        # A Saltelli column repeats its 2N base values: invert each distinct value once.
        uq, inv = np.unique(unit[:, c], return_inverse=True)
        rows[:, j] = pert_ppf(uq, lo[c], mid[c], hi[c])[inv.ravel()]
    y = figure_of_rows(space, scenario_id, figure, agencies, rows, executor).value
    variance = float(np.var(y))
    if not variance > 0:
        return {"n": n, "runs": len(y), "seed": seed, "variance": 0.0, "converged": True,
                "max_change_from_half": 0.0,
                "sobol": [{"input": m, "label": labels[m], "S1": 0.0, "S1_conf": 0.0, "ST": 0.0,
                           "ST_conf": 0.0} for m in names]}
    full = _analyze(sobol_analyze, problem, y, seed)
    d = len(varying)
    half = _analyze(sobol_analyze, problem, y[: (n // 2) * (d + 2)], seed)
    change = float(max(np.max(np.abs(full["S1"] - half["S1"])),
                       np.max(np.abs(full["ST"] - half["ST"]))))
    within = bool(np.all(np.abs(full["ST"] - half["ST"]) <= full["ST_conf"] + half["ST_conf"]))
    table = [{"input": m, "label": labels[m], "S1": float(full["S1"][i]), "S1_conf": float(full["S1_conf"][i]),
              "ST": float(full["ST"][i]), "ST_conf": float(full["ST_conf"][i])}
             for i, m in enumerate(names)]
    table.sort(key=lambda r: (-r["ST"], r["input"]))
    return {"n": n, "runs": len(y), "seed": seed, "variance": variance,
            "converged": change < CONVERGED_CHANGE or within,
            "max_change_from_half": change, "sobol": table}


def _analyze(sobol_analyze, problem: dict, y: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    with warnings.catch_warnings():
        # SALib warns when the sample count is not a power of two; half of one is fine.
        warnings.simplefilter("ignore", UserWarning)
        res = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                    num_resamples=BOOTSTRAP_RESAMPLES, conf_level=CONF_LEVEL,
                                    print_to_console=False,
                                    seed=seed + 1)  # SALib leaves a seed of 0 unseeded
    return {k: np.asarray(res[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def analyse(model, scenario, method: str = "tornado", figure: str | None = None,
            top: int | None = None, n: int = DEFAULT_SOBOL_N, seed: int = 0,
            wide: bool | None = None, correlation: float | None = None,
            executor: Executor | None = None) -> dict[str, Any]:
    """The sensitivity report of one scenario as a plain dict (the CLI's ``--json``).

    ``{"scenario", "method", "figure", "figure_label", "central", "inputs", "wide",
    "tornado": [...]}`` for the tornado (``central`` the figure in £ with every input
    central), or the Sobol block of :func:`sobol` under ``"sobol"`` and its keys.
    """
    from cutsim.appraise.figures import parse_figure
    from cutsim.appraise.uncertain import uncertainty_space
    from cutsim.model.fmt import year_label
    from cutsim.model.schema import headline_year

    if method not in ("tornado", "sobol"):
        raise ValueError(f'method must be tornado or sobol (got "{method}")')
    horizon = model.place.horizon_years
    years = [year_label(model.place.base_year, y) for y in range(horizon)]
    agencies = [a.id for a in model.agencies]
    fig = parse_figure(figure, agencies, years, headline_year(scenario, horizon))
    space = uncertainty_space(model, [scenario], wide=wide, correlation=correlation)
    report: dict[str, Any] = {
        "scenario": scenario.id, "method": method, "figure": fig.spec(),
        "figure_label": fig.label(years), "inputs": int(len(space.varying())),
        "wide": bool(model.place.wide_uncertainty) if wide is None else bool(wide)}
    if method == "tornado":
        central, rows = tornado(space, scenario.id, fig, agencies, top, executor)
        report["central"] = central
        report["tornado"] = [r.as_dict() for r in rows]
    else:
        block = sobol(space, scenario.id, fig, agencies, n=n, seed=seed, executor=executor)
        if top:
            block["sobol"] = block["sobol"][:top]
        report.update(block)
    return report


def table(report: dict[str, Any]) -> str:
    """The report as text: one row per input, largest first (money per cutsim.model.fmt)."""
    from cutsim.model.fmt import money_table, table_unit

    lines = [f"Scenario {report['scenario']}: what {report['figure_label']} depends on"]
    rows = report.get("tornado") or report.get("sobol") or []
    w = max([len("input"), *(len(r.get("label", r["input"])) for r in rows)])  # labels whole
    if report["method"] == "tornado":
        # One unit for the central figure and the whole table (docs/user-guide.md).
        keys = ("figure_low", "figure_high", "swing")
        unit = table_unit([report["central"]] + [r[k] for r in report["tornado"] for k in keys])
        central = money_table([report["central"]], unit=unit)[0]
        lines.append(f"With every input at its central value: {central}.")
        lines.append(f"{'input':<{w}} {'at low':>10} {'at high':>10} {'swing':>10}")
        for r in report["tornado"]:
            low, high, swing = money_table([r[k] for k in keys], unit=unit)
            lines.append(f"{r['label']:<{w}} {low:>10} {high:>10} {swing:>10}")
    else:
        lines.append(f"Sobol indices from {report['runs']:,} runs (N = {report['n']}); "
                     + ("converged" if report["converged"] else "NOT converged: raise --n")
                     + f" (largest change from half the samples {report['max_change_from_half']:.3f})")
        lines.append(f"{'input':<{w}} {'first order':>16} {'total order':>16}")
        for r in report["sobol"]:
            lines.append(f"{r.get('label', r['input']):<{w}} {r['S1']:>8.3f} ± {r['S1_conf']:<5.3f} "
                         f"{r['ST']:>8.3f} ± {r['ST_conf']:<5.3f}")
    if not report.get("tornado") and not report.get("sobol"):
        lines.append("No input of this scenario has a range, so nothing here is uncertain.")
    return "\n".join(lines) + "\n"
