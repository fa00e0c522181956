"""The value of knowing an input before deciding: EVPI and EVPPI between scenarios (£).

The decision: choose one of the compared scenarios; the rule picks the one with the
highest expected place NPV (£, before optimism bias, positive = good for the budget)
among those **their red lines allow**. Net benefit ``NB_s(θ)`` is scenario s's place NPV
when the uncertain inputs are θ; ``X_s(θ)`` is how far it goes past its red lines (the
largest adverse change beyond any line's ``max_change``, at any time up to its
``by_year``; :func:`cutsim.appraise.redlines.worst_excess`). With what is known (nothing,
φ, or every input θ), a scenario is allowed when its expected excess given that knowledge
is not positive, ``E[X_s | ·] ≤ 0``, and the choice is the allowed scenario with the
highest ``E[NB_s | ·]``. A scenario without red lines is always allowed; when no scenario
is allowed the rule falls back to the highest expected NPV of all (and the report says
so). Without red lines this is the usual rule, and the numbers are exactly those of
maximising expected NPV.

Knowing more can now cost money: it may show that the best scenario breaks a red line in
some states of the world, where a poorer one must be chosen. Such a loss is not a value
of information in £; the EVPI and EVPPI are reported as at least 0, and the report counts
the scenarios allowed without information.

- **EVPI**, the expected value of perfect information, is what knowing *every* input
  before deciding is worth: ``E_θ[max_s NB_s(θ)] − max_s E_θ[NB_s(θ)]`` (the maxima
  over the allowed scenarios).
- **EVPPI** of an input φ (or a group of inputs) is what knowing φ alone is worth:
  ``E_φ[max_s E[NB_s | φ]] − max_s E[NB_s]``, the most it is worth paying to know φ
  before deciding (the expected excesses given φ are fitted by the same regression).

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
from cutsim.appraise.figures import Figure, figure_of_rows
from cutsim.appraise.montecarlo import block_sizes, block_values, run_entropy
from cutsim.appraise.redlines import TOLERANCE
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
    inc = nb - nb[:, :1]
    return fitted(phi, inc) + nb[:, :1].mean()


def fitted(phi: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares fit of each column of y (n, S) on an additive natural cubic spline
    of the columns of phi (n,) or (n, p): the fitted values (n, S)."""
    phi = np.asarray(phi, dtype=float)
    phi = phi[:, None] if phi.ndim == 1 else phi
    basis = np.column_stack([np.ones(len(phi))] +
                            [natural_spline_basis(phi[:, j]) for j in range(phi.shape[1])])
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return basis @ coef


def choices(expected: np.ndarray, excess: np.ndarray | None = None) -> np.ndarray:
    """The scenario chosen in each state of knowledge: ``expected`` (n, S) the expected
    net benefit given that knowledge, ``excess`` (n, S) the expected red-line excess (NaN
    for a scenario without red lines). The highest expected net benefit among the
    allowed (excess ≤ 0); all scenarios when none is allowed. (n,) indices."""
    if excess is None:
        return np.argmax(expected, axis=1)
    allowed = np.isnan(excess) | (excess <= TOLERANCE)
    allowed[~allowed.any(axis=1)] = True  # none allowed: the rule without red lines
    return np.argmax(np.where(allowed, expected, -np.inf), axis=1)


def _choice_without_information(nb: np.ndarray, excess: np.ndarray | None) -> int:
    means = nb.mean(axis=0)[None]
    return int(choices(means, None if excess is None else excess.mean(axis=0)[None])[0])


def evpi(nb: np.ndarray, excess: np.ndarray | None = None) -> tuple[float, float]:
    """EVPI (£) from net benefits per draw (n, S) (and red-line excesses, n × S, NaN for
    none), and its Monte Carlo standard error."""
    rows = np.arange(len(nb))
    chosen = nb[rows, choices(nb, excess)]
    gain = chosen - nb[:, _choice_without_information(nb, excess)]
    return float(max(0.0, gain.mean())), float(gain.std(ddof=1) / np.sqrt(len(gain)))


def evppi(phi: np.ndarray, nb: np.ndarray, excess: np.ndarray | None = None) -> float:
    """EVPPI (£) of the input(s) φ from a sample: phi (n,) or (n, p), nb (n, S), and the
    red-line excesses (n, S; NaN for a scenario without red lines)."""
    g = conditional_means(phi, nb)
    if excess is None:
        return float(max(0.0, g.max(axis=1).mean() - g.mean(axis=0).max()))
    lined = ~np.isnan(excess).all(axis=0)
    expected_excess = np.full_like(excess, np.nan)
    if lined.any():
        expected_excess[:, lined] = fitted(phi, excess[:, lined])
    rows = np.arange(len(g))
    informed = g[rows, choices(g, expected_excess)].mean()
    uninformed = g[:, _choice_without_information(g, expected_excess)].mean()
    return float(max(0.0, informed - uninformed))


def net_benefits(space: UncertaintySpace, scenario_ids: list[str], agencies: list[str],
                 draws: int, seed: int | None, executor: Executor | None = None,
                 figure: Figure | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Input values (n, P), each scenario's figure (place NPV by default) per draw (n, S)
    and its red-line excess per draw (n, S; NaN for a scenario without red lines; None
    when no scenario has any), the draws made block by block under the Monte Carlo
    seeding contract."""
    executor = executor or InProcess()
    figure = figure or Figure()
    entropy = run_entropy(seed)
    values = np.concatenate([block_values(space, entropy, b, n)
                             for b, n in enumerate(block_sizes(draws))])
    nb, excess = [], []
    for sid in scenario_ids:
        # Each block reduced where it runs to the figure and the red-line excess.
        picked = figure_of_rows(space, sid, figure, agencies, values, executor)
        nb.append(picked.value)
        excess.append(np.full(len(values), np.nan) if picked.excess is None
                      else picked.excess)
    lines = np.column_stack(excess)
    return values, np.column_stack(nb), None if np.isnan(lines).all() else lines


def evppi_table(space: UncertaintySpace, scenario_ids: list[str], agencies: list[str],
                draws: int = DEFAULT_DRAWS, seed: int | None = 0,
                groups: dict[str, list[str]] | None = None,
                executor: Executor | None = None) -> dict[str, Any]:
    """EVPI and every varying input's (and each named group's) EVPPI, largest first.

    Returns ``{"draws", "seed", "scenarios", "expected_npv": {id: £}, "choice",
    "evpi", "evpi_se", "evppi": [{input, evppi}]}`` in £.
    """
    values, nb, excess = net_benefits(space, scenario_ids, agencies, draws, seed, executor)
    means = nb.mean(axis=0)
    value, se = evpi(nb, excess)
    rows = []
    for j in space.varying():
        rows.append({"input": space.inputs[j].name, "label": space.inputs[j].label or space.inputs[j].name,
                     "evppi": evppi(values[:, j], nb, excess)})
    for name, members in (groups or {}).items():
        cols = [space.index(m) for m in members]
        rows.append({"input": name, "label": name, "inputs": list(members),
                     "evppi": evppi(values[:, cols], nb, excess)})
    rows.sort(key=lambda r: (-r["evppi"], r["input"]))
    choice = _choice_without_information(nb, excess)
    report: dict[str, Any] = {"draws": int(draws), "seed": seed, "scenarios": list(scenario_ids),
              "expected_npv": {s: float(m) for s, m in zip(scenario_ids, means)},
              "choice": scenario_ids[choice],
              "choice_changes_share": float(np.mean(choices(nb, excess) != choice)),
              "evpi": value, "evpi_se": se, "evppi": rows}
    if excess is not None:  # which scenarios their red lines allow, on what is known now
        mean_excess = excess.mean(axis=0)
        report["red_lines"] = {
            s: {"has_red_lines": bool(not np.isnan(x)),
                "allowed": bool(np.isnan(x) or x <= TOLERANCE),
                "expected_excess": None if np.isnan(x) else float(x),
                "breach_share": None if np.isnan(x) else float(np.mean(excess[:, i] > TOLERANCE))}
            for i, (s, x) in enumerate(zip(scenario_ids, mean_excess))}
    return report


def decision_rule(report: dict[str, Any]) -> str:
    """How the report chose, as words: "by expected place NPV[ among … allow]"."""
    rule = "by expected place NPV"
    return rule + " among the scenarios their red lines allow" if report.get("red_lines") else rule


def none_allowed(report: dict[str, Any]) -> bool:
    """Whether no compared scenario keeps to its red lines (the rule is then NPV alone)."""
    lines = report.get("red_lines")
    if not lines:
        return False
    return not any(s["allowed"] for s in lines.values())


def table(report: dict[str, Any], top: int | None = None, floor: float = 0.0) -> str:
    """The EVPPI report as text, largest first (money per cutsim.model.fmt); when the
    EVPI is nothing (at most ``floor`` £, the place's materiality floor) no draw changes
    the choice, and that is said instead of a list of zeros."""
    from cutsim.model.fmt import money

    lines = [f"Choosing between {', '.join(report['scenarios'])} {decision_rule(report)} "
             f"({report['draws']:,} draws): {report['choice']}."]
    for sid, status in (report.get("red_lines") or {}).items():
        if status["has_red_lines"]:
            verdict = "allowed" if status["allowed"] else "not allowed (expected to break a red line)"
            lines.append(f"  {sid}: {verdict}; breaks a red line in "
                         f"{status['breach_share']:.0%} of draws.")
    if none_allowed(report):
        lines.append("  No scenario is allowed by its red lines: the choice is by expected "
                     "place NPV alone.")
    if report["evpi"] <= floor:
        share = report.get("choice_changes_share", 0.0)
        if share > 0:  # only red lines do this: changes that cost NPV on average
            lines.append(f"Knowing everything first would change the choice in {share:.0%} of "
                         "draws, to keep to a red line, but not to a higher place NPV on average: no "
                         "information is worth paying for in £ before deciding (EVPI £0).")
        else:
            lines.append("No draw changes the choice, so no information is worth paying for "
                         "before deciding (EVPI £0).")
        return "\n".join(lines) + "\n"
    lines += [f"Knowing every input before deciding is worth {money(report['evpi'])} "
              f"(EVPI, ± {money(report['evpi_se'])}).",
              "The most it is worth paying to know each input before deciding (EVPPI):"]
    shown = report["evppi"][:top] if top else report["evppi"]
    width = max([50, *(len(r.get("label", r["input"])) for r in shown)])  # labels whole
    for r in shown:
        lines.append(f"  {r.get('label', r['input']):<{width}} {money(r['evppi']):>10}")
    return "\n".join(lines) + "\n"
