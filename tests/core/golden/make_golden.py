"""Writes the golden files once; they are then kept as they are, to prove that later
readers still read them. Run only to add a file for a new format version:
``python tests/core/golden/make_golden.py``. Never regenerate an existing file."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for the support package

from support.small_model import SMALL_DOC  # noqa: E402

from cutsim.files import exchange  # noqa: E402

FULL_EXTRA = {
    "place": {"price_year": 2025, "population": 250000, "optimism_bias": {"1": 0.5, "5": 0.0},
              "local_multiplier": 1.6, "notes": "Figures are illustrative — Smallton is not real."},
    "agency": {"savings_target": [100000.0] * 10, "notes": "Ågency notes, UTF-8"},
}


def full_doc() -> dict:
    doc = copy.deepcopy(SMALL_DOC)
    model = doc["model"]
    model["place"].update(FULL_EXTRA["place"])
    model["agencies"][0].update(FULL_EXTRA["agency"])
    model["agencies"].append({"id": "police", "name": "Police", "kind": "police", "savings_target": 50000})
    model["services"].append({
        "id": "patrol", "agency": "police", "name": "Neighbourhood patrol", "baseline_spend": 2500000.5,
        "unit_cost": 55.25, "activity_unit": "hour", "mode": "discretionary", "statutory_floor": 0.2,
        "max_efficiency_percent": 5, "external_share": 0.3, "groups": ["older", "children"],
        "confidential": True, "illustrative": True, "source": "assumption", "notes": "n"})
    model["outcomes"].append({"id": "jobs", "name": "Local jobs", "unit": "jobs", "baseline": 100.5,
                              "higher_is_better": True, "indicator": "PHOF 1.08", "illustrative": True,
                              "source": "s", "notes": "n"})
    model["effects"].append({"id": "e2", "service": "patrol", "outcome": "offending", "per_unit": -0.01,
                             "low": -0.02, "high": 0, "delay_years": 0, "delay_order": 3, "confidence": 5,
                             "source": "s", "confidential": True, "illustrative": True, "notes": "n"})
    doc["scenarios"][0].update({"description": "d", "author": "A. Officer", "organisation": "Council",
                                "created": "2026-04-01T09:00:00+00:00"})
    doc["scenarios"].append({
        "id": "pooled", "name": "Pool and procure", "parent": "youth-cut",
        "red_lines": [{"outcome": "offending", "max_change": 5, "as": "percent", "by_year": 3}],
        "targets": [{"agency": "place", "amount": 200000, "from_year": 1}],
        "levers": [
            {"id": "p1", "kind": "pool", "services": ["youth", "patrol"], "efficiency_percent": 7.5,
             "reinvest": [{"service": "youth", "percent_of_saving": 25}],
             "gain_share": {"fixed": {"council": 0.6, "police": 0.4}}, "one_off_cost": 10000},
            {"id": "b1", "kind": "procure", "service": "patrol", "local_share_from": 0.2,
             "local_share_to": 0.5, "premium_percent": 2, "outcome": "jobs"},
            {"id": "i1", "kind": "invest", "service": "youth", "amount": 50000, "notice_months": 3,
             "one_off_cost": 0, "start_year": 1.5, "phase_years": 2, "note": "a ramp"},
        ]})
    return doc


def write(path: Path, doc: dict) -> None:
    exchange.write_file(path, exchange.load_document(copy.deepcopy(doc), path.name))


NEWER = exchange.FORMAT_VERSION + 1  # a format newer than this reader knows


def newer(doc: dict, min_reader: int) -> dict:
    doc = copy.deepcopy(doc)
    doc.update({"format_version": NEWER, "min_reader_version": min_reader,
                "attestations": [{"by": "council", "note": "…"}]})
    doc["model"]["services"][0]["carbon_tonnes"] = 12.5
    doc["scenarios"][0]["levers"][0]["evidence_url"] = "https://example.org/evidence"
    doc["provenance"] = {"author": "Future Tool", "created": "2030-01-01T00:00:00+00:00"}
    doc["sha256"] = exchange.canonical_sha256(doc)
    return doc


if __name__ == "__main__":
    v1 = HERE / "v1"
    minimal = copy.deepcopy(SMALL_DOC)
    del minimal["scenarios"]
    del minimal["model"]["effects"], minimal["model"]["demands"]
    (v1 / "minimal-handwritten.cutsim").write_text(json.dumps(minimal, indent=2) + "\n", encoding="utf-8")
    write(v1 / "small.cutsim", SMALL_DOC)
    write(v1 / "full.cutsim", full_doc())
    (HERE / f"v{NEWER}").mkdir(exist_ok=True)
    for n in (1, NEWER):
        path = HERE / f"v{NEWER}" / f"format{NEWER}-min-reader{n}.cutsim"
        path.write_text(json.dumps(newer(SMALL_DOC, n), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
