"""File → Print… and Print Preview: the cabinet pack of the current scenario on paper.

The pack is a ``QTextDocument`` built from the same table models the results dock shows
(so every figure is the engine's, in the core formatter's words) and one chart: the
headline, the Green Book appraisal, the scenarios compared, the money per financial year,
the cost shift between agencies, the medium-term financial plan (its warnings, lines and
savings programme) and any pooled budgets. It is painted page by page with a header on
every page (the scenario's name, the price year of its money and the date printed) and
"page n of N" at the foot; A4 or Letter, portrait.

Rows whose every figure is £0 are left out unless the File menu's "Print rows of zeros"
is ticked (a line under each table says how many were); year labels are never broken
inside; a heading never ends a page (it moves to the page of what it heads).
Tests print to a PDF file (``QPrinter.OutputFormat.PdfFormat``), never to a printer.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMarginsF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from cutsim.appraise.mtfs import DEFAULT_YEARS, build_plan
from cutsim.model.fmt import money, year_label
from cutsim.model.materiality import is_nothing, materiality_floor
from cutsim.model.schema import PLACE_ID, headline_year
from cutsim.workshop import describe_lever
from ui.results.tables import RAW_ROLE

if TYPE_CHECKING:
    from cutsim.appraise.result import Result
    from cutsim.model.schema import Model, Scenario
    from ui.run_controller import RunController

PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
MARGIN_MM = 15.0
TABLE_POINTS = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5)  # type sizes tried per table, largest first
DEFAULT_TABLE_PT = 7.0  # a table's type when no page width is given
Fits = Callable[[str], bool]  # does this HTML fit the page's width?
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


def header_text(result: Result, when: dt.date | None = None) -> str:
    """``"Youth cut · £ at 2024-25 prices · printed 2 December 2026"``: on every page."""
    place = result.compiled.model.place
    when = when or dt.date.today()
    return (f"{result.scenario.name} · £ at {year_label(place.effective_price_year, 0)} prices"
            f" · printed {when.day} {when.strftime('%B %Y')}")


@dataclass(frozen=True)
class PackOptions:
    """What the printed pack holds beyond its fixed contents.

    ``zero_rows``: print rows whose every figure is £0 (left out by default, with a line
    saying how many were); ``mtfs_agency``: whose medium-term plan (an agency id, ``"place"``,
    or None for the first agency, as the MTFS tab starts); ``mtfs_cash``: cash terms (else
    real terms); ``mtfs_years``: financial years of the plan; ``mtfs_slippage``: % of planned
    savings that slip (0 to 100).
    """

    zero_rows: bool = False
    mtfs_agency: str | None = None
    mtfs_cash: bool = True
    mtfs_years: int = DEFAULT_YEARS
    mtfs_slippage: float = 0.0


def _is_zero_row(model: Any, row: int) -> bool:
    """True when every figure of ``row`` is nothing (below the model's materiality floor)
    and it has at least one figure; words and blank cells do not count."""
    figures = [model.index(row, c).data(RAW_ROLE) for c in range(model.columnCount())]
    figures = [v for v in figures if isinstance(v, float)]
    return bool(figures) and all(is_nothing(v, model.floor) for v in figures)


HEADER_LINE = 10  # characters per line of a printed column heading, words kept whole
SHORT_NAME = 24  # characters: a row's name up to this long is printed on one line


def _header_cell(text: str) -> str:
    """A column heading on short lines of whole words, never broken inside a word (so a
    year label such as 2027-28 is never split at its hyphen)."""
    words = " ".join(text.split())
    lines = textwrap.wrap(words, HEADER_LINE, break_long_words=False, break_on_hyphens=False)
    return ('<th style="white-space: nowrap">'
            + "<br>".join(html.escape(line) for line in lines or [words]) + "</th>")


def _keep_whole(text: str) -> str:
    """A short name on one line (a style attribute), so its row is one line high and
    never split between two pages; a long name wraps."""
    return ' style="white-space: nowrap"' if len(text) <= SHORT_NAME else ""


def _table_html(model: Any, caption: str, zero_rows: bool = False, note: str = "",
                size_pt: float = 7.0) -> str:
    """A table model as HTML: its headers and the text its cells show, in ``size_pt`` type.
    Rows whose every figure is £0 are left out unless ``zero_rows``; a line under the
    table says how many were. Figures never wrap; names wrap at word boundaries."""
    cols, rows = model.columnCount(), model.rowCount()
    if not rows:
        return ""
    head = "".join(_header_cell(str(model.headerData(c, Qt.Orientation.Horizontal)))
                   for c in range(cols))
    row_heads = model.headerData(0, Qt.Orientation.Vertical) is not None
    body, left_out = [], 0
    for r in range(rows):
        if not zero_rows and _is_zero_row(model, r):
            left_out += 1
            continue
        cells = []
        for c in range(cols):
            words = isinstance(model.index(r, c).data(RAW_ROLE), str)
            shown = str(model.index(r, c).data() or "")
            text = html.escape(shown)
            if not words and shown.startswith("less than "):
                # "less than £0.01m" may take two lines: a figure too small for the table's
                # one unit must not widen its column past the page
                text = "less than<br>" + html.escape(shown.removeprefix("less than "))
                cells.append(f'<td align="right">{text}</td>')
                continue
            cells.append(f'<td align="left"{_keep_whole(shown)}>{text}</td>' if words else
                         f'<td align="right" style="white-space: nowrap">{text}</td>')
        name = str(model.headerData(r, Qt.Orientation.Vertical)) if row_heads else ""
        first = f'<th align="left"{_keep_whole(name)}>{html.escape(name)}</th>' if row_heads else ""
        body.append(f"<tr>{first}{''.join(cells)}</tr>")
    corner = "<th></th>" if row_heads else ""
    after = [html.escape(note)] if note else []
    if left_out:
        after.append(f"{left_out} row{'s' if left_out != 1 else ''} that {'are' if left_out != 1 else 'is'} "
                     "£0 throughout left out.")
    table = (f"<table border=\"1\" cellspacing=\"0\" cellpadding=\"2\" width=\"100%\" "
             f"style=\"font-size: {size_pt:g}pt\"><thead><tr>{corner}{head}</tr></thead>"
             f"{''.join(body)}</table>") if body else ""
    return (f"<h3>{html.escape(caption)}</h3>{table}"
            + (f"<p style=\"font-size: 8pt\">{' '.join(after)}</p>" if after else ""))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _notes_html(scenario: Scenario, model: Model | None = None) -> str:
    """The scenario's description and its levers' notes, each lever named in words
    ("Cut Youth work and youth clubs by 20 %"), not by its id."""
    parts = []
    if scenario.description:
        parts.append(f"<p>{html.escape(scenario.description)}</p>")
    notes = [f"<li><b>{html.escape(_capital(describe_lever(lv, model)))}</b>: "
             f"{html.escape(lv.note)}</li>" for lv in scenario.levers if lv.note]
    if notes:
        parts.append("<h3>Notes on the levers</h3><ul>" + "".join(notes) + "</ul>")
    return "".join(parts)


def _sized_table(model: Any, caption: str, zero_rows: bool, fits: Fits | None) -> str:
    """The table in the largest type of ``TABLE_POINTS`` whose HTML ``fits`` the page's
    width (the smallest when none does); in ``DEFAULT_TABLE_PT`` when ``fits`` is None."""
    if fits is None:
        return _table_html(model, caption, zero_rows, size_pt=DEFAULT_TABLE_PT)
    text = ""
    for size in TABLE_POINTS:
        text = _table_html(model, caption, zero_rows, size_pt=size)
        if fits(text):
            break
    return text


def _mtfs_html(result: Result, options: PackOptions, fits: Fits | None) -> str:
    """The medium-term financial plan as the MTFS tab shows it: its warnings in the core's
    words, the plan's lines by year, and the savings programme."""
    from ui.results.mtfs import MtfsTableModel, ProgrammeTableModel

    cm = result.compiled
    plan = build_plan(result, cash=options.mtfs_cash,
                      slippage_percent=options.mtfs_slippage).span(options.mtfs_years)
    who = options.mtfs_agency or cm.agency_ids[0]
    names = {a.id: a.name for a in cm.model.agencies}
    name = "the whole place" if who == PLACE_ID else names.get(who, who)
    floor = materiality_floor(cm.model)
    table, programme = MtfsTableModel(), ProgrammeTableModel()
    table.set_plan(plan, who, floor)
    programme.set_plan(plan, who, floor)
    terms = ("cash terms, by each agency's pay, prices and inflation" if plan.terms == "cash"
             else f"real terms at {plan.price_year} prices")
    span = f"{plan.years[0]} to {plan.years[-1]}" if len(plan.years) > 1 else plan.years[0]
    warnings = [w.message for w in plan.warnings if who in (PLACE_ID, w.agency)]
    parts = [f"<h2>Medium-term financial plan of {html.escape(name)}, {html.escape(span)}</h2>",
             (f"<p>£ a year, {html.escape(terms)}. Gap = baseline spend with pressures − "
              "funding: positive is a shortfall. Gap after savings = gap − planned savings + "
              "cashable knock-on + one-off costs.</p>")]
    if warnings:
        parts.append("<h3>Warnings</h3><ul>" + "".join(
            f"<li>{html.escape(w)}</li>" for w in warnings) + "</ul>")
    parts.append(_sized_table(table, f"The plan of {name} (£ a year)", options.zero_rows, fits))
    if programme.has_rows():
        parts.append(_sized_table(
            programme, f"Savings programme of {name} (£ a year; the totals by directorate and "
            "by status add up to the plan's planned-savings line)", options.zero_rows, fits))
    else:
        parts.append(f"<p>{html.escape(name[:1].upper() + name[1:])} has no savings proposals "
                     "on its general fund in this scenario.</p>")
    return "".join(parts)


def report_html(result: Result, comparisons: list[Result] | None = None,
                chart_size: tuple[int, int] | None = None,
                options: PackOptions | None = None, fits: Fits | None = None) -> str:
    """The printed pack's HTML: headline, notes, chart, appraisal, the scenarios compared,
    annual money, cost shift, the medium-term financial plan, pools and procurement; the
    tables each in the largest type that ``fits`` the page (see :func:`_sized_table`)."""
    from ui.results.pools import ProcurementTableModel, SettlementTableModel
    from ui.results.tables import (
        AnnualMoneyTableModel,
        AppraisalTableModel,
        CompareTableModel,
        CostShiftTableModel,
    )

    options = options or PackOptions()
    cm = result.compiled
    place = cm.model.place
    year = headline_year(result.scenario, cm.horizon_years)
    net = float(result.place_annual["net_saving"][year])
    parts = [f"<h1>{html.escape(result.scenario.name)}</h1>",
             f"<p>{html.escape(place.name)}. In {year_label(place.base_year, year)} (the headline "
             f"year) the whole place's net saving is {html.escape(money(net))}. Money in £ at "
             f"{year_label(place.effective_price_year, 0)} prices; + = saving for the budget.</p>",
             _notes_html(result.scenario, cm.model)]
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
    shift = CostShiftTableModel()
    shift.set_result(result)
    tables.append((shift, ("Who pays for whose cuts: knock-on cost borne by the column agency "
                           "because of the row agency's levers (£ over the horizon, undiscounted)")))
    parts += [_sized_table(model, caption, options.zero_rows, fits) for model, caption in tables]
    parts.append(_mtfs_html(result, options, fits))
    pools: list[tuple[Any, str]] = []
    if result.settlement:
        settlement = SettlementTableModel()
        settlement.set_result(result)
        pools.append((settlement, "Pooled budgets: settlement between partners"))
    if result.procurement:
        procurement = ProcurementTableModel()
        procurement.set_result(result)
        pools.append((procurement, "Procurement: local value"))
    parts += [_sized_table(model, caption, options.zero_rows, fits) for model, caption in pools]
    return "<html><body>" + "".join(parts) + "</body></html>"


def _stranded(doc: QTextDocument, page_height: float) -> list[Any]:
    """The heading blocks that end a page: what they head starts on a later page."""
    layout = doc.documentLayout()
    found = []
    block = doc.begin()
    while block.isValid():
        nxt = block.next()
        breaks = block.blockFormat().pageBreakPolicy()
        moved = bool(breaks & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        if block.blockFormat().headingLevel() and nxt.isValid() and not moved:
            top = layout.blockBoundingRect(block).top()
            follow = _first_content_bottom(doc, nxt)
            if int(top // page_height) != int(follow // page_height) \
                    and top % page_height > 1.0:  # a heading at the top of a page stays
                found.append(block)
        block = nxt
    return found


def stranded_headings(doc: QTextDocument, page_height: float) -> list[str]:
    """The text of every heading at a page foot whose table or paragraph starts on the
    next page (empty for a pack laid out by :func:`pack_document`)."""
    return [block.text() for block in _stranded(doc, page_height)]


def split_paragraphs(doc: QTextDocument, page_height: float) -> list[str]:
    """The text of every paragraph (outside tables) whose lines fall on two pages."""
    return [block.text() for block in _split(doc, page_height)]


def split_rows(doc: QTextDocument, page_height: float) -> list[str]:
    """The text of every table cell whose lines fall on two pages (its row is split)."""
    return [block.text() for block in _split(doc, page_height, in_tables=True)]


def _split(doc: QTextDocument, page_height: float, in_tables: bool = False) -> list[Any]:
    layout = doc.documentLayout()
    found = []
    block = doc.begin()
    while block.isValid():
        lines = block.layout()
        if lines.lineCount() > 1 and (QTextCursor(block).currentTable() is not None) == in_tables:
            top = layout.blockBoundingRect(block).top()
            first = top + lines.lineAt(0).y()
            last = top + lines.lineAt(lines.lineCount() - 1).y()
            height = lines.lineAt(lines.lineCount() - 1).rect().bottom() - lines.lineAt(0).y()
            if int(first // page_height) != int(last // page_height) and height < page_height / 2:
                found.append(block)
        block = block.next()
    return found


def _break_before(block: Any) -> None:
    fmt = block.blockFormat()
    fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
    QTextCursor(block).setBlockFormat(fmt)


def keep_headings_with_next(doc: QTextDocument, page_height: float) -> int:
    """Move every heading that would end a page onto the next one, so a heading always
    stands on the page of what it heads (the first line of a paragraph, or a table's
    heading row and first row), and every short paragraph that would run over a page
    foot onto the next page whole (a page then draws none of its neighbour's lines,
    which a PDF would keep, clipped, as text). Returns how many blocks were moved."""
    moved = 0
    while moved < 1000:  # one block at a time: each move shifts everything after it
        stranded = _stranded(doc, page_height)
        split = _split(doc, page_height)
        candidates = stranded[:1] + split[:1]
        if not candidates:
            break
        _break_before(min(candidates, key=lambda block: block.position()))
        moved += 1
    return moved


def _first_content_bottom(doc: QTextDocument, block: Any) -> float:
    """The bottom (document coordinates) of what follows a heading: the first body row of
    the table ``block`` opens, else ``block`` itself."""
    layout = doc.documentLayout()
    cursor = QTextCursor(block)
    table = cursor.currentTable()
    if table is not None:
        row = min(table.rows() - 1, table.format().headerRowCount())
        cell = table.cellAt(row, 0)
        rect = layout.blockBoundingRect(cell.firstCursorPosition().block())
        origin = layout.frameBoundingRect(table)
        return max(rect.bottom(), origin.top() + rect.height())
    rect = layout.blockBoundingRect(block)
    lines = block.layout()
    return rect.top() + (lines.lineAt(0).height() if lines.lineCount() else rect.height())


def chart_image(result: Result, comparisons: list[Result] | None, size: tuple[int, int] = (900, 420)) -> Any:
    """The place's net saving per year (and the compared scenarios') as an image."""
    from ui.results.charts import CompareChart

    chart = CompareChart()
    chart.resize(*size)
    chart.update_result(result, comparisons or [])
    image = chart.widget.grab().toImage()
    chart.deleteLater()
    return image


HEADER_FONT = ("DejaVu Sans", 9)


def _band_height(printer: QPrinter) -> float:
    """The height of the header band (and of the foot band), in the printer's dots."""
    return QFontMetricsF(QFont(*HEADER_FONT), printer).height() * HEADER_LINES


def pack_document(printer: QPrinter, result: Result, comparisons: list[Result] | None = None,
                  options: PackOptions | None = None) -> tuple[QTextDocument, float]:
    """The pack laid out for ``printer``'s pages: the document and the height of its page
    body in dots (the page less the header and foot bands). Tables take the largest type
    in ``TABLE_POINTS`` that fits the page's width; headings are kept with what follows."""
    page = printer.pageLayout().paintRectPixels(printer.resolution())
    width, height = float(page.width()), float(page.height())
    image = chart_image(result, comparisons)
    # <img> sizes are in 96-dpi pixels, which the document scales to the printer's dots
    chart_w = int(width * 96.0 / printer.resolution())
    chart_h = int(chart_w * image.height() / max(1, image.width()))
    words = QTextOption()
    words.setWrapMode(QTextOption.WrapMode.WordWrap)  # never inside a word or a figure

    def new_document() -> QTextDocument:
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(printer)
        doc.setDefaultFont(QFont("DejaVu Sans", 9))
        doc.setDefaultTextOption(words)
        return doc

    def fits(fragment: str) -> bool:
        probe = new_document()
        probe.setHtml(fragment)
        probe.setTextWidth(width)
        return probe.size().width() <= width + 1

    doc = new_document()
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(CHART_URL), image)
    doc.setHtml(report_html(result, comparisons, (chart_w, chart_h), options, fits))
    body_h = height - 2 * _band_height(printer)
    doc.setPageSize(QRectF(0, 0, width, body_h).size())
    keep_headings_with_next(doc, body_h)
    return doc, body_h


def paint_report(printer: QPrinter, result: Result, comparisons: list[Result] | None = None,
                 when: dt.date | None = None, options: PackOptions | None = None) -> int:
    """Paint the pack on ``printer``, a header on every page; returns the page count."""
    doc, body_h = pack_document(printer, result, comparisons, options)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(f"cannot print to {printer.outputFileName() or printer.printerName()}")
    try:
        page = printer.pageLayout().paintRectPixels(printer.resolution())
        width, height = float(page.width()), float(page.height())
        header_font = QFont(*HEADER_FONT)
        painter.setFont(header_font)
        line = painter.fontMetrics().height()
        top = _band_height(printer)
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
            # the page's own lines only: the last line of one page and the first of the
            # next lie the document's margin apart, so half of it on either side keeps
            # the neighbouring page's text out of this page (a PDF holds clipped text too)
            edge = doc.documentMargin() / 2
            doc.drawContents(painter, QRectF(0, i * body_h + edge, width, body_h - 2 * edge))
            painter.restore()
        return pages
    finally:
        painter.end()


def print_to_pdf(path: str | Path, result: Result, comparisons: list[Result] | None = None,
                 page_size: str = "A4", when: dt.date | None = None,
                 options: PackOptions | None = None) -> int:
    """Print the pack to a PDF file at ``path``; returns the page count."""
    return paint_report(make_printer(page_size, path), result, comparisons, when, options)


class PrintController:
    """File → Print… and File → Print Preview… for the main window's current result."""

    def __init__(self, window: QWidget, run_controller: RunController | None) -> None:
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

    def options(self) -> PackOptions:
        """The pack as the window shows it: the "Print Rows of Zeros" setting, and the
        medium-term plan chosen on the MTFS tab (its agency, terms, years and slippage)."""
        settings = getattr(self.window, "settings", None)
        zero_rows = bool(settings.print_zero_rows()) if settings is not None else False
        views = getattr(self.window, "views", {}) or {}
        dock = views.get("resultsDock")
        page = getattr(dock.widget(), "mtfs", None) if dock is not None else None
        if page is None or page.agency.count() == 0:
            return PackOptions(zero_rows=zero_rows)
        return PackOptions(zero_rows=zero_rows, mtfs_agency=page.agency.currentData(),
                           mtfs_cash=page.cash.isChecked(), mtfs_years=page.years.value(),
                           mtfs_slippage=page.slippage.value())

    def print_dialog(self) -> bool:
        result = self._result()
        if result is None:
            return False
        printer = make_printer(self.page_size)
        self._print_printer = printer  # the dialog keeps a pointer to it: keep it alive
        dialog = QPrintDialog(printer, self.window)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        paint_report(printer, result, self._comparisons(), options=self.options())
        return True

    def preview_dialog(self) -> QPrintPreviewDialog | None:
        """The preview dialog (not yet shown), painting the current result."""
        result = self._result()
        if result is None:
            return None
        printer = make_printer(self.page_size)
        self._preview_printer = printer  # the dialog keeps a pointer to it: keep it alive
        dialog = QPrintPreviewDialog(printer, self.window)
        dialog.printer_ref = printer  # type: ignore[attr-defined]  # and so does the dialog, whoever holds it
        dialog.setWindowTitle(f"Print Preview: {result.scenario.name}")
        comparisons, options = self._comparisons(), self.options()
        dialog.paintRequested.connect(lambda p: paint_report(p, result, comparisons,
                                                             options=options))
        return dialog

    def preview(self) -> bool:
        dialog = self.preview_dialog()
        return dialog is not None and bool(dialog.exec())
