"""``cutsim run FILE --scenario ID [--draws N --seed S] [--year Y] [--json|--csv [--annual]] [--out PATH]``."""

from __future__ import annotations

import json
import sys
from typing import cast

import numpy as np

from cutsim.cli import options
from cutsim.cli.output import emit
from cutsim.cli.sensitivity_cmd import add_sweep_options, sweep_settings
from cutsim.model import fmt, wording
from cutsim.model.materiality import is_nothing, materiality_floor
from cutsim.model.schema import PLACE_ID


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="run a scenario and report its money and outcomes",
                              description="Run a scenario from a .cutsim file or a workspace.")
    p.add_argument("file", metavar="FILE", help="a .cutsim file, a model workbook (.xlsx) or a workspace")
    p.add_argument("--scenario", required=True, metavar="ID", help="scenario id in the file")
    options.add_model(p)
    p.add_argument("--draws", type=int, metavar="N", help="Monte Carlo draws (P10/P50/P90)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed for the draws (0 or more)")
    add_sweep_options(p)
    options.add_year(p)
    fmt_group = p.add_mutually_exclusive_group()
    fmt_group.add_argument("--json", action="store_true", help="print the result object (docs/result-format.md)")
    fmt_group.add_argument("--csv", action="store_true", help="long form: t,entity,id,series,value")
    p.add_argument("--annual", action="store_true",
                   help="with --csv: financial-year figures, year,entity,id,series,value")
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.add_argument("--xlsx", metavar="PATH",
                   help="also write a results workbook (.xlsx): summary, annual money, cost "
                        "shift, outcomes, uncertainty, sources; totals are live formulas")
    p.add_argument("--brackets", action="store_true",
                   help="show negative money in brackets, (£0.25m), instead of with a minus sign")
    p.set_defaults(func=run)


def run(args) -> int:
    from cutsim.api import Project
    from cutsim.workspace.sources import read_any

    options.at_least(args, "draws", args.draws, 1)
    options.at_least(args, "seed", args.seed, 0)
    if args.annual and not args.csv:
        args.parser.error("--annual goes with --csv")
    project = Project(read_any(args.file, args.model, choose=True))
    scenario = project.scenario(args.scenario)
    year = options.year_of(args, project.model, scenario)
    from cutsim.appraise.executor import InProcess, executor_for

    settings = sweep_settings(args)
    with (executor_for(args.dask) if args.draws else InProcess()) as executor:
        result = project.run(scenario, draws=args.draws, seed=args.seed, executor=executor,
                             **settings)
    if args.xlsx:
        from cutsim.tools.results_workbook import write_results_workbook

        write_results_workbook(args.xlsx, result)
        print(f"wrote {args.xlsx}", file=sys.stderr)
    if args.json:
        text = json.dumps(result.to_json_dict(), allow_nan=False) + "\n"
    elif args.csv:
        text = result.to_annual_csv() if args.annual else cast(str, result.to_csv())  # no stream: the text
    else:
        text = summary(result, year, brackets=args.brackets)
    emit(text, args.out)
    return 0


def summary(result, year: int, *, brackets: bool = False) -> str:
    """The run for people: the headline year's money in words, the annual net saving
    table (one unit and precision, negatives in brackets with ``brackets``) and, with
    draws, P10/P50/P90 (docs/result-format.md)."""
    cm = result.compiled
    floor = materiality_floor(cm.model)
    fy = result.years[year]
    net = result.agency_annual["net_saving"]
    place = result.place_annual["net_saving"]
    moved = [i for i in range(len(cm.agency_ids))
             if not all(is_nothing(v, floor) for s in result.agency_annual.values() for v in s[i])]
    lines = [f"Scenario {result.scenario.id} ({result.scenario.name}): "
             f"{wording.lever_summary(lever.kind for lever in result.scenario.levers)}",
             "",
             f"In {fy} (the headline year), after each agency's knock-on costs:"]
    shown = [cm.agency_ids[i] for i in moved] + [PLACE_ID]
    rows = [[net[cm.agency_index[a], y] if a != PLACE_ID else place[y] for a in shown]
            for y in range(cm.horizon_years)]
    npvs = [result.appraisal.npv_of(a) for a in shown]
    # One unit for the headline lines, the yearly table and the NPV row (docs/user-guide.md).
    unit = fmt.table_unit([v for row in rows for v in row] + npvs, floor=floor)

    def in_unit(value: float) -> str:
        return fmt.money_in_unit(value, unit, floor=floor, brackets=brackets)

    lines.append(f"  the place: {wording.net(place[year], floor, in_unit)}")
    for i in moved:
        lines.append(f"  {cm.agency_ids[i]}: {wording.net(net[i, year], floor, in_unit)}")
    cells = fmt.money_table([v for row in rows for v in row], floor=floor, unit=unit,
                            brackets=brackets)
    npv_cells = fmt.money_table(npvs, floor=floor, unit=unit, brackets=brackets)
    width = max(10, *(len(n) for n in shown), *(len(c) for c in cells + npv_cells))
    n = len(shown)
    lines += ["", "Net saving by financial year (positive = saving; £ a year)",
              "year     " + "".join(f"{a:>{width + 1}}" for a in shown)]
    for y, label in enumerate(result.years):
        lines.append(f"{label:<9}" + "".join(f"{c:>{width + 1}}" for c in cells[y * n:(y + 1) * n]))
    lines += ["", f"Net present value over the {cm.horizon_years} years (£ in today's money)",
              "         " + "".join(f"{c:>{width + 1}}" for c in npv_cells)]
    lines += _settlement_lines(result, year, floor, brackets)
    from cutsim.appraise.optimism import describe_optimism_bias

    place_row = result.appraisal.place
    lines += ["", *describe_optimism_bias(cm.model, result.appraisal.optimism_bias,
                                          place_row.npv, place_row.npv_adjusted)]
    if result.uncertainty is not None:
        lines += ["", *_bands(result, year, shown, floor, brackets)]
    long_run = _long_run_lines(result)
    if long_run:
        lines += ["", *long_run]
    lines += _income_lines(result)
    return "\n".join(lines) + "\n"


def _settlement_lines(result, year: int, floor: float, brackets: bool) -> list[str]:
    """With a pooled budget: each partner's net saving before and after the settlement
    (the headline year and the horizon), one table in one unit; nothing without a pool."""
    after = result.net_after_settlement()
    if not after:
        return []
    cm = result.compiled
    transfers = result.settlement_transfers()
    partners = [a for a in cm.agency_ids if np.any(transfers[a] != 0)]
    if not partners:
        return []
    net = result.agency_annual["net_saving"]
    rows = []
    for a in partners:
        i = cm.agency_index[a]
        rows.append((a, [net[i][year], after[a][year], net[i].sum(), transfers[a].sum(),
                         after[a].sum()]))
    fy, hz = result.years[year], cm.horizon_years
    cells = fmt.money_table([v for _, vs in rows for v in vs], floor=floor, brackets=brackets)
    heads = [f"net {fy}", f"after settlement {fy}", f"net, {hz} years", f"transfer, {hz} years",
             f"after settlement, {hz} years"]
    label_w = max(10, *(len(a) for a in partners))
    widths = [2 + max(len(h), *(len(cells[5 * k + j]) for k in range(len(rows))))
              for j, h in enumerate(heads)]
    title = ("After the pooled budget's settlement (transfers between partners under the "
             "gain-share rule; + = receives; the net saving above is before it)")
    out = ["", title,
           " " * label_w + "".join(f"{h:>{w}}" for h, w in zip(heads, widths))]
    for k, (a, _) in enumerate(rows):
        out.append(f"{a:<{label_w}}" + "".join(f"{c:>{w}}" for c, w in
                                                zip(cells[5 * k:5 * k + 5], widths)))
    return out


def _income_lines(result) -> list[str]:
    """A scenario that raises income says so (it is not in the net saving above), and a
    council tax increase at or above the referendum limit is warned of (docs/mtfs.md)."""
    from cutsim.appraise.mtfs import referendum_warnings
    from cutsim.model import lever_kinds
    from cutsim.workshop.packages import describe_lever

    income = [lv for lv in result.scenario.levers if lever_kinds.of(lv).raises_income]
    warnings = referendum_warnings(result.compiled.model, result.scenario, result.years)
    out = []
    if income:
        out += ["", "Income, paid by residents (not a saving, so not in the figures above; see "
                    "cutsim mtfs): " + "; ".join(describe_lever(lv, result.compiled.model)
                                                 for lv in income)]
    out += [f"Warning: {w.message}" for w in warnings]
    return out


def _bands(result, year: int, shown: list[str], floor: float, brackets: bool) -> list[str]:
    """P10/P50/P90 of the place NPV and of each shown agency's net saving in ``year``."""
    u = result.uncertainty
    fy = result.years[year]
    rows = [("place NPV over the horizon", u.place_npv.as_dict())]
    for a in shown:
        band = u.annual_net_saving(a)
        if band is not None:
            rows.append((f"{a} net saving in {fy}", {q: band.quantile(q)[year]
                                                     for q in ("p10", "p50", "p90")}))
    # One unit for the whole table (docs/user-guide.md), NPV row and yearly rows alike.
    cells = fmt.money_table([b[q] for _, b in rows for q in ("p10", "p50", "p90")], floor=floor,
                            brackets=brackets)
    label_w = max(len(label) for label, _ in rows)
    width = max(10, *(len(c) for c in cells))
    seed = "" if u.seed is None else f", seed {u.seed}"
    lines = [f"Uncertainty: {u.draws} draws{seed} (P10 to P90 is the likely range)",
             " " * label_w + "".join(f"  {q:>{width}}" for q in ("P10", "P50", "P90"))]
    for k, (label, _) in enumerate(rows):
        lines.append(f"{label:<{label_w}}" + "".join(f"  {c:>{width}}" for c in cells[3 * k:3 * k + 3]))
    return lines


def _long_run_lines(result) -> list[str]:
    """The long run beside the NPV: harm still growing, outcomes not settled, terminal value."""
    from cutsim.appraise.longrun import describe_long_run

    return describe_long_run(result)
