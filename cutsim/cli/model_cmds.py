"""Model commands: init, validate, show, export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cutsim.files import exchange
from cutsim.files.redact import redact
from cutsim.files.workbook import is_workbook_path, write_workbook
from cutsim.model.errors import InputError
from cutsim.model.fmt import count, money, money_table, per_units
from cutsim.model.safetext import terminal_safe
from cutsim.model.schema import CutsimFile
from cutsim.workspace import create_workspace
from cutsim.workspace.location import is_url, shown
from cutsim.workspace.sources import read_any


def register(subparsers: argparse._SubParsersAction) -> None:
    init = subparsers.add_parser("init", help="create a workspace, optionally from a .cutsim file",
                                 description="Create a new SQLite workspace.")
    init.add_argument("workspace", help="path of the new workspace file (e.g. place.sqlite), "
                      "or the postgresql:// URI of an existing, empty database")
    init.add_argument("--from", dest="source", metavar="FILE",
                      help=".cutsim file or model workbook (.xlsx) to start from")
    init.add_argument("--require-signed", action="store_true",
                      help="refuse FILE unless a trusted signature holds for it (as the "
                           "'require' policy does; see cutsim keys policy)")
    init.set_defaults(func=cmd_init)

    validate = subparsers.add_parser("validate", help="check a .cutsim file or workspace",
                                     description="Check every rule; list every problem found.")
    validate.add_argument("path", help=".cutsim file, model workbook (.xlsx) or workspace")
    validate.set_defaults(func=cmd_validate)

    show = subparsers.add_parser("show", help="a readable summary of a model",
                                 description="Agencies, spend, services, outcomes, links, scenarios.")
    show.add_argument("path", help=".cutsim file or workspace")
    show.set_defaults(func=cmd_show)

    export = subparsers.add_parser(
        "export", help="write a model as a .cutsim file or a workbook (.xlsx)",
        description="Export the model and scenarios of SOURCE (a workspace, .cutsim file or "
                    "workbook) to OUT; the format follows OUT's extension: .xlsx writes a model "
                    "workbook (docs/workbook-format.md), anything else a .cutsim file.")
    export.add_argument("workspace", metavar="SOURCE", help="workspace, .cutsim file or workbook")
    export.add_argument("-o", "--out", required=True, metavar="FILE",
                        help=".cutsim file or .xlsx workbook to write")
    export.add_argument("--redact", action="store_true",
                        help="leave out confidential services and links (to send outside); "
                             "each agency's confidential spend is kept as one total")
    export.add_argument("--format-version", type=int, choices=(1, 2), metavar="N",
                        help="write for readers of format N (1 leaves out newer fields that "
                             "change no figure and refuses ones that do); default: the lowest "
                             "version the model's fields need")
    export.add_argument("--drop-totals", action="store_true",
                        help="with --redact: leave out the confidential spend totals as well")
    export.set_defaults(func=cmd_export)


def cmd_init(args: argparse.Namespace) -> int:
    # A .cutsim file or a model workbook, as --from says (not a workspace), with the
    # signature policy applied before anything is written.
    source = None
    if args.source:
        from cutsim.cli.sign_cmds import check_signed, verdict

        source, verification = check_signed(args.source, args.require_signed, args.workspace)
        print(verdict(args.source, verification), file=sys.stderr)
    with create_workspace(args.workspace, source):
        pass
    what = f" from {Path(args.source).name}" if args.source else ""
    print(f"created workspace {shown(args.workspace)}{what}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    cutsim_file = read_any(args.path)  # raises InputError listing every problem
    model = cutsim_file.model
    print(f"{shown(args.path)}: valid ({len(model.agencies)} agencies, {len(model.services)} services, "
          f"{len(model.outcomes)} outcomes, {len(model.effects)} effect links, "
          f"{len(model.demands)} demand links, {len(cutsim_file.scenarios)} scenarios)")
    return 0


def summary(cutsim_file: CutsimFile) -> str:
    model, place = cutsim_file.model, cutsim_file.model.place
    total = sum(s.baseline_spend for s in model.services)
    lines = [
        f"{terminal_safe(place.name)}",
        f"  base year {place.base_year}-{(place.base_year + 1) % 100:02d}, prices of "
        f"{place.effective_price_year}-{(place.effective_price_year + 1) % 100:02d}, "
        f"horizon {place.horizon_years} years, {place.steps_per_year} steps a year, "
        f"discount rate {place.discount_rate:.1%}",
        f"  public spend modelled: {money(total)} a year",
        "",
        "Agencies (baseline spend, £ a year)",
    ]
    spends = [sum(s.baseline_spend for s in model.services if s.agency == a.id) for a in model.agencies]
    for agency, cell in zip(model.agencies, money_table(spends)):  # one unit (docs/user-guide.md)
        own = [s for s in model.services if s.agency == agency.id]
        lines.append(f"  {agency.id:<14} {agency.kind:<10} {cell:>10}  "
                     f"{len(own):>2} services  {terminal_safe(agency.name)}")
    lines += ["", "Services (baseline spend, £ a year)"]
    for s, cell in zip(model.services, money_table([s.baseline_spend for s in model.services])):
        flags = "".join([" [illustrative]" if s.illustrative else "", " [confidential]" if s.confidential else ""])
        lines.append(f"  {s.id:<22} {s.agency:<12} {s.mode:<13} {cell:>10}{flags}")
    lines += ["", "Unit costs (whole £ per unit of activity)"]
    for s in model.services:
        lines.append(f"  {s.id:<22} £{s.unit_cost:,.0f} per {terminal_safe(s.activity_unit)}")
    lines += ["", "Outcomes (baseline level)"]
    for o in model.outcomes:
        better = "higher is better" if o.higher_is_better else "lower is better"
        lines.append(f"  {o.id:<22} {count(o.baseline):>12} {terminal_safe(o.unit)}  ({better})")
    lines += ["", f"Links: {len(model.effects)} effect (service → outcome), "
                  f"{len(model.demands)} demand (outcome → service)"]
    for e in model.effects:
        lines.append(f"  {e.service} → {e.outcome}: {per_units(e.per_unit)}, delay {e.delay_years:g} y "
                     f"(order {e.delay_order}), confidence {e.confidence}")
    for d in model.demands:
        lines.append(f"  {d.outcome} → {d.service}: {per_units(d.per_unit)}, confidence {d.confidence}")
    lines += ["", "Scenarios"]
    for sc in cutsim_file.scenarios:
        lines.append(f"  {sc.id:<22} {len(sc.levers)} levers  {terminal_safe(sc.name)}")
    if not cutsim_file.scenarios:
        lines.append("  (none)")
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    print(summary(read_any(args.path)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    cutsim_file = read_any(args.workspace)  # a workspace, .cutsim file or workbook
    if is_url(args.workspace):  # a partner's role: marked if other agencies' lines were withheld
        from cutsim.workspace.partnership import mark_partial

        cutsim_file = mark_partial(cutsim_file, args.workspace)
    if args.drop_totals and not args.redact:
        raise InputError("--drop-totals only applies with --redact")
    if args.redact:
        cutsim_file = redact(cutsim_file, keep_totals=not args.drop_totals)
    if is_workbook_path(args.out):
        if args.format_version is not None:
            raise InputError("--format-version applies to .cutsim files, not workbooks")
        write_workbook(args.out, cutsim_file)
    else:
        exchange.write_file(args.out, cutsim_file, format_version=args.format_version)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
