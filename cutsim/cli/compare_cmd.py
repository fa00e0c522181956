"""``cutsim compare FILE --scenario A --scenario B [...] [--json] [--out PATH]``."""

from __future__ import annotations

import json

from cutsim.cli.output import emit


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare", help="compare scenarios side by side",
        description="Run two or more scenarios of one .cutsim file and show them side by "
                    "side: net saving by agency, NPV, social value and outcome changes at "
                    "t = 1, 3, 5 and 10 years.")
    p.add_argument("file", metavar="FILE", help="a .cutsim file")
    p.add_argument("--scenario", action="append", required=True, metavar="ID",
                   help="a scenario id (give two or more)")
    p.add_argument("--json", action="store_true", help="print the comparison as one JSON object")
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.set_defaults(func=run, parser=p)


def run(args) -> int:
    from cutsim.api import load
    from cutsim.appraise.compare import compare, table

    if len(args.scenario) < 2:
        args.parser.error("give at least two --scenario options to compare")
    if len(set(args.scenario)) != len(args.scenario):
        args.parser.error("each --scenario may be given only once")
    project = load(args.file)
    comparison = compare([project.run(s) for s in args.scenario])
    if args.json:
        text = json.dumps(comparison, allow_nan=False) + "\n"
    else:
        text = table(comparison)
    emit(text, args.out)
    return 0
