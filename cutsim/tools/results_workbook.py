"""A scenario's results as an Excel workbook (``cutsim run --xlsx``, the app's export).

Sheets: Summary (headline, appraisal, assumptions), Annual money (agency × financial year:
planned saving, knock-on cost, one-off cost, net saving), Cost shift, Settlement (with a
pooled budget: each partner's net saving after the settlement), Outcomes by year,
Uncertainty (P10/P50/P90, when draws were run) and Sources (every figure's source,
confidence and whether it is illustrative).

Every money cell holds the engine's full-precision £ (a figure below the materiality floor
is an exact 0, never round-off such as 1.86e-09), shown through a number format in the
sheet's one unit (£m to two decimals, or £k / £ for small figures: docs/user-guide.md,
"Money in tables"). Every total is a live formula that carries its computed value, so a
reader that never recalculates (a mail or phone preview, pandas) sees the engine's figure
and a spreadsheet that recalculates gets the same one (the writer returns the list of
totals and the engine's value of each, which the tests check both ways). Agencies and
levers are named in words, years are financial-year labels, and every sheet prints
landscape, one page wide, with its headings repeated and the scenario and date in the
page header. Text from a received file is always written as text: the workbook is built
with XlsxWriter's ``strings_to_formulas`` off.

Signs as in docs/result-format.md: a positive saving is good for the budget; knock-on and
one-off costs are positive when they cost money. Money is £ at the place's price year.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from cutsim.appraise.result import Result
from cutsim.engine.money import SERIES
from cutsim.files.xlsx_write import SafeWorkbook, new_workbook, write_formula
from cutsim.model import lever_kinds
from cutsim.model.fmt import excel_money_format, money, table_unit, year_label
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import PLACE_ID, headline_year

SERIES_LABELS = {"planned_saving": "planned saving", "knock_on_cost": "knock-on cost",
                 "one_off_cost": "one-off cost", "net_saving": "net saving"}
PLACE_NAME = "The whole place"


@dataclass(frozen=True)
class Total:
    """One total formula cell and the engine's value it must equal (£)."""

    sheet: str
    cell: str  # A1 reference
    expected: float
    what: str


def _ref(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)


def _col(col: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(col)


class _Builder:
    def __init__(self, book: SafeWorkbook, result: Result) -> None:
        self.book, self.result = book, result
        self.cm = result.compiled
        self.model = self.cm.model
        self.totals: list[Total] = []
        self.widths: dict[tuple[str, int], int] = {}
        self.floor = materiality_floor(self.model)
        self._money_formats: dict[tuple[float, str, int], tuple[Any, Any]] = {}
        self.use_unit([1e6])
        self.f_header = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1,
                                         "text_wrap": True, "valign": "top"})
        self.f_bold = book.add_format({"bold": True})
        self.f_title = book.add_format({"bold": True, "font_size": 14})
        self.f_note = book.add_format({"italic": True, "font_color": "#595959"})
        self.f_number = book.add_format({"num_format": "#,##0.00"})
        self.f_percent = book.add_format({"num_format": "0.0%"})

    # --- names, years and the money unit ---------------------------------------------
    def name_of(self, agency: str) -> str:
        """An agency's name in words (the place as "The whole place")."""
        if agency == PLACE_ID:
            return PLACE_NAME
        return next((a.name for a in self.model.agencies if a.id == agency), agency)

    def year(self, index: float) -> str:
        """A 0-based financial year as its label (``2027-28``)."""
        return year_label(self.model.place.base_year, int(index))

    def use_unit(self, values) -> None:
        """Money cells written next read in the one unit of ``values`` (£), docs/user-guide.md."""
        unit = table_unit([float(v) for v in values if v is not None and np.isfinite(v)],
                          floor=self.floor)
        if unit not in self._money_formats:
            number_format = excel_money_format(unit)
            self._money_formats[unit] = (
                self.book.add_format({"num_format": number_format}),
                self.book.add_format({"num_format": number_format, "bold": True, "top": 1}))
        self.unit = unit
        self.f_money, self.f_money_bold = self._money_formats[unit]

    def exact(self, value: float) -> float:
        """``value`` (£) as written: 0 below the materiality floor (no round-off in a cell)."""
        value = float(value)
        return 0.0 if abs(value) < self.floor else value + 0.0

    def print_setup(self, ws, heading_row: int) -> None:
        """Landscape, one page wide, the heading row repeated, scenario and date on top."""
        title = f"{self.model.place.name}: {self.result.scenario.name}".replace("&", "&&")
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(heading_row)
        ws.set_header(f"&L{title[:200]}&R&D", {"margin": 0.3})
        ws.set_footer("&CPage &P of &N")

    # --- cells that remember their width -----------------------------------------------
    def text(self, ws, row: int, col: int, value: str, fmt=None) -> None:
        ws.write_string(row, col, value, fmt)
        self._fit(ws, col, len(value))

    def number(self, ws, row: int, col: int, value: float | None, fmt=None) -> None:
        if value is None or not np.isfinite(value):
            ws.write_string(row, col, "—")
            return
        is_money = fmt is None or fmt in self._money_formats.get(self.unit, ())
        value = self.exact(value) if is_money else float(value) + 0.0
        ws.write_number(row, col, value, fmt or self.f_money)
        self._fit(ws, col, len(money(value)) + 4)

    def total(self, ws, row: int, col: int, formula: str, expected: float, what: str,
              fmt=None) -> None:
        """A live formula carrying ``expected``, the engine's own figure (£), as its value."""
        write_formula(ws, row, col, formula, self.exact(expected), fmt or self.f_money_bold)
        self.totals.append(Total(ws.name, _ref(row, col), float(expected), what))
        self._fit(ws, col, len(money(expected)) + 4)

    def _fit(self, ws, col: int, length: int) -> None:
        key = (ws.name, col)
        self.widths[key] = min(max(self.widths.get(key, 8), length + 2), 60)

    def finish(self) -> None:
        sheets = {ws.name: ws for ws in self.book.worksheets()}
        for (name, col), width in self.widths.items():
            sheets[name].set_column(col, col, width)

    # --- sheets ---------------------------------------------------------------------
    def summary(self) -> None:
        r, cm, model = self.result, self.cm, self.model
        ws = self.book.add_worksheet("Summary")
        scenario = r.scenario
        hy = headline_year(scenario, cm.horizon_years)
        appraisal = r.appraisal
        self.use_unit([float(r.place_annual["net_saving"].sum())]
                      + [v for f in appraisal.entities.values()
                         for v in (f.npv, f.npv_adjusted, f.social_value_npv)])
        self.text(ws, 0, 0, f"{model.place.name}: {scenario.name}", self.f_title)
        pb = appraisal.place.payback_year
        rows: list[tuple[str, Any, str]] = [
            ("scenario", scenario.id, ""),
            ("headline year", r.years[hy], "the year every summary shows"),
            (f"place net saving in {r.years[hy]}", float(r.place_annual["net_saving"][hy]),
             "£ (positive = saving)"),
            ("place net saving over the horizon", float(r.place_annual["net_saving"].sum()),
             f"£ undiscounted, {r.years[0]} to {r.years[-1]}"),
            ("place NPV", appraisal.place.npv, "£, Green Book discounting"),
            ("place NPV after optimism bias", appraisal.place.npv_adjusted, "£"),
            ("place payback year", "not within the horizon" if pb is None else self.year(pb),
             "the financial year the place's cumulative discounted net saving turns positive"),
            ("place benefit-cost ratio", appraisal.place.bcr, ""),
            ("social value NPV", appraisal.place.social_value_npv,
             "£, beside cash, never added to it"),
            ("discount rate", appraisal.discount_rate, "a year"),
            ("prices of", f"{appraisal.price_year}-{(appraisal.price_year + 1) % 100:02d}",
             "all money is in this year's prices"),
        ]
        # The two place net figures point at the Annual money sheet's own totals.
        H = len(r.years)
        net_row = 3 + 4 * len(cm.agency_ids) + 1 + list(SERIES).index("net_saving")
        linked = {2: (hy, float(r.place_annual["net_saving"][hy])),
                  3: (H, float(r.place_annual["net_saving"].sum()))}
        for i, (label, value, unit) in enumerate(rows, start=2):
            self.text(ws, i, 0, label, self.f_bold)
            if i - 2 in linked:
                col, expected = linked[i - 2]
                self.total(ws, i, 1, f"='Annual money'!{_ref(net_row, 2 + col)}", expected,
                           f"summary: {label}", self.f_money)
            elif isinstance(value, str):
                self.text(ws, i, 1, value)
            elif label == "discount rate":
                ws.write_number(i, 1, float(value), self.f_percent)
            elif label == "place benefit-cost ratio":
                if value is None:
                    self.text(ws, i, 1, "none")
                else:
                    self.number(ws, i, 1, float(value), self.f_number)
            else:
                self.number(ws, i, 1, value)
            self.text(ws, i, 2, unit, self.f_note)
        self.print_setup(ws, 0)
        row = len(rows) + 3
        from cutsim.appraise.optimism import describe_optimism_bias

        for line in describe_optimism_bias(model, appraisal.optimism_bias, appraisal.place.npv,
                                           appraisal.place.npv_adjusted):
            ws.write_string(row, 0, line.strip())
            row += 1
        row += 1
        self.text(ws, row, 0, "Appraisal by agency", self.f_bold)
        heads = ["agency", "NPV (£)", "NPV after optimism bias (£)", "payback year", "BCR"]
        for c, h in enumerate(heads):
            self.text(ws, row + 1, c, h, self.f_header)
        for k, agency in enumerate(list(cm.agency_ids) + [PLACE_ID]):
            rr = row + 2 + k
            self.text(ws, rr, 0, self.name_of(agency))
            figures = appraisal.entities[agency]
            self.number(ws, rr, 1, figures.npv)
            self.number(ws, rr, 2, figures.npv_adjusted)
            pb, ratio = figures.payback_year, figures.bcr
            self.text(ws, rr, 3, "not within the horizon" if pb is None else self.year(pb))
            self.text(ws, rr, 4, "none") if ratio is None else self.number(ws, rr, 4, ratio, self.f_number)
        row = row + 3 + len(cm.agency_ids) + 1
        self.text(ws, row, 0, "Assumptions", self.f_bold)
        notes = [
            "Money is £ at the place's price year (real terms); a positive saving is good for "
            "the budget, a positive cost costs money.",
            "Annual figures are exact integrals of the engine's rates over each financial year.",
            "Every total in this workbook is a live formula that also carries its value; each "
            "cell holds the engine's full-precision value in £, shown in the sheet's unit "
            "(£m to two decimals unless every figure is smaller); a figure below the "
            f"materiality floor ({money(self.floor)}) is shown as an exact £0.",
        ]
        illustrative = (sum(1 for s in model.services if s.illustrative)
                        + sum(1 for o in model.outcomes if o.illustrative)
                        + sum(1 for e in model.effects if e.illustrative)
                        + sum(1 for d in model.demands if d.illustrative))
        if illustrative:
            notes.append(f"{illustrative} figures in the model are illustrative stand-ins for "
                         "local data (see the Sources sheet).")
        services = {s.id: s.name for s in model.services}
        areas = {a.id: a.name for a in (model.areas or [])}
        for lever in scenario.levers:
            words = lever_kinds.of(lever).describe(lever, lambda i: services.get(i, i),
                                                   lambda a: areas.get(a, a))
            notes.append(f"{words[:1].upper()}{words[1:]} from {self.year(lever.start_year)}")
        for i, note in enumerate(notes, start=row + 1):
            ws.write_string(i, 0, note)
        ws.set_column(0, 0, 36)
        self.widths[("Summary", 0)] = 36

    def annual(self) -> None:
        r, cm = self.result, self.cm
        ws = self.book.add_worksheet("Annual money")
        years = r.years
        H = len(years)
        self.use_unit([v for s in SERIES for row in r.agency_annual[s] for v in row]
                      + [float(r.place_annual[s].sum()) for s in SERIES])
        self.text(ws, 0, 0, f"Annual money by agency, £ per financial year, {years[0]} to "
                  f"{years[-1]} (positive saving = good for the budget)", self.f_bold)
        heads = ["agency", "series"] + years + ["Total"]
        for c, h in enumerate(heads):
            self.text(ws, 2, c, h, self.f_header)
        first = 3
        row = first
        tcol = 2 + H
        for i, agency in enumerate(cm.agency_ids):
            for s in SERIES:
                self.text(ws, row, 0, self.name_of(agency))
                self.text(ws, row, 1, SERIES_LABELS[s])
                values = r.agency_annual[s][i]
                for y in range(H):
                    self.number(ws, row, 2 + y, values[y])
                self.total(ws, row, tcol, f"=SUM({_ref(row, 2)}:{_ref(row, 1 + H)})",
                           float(values.sum()), f"{agency} {s} over the horizon")
                row += 1
        last = row - 1
        self.agency_rows = (first, last)
        row += 1
        self.place_rows = {}
        for s in SERIES:
            self.text(ws, row, 0, PLACE_NAME, self.f_bold)
            self.text(ws, row, 1, SERIES_LABELS[s], self.f_bold)
            crit = f"$B${first + 1}:$B${last + 1}"
            for y in range(H + 1):
                col = _col(2 + y)
                expected = (r.place_annual[s][y] if y < H else r.place_annual[s].sum())
                self.total(ws, row, 2 + y,
                           f'=SUMIF({crit},"{SERIES_LABELS[s]}",{col}${first + 1}:{col}${last + 1})',
                           float(expected), f"place {s} " + (years[y] if y < H else "over the horizon"))
            self.place_rows[s] = row
            row += 1
        ws.freeze_panes(3, 2)
        self.print_setup(ws, 2)
        # A native chart: net saving over the horizon by agency.
        chart = self.book.add_chart({"type": "bar"})
        net_rows = [first + 4 * i + 3 for i in range(len(cm.agency_ids))]
        if net_rows:
            # Each agency's net row is every fourth row: a non-contiguous range lists them.
            chart.add_series({
                "name": "net saving over the horizon (£)",
                "categories": "=(" + ",".join(f"'Annual money'!$A${n + 1}" for n in net_rows) + ")",
                "values": "=(" + ",".join(f"'Annual money'!${_col(tcol)}${n + 1}"
                                          for n in net_rows) + ")",
            })
        chart.set_title({"name": "Net saving by agency over the horizon"})
        chart.set_x_axis({"name": "£ (positive = saving)", "num_format": excel_money_format(self.unit)})
        chart.set_legend({"none": True})
        ws.insert_chart(row + 2, 2, chart, {"x_scale": 1.4, "y_scale": 1.2})

    def cost_shift(self) -> None:
        r, cm = self.result, self.cm
        ws = self.book.add_worksheet("Cost shift")
        ids = list(cm.agency_ids)
        n = len(ids)
        self.use_unit(list(r.cost_shift_matrix.ravel()) + [float(r.cost_shift_matrix.sum())])
        self.text(ws, 0, 0, "Knock-on cost borne by the column agency, caused by levers on the "
                  "row agency's services, £ over the horizon (undiscounted)", self.f_bold)
        self.text(ws, 2, 0, "from \\ to", self.f_header)
        for j, b in enumerate(ids):
            self.text(ws, 2, 1 + j, self.name_of(b), self.f_header)
        self.text(ws, 2, 1 + n, "Total caused", self.f_header)
        m = r.cost_shift_matrix
        for i, a in enumerate(ids):
            self.text(ws, 3 + i, 0, self.name_of(a))
            for j in range(n):
                self.number(ws, 3 + i, 1 + j, m[i, j])
            self.total(ws, 3 + i, 1 + n, f"=SUM({_ref(3 + i, 1)}:{_ref(3 + i, n)})",
                       float(m[i].sum()), f"knock-on cost caused by {a}")
        self.text(ws, 3 + n, 0, "Total borne", self.f_bold)
        for j in range(n + 1):
            expected = m[:, j].sum() if j < n else m.sum()
            self.total(ws, 3 + n, 1 + j, f"=SUM({_ref(3, 1 + j)}:{_ref(2 + n, 1 + j)})",
                       float(expected), "knock-on cost borne by " + (ids[j] if j < n else "all"))
        ws.freeze_panes(3, 1)
        self.print_setup(ws, 2)

    def settlement(self) -> None:
        """With a pooled budget: each partner's net saving, its settlement transfer and its
        net saving after the settlement, by financial year (the last a live formula)."""
        r, cm = self.result, self.cm
        after = r.net_after_settlement()
        if not after:
            return
        transfers = r.settlement_transfers()
        partners = [a for a in cm.agency_ids if np.any(transfers[a] != 0)]
        if not partners:
            return
        ws = self.book.add_worksheet("Settlement")
        years, H = r.years, len(r.years)
        net = r.agency_annual["net_saving"]
        self.use_unit([v for a in partners for v in (*net[cm.agency_index[a]], *transfers[a],
                                                     *after[a], after[a].sum())])
        self.text(ws, 0, 0, "Net saving after the pooled budget's settlement, £ per financial "
                  "year (transfer: + = receives, under the gain-share rule; net saving is "
                  "before it, as on the Annual money sheet)", self.f_bold)
        for c, h in enumerate(["agency", "line"] + years + ["Total"]):
            self.text(ws, 2, c, h, self.f_header)
        row = 3
        for a in partners:
            i = cm.agency_index[a]
            for label, values in (("net saving", net[i]), ("settlement transfer", transfers[a])):
                self.text(ws, row, 0, self.name_of(a))
                self.text(ws, row, 1, label)
                for y in range(H):
                    self.number(ws, row, 2 + y, values[y])
                self.total(ws, row, 2 + H, f"=SUM({_ref(row, 2)}:{_ref(row, 1 + H)})",
                           float(values.sum()), f"{a} {label} over the horizon")
                row += 1
            self.text(ws, row, 0, self.name_of(a), self.f_bold)
            self.text(ws, row, 1, "net saving after settlement", self.f_bold)
            for y in range(H + 1):
                expected = after[a][y] if y < H else after[a].sum()
                self.total(ws, row, 2 + y, f"={_ref(row - 2, 2 + y)}+{_ref(row - 1, 2 + y)}",
                           float(expected), f"{a} net saving after settlement "
                           + (years[y] if y < H else "over the horizon"))
            row += 2
        ws.freeze_panes(3, 2)
        self.print_setup(ws, 2)

    def outcomes(self) -> None:
        r, cm, model = self.result, self.cm, self.model
        ws = self.book.add_worksheet("Outcomes by year")
        years = r.years
        self.text(ws, 0, 0, "Mean change in each outcome over each financial year, in the "
                  "outcome's own unit (the exact integral of the change over the year)", self.f_bold)
        heads = ["outcome", "name", "unit", "baseline", "higher is better"] + years
        for c, h in enumerate(heads):
            self.text(ws, 2, c, h, self.f_header)
        annual = r.outcome_annual
        for i, outcome in enumerate(model.outcomes):
            row = 3 + i
            self.text(ws, row, 0, outcome.id)
            self.text(ws, row, 1, outcome.name)
            self.text(ws, row, 2, outcome.unit)
            self.number(ws, row, 3, cm.outcome_baseline[i], self.f_number)
            ws.write_boolean(row, 4, outcome.higher_is_better)
            for y in range(len(years)):
                value = annual[i, y] if annual is not None else np.nan
                self.number(ws, row, 5 + y, value, self.f_number)
        ws.freeze_panes(3, 1)
        self.print_setup(ws, 2)
        if model.outcomes:
            chart = self.book.add_chart({"type": "line"})
            for i, _outcome in enumerate(model.outcomes[:12]):  # a readable number of lines
                chart.add_series({
                    "name": ["Outcomes by year", 3 + i, 0],
                    "categories": ["Outcomes by year", 2, 5, 2, 4 + len(years)],
                    "values": ["Outcomes by year", 3 + i, 5, 3 + i, 4 + len(years)],
                })
            chart.set_title({"name": "Outcome change by year"})
            chart.set_y_axis({"name": "change in the outcome's unit"})
            chart.set_x_axis({"name": "financial year"})
            ws.insert_chart(5 + len(model.outcomes), 1, chart, {"x_scale": 1.5, "y_scale": 1.3})

    def uncertainty(self) -> None:
        r, cm = self.result, self.cm
        unc = r.uncertainty
        if unc is None:
            return
        ws = self.book.add_worksheet("Uncertainty")
        self.text(ws, 0, 0, f"Monte Carlo: {unc.draws} draws, seed {unc.seed}; "
                  "P10/P50/P90 at the start of each financial year", self.f_bold)
        steps = cm.model.place.steps_per_year
        H = cm.horizon_years
        idx = [y * steps for y in range(H)]
        self.use_unit([unc.place_npv.quantile(p) for p in ("p10", "p50", "p90")]
                      + [v for b in [unc.place_net_saving, *unc.agency_net_saving.values()] if b
                         for p in ("p10", "p50", "p90") for k in idx for v in [b.quantile(p)[k]]])
        heads = ["entity", "name", "series", "percentile"] + r.years
        for c, h in enumerate(heads):
            self.text(ws, 2, c, h, self.f_header)
        row = 3
        for p in ("p10", "p50", "p90"):
            self.text(ws, row, 0, "place")
            self.text(ws, row, 1, PLACE_NAME)
            self.text(ws, row, 2, "NPV (£)")
            self.text(ws, row, 3, p.upper())
            self.number(ws, row, 4, unc.place_npv.quantile(p))
            row += 1
        blocks = [("place", PLACE_ID, "net saving (£/yr)", unc.place_net_saving, self.f_money)]
        blocks += [("agency", a, "net saving (£/yr)", v, self.f_money)
                   for a, v in unc.agency_net_saving.items()]
        blocks += [("outcome", o, "level", v, self.f_number) for o, v in unc.outcomes.items()]
        for entity, ident, series, bands, fmt in blocks:
            if not bands:
                continue
            for p in ("p10", "p50", "p90"):
                self.text(ws, row, 0, entity)
                self.text(ws, row, 1, self.name_of(ident) if entity != "outcome" else
                          next((o.name for o in cm.model.outcomes if o.id == ident), ident))
                self.text(ws, row, 2, series)
                self.text(ws, row, 3, p.upper())
                values = bands.quantile(p)
                for y, k in enumerate(idx):
                    self.number(ws, row, 4 + y, values[k], fmt)
                row += 1
        ws.freeze_panes(3, 4)
        self.print_setup(ws, 2)

    def sources(self) -> None:
        model = self.model
        ws = self.book.add_worksheet("Sources")
        heads = ["kind", "id", "from", "to", "confidence", "illustrative", "source"]
        for c, h in enumerate(heads):
            self.text(ws, 0, c, h, self.f_header)
        rows: list[tuple] = []
        rows += [("service", s.id, s.agency, "", "", s.illustrative, s.source or "")
                 for s in model.services]
        rows += [("outcome", o.id, "", "", "", o.illustrative, o.source or "") for o in model.outcomes]
        rows += [("effect", e.id, e.service, e.outcome, e.confidence, e.illustrative, e.source)
                 for e in model.effects]
        rows += [("demand", d.id, d.outcome, d.service, d.confidence, d.illustrative, d.source)
                 for d in model.demands]
        for i, values in enumerate(rows, start=1):
            for c, v in enumerate(values):
                if isinstance(v, bool):
                    self.text(ws, i, c, "yes" if v else "no")
                elif isinstance(v, int):
                    ws.write_number(i, c, v)
                else:
                    self.text(ws, i, c, str(v))
        ws.freeze_panes(1, 2)
        self.print_setup(ws, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(heads) - 1)


def write_results_workbook(path: str | os.PathLike[str], result: Result) -> list[Total]:
    """Write ``result`` as a results workbook at ``path`` (atomically).

    Returns every total formula written, with the engine's value it must equal (£).
    """
    with new_workbook(path) as book:
        builder = _Builder(book, result)
        builder.summary()
        builder.annual()
        builder.cost_shift()
        builder.settlement()
        builder.outcomes()
        builder.uncertainty()
        builder.sources()
        builder.finish()
    return builder.totals
