"""``cutsim sensitivity`` (tornado or Sobol) and ``cutsim evppi`` (value of information).

Both are sweeps: ``--dask [ADDRESS]`` runs them on a Dask cluster (a two-worker
``LocalCluster`` when no address is given) with results identical to the in-process run.
"""

from __future__ import annotations

import json

from cutsim.cli.output import emit
from cutsim.model.errors import InputError


def add_sweep_options(p) -> None:
    """Options every sweep shares: wider ranges, correlation and where it runs."""
    p.add_argument("--wide", action="store_true",
                   help="give every input without its own range the default range of its "
                        "confidence grade (docs/uncertainty.md)")
    p.add_argument("--correlate", type=float, metavar="RHO",
                   help="rank correlation between drawn inputs citing the same source (0-1)")
    p.add_argument("--dask", nargs="?", const=True, default=None, metavar="ADDRESS",
                   help="run on a Dask cluster: a local two-worker cluster over TLS with "
                        "credentials made for the run, or the scheduler at ADDRESS "
                        "(tls://host:8786, with the certificates of Dask's configuration); "
                        "same results as in-process")


def sweep_settings(args) -> dict:
    """``wide`` and ``correlation`` as the core takes them (None: the place's settings)."""
    if args.correlate is not None and not 0 <= args.correlate < 1:
        raise InputError("--correlate must be between 0 and 1 (below 1)")
    return {"wide": True if args.wide else None, "correlation": args.correlate}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sensitivity", help="which inputs a scenario's figure depends on (tornado, Sobol)",
        description="One-at-a-time low/high swings of every uncertain input (tornado), or "
                    "variance-based first- and total-order Sobol indices, on a figure of "
                    "one scenario: the place NPV by default.")
    p.add_argument("file", metavar="FILE", help="a .cutsim file")
    p.add_argument("--scenario", required=True, metavar="ID", help="scenario id in the file")
    p.add_argument("--method", choices=("tornado", "sobol"), default="tornado")
    p.add_argument("--figure", metavar="FIGURE", default="npv",
                   help="npv (place, default), npv:AGENCY, net_saving:AGENCY (headline "
                        "year) or net_saving:AGENCY:YEAR (0-based or 2028-29)")
    p.add_argument("--top", type=int, metavar="N", help="show the N largest only")
    p.add_argument("--n", type=int, default=512, metavar="N",
                   help="Sobol base samples, a power of two (runs = N x (inputs + 2))")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Sobol sequence seed")
    add_sweep_options(p)
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.set_defaults(func=run_sensitivity)

    e = subparsers.add_parser(
        "evppi", help="what knowing each input before deciding is worth (£)",
        description="Expected value of perfect information (EVPI) and of partial perfect "
                    "information (EVPPI) per input, for the choice between two or more "
                    "scenarios by expected place NPV (docs/uncertainty.md).")
    e.add_argument("file", metavar="FILE", help="a .cutsim file")
    e.add_argument("--scenario", action="append", required=True, metavar="ID",
                   help="a scenario id (give two or more)")
    e.add_argument("--draws", type=int, default=4096, metavar="N", help="Monte Carlo draws")
    e.add_argument("--seed", type=int, default=0, metavar="S", help="random seed")
    e.add_argument("--group", action="append", default=[], metavar="NAME=IN1,IN2",
                   help="also value knowing a group of inputs together")
    e.add_argument("--top", type=int, metavar="N", help="show the N largest only")
    add_sweep_options(e)
    e.add_argument("--json", action="store_true", help="print the report as one JSON object")
    e.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    e.set_defaults(func=run_evppi, parser=e)


def run_sensitivity(args) -> int:
    from cutsim.api import load
    from cutsim.appraise.executor import executor_for
    from cutsim.appraise.sensitivity import analyse, table

    if args.top is not None and args.top < 1:
        raise InputError("--top must be at least 1")
    settings = sweep_settings(args)
    project = load(args.file)
    scenario = project.scenario(args.scenario)
    with executor_for(args.dask) as executor:
        try:
            report = analyse(project.model, scenario, args.method, args.figure, args.top,
                             n=args.n, seed=args.seed, executor=executor, **settings)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    text = json.dumps(report, allow_nan=False) + "\n" if args.json else table(report)
    emit(text, args.out)
    return 0


def run_evppi(args) -> int:
    from cutsim.api import load
    from cutsim.appraise.evppi import evppi_table, table
    from cutsim.appraise.executor import executor_for
    from cutsim.appraise.uncertain import uncertainty_space
    from cutsim.model.materiality import materiality_floor

    if len(args.scenario) < 2:
        args.parser.error("give at least two --scenario options to choose between")
    if len(set(args.scenario)) != len(args.scenario):
        args.parser.error("each --scenario may be given only once")
    if args.draws < 16:
        raise InputError("--draws must be at least 16")
    settings = sweep_settings(args)
    project = load(args.file)
    scenarios = [project.scenario(s) for s in args.scenario]
    space = uncertainty_space(project.model, scenarios, **settings)
    groups = {}
    for text in args.group:
        name, _, members = text.partition("=")
        names = [m.strip() for m in members.split(",") if m.strip()]
        if not name or not names:
            raise InputError(f'--group "{text}": use NAME=INPUT1,INPUT2')
        for m in names:
            if m not in space.names:
                raise InputError(f'--group "{text}": no uncertain input "{m}"')
        groups[name] = names
    agencies = [a.id for a in project.model.agencies]
    with executor_for(args.dask) as executor:
        report = evppi_table(space, args.scenario, agencies, draws=args.draws, seed=args.seed,
                             groups=groups, executor=executor)
    if args.top:
        report["evppi"] = report["evppi"][:args.top]
    floor = materiality_floor(project.model)  # an EVPI below it is nothing
    text = json.dumps(report, allow_nan=False) + "\n" if args.json else table(report, floor=floor)
    emit(text, args.out)
    return 0
