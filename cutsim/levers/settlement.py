"""Gain-share settlement of pooled budgets (docs/levers.md ``pool``, with the maths).

For each ``pool`` lever the result carries
``settlement[lever_id][agency] = {contribution, net_saving, share, transfer}`` for every
*partner*: an agency owning a pooled service or a reinvestment service.

- ``contribution`` (£/yr): the partner's baseline spend in the pool (0 for a partner that
  only receives reinvestment).
- ``net_saving`` (£, whole horizon, undiscounted, like ``cost_shift``): the partner's
  realised net saving *caused by the pool*, measured as the scenario with the pool minus
  the same scenario without it (exact, and correct when other levers touch the same
  services). Per service: planned saving − knock-on cost − one-off cost; so it holds the
  pool's efficiency saving, minus the reinvestment it pays for, plus the knock-on cost
  the reinvestment avoids on its services, minus its part of the set-up cost.
- ``share`` (fraction, Σ = 1) under the gain-share rule:
  ``contribution``: pro rata to contributions; ``benefit``: pro rata to each partner's
  *benefit* b = efficiency saving + knock-on cost avoided (what the pool gives it before
  paying for reinvestment and set-up), computed as the pool's change in its planned
  saving with the £ it reinvests added back, minus the pool's change in its knock-on
  cost. So a pooled service that also receives reinvestment keeps its efficiency saving
  in b. A benefit that is negative or nothing (below the materiality floor of
  :mod:`cutsim.model.materiality`) counts as 0; if no partner benefits, the contribution
  rule is used and a warning logged. ``{"fixed": …}``: as given (partners not named
  get 0).
- ``transfer`` (£) = share × Σ net_saving − net_saving: what the partner receives (positive)
  or pays (negative) so that each ends up with its share of the pool's total net saving.
  Σ transfer = 0 exactly (the last partner's transfer closes the sum).
- ``transfer_by_year`` (£ per financial year, H figures): the same rule year by year with
  the same shares, share × Σ net_saving_y − net_saving_y, the last partner closing each
  year's sum; the years add up to ``transfer``. The result adds each agency's
  ``net_saving_after_settlement`` (net saving plus its transfers) beside ``net_saving``.

Knock-on changes that fall on agencies outside the partnership stay in their money and
in ``cost_shift``; they are not part of the partners' settlement. Settlements are
reported beside agency money, never folded into ``net_saving``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.money import ServiceMoney, service_money
from cutsim.engine.simulate import simulate
from cutsim.levers.pool import reinvestments
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import Scenario

if TYPE_CHECKING:  # the kinds' modules import these engine modules on use
    from cutsim.levers.kinds import PoolLever

log = logging.getLogger(__name__)


def scenario_money(cm: CompiledModel, params: Params, scenario: Scenario) -> ServiceMoney:
    """Per-service money of ``scenario`` (one engine run, central or given parameters)."""
    from cutsim.levers.build import build_inputs

    inputs = build_inputs(cm, scenario)
    traj = simulate(cm, params, inputs.activity_delta, inputs.outcome_input)
    return service_money(cm, inputs, traj)


def _totals(money: ServiceMoney) -> dict[str, np.ndarray]:
    """Whole-horizon £ per service (S,) for each money series (batch entry 0)."""
    return {k: np.asarray(v)[0].sum(axis=-1) for k, v in money.annual.items()}


def _by_year(money: ServiceMoney) -> dict[str, np.ndarray]:
    """£ per service and financial year (S, H) for each money series (batch entry 0)."""
    return {k: np.asarray(v)[0] for k, v in money.annual.items()}


def settle(cm: CompiledModel, scenario: Scenario, params: Params | None = None,
           money_with: ServiceMoney | None = None) -> dict[str, Any]:
    """The ``settlement`` block for every pool in ``scenario`` ({} when there is none).

    ``money_with`` is the full scenario's per-service money if already computed.
    """
    pools = [lv for lv in scenario.levers if lv.kind == "pool"]
    if not pools:
        return {}
    params = params or cm.central_params()
    full = money_with if money_with is not None else scenario_money(cm, params, scenario)
    with_, with_years = _totals(full), _by_year(full)
    block = {}
    for pool in pools:
        others = scenario.model_copy(update={"levers": [lv for lv in scenario.levers
                                                        if lv.id != pool.id]})
        other_money = scenario_money(cm, params, others)
        without, without_years = _totals(other_money), _by_year(other_money)
        diff = {k: with_[k] - without[k] for k in with_}
        diff_years = {k: with_years[k] - without_years[k] for k in with_years}
        block[pool.id] = settle_pool(cm, cast("PoolLever", pool), diff, diff_years)
    return block


def partners(cm: CompiledModel, pool: PoolLever) -> list[str]:
    """Agencies owning a pooled or reinvestment service, in the model's agency order."""
    owners = {cm.model.services[cm.service_index[s]].agency
              for s in list(pool.services) + [r.service for r in pool.reinvest]}
    return [a for a in cm.agency_ids if a in owners]


def settle_pool(cm: CompiledModel, pool: PoolLever, diff: dict[str, np.ndarray],
                diff_years: dict[str, np.ndarray] | None = None) -> dict:
    """Settlement of one pool from its per-service money (£ over the horizon, (S,) arrays:
    the scenario with the pool minus without it); with ``diff_years`` (the same per
    financial year, (S, H) arrays) each partner's ``transfer_by_year`` too."""
    names = partners(cm, pool)
    pooled = {cm.service_index[s] for s in pool.services}
    # £ the pool reinvests in each service over the horizon (its rate is held over each
    # step, so the integral is exact); the pool's planned saving there is minus this.
    reinvested = np.zeros(cm.n_services)
    for s, pounds in reinvestments(cm, pool):
        reinvested[s] += float(np.sum(pounds[:-1]) * cm.h)
    contribution, net, benefit = {}, {}, {}
    for a in names:
        mine = np.flatnonzero(cm.service_agency == cm.agency_index[a])
        contribution[a] = float(sum(cm.baseline_spend[s] for s in mine if s in pooled))
        planned, knock = diff["planned_saving"][mine], diff["knock_on_cost"][mine]
        net[a] = float(diff["net_saving"][mine].sum())
        # Benefit: the pool's saving to a before it pays for reinvestment and set-up, i.e.
        # its efficiency saving (planned saving with the reinvestment added back) plus the
        # knock-on cost the pool avoids on its services.
        benefit[a] = float(planned.sum() + reinvested[mine].sum() - knock.sum())
    shares = gain_shares(pool, names, contribution, benefit, materiality_floor(cm.model))
    out: dict[str, dict[str, Any]] = {
        a: {"contribution": contribution[a], "net_saving": net[a], "share": shares[a],
            "transfer": t} for a, t in zip(names, transfers(names, shares, net))}
    if diff_years is not None:
        years = diff_years["net_saving"].shape[-1]
        per_year = [transfers(names, shares, {
            a: float(diff_years["net_saving"][np.flatnonzero(
                cm.service_agency == cm.agency_index[a]), y].sum()) for a in names})
            for y in range(years)]
        for k, a in enumerate(names):
            out[a]["transfer_by_year"] = [row[k] for row in per_year]
    return out


def gain_shares(pool: PoolLever, names: list[str], contribution: dict[str, float],
                benefit: dict[str, float], floor: float = 0.0) -> dict[str, float]:
    """Each partner's share (fractions adding up to 1) under the pool's gain-share rule.

    ``floor`` (£, the materiality floor): a benefit below it is nothing and counts as 0.
    """
    rule = pool.gain_share
    if not isinstance(rule, str):  # fixed shares
        return {a: float(rule.fixed.get(a, 0.0)) for a in names}
    weights = contribution
    if rule == "benefit":
        weights = {a: benefit[a] if benefit[a] > floor else 0.0 for a in names}
        if sum(weights.values()) <= 0:
            log.warning('pool "%s": no partner benefits, so gains are shared by contribution',
                        pool.id)
            weights = contribution
    total = sum(weights.values())
    if total <= 0:  # nothing contributed either: equal shares
        return {a: 1.0 / len(names) for a in names}
    return {a: weights[a] / total for a in names}


def transfers(names: list[str], shares: dict[str, float], net: dict[str, float]) -> list[float]:
    """transfer_a = share_a·Σ net − net_a, with the last one closing Σ transfer = 0 exactly."""
    pot = sum(net[a] for a in names)
    out = [shares[a] * pot - net[a] for a in names[:-1]]
    out.append(-sum(out))
    return out
