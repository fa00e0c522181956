"""The value of knowing an input before deciding: EVPI and EVPPI between scenarios (£).

The decision: choose one of the compared scenarios; the rule picks the one with the
highest expected place NPV (£, before optimism bias, positive = good for the budget).
Net benefit ``NB_s(θ)`` is scenario s's place NPV when the uncertain inputs are θ.

- **EVPI**, the expected value of perfect information, is what knowing *every* input
  before deciding is worth: ``E_θ[max_s NB_s(θ)] − max_s E_θ[NB_s(θ)]``.
- **EVPPI** of an input φ (or a group of inputs) is what knowing φ alone is worth:
  ``E_φ[max_s E[NB_s | φ]] − max_s E[NB_s]``, the most it is worth paying to know φ
  before deciding.

Estimator (Strong, Oakley & Brennan 2014, "Estimating multiparameter partial expected
value of perfect information from a probabilistic sensitivity analysis sample: a
nonparametric regression approach", Med Decis Making 34:311–326): one Monte Carlo sample
of θ (the Monte Carlo's own draws, same seeding contract) gives NB_s per draw; the
conditional expectation ``E[NB_s | φ]`` is estimated by regressing the incremental net
benefit ``NB_s − NB_ref`` on φ with a flexible smoother, and the EVPPI is computed from
the fitted values ``g_s``: ``mean_i(max_s g_s(φ_i)) − max_s mean_i(g_s(φ_i))``. The
smoother here is a natural cubic regression spline with knots at quantiles of φ
(:data:`SPLINE_KNOTS` of them, least squares; a GAM-free stand-in for the paper's GAM);
for a group of inputs the fit is additive (a sum of one spline per input, no
interactions). Because the fit is smooth, an input the decision does not depend on gives
an EVPPI near zero (positive by at most the noise the spline picks up, which shrinks as
the draws grow); the ``se`` reported is the Monte Carlo standard error of the EVPI.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from cutsim.appraise.executor import Executor, InProcess
from cutsim.appraise.figures import Figure, FigureRows, ScenarioFigures
from cutsim.appraise.montecarlo import block_sizes, block_values, run_entropy
from cutsim.appraise.uncertain import UncertaintySpace

log = logging.getLogger(__name__)

SPLINE_KNOTS = 6
DEFAULT_DRAWS = 4096


def natural_spline_basis(x: np.ndarray, knots: int = SPLINE_KNOTS) -> np.ndarray:
    """A natural cubic spline basis of x (n,) with knots at quantiles: (n, knots − 1)
    columns (linear term and knots − 2 cubic terms; linear beyond the end knots)."""
    x = np.asarray(x, dtype=float)
    qs = np.unique(np.quantile(x, np.linspace(0.0, 1.0, knots)))
    if len(qs) < 2:
        return np.zeros((len(x), 0))
    scale = qs[-1] - qs[0]
    z = (x - qs[0]) / scale
    k = (qs - qs[0]) / scale

    def d(j: int) -> np.ndarray:
        return (np.clip(z - k[j], 0, None) ** 3 - np.clip(z - k[-1], 0, None) ** 3) \
            / (k[-1] - k[j])

    cols = [z] + [d(j) - d(len(k) - 2) for j in range(len(k) - 2)]
    return np.column_stack(cols)


def conditional_means(phi: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """Fitted E[NB_s | φ] for each draw: phi (n,) or (n, p), nb (n, S) → (n, S).

    An additive natural cubic spline per column of phi, fitted by least squares to each
    option's net benefit relative to option 0 (option 0's fit is its mean).
    """
    phi = np.asarray(phi, dtype=float)
    phi = phi[:, None] if phi.ndim == 1 else phi
    basis = np.column_stack([np.ones(len(phi))] +
                            [natural_spline_basis(phi[:, j]) for j in range(phi.shape[1])])
    inc = nb - nb[:, :1]
    coef, *_ = np.linalg.lstsq(basis, inc, rcond=None)
    return basis @ coef + nb[:, :1].mean()


def evpi(nb: np.ndarray) -> tuple[float, float]:
    """EVPI (£) from net benefits per draw (n, S), and its Monte Carlo standard error."""
    gain = nb.max(axis=1) - nb[:, int(np.argmax(nb.mean(axis=0)))]
    return float(gain.mean()), float(gain.std(ddof=1) / np.sqrt(len(gain)))


def evppi(phi: np.ndarray, nb: np.ndarray) -> float:
    """EVPPI (£) of the input(s) φ from a sample: phi (n,) or (n, p), nb (n, S)."""
    g = conditional_means(phi, nb)
    return float(max(0.0, g.max(axis=1).mean() - g.mean(axis=0).max()))


def net_benefits(space: UncertaintySpace, scenario_ids: list[str], agencies: list[str],
                 draws: int, seed: int | None, executor: Executor | None = None,
                 figure: Figure | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Input values (n, P) and each scenario's figure (place NPV by default) per draw
    (n, S), the draws made block by block under the Monte Carlo seeding contract."""
    executor = executor or InProcess()
    figure = figure or Figure()
    entropy = run_entropy(seed)
    values = np.concatenate([block_values(space, entropy, b, n)
                             for b, n in enumerate(block_sizes(draws))])
    chunks = [values[i:i + 256] for i in range(0, len(values), 256)]
    nb = []
    for sid in scenario_ids:
        rows = FigureRows.concat(executor.map(ScenarioFigures(space, sid), chunks))
        nb.append(rows.pick(figure, agencies))
    return values, np.column_stack(nb)


def evppi_table(space: UncertaintySpace, scenario_ids: list[str], agencies: list[str],
                draws: int = DEFAULT_DRAWS, seed: int | None = 0,
                groups: dict[str, list[str]] | None = None,
                executor: Executor | None = None) -> dict[str, Any]:
    """EVPI and every varying input's (and each named group's) EVPPI, largest first.

    Returns ``{"draws", "seed", "scenarios", "expected_npv": {id: £}, "choice",
    "evpi", "evpi_se", "evppi": [{input, evppi}]}`` in £.
    """
    values, nb = net_benefits(space, scenario_ids, agencies, draws, seed, executor)
    means = nb.mean(axis=0)
    value, se = evpi(nb)
    rows = []
    for j in space.varying():
        rows.append({"input": space.inputs[j].name, "evppi": evppi(values[:, j], nb)})
    for name, members in (groups or {}).items():
        cols = [space.index(m) for m in members]
        rows.append({"input": name, "inputs": list(members),
                     "evppi": evppi(values[:, cols], nb)})
    rows.sort(key=lambda r: (-r["evppi"], r["input"]))
    return {"draws": int(draws), "seed": seed, "scenarios": list(scenario_ids),
            "expected_npv": {s: float(m) for s, m in zip(scenario_ids, means)},
            "choice": scenario_ids[int(np.argmax(means))],
            "evpi": value, "evpi_se": se, "evppi": rows}


def table(report: dict[str, Any], top: int | None = None, floor: float = 0.0) -> str:
    """The EVPPI report as text, largest first (money per cutsim.model.fmt); when the
    EVPI is nothing (at most ``floor`` £, the place's materiality floor) no draw changes
    the choice, and that is said instead of a list of zeros."""
    from cutsim.model.fmt import money

    lines = [f"Choosing between {', '.join(report['scenarios'])} by expected place NPV "
             f"({report['draws']:,} draws): {report['choice']}."]
    if report["evpi"] <= floor:
        lines.append("No draw changes the choice, so no information is worth paying for "
                     "before deciding (EVPI £0).")
        return "\n".join(lines) + "\n"
    lines += [f"Knowing every input before deciding is worth {money(report['evpi'])} "
              f"(EVPI, ± {money(report['evpi_se'])}).",
              "The most it is worth paying to know each input before deciding (EVPPI):"]
    for r in report["evppi"][:top] if top else report["evppi"]:
        lines.append(f"  {r['input']:<50} {money(r['evppi']):>10}")
    return "\n".join(lines) + "\n"
