"""``cutsim optimise FILE --target £/yr [--by YEAR] [--protect SERVICE…] [--red-line …] [-o FILE]``.

Red lines on the command line: ``OUTCOME:MAX`` (level units), ``OUTCOME:MAX%`` (percent of
baseline), optionally ``@YEAR`` (by that year), e.g. ``youth_offending:5@3`` or
``recorded_crime:1%``. They cap the adverse change of the outcome, as docs/file-format.md says.
"""

from __future__ import annotations

import json
import re
import sys

from cutsim.model.errors import InputError

_RED_LINE = re.compile(r"(?P<outcome>[a-z0-9_-]{1,64}):\+?(?P<max>[0-9.]+)(?P<pct>%?)"
                       r"(?:@(?P<by>[0-9.]+))?")
_AMOUNT = re.compile(r"£?(?P<n>[0-9][0-9,]*(?:\.[0-9]+)?)(?P<unit>[kKmM]?)(?:/yr)?")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "optimise", help="find the least-cost cut package that meets a savings target",
        description="Find the cuts to discretionary services with which the agency (or the "
                    "place) nets --target £/yr after its own knock-on costs, in financial "
                    "year --by and every later year of the horizon (--gross: planned saving in "
                    "year --by), with the least whole-place knock-on cost (NPV), plus "
                    "--outcome-weight times the valued outcome loss (NPV), within statutory "
                    "floors and red lines. A linear programme on the engine's exact "
                    "responses. Exit 3 when no package can meet the target.")
    p.add_argument("file", metavar="FILE", help="a .cutsim file")
    p.add_argument("--target", required=True, metavar="£/YR[,£/YR…]",
                   help="recurrent net saving a year, e.g. 8000000, 8m or £750k; several, "
                        "comma-separated (2m,4m,8m), scan them: what each level of saving "
                        "costs the place")
    p.add_argument("--gross", action="store_true",
                   help="the target is planned saving in year --by, before knock-on costs")
    p.add_argument("--by", default="0", metavar="YEAR",
                   help="financial year from which the target must be met: a label such as "
                        "2027-28 or a 0-based index (default 0)")
    p.add_argument("--agency", metavar="ID",
                   help="only this agency's services, and the target is its general fund's "
                        "net saving (default: the whole place)")
    p.add_argument("--fund", action="append", default=[], metavar="GRANT",
                   help="a ring-fenced grant (a service's funding_source) whose services may "
                        "be cut, their net saving counting towards the target beside the "
                        "general fund; repeat for several")
    p.add_argument("--max-one-off", metavar="£",
                   help="cap on the package's one-off costs (redundancy and pension strain), "
                        "e.g. 2m or 0 (default: each agency's reserves above its minimum "
                        "balance; no cap where an agency states no reserves)")
    p.add_argument("--explain", action="store_true",
                   help="also say what binds: the target year, lead times, consultation, "
                        "floors and caps, the reserves cap, red lines")
    p.add_argument("--protect", nargs="+", action="extend", default=[], metavar="SERVICE",
                   help="services never to cut")
    p.add_argument("--red-line", action="append", default=[], metavar="OUTCOME:MAX[%][@YEAR]",
                   help="cap an outcome's adverse change (level, or percent with %%)")
    p.add_argument("--red-lines-from", metavar="SCENARIO",
                   help="also keep the red lines stored in this scenario of the file")
    p.add_argument("--outcome-weight", type=float, default=None, metavar="W",
                   help="weight on valued outcome loss against cash (default 1; 0 = cash only)")
    p.add_argument("--max-percent", type=float, default=100.0, metavar="PCT",
                   help="cut no service by more than PCT %% of its baseline (default 100)")
    p.add_argument("--start", type=float, default=0.0, metavar="YEAR",
                   help="year the cuts start (default 0)")
    p.add_argument("--id", default="optimised", metavar="ID",
                   help="scenario id for the package (default optimised)")
    p.add_argument("-o", "--out", metavar="FILE",
                   help="write a .cutsim file: the model, its scenarios and the package")
    p.add_argument("--json", action="store_true", help="print the package as JSON")
    p.add_argument("--dask", nargs="?", const=True, default=None, metavar="ADDRESS",
                   help="run a scan's targets on a Dask cluster: a local two-worker cluster "
                        "over TLS with credentials made for the run, or the scheduler at "
                        "ADDRESS (tls://host:8786, with the certificates of Dask's "
                        "configuration); same packages as in-process")
    p.set_defaults(func=run, parser=p)


def parse_amount(text: str, option: str = "--target") -> float:
    """£/yr from ``8000000``, ``8m``, ``£8.5m``, ``750k`` or ``£1,200,000``."""
    m = _AMOUNT.fullmatch(text.strip())
    if not m:
        raise InputError(f'{option}: "{text}" is not an amount like 8000000, 8m or £750k')
    scale = {"": 1.0, "k": 1e3, "m": 1e6}[m["unit"].lower()]
    return float(m["n"].replace(",", "")) * scale


def parse_red_line(text: str):
    """A :class:`~cutsim.model.schema.RedLine` from ``OUTCOME:MAX[%][@YEAR]``."""
    from cutsim.model.schema import RedLine

    m = _RED_LINE.fullmatch(text.strip())
    if not m:
        raise InputError(f'--red-line: "{text}" is not OUTCOME:MAX[%][@YEAR], '
                         "e.g. youth_offending:5 or recorded_crime:1%@3")
    try:
        by = None if m["by"] is None else float(m["by"])
        return RedLine(outcome=m["outcome"], max_change=float(m["max"]),
                       as_="percent" if m["pct"] else "level", by_year=by)
    except ValueError:
        raise InputError(f'--red-line: "{text}" has a number that cannot be read') from None


def stored_red_lines(cutsim_file, scenario_id: str | None) -> list:
    """The red lines a scenario of the file carries (none when no scenario is named)."""
    if scenario_id is None:
        return []
    ids = [s.id for s in cutsim_file.scenarios]
    if scenario_id not in ids:
        raise InputError(f'--red-lines-from: no scenario "{scenario_id}" in the file '
                         f"(scenarios: {', '.join(ids) or 'none'})")
    return list(cutsim_file.scenario(scenario_id).red_lines)


def run(args) -> int:
    from cutsim.api import load
    from cutsim.appraise.optimise import (
        DEFAULT_OUTCOME_WEIGHT,
        Request,
        evaluate,
        optimise,
        pro_rata_scenario,
    )
    from cutsim.appraise.package_effects import consequences
    from cutsim.model.fmt import parse_year

    project = load(args.file)
    cm = project.compiled
    place = project.model.place
    try:
        by = parse_year(args.by, place.base_year, place.horizon_years)
    except ValueError as exc:
        args.parser.error(f"--by: {exc}")
    if any(s.id == args.id for s in project.file.scenarios) and args.out:
        raise InputError(f'the file already has a scenario "{args.id}"; choose another --id')
    weight = DEFAULT_OUTCOME_WEIGHT if args.outcome_weight is None else args.outcome_weight
    targets = [parse_amount(t) for t in args.target.split(",")]
    request = Request(target=targets[0], by=by, agency=args.agency,
                      protect=list(args.protect),
                      red_lines=[parse_red_line(r) for r in args.red_line]
                      + stored_red_lines(project.file, args.red_lines_from),
                      outcome_weight=weight, start=args.start, max_percent=args.max_percent,
                      gross=args.gross, funds=list(args.fund),
                      max_one_off=None if args.max_one_off is None
                      else parse_amount(args.max_one_off, "--max-one-off"))
    if len(targets) > 1:
        return _scan(args, cm, request, targets)
    if args.dask:
        raise InputError("--dask runs a scan of several targets (--target 2m,4m,8m); one "
                         "target is a single linear programme, solved here")
    package = optimise(cm, request, scenario_id=args.id)
    found = evaluate(cm, package.scenario, weight)
    try:
        pro_rata = evaluate(cm, pro_rata_scenario(cm, request, package.planned_saving), weight)
    except InputError as exc:  # pro rata would break a statutory floor
        pro_rata = {"error": str(exc)}
    report = _report(cm, request, package, found, pro_rata, consequences(cm, package))
    if args.out:
        from cutsim.files.exchange import write_file

        updated = project.file.model_copy(update={
            "scenarios": list(project.file.scenarios) + [package.scenario],
            "provenance": None, "sha256": None})
        write_file(args.out, updated)
    if args.json:
        sys.stdout.write(json.dumps(report, allow_nan=False) + "\n")
    else:
        sys.stdout.write(_text(report, explain=args.explain))
    return 0


def _scan(args, cm, request, targets: list[float]) -> int:
    """A scan: one least-cost package per target, as a table (or ``--json``)."""
    from cutsim.appraise.executor import executor_for
    from cutsim.appraise.target_scan import scan_targets
    from cutsim.model.fmt import year_label

    if args.out:
        raise InputError("-o writes one package: give one --target (a scan gives several)")
    with executor_for(args.dask) as executor:
        rows = scan_targets(cm.model, request, targets, executor)
    report = {"agency": request.agency or "place",
              "basis": "planned" if request.gross else "net",
              "from_year": request.by,
              "from_year_label": year_label(cm.model.place.base_year, request.by),
              "scan": rows}
    if args.json:
        sys.stdout.write(json.dumps(report, allow_nan=False) + "\n")
    else:
        sys.stdout.write(_scan_text(report))
    return 0


def _scan_text(report: dict) -> str:
    from cutsim.model import fmt

    basis = "planned saving" if report["basis"] == "planned" else \
        "net saving to the place after knock-on costs" if report["agency"] == "place" else \
        f"net saving to {report['agency']}'s general fund after its own knock-on costs"
    lines = [f"What each target costs the whole place ({basis}, from "
             f"{report['from_year_label']}; net present value)", ""]
    feasible = [r for r in report["scan"] if r["feasible"]]
    # One unit for the whole table (docs/user-guide.md, money style).
    keys = ("cut_total", "knock_on_npv", "one_off_cost", "outcome_loss_npv")
    unit = fmt.table_unit([r["target"] for r in report["scan"]]
                          + [r[k] for r in feasible for k in keys])
    cells = {k: iter(fmt.money_table([r[k] for r in feasible], unit=unit)) for k in keys}
    lines.append(f"  {'target £/yr':>12}{'cuts £/yr':>12}{'knock-on':>12}{'one-off':>12}"
                 f"{'outcome loss':>14}{'services cut':>14}")
    for r in report["scan"]:
        target = fmt.money_in_unit(r["target"], unit)
        if not r["feasible"]:
            lines.append(f"  {target:>12}  cannot be met: {r['why']}")
            continue
        lines.append(f"  {target:>12}{next(cells['cut_total']):>12}"
                     f"{next(cells['knock_on_npv']):>12}{next(cells['one_off_cost']):>12}"
                     f"{next(cells['outcome_loss_npv']):>14}"
                     f"{len(r['cuts']):>14}")
    return "\n".join(lines) + "\n"


def _report(cm, request, package, found: dict, pro_rata: dict, effects: dict) -> dict:
    """The ``--json`` object: the cuts as a savings programme (£/yr, posts, lead time,
    one-off cost, saving by year), what the target's budget nets each year (£), the
    objective's terms (£ NPV), what binds, the comparison and the package's consequences."""
    from cutsim.levers.common import yearly_ramp
    from cutsim.model.fmt import year_label

    base = cm.model.place.base_year
    years = [year_label(base, y) for y in range(cm.horizon_years)]
    cuts = []
    for line in package.lines:
        service = cm.model.service(line.service)
        saving = line.amount * yearly_ramp(cm, request.start + line.lead.years, 0.0)
        cuts.append({"service": line.service, "name": service.name, "agency": service.agency,
                     "directorate": service.directorate, "amount": line.amount,
                     "percent": line.amount / service.baseline_spend * 100.0,
                     "posts": line.posts, "notice_months": line.lead.notice_months,
                     "consultation_days": line.lead.consultation_days,
                     "lead_time_months": line.lead.months, "lead_time": line.lead.words(),
                     "one_off_cost": line.one_off_cost,
                     "saving": [float(v) for v in saving]})
    return {"scenario": package.scenario.id, "planned_saving": package.planned_saving,
            "target": {"amount": request.target, "agency": request.agency or "place",
                       "from_year": request.by, "from_year_label": year_label(base, request.by),
                       "basis": "planned" if request.gross else "net",
                       "budget": "place" if request.for_place
                       else ["general_fund", *request.funds],
                       "max_one_off": request.max_one_off},
            "years": years,
            "net_saving": {"years": years, "values": package.net_saving},
            "cuts": cuts,
            "one_off_cost": package.one_off_cost,
            "consultation": package.consultation,
            "binding": package.binding,
            "objective": {"knock_on_npv": package.knock_on_npv,
                          "one_off_npv": package.one_off_npv,
                          "outcome_loss_npv": package.outcome_loss_npv,
                          "outcome_weight": package.outcome_weight,
                          "total": package.objective},
            "package": found, "pro_rata": pro_rata, **effects}


def _text(report: dict, explain: bool = False) -> str:
    from cutsim.model import fmt

    t = report["target"]
    who = t["agency"]
    budget = "" if t["budget"] == "place" else " general fund" + "".join(
        f" and {g}" for g in t["budget"][1:])
    basis = ("planned saving" if t["basis"] == "planned"
             else f"net saving to {who}'s{budget} after its own knock-on costs")
    lines = [f"Package {report['scenario']}: {fmt.money(t['amount'])} a year of {basis}, "
             f"from {t['from_year_label']}{'' if t['basis'] == 'planned' else ' in every year'}",
             "", f"Savings programme (cuts start in {report['years'][0]}; each saves after "
                 "its lead time)"]
    amounts = fmt.money_column([c["amount"] for c in report["cuts"]]
                               + [c["one_off_cost"] for c in report["cuts"]])
    n = len(report["cuts"])
    lines.append(f"  {'service':<40}{'£ a year':>10}{'of base':>9}{'posts':>8}"
                 f"{'lead time':>11}{'one-off':>10}")
    for c, amount, one_off in zip(report["cuts"], amounts[:n], amounts[n:]):
        name = c["name"] if len(c["name"]) <= 38 else c["name"][:37] + "…"
        lines.append(f"  {name:<40}{amount:>10}"
                     f"{fmt.percent(c['percent'], signed=False, decimals=1):>9}"
                     f"{c['posts']:>8.1f}{c['lead_time_months']:>7.1f} mo{one_off:>10}")
    lines.append(f"  {'one-off costs (redundancy and pension strain)':<78}"
                 f"{fmt.money(report['one_off_cost']):>10}")
    for agency, entry in report["consultation"].items():
        if entry["consultation_days"]:
            lines.append(f"  {agency}: {entry['posts']:.1f} posts within 90 days: "
                         f"{entry['consultation_days']} days' collective consultation first")
    net = report["net_saving"]
    if net["values"]:
        cells = fmt.money_column(net["values"])
        lines += ["", f"What {who} nets each year (planned saving less its own knock-on costs)"]
        lines += [f"  {y}  {c:>10}" for y, c in zip(net["years"], cells)]
    if explain:
        lines += ["", "What binds"]
        lines += ([f"  - {b['text']}" for b in report["binding"]]
                  or ["  (nothing: the target is met with room to spare)"])
    o = report["objective"]
    npv = fmt.money_column([o["knock_on_npv"], o["one_off_npv"], o["outcome_loss_npv"]])
    lines += ["", "Objective (net present value; valued outcome loss is kept apart, never added to cash)",
              f"  whole-place knock-on cost   {npv[0]:>10}",
              f"  one-off costs               {npv[1]:>10}",
              f"  valued outcome loss         {npv[2]:>10}  (weight {o['outcome_weight']:g})"]
    pr = report["pro_rata"]
    lines += ["", "Checked by the engine (net present value)   package   pro rata (same total)"]
    if "error" in pr:
        lines.append(f"  (no pro-rata comparison: {pr['error']})")
    else:
        checked = (("npv_place", "place NPV"), ("knock_on_npv", "knock-on cost"),
                   ("social_value_npv", "social value"), ("objective", "objective"))
        unit = fmt.table_unit([v for key, _ in checked for v in (report["package"][key], pr[key])])
        for key, label in checked:
            a, b = fmt.money_table([report["package"][key], pr[key]], signed=True, unit=unit)
            lines.append(f"  {label:<38}{a:>11}  {b:>20}")
    changes = report["outcome_changes"]
    if changes:
        lines += ["", f"Outcome changes the package causes, by the end of {changes[0]['by_end_of']}"]
        for c in changes:
            pct = "" if c["percent"] is None else f" ({fmt.percent(c['percent'], decimals=1)})"
            lines.append(f"  {c['name']}: {fmt.count(c['change'], signed=True)} {c['unit']}"
                         f"{pct}, {c['direction']}")
    weak = report["weakest_evidence"]
    if weak:
        lines += ["", f"It relies on links of evidence grade {weak[0]['confidence']} of 5 "
                      f"({fmt.confidence_words(weak[0]['confidence'])}):"]
        lines += [f"  {w['kind']} {w['id']}: {w['from']} → {w['to']}" for w in weak]
    late = report["late_harm"]
    if late:
        lines += ["", "Harm mostly still to come (knock-on in the last year under half its long-run level):"]
        for h in late:
            lines.append(f"  {h['service']}: {fmt.money(h['knock_on_last_year'])} a year by then, "
                         f"{fmt.money(h['knock_on_long_run'])} a year in the long run")
    return "\n".join(lines) + "\n"
