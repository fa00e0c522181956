"""``cutsim mtfs FILE --scenario ID [--json|--csv] [--xlsx PATH]``: the medium-term plan."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from cutsim.cli.output import emit
from cutsim.model.errors import InputError

DEFAULT_YEARS = 5  # an MTFS looks four or five years ahead (cutsim.appraise.mtfs.DEFAULT_YEARS)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "mtfs", help="the medium-term financial plan: funding, pressures, the gap and the savings",
        description="Each agency's (and the place's) medium-term financial plan for a scenario, "
                    "financial year by financial year: funding, baseline spend with pressures, "
                    "the gap before savings, planned savings, knock-on costs (cashable and not), "
                    "one-off costs, the gap after savings, reserves used and left, and the gap "
                    "if savings slip. See docs/mtfs.md.")
    p.add_argument("file", metavar="FILE", help="a .cutsim file or a workspace")
    p.add_argument("--scenario", required=True, metavar="ID", help="scenario id in the file")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the plan as JSON")
    out.add_argument("--csv", action="store_true", help="long form: entity,budget,line,year,value")
    p.add_argument("--xlsx", metavar="PATH", help="also write the plan as a workbook")
    terms = p.add_mutually_exclusive_group()
    terms.add_argument("--cash", action="store_true",
                       help="cash terms, by each agency's pay, prices and inflation (the default)")
    terms.add_argument("--real", action="store_true",
                       help="real terms at the place's price year (the engine's terms)")
    p.add_argument("--years", type=int, metavar="N",
                   help=f"financial years shown, from the first (default {DEFAULT_YEARS}; up to "
                        "the horizon)")
    p.add_argument("--slippage", type=float, default=0.0, metavar="PERCENT",
                   help="show the gap if this share of planned savings slips (0-100)")
    p.add_argument("--agency", action="append", metavar="ID",
                   help="only these agencies in the text table (repeatable)")
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.set_defaults(func=run)


def run(args) -> int:
    from cutsim.api import Project
    from cutsim.appraise.mtfs import build_plan
    from cutsim.appraise.mtfs_export import to_csv, to_text, write_xlsx
    from cutsim.workspace.sources import read_any

    if not 0.0 <= args.slippage <= 100.0:
        raise InputError(f"--slippage must be between 0 and 100 (got {args.slippage:g})")
    project = Project(read_any(args.file))
    for agency in args.agency or []:
        project.model.agency(agency) if agency in {a.id for a in project.model.agencies} else \
            _unknown(agency, project)
    horizon = project.model.place.horizon_years
    years = DEFAULT_YEARS if args.years is None else args.years
    if not 1 <= years <= horizon:
        raise InputError(f"--years must be from 1 to the horizon ({horizon}) (got {years})")
    plan = build_plan(project.run(args.scenario), cash=not args.real,
                      slippage_percent=args.slippage).span(years)
    if args.xlsx:
        _write_workbook(plan, Path(args.xlsx), write_xlsx)
    if args.json:
        text = json.dumps(plan.to_json_dict(), allow_nan=False) + "\n"
    elif args.csv:
        text = to_csv(plan)
    else:
        text = to_text(plan, args.agency)
    emit(text, args.out)
    return 0


def _unknown(agency: str, project) -> None:
    known = ", ".join(a.id for a in project.model.agencies)
    raise InputError(f'--agency: no agency "{agency}" in the model (agencies: {known})')


def _write_workbook(plan, path: Path, write) -> None:
    """Write beside the target, then rename: the old workbook stays whole on failure."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlsx", dir=path.parent or ".")
        os.close(fd)
        try:
            write(plan, tmp)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
