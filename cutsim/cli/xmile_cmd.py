"""``cutsim xmile``: export a scenario as an XMILE system-dynamics model."""

from __future__ import annotations

import argparse
from fractions import Fraction

from cutsim.cli.output import write_file_text
from cutsim.model.errors import InputError
from cutsim.tools.xmile import DEFAULT_DT, to_xmile
from cutsim.workspace.sources import read_any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "xmile", help="export a scenario as an XMILE model (for PySD, Stella, …)",
        description="Write the model and one scenario as an XMILE 1.0 model: effect delays "
                    "as stock cascades, lever inputs as step functions, knock-on costs per "
                    "agency. Run it in any XMILE tool to cross-check cutsim's results.")
    parser.add_argument("path", metavar="FILE", help=".cutsim file or workspace")
    parser.add_argument("--scenario", required=True, metavar="ID", help="scenario id")
    parser.add_argument("-o", "--out", required=True, metavar="PATH",
                        help="XMILE file to write (e.g. model.xmile)")
    parser.add_argument("--dt", default=str(DEFAULT_DT), metavar="YEARS",
                        help="Euler time step in years, as a number or a fraction "
                             "(default 1/1536)")
    parser.set_defaults(func=cmd_xmile)


def parse_dt(text: str) -> Fraction:
    """A positive time step in years from ``"1/1536"`` or ``"0.001"``."""
    try:
        dt = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f'--dt: "{text}" is not a number or fraction of a year') from None
    if not 0 < dt <= 1:
        raise InputError(f"--dt: the time step must be > 0 and at most 1 year (got {text})")
    return dt


def cmd_xmile(args: argparse.Namespace) -> int:
    dt = parse_dt(args.dt)
    cutsim_file = read_any(args.path)
    ids = [s.id for s in cutsim_file.scenarios]
    if args.scenario not in ids:
        known = ", ".join(ids) if ids else "none"
        raise InputError(f'{args.path}: no scenario "{args.scenario}" (scenarios: {known})')
    scenario = cutsim_file.scenario(args.scenario)
    text = to_xmile(cutsim_file.model, scenario, dt=dt)
    write_file_text(args.out, text)
    print(f"wrote {args.out} (scenario {scenario.id}, dt {dt} year)")
    return 0
