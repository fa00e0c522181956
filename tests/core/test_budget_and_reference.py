"""An existing budget book mapped onto services; the bundled unit costs and evidence."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.files.budget import read_budget, read_mapping
from cutsim.files.workbook import read_workbook
from cutsim.model.errors import InputError
from cutsim.tools import evidence, unit_costs

ROOT = Path(__file__).resolve().parents[2]

MAPPING = """
[place]
name = "Seaport"
base_year = 2026

[sheet]
name = "Revenue 2026-27"
header_row = 2
total_cell = "D9"

[columns]
cost_centre = "Cost centre"
service = "Service"
agency = "Organisation"
amount = "Net budget £"
activity = "Activity a year"
activity_unit = "Unit"

[defaults]
basis = "net"

[agencies]
"Seaport Council" = { id = "council", kind = "council" }
"Seaport NHS" = { id = "nhs", kind = "nhs" }

[skip]
service_matches = ["^Sub-total"]
"""


def _book(path: Path, total: float = 6_600_000) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Revenue 2026-27"
    ws["A1"] = "Seaport budget book (net)"
    rows = [
        ("Cost centre", "Service", "Organisation", "Net budget £", "Activity a year", "Unit"),
        ("C101", "Youth service", "Seaport Council", 1_000_000, 1000, "young person-year"),
        ("C102", "Early help", "Seaport Council", "£2,000,000", None, None),
        ("N201", "A&E", "Seaport NHS", 3_000_000, 25_000, "attendance"),
        ("C103", "Sub-total council", "Seaport Council", 3_000_000, None, None),
        ("X900", "Car parks", "Seaport Parking Co", 600_000, None, None),
        ("C104", "Library", "Seaport Council", 0, None, None),
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    ws["D9"] = total
    book.save(path)
    return path


def test_rows_are_mapped_listed_and_reconciled(tmp_path: Path) -> None:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    imp = read_budget(_book(tmp_path / "b.xlsx"), read_mapping(tmp_path / "map.toml"))
    assert [s.id for s in imp.services] == ["c101", "c102", "n201"]
    assert [s.baseline_spend for s in imp.services] == [1_000_000, 2_000_000, 3_000_000]
    assert imp.services[0].unit_cost == 1000.0 and imp.services[2].unit_cost == 120.0
    assert imp.mapped_total == 6_000_000 and imp.sheet_total == 6_600_000
    assert imp.difference == 600_000
    assert imp.not_mapped == [
        "row 6: Sub-total council (skipped by service_matches)",
        "row 7: Car parks (agency 'Seaport Parking Co' is not in [agencies])",
        "row 8: Library (amount 0.00 is not > 0: an income line or a credit, not a service)",
    ]
    assert imp.to_complete == ["Early help (budget row 4): unit_cost missing (£ per unit of activity)",
                               "Early help (budget row 4): activity_unit missing"]


def test_a_difference_stops_the_import_before_anything_is_written(tmp_path: Path, capsys) -> None:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    book = _book(tmp_path / "b.xlsx")
    out = tmp_path / "place.xlsx"
    assert main(["import-budget", str(book), "--map", str(tmp_path / "map.toml"), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert "difference (sheet − mapped): £600,000.00" in captured.out
    assert "row 7: Car parks" in captured.out
    assert "nothing was written" in captured.err and not out.exists()


def test_a_reconciled_book_writes_a_workbook_listing_what_to_complete(tmp_path: Path, capsys) -> None:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    book = _book(tmp_path / "b.xlsx", total=6_000_000)
    out = tmp_path / "place.xlsx"
    assert main(["import-budget", str(book), "--map", str(tmp_path / "map.toml"), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "— reconciled" in text
    assert "Services!E4 (unit_cost): to complete for Early help (budget row 4)" in text
    assert "Services!F4 (activity_unit): to complete for Early help (budget row 4)" in text
    with pytest.raises(InputError) as caught:
        read_workbook(out)  # the blanks are problems until someone fills them
    assert caught.value.problems == ["Services!E4 (unit_cost): required, the cell is empty",
                                     "Services!F4 (activity_unit): required, the cell is empty"]
    cutsim_out = tmp_path / "place.cutsim"
    assert main(["import-budget", str(book), "--map", str(tmp_path / "map.toml"),
                 "-o", str(cutsim_out)]) == 1
    assert "2 unit costs or activity units are missing" in capsys.readouterr().err
    assert not cutsim_out.exists()


def test_complete_books_go_into_a_file_or_a_workspace(tmp_path: Path, capsys) -> None:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    book = _book(tmp_path / "b.xlsx", total=6_000_000)
    wb = openpyxl.load_workbook(book)
    wb.active["E4"], wb.active["F4"] = 400, "family-year"
    wb.save(book)
    out = tmp_path / "place.cutsim"
    assert main(["import-budget", str(book), "--map", str(tmp_path / "map.toml"), "-o", str(out)]) == 0
    model = exchange.read_file(out).model
    assert [s.unit_cost for s in model.services] == [1000.0, 5000.0, 120.0]
    assert {a.id for a in model.agencies} == {"council", "nhs"}
    ws = tmp_path / "ws.sqlite"
    assert main(["init", str(ws), "--from", str(ROOT / "models" / "example-place.cutsim")]) == 0
    assert main(["import-budget", str(book), "--map", str(tmp_path / "map.toml"),
                 "--workspace", str(ws)]) == 0
    from cutsim.workspace import Workspace

    with Workspace.open(ws) as workspace:
        ids = {s.id for s in workspace.load().model.services}
    assert {"c101", "c102", "n201", "youth"} <= ids


def test_a_bad_mapping_names_every_wrong_key(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text('[columns]\nservice = "S"\nspend = "x"\n[defaults]\nmode = "sometimes"\n'
                    '[extra]\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_mapping(path)
    assert caught.value.problems == [
        "[columns] spend: unknown key (keys: activity, activity_unit, agency, amount, "
        "cost_centre, service, unit_cost)",
        "[extra]: unknown table (tables: place, sheet, columns, defaults, agencies, skip)",
        "[columns] amount: required (the budget's column name)",
        "[defaults] mode: must be discretionary or demand_led",
    ]


def test_the_whole_unit_cost_database_is_bundled_with_its_attribution() -> None:
    rows = unit_costs.load_unit_costs()
    assert len(rows) == 684
    assert len({r.id for r in rows}) == 684
    assert "CC BY 4.0" in unit_costs.ATTRIBUTION
    reference = (ROOT / "cutsim" / "data" / "REFERENCE.md").read_text(encoding="utf-8")
    assert "licensed under CC BY 4.0" in reference


def test_search_and_uprating_use_only_the_documented_index_points(capsys) -> None:
    found = unit_costs.search("A&E attendance")
    assert found[0].id == "HE4.0" and found[0].cost_gbp == 116.64
    assert found[0].activity_unit == "incident"
    assert unit_costs.uprating_factor(2024) == 100 / 75.15
    assert unit_costs.uprating_factor(2021, index=90.0) == 90 / 75.15
    with pytest.raises(InputError, match="no deflator index for 2021"):
        unit_costs.uprating_factor(2021)
    assert main(["unit-costs", "search", "A&E", "attendance", "--price-year", "2024",
                 "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert f"£{116.64 * 100 / 75.15:,.2f}" in out and "CC BY 4.0" in out
    assert main(["unit-costs", "search", "care", "--price-year", "2021"]) == 1
    assert "--index" in capsys.readouterr().err
    assert main(["unit-costs", "search", "HE4.0", "--limit", "1", "--model",
                 str(ROOT / "models" / "example-place.cutsim")]) == 0
    assert "at 2024 prices" in capsys.readouterr().out


def test_search_finds_words_by_their_stems_and_synonyms_and_counts_every_match(capsys) -> None:
    assert [r.id for r in unit_costs.search("rough sleeping")] == ["HO6.0"]
    assert [r.id for r in unit_costs.search("rough sleep")] == ["HO6.0"]
    assert "HE4.0" in [r.id for r in unit_costs.search("a&e", limit=None)]
    every = unit_costs.search("children", limit=None)
    assert len(every) > 20 and unit_costs.search("children") == every[:20]
    assert main(["unit-costs", "search", "children"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(every)} rows match; the first 20 shown (--limit)")


def test_uprating_past_the_bundled_deflator_says_its_source_and_last_year() -> None:
    with pytest.raises(InputError, match=r"ONS series YBGB .* it covers no year after 2024"):
        unit_costs.uprating_factor(2025)


def test_the_evidence_table_keeps_its_null_results() -> None:
    rows = evidence.load_evidence()
    assert len(rows) == 18
    assert [r.id for r in rows if r.is_null] == ["EV08", "EV11", "EV17"]
    assert evidence.search("A&E")[0].id == "EV01"
