"""The validator finds every problem and names where each one is."""

from __future__ import annotations

from support.small_model import EXAMPLE

import cutsim
from cutsim.model.schema import CutsimFile
from cutsim.model.validation import validate_file


def problems(doc: dict) -> list[str]:
    return [str(p) for p in validate_file(CutsimFile.model_validate(doc))]


def test_the_small_model_is_valid(small_doc: dict) -> None:
    assert problems(small_doc) == []


def test_every_problem_is_reported_with_its_location(small_doc: dict) -> None:
    model = small_doc["model"]
    model["services"][0]["unit_cost"] = -5
    model["services"][1]["baseline_spend"] = 0
    model["effects"][0]["low"] = 0.0  # above per_unit -0.5
    model["effects"][0]["delay_years"] = -1
    model["effects"][0]["confidence"] = 6
    model["demands"][0]["service"] = "youth"  # discretionary
    model["agencies"][1]["id"] = "place"
    found = problems(small_doc)
    assert 'services[0] "youth": unit_cost must be > 0 (got -5)' in found
    assert 'services[1] "ae": baseline_spend must be > 0 (got 0)' in found
    assert 'effects[0] "e1": low <= per_unit <= high must hold (got 0, -0.5, -0.2)' in found
    assert 'effects[0] "e1": delay_years must be >= 0 (got -1)' in found
    assert 'effects[0] "e1": confidence must be between 1 and 5 (got 6)' in found
    assert any(p.startswith('demands[0] "d1": service "youth" is discretionary') for p in found)
    assert any(p.startswith('agencies[1] "place": id "place" is reserved') for p in found)
    # the agency "nhs" vanished, so the service that belongs to it dangles
    assert 'services[1] "ae": agency refers to agency "nhs", which does not exist' in found


def test_ids_are_slugs_and_unique(small_doc: dict) -> None:
    model = small_doc["model"]
    model["services"][1]["id"] = "youth"
    model["outcomes"][0]["id"] = "Offending!"
    found = problems(small_doc)
    assert 'services[1] "youth": id duplicates services[0]' in found
    assert any(p.startswith('outcomes[0] "Offending!": id must be 1-64 characters') for p in found)


def test_place_rules(small_doc: dict) -> None:
    place = small_doc["model"]["place"]
    place.update(horizon_years=0, steps_per_year=400, discount_rate=3.5)
    found = problems(small_doc)
    assert "place: horizon_years must be between 1 and 100 (got 0)" in found
    assert "place: steps_per_year must be between 1 and 365 (got 400)" in found
    assert any(p.startswith("place: discount_rate must be between 0 and 1") for p in found)


def test_scenario_levers_are_checked_against_the_model(small_doc: dict) -> None:
    levers = small_doc["scenarios"][0]["levers"]
    levers[0]["percent"] = 120
    levers.append({"id": "l2", "kind": "cut", "service": "nowhere", "amount": 5})
    levers.append({"id": "l3", "kind": "invest", "service": "youth", "percent": 5, "amount": 5})
    levers.append({"id": "l4", "kind": "pool", "services": ["youth"], "efficiency_percent": 5})
    small_doc["scenarios"][0]["red_lines"] = [{"outcome": "crime", "max_change": 5, "as": "percent"}]
    found = problems(small_doc)
    where = 'scenarios[0] "youth-cut"'
    assert f'{where} levers[0] "l1": percent must be between 0 and 100 (got 120)' in found
    assert f'{where} levers[1] "l2": service refers to service "nowhere", which does not exist' in found
    assert any(p.startswith(f'{where} levers[2] "l3": give exactly one of percent') for p in found)
    assert f'{where} levers[3] "l4": a pool needs services of two or more agencies' in found
    assert f'{where} red_lines[0]: outcome refers to outcome "crime", which does not exist' in found


def test_headline_year_defaults_to_the_fifth_year_and_must_lie_in_the_horizon():
    from cutsim.model.schema import Scenario, headline_year
    from cutsim.model.validation import validate_scenario

    model = cutsim.load(EXAMPLE).model
    assert headline_year(Scenario(id="s", name="s"), 10) == 4
    assert headline_year(Scenario(id="s", name="s"), 3) == 2
    assert headline_year(Scenario(id="s", name="s", headline_year=7), 10) == 7
    bad = Scenario(id="s", name="s", headline_year=model.place.horizon_years)
    problems = [str(p) for p in validate_scenario(model, bad, "scenarios[0]")]
    assert any("headline_year must be between 0 and 9" in p for p in problems), problems


def test_the_discount_schedule_and_terminal_years_are_checked(small_doc: dict) -> None:
    small_doc["model"]["place"]["discount_schedule"] = "annual"
    small_doc["model"]["place"]["terminal_years"] = 0
    found = problems(small_doc)
    assert 'place: discount_schedule must be "green_book" or "flat" (got "annual")' in found
    assert "place: terminal_years must be between 1 and 100 (got 0)" in found
    small_doc["model"]["place"].update(discount_schedule="flat", terminal_years=30)
    assert problems(small_doc) == []


def test_a_lever_starting_at_the_horizon_is_refused_with_its_location(small_doc: dict) -> None:
    # Its one-off cost would fall at t = H, outside every financial year of the appraisal.
    horizon = small_doc["model"]["place"].get("horizon_years", 10)
    lever = small_doc["scenarios"][0]["levers"][0]
    lever["start_year"] = horizon
    found = problems(small_doc)
    where = f'scenarios[0] "{small_doc["scenarios"][0]["id"]}" levers[0] "{lever["id"]}"'
    assert any(p.startswith(f"{where}: start_year must be before the end of the horizon")
               for p in found), found
    lever["start_year"] = horizon - 0.5  # starts inside the last year: counted
    assert problems(small_doc) == []
