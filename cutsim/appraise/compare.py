"""Scenarios side by side: money by agency, NPV and outcome changes at chosen years.

Units and signs (as in the result format): ``net_saving`` is £ over the whole horizon,
undiscounted, positive = a saving; ``npv`` and ``npv_adjusted`` are £ present values at
the place's discount rate; ``social_value_npv`` is £ of social value (positive = value
gained), reported beside cash; ``outcome_change`` is ΔY (outcome level minus baseline,
in each outcome's unit) at t = 1, 3, 5 and 10 years (those within the horizon);
``cost_shift_out`` is £ of knock-on cost the scenario's levers put on *other* agencies;
``settlement_transfer`` is £ each agency receives (+) or pays (−) under its pools' gain
share, summed over pools (beside cash, never in ``net_saving``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cutsim.appraise.result import Result
from cutsim.model.schema import PLACE_ID

COMPARE_TIMES = (1, 3, 5, 10)


def times_within(horizon: int) -> list[int]:
    """The comparison years (t, in years) that fall within the horizon."""
    return [t for t in COMPARE_TIMES if t <= horizon]


def _at(result: Result, series: np.ndarray, t: float) -> float:
    """A grid series' value at time t (years): grid index t·steps_per_year."""
    return float(series[int(round(t * result.compiled.steps_per_year))])


def summarise(result: Result) -> dict[str, Any]:
    """One scenario's comparison entry (plain numbers)."""
    cm = result.compiled
    net = result.agency_annual["net_saving"].sum(axis=1)
    appraisal = result.appraisal
    shift = result.cost_shift_matrix
    times = times_within(cm.horizon_years)
    return {
        "name": result.scenario.name,
        "organisation": result.scenario.organisation,
        "parent": result.scenario.parent,
        "net_saving": {**{a: float(net[i]) for i, a in enumerate(cm.agency_ids)},
                       PLACE_ID: float(net.sum())},
        "npv": {k: _plain(v) for k, v in appraisal.get("npv", {}).items()},
        "npv_adjusted": _plain(appraisal.get("npv_adjusted", {}).get(PLACE_ID)),
        "social_value_npv": _plain(appraisal.get("social_value_npv", {}).get(PLACE_ID)),
        "cost_shift_out": float(shift.sum() - np.trace(shift)),
        "settlement_transfer": _transfers(result),
        "outcome_change": {o: [_at(result, result.outcome_delta[i], t) for t in times]
                           for i, o in enumerate(cm.outcome_ids)},
    }


def _transfers(result: Result) -> dict[str, float]:
    """Σ over the scenario's pools of each agency's settlement transfer (£, + = receives)."""
    out: dict[str, float] = {}
    for pool in result.settlement.values():
        for agency, row in pool.items():
            out[agency] = out.get(agency, 0.0) + float(row["transfer"])
    return out


def compare(results: list[Result]) -> dict[str, Any]:
    """The comparison object for results of one model (``cutsim compare --json``)."""
    if not results:
        raise ValueError("nothing to compare")
    cm = results[0].compiled
    return {
        "times": times_within(cm.horizon_years),
        "agencies": list(cm.agency_ids),
        "outcomes": {o.id: {"unit": o.unit, "higher_is_better": o.higher_is_better}
                     for o in cm.model.outcomes},
        "scenarios": {r.scenario.id: summarise(r) for r in results},
    }


def _plain(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.2f}"


def table(comparison: dict[str, Any]) -> str:
    """A side-by-side text table: £m for money, outcome units for outcome changes.

    Outcomes that no compared scenario changes (|ΔY| < 1e-9 at every year) are left out.
    """
    ids = list(comparison["scenarios"])
    rows: list[tuple[str, list[str]]] = []
    scen = comparison["scenarios"]
    rows.append(("Net saving over the horizon, £m (positive = saving)", []))
    for a in comparison["agencies"] + [PLACE_ID]:
        values = [scen[s]["net_saving"][a] for s in ids]
        if a == PLACE_ID or any(abs(v) > 0.5 for v in values):
            rows.append((f"  {a}", [_money(v) for v in values]))
    transfers = [scen[s]["settlement_transfer"] for s in ids]
    if any(transfers):
        rows.append(("Pool settlement transfers, £m (beside cash; + = receives)", []))
        for a in comparison["agencies"]:
            if any(a in t for t in transfers):
                rows.append((f"  {a}", [_money(t.get(a, 0.0)) for t in transfers]))
    rows.append(("Present values, £m", []))
    rows.append(("  NPV place", [_money(scen[s]["npv"].get(PLACE_ID)) for s in ids]))
    rows.append(("  NPV place, optimism-bias adjusted", [_money(scen[s]["npv_adjusted"]) for s in ids]))
    rows.append(("  social value (beside cash)", [_money(scen[s]["social_value_npv"]) for s in ids]))
    rows.append(("  cost shifted to other agencies (undiscounted)",
                 [_money(scen[s]["cost_shift_out"]) for s in ids]))
    rows.append(("Outcome change (level − baseline) at year t", []))
    for o, meta in comparison["outcomes"].items():
        changes = [scen[s]["outcome_change"][o] for s in ids]
        if not any(abs(v) > 1e-9 for c in changes for v in c):
            continue
        for k, t in enumerate(comparison["times"]):
            rows.append((f"  {o} t={t} ({meta['unit']})", [f"{c[k]:+,.4g}" for c in changes]))
    label_w = max(len(r[0]) for r in rows)
    col_w = max(12, *(len(s) for s in ids))
    lines = [" " * label_w + "".join(f"  {s:>{col_w}}" for s in ids)]
    for label, cells in rows:
        lines.append(f"{label:<{label_w}}" + "".join(f"  {c:>{col_w}}" for c in cells))
    return "\n".join(lines) + "\n"
