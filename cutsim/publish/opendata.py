"""Open data: ``open-data.json`` (the whole document, schema ``cutsim-open-data``,
versioned by ``schema_version``; docs/open-data-schema.md) and one CSV per table.

Values are exact (the engine's floats, written with ``repr``); text cells that a
spreadsheet would run as a formula (starting ``= + - @``, also after blanks or in fullwidth
form, or with a tab, carriage return or newline) are prefixed with an apostrophe, the OWASP
defence against CSV injection; a field holding a carriage return or newline is quoted
(:mod:`cutsim.model.safecsv`, the one CSV writer).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cutsim.model.safecsv import csv_table, safe_cell

__all__ = ["CSV_FILES", "csv_table", "read_open_data", "safe_cell", "tables", "to_json"]


CSV_FILES = ("agencies.csv", "outcomes.csv", "services.csv", "cost_shift.csv",
             "commitments.csv", "equality.csv", "sources.csv")


def _indicator(o: dict[str, Any]) -> tuple[str | None, str | None]:
    ind = o.get("indicator") or {}
    return ind.get("code"), ind.get("set")


def tables(doc: dict[str, Any]) -> dict[str, str]:
    """Every CSV file's text, keyed by file name."""
    years = doc["years"]
    series = ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving")
    pop = doc["place"]["population"]
    money_rows = []
    for a in doc["agencies"] + [{"id": "place", "name": doc["place"]["name"], "kind": "place",
                                 "annual": doc["place_money"]["annual"],
                                 "illustrative": doc["place_money"]["illustrative"]}]:
        for y, label in enumerate(years):
            values = [a["annual"][s][y] for s in series]
            money_rows.append([a["id"], a["name"], a["kind"], label, *values,
                               values[-1] / pop if pop else None, a["illustrative"]])
    range_of = lambda o, q: (o["change_range"] or {}).get(q)  # noqa: E731
    return {
        "agencies.csv": csv_table(["agency_id", "agency_name", "agency_kind", "year", *series,
                              "net_saving_per_resident", "illustrative"], money_rows),
        "outcomes.csv": csv_table(
            ["outcome_id", "name", "unit", "indicator_code", "indicator_set", "higher_is_better",
             "baseline", "change", "change_p10", "change_p50", "change_p90", "level",
             "change_percent", "change_per_1000_residents", "direction", "confidence",
             "illustrative"],
            [[o["id"], o["name"], o["unit"], *_indicator(o), o["higher_is_better"], o["baseline"],
              o["change"], range_of(o, "p10"), range_of(o, "p50"), range_of(o, "p90"), o["level"],
              o["change_percent"], o["change_per_1000_residents"], o["direction"],
              o["confidence"], o["illustrative"]] for o in doc["outcomes"]]),
        "services.csv": csv_table(
            ["service_id", "agency_id", "name", "mode", "groups", "baseline_spend",
             "spend_change", "spend_change_percent", "activity_change", "activity_unit",
             "planned", "illustrative"],
            [[s["id"], s["agency"], s["name"], s["mode"], ";".join(s["groups"]),
              s["baseline_spend"], s["spend_change"], s["spend_change_percent"],
              s["activity_change"], s["activity_unit"], s["planned"], s["illustrative"]]
             for s in doc["services"]]),
        "cost_shift.csv": csv_table(
            ["from_agency", "to_agency", "amount", "per_resident", "between_agencies",
             "illustrative"],
            [[c["from"], c["to"], c["amount"], c["per_resident"], c["between_agencies"],
              c["illustrative"]] for c in doc["cost_shift"]]),
        "commitments.csv": csv_table(
            ["outcome_id", "outcome_name", "indicator_code", "kind", "max_change", "as",
             "by_year", "limit_level", "expected_level", "expected_to_hold",
             "first_breach_year", "illustrative"],
            [[c["outcome"], c["outcome_name"], (c["indicator"] or {}).get("code"), c["kind"],
              c["max_change"], c["as"], c["by_year"], c["limit_level"], c["expected_level"],
              c["expected_to_hold"], c["first_breach_year"], c["illustrative"]]
             for c in doc["commitments"]]),
        "equality.csv": csv_table(
            ["group", "services", "baseline_spend", "spend_change", "spend_change_percent",
             "outcomes_worse", "outcomes_better", "illustrative"],
            [[g["group"], ";".join(g["services"]), g["baseline_spend"], g["spend_change"],
              g["spend_change_percent"],
              ";".join(o["id"] for o in g["outcomes"] if o["direction"] == "worse"),
              ";".join(o["id"] for o in g["outcomes"] if o["direction"] == "better"),
              g["illustrative"]] for g in doc["equality"]["groups"]]),
        "sources.csv": csv_table(
            ["link_id", "kind", "from", "to", "citation", "confidence", "confidence_words",
             "delay_years", "illustrative"],
            [[s["id"], s["kind"], s["from"], s["to"], s["citation"], s["confidence"],
              s["confidence_words"], s["delay_years"], s["illustrative"]]
             for s in doc["sources"]]),
    }


def to_json(doc: dict[str, Any]) -> str:
    """The open-data document as JSON text (UTF-8, no NaN, stable key order)."""
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1) + "\n"


def read_open_data(path: str | Path) -> dict[str, Any]:
    """Read a publication's open-data.json, checking it is one (for compare-places)."""
    from cutsim.model.errors import InputError
    from cutsim.publish.figures import SCHEMA_NAME, SCHEMA_VERSION

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not readable open data ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_NAME:
        raise InputError(f"{path}: not a cutsim open-data file (no \"schema\": \"{SCHEMA_NAME}\")")
    major = str(doc.get("schema_version", "")).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"{path}: open-data schema_version {doc.get('schema_version')!r} is not "
                         f"readable by this cutsim (reads {SCHEMA_VERSION.split('.')[0]}.x)")
    return doc
