"""Workbook commands: ``template``, ``import-budget``, ``unit-costs search``, ``evidence search``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cutsim.files import exchange
from cutsim.files.budget import BudgetImport, read_budget, read_mapping
from cutsim.files.workbook import is_workbook_path, write_workbook
from cutsim.files.workbook_layout import FIRST_DATA_ROW, SERVICES
from cutsim.files.workbook_read import column_letter
from cutsim.model.errors import InputError, NoCleanAnswer
from cutsim.model.fmt import money
from cutsim.model.schema import CutsimFile, Model, Place
from cutsim.model.validation import validate_file

RECONCILE_TOLERANCE = 0.5  # £: a budget book's pence rounding is not a difference


def register(subparsers: argparse._SubParsersAction) -> None:
    tpl = subparsers.add_parser(
        "template", help="write a blank model workbook (.xlsx) to fill in",
        description="Write a workbook with one sheet per table (Place, Agencies, Services, "
                    "Outcomes, Effects, Demands, Funding, Council tax, Pressures, Named pressures, "
                    "Earmarked reserves, Scenarios, Levers, Red lines, Targets), units, "
                    "drop-down lists and a 'How to fill this' sheet (docs/workbook-format.md).")
    tpl.add_argument("-o", "--out", required=True, metavar="FILE", help=".xlsx file to write")
    tpl.set_defaults(func=cmd_template)

    bud = subparsers.add_parser(
        "import-budget", help="map an existing budget workbook onto services",
        description="Read BOOK with the column mapping in MAP (TOML; see docs/workbook-format.md), "
                    "list the rows not mapped, reconcile the mapped total against the sheet's "
                    "total, and only then write: a model workbook (-o X.xlsx, with the unit "
                    "costs and activity units the book lacks left blank and listed), a .cutsim "
                    "file (-o X.cutsim) or new services in a workspace (--workspace); the last "
                    "two need every unit cost and activity unit.")
    bud.add_argument("book", metavar="BOOK", help="the budget workbook (.xlsx)")
    bud.add_argument("--map", required=True, metavar="MAP", help="mapping.toml")
    out = bud.add_mutually_exclusive_group()
    out.add_argument("-o", "--out", metavar="FILE", help="model workbook (.xlsx) or .cutsim file")
    out.add_argument("--workspace", metavar="WS", help="add the services to this workspace's model")
    bud.add_argument("--accept-difference", action="store_true",
                     help="write even though the mapped total differs from the sheet's total")
    bud.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    bud.set_defaults(func=cmd_import_budget)

    uc = subparsers.add_parser("unit-costs", help="the GMCA Unit Cost Database v1.4 (bundled)",
                               description="Search all 684 rows of the Unit Cost Database.")
    ucs = uc.add_subparsers(dest="unit_costs_command", metavar="ACTION")
    search = ucs.add_parser("search", help="rows matching every word of TEXT",
                            description="Costs are fiscal £ at 2015/16 prices; --price-year "
                                        "uprates them with the GDP deflator (ONS YBGB).")
    search.add_argument("text", metavar="TEXT", nargs="+", help="words to look for")
    search.add_argument("--price-year", type=int, metavar="YEAR",
                        help="uprate to YEAR's prices (bundled index points: 2015, 2016, 2019, 2024)")
    search.add_argument("--index", type=float, metavar="N",
                        help="the GDP deflator index of --price-year on the ONS YBGB base "
                             "(2024 = 100), for a year without a bundled point")
    search.add_argument("--model", metavar="FILE",
                        help="uprate to the price year of this model (.cutsim, workbook or workspace)")
    search.add_argument("--limit", type=int, default=20, metavar="N", help="rows to show (default 20)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(func=cmd_unit_costs_search)
    uc.set_defaults(func=lambda args: (uc.print_help(sys.stderr), 2)[1])

    ev = subparsers.add_parser("evidence", help="the bundled evidence table (published effects)")
    evs = ev.add_subparsers(dest="evidence_command", metavar="ACTION")
    esearch = evs.add_parser("search", help="rows matching every word of TEXT (null results shown)")
    esearch.add_argument("text", metavar="TEXT", nargs="*", help="words to look for (none: all)")
    esearch.add_argument("--json", action="store_true", help="print JSON")
    esearch.set_defaults(func=cmd_evidence_search)
    ev.set_defaults(func=lambda args: (ev.print_help(sys.stderr), 2)[1])


def cmd_template(args: argparse.Namespace) -> int:
    if not is_workbook_path(args.out):
        raise InputError(f"{args.out}: a template is a workbook; name it .xlsx")
    write_workbook(args.out, None)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _report(imp: BudgetImport) -> str:
    lines = [f"mapped {len(imp.services)} services in {len(imp.agencies)} agencies: "
             f"{money(imp.mapped_total)} a year (£{imp.mapped_total:,.2f})"]
    if imp.sheet_total is not None:
        diff = imp.difference or 0.0
        lines.append(f"sheet total: £{imp.sheet_total:,.2f}; difference (sheet − mapped): "
                     f"£{diff:,.2f}" + (" — reconciled" if abs(diff) <= RECONCILE_TOLERANCE else ""))
    else:
        lines.append("sheet total: not given in the mapping (total_cell); nothing reconciled")
    if imp.not_mapped:
        lines.append(f"{len(imp.not_mapped)} rows not mapped:")
        lines += [f"  {line}" for line in imp.not_mapped]
    return "\n".join(lines)


def _complete_cells(imp: BudgetImport) -> list[str]:
    """The blanks to fill, as cells of the written workbook's Services sheet."""
    col = {c.field: column_letter(i + 1) for i, c in enumerate(SERVICES.columns)}
    out = []
    for k, service in enumerate(imp.services):
        row = FIRST_DATA_ROW + k
        for field in ("unit_cost", "activity_unit"):
            if getattr(service, field) is None:
                out.append(f"Services!{col[field]}{row} ({field}): to complete for "
                           f"{service.name} (budget row {imp.rows[service.id]})")
    return out


def cmd_import_budget(args: argparse.Namespace) -> int:
    mapping = read_mapping(args.map)
    imp = read_budget(args.book, mapping)
    print(_report(imp))
    diff = imp.difference
    if diff is not None and abs(diff) > RECONCILE_TOLERANCE and not args.accept_difference:
        raise InputError(f"the mapped total differs from the sheet's total by £{diff:,.2f}; "
                         "nothing was written. Map the missing rows, or run again with "
                         "--accept-difference")
    if not imp.services:
        raise InputError(f"{args.book}: no row mapped onto a service; nothing was written")
    if args.dry_run or not (args.out or args.workspace):
        print("nothing written (dry run)" if args.dry_run else "nothing written (give -o or --workspace)")
        return 0
    if args.out and is_workbook_path(args.out):
        place = _place(mapping, need=True)
        model = Model.model_construct(place=place, agencies=imp.agencies, services=imp.services,
                                      outcomes=[], effects=[], demands=[])
        write_workbook(args.out, CutsimFile.model_construct(
            format="cutsim", format_version=exchange.FORMAT_VERSION, model=model, scenarios=[],
            provenance=None))
        blanks = _complete_cells(imp)
        print(f"wrote {args.out}")
        if blanks:
            print(f"{len(blanks)} problems to complete before the model can be used:")
            print("\n".join(f"  {line}" for line in blanks))
        return 0
    if imp.to_complete:
        raise InputError(f"{len(imp.to_complete)} unit costs or activity units are missing; "
                         "nothing was written (write a workbook with -o X.xlsx to complete them):\n  "
                         + "\n  ".join(imp.to_complete), imp.to_complete)
    if args.workspace:
        return _into_workspace(args, imp)
    place = _place(mapping, need=True)
    cutsim_file = CutsimFile(format="cutsim", format_version=exchange.FORMAT_VERSION,
                             model=Model(place=place, agencies=imp.agencies,
                                         services=[s.model_validate(s.model_dump()) for s in imp.services],
                                         outcomes=[]))
    problems = [str(p) for p in validate_file(cutsim_file)]
    if problems:
        raise InputError(f"{len(problems)} problem(s); nothing was written:\n  " + "\n  ".join(problems),
                         problems)
    exchange.write_file(args.out, cutsim_file)
    print(f"wrote {args.out}")
    return 0


def _place(mapping, need: bool) -> Place:
    place = mapping.place
    if need and (not isinstance(place.get("name"), str) or not isinstance(place.get("base_year"), int)):
        raise InputError("the mapping needs [place] name and base_year to write a new model")
    return Place(name=place["name"], base_year=place["base_year"],
                 price_year=place.get("price_year"))


def _into_workspace(args: argparse.Namespace, imp: BudgetImport) -> int:
    from cutsim.workspace import is_workspace, open_workspace
    from cutsim.workspace.importer import ClashError

    if not is_workspace(args.workspace):
        raise InputError(f"{args.workspace}: not a cutsim workspace (create one with cutsim init)")
    with open_workspace(args.workspace) as workspace:
        current = workspace.load()
        have = {a.id for a in current.model.agencies}
        incoming = CutsimFile(format="cutsim", format_version=exchange.FORMAT_VERSION, model=Model(
            place=current.model.place,
            agencies=[a for a in imp.agencies if a.id not in have] +
                     [a for a in current.model.agencies if a.id in {x.id for x in imp.agencies}],
            services=[s.model_validate(s.model_dump()) for s in imp.services], outcomes=[]))
        problems = [str(p) for p in validate_file(incoming)]
        if problems:
            raise InputError(f"{len(problems)} problem(s); nothing was written:\n  "
                             + "\n  ".join(problems), problems)
        try:
            report = workspace.import_file(incoming, {}, source=Path(args.book).name)
        except ClashError as exc:
            raise NoCleanAnswer(f"{args.book}: {exc}; nothing was written") from None
    print(f"added to {args.workspace}: {report.summary()}")
    return 0


def cmd_unit_costs_search(args: argparse.Namespace) -> int:
    from cutsim.tools import unit_costs

    if args.model and args.price_year is None:
        from cutsim.workspace.sources import read_any

        args.price_year = read_any(args.model).model.place.effective_price_year
    if args.index is not None and args.price_year is None:
        raise InputError("--index needs --price-year (the year the index is for)")
    if args.price_year is not None and args.index is None \
            and args.price_year not in unit_costs.DEFLATOR_INDEX:
        raise InputError(unit_costs.no_deflator(args.price_year))
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be 1 or more (got {args.limit})")
    factor = unit_costs.uprating_factor(args.price_year, args.index)
    matched = unit_costs.search(" ".join(args.text), limit=None)
    rows = matched[:args.limit]
    if args.json:
        print(json.dumps({"price_year": args.price_year, "factor": factor, "matched": len(matched),
                          "attribution": unit_costs.ATTRIBUTION,
                          "rows": [dict(r.to_json(), cost_uprated=None if r.cost_gbp is None
                                        else r.cost_gbp * factor) for r in rows]},
                         ensure_ascii=False, indent=2))
        return 0
    year = f"{args.price_year} prices" if args.price_year else "2015/16 prices"
    count = "1 row matches" if len(matched) == 1 else f"{len(matched)} rows match"
    shown = count if len(rows) == len(matched) else f"{count}; the first {len(rows)} shown (--limit)"
    print(f"{shown} (costs: fiscal £ at {year}"
          + (f", ×{factor:.4f} from 2015/16" if factor != 1.0 else "") + ")")
    for r in rows:
        cost = "no fiscal cost" if r.cost_gbp is None else f"£{r.cost_gbp * factor:,.2f}"
        print(f"  {r.id:<11} {cost:>14}  {r.unit:<22} {r.agency_group:<16} {r.confidence_grade}  "
              f"{r.description[:90]}")
    print(unit_costs.ATTRIBUTION)
    return 0


def cmd_evidence_search(args: argparse.Namespace) -> int:
    from cutsim.tools import evidence

    rows = evidence.search(" ".join(args.text))
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        value = ("null result (no effect found)" if r.is_null else
                 "direction only" if r.effect_value is None else f"{r.effect_value:+g} {r.effect_unit}")
        print(f"{r.id}  [{r.confidence}] {r.service_cut[:70]} → {r.outcome_affected}: {value}")
        print(f"      {r.study}")
    return 0
