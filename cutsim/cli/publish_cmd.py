"""``cutsim publish`` (the accountability publication) and ``cutsim compare-places``."""

from __future__ import annotations

import json
import sys

from cutsim.cli import options


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "publish", help="publish a scenario's impact for residents, cabinet and open data",
        description="Write index.html (residents), report.pdf (cabinet, A4), open-data.json "
                    "and CSVs for a scenario into a folder. Confidential services and links "
                    "are never named.")
    p.add_argument("file", metavar="FILE", help="a .cutsim file or a workspace")
    p.add_argument("--scenario", required=True, metavar="ID", help="scenario id in the file")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--draws", type=int, default=500, metavar="N",
                   help="Monte Carlo draws for the likely ranges (default 500; 0 for none)")
    p.add_argument("--seed", type=int, default=20260401, metavar="S",
                   help="random seed for the draws (default 20260401)")
    options.add_model(p)
    options.add_year(p, alias=True)
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF cabinet report")
    p.set_defaults(func=run_publish)

    c = subparsers.add_parser(
        "compare-places", help="compare two places' published open data side by side",
        description="Compare two open-data.json files from `cutsim publish`: money per "
                    "resident, agencies by kind, outcomes by public indicator code.")
    c.add_argument("a", metavar="A.json")
    c.add_argument("b", metavar="B.json")
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")
    c.set_defaults(func=run_compare)


def run_publish(args) -> int:
    from cutsim.api import Project
    from cutsim.publish.build import publish_file
    from cutsim.workspace.sources import read_any

    options.at_least(args, "draws", args.draws, 0)
    options.at_least(args, "seed", args.seed, 0)
    cutsim_file = read_any(args.file, args.model, choose=True)
    year = options.year_of(args, cutsim_file.model, Project(cutsim_file).scenario(args.scenario))
    pub = publish_file(cutsim_file, args.scenario, args.out, draws=args.draws or None,
                       seed=args.seed, pdf=not args.no_pdf, year=year, force=args.force)
    for path in pub.files:
        sys.stdout.write(f"{path}\n")
    return 0


def run_compare(args) -> int:
    from cutsim.publish.compare import compare, format_table
    from cutsim.publish.opendata import read_open_data

    result = compare(read_open_data(args.a), read_open_data(args.b))
    if args.json:
        sys.stdout.write(json.dumps(result, indent=1, allow_nan=False) + "\n")
    else:
        sys.stdout.write(format_table(result))
    return 0
