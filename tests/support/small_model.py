"""The small valid model the core tests start from, and the repository's paths.

A module of its own (not conftest) so that tests can import it by a name no other
test folder uses.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "example-place.cutsim"

SMALL_DOC = {
    "format": "cutsim",
    "format_version": 1,
    "model": {
        "place": {"name": "Smallton", "base_year": 2026, "horizon_years": 10, "steps_per_year": 12,
                  "discount_rate": 0.035},
        "agencies": [{"id": "council", "name": "Smallton Council", "kind": "council"},
                     {"id": "nhs", "name": "Smallton ICB", "kind": "nhs"}],
        "services": [
            {"id": "youth", "agency": "council", "name": "Youth service", "baseline_spend": 1000000,
             "unit_cost": 1000, "activity_unit": "place", "mode": "discretionary"},
            {"id": "ae", "agency": "nhs", "name": "A&E", "baseline_spend": 5000000,
             "unit_cost": 100, "activity_unit": "attendance", "mode": "demand_led"},
        ],
        "outcomes": [{"id": "offending", "name": "Offences", "unit": "offences", "baseline": 2000,
                      "higher_is_better": False, "value_per_unit": 1795}],
        "effects": [{"id": "e1", "service": "youth", "outcome": "offending", "per_unit": -0.5,
                     "low": -0.8, "high": -0.2, "delay_years": 1.0, "delay_order": 1,
                     "confidence": 3, "source": "test"}],
        "demands": [{"id": "d1", "outcome": "offending", "service": "ae", "per_unit": 0.1,
                     "low": 0.05, "high": 0.15, "confidence": 2, "source": "test"}],
    },
    "scenarios": [{"id": "youth-cut", "name": "Youth cut", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "percent": 20, "start_year": 0, "phase_years": 0}]}],
}
