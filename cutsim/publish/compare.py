"""``compare-places``: two places' open data side by side, matched by machine.

Money is compared per resident (each place's own ``population``); agencies are matched
by ``kind`` (council, nhs, police…), since ids differ between places; outcomes by their
public indicator code (e.g. ``PHOF B05``), falling back to the outcome id only when both
places use the same id (and saying so). Differences that make a comparison unsafe
(price year, reporting date) are reported as warnings, never hidden.
"""

from __future__ import annotations

from typing import Any

from cutsim.model import fmt
from cutsim.model.safetext import terminal_safe


def _per_resident(value: float | None, doc: dict[str, Any]) -> float | None:
    pop = doc["place"].get("population")
    return None if value is None or not pop else value / pop


def _by_kind(doc: dict[str, Any]) -> dict[str, float]:
    """Report-year net saving (£) summed over agencies of each kind."""
    out: dict[str, float] = {}
    for a in doc["agencies"]:
        out[a["kind"]] = out.get(a["kind"], 0.0) + a["report_year"]["net_saving"]
    return out


def _outcome_key(o: dict[str, Any]) -> tuple[str, str]:
    ind = o.get("indicator") or {}
    if ind.get("set"):
        return "indicator", ind["code"]
    return "id", o["id"]


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The comparison as data: ``rows`` [{label, unit, a, b}], ``outcomes`` and ``warnings``."""
    warnings = []
    if a["place"]["price_year"] != b["place"]["price_year"]:
        warnings.append(f"price years differ ({a['place']['price_year']} and "
                        f"{b['place']['price_year']}): money is not in the same prices")
    if a["report"]["years_from_start"] != b["report"]["years_from_start"]:
        warnings.append("the two publications report at different points "
                        f"({a['report']['years_from_start']} and "
                        f"{b['report']['years_from_start']} years from the start)")
    for d in (a, b):
        if not d["place"].get("population"):
            warnings.append(f"{d['place']['name']}: no population, so no per-resident figures")
    pa, pb = a["place_money"], b["place_money"]
    rows = [
        {"label": "Net saving to the place, reporting year", "unit": "£ per resident",
         "a": _per_resident(pa["report_year"]["net_saving"], a),
         "b": _per_resident(pb["report_year"]["net_saving"], b)},
        {"label": "Net saving over the horizon", "unit": "£ per resident",
         "a": _per_resident(pa["total"]["net_saving"], a),
         "b": _per_resident(pb["total"]["net_saving"], b)},
        {"label": "Net present value", "unit": "£ per resident",
         "a": _per_resident(pa["npv"], a), "b": _per_resident(pb["npv"], b)},
        {"label": "Costs shifted between agencies", "unit": "£ per resident",
         "a": _per_resident(sum(c["amount"] for c in a["cost_shift"] if c["between_agencies"]), a),
         "b": _per_resident(sum(c["amount"] for c in b["cost_shift"] if c["between_agencies"]), b)},
    ]
    ka, kb = _by_kind(a), _by_kind(b)
    for kind in sorted(set(ka) | set(kb)):
        rows.append({"label": f"Net saving, {kind} agencies, reporting year",
                     "unit": "£ per resident",
                     "a": _per_resident(ka.get(kind), a), "b": _per_resident(kb.get(kind), b)})
    oa = {_outcome_key(o): o for o in a["outcomes"]}
    ob = {_outcome_key(o): o for o in b["outcomes"]}
    outcomes = []
    for key in [k for k in oa if k in ob]:
        x, y = oa[key], ob[key]
        outcomes.append({"match": key[0], "key": key[1], "name_a": x["name"], "name_b": y["name"],
                         "a": x["change_per_1000_residents"], "b": y["change_per_1000_residents"],
                         "direction_a": x["direction"], "direction_b": y["direction"]})
    if any(o["match"] == "id" for o in outcomes):
        warnings.append("some outcomes are matched by id, not by a public indicator code: "
                        "check that they measure the same thing")
    unmatched = len(oa) + len(ob) - 2 * len(outcomes)
    return {"a": _summary(a), "b": _summary(b), "rows": rows, "outcomes": outcomes,
            "unmatched_outcomes": unmatched, "warnings": warnings}


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"place": doc["place"]["name"], "population": doc["place"].get("population"),
            "price_year": doc["place"]["price_year"], "scenario": doc["scenario"]["name"],
            "report_date": doc["report"]["date"], "schema_version": doc["schema_version"]}


def _cell(value: float | None, money: bool) -> str:
    if value is None:
        return "n/a"
    return fmt.resident_money(value) if money else fmt.resident_number(value)


def _count(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_table(comparison: dict[str, Any]) -> str:
    """The comparison as a plain-text table for the terminal."""
    a, b = comparison["a"], comparison["b"]
    rows: list[tuple[str, ...]] = [("", a["place"], b["place"]),
            ("Scenario", a["scenario"], b["scenario"]),
            ("Residents", _count(a["population"]), _count(b["population"])),
            ("Prices (year)", str(a["price_year"]), str(b["price_year"])),
            ("Reporting date", a["report_date"], b["report_date"])]
    rows += [(f"{r['label']} ({r['unit']})", _cell(r["a"], True), _cell(r["b"], True))
             for r in comparison["rows"]]
    if comparison["outcomes"]:
        rows.append(("Outcome change by the reporting date, per 1,000 residents:", "", ""))
    for o in comparison["outcomes"]:
        label = f"  {o['name_a']} [{o['key']}]"
        rows.append((label, f"{_cell(o['a'], False)} {o['direction_a']}",
                     f"{_cell(o['b'], False)} {o['direction_b']}"))
    rows = [tuple(terminal_safe(cell) for cell in row) for row in rows]  # names from files
    w0 = min(64, max(len(r[0]) for r in rows))
    w1 = max(len(r[1]) for r in rows[1:])
    lines = [f"{_fit(r[0], w0):<{w0}}  {r[1]:>{w1}}  {r[2]}" for r in rows]
    if comparison["unmatched_outcomes"]:
        lines.append(f"{comparison['unmatched_outcomes']} outcome(s) had no match in the other place.")
    lines += [f"warning: {terminal_safe(w)}" for w in comparison["warnings"]]
    return "\n".join(lines) + "\n"
