"""``cutsim run FILE --scenario ID [--draws N --seed S] [--json|--csv] [--out PATH]``."""

from __future__ import annotations

import json

from cutsim.cli.output import emit
from cutsim.cli.sensitivity_cmd import add_sweep_options, sweep_settings
from cutsim.model.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="run a scenario and report its money and outcomes",
                              description="Run a scenario from a .cutsim file.")
    p.add_argument("file", metavar="FILE", help="a .cutsim file")
    p.add_argument("--scenario", required=True, metavar="ID", help="scenario id in the file")
    p.add_argument("--draws", type=int, metavar="N", help="Monte Carlo draws (P10/P50/P90)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed for the draws")
    add_sweep_options(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the result object (DESIGN §7)")
    fmt.add_argument("--csv", action="store_true", help="long form: t,entity,id,series,value")
    p.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    p.set_defaults(func=run)


def run(args) -> int:
    from cutsim.api import load

    if args.draws is not None and args.draws < 1:
        raise InputError("--draws must be at least 1")
    from cutsim.appraise.executor import InProcess, executor_for

    settings = sweep_settings(args)
    with (executor_for(args.dask) if args.draws else InProcess()) as executor:
        result = load(args.file).run(args.scenario, draws=args.draws, seed=args.seed,
                                     executor=executor, **settings)
    if args.json:
        text = json.dumps(result.to_json_dict(), allow_nan=False) + "\n"
    elif args.csv:
        text = result.to_csv()
    else:
        text = _table(result)
    emit(text, args.out)
    return 0


def _table(result) -> str:
    """Annual net saving (£k) by agency and for the place, one row per financial year."""
    cm = result.compiled
    names = list(cm.agency_ids) + ["place"]
    net = result.agency_annual["net_saving"]
    place = result.place_annual["net_saving"]
    width = max(10, *(len(n) for n in names))
    lines = [f"Scenario {result.scenario.id}: annual net saving, £k (positive = saving)",
             "year     " + "".join(f"{n:>{width + 1}}" for n in names)]
    for y, label in enumerate(result.years):
        row = [net[i, y] for i in range(len(cm.agency_ids))] + [place[y]]
        lines.append(f"{label:<9}" + "".join(f"{v / 1000:>{width + 1},.1f}" for v in row))
    npv = result.appraisal.get("npv", {})
    lines.append("NPV      " + "".join(f"{(npv.get(n) or 0.0) / 1000:>{width + 1},.1f}"
                                       for n in names))
    return "\n".join(lines) + "\n"
