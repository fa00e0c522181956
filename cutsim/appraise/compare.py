"""Scenarios side by side: money by agency, NPV and outcome changes at chosen years.

Units and signs (as in the result format): ``net_saving`` is £ over the whole horizon,
undiscounted, positive = a saving; ``npv`` and ``npv_adjusted`` are £ present values at
the place's discount rate; ``social_value_npv`` is £ of social value (positive = value
gained), reported beside cash; ``outcome_change`` is ΔY (outcome level minus baseline,
in each outcome's unit) at t = 1, 3, 5 and 10 years (those within the horizon);
``cost_shift_out`` is £ of knock-on cost the scenario's levers put on *other* agencies;
``settlement_transfer`` is £ each agency receives (+) or pays (−) under its pools' gain
share, summed over pools (beside cash, never in ``net_saving``).

Every comparison names one headline year (docs/result-format.md: ``year``, 0-based, and
``year_label``; default the first scenario's headline year): ``net_saving_in_year`` is £
in that financial year and ``outcome_change_in_year`` is ΔY at its end.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cutsim.appraise.result import Result
from cutsim.model import fmt
from cutsim.model.materiality import is_nothing, materiality_floor
from cutsim.model.schema import PLACE_ID, headline_year

COMPARE_TIMES = (1, 3, 5, 10)


def times_within(horizon: int) -> list[int]:
    """The comparison years (t, in years) that fall within the horizon."""
    return [t for t in COMPARE_TIMES if t <= horizon]


def _at(result: Result, series: np.ndarray, t: float) -> float:
    """A grid series' value at time t (years): grid index t·steps_per_year."""
    return float(series[int(round(t * result.compiled.steps_per_year))])


def summarise(result: Result, year: int | None = None) -> dict[str, Any]:
    """One scenario's comparison entry (plain numbers) with figures for ``year`` (0-based;
    default the scenario's headline year)."""
    cm = result.compiled
    y = headline_year(result.scenario, cm.horizon_years) if year is None else year
    annual = result.agency_annual["net_saving"]
    net = annual.sum(axis=1)
    appraisal = result.appraisal
    shift = result.cost_shift_matrix
    times = times_within(cm.horizon_years)
    return {
        "name": result.scenario.name,
        "organisation": result.scenario.organisation,
        "parent": result.scenario.parent,
        "net_saving": {**{a: float(net[i]) for i, a in enumerate(cm.agency_ids)},
                       PLACE_ID: float(net.sum())},
        "npv": {k: _plain(row.npv) for k, row in appraisal.entities.items()},
        "npv_adjusted": _plain(appraisal.place.npv_adjusted),
        "social_value_npv": _plain(appraisal.place.social_value_npv),
        "cost_shift_out": float(shift.sum() - np.trace(shift)),
        "settlement_transfer": _transfers(result),
        "outcome_change": {o: [_at(result, result.outcome_delta[i], t) for t in times]
                           for i, o in enumerate(cm.outcome_ids)},
        "net_saving_in_year": {**{a: float(annual[i, y]) for i, a in enumerate(cm.agency_ids)},
                               PLACE_ID: float(annual[:, y].sum())},
        "outcome_change_in_year": {o: _at(result, result.outcome_delta[i], y + 1)
                                   for i, o in enumerate(cm.outcome_ids)},
    }


def _transfers(result: Result) -> dict[str, float]:
    """Σ over the scenario's pools of each agency's settlement transfer (£, + = receives)."""
    out: dict[str, float] = {}
    for pool in result.settlement.values():
        for agency, row in pool.items():
            out[agency] = out.get(agency, 0.0) + float(row["transfer"])
    return out


def compare(results: list[Result], year: int | None = None) -> dict[str, Any]:
    """The comparison object for results of one model (``cutsim compare --json``);
    ``year`` (0-based) is the financial year its summaries show (default the first
    scenario's headline year)."""
    if not results:
        raise ValueError("nothing to compare")
    cm = results[0].compiled
    y = headline_year(results[0].scenario, cm.horizon_years) if year is None else year
    return {
        "year": y,
        "year_label": fmt.year_label(cm.model.place.base_year, y),
        "materiality_floor": materiality_floor(cm.model),
        "times": times_within(cm.horizon_years),
        "agencies": list(cm.agency_ids),
        "outcomes": {o.id: {"unit": o.unit, "higher_is_better": o.higher_is_better}
                     for o in cm.model.outcomes},
        "scenarios": {r.scenario.id: summarise(r, y) for r in results},
    }


def _plain(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def table(comparison: dict[str, Any]) -> str:
    """A side-by-side text table; each block names its year or period and shows its money
    in one unit and one precision for the whole table (:func:`cutsim.model.fmt.table_unit`).

    Agencies and outcomes that no compared scenario moves (below the materiality floor
    for money, exactly 0 for outcomes) are left out.
    """
    ids = list(comparison["scenarios"])
    scen = comparison["scenarios"]
    floor = comparison.get("materiality_floor", 0.0)
    fy = comparison["year_label"]
    rows: list[tuple[str, list[str]]] = []
    money: list[tuple[int, list[float | None], bool]] = []  # (row index, values, signed)

    def block(title: str, labelled: list[tuple[str, list[float | None]]], signed: bool = False) -> None:
        if not labelled:
            return
        rows.append((title, []))
        for label, values in labelled:
            money.append((len(rows), values, signed))
            rows.append((f"  {label}", []))

    def moved(values: list[float | None]) -> bool:
        return any(v is not None and not is_nothing(v, floor) for v in values)

    for key, title in (("net_saving_in_year", f"Net saving in {fy} (positive = saving)"),
                       ("net_saving", "Net saving over the horizon (positive = saving)")):
        labelled = []
        for a in comparison["agencies"] + [PLACE_ID]:
            values = [scen[s][key][a] for s in ids]
            if a == PLACE_ID or moved(values):
                labelled.append((a, values))
        block(title, labelled)
    transfers = [scen[s]["settlement_transfer"] for s in ids]
    block("Pool settlement transfers over the horizon (beside cash; + = receives)",
          [(a, [t.get(a, 0.0) for t in transfers]) for a in comparison["agencies"]
           if any(a in t for t in transfers)], signed=True)
    block("Present values over the horizon", [
        ("NPV place", [scen[s]["npv"].get(PLACE_ID) for s in ids]),
        ("NPV place, optimism-bias adjusted", [scen[s]["npv_adjusted"] for s in ids]),
        ("social value (beside cash)", [scen[s]["social_value_npv"] for s in ids]),
        ("cost shifted to other agencies (undiscounted)", [scen[s]["cost_shift_out"] for s in ids])])
    changed = [(o, meta) for o, meta in comparison["outcomes"].items()
               if any(scen[s]["outcome_change_in_year"][o] != 0 for s in ids)]
    if changed:
        rows.append((f"Outcome change (level − baseline) by the end of {fy}", []))
        for o, meta in changed:
            rows.append((f"  {o} ({meta['unit']})",
                         [fmt.count(scen[s]["outcome_change_in_year"][o], signed=True) for s in ids]))
    # One unit for every money figure of the table (docs/user-guide.md, money style).
    unit = fmt.table_unit([v for _, values, _ in money for v in values], floor=floor)
    for index, values, signed in money:
        rows[index] = (rows[index][0], fmt.money_table(values, signed=signed, floor=floor, unit=unit))
    label_w = max(len(r[0]) for r in rows)
    col_w = max(12, *(len(s) for s in ids), *(len(c) for _, cs in rows for c in cs))
    lines = [" " * label_w + "".join(f"  {s:>{col_w}}" for s in ids)]
    for label, cells in rows:
        lines.append(f"{label:<{label_w}}" + "".join(f"  {c:>{col_w}}" for c in cells))
    return "\n".join(lines) + "\n"
