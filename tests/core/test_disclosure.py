"""Disclosure control: no confidential figure can be worked out from published totals.

The outsider here is the worst case: they know every named service's own money exactly,
every year and series, and subtract it from each published agency total.
"""

from __future__ import annotations

import csv
import io
import json
import math
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
from cutsim.model.disclosure import (
    GRID_RATIO,
    MARGIN,
    P_PERCENT,
    agency_scales,
    scale_for_anchor,
)
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
                 floor: float, k: float) -> None:
    """What an outsider derives (total − named items) is k × the confidential part, and
    more than p % away from it."""
    residual = published_total - float(named.sum())
    truth = float(secret.sum())
    assert residual == pytest.approx(k * truth, rel=1e-9, abs=1e-6 * max(1.0, floor * 1e9)), what
    if abs(truth) >= floor:
        assert abs(residual - truth) > P_PERCENT / 100.0 * abs(truth), (
            f"{what}: total − named items = {residual:,.2f} is within {P_PERCENT} % of the "
            f"confidential amount {truth:,.2f}")


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
    scales = agency_scales(model)
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
        k = scales[agency["id"]].factor
        assert 0.0 < k < 1.0 - P_PERCENT / 100.0
        for s in SERIES:
            for y, label in enumerate(doc["years"]):
                published = agency["annual"][s][y]
                _assert_safe(f"{agency['id']} {s} {label}", published, money[s][named, y],
                             money[s][secret, y], floor, k)
                # The CSV shows the same (protected) figure.
                row = next(r for r in rows if r["agency_id"] == agency["id"] and r["year"] == label)
                assert float(row[s]) == published
                # The place total gives back only the agency's published figure.
                others = sum(a["annual"][s][y] for a in doc["agencies"] if a is not agency)
                assert doc["place_money"]["annual"][s][y] - others == pytest.approx(
                    published, abs=1e-6 * float(spend.sum()))
            _assert_safe(f"{agency['id']} {s} total", agency["total"][s],
                         money[s][named].sum(axis=1), money[s][secret].sum(axis=1), floor, k)
        _assert_safe(f"{agency['id']} npv", agency["npv"], money["net_saving"][named] @ factors,
                     money["net_saving"][secret] @ factors, floor, k)
        _assert_safe(f"{agency['id']} baseline", agency["baseline_spend"], spend[named],
                     spend[secret], floor, k)
        # Cost shifts borne by the agency add up to its published knock-on cost.
        borne = [c["amount"] for c in doc["cost_shift"] if c["to"] == agency["id"]]
        if borne:
            assert sum(borne) == pytest.approx(agency["total"]["knock_on_cost"], abs=1e-3)
        # The workshop shows the same figures as the publication.
        run = project.run(scenario_id)
        shown = protected_agency_annual(project.compiled, run.scenario, run.agency_annual)
        index = [a["id"] for a in doc["agencies"]].index(agency["id"])
        assert list(shown["net_saving"][index]) == agency["annual"]["net_saving"]


def _published_cells(project, scenario_id: str, agency: str):
    """(rows W (cells × confidential services), published confidential parts R′, truth)
    for every published money cell of ``agency``: each series in each year and over the
    horizon, the NPV and the baseline budget. W holds each confidential service's money in
    the cell per £ of its baseline spend: the shape of its money, which the attacker is
    assumed to know exactly (ramps, a pool's percentage, a partner's ratios); only the
    level (the spend) is unknown."""
    model = project.model
    doc, _, _ = render_all(project, scenario_id, draws=None)
    money = _per_service(project, scenario_id)
    published = next(a for a in doc["agencies"] if a["id"] == agency)
    mine = [i for i, s in enumerate(model.services) if s.agency == agency]
    named = [i for i in mine if not model.services[i].confidential]
    secret = [i for i in mine if model.services[i].confidential]
    spend = np.array([s.baseline_spend for s in model.services])
    factors = appraisal.discount_factors(model.place.horizon_years, model.place.discount_rate)
    rows, shown = [], []

    def cell(per_service: np.ndarray, value: float) -> None:
        rows.append(per_service[secret] / spend[secret])
        shown.append(value - float(per_service[named].sum()))

    for s in SERIES:
        for y in range(len(doc["years"])):
            cell(money[s][:, y], published["annual"][s][y])
        cell(money[s].sum(axis=1), published["total"][s])
    cell(money["net_saving"] @ factors, published["npv"])
    cell(spend, published["baseline_spend"])
    return np.array(rows), np.array(shown), spend[secret], doc


def _solve(rows: np.ndarray, shown: np.ndarray, low: float, high: float) -> list[tuple[float, float]]:
    """The attacker's LP: confidential spends s ≥ 0 and t = 1/k with W·s = t·R′ for every
    published cell and the anchor Σ s in [low, high] (all the rule lets them know). Returns
    each service's (min, max) spend consistent with everything published."""
    from scipy.optimize import linprog

    n = rows.shape[1]
    # A cell with no confidential money is nothing to solve (its published part is £0 to
    # round-off; more would be a leak of something the rows do not model).
    keep = np.any(rows != 0.0, axis=1)
    assert np.all(np.abs(shown[~keep]) <= 1e-6), shown[~keep]
    a_eq = np.hstack([rows, -shown[:, None]])[keep]
    a_eq = a_eq / np.abs(a_eq[:, :n]).max(axis=1, keepdims=True)
    # Equalities to within the round-off of £ figures (a billionth of the anchor).
    tol = 1e-9 * high
    a_ub = np.vstack([a_eq, -a_eq, [[-1.0] * n + [0.0], [1.0] * n + [0.0]]])
    b_ub = np.concatenate([np.full(2 * len(a_eq), tol), [-low, high]])
    out = []
    for j in range(n):
        c = np.zeros(n + 1)
        c[j] = 1.0
        lo = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * (n + 1), method="highs")
        hi = linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * (n + 1), method="highs")
        assert lo.status == 0 and hi.status == 0, (lo.message, hi.message)
        out.append((float(lo.fun), float(-hi.fun)))
    return out


@pytest.mark.parametrize(("path", "scenario_id"), CASES, ids=[f"{p.stem}:{s}" for p, s in CASES])
def test_the_inversion_solver_cannot_pin_a_confidential_figure(path: Path, scenario_id: str) -> None:
    """docs/signing.md's attacker, as a linear programme over every published cell of the
    agency: each confidential service's level stays within no narrower than the grid's
    factor of 1.25, the truth among the answers, and the estimate the publication itself
    suggests (the published part taken at face value) more than 10 % out."""
    project = cutsim.load(path)
    scales = agency_scales(project.model)
    for agency, scale in scales.items():
        if not scale.scaled:
            continue
        rows, shown, truth, _ = _published_cells(project, scenario_id, agency)
        # What the rule tells the attacker: the anchor's grid cell, from the published anchor.
        low = scale.published_anchor / ((1 - P_PERCENT / 100) * (1 - MARGIN))
        assert low == pytest.approx(scale.low, rel=1e-12)
        for (lo, hi), true_spend, face in zip(_solve(rows, shown, low, GRID_RATIO * low), truth,
                                              truth * scale.factor):
            assert lo <= true_spend * (1 + 1e-9) and true_spend <= hi * (1 + 1e-9)
            # Never narrower than the grid's factor (a service the cells do not separate
            # from the others can be anything from nothing up).
            assert hi >= GRID_RATIO * lo * (1 - 1e-6), (agency, lo, hi)
            assert abs(face - true_spend) > P_PERCENT / 100 * true_spend


def test_the_solver_does_pin_a_figure_rounded_cell_by_cell() -> None:
    """The solver is not toothless: with each cell's confidential part rounded on its own
    (the rule cutsim used before), the pooled budget's year-0, year-1 and ten-year cells
    and the ramp pin the home-care level well inside the band they each promise."""
    project = cutsim.load(REPO / "scenarios" / "pooled-health-care.cutsim")
    rows, _, truth, _ = _published_cells(project, "bcf-benefit", "council")
    from scipy.optimize import linprog

    level = truth[0]  # home care's spend; its money is rows[:, 0] × level
    cells = [0, 1, 10]  # planned saving: year 0, year 1, the ten-year total (rows' order)
    base = {0: 100_000.0, 1: 200_000.0, 10: 2_000_000.0}
    a_ub, b_ub = [], []
    for c in cells:
        true_part = rows[c, 0] * level
        rounded = round(true_part / base[c]) * base[c]
        if abs(rounded - true_part) <= 0.1 * abs(true_part):  # the old rule's far candidate
            rounded += base[c] if rounded < true_part else -base[c]
        a_ub += [[rows[c, 0]], [-rows[c, 0]]]
        b_ub += [rounded + base[c], -(rounded - base[c])]
    lo = linprog([1.0], A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)], method="highs")
    hi = linprog([-1.0], A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)], method="highs")
    width = (-hi.fun - lo.fun) * 0.04  # in £ of the £880,000 saving
    assert width < 2 * 200_000  # narrower than the ±£200,000 the old text promised


def test_the_pooled_budget_ramp_and_ratio_attack_no_longer_pins_home_care() -> None:
    """The issue's second case: the council's year-0, year-1 and ten-year planned-saving
    cells with the partner's published ramp (the NHS's year-0/year-1 ratio) pinned the
    hidden £880,000 to about ±1 %. Now the three cells agree exactly on one scaled level,
    and the rule leaves it anywhere in a range a factor of 1.25 wide."""
    project = cutsim.load(REPO / "scenarios" / "pooled-health-care.cutsim")
    model = project.model
    doc, _, _ = render_all(project, "bcf-benefit", draws=None)
    council = next(a for a in doc["agencies"] if a["id"] == "council")
    nhs = next(a for a in doc["agencies"] if a["id"] == "nhs")
    named = [s["id"] for s in doc["services"] if s["agency"] == "council"]
    per = _per_service(project, "bcf-benefit")["planned_saving"]
    idx = [i for i, s in enumerate(model.services) if s.id in named]
    ramp = nhs["annual"]["planned_saving"][0] / nhs["annual"]["planned_saving"][1]
    r0 = council["annual"]["planned_saving"][0] - per[idx, 0].sum()
    r1 = council["annual"]["planned_saving"][1] - per[idx, 1].sum()
    total = council["total"]["planned_saving"] - per[idx].sum()
    horizon = len(doc["years"])
    # The cells are consistent: each gives the same level (no intersection to narrow).
    assert r0 / ramp == pytest.approx(r1, rel=1e-9)
    assert total / (ramp + horizon - 1) == pytest.approx(r1, rel=1e-9)
    hidden = 0.04 * model.service("home_care").baseline_spend
    assert hidden == pytest.approx(880_000)
    assert abs(r1 - hidden) > P_PERCENT / 100 * hidden  # the face value is > 10 % out
    # All the attacker can add is the rule: k lies in ((1−p)(1−margin)/R, (1−p)(1−margin)].
    k_high = (1 - P_PERCENT / 100) * (1 - MARGIN)
    low, high = r1 / k_high, r1 / (k_high / GRID_RATIO)
    assert low <= hidden < high and high / low == pytest.approx(GRID_RATIO)
    assert "not exact" in doc["redacted"]["note"]


def _consultation_with_hidden_cut():
    from cutsim.levers.kinds import CutLever

    project = cutsim.load(REPO / "scenarios" / "budget-consultation.cutsim")
    scenario = project.scenario("budget-consultation")
    hidden = CutLever(id="hc", kind="cut", service="home_care", percent=5.0, start_year=0)
    scenario = scenario.model_copy(update={"levers": [*scenario.levers, hidden]})
    project.file.scenarios[:] = [scenario]
    return project, scenario


def test_a_consultation_page_does_not_give_a_hidden_cut_away() -> None:
    """The issue's first case: a confidential service's cut in the scenario, not offered.
    The page's data with every offered lever at 0 held the council's planned saving as
    1,099,999.9999999998, the confidential cut; now it holds it scaled, with a note."""
    import json
    import re

    from cutsim.consult.offer import build_offer
    from cutsim.consult.page import render

    project, scenario = _consultation_with_hidden_cut()
    hidden = 0.05 * project.model.service("home_care").baseline_spend
    assert hidden == pytest.approx(1_100_000)
    exact = project.run(scenario.model_copy(update={"levers": scenario.levers[-1:]}))
    council = list(project.compiled.agency_ids).index("council")
    assert exact.agency_annual["planned_saving"][council][2] == pytest.approx(hidden)
    offer = build_offer(project, scenario)
    zero = offer.layout.unflatten(offer.evaluate({t.lever_id: 0.0 for t in offer.terms}))
    k = agency_scales(project.model)["council"].factor
    for value in zero["annual"]["council"]["planned_saving"][1:]:
        assert value == pytest.approx(k * hidden, rel=1e-9)
        assert abs(value - hidden) > P_PERCENT / 100 * hidden
    html = render(project, scenario.id)
    data = json.loads(re.search(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>',
                                html, re.DOTALL).group(1))
    # No entry of the page's F₀ (every offered lever at its proposal's reference 0) is
    # within 10 % of the hidden cut.
    assert not any(abs(v - hidden) <= P_PERCENT / 100 * hidden for v in data["base"])
    service = project.model.service("home_care")
    assert service.name not in html and service.id not in html
    assert 'id="disclosure-note"' in html and "not exact" in html


def test_consult_refuses_a_confidential_lever_until_its_service_is_marked_public(tmp_path) -> None:
    from cutsim.cli import main

    _, scenario = _consultation_with_hidden_cut()
    block = scenario.consultation
    from cutsim.model.schema import OfferedLever

    offered = block.model_copy(update={"levers": [*block.levers, OfferedLever(
        lever="hc", min=0.0, max=10.0, step=0.5, explanation="home care")]})
    doc = json.loads((REPO / "scenarios" / "budget-consultation.cutsim").read_text("utf-8"))
    sc = doc["scenarios"][0]
    sc["levers"].append({"id": "hc", "kind": "cut", "service": "home_care", "percent": 5.0})
    sc["consultation"]["levers"].append(offered.levers[-1].model_dump(exclude_none=True))
    doc.pop("sha256", None)
    path = tmp_path / "offer.cutsim"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "page"
    import contextlib

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["consult", str(path), "--scenario", sc["id"], "-o", str(out)])
    assert code == 1 and not out.exists()
    assert '"hc"' in err.getvalue() and '"home_care"' in err.getvalue()
    assert '"confidential": false' in err.getvalue()
    # The owner marks it public: the page is written, and names it.
    next(s for s in doc["model"]["services"] if s["id"] == "home_care")["confidential"] = False
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["consult", str(path), "--scenario", sc["id"], "-o", str(out)]) == 0
    assert "Home care for older people" in (out / "index.html").read_text("utf-8")


def test_the_place_chart_keeps_its_shape_in_the_youth_cut_publication() -> None:
    """Issue 31's flat chart: rounding the place's rate series to the council's base
    (£10m) made every point £0. The gate scales only the confidential part, so the chart
    shows the place's net saving over time, beside a visible note."""
    project = cutsim.load(REPO / "scenarios" / "youth-cut.cutsim")
    doc, result, files = render_all(project, "youth-cut-20", draws=None)
    rates = doc["place_money"]["net_saving_rate"]
    exact = result["place"]["net_saving"]
    assert len(set(rates)) > len(rates) // 2 and max(map(abs, rates)) > 100_000
    # Only the confidential part moves: the shape follows the engine's within that part.
    assert np.corrcoef(rates, exact)[0, 1] > 0.99
    assert "not exact" in files["index.html"]


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_redacted_totals_do_not_give_a_confidential_service_away(path: Path) -> None:
    original = exchange.read_file(path)
    sent = redact(original)
    scales = agency_scales(original.model)
    for placeholder in (s for s in sent.model.services if s.id.startswith("redacted-")):
        items = [s.baseline_spend for s in original.model.services
                 if s.confidential and s.agency == placeholder.agency]
        # The same figure the publication's baseline-budget cell gives an outsider.
        assert placeholder.baseline_spend == scales[placeholder.agency].published_anchor
        assert abs(placeholder.baseline_spend - sum(items)) > P_PERCENT / 100 * sum(items)


def test_the_rule_on_its_own() -> None:
    for anchor in (1.0, 7.3, 400_000.0, 28_000_000.0, 1.25 ** 70, 1.25 ** 70 * (1 + 1e-15)):
        scale = scale_for_anchor(anchor)
        assert scale.low <= anchor < scale.high == pytest.approx(GRID_RATIO * scale.low)
        assert abs(scale.published_anchor - anchor) > P_PERCENT / 100 * anchor
        assert 0.7 < scale.factor < 0.9
        # Every anchor in the same cell publishes the same figure (the cell is all one learns).
        for other in (scale.low, (scale.low + scale.high) / 2, scale.high * (1 - 1e-12)):
            assert scale_for_anchor(other).published_anchor == scale.published_anchor
    assert scale_for_anchor(0.0).suppressed


@pytest.mark.parametrize("scenario_id", ["youth-cut", "harbourside-centre"])
def test_the_areas_add_up_to_the_published_place_not_the_exact_one(scenario_id: str) -> None:
    """The areas' net saving and knock-on cost are published through the gate too: summed,
    they give the place's published figures, never the engine's exact ones (whose
    difference from the published place would give the confidential part back)."""
    from cutsim.levers.kinds import CutLever

    project = cutsim.load(REPO / "models" / "example-place-areas.cutsim")
    # A confidential cut beside the scenario's own levers, so that there is money to scale.
    hidden = CutLever(id="hc", kind="cut", service="home_care", percent=5.0, start_year=0)
    project.file.scenarios[:] = [
        s.model_copy(update={"levers": [*s.levers, hidden]}) if s.id == scenario_id else s
        for s in project.file.scenarios]
    doc, result, _ = render_all(project, scenario_id, draws=None)
    y = doc["report"]["years_from_start"] - 1
    place = doc["place_money"]["report_year"]
    exact = result["annual"]["place"]
    scale = 1e-9 * sum(s.baseline_spend for s in project.model.services)
    for key in ("net_saving", "knock_on_cost"):
        areas = math.fsum(a[key] for a in doc["areas"]["areas"])
        assert areas == pytest.approx(place[key], abs=scale * 10), key
        deciles = math.fsum(d[key] for d in doc["areas"]["by_deprivation"])
        assert deciles == pytest.approx(areas, abs=scale * 10)
    # The scaled part is material (a quarter or so of £1.1m), so the check can fail.
    assert abs(place["net_saving"] - exact["net_saving"][y]) > 100_000
