"""What we said would happen, and what happened: the review of a decision (docs/actuals.md).

Three parts, each from the file's ``actuals`` (observations by financial year):

- **Savings variance.** For a service with a spend outturn in year y, the *delivered*
  saving is the plan's baseline spend with pressures (baseline_spend × the service's
  demand growth to year y, £ at the place's price year) less the outturn (£, same real
  terms); it is shared among the scenario's levers on that service in proportion to each
  lever's own planned saving on it that year. ``slipped`` = planned − delivered when
  0 ≤ delivered < planned; ``overspent`` = −delivered when the outturn is above the
  baseline with pressures.
- **Outcomes against the forecast.** An observed outcome (the year's mean level) is set
  against the baseline (the outcome's flat baseline level) and the scenario's forecast of
  that year's mean level: the central run and the P10/P50/P90 of the seeded Monte Carlo
  draws (:mod:`cutsim.appraise.montecarlo`'s seeding contract: the same draws as
  ``run --draws N --seed S``), flagged when it falls outside P10–P90.
- **Learning.** The posterior of the uncertain inputs (:mod:`cutsim.appraise.uncertain`,
  keyed as in ``sensitivity --json``) given the observations, by importance weighting of
  those prior draws: draw i gets weight w_i ∝ exp(−½ Σ_j ((y_j − m_ij)/σ_j)²), y_j an
  observation, m_ij draw i's mean level of that outcome in that year and σ_j the
  outcome's ``observation_sd`` (or :data:`DEFAULT_SD_FRACTION` of its baseline level).
  The effective sample size is 1/Σw² (weights summing to 1); below :data:`MIN_ESS` the
  posterior rests on too few draws and a warning says so. Quantiles are of the weighted
  empirical distribution (:func:`weighted_quantiles`), the prior's with equal weights.
  The re-forecast of each outcome is the same weighting applied to the draws' later years.

Only place-level observations (no ``area``) enter the review; observations for one area
are listed as not used. Money is £ at the place's price year; outcome figures in their
units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cutsim.appraise.montecarlo import (
    DRAW_BLOCK,
    block_sizes,
    block_values,
    run_entropy,
)
from cutsim.appraise.mtfs import growth_factors
from cutsim.appraise.result import year_labels
from cutsim.appraise.run import run_scenario
from cutsim.appraise.uncertain import UncertaintySpace, uncertainty_space
from cutsim.engine.compiled import CompiledModel, Params, compile_model, with_values
from cutsim.engine.simulate import simulate
from cutsim.levers.build import build_inputs
from cutsim.model import lever_kinds
from cutsim.model.actuals_rules import year_index
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile, Observation, Scenario

DEFAULT_DRAWS = 4000
DEFAULT_SEED = 35  # the review is seeded by default, so that it reads the same each time
DEFAULT_SD_FRACTION = 0.05  # observation error when an outcome gives none: 5 % of its baseline
MIN_ESS = 100  # fewer effective draws than this and the posterior is flagged as unreliable
QUANTILES = (0.10, 0.50, 0.90)


class ReviewCancelled(Exception):
    """The review was stopped between blocks of draws (``cancelled()`` answered True)."""


def weighted_quantiles(values: np.ndarray, weights: np.ndarray | None,
                       qs: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """Quantiles of the weighted sample along axis 0 (values (D, …); weights (D,) ≥ 0,
    None for equal): each draw's mass sits at the midpoint of its step of the cumulative
    weight, and a quantile interpolates linearly between them (clamped at the ends).
    Returns (len(qs), …)."""
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    flat = values.reshape(n, -1)
    out = np.empty((len(qs), flat.shape[1]))
    for j in range(flat.shape[1]):
        order = np.argsort(flat[:, j], kind="stable")
        order = order[w[order] > 0]  # a draw of no weight holds no mass
        v, ww = flat[order, j], w[order]
        mid = np.cumsum(ww) - ww / 2.0
        out[:, j] = np.interp(qs, mid, v)
    return out.reshape((len(qs),) + values.shape[1:])


def yearly_means(cm: CompiledModel, scenario: Scenario, space: UncertaintySpace,
                 values: np.ndarray) -> np.ndarray:
    """Each row of input ``values`` (n, P; columns as ``space.inputs``): every outcome's
    mean level in every financial year, (n, O, H) in outcome units (baseline + the exact
    integral of ΔY over the year, a year being 1)."""
    n_k, n_d = space.n_k, space.n_d
    if not space.extras:
        inputs = build_inputs(cm, scenario)
        params = Params(np.ascontiguousarray(values[:, :n_k]),
                        np.ascontiguousarray(values[:, n_k:n_k + n_d]))
        traj = simulate(cm, params, inputs.activity_delta, inputs.outcome_input)
        integrals = np.broadcast_to(traj.dY_int, (len(values),) + traj.dY_int.shape[1:])
    else:
        rows = []
        for row in values:
            model, scenarios = space.realise(row)
            cm_row = with_values(cm, model)
            inputs = build_inputs(cm_row, scenarios[0])
            params = Params(row[None, :n_k], row[None, n_k:n_k + n_d])
            rows.append(simulate(cm_row, params, inputs.activity_delta,
                                 inputs.outcome_input).dY_int[0])
        integrals = np.stack(rows)
    per_year = integrals.reshape(len(values), cm.n_outcomes, cm.horizon_years,
                                 cm.steps_per_year).sum(axis=-1)
    return cm.outcome_baseline[None, :, None] + per_year


@dataclass(frozen=True)
class PriorDraws:
    """The seeded prior draws of a scenario: input ``values`` (D, P) and the outcomes'
    yearly mean levels ``yearly`` (D, O, H), draw i being draw i of ``run --draws D
    --seed S``."""

    space: UncertaintySpace
    values: np.ndarray
    yearly: np.ndarray
    seed: int


def prior_draws(cm: CompiledModel, scenario: Scenario, draws: int, seed: int, *,
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> PriorDraws:
    """Draw ``draws`` input sets block by block under the Monte Carlo seeding contract and
    work out every outcome's yearly mean level for each.

    ``progress(done, draws)`` is called as each block of :data:`DRAW_BLOCK` draws is worked
    out (0 first); ``cancelled()`` is asked before each block and a True answer raises
    :class:`ReviewCancelled`. Neither changes a figure."""
    space = uncertainty_space(cm.model, [scenario])
    entropy = run_entropy(seed)
    values = np.concatenate([block_values(space, entropy, b, n)
                             for b, n in enumerate(block_sizes(draws))])
    parts = []
    for i in range(0, len(values), DRAW_BLOCK):
        if cancelled is not None and cancelled():
            raise ReviewCancelled(f"the review was stopped after {i:,} of {len(values):,} draws")
        if progress is not None:
            progress(i, len(values))
        parts.append(yearly_means(cm, scenario, space, values[i:i + DRAW_BLOCK]))
    if progress is not None:
        progress(len(values), len(values))
    return PriorDraws(space, values, np.concatenate(parts), int(seed))


@dataclass(frozen=True)
class Evidence:
    """The observations the learning uses: outcome index, year index, value, sd (units)."""

    outcome: np.ndarray
    year: np.ndarray
    value: np.ndarray
    sd: np.ndarray


def importance_weights(draws: PriorDraws, evidence: Evidence) -> np.ndarray:
    """Normalised weights (D,) of the draws given the evidence (Gaussian observation
    error); equal weights when there is no evidence."""
    n = len(draws.values)
    if len(evidence.value) == 0:
        return np.full(n, 1.0 / n)
    predicted = draws.yearly[:, evidence.outcome, evidence.year]  # (D, J)
    z = (evidence.value[None, :] - predicted) / evidence.sd[None, :]
    log_w = -0.5 * np.sum(z * z, axis=1)
    log_w -= np.max(log_w)
    w = np.exp(log_w)
    return w / np.sum(w)


def effective_sample_size(weights: np.ndarray) -> float:
    """1 / Σ w² for weights summing to 1 (D for equal weights)."""
    return float(1.0 / np.sum(np.square(weights)))


def observation_sd(cutsim_file: CutsimFile, outcome_id: str) -> float:
    """The outcome's observation error (its units): ``observation_sd``, else
    :data:`DEFAULT_SD_FRACTION` × |baseline| (1 when the baseline is 0)."""
    outcome = cutsim_file.model.outcome(outcome_id)
    if outcome.observation_sd is not None:
        return float(outcome.observation_sd)
    return DEFAULT_SD_FRACTION * abs(outcome.baseline) or 1.0


def _band(q: np.ndarray) -> dict[str, float]:
    return {"p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}


@dataclass
class Review:
    """A review's figures (docs/result-format.md "Review")."""

    scenario: str
    draws: int
    seed: int
    years: list[str]
    illustrative: bool
    effective_sample_size: float
    prior: dict[str, dict[str, float]]
    posterior: dict[str, dict[str, float]]
    labels: dict[str, str]
    outcomes: dict[str, dict[str, Any]]
    reforecast: dict[str, dict[str, Any]]
    savings: dict[str, dict[str, Any]]
    services: dict[str, dict[str, Any]]
    observation_error: dict[str, dict[str, Any]]
    not_used: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``review --json`` object (docs/result-format.md)."""
        return {
            "scenario": self.scenario, "draws": self.draws, "seed": self.seed,
            "illustrative": self.illustrative, "method": "importance weighting of the prior draws",
            "effective_sample_size": self.effective_sample_size, "min_effective_sample_size": MIN_ESS,
            "prior": self.prior, "posterior": self.posterior, "labels": self.labels,
            "observation_error": self.observation_error,
            "outcomes": self.outcomes, "reforecast": self.reforecast,
            "savings": self.savings, "services": self.services,
            "not_used": self.not_used, "warnings": self.warnings,
        }

    def moved_most(self, n: int = 5) -> list[str]:
        """The fields whose P10–P90 narrowed or shifted most, relative to the prior's width."""
        def moved(key: str) -> float:
            p, q = self.prior[key], self.posterior[key]
            width = (p["p90"] - p["p10"]) or 1.0
            return (abs(q["p50"] - p["p50"]) + abs((p["p90"] - p["p10"]) - (q["p90"] - q["p10"]))) / width
        return sorted(self.prior, key=moved, reverse=True)[:n]


def review(cutsim_file: CutsimFile, scenario_id: str | None = None, *,
           draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
           cm: CompiledModel | None = None,
           progress: Callable[[int, int], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> Review:
    """Review ``scenario_id`` (the decision's scenario when None) against the file's
    actuals. InputError when there is nothing to review or no such scenario.

    ``progress(done, draws)`` reports the prior draws worked out; ``cancelled()`` is asked
    between blocks of draws and a True answer raises :class:`ReviewCancelled` (for the
    app's worker thread). The figures do not depend on either."""
    actuals = cutsim_file.actuals
    if actuals is None or not actuals.observations:
        raise InputError("the file has no actuals to review (add them with cutsim actuals import)")
    if scenario_id is None:
        if actuals.decision is None:
            raise InputError("say which scenario to review with --scenario (the actuals name "
                             "no decision)")
        scenario_id = actuals.decision.scenario
        if scenario_id not in {s.id for s in cutsim_file.scenarios}:
            raise InputError(f'the decision adopted scenario "{scenario_id}", which the file no '
                             "longer holds; say which scenario to review with --scenario")
    try:
        scenario = cutsim_file.scenario(scenario_id)
    except KeyError:
        known = ", ".join(s.id for s in cutsim_file.scenarios) or "none"
        raise InputError(f'no scenario "{scenario_id}" (scenarios: {known})') from None
    if draws < 1:
        raise InputError(f"draws must be at least 1 (got {draws})")
    model = cutsim_file.model
    cm = cm or compile_model(model)
    base_year, h = model.place.base_year, model.place.horizon_years
    labels_of_years = year_labels(base_year, h)
    used = [o for o in actuals.observations if o.area is None]
    not_used = [f"{o.kind} {o.id} {o.year} (area {o.area}): area figures are not reviewed yet"
                for o in actuals.observations if o.area is not None]
    central = run_scenario(cm, scenario)
    prior = prior_draws(cm, scenario, int(draws), int(seed), progress=progress,
                        cancelled=cancelled)
    outcome_obs = [o for o in used if o.kind == "outcome"]
    evidence = _evidence(cutsim_file, cm, outcome_obs, base_year)
    weights = importance_weights(prior, evidence)
    ess = effective_sample_size(weights)
    warnings = []
    if outcome_obs and ess < MIN_ESS:
        warnings.append(f"the posterior rests on {ess:.0f} effective draws of {draws} (fewer "
                        f"than {MIN_ESS}): the observations lie far from most draws; run with "
                        "more --draws, or check the observations and their observation_sd")
    varying = [j for j, inp in enumerate(prior.space.inputs) if inp.varies]
    prior_q = weighted_quantiles(prior.values[:, varying], None)
    post_q = weighted_quantiles(prior.values[:, varying], weights)
    keys = [prior.space.inputs[j].name for j in varying]
    outcomes, reforecast = _outcome_review(cutsim_file, cm, central, prior, weights, outcome_obs,
                                           labels_of_years, base_year)
    savings, services = _savings_review(cutsim_file, cm, scenario, central,
                                        [o for o in used if o.kind == "spend"], labels_of_years,
                                        base_year)
    errors = {cm.outcome_ids[int(i)]: {"sd": float(s), "from": (
        "observation_sd" if model.outcome(cm.outcome_ids[int(i)]).observation_sd is not None
        else f"default: {DEFAULT_SD_FRACTION:g} of the baseline level")}
        for i, s in zip(evidence.outcome, evidence.sd)}
    return Review(
        scenario=scenario.id, draws=int(draws), seed=int(seed), years=labels_of_years,
        illustrative=bool(actuals.illustrative), effective_sample_size=ess,
        prior={k: _band(prior_q[:, i]) for i, k in enumerate(keys)},
        posterior={k: _band(post_q[:, i]) for i, k in enumerate(keys)},
        labels={prior.space.inputs[j].name: prior.space.inputs[j].label for j in varying},
        outcomes=outcomes, reforecast=reforecast, savings=savings, services=services,
        observation_error=errors, not_used=not_used, warnings=warnings)


def _evidence(cutsim_file: CutsimFile, cm: CompiledModel, observations: list[Observation],
              base_year: int) -> Evidence:
    index = {o: i for i, o in enumerate(cm.outcome_ids)}
    rows = [(index[o.id], _year(o.year, base_year), o.value, observation_sd(cutsim_file, o.id))
            for o in observations]
    if not rows:
        return Evidence(*(np.zeros(0, dtype=int if i < 2 else float) for i in range(4)))
    outcome, year, value, sd = zip(*rows)
    return Evidence(np.array(outcome, dtype=int), np.array(year, dtype=int),
                    np.array(value, dtype=float), np.array(sd, dtype=float))


def _outcome_review(cutsim_file, cm, central, prior: PriorDraws, weights, observations,
                    labels, base_year) -> tuple[dict, dict]:
    by_outcome: dict[str, list[Observation]] = {}
    for o in observations:
        by_outcome.setdefault(o.id, []).append(o)
    outcomes: dict[str, dict[str, Any]] = {}
    reforecast: dict[str, dict[str, Any]] = {}
    baseline_of = {o.id: o.baseline for o in cutsim_file.model.outcomes}
    for outcome_id in cm.outcome_ids:
        obs = sorted(by_outcome.get(outcome_id, []), key=lambda o: o.year)
        if not obs:
            continue
        i = cm.outcome_ids.index(outcome_id)
        years = [_year(o.year, base_year) for o in obs]
        band = weighted_quantiles(prior.yearly[:, i, years], None)
        observed = [o.value for o in obs]
        outcomes[outcome_id] = {
            "years": [o.year for o in obs], "observed": observed,
            "baseline": [float(baseline_of[outcome_id])] * len(obs),
            "forecast_central": [float(baseline_of[outcome_id] + central.outcome_annual[i, y])
                                 for y in years],
            "forecast_p10": band[0].tolist(), "forecast_p50": band[1].tolist(),
            "forecast_p90": band[2].tolist(),
            "outside_band": [bool(v < lo or v > hi) for v, lo, hi in zip(observed, band[0], band[2])],
        }
        later = list(range(max(years) + 1, cm.horizon_years))
        if later:
            before = weighted_quantiles(prior.yearly[:, i, later], None)
            after = weighted_quantiles(prior.yearly[:, i, later], weights)
            reforecast[outcome_id] = {
                "years": [labels[y] for y in later],
                "prior_p10": before[0].tolist(), "prior_p50": before[1].tolist(),
                "prior_p90": before[2].tolist(),
                "posterior_p10": after[0].tolist(), "posterior_p50": after[1].tolist(),
                "posterior_p90": after[2].tolist()}
    return outcomes, reforecast


def _year(label: str, base_year: int) -> int:
    """The 0-based year of an observation's label (validated when the actuals were read)."""
    index = year_index(label, base_year)
    if index is None:
        raise InputError(f'actuals: "{label}" is not a financial year such as 2026-27')
    return index


def _savings_review(cutsim_file: CutsimFile, cm: CompiledModel, scenario: Scenario, central,
                    spend: list[Observation], labels, base_year) -> tuple[dict, dict]:
    if not spend:
        return {}, {}
    model = cutsim_file.model
    growth = growth_factors(model)  # (S, H)
    if central.service_annual is None:
        raise InputError("the review needs a run with per-service money")
    planned = central.service_annual["planned_saving"]  # (S, H) £ a year
    # each lever's own planned saving on each service, from a run of that lever alone
    own: dict[str, np.ndarray] = {}
    for lever in scenario.levers:
        alone = scenario.model_copy(update={"levers": [lever]})
        annual = run_scenario(cm, alone).service_annual
        if annual is None:
            raise InputError("the review needs a run with per-service money")
        own[lever.id] = annual["planned_saving"]
    services: dict[str, dict[str, Any]] = {}
    savings: dict[str, dict[str, Any]] = {}
    shares: dict[str, dict[int, float]] = {lever_id: {} for lever_id in own}
    planned_of: dict[str, dict[int, float]] = {lever_id: {} for lever_id in own}
    for obs in sorted(spend, key=lambda o: (cm.service_ids.index(o.id), o.year)):
        s = cm.service_ids.index(obs.id)
        y = _year(obs.year, base_year)
        service = model.service(obs.id)
        baseline = float(service.baseline_spend * growth[s, y])
        delivered = baseline - obs.value
        plan = float(planned[s, y])
        row = services.setdefault(obs.id, {"years": [], "baseline_with_pressures": [],
                                           "outturn": [], "planned": [], "delivered": [],
                                           "slipped": [], "overspent": []})
        row["years"].append(obs.year)
        row["baseline_with_pressures"].append(baseline)
        row["outturn"].append(obs.value)
        row["planned"].append(plan)
        row["delivered"].append(delivered)
        row["slipped"].append(_slipped(plan, delivered))
        row["overspent"].append(max(0.0, -delivered))
        total_own = sum(float(own[k][s, y]) for k in own)
        for lever_id, per_service in own.items():
            mine = float(per_service[s, y])
            if mine == 0.0 or total_own == 0.0:
                continue
            shares[lever_id][y] = shares[lever_id].get(y, 0.0) + delivered * mine / total_own
            planned_of[lever_id][y] = planned_of[lever_id].get(y, 0.0) + mine
    for lever in scenario.levers:
        years = sorted(planned_of[lever.id])
        if not years:
            continue
        got = [shares[lever.id][y] for y in years]
        plans = [planned_of[lever.id][y] for y in years]
        savings[lever.id] = {
            "kind": lever.kind, "services": list(lever_kinds.of(lever).services(lever)),
            "years": [labels[y] for y in years], "planned": plans, "delivered": got,
            "slipped": [_slipped(p, d) for p, d in zip(plans, got)],
            "overspent": [max(0.0, -d) for d in got]}
    return savings, services


def _slipped(planned: float, delivered: float) -> float:
    """The planned saving not delivered (£): planned − delivered, never below 0 and at most
    the planned saving (an overspend beyond the baseline is counted as overspent)."""
    if planned <= 0:
        return 0.0
    return float(min(planned, max(0.0, planned - delivered)))



def text_report(result: Review, cutsim_file: CutsimFile) -> str:
    """The review for people: savings, outcomes against the band, what moved most."""
    from cutsim.model import fmt

    model = cutsim_file.model
    lines = [f"Review of scenario {result.scenario}: what we said would happen, and what happened"
             + (" (illustrative actuals)" if result.illustrative else "")]
    if result.services:
        lines += ["", "Savings, £ a year at the place's price year (planned / delivered):"]
        for service_id, row in result.services.items():
            name = model.service(service_id).name
            for i, year in enumerate(row["years"]):
                what = (f"overspent by {fmt.money(row['overspent'][i])}" if row["overspent"][i] > 0
                        else f"slipped {fmt.money(row['slipped'][i])}" if row["slipped"][i] > 0
                        else "delivered")
                lines.append(f"  {name}, {year}: planned {fmt.money(row['planned'][i])}, "
                             f"delivered {fmt.money(row['delivered'][i])} ({what})")
    if result.outcomes:
        lines += ["", "Outcomes, the year's mean level (observed against the forecast's P10-P90):"]
        for outcome_id, row in result.outcomes.items():
            outcome = model.outcome(outcome_id)
            for i, year in enumerate(row["years"]):
                where = "outside the band" if row["outside_band"][i] else "inside the band"
                lines.append(
                    f"  {outcome.name}, {year}: observed {fmt.count(row['observed'][i])} "
                    f"{outcome.unit}; baseline {fmt.count(row['baseline'][i])}, forecast "
                    f"{fmt.count(row['forecast_p50'][i])} ({fmt.count(row['forecast_p10'][i])} to "
                    f"{fmt.count(row['forecast_p90'][i])}): {where}")
    if result.outcomes:
        lines += ["", (f"Learning from {len(result.observation_error)} outcome(s): effective sample "
                      f"size {result.effective_sample_size:,.0f} of {result.draws:,} draws "
                      f"(seed {result.seed})")]
        for key in result.moved_most(5):
            before, after, words = estimate_words(result.prior[key], result.posterior[key])
            scale = f", in {words}" if words else ""
            lines.append(f"  {result.labels.get(key, key)}{scale}: prior {before}, "
                         f"posterior {after}")
    for warning in result.warnings:
        lines += ["", f"warning: {warning}"]
    for item in result.not_used:
        lines.append(f"not used: {item}")
    return "\n".join(lines) + "\n"


def significant(value: float, digits: int = 3) -> str:
    """A per-unit figure to ``digits`` significant figures, never an exponent, a real minus."""
    from cutsim.model import fmt

    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else fmt.DASH
    rounded = fmt.round_sig(value, digits)
    decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(rounded)))))
    return fmt.number(rounded, decimals)


SCALES = ((1.0, ""), (1e3, "thousandths"), (1e6, "millionths"), (1e9, "billionths"))


def estimate_scale(*bands: dict[str, float]) -> tuple[float, str]:
    """(factor, words) so that every figure of ``bands`` times the factor reads to three
    significant figures with at most four decimals (docs/result-format.md "Figures people
    read": no rounding noise): 1 and "" for figures of 0.01 or more, else 1,000 and
    "thousandths", and so on."""
    sizes = [abs(v) for band in bands for v in band.values() if v and np.isfinite(v)]
    if not sizes:
        return 1.0, ""
    small = min(sizes)
    for factor, words in SCALES:
        if small * factor >= 0.01:
            return factor, words
    return SCALES[-1]


def estimate_words(prior: dict[str, float], posterior: dict[str, float]) -> tuple[str, str, str]:
    """(prior text, posterior text, unit words): "P50 (P10 to P90)" of each, scaled alike
    by :func:`estimate_scale`; the words say the scale ("in thousandths") or are empty."""
    factor, words = estimate_scale(prior, posterior)

    def text(band: dict[str, float]) -> str:
        return (f"{significant(band['p50'] * factor)} ({significant(band['p10'] * factor)} to "
                f"{significant(band['p90'] * factor)})")

    return text(prior), text(posterior), words

