"""File → Print… and Print Preview: the results and the annual-money table on paper.

The report is a ``QTextDocument`` built from the same table models the results dock shows
(so every figure is the engine's, in the core formatter's words) and one chart, painted
page by page with a header on every page: the scenario's name, the price year of its
money and the date printed, and "page n of N" at the foot. A4 or Letter, portrait.
Tests print to a PDF file (``QPrinter.OutputFormat.PdfFormat``), never to a printer.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, Qt, QUrl
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from cutsim.model.fmt import money, year_label
from cutsim.model.schema import headline_year

PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
MARGIN_MM = 15.0
HEADER_LINES = 2.2  # the header band's height in lines of its font
CHART_URL = "cutsim://chart/place-net-saving"


def make_printer(page_size: str = "A4", pdf_path: str | Path | None = None) -> QPrinter:
    """A portrait printer on ``page_size`` ("A4" or "Letter"); a PDF file if ``pdf_path``."""
    if page_size not in PAGE_SIZES:
        raise ValueError(f'page size must be one of {", ".join(PAGE_SIZES)} (got "{page_size}")')
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(QPageLayout(QPageSize(PAGE_SIZES[page_size]),
                                      QPageLayout.Orientation.Portrait,
                                      QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                                      QPageLayout.Unit.Millimeter))
    if pdf_path is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf_path))
    return printer


def header_text(result: Any, when: dt.date | None = None) -> str:
    """``"Youth cut · £ at 2024-25 prices · printed 2 December 2026"``: on every page."""
    place = result.compiled.model.place
    when = when or dt.date.today()
    return (f"{result.scenario.name} · £ at {year_label(place.effective_price_year, 0)} prices"
            f" · printed {when.day} {when.strftime('%B %Y')}")


def _table_html(model: Any, caption: str) -> str:
    """A table model as HTML: its headers and the text its cells show."""
    cols, rows = model.columnCount(), model.rowCount()
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(str(model.headerData(c, Qt.Orientation.Horizontal)).replace(chr(10), ' '))}</th>"
                   for c in range(cols))
    row_heads = model.headerData(0, Qt.Orientation.Vertical) is not None
    body = []
    for r in range(rows):
        cells = "".join(f'<td align="right">{html.escape(str(model.index(r, c).data() or ""))}</td>'
                        for c in range(cols))
        first = (f"<th align=\"left\">{html.escape(str(model.headerData(r, Qt.Orientation.Vertical)))}</th>"
                 if row_heads else "")
        body.append(f"<tr>{first}{cells}</tr>")
    corner = "<th></th>" if row_heads else ""
    # a wide table (the annual money's twelve columns) in a smaller type, to fit portrait
    size = "7pt" if cols > 8 else "8.5pt"
    return (f"<h3>{html.escape(caption)}</h3><table border=\"1\" cellspacing=\"0\" cellpadding=\"2\" "
            f"width=\"100%\" style=\"font-size: {size}\"><thead><tr>{corner}{head}</tr></thead>"
            f"{''.join(body)}</table>")


def _notes_html(scenario: Any) -> str:
    parts = []
    if scenario.description:
        parts.append(f"<p>{html.escape(scenario.description)}</p>")
    notes = [f"<li><b>{html.escape(lv.id)}</b>: {html.escape(lv.note)}</li>"
             for lv in scenario.levers if lv.note]
    if notes:
        parts.append("<h3>Notes on the levers</h3><ul>" + "".join(notes) + "</ul>")
    return "".join(parts)


def report_html(result: Any, comparisons: list[Any] | None = None,
                chart_size: tuple[int, int] | None = None) -> str:
    """The printed report's HTML: headline, notes, chart, appraisal, annual money, pools."""
    from ui.results.pools import ProcurementTableModel, SettlementTableModel
    from ui.results.tables import AnnualMoneyTableModel, AppraisalTableModel, CompareTableModel

    cm = result.compiled
    place = cm.model.place
    year = headline_year(result.scenario, cm.horizon_years)
    net = float(result.place_annual["net_saving"][year])
    parts = [f"<h1>{html.escape(result.scenario.name)}</h1>",
             f"<p>{html.escape(place.name)}. In {year_label(place.base_year, year)} (the headline "
             f"year) the whole place's net saving is {html.escape(money(net))}. Money in £ at "
             f"{year_label(place.effective_price_year, 0)} prices; + = saving for the budget.</p>",
             _notes_html(result.scenario)]
    if chart_size is not None:
        w, h = chart_size
        parts.append(f'<p><img src="{CHART_URL}" width="{w}" height="{h}"></p>')
    tables: list[tuple[Any, str]] = []
    appraisal = AppraisalTableModel()
    appraisal.set_result(result)
    tables.append((appraisal, "Green Book appraisal (£, discounted; + = saving)"))
    if comparisons:
        compare = CompareTableModel()
        compare.set_results(result, comparisons)
        tables.append((compare, f"Scenarios compared: NPV over {cm.horizon_years} years (£)"))
    annual = AnnualMoneyTableModel()
    annual.set_result(result)
    tables.append((annual, "Money per financial year (£ in each year, undiscounted)"))
    if result.settlement:
        settlement = SettlementTableModel()
        settlement.set_result(result)
        tables.append((settlement, "Pooled budgets: settlement between partners"))
    if result.procurement:
        procurement = ProcurementTableModel()
        procurement.set_result(result)
        tables.append((procurement, "Procurement: local value"))
    parts += [_table_html(model, caption) for model, caption in tables]
    return "<html><body>" + "".join(parts) + "</body></html>"


def chart_image(result: Any, comparisons: list[Any] | None, size: tuple[int, int] = (900, 420)) -> Any:
    """The place's net saving per year (and the compared scenarios') as an image."""
    from ui.results.charts import CompareChart

    chart = CompareChart()
    chart.resize(*size)
    chart.update_result(result, comparisons or [])
    image = chart.widget.grab().toImage()
    chart.deleteLater()
    return image


def paint_report(printer: QPrinter, result: Any, comparisons: list[Any] | None = None,
                 when: dt.date | None = None) -> int:
    """Paint the report on ``printer``, a header on every page; returns the page count."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(f"cannot print to {printer.outputFileName() or printer.printerName()}")
    try:
        page = printer.pageLayout().paintRectPixels(printer.resolution())
        width, height = float(page.width()), float(page.height())
        header_font = QFont("DejaVu Sans", 9)
        painter.setFont(header_font)
        line = painter.fontMetrics().height()
        top, foot = line * HEADER_LINES, line * HEADER_LINES
        image = chart_image(result, comparisons)
        # <img> sizes are in 96-dpi pixels, which the document scales to the printer's dots
        chart_w = int(width * 96.0 / printer.resolution())
        chart_h = int(chart_w * image.height() / max(1, image.width()))
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(printer)
        doc.setDefaultFont(QFont("DejaVu Sans", 9))
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(CHART_URL), image)
        doc.setHtml(report_html(result, comparisons, (chart_w, chart_h)))
        body_h = height - top - foot
        doc.setPageSize(QRectF(0, 0, width, body_h).size())
        pages = doc.pageCount()
        header = header_text(result, when)
        for i in range(pages):
            if i:
                printer.newPage()
            painter.save()
            painter.setFont(header_font)
            painter.drawText(QRectF(0, 0, width, line * 1.5),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), header)
            painter.drawLine(0, int(line * 1.6), int(width), int(line * 1.6))
            painter.drawText(QRectF(0, height - line * 1.5, width, line * 1.5),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             f"page {i + 1} of {pages}")
            painter.translate(0, top - i * body_h)
            doc.drawContents(painter, QRectF(0, i * body_h, width, body_h))
            painter.restore()
        return pages
    finally:
        painter.end()


def print_to_pdf(path: str | Path, result: Any, comparisons: list[Any] | None = None,
                 page_size: str = "A4", when: dt.date | None = None) -> int:
    """Print the report to a PDF file at ``path``; returns the page count."""
    return paint_report(make_printer(page_size, path), result, comparisons, when)


class PrintController:
    """File → Print… and File → Print Preview… for the main window's current result."""

    def __init__(self, window: QWidget, run_controller: Any) -> None:
        self.window, self.run = window, run_controller
        self.page_size = "A4"

    def _result(self) -> Any:
        result = getattr(self.run, "result", None)
        if result is None:
            show = getattr(self.window, "show_status", None)
            if show is not None:
                show("Nothing to print: the scenario has no result yet (see the results panel).")
        return result

    def _comparisons(self) -> list[Any]:
        return list(getattr(self.run, "comparisons", []) or [])

    def print_dialog(self) -> bool:
        result = self._result()
        if result is None:
            return False
        printer = make_printer(self.page_size)
        self._print_printer = printer  # the dialog keeps a pointer to it: keep it alive
        dialog = QPrintDialog(printer, self.window)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        paint_report(printer, result, self._comparisons())
        return True

    def preview_dialog(self) -> QPrintPreviewDialog | None:
        """The preview dialog (not yet shown), painting the current result."""
        result = self._result()
        if result is None:
            return None
        printer = make_printer(self.page_size)
        self._preview_printer = printer  # the dialog keeps a pointer to it: keep it alive
        dialog = QPrintPreviewDialog(printer, self.window)
        dialog.printer_ref = printer  # and so does the dialog, whoever holds it
        dialog.setWindowTitle(f"Print Preview: {result.scenario.name}")
        comparisons = self._comparisons()
        dialog.paintRequested.connect(lambda p: paint_report(p, result, comparisons))
        return dialog

    def preview(self) -> bool:
        dialog = self.preview_dialog()
        return dialog is not None and bool(dialog.exec())
