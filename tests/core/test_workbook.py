"""Model workbooks: export then import gives the same model; every problem is located."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from support.strategies import files

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.files.workbook import read_model_file, read_workbook, write_workbook
from cutsim.model.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"


def _same(a, b) -> None:
    assert a.model == b.model
    assert a.scenarios == b.scenarios


def test_the_example_round_trips_exactly(tmp_path: Path) -> None:
    original = exchange.read_file(EXAMPLE)
    path = tmp_path / "place.xlsx"
    write_workbook(path, original)
    _same(read_workbook(path), original)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(cutsim_file=files())
def test_export_then_import_gives_the_same_model(tmp_path: Path, cutsim_file) -> None:
    path = tmp_path / "drawn.xlsx"
    write_workbook(path, cutsim_file)
    _same(read_workbook(path), cutsim_file)


def test_the_cli_exports_a_file_or_a_workspace_and_reads_it_back(tmp_path: Path, capsys) -> None:
    book = tmp_path / "place.xlsx"
    assert main(["export", str(EXAMPLE), "-o", str(book)]) == 0
    ws = tmp_path / "ws.sqlite"
    assert main(["init", str(ws), "--from", str(book)]) == 0
    again = tmp_path / "again.xlsx"
    assert main(["export", str(ws), "-o", str(again)]) == 0
    _same(read_workbook(again), exchange.read_file(EXAMPLE))
    assert main(["validate", str(book)]) == 0
    assert "valid (8 agencies, 41 services" in capsys.readouterr().out
    back = tmp_path / "back.cutsim"
    assert main(["export", str(book), "-o", str(back)]) == 0
    _same(exchange.read_file(back), exchange.read_file(EXAMPLE))
    assert main(["export", str(book), "-o", str(tmp_path / "x.xlsx"), "--format-version", "1"]) == 1


def test_import_reads_a_workbook_into_a_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws.sqlite"
    assert main(["init", str(ws)]) == 0
    book = tmp_path / "place.xlsx"
    write_workbook(book, exchange.read_file(EXAMPLE))
    assert main(["import", str(ws), str(book)]) == 0
    from cutsim.workspace import Workspace

    with Workspace.open(ws) as workspace:
        assert len(workspace.load().model.services) == 41


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    original = exchange.read_file(EXAMPLE)
    hostile = '=HYPERLINK("http://example.invalid","click")'
    services = list(original.model.services)
    services[0] = services[0].model_copy(update={"name": hostile, "notes": "=1+1",
                                                 "source": "http://example.invalid/x"})
    changed = original.model_copy(update={"model": original.model.model_copy(update={"services": services})})
    path = tmp_path / "place.xlsx"
    write_workbook(path, changed)
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in archive.read(n) for n in sheets)
        assert not any("hyperlink" in n.lower() for n in archive.namelist())
    back = read_workbook(path)
    assert back.model.services[0].name == hostile
    assert back.model.services[0].notes == "=1+1"


def test_the_template_is_a_fillable_workbook(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["How to fill this", "Place", "Agencies", "Services", "Outcomes",
                               "Effects", "Demands", "Funding", "Council tax", "Pressures",
                               "Named pressures", "Earmarked reserves", "Scenarios", "Levers",
                               "Red lines", "Targets"]
    services = book["Services"]
    assert services.freeze_panes == "B3"
    assert services["D1"].value == "baseline_spend"
    assert "£/yr" in services["D2"].value
    lists = {str(dv.sqref): dv.formula1 for dv in services.data_validations.dataValidation}
    assert any("discretionary,demand_led" in f for f in lists.values())
    assert any("Agencies" in f for f in lists.values())
    levers = {dv.formula1 for dv in book["Levers"].data_validations.dataValidation}
    assert '"cut,invest,pool,procure,council_tax,income"' in levers
    assert '"green,amber,red,delivered"' in levers  # a savings programme's status
    funding = {dv.formula1 for dv in book["Funding"].data_validations.dataValidation}
    assert '"council_tax,business_rates,settlement_grant,specific_grant,fees_and_charges,other"' \
        in funding
    assert any("Agencies" in f for f in funding)
    assert [c.value for c in book["Pressures"][1]] == [
        "agency", "pay_share", "pay_award_percent", "contract_inflation_percent", "levies"]
    assert services["A1"].font.b and services["A2"].font.i  # headers apart from notes
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert caught.value.problems == ["Place!B2 (name): required, the cell is empty",
                                     "Place!B3 (base_year): required, the cell is empty"]


def _example_book(tmp_path: Path) -> Path:
    path = tmp_path / "place.xlsx"
    write_workbook(path, exchange.read_file(EXAMPLE))
    return path


def _edit(path: Path, edits) -> Path:
    """Change cells with openpyxl (as a person would in a spreadsheet) and save."""
    book = openpyxl.load_workbook(path)
    edits(book)
    book.save(path)
    return path


def test_ten_seeded_mistakes_give_ten_located_messages(tmp_path: Path) -> None:
    def mistakes(book):
        services, effects = book["Services"], book["Effects"]
        services["E7"] = -5                  # unit_cost must be > 0
        services["D8"] = "lots"              # baseline_spend: not a number
        services["B9"] = "nobody"            # agency that does not exist
        services["G10"] = "sometimes"        # mode not in the list
        services["L11"] = "perhaps"          # confidential: not TRUE/FALSE
        book["Agencies"]["C4"] = "army"      # kind not in the list
        book["Outcomes"]["D5"] = None        # baseline: required, empty
        effects["I3"] = 9                    # confidence 1-5
        effects["E4"] = 5.0                  # low above per_unit
        book["Place"]["B3"] = 2026.5         # base_year: not whole
    path = _edit(_example_book(tmp_path), mistakes)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    problems = caught.value.problems
    assert sorted(problems) == sorted([
        "Services!E7 (unit_cost): must be > 0, got -5",
        'Services!D8 (baseline_spend): must be a number, got "lots"',
        'Services!B9 (agency): refers to agency "nobody", which does not exist',
        'Services!G10 (mode): must be one of discretionary, demand_led, got "sometimes"',
        'Services!L11 (confidential): must be TRUE or FALSE, got "perhaps"',
        'Agencies!C4 (kind): must be one of council, nhs, police, dwp, probation, education, '
        'vcs, other, got "army"',
        "Outcomes!D5 (baseline): required, the cell is empty",
        "Effects!I3 (confidence): must be between 1 and 5, got 9",
        f"Effects!E4 (low): <= per_unit <= high must hold{problems_tail(problems)}",
        "Place!B3 (base_year): must be a whole number, got 2026.5",
    ])
    assert len(problems) == 10


def problems_tail(problems: list[str]) -> str:
    """The range message's own tail (its three numbers come from the example)."""
    line = next(p for p in problems if p.startswith("Effects!E4"))
    return line.split("must hold", 1)[1]


def test_cell_rules_for_percentages_text_numbers_and_dates(tmp_path: Path) -> None:
    import datetime as dt

    def edits(book):
        services = book["Services"]
        services["D3"] = "£1,000,000"      # text as a number
        services["I3"] = 0.2                # max_efficiency_percent shown as 20%
        services["I3"].number_format = "0%"
        services["H3"] = "25%"              # statutory_floor: a fraction
        book["Scenarios"]["F3"] = dt.datetime(2026, 4, 1)
        book["Scenarios"]["F3"].number_format = "yyyy-mm-dd"
        services["E4"] = dt.datetime(2026, 4, 1)   # a date where a number belongs
    path = _edit(_example_book(tmp_path), edits)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert caught.value.problems == [
        "Services!E4 (unit_cost): must be a number, got the date 2026-04-01 "
        "(the cell is formatted as a date)"]

    def fix(book):
        book["Services"]["E4"] = 1000
        book["Services"]["E4"].number_format = "General"
    _edit(path, fix)
    back = read_workbook(path)
    first = back.model.services[0]
    assert first.baseline_spend == 1_000_000.0
    assert first.max_efficiency_percent == pytest.approx(20.0)
    assert first.statutory_floor == 0.25
    assert back.scenarios[0].created == "2026-04-01"


def test_formulas_are_read_from_their_saved_result_and_refused_without_one(tmp_path: Path) -> None:
    path = _example_book(tmp_path)
    book = openpyxl.load_workbook(path)
    book["Services"]["D3"] = "=1000*1000"   # openpyxl saves no result for a formula
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    assert caught.value.problems == [
        "Services!D3 (baseline_spend): a formula with no saved result; open the workbook in a "
        "spreadsheet, let it calculate and save it (or type the value)"]
    # The same formula with a saved result (as a spreadsheet writes it) is read.
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = next(n for n, d in parts.items() if n.startswith("xl/worksheets/") and b"1000*1000" in d)
    parts[sheet] = parts[sheet].replace(b"<f>1000*1000</f><v></v>", b"<f>1000*1000</f><v>1000000</v>")
    parts[sheet] = parts[sheet].replace(b"<f>1000*1000</f></c>", b"<f>1000*1000</f><v>1000000</v></c>")
    with zipfile.ZipFile(path, "w") as archive:
        for n, d in parts.items():
            archive.writestr(n, d)
    assert read_workbook(path).model.services[0].baseline_spend == 1_000_000


def test_hidden_sheets_extra_sheets_and_extra_columns_are_reported(tmp_path: Path) -> None:
    def edits(book):
        book["Targets"].sheet_state = "hidden"
        book.create_sheet("My notes")
        book["Services"]["Q1"] = "cost centre"
        book["Services"]["Q3"] = "CC-101"
        book["Agencies"]["Z5"] = "stray"  # past every column of the layout
    path = _edit(_example_book(tmp_path), edits)
    with pytest.raises(InputError) as caught:
        read_workbook(path)
    problems = caught.value.problems
    assert any(p.startswith("Targets: the sheet is hidden") for p in problems)
    assert any(p.startswith("'My notes': not a sheet of the cutsim workbook layout") for p in problems)
    assert any(p.startswith('Services!Q1: unknown column "cost centre"') for p in problems)
    assert any(p.startswith("Agencies!Z5: a value in a column with no field name") for p in problems)
    assert len(problems) == 4


def test_read_model_file_tells_workbooks_from_cutsim_files(tmp_path: Path) -> None:
    path = _example_book(tmp_path)
    disguised = tmp_path / "place.cutsim"
    disguised.write_bytes(path.read_bytes())
    assert read_model_file(disguised).model == exchange.read_file(EXAMPLE).model
