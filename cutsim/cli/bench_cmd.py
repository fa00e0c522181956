"""``cutsim bench``: the benchmarks of docs/performance.md as one JSON object."""

from __future__ import annotations

import argparse
import json
import sys

from cutsim.cli.output import write_file_text
from cutsim.tools import bench


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench", help="time the engine, Monte Carlo, a synthetic place, workspace open, "
                      "PySD and the app; print JSON",
        description="Run the performance benchmarks of the design (medians of repeats, in "
                    "a child process with BLAS limited to one thread, so one core) and "
                    "print timings, targets and ratios as JSON. The app's own timings come "
                    "from scripts/ui_bench.py in another child process.")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats (a smoke test, not a measurement)")
    parser.add_argument("--out", metavar="FILE", help="also write the JSON to FILE")
    parser.add_argument("--no-ui", action="store_true", help="skip the app benchmark")
    parser.add_argument("--server", metavar="URL",
                        help="instead, time a workspace on a PostgreSQL server: URL is an "
                             "existing, empty database (left empty again)")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.server:
        report = {"server": bench.bench_server(args.server, quick=args.quick),
                  "environment": bench.environment()}
    elif args.in_process:  # the measuring child: numbers only, no UI
        report = bench.measure(quick=args.quick)
    else:
        try:
            report = bench.run_all(quick=args.quick, ui=not args.no_ui)
        except RuntimeError as exc:
            print(f"cutsim bench: {exc}", file=sys.stderr)
            return 1
    text = json.dumps(report, indent=2)
    if args.out:
        write_file_text(args.out, text + "\n")
    print(text)
    return 0
