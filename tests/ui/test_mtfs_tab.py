"""The MTFS tab shows the core's plan: the next five financial years in cash by default,
terms and years chosen, agency picker, slippage, the warnings banner, the savings
programme and the CSV export."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cutsim.appraise.mtfs import DEFAULT_YEARS, build_plan
from cutsim.appraise.mtfs_export import shown_lines
from cutsim.files import exchange
from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.results.dock import ResultsDock
from ui.results.mtfs import proposal_name
from ui.run_controller import RunController

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"

# A council whose reserves (£9m, minimum balance £3m) run out in 2029-30 in cash: the
# hand-checked fixture of docs/mtfs.md, with a two-proposal savings programme.
BOROUGH = {
    "format": "cutsim", "format_version": 3,
    "model": {
        "place": {"name": "Hand-checked borough", "base_year": 2026, "horizon_years": 8,
                  "steps_per_year": 1},
        "agencies": [{
            "id": "council", "name": "Borough council", "kind": "council",
            "inflation_percent": 2.0, "reserves": 9_000_000.0, "minimum_balance": 3_000_000.0,
            "council_tax": {"tax_base": 40_000.0, "band_d": 2_000.0, "increase_percent": 2.99,
                            "asc_precept_percent": 2.0, "authority_class": "social_care"},
            "funding_lines": [
                {"id": "nndr", "name": "Retained business rates", "kind": "business_rates",
                 "amount": 20_000_000.0, "growth_percent": 2.0},
                {"id": "rsg", "name": "Revenue support grant", "kind": "settlement_grant",
                 "amount": 10_000_000.0},
                {"id": "fees", "name": "Library and room hire fees", "kind": "fees_and_charges",
                 "amount": 6_000_000.0}],
            "pressures": {"pay_share": 0.6, "pay_award_percent": 3.0,
                          "contract_inflation_percent": 2.0}}],
        "services": [
            {"id": "care", "agency": "council", "name": "Care", "baseline_spend": 110_000_000.0,
             "unit_cost": 1000.0, "activity_unit": "care weeks", "mode": "discretionary",
             "demand_growth_percent": 4.0, "fte": 400.0},
            {"id": "libraries", "agency": "council", "name": "Libraries",
             "baseline_spend": 6_000_000.0, "unit_cost": 10.0, "activity_unit": "visits",
             "mode": "discretionary", "fte": 80.0}],
        "outcomes": [{"id": "need", "name": "Unmet need", "unit": "people", "baseline": 100.0,
                      "higher_is_better": False}],
    },
    "scenarios": [{"id": "saving", "name": "Save on care and libraries", "levers": [
        {"kind": "cut", "id": "cut-care", "service": "care", "amount": 2_000_000.0,
         "start_year": 1.0, "directorate": "Adults", "owner": "Director of adult services",
         "status": "amber"},
        {"kind": "cut", "id": "cut-libraries", "service": "libraries", "percent": 10.0,
         "start_year": 0.0, "directorate": "Communities", "owner": "Head of libraries",
         "status": "green"}]}],
}


def _dock(qtbot, file):
    document = DocumentController(file)
    controller = RunController(document)
    dock = ResultsDock(document, controller)
    qtbot.addWidget(dock)
    dock.resize(1200, 800)
    dock.show()
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    dock.tabs.setCurrentWidget(dock.mtfs)
    qtbot.waitUntil(lambda: dock.mtfs.model.has_rows(), timeout=10000)
    return controller, dock


@pytest.fixture
def results(qtbot):
    controller, dock = _dock(qtbot, read_file(EXAMPLE))
    yield controller, dock
    controller.shutdown()


@pytest.fixture
def borough(qtbot):
    controller, dock = _dock(qtbot, exchange.load_document(copy.deepcopy(BOROUGH)))
    yield controller, dock
    controller.shutdown()


def _row(model, label: str) -> int:
    return next(r for r in range(model.rowCount())
                if model.headerData(r, Qt.Orientation.Vertical) == label)


def _labels(model) -> list[str]:
    return [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]


def test_the_council_plan_equals_the_core(qtbot, results, tmp_path: Path):
    controller, dock = results
    page = dock.mtfs
    page.agency.setCurrentIndex(page.agency.findData("council"))
    # The default: the next five financial years, in cash.
    assert page.cash.isChecked() and page.years.value() == DEFAULT_YEARS
    assert page.years.maximum() == len(controller.result.years)
    plan = build_plan(controller.result, cash=True).span(DEFAULT_YEARS)
    assert page.model.columnCount() == DEFAULT_YEARS
    council = next(a for a in plan.agencies if a.agency == "council")
    row = _row(page.model, "Gap before savings")
    for y in range(len(plan.years)):
        assert page.model.raw(row, y) == council.lines["gap_before_savings"][y]
    assert page.model.rowCount() > len(shown_lines(council.lines))  # the grant lines follow
    page.cash.setChecked(False)
    page.years.setValue(page.years.maximum())
    real = next(a for a in build_plan(controller.result).agencies if a.agency == "council")
    assert page.model.columnCount() == len(controller.result.years)
    row = _row(page.model, "Planned savings")
    assert page.model.raw(row, 7) == pytest.approx(real.lines["planned_savings"][7])
    page.slippage.setValue(50.0)
    row = _row(page.model, "Gap if savings slip")
    assert page.model.raw(row, 4) > page.model.raw(_row(page.model, "Gap after savings"), 4)
    page.agency.setCurrentIndex(page.agency.findData("police"))  # no proposals of its own
    assert not page.programme_model.has_rows() and page.programme_view.isHidden()
    assert "has no savings proposals" in page.programme_caption.text()
    out = tmp_path / "plan.csv"
    page.model.to_csv(out)
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0][0] == "line" and rows[0][1] == plan.years[0]
    assert all(cell.count(".") == 1 for cell in rows[1][1:])  # pounds and pence


def test_a_council_that_runs_out_of_reserves_shows_the_warnings_and_its_programme(
        qtbot, borough, tmp_path: Path):
    controller, dock = borough
    page = dock.mtfs
    page.agency.setCurrentIndex(page.agency.findData("council"))
    plan = build_plan(controller.result, cash=True).span(DEFAULT_YEARS)
    assert {w.kind for w in plan.warnings} >= {"below_minimum_balance", "unfunded_gap"}
    qtbot.waitUntil(page.banner.isVisible, timeout=5000)
    text = page.banner.text()
    assert "Borough council: the plan does not balance in 2029-30" in text
    assert "section 114 of the Local Government Finance Act 1988" in text
    assert "below the minimum balance" in text
    assert text.count("Warning: ") == len(plan.warnings)
    assert page.banner.accessibleName() == "Plan warnings"
    # The table shows the optional lines the plan uses and hides those that are all zero.
    labels = _labels(page.model)
    council = plan.agencies[0]
    assert "Unfunded gap after reserves" in labels and "  Council tax" in labels
    assert "  Levies" not in labels and "Extra council tax (paid by residents)" not in labels
    assert len(labels) == len(shown_lines(council.lines))
    unfunded = _row(page.model, "Unfunded gap after reserves")
    assert page.model.raw(unfunded, 3) == council.lines["unfunded_gap"][3] > 0
    # The savings programme: each proposal with its directorate, owner, status and FTE.
    page.sub_tabs.setCurrentIndex(1)
    qtbot.waitUntil(page.programme_view.isVisible, timeout=5000)
    model = page.programme_model
    assert page.tables[0] is model  # Export table writes the programme shown
    names = _labels(model)
    for proposal in council.programme:
        r = names.index(proposal_name(proposal))
        assert names[r].lower() == proposal["name"].lower()
        assert [model.data(model.index(r, c)) for c in range(3)] == [
            proposal["directorate"], proposal["owner"], proposal["status"]]
        assert model.raw(r, 3) == proposal["fte"] > 0
        assert [model.raw(r, 4 + y) for y in range(DEFAULT_YEARS)] == list(proposal["saving"])
    assert {"Total, directorate: Adults", "Total, directorate: Communities",
            "Total, status: amber", "Total, status: green"} <= set(names)
    line = names.index("Planned savings (the plan's line)")
    for key in ("directorate", "status"):
        totals = [r for r, name in enumerate(names) if name.startswith(f"Total, {key}:")]
        for y in range(DEFAULT_YEARS):
            assert sum(model.raw(r, 4 + y) for r in totals) == pytest.approx(
                model.raw(line, 4 + y), rel=1e-12)
    assert model.raw(line, 4 + 2) == council.lines["planned_savings"][2]
    assert "Savings programme of Borough council" in page.programme_caption.text()
    out = tmp_path / "programme.csv"
    model.to_csv(out)
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["proposal", "directorate", "owner", "status", "fte", *plan.years]
    assert rows[1][:4] == [names[0], *(model.data(model.index(0, c)) for c in range(3))]
    assert rows[-1][0] == "Planned savings (the plan's line)" and rows[-1][4] == ""
    assert all(cell.count(".") == 1 for cell in rows[1][5:])  # pounds and pence
    # Real terms: the reserves last a year longer, so 2029-30 balances.
    page.cash.setChecked(False)
    assert "does not balance in 2029-30" not in page.banner.text()
    assert "does not balance in 2030-31" in page.banner.text()
    # Three years shown: no year of the plan runs out of reserves, so no banner.
    page.years.setValue(3)
    qtbot.waitUntil(lambda: not page.banner.isVisible(), timeout=5000)
    assert page.banner.text() == "" and page.model.columnCount() == 3


def test_no_warnings_no_banner(qtbot):
    doc = copy.deepcopy(BOROUGH)
    council = doc["model"]["agencies"][0]
    council.update(reserves=1_000_000_000.0, minimum_balance=0.0)
    council["council_tax"].update(increase_percent=1.99, asc_precept_percent=1.0)
    controller, dock = _dock(qtbot, exchange.load_document(doc))
    try:
        page = dock.mtfs
        assert build_plan(controller.result, cash=True).warnings == []
        qtbot.waitUntil(lambda: page.programme_model.has_rows(), timeout=5000)
        assert page.banner.isHidden() and page.banner.text() == ""
        assert page.model.has_rows()
    finally:
        controller.shutdown()


def test_the_example_with_its_council_reserves_spent(qtbot):
    """The example place with a council of small reserves and a rated programme: the
    banner names the council's unbalanced years; the programme lists both proposals."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.pop("sha256", None)
    doc["format_version"] = max(3, doc["format_version"])
    council = next(a for a in doc["model"]["agencies"] if a["id"] == "council")
    council["reserves"] = 1_000_000.0
    scenario = next(s for s in doc["scenarios"] if s["id"] == "youth-cut")
    for lever, status in zip(scenario["levers"], ("amber", "red")):
        lever.update(directorate="Children's services", owner="Director of children's services",
                     status=status)
    doc["scenarios"] = [scenario] + [s for s in doc["scenarios"] if s is not scenario]
    controller, dock = _dock(qtbot, exchange.load_document(doc))
    try:
        page = dock.mtfs
        page.agency.setCurrentIndex(page.agency.findData("council"))
        qtbot.waitUntil(page.banner.isVisible, timeout=5000)
        plan = build_plan(controller.result, cash=True).span(DEFAULT_YEARS)
        mine = [w for w in plan.warnings if w.agency == "council"]
        assert mine and all(f"Warning: {w.message}" in page.banner.text() for w in mine)
        assert "the plan does not balance in" in page.banner.text()
        names = _labels(page.programme_model)
        programme = next(a for a in plan.agencies if a.agency == "council").programme
        assert [proposal_name(p) for p in programme] == names[:len(programme)]
        assert page.programme_model.data(page.programme_model.index(1, 2)) == "red"
    finally:
        controller.shutdown()
