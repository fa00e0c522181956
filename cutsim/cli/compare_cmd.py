"""``cutsim compare FILE --scenario A --scenario B [...] [--year Y] [--json] [--out PATH]``."""

from __future__ import annotations

import json

from cutsim.cli import options
from cutsim.cli.output import emit


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare", help="compare scenarios side by side",
        description="Run two or more scenarios of one .cutsim file or workspace and show "
                    "them side by side: net saving by agency in the headline year and over "
                    "the horizon, NPV, social value and outcome changes by the end of the "
                    "headline year (--json adds t = 1, 3, 5 and 10 years).")
    p.add_argument("file", metavar="FILE", help="a .cutsim file or a workspace")
    p.add_argument("--scenario", action="append", required=True, metavar="ID",
                   help="a scenario id (give two or more)")
    options.add_model(p)
    options.add_year(p)
    p.add_argument("--json", action="store_true", help="print the comparison as one JSON object")
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.set_defaults(func=run, parser=p)


def run(args) -> int:
    from cutsim.api import Project
    from cutsim.appraise.compare import compare, table
    from cutsim.workspace.sources import read_any

    if len(args.scenario) < 2:
        args.parser.error("give at least two --scenario options to compare")
    if len(set(args.scenario)) != len(args.scenario):
        args.parser.error("each --scenario may be given only once")
    project = Project(read_any(args.file, args.model, choose=True))
    scenarios = [project.scenario(s) for s in args.scenario]
    year = options.year_of(args, project.model, scenarios[0])
    comparison = compare([project.run(s) for s in scenarios], year)
    if args.json:
        text = json.dumps(comparison, allow_nan=False) + "\n"
    else:
        text = table(comparison)
    emit(text, args.out)
    return 0
