"""Printing: the results and the annual-money table on A4 and Letter, printed to PDF files.

Every page carries the scenario's name, the price year and the date printed; the text is
read back with pdftotext (poppler-utils, installed by scripts/setup).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

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
    ligatures = {"\ufb03": "ffi", "\ufb04": "ffl", "\ufb01": "fi", "\ufb00": "ff", "\ufb02": "fl"}
    return ["".join(ligatures.get(c, c) for c in t) for t in texts]


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


# --- the cabinet pack: what it holds, whole year labels, no rows of zeros, no stranded headings

BROKEN_YEAR = re.compile(r"\b\d{4}-(?!\d{2}\b)")  # "2027-2 8" or "2027-" at a line's end
ZERO_ROW = re.compile(r"^[^£]*(?:\s+£0){4,}\s*$")  # a line of nothing but £0 figures


@pytest.fixture(scope="module")
def youth_cut() -> Any:
    return Project(read_file(REPO / "models" / "example-place.cutsim")).run("youth-cut")


def test_the_pack_holds_the_mtfs_cost_shift_and_annual_money(qtbot, tmp_path, youth_cut):
    from cutsim.appraise.mtfs import build_plan

    pdf = tmp_path / "pack.pdf"
    pages = print_to_pdf(pdf, youth_cut, None, "A4", WHEN)
    # the pages' text without their header and foot lines, so a paragraph reads on
    header = header_text(youth_cut, WHEN)
    whole = " ".join(" ".join(
        text.replace(header, " ").replace(f"page {n} of {pages}", " ")
        for n, text in enumerate(pages_text(pdf), start=1)).split())
    assert "Money per financial year" in whole
    assert "Who pays for whose cuts" in whole and "Council's cuts" in whole
    assert "Medium-term financial plan of Seaport Council (unitary), 2026-27 to 2030-31" in whole
    assert "Savings programme of Seaport Council (unitary)" in whole
    # the plan's warnings in the core's own words, each of them
    plan = build_plan(youth_cut, cash=True).span(5)
    warnings = [w.message for w in plan.warnings if w.agency == "council"]
    assert len(warnings) >= 2
    for message in warnings:
        assert " ".join(message.split()) in whole
    # each once: no line of a page's last paragraph is also drawn (clipped) on the next
    sentence = "A council must set a balanced budget"
    assert whole.count(sentence) == sum(sentence in m for m in warnings) >= 2
    # the plan's gap line as the MTFS tab shows it (the core's figure and formatter)
    council = next(a for a in plan.agencies if a.agency == "council")
    assert money(float(council.lines["unfunded_gap"][-1])) in whole


def test_the_pack_never_breaks_a_year_label(qtbot, tmp_path, youth_cut):
    pdf = tmp_path / "pack.pdf"
    print_to_pdf(pdf, youth_cut, None, "A4", WHEN)
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout
    for text in (layout, " ".join(pages_text(pdf))):
        assert BROKEN_YEAR.search(text) is None, BROKEN_YEAR.search(text)
    for year in youth_cut.years:  # every financial year is printed whole
        assert year in layout


def test_rows_of_zeros_are_left_out_unless_asked_for(qtbot, tmp_path, youth_cut):
    from ui.printing import PackOptions

    default, full = tmp_path / "pack.pdf", tmp_path / "pack-zeros.pdf"
    print_to_pdf(default, youth_cut, None, "A4", WHEN)
    print_to_pdf(full, youth_cut, None, "A4", WHEN, PackOptions(zero_rows=True))

    def layout(pdf: Path) -> str:
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout

    short, long = layout(default), layout(full)
    assert [line for line in short.splitlines() if ZERO_ROW.match(line)] == []
    zero_lines = [line for line in long.splitlines() if ZERO_ROW.match(line)]
    assert len(zero_lines) >= 10  # the example's youth cut leaves prisons, the VCS… at £0
    assert any("Voluntary" in line for line in zero_lines)
    assert "rows that are £0 throughout left out" in " ".join(short.split())
    assert "rows that are £0 throughout left out" not in " ".join(long.split())
    assert len(short) < len(long)


def test_the_zero_rows_setting_reaches_the_pack(qtbot, tmp_path):
    from ui.settings import Settings

    class Window:
        def __init__(self) -> None:
            self.settings = Settings()
            self.views: dict[str, Any] = {}

    window = Window()
    controller = PrintController(window, None)  # type: ignore[arg-type]
    assert controller.options().zero_rows is False
    window.settings.set_print_zero_rows(True)
    assert controller.options().zero_rows is True


def test_a_heading_never_ends_a_page_nor_a_paragraph_runs_over_one(qtbot, youth_cut):
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    from ui.printing import (
        keep_headings_with_next,
        pack_document,
        split_paragraphs,
        split_rows,
        stranded_headings,
    )

    for paper in ("A4", "Letter"):
        doc, body = pack_document(make_printer(paper), youth_cut)
        assert doc.pageCount() >= 3
        assert stranded_headings(doc, body) == []
        assert split_paragraphs(doc, body) == []
        assert split_rows(doc, body) == []  # short names on one line: rows move whole
    # the check and the fix on a page where a heading would otherwise end it
    table = ("<table border=1><thead><tr><th>Year</th><th>£</th></tr></thead>"
             + "".join(f"<tr><td>{i}</td><td>£1</td></tr>" for i in range(5)) + "</table>")
    found = 0
    for filler in range(1, 40):
        doc = QTextDocument()
        doc.setHtml("".join(f"<p>line {i}</p>" for i in range(filler))
                    + "<h3>A heading</h3>" + table)
        doc.setPageSize(QSizeF(400, 300))
        if stranded_headings(doc, 300) == ["A heading"]:
            found += 1
            assert keep_headings_with_next(doc, 300) == 1
            assert stranded_headings(doc, 300) == []
    assert found >= 2


def test_a_paragraph_over_a_page_foot_moves_whole(qtbot):
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    from ui.printing import keep_headings_with_next, split_paragraphs

    paragraph = " ".join(f"word{i}" for i in range(40))
    found = 0
    for filler in range(1, 25):
        doc = QTextDocument()
        doc.setHtml("".join(f"<p>line {i}</p>" for i in range(filler)) + f"<p>{paragraph}</p>")
        doc.setPageSize(QSizeF(300, 300))
        if split_paragraphs(doc, 300):
            found += 1
            assert keep_headings_with_next(doc, 300) == 1
            assert split_paragraphs(doc, 300) == []
    assert found >= 2


def test_the_window_prints_the_plan_and_rows_it_shows(make_window, example_file, qtbot, tmp_path):
    """File → Print Rows of Zeros and the MTFS tab's choices reach the pack."""
    window = make_window(example_file, optional_views=True)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.run_controller.result is not None, timeout=15000)
        controller = PrintController(window, window.run_controller)
        assert controller.options().zero_rows is False
        window.actions.all["print_zero_rows"].trigger()
        assert window.actions.all["print_zero_rows"].isChecked()
        assert window.settings.print_zero_rows() and controller.options().zero_rows
        dock = window.views["resultsDock"].widget()
        with qtbot.waitSignal(dock.redrawn, timeout=15000):
            dock.tabs.setCurrentWidget(dock.mtfs)
        dock.mtfs.agency.setCurrentIndex(dock.mtfs.agency.findData("police"))
        dock.mtfs.years.setValue(3)
        options = controller.options()
        assert (options.mtfs_agency, options.mtfs_years, options.mtfs_cash) == ("police", 3, True)
        pdf = tmp_path / "pack.pdf"
        print_to_pdf(pdf, window.run_controller.result, None, "A4", WHEN, options)
        whole = " ".join(" ".join(pages_text(pdf)).split())
        police = next(a.name for a in example_file.model.agencies if a.id == "police")
        assert f"Medium-term financial plan of {police}, 2026-27 to 2028-29" in whole
        assert "throughout left out" not in whole  # rows of zeros kept, as ticked
    finally:
        window.run_controller.shutdown()


def test_lever_notes_name_the_lever_in_words(qtbot):
    from ui.printing import report_html

    file = read_file(REPO / "scenarios" / "youth-cut-counter-proposal.cutsim")
    project = Project(file)
    noted = [(s, lv) for s in file.scenarios for lv in s.levers if lv.note]
    assert noted
    for scenario, lever in noted:
        text = report_html(project.run(scenario.id))
        service = file.model.service(lever.service).name
        assert f"<li><b>Cut {service} by" in text
        assert f"<b>{lever.id}</b>" not in text
