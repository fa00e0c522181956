"""Disclosure control: no confidential figure can be worked out from published totals.

The outsider here is the worst case: they know every named service's own money exactly,
every year and series, and subtract it from each published agency total.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import cutsim
from cutsim.appraise import appraisal
from cutsim.appraise.disclosure import protected_agency_annual
from cutsim.appraise.run import simulate_by_origin
from cutsim.engine.money import SERIES, service_money
from cutsim.files import exchange
from cutsim.files.redact import redact
from cutsim.levers.build import build_inputs
from cutsim.model.disclosure import MIN_GROUP, P_PERCENT, Cell, disclosed, is_sensitive, protect
from cutsim.model.materiality import materiality_floor
from cutsim.publish.build import render_all

REPO = Path(__file__).resolve().parents[2]
BUNDLED = sorted((REPO / "scenarios").glob("*.cutsim")) + [REPO / "models" / "example-place.cutsim"]
# Scenarios that change something (one with no lever has no money to publish).
CASES = [(path, s.id) for path in BUNDLED for s in exchange.read_file(path).scenarios
         if s.levers and any(svc.confidential for svc in exchange.read_file(path).model.services)]


def _per_service(project, scenario_id: str) -> dict[str, np.ndarray]:
    """Each service's own £ per year (S, H), straight from the engine."""
    cm = project.compiled
    inputs = build_inputs(cm, project.scenario(scenario_id))
    _, _, total = simulate_by_origin(cm, cm.central_params(), inputs)
    return {s: service_money(cm, inputs, total).annual[s][0] for s in SERIES}


def _assert_safe(what: str, published_total: float, named: np.ndarray, secret: np.ndarray,
                 floor: float) -> None:
    residual = published_total - float(named.sum())
    p = P_PERCENT / 100.0
    for c in secret:
        if abs(c) >= floor and c != 0.0:
            assert abs(residual - c) > p * abs(c), (
                f"{what}: total − named items = {residual:,.2f} is within {P_PERCENT} % of a "
                f"confidential item {c:,.2f}")


def test_the_bundled_examples_have_confidential_items() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize(("path", "scenario_id"), CASES, ids=[f"{p.stem}:{s}" for p, s in CASES])
def test_no_published_total_less_its_named_items_gives_a_confidential_item_away(
        path: Path, scenario_id: str) -> None:
    project = cutsim.load(path)
    model = project.model
    doc, result, files = render_all(project, scenario_id, draws=None)
    money = _per_service(project, scenario_id)
    floor = materiality_floor(model)
    factors = appraisal.discount_factors(model.place.horizon_years, model.place.discount_rate)
    spend = np.array([s.baseline_spend for s in model.services])
    rows = list(csv.DictReader(io.StringIO(files["agencies.csv"])))
    for agency in doc["agencies"]:
        mine = [i for i, s in enumerate(model.services) if s.agency == agency["id"]]
        named = [i for i in mine if not model.services[i].confidential]
        secret = [i for i in mine if model.services[i].confidential]
        # The engine's per-service money adds up to the agency's (the items are the right ones).
        for s in SERIES:
            np.testing.assert_allclose(money[s][mine].sum(axis=0), result["annual"]["agencies"][agency["id"]][s],
                               rtol=0, atol=1e-6 * max(1.0, float(spend.sum())))
        if not secret:
            continue
        for s in SERIES:
            for y, label in enumerate(doc["years"]):
                published = agency["annual"][s][y]
                _assert_safe(f"{agency['id']} {s} {label}", published, money[s][named, y],
                             money[s][secret, y], floor)
                # The CSV shows the same (protected) figure.
                row = next(r for r in rows if r["agency_id"] == agency["id"] and r["year"] == label)
                assert float(row[s]) == published
                # The place total gives back only the agency's published figure.
                others = sum(a["annual"][s][y] for a in doc["agencies"] if a is not agency)
                assert doc["place_money"]["annual"][s][y] - others == pytest.approx(
                    published, abs=1e-6 * float(spend.sum()))
            _assert_safe(f"{agency['id']} {s} total", agency["total"][s],
                         money[s][named].sum(axis=1), money[s][secret].sum(axis=1), floor)
        _assert_safe(f"{agency['id']} npv", agency["npv"], money["net_saving"][named] @ factors,
                     money["net_saving"][secret] @ factors, floor)
        _assert_safe(f"{agency['id']} baseline", agency["baseline_spend"], spend[named],
                     spend[secret], floor)
        # Cost shifts borne by the agency add up to its published knock-on cost.
        borne = [c["amount"] for c in doc["cost_shift"] if c["to"] == agency["id"]]
        if borne:
            assert sum(borne) == pytest.approx(agency["total"]["knock_on_cost"], abs=1e-3)
        # The workshop shows the same figures as the publication.
        run = project.run(scenario_id)
        shown = protected_agency_annual(project.compiled, run.scenario, run.agency_annual)
        index = [a["id"] for a in doc["agencies"]].index(agency["id"])
        assert list(shown["net_saving"][index]) == agency["annual"]["net_saving"]


def test_the_pooled_budget_no_longer_gives_the_home_care_saving_away() -> None:
    """The issue's case: planned saving + the named reinvestment lines = the hidden saving."""
    project = cutsim.load(REPO / "scenarios" / "pooled-health-care.cutsim")
    exact = project.run("bcf-benefit").to_json_dict()
    council = exact["annual"]["agencies"]["council"]["planned_saving"][4]
    doc, _, _ = render_all(project, "bcf-benefit", draws=None)
    lines = {s["id"]: s["spend_change"] for s in doc["services"]}
    home_care = 0.04 * project.model.service("home_care").baseline_spend  # the pool's 4 %
    # Before: exactly the home-care saving, £880,000.
    assert council + lines["reablement"] + lines["asc_prevention"] == pytest.approx(home_care, abs=1)
    published = next(a for a in doc["agencies"] if a["id"] == "council")["report_year"]["planned_saving"]
    derived = published + lines["reablement"] + lines["asc_prevention"]
    assert abs(derived - home_care) > P_PERCENT / 100 * home_care
    assert doc["redacted"]["disclosure"]["rounded"]["council"] > 0
    assert "rounded" in doc["redacted"]["note"]
    assert "rounded" in render_all(project, "bcf-benefit", draws=None)[2]["index.html"]


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_redacted_totals_do_not_give_a_confidential_service_away(path: Path) -> None:
    original = exchange.read_file(path)
    sent = redact(original)
    floor = materiality_floor(original.model)
    for placeholder in (s for s in sent.model.services if s.id.startswith("redacted-")):
        items = np.array([s.baseline_spend for s in original.model.services
                          if s.confidential and s.agency == placeholder.agency])
        _assert_safe(placeholder.id, placeholder.baseline_spend, np.zeros(0), items, floor)


def test_the_rule_on_its_own() -> None:
    # One item: the residual is the item, so the cell is rounded away from it.
    single = protect(Cell(1_290_258.0, 410_258.0, (880_000.0,)))
    assert single.rounded and not disclosed(single.residual, (880_000.0,))
    assert abs(single.residual - 880_000.0) <= 2 * single.base
    # Three items, none dominant: published exactly.
    spread = Cell(3_000_000.0, 0.0, (1_000_000.0, 1_100_000.0, 900_000.0))
    assert not is_sensitive(spread) and protect(spread).total == 3_000_000.0
    # Two items: a pair is always rounded (the threshold), even with no item within p %.
    pair = Cell(2_000_000.0, 0.0, (1_000_000.0, 1_000_000.0))
    assert MIN_GROUP == 3 and is_sensitive(pair) and protect(pair).rounded
    # One dominant item among three: the p % rule.
    dominant = Cell(1_030_000.0, 0.0, (1_000_000.0, 20_000.0, 10_000.0))
    assert is_sensitive(dominant) and not disclosed(protect(dominant).residual, dominant.confidential)
    # Immaterial items are not figures to protect.
    assert not is_sensitive(Cell(5.0, 5.0, (1e-12,)), floor=1e-6)
