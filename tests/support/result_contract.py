"""The result contract of ``docs/result-format.md``, checked on a ``cutsim run --json`` object.

Written from the document, not from the code that makes results, so a change to either that
breaks the contract fails here. :func:`result_problems` returns every problem found as a
sentence naming the field (an empty list when the contract holds).

What it checks (docs/result-format.md "Signs" and "Fields"):

- ``t`` has H·steps_per_year + 1 points from 0 to H inclusive;
- every outcome has ``baseline`` and ``scenario``, every service ``baseline_activity``,
  ``activity``, ``baseline_spend`` and ``spend``, every agency and the place the four money
  series, all arrays over ``t``;
- ``place`` is the sum over agencies of each series; ``net_saving = planned_saving −
  knock_on_cost − one_off_cost`` at every time; for each agency the change in its services'
  spend equals ``knock_on_cost − planned_saving``;
- ``annual`` has H labels and H values per series, with the same net identity and place sums;
- ``cost_shift`` into each agency sums to its knock-on cost over the horizon;
- ``appraisal.npv`` has one value per agency and the place, and equals Σ_y net_saving_y·DF_y
  when the result carries its discount factors;
- with ``uncertainty``: ``draws``, ``seed``, P10 ≤ P50 ≤ P90 per point, arrays over ``t``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

MONEY = ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving")
SERVICE_SERIES = ("baseline_activity", "activity", "baseline_spend", "spend")
TOP_LEVEL = ("t", "outcomes", "services", "agencies", "place", "annual", "cost_shift",
             "appraisal")
RTOL = 1e-9  # relative to the largest magnitude of the figures compared


def _close(actual: Any, expected: Any) -> bool:
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(e), initial=0.0)), float(np.max(np.abs(a), initial=0.0)))
    return a.shape == e.shape and bool(np.all(np.abs(a - e) <= RTOL * scale))


def _series(block: Mapping[str, Any], key: str, length: int, where: str,
            problems: list[str]) -> np.ndarray | None:
    value = block.get(key)
    if not isinstance(value, Sequence) or len(value) != length:
        got = len(value) if isinstance(value, Sequence) else type(value).__name__
        problems.append(f"{where}.{key}: expected an array of {length} values, got {got}")
        return None
    return np.asarray(value, dtype=float)


def result_problems(result: Mapping[str, Any], model: Mapping[str, Any]) -> list[str]:
    """Every way ``result`` (a ``run --json`` object) breaks the documented result contract.

    ``model`` is the ``model`` object of the ``.cutsim`` file the result was run from.
    Returns sentences naming the field at fault; an empty list means the contract holds.
    """
    problems: list[str] = []
    missing = [key for key in TOP_LEVEL if key not in result]
    if missing:
        return [f"missing top-level key {key!r}" for key in missing]
    place = model["place"]
    horizon = int(place.get("horizon_years", 10))
    n = horizon * int(place.get("steps_per_year", 12)) + 1
    t = np.asarray(result["t"], dtype=float)
    if t.shape != (n,) or t[0] != 0.0 or not _close(t[-1], horizon):
        problems.append(f"t: expected {n} points from 0 to {horizon} inclusive, got {t.size}")
        return problems
    if np.any(np.diff(t) <= 0):
        problems.append("t: the grid must increase")

    for outcome in model["outcomes"]:
        block = result["outcomes"].get(outcome["id"], {})
        for key in ("baseline", "scenario"):
            _series(block, key, n, f"outcomes[{outcome['id']!r}]", problems)

    spend_change: dict[str, np.ndarray] = {}
    for service in model["services"]:
        block = result["services"].get(service["id"], {})
        arrays = {key: _series(block, key, n, f"services[{service['id']!r}]", problems)
                  for key in SERVICE_SERIES}
        spend, base = arrays["spend"], arrays["baseline_spend"]
        if spend is not None and base is not None:
            change = spend_change.setdefault(service["agency"], np.zeros(n))
            change += spend - base

    agencies = [agency["id"] for agency in model["agencies"]]
    money: dict[str, dict[str, np.ndarray]] = {}
    for agency in agencies:
        block = result["agencies"].get(agency, {})
        arrays = {key: _series(block, key, n, f"agencies[{agency!r}]", problems)
                  for key in MONEY}
        if all(a is not None for a in arrays.values()):
            money[agency] = {k: v for k, v in arrays.items() if v is not None}
    place_money = {key: _series(result["place"], key, n, "place", problems) for key in MONEY}
    if problems:
        return problems

    for agency, series in money.items():
        net = series["planned_saving"] - series["knock_on_cost"] - series["one_off_cost"]
        if not _close(series["net_saving"], net):
            problems.append(f"agencies[{agency!r}].net_saving != planned_saving − "
                            "knock_on_cost − one_off_cost")
        want = series["knock_on_cost"] - series["planned_saving"]
        if not _close(spend_change.get(agency, np.zeros(n)), want):
            problems.append(f"agencies[{agency!r}]: the change in its services' spend != "
                            "knock_on_cost − planned_saving")
    for key in MONEY:
        total = sum((money[a][key] for a in agencies), np.zeros(n))
        if not _close(place_money[key], total):
            problems.append(f"place.{key} is not the sum of the agencies' {key}")

    problems.extend(_annual_problems(result, agencies, horizon))
    if problems:
        return problems

    annual_knock_on = {a: float(np.sum(result["annual"]["agencies"][a]["knock_on_cost"]))
                       for a in agencies}
    for agency in agencies:
        shifted = sum(float(row.get(agency, 0.0)) for row in result["cost_shift"].values())
        if not _close(shifted, annual_knock_on[agency]):
            problems.append(f"cost_shift into {agency!r} sums to {shifted:.6g}, its knock-on "
                            f"cost over the horizon is {annual_knock_on[agency]:.6g}")

    problems.extend(_appraisal_problems(result, agencies, horizon))
    if "uncertainty" in result:
        problems.extend(_uncertainty_problems(result["uncertainty"], model, agencies, n))
    return problems


def _annual_problems(result: Mapping[str, Any], agencies: list[str], horizon: int) -> list[str]:
    problems: list[str] = []
    annual = result["annual"]
    years = annual.get("years", [])
    if len(years) != horizon:
        problems.append(f"annual.years: expected {horizon} labels, got {len(years)}")
    arrays: dict[str, dict[str, np.ndarray]] = {}
    for agency in agencies:
        block = annual.get("agencies", {}).get(agency, {})
        got = {key: _series(block, key, horizon, f"annual.agencies[{agency!r}]", problems)
               for key in MONEY}
        arrays[agency] = {k: v for k, v in got.items() if v is not None}
    place = {key: _series(annual.get("place", {}), key, horizon, "annual.place", problems)
             for key in MONEY}
    if problems:
        return problems
    for agency, series in arrays.items():
        net = series["planned_saving"] - series["knock_on_cost"] - series["one_off_cost"]
        if not _close(series["net_saving"], net):
            problems.append(f"annual.agencies[{agency!r}].net_saving != planned_saving − "
                            "knock_on_cost − one_off_cost")
    for key in MONEY:
        total = sum((arrays[a][key] for a in agencies), np.zeros(horizon))
        if not _close(place[key], total):
            problems.append(f"annual.place.{key} is not the sum of the agencies' {key}")
    return problems


def _appraisal_problems(result: Mapping[str, Any], agencies: list[str],
                        horizon: int) -> list[str]:
    appraisal = result["appraisal"]
    npv = appraisal.get("npv", {})
    missing = [key for key in [*agencies, "place"] if key not in npv]
    if missing:
        return [f"appraisal.npv: no value for {key!r}" for key in missing]
    factors = appraisal.get("discount_factors")
    if factors is None:
        return []
    problems: list[str] = []
    if len(factors) != horizon or factors[0] != 1.0:
        return [f"appraisal.discount_factors: expected {horizon} factors starting at 1"]
    annual = result["annual"]
    for key in [*agencies, "place"]:
        net = (annual["place"] if key == "place" else annual["agencies"][key])["net_saving"]
        want = float(np.dot(np.asarray(net, dtype=float), np.asarray(factors, dtype=float)))
        if not _close(npv[key], want):
            problems.append(f"appraisal.npv[{key!r}] = {npv[key]:.6g}, but Σ net_saving·DF "
                            f"= {want:.6g}")
    return problems


def _bands(block: Mapping[str, Any], length: int | None, where: str) -> list[str]:
    try:
        p10, p50, p90 = (np.asarray(block[k], dtype=float) for k in ("p10", "p50", "p90"))
    except KeyError as missing:
        return [f"{where}: no {missing.args[0]}"]
    if length is not None and not (p10.shape == p50.shape == p90.shape == (length,)):
        return [f"{where}: P10, P50 and P90 must each be an array of {length} values"]
    scale = max(1.0, float(np.max(np.abs(p90), initial=0.0)))
    slack = RTOL * scale
    if np.any(p10 > p50 + slack) or np.any(p50 > p90 + slack):
        return [f"{where}: expected P10 ≤ P50 ≤ P90"]
    return []


def _uncertainty_problems(block: Mapping[str, Any], model: Mapping[str, Any],
                          agencies: list[str], n: int) -> list[str]:
    problems: list[str] = []
    for key in ("draws", "seed"):
        if key not in block:
            problems.append(f"uncertainty: no {key!r}")
    for outcome in model["outcomes"]:
        bands = block.get("outcomes", {}).get(outcome["id"])
        if bands is None:
            problems.append(f"uncertainty.outcomes: no {outcome['id']!r}")
        else:
            problems.extend(_bands(bands, n, f"uncertainty.outcomes[{outcome['id']!r}]"))
    for agency in agencies:
        bands = block.get("agencies", {}).get(agency, {}).get("net_saving")
        if bands is None:
            problems.append(f"uncertainty.agencies[{agency!r}]: no net_saving")
        else:
            problems.extend(_bands(bands, n, f"uncertainty.agencies[{agency!r}].net_saving"))
    place = block.get("place", {})
    if "net_saving" not in place or "npv" not in place:
        problems.append("uncertainty.place: expected net_saving and npv")
    else:
        problems.extend(_bands(place["net_saving"], n, "uncertainty.place.net_saving"))
        problems.extend(_bands(place["npv"], None, "uncertainty.place.npv"))
    return problems
