"""The budget a council sets, in the model workbook: the agency plan columns, the Funding,
Council tax, Pressures, Named pressures and Earmarked reserves sheets and the savings
programme's Levers columns round-trip exactly; a broken cell on them is located and
nothing is imported."""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from support.strategies import budget_files

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.files.workbook import read_workbook, write_workbook
from cutsim.model.errors import InputError
from cutsim.model.validation import validate_file

EVERY_FIELD = {
    "format": "cutsim", "format_version": 3,
    "model": {
        "place": {"name": "Hand-written borough", "base_year": 2026, "horizon_years": 5,
                  "steps_per_year": 1},
        "agencies": [
            {"id": "council", "name": "Borough council", "kind": "council",
             "inflation_percent": 2.0, "funding_growth_percent": 1.5, "funding": 100_000_000.0,
             "reserves": 9_000_000.0, "minimum_balance": 3_000_000.0,
             "earmarked_reserves": [
                 {"name": "Insurance", "amount": 1_250_000.0, "purpose": "self-insured claims"},
                 {"name": "Transformation", "amount": 400_000.0, "purpose": "invest to save"}],
             "council_tax": {"tax_base": 40_000.0, "band_d": 2_000.0,
                             "tax_base_growth_percent": 0.8,
                             "increase_percent": [0.0, 2.99, 2.99, 1.99, 1.99],
                             "asc_precept_percent": 2.0, "authority_class": "social_care",
                             "limit_percent": 2.99, "total_limit_percent": 4.99,
                             "limit_pounds": 150.0, "collection_fund": [-250_000.0, 0.0, 0.0, 0.0, 0.0],
                             "source": "Council tax base return (CTB) 2025"},
             "funding_lines": [
                 {"id": "nndr", "name": "Retained business rates", "kind": "business_rates",
                  "amount": 20_000_000.0, "growth_percent": 2.0, "source": "NNDR1"},
                 {"id": "rsg", "name": "Revenue support grant", "kind": "settlement_grant",
                  "amount": [10_000_000.0, 10_100_000.0, 10_200_000.0, 10_300_000.0, 10_400_000.0]},
                 {"id": "phg", "name": "Public health grant", "kind": "specific_grant",
                  "amount": 5_000_000.0, "grant": "public_health_grant"},
                 {"id": "fees", "name": "Fees and charges", "kind": "fees_and_charges",
                  "amount": 3_000_000.0}],
             "pressures": {"pay_share": 0.6, "pay_award_percent": [0.0, 3.0, 2.5, 2.5, 2.0],
                           "contract_inflation_percent": 2.0, "levies": 1_500_000.0,
                           "named": [{"name": "National living wage",
                                      "amount": [0.0, 400_000.0, 800_000.0, 1_200_000.0, 1_600_000.0]},
                                     {"name": "Waste contract", "amount": 250_000.0}]}},
            {"id": "police", "name": "Police", "kind": "police",
             "funding": [5_000_000.0, 5_100_000.0, 5_200_000.0, 5_300_000.0, 5_400_000.0],
             "reserves": 2_000_000.0, "minimum_balance_percent": 3.0,
             # pressures given only by name: the Pressures row holds its defaults
             "pressures": {"named": [{"name": "Pension revaluation", "amount": 75_000.0}]}}],
        "services": [
            {"id": "care", "agency": "council", "name": "Care", "baseline_spend": 110_000_000.0,
             "unit_cost": 1000.0, "activity_unit": "care weeks", "mode": "discretionary",
             "demand_growth_percent": 4.0},
            {"id": "health", "agency": "council", "name": "Public health",
             "baseline_spend": 5_000_000.0, "unit_cost": 100.0, "activity_unit": "contacts",
             "mode": "discretionary", "funding_source": "public_health_grant"},
            {"id": "patrol", "agency": "police", "name": "Patrol", "baseline_spend": 6_000_000.0,
             "unit_cost": 100.0, "activity_unit": "hours", "mode": "discretionary"}],
        "outcomes": [{"id": "need", "name": "Unmet need", "unit": "people", "baseline": 100.0,
                      "higher_is_better": False}],
    },
    "scenarios": [{"id": "saving", "name": "Save on care", "levers": [
        {"kind": "cut", "id": "cut-care", "service": "care", "amount": 2_000_000.0,
         "start_year": 1.0, "delivery_confidence_percent": 80.0, "directorate": "Adults",
         "owner": "Director of adult services", "status": "amber"},
        {"kind": "council_tax", "id": "ct", "agency": "council", "percent": 1.0, "start_year": 1.0,
         "status": "green"},
        {"kind": "income", "id": "fees-up", "agency": "council", "line": "fees", "percent": 5.0,
         "directorate": "Place", "owner": "Head of commercial", "status": "delivered"}]}],
}


def _file():
    return exchange.load_document(copy.deepcopy(EVERY_FIELD))


def _book(tmp_path: Path) -> Path:
    path = tmp_path / "budget.xlsx"
    write_workbook(path, _file())
    return path


def test_a_model_with_every_budget_field_round_trips_exactly(tmp_path: Path) -> None:
    original = _file()
    back = read_workbook(_book(tmp_path))
    assert back.model == original.model
    assert back.scenarios == original.scenarios
    # and no field is left to a column of JSON text
    book = openpyxl.load_workbook(tmp_path / "budget.xlsx")
    as_json = {(sheet.title, head.value) for sheet in book.worksheets[2:]
               for head, unit in zip(sheet[1], sheet[2]) if "JSON" in (unit.value or "")}
    budget = {"Agencies", "Funding", "Council tax", "Pressures", "Named pressures",
              "Earmarked reserves"}
    assert {at for at in as_json if at[0] in budget} == {("Agencies", "short_name")}
    assert not {("Levers", f) for f in ("delivery_confidence_percent", "directorate", "owner",
                                        "status")} & as_json
    agencies = book["Agencies"]
    assert [c.value for c in agencies[1]][5:11] == [
        "inflation_percent", "funding", "funding_growth_percent", "reserves",
        "minimum_balance", "minimum_balance_percent"]
    assert agencies["G4"].value == "5000000; 5100000; 5200000; 5300000; 5400000"
    funding = book["Funding"]
    assert [c.value for c in funding[3]] == ["council", "nndr", "Retained business rates",
                                             "business_rates", 20_000_000, 2, None, "NNDR1"]
    assert funding.max_row == 6  # four lines after the two header rows
    tax = book["Council tax"]
    assert [c.value for c in tax[1]] == [
        "agency", "tax_base", "band_d", "tax_base_growth_percent", "increase_percent",
        "asc_precept_percent", "authority_class", "limit_percent", "total_limit_percent",
        "limit_pounds", "collection_fund", "source"]
    assert tax["E3"].value == "0; 2.99; 2.99; 1.99; 1.99"
    assert tax["K3"].value == "-250000; 0; 0; 0; 0"
    pressures = book["Pressures"]
    assert [c.value for c in pressures[4]] == ["police", 0, 0, 0, 0]
    named = book["Named pressures"]
    assert [named.cell(r, 1).value for r in range(3, 6)] == ["council", "council", "police"]
    reserves = book["Earmarked reserves"]
    assert [c.value for c in reserves[4]] == ["council", "Transformation", 400_000,
                                              "invest to save"]
    levers = book["Levers"]
    header = [c.value for c in levers[1]]
    row = dict(zip(header, (c.value for c in levers[3])))
    assert (row["delivery_confidence_percent"], row["directorate"], row["owner"], row["status"]) \
        == (80, "Adults", "Director of adult services", "amber")
    at = header.index("note")  # the programme's columns follow the common tail
    assert header[at + 1:at + 5] == ["delivery_confidence_percent", "directorate", "owner", "status"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(cutsim_file=budget_files())
def test_export_then_import_gives_the_same_budget(tmp_path: Path, cutsim_file) -> None:
    assert validate_file(cutsim_file) == []  # the strategy draws only valid files
    path = tmp_path / "drawn.xlsx"
    write_workbook(path, cutsim_file)
    back = read_workbook(path)
    assert back.model == cutsim_file.model
    assert back.scenarios == cutsim_file.scenarios


def _edit(path: Path, edits) -> Path:
    book = openpyxl.load_workbook(path)
    edits(book)
    book.save(path)
    return path


def test_broken_budget_cells_are_located_and_nothing_is_imported(tmp_path: Path, capsys) -> None:
    def mistakes(book):
        book["Agencies"]["G3"] = "lots"                 # funding: not a number
        book["Agencies"]["K4"] = 150                    # minimum_balance_percent above 100
        book["Funding"]["D4"] = "loans"                 # a kind not in the list
        book["Funding"]["A5"] = "nobody"                # an agency not in the model
        book["Council tax"]["B3"] = -5                  # tax_base must be > 0
        book["Council tax"]["G3"] = "county"            # authority_class not in the list
        book["Council tax"]["A4"] = "council"           # a second row for one council
        book["Council tax"]["B4"] = 1
        book["Council tax"]["C4"] = 1
        book["Pressures"]["B3"] = "half"                # pay_share: a fraction
        book["Named pressures"]["C3"] = "1; 2"          # amount: one a year of five
        book["Earmarked reserves"]["D3"] = None         # purpose: required
        book["Levers"]["A3"].value  # noqa: B018 (the sheet exists)
        header = [c.value for c in book["Levers"][1]]
        book["Levers"].cell(3, header.index("status") + 1, "blue")
    path = _edit(_book(tmp_path), mistakes)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    problems = caught.value.problems
    status_at = openpyxl.utils.get_column_letter(
        [c.value for c in openpyxl.load_workbook(path)["Levers"][1]].index("status") + 1)
    assert sorted(problems) == sorted([
        'Agencies!G3 (funding): must be a number, got "lots"',
        "Agencies!K4 (minimum_balance_percent): must be between 0 and 100, got 150",
        "Funding!D4 (kind): must be one of council_tax, business_rates, settlement_grant, "
        'specific_grant, fees_and_charges, other, got "loans"',
        'Funding!A5 (agency): no agency "nobody" on the Agencies sheet',
        "'Council tax'!B3 (tax_base): must be > 0, got -5",
        "'Council tax'!G3 (authority_class): must be one of social_care, district, police, "
        'fire, none, got "county"',
        "'Council tax'!A4 (agency): agency council has a row already (row 3); give one row "
        "per agency",
        'Pressures!B3 (pay_share): must be a number, got "half"',
        "'Named pressures'!C3 (amount): must give one value per year of the horizon (5), got 2",
        "'Earmarked reserves'!D3 (purpose): required, the cell is empty",
        f'Levers!{status_at}3 (status): must be one of green, amber, red, delivered, got "blue"',
    ])
    workspace = tmp_path / "ws.sqlite"
    assert main(["init", str(workspace), "--from", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "'Council tax'!B3 (tax_base)" in err
    assert not workspace.exists()


def test_a_wrong_kind_of_cell_on_each_budget_sheet_is_located(tmp_path: Path) -> None:
    import datetime as dt

    def mistakes(book):
        book["Funding"]["F3"] = "fast"                  # growth_percent: a percent
        book["Council tax"]["E3"] = "2.99; lots"        # increase_percent: numbers
        book["Pressures"]["E3"] = True                  # levies: numbers, not TRUE
        book["Earmarked reserves"]["C4"] = dt.datetime(2026, 4, 1)
        book["Earmarked reserves"]["C4"].number_format = "yyyy-mm-dd"
    path = _edit(_book(tmp_path), mistakes)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert sorted(caught.value.problems) == sorted([
        'Funding!F3 (growth_percent): must be a number, got "fast"',
        "'Council tax'!E3 (increase_percent): must be a number, got \" lots\"",
        "Pressures!E3 (levies): must be a number, got TRUE",
        "'Earmarked reserves'!C4 (amount): must be a number, got the date 2026-04-01 "
        "(the cell is formatted as a date)",
    ])


def test_a_validation_problem_of_a_named_pressure_is_placed_without_a_pressures_row(
        tmp_path: Path) -> None:
    def mistakes(book):
        book["Pressures"].delete_rows(4)                # police's row: named pressures only
        book["Named pressures"]["B5"] = " "             # a blank name
    path = _edit(_book(tmp_path), mistakes)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert [p.split(" (")[0] for p in caught.value.problems] == ["'Named pressures'!B5"]
    assert "name" in caught.value.problems[0]

    def fix(book):
        book["Named pressures"]["B5"] = "Pension revaluation"
    back = read_workbook(_edit(path, fix))
    assert back.model == _file().model  # a Pressures row of defaults is the same as none


def test_a_json_list_from_an_older_workbook_is_read_as_numbers(tmp_path: Path) -> None:
    def older(book):  # funding was a column of JSON text before it had a name
        book["Agencies"]["G4"] = "[5000000.0, 5100000.0, 5200000.0, 5300000.0, 5400000.0]"
        book["Agencies"]["I4"] = "2000000.0"
    back = read_workbook(_edit(_book(tmp_path), older))
    assert back.model == _file().model
