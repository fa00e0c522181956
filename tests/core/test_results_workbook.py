"""The results workbook: its sheets, its totals recalculated by real spreadsheet software."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

import cutsim
from cutsim.cli import main
from cutsim.engine.money import SERIES
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import headline_year
from cutsim.tools.results_workbook import write_results_workbook

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"

# LibreOffice's setting "recalculate on load: always" for .xlsx (0 = always), so the
# totals are computed by LibreOffice itself whatever the file holds.
RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="module")
def result():
    return cutsim.load(EXAMPLE).run("youth-cut", draws=40, seed=7)


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "results.xlsx"
    totals = write_results_workbook(path, result)
    return path, totals


def test_the_sheets_and_their_layout(written) -> None:
    path, _ = written
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Annual money", "Cost shift", "Outcomes by year",
                               "Uncertainty", "Sources"]
    annual = book["Annual money"]
    assert annual.freeze_panes == "C4"
    assert annual["C3"].value == "2026-27"
    assert "£" in annual["C4"].number_format
    assert annual.column_dimensions["A"].width >= len("probation")
    assert len(annual._charts) == 1 and len(book["Outcomes by year"]._charts) == 1
    sources = book["Sources"]
    assert [c.value for c in sources[1]] == ["kind", "id", "from", "to", "confidence",
                                              "illustrative", "source"]


def test_cells_hold_full_precision_and_totals_are_formulas_with_their_values(written, result) -> None:
    path, totals = written
    book = openpyxl.load_workbook(path)
    annual = book["Annual money"]
    council_knock_on = result.agency_annual["knock_on_cost"][0]
    assert annual["B5"].value == "knock-on cost"
    assert [annual.cell(5, 3 + y).value for y in range(10)] == [float(v) for v in council_knock_on]
    for total in totals:
        assert str(book[total.sheet][total.cell].value).startswith("=")
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" in xml and "</f></c>" not in xml  # every formula carries its value


def test_a_reader_that_never_recalculates_sees_the_engines_figures(written, result) -> None:
    """openpyxl with data_only=True reads the saved values, as previews and pandas do."""
    path, totals = written
    book = openpyxl.load_workbook(path, data_only=True)
    floor = materiality_floor(result.compiled.model)
    assert len(totals) > 80
    for t in totals:
        value = book[t.sheet][t.cell].value
        assert isinstance(value, (int, float)), (t.what, value)
        assert value == pytest.approx(t.expected, rel=1e-12, abs=floor), t.what
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    hy = headline_year(result.scenario, result.compiled.horizon_years)
    net = f"place net saving in {result.years[hy]}"
    assert summary[net] == pytest.approx(result.place_annual["net_saving"][hy], rel=1e-12)
    assert summary["place NPV"] == pytest.approx(result.appraisal.place.npv, rel=1e-12)
    place_row = next(row for row in book["Annual money"].iter_rows(values_only=True)
                     if row[0] == "The whole place" and row[1] == "net saving")
    assert list(place_row[2:12]) == pytest.approx(list(result.place_annual["net_saving"]), rel=1e-12)


def test_money_is_exact_or_an_exact_zero_in_one_unit_per_sheet(written, result) -> None:
    path, _ = written
    book = openpyxl.load_workbook(path)
    floor = materiality_floor(result.compiled.model)
    for name in ("Summary", "Annual money", "Cost shift", "Uncertainty"):
        formats = set()
        for row in book[name].iter_rows():
            for cell in row:
                if "£" in cell.number_format:
                    formats.add(cell.number_format)
                    if isinstance(cell.value, float):
                        assert cell.value == 0 or abs(cell.value) >= floor, (name, cell.coordinate)
        assert len(formats) == 1, (name, formats)
        assert "E" not in next(iter(formats)) and '"−"£' in next(iter(formats))
    assert book["Annual money"]["C4"].number_format == \
        '[>=5000]£#,##0.00,,"m";[<=-5000]"−"£#,##0.00,,"m";£#,##0.00,,"m"'


def test_names_and_year_labels_not_ids(written, result) -> None:
    path, _ = written
    book = openpyxl.load_workbook(path)
    assert book["Annual money"]["A4"].value == "Seaport Council (unitary)"
    assert book["Cost shift"]["B3"].value == "Seaport Council (unitary)"
    texts = [c for row in book["Summary"].iter_rows(values_only=True) for c in row
             if isinstance(c, str)]
    payback = next(row[1] for row in book["Summary"].iter_rows(values_only=True)
                   if row[0] == "place payback year")
    assert payback in result.years  # a label such as 2026-27, never 0.00
    levers = [t for t in texts if "from 20" in t and "Youth work" in t]
    assert levers and not any("from year" in t or "bp1" in t for t in texts), levers


def test_every_sheet_prints_landscape_one_page_wide_with_repeated_headings(written, result) -> None:
    path, _ = written
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        workbook_xml = archive.read("xl/workbook.xml").decode()
        for name in names:
            xml = archive.read(name).decode()
            assert 'orientation="landscape"' in xml and 'fitToPage="1"' in xml, name
            assert 'fitToHeight="0"' in xml, name  # one page wide, as many pages long as needed
            assert "<oddHeader>" in xml and "&amp;D" in xml, name
            assert result.scenario.name in xml
    assert workbook_xml.count("_xlnm.Print_Titles") == len(names)


def test_every_total_the_engine_reports_is_covered(written, result) -> None:
    _, totals = written
    what = {t.what: t.expected for t in totals}
    place = result.place_annual
    for s in SERIES:
        assert what[f"place {s} over the horizon"] == pytest.approx(place[s].sum(), abs=1e-6)
        for y, label in enumerate(result.years):
            assert what[f"place {s} {label}"] == place[s][y]
    m = result.cost_shift_matrix
    knock_on = result.agency_annual["knock_on_cost"]
    for j, agency in enumerate(result.compiled.agency_ids):
        assert what[f"knock-on cost borne by {agency}"] == pytest.approx(m[:, j].sum())
        # docs/mathematics.md: what agency j bears from everyone is its whole knock-on cost.
        assert m[:, j].sum() == pytest.approx(knock_on[j].sum(), rel=1e-9, abs=1e-6)


@pytest.mark.slow  # LibreOffice recalculates the workbook
def test_libreoffice_recalculates_every_total_to_the_engines_value(written, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is needed on CI to recalculate the workbook")
        pytest.skip("LibreOffice (soffice) is not installed; scripts/setup installs "
                    "libreoffice-calc-nogui")
    path, totals = written
    profile = tmp_path / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_PROFILE, encoding="utf-8")
    out = tmp_path / "out"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=240)
    recalculated = openpyxl.load_workbook(out / path.name, data_only=True)
    assert len(totals) > 80
    wrong = [(t.sheet, t.cell, t.what, recalculated[t.sheet][t.cell].value, t.expected)
             for t in totals
             if not isinstance(recalculated[t.sheet][t.cell].value, (int, float))
             or abs(recalculated[t.sheet][t.cell].value - t.expected) > 0.01]
    assert wrong == []


def test_text_from_a_received_file_never_becomes_a_formula(tmp_path: Path) -> None:
    project = cutsim.load(EXAMPLE)
    scenario = project.scenario("youth-cut").model_copy(
        update={"name": '=HYPERLINK("http://example.invalid","open")'})
    services = list(project.model.services)
    services[0] = services[0].model_copy(update={"source": "=cmd|' /C calc'!A0"})
    project.file = project.file.model_copy(update={"model": project.model.model_copy(
        update={"services": services})})
    path = tmp_path / "r.xlsx"
    totals = write_results_workbook(path, project.run(scenario))
    book = openpyxl.load_workbook(path)
    assert book["Summary"]["A1"].value.endswith('=HYPERLINK("http://example.invalid","open")')
    formulas = {(t.sheet, t.cell) for t in totals}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert (ws.title, cell.coordinate) in formulas
    sources = [c.value for c in book["Sources"]["G"]]
    assert "=cmd|' /C calc'!A0" in sources


def test_run_writes_the_workbook_from_the_cli(tmp_path: Path, capsys) -> None:
    out = tmp_path / "results.xlsx"
    assert main(["run", str(EXAMPLE), "--scenario", "youth-cut"]) == 0
    report = capsys.readouterr().out
    assert main(["run", str(EXAMPLE), "--scenario", "youth-cut", "--xlsx", str(out)]) == 0
    assert capsys.readouterr().out == report  # the same report as run without --xlsx
    assert openpyxl.load_workbook(out).sheetnames[:3] == ["Summary", "Annual money", "Cost shift"]
    assert main(["run", str(EXAMPLE), "--scenario", "nope", "--xlsx", str(tmp_path / "x.xlsx")]) == 1
    assert not (tmp_path / "x.xlsx").exists()


def test_a_pooled_budget_shows_each_partners_net_saving_after_settlement(tmp_path: Path) -> None:
    project = cutsim.load(ROOT / "scenarios" / "pooled-health-care.cutsim")
    result = project.run("bcf-benefit")
    path = tmp_path / "pool.xlsx"
    totals = write_results_workbook(path, result)
    book = openpyxl.load_workbook(path, data_only=True)
    assert "Settlement" in book.sheetnames
    after = result.net_after_settlement()
    what = {t.what: t for t in totals}
    for agency in ("council", "nhs"):
        total = what[f"{agency} net saving after settlement over the horizon"]
        assert book["Settlement"][total.cell].value == pytest.approx(after[agency].sum(), rel=1e-12)
    # The settlement only moves money between partners: the place is unchanged.
    assert sum(a.sum() for a in after.values()) == pytest.approx(
        result.place_annual["net_saving"].sum(), rel=1e-12)


def test_the_json_and_text_carry_net_saving_after_settlement(capsys) -> None:
    import json

    path = str(ROOT / "scenarios" / "pooled-health-care.cutsim")
    assert main(["run", path, "--scenario", "bcf-benefit", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    annual = doc["annual"]["agencies"]
    for agency, row in doc["settlement"]["bcf"].items():
        assert sum(row["transfer_by_year"]) == pytest.approx(row["transfer"], rel=1e-9)
        after = annual[agency]["net_saving_after_settlement"]
        assert after == pytest.approx([n + t for n, t in zip(annual[agency]["net_saving"],
                                                              row["transfer_by_year"])])
    council = sum(annual["council"]["net_saving_after_settlement"])
    assert council == pytest.approx(sum(annual["council"]["net_saving"])
                                    + doc["settlement"]["bcf"]["council"]["transfer"])
    assert doc["annual"]["place"]["net_saving_after_settlement"] == pytest.approx(
        doc["annual"]["place"]["net_saving"])
    assert main(["run", path, "--scenario", "bcf-benefit"]) == 0
    text = capsys.readouterr().out
    assert "After the pooled budget's settlement" in text and "£6.37m" in text
