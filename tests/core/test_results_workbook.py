"""The results workbook: its sheets, its totals recalculated by real spreadsheet software."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

import cutsim
from cutsim.cli import main
from cutsim.engine.money import SERIES
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


def test_cells_hold_full_precision_and_totals_are_formulas_without_cached_values(written, result) -> None:
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
    assert "<f>" in xml and "</f><v>" not in xml  # no cached result to trust


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
    assert main(["run", str(EXAMPLE), "--scenario", "youth-cut", "--xlsx", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[:3] == ["Summary", "Annual money", "Cost shift"]
    assert main(["run", str(EXAMPLE), "--scenario", "nope", "--xlsx", str(tmp_path / "x.xlsx")]) == 1
    assert not (tmp_path / "x.xlsx").exists()
