"""Printing: the results and the annual-money table on A4 and Letter, printed to PDF files.

Every page carries the scenario's name, the price year and the date printed; the text is
read back with pdftotext (poppler-utils, installed by scripts/setup).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from cutsim.api import Project
from cutsim.files.exchange import read_file
from cutsim.model.fmt import money
from ui.printing import PrintController, header_text, make_printer, print_to_pdf

REPO = Path(__file__).resolve().parents[2]
WHEN = dt.date(2026, 12, 2)
PAGE_POINTS = {"A4": (595, 842), "Letter": (612, 792)}

if shutil.which("pdftotext") is None:  # pragma: no cover - scripts/setup installs poppler-utils
    pytest.skip("pdftotext (poppler-utils) is not installed; scripts/setup installs it",
                allow_module_level=True)


def pages_text(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    texts = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout
             for i in range(1, count + 1)]
    # the PDF's fonts use ligatures; read them back as letters
    return [t.replace("\ufb01", "fi").replace("\ufb00", "ff").replace("\ufb02", "fl") for t in texts]


def page_size(pdf: Path) -> tuple[int, int]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    line = next(line for line in info.splitlines() if line.startswith("Page size:"))
    w, _x, h = line.split(":")[1].split()[:3]
    return round(float(w)), round(float(h))


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_results_print_to_pdf_with_a_header_on_every_page(qtbot, tmp_path, paper):
    file = read_file(REPO / "scenarios" / "pooled-health-care.cutsim")
    project = Project(file)
    result, other = project.run("bcf-benefit"), project.run("bcf-contribution")
    pdf = tmp_path / f"report-{paper}.pdf"
    pages = print_to_pdf(pdf, result, [other], paper, WHEN)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert page_size(pdf) == PAGE_POINTS[paper]
    texts = pages_text(pdf)
    assert len(texts) == pages >= 2
    for n, text in enumerate(texts, start=1):
        flat = " ".join(text.split())
        assert "£ at 2024-25 prices" in flat and "printed 2 December 2026" in flat
        assert "budget (gain share by benefit) · £ at 2024-25 prices" in flat  # the header line
        assert f"page {n} of {pages}" in flat
    whole = " ".join(" ".join(texts).split())
    assert "Money per financial year" in whole and "Net saving" in whole and "Whole place" in whole
    assert "settlement between partners" in whole
    transfer = result.settlement["bcf"]["nhs"]["transfer"]
    assert money(transfer, signed=True) in whole  # the settlement's figure, as the app shows it
    assert "Scenarios compared" in whole


def test_header_names_scenario_price_year_and_date():
    file = read_file(REPO / "models" / "example-place.cutsim")
    result = Project(file).run("youth-cut")
    text = header_text(result, WHEN)
    assert text.startswith(result.scenario.name) and "2024-25 prices" in text
    assert text.endswith("printed 2 December 2026")
    with pytest.raises(ValueError, match="page size"):
        make_printer("A3")


def test_print_preview_paints_the_current_result(qtbot):
    from ui.document import DocumentController
    from ui.run_controller import RunController

    document = DocumentController(read_file(REPO / "models" / "example-place.cutsim"))
    controller = RunController(document)
    try:
        qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
        printer = PrintController(None, controller)
        dialog = printer.preview_dialog()
        qtbot.addWidget(dialog)
        with qtbot.waitSignal(dialog.paintRequested, timeout=10000):
            dialog.show()
        assert "Print Preview" in dialog.windowTitle()
    finally:
        controller.shutdown()
