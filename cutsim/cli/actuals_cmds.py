"""``cutsim actuals import TARGET FILE``: what happened, into a file or a workspace
(docs/actuals.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cutsim.files import exchange
from cutsim.files.actuals_table import import_actuals, read_table
from cutsim.files.xlsx_safety import looks_like_workbook
from cutsim.model.errors import InputError
from cutsim.workspace import is_workspace, open_workspace
from cutsim.workspace.sources import open_source


def register(subparsers: argparse._SubParsersAction) -> None:
    actuals = subparsers.add_parser(
        "actuals", help="outturn and observed outcomes (what happened)",
        description="Bring observed outcomes and spend outturn into a model (docs/actuals.md).")
    sub = actuals.add_subparsers(dest="actuals_command", metavar="ACTION")
    imp = sub.add_parser(
        "import", help="add the rows of a CSV or workbook to a model's actuals",
        description="Read FILE (a CSV, or a workbook's Actuals sheet, else its first sheet) with "
                    "columns kind (outcome | spend), id (an outcome or service id, or an "
                    "outcome's indicator code), year (e.g. 2026-27), value, source, and optional "
                    "area, date (YYYY-MM-DD) and notes. Outcome values are the year's mean level "
                    "in the outcome's unit; spend values the year's outturn in £ at the place's "
                    "price year. Every problem is named by its row; with any problem nothing is "
                    "imported. TARGET (a .cutsim file or a workspace) is rewritten whole.")
    imp.add_argument("target", metavar="TARGET", help=".cutsim file or workspace to add the actuals to")
    imp.add_argument("file", metavar="FILE", help="actuals CSV or workbook (.xlsx)")
    imp.add_argument("--replace", action="store_true",
                     help="replace an observation held already (same kind, id, year, area) "
                          "whose value or source differs; without it such a row is refused")
    imp.add_argument("--illustrative", action="store_true",
                     help="mark the actuals illustrative (figures that stand in for real ones)")
    imp.add_argument("--model", metavar="ID", help="the workspace's model (key or place name)")
    imp.add_argument("--dry-run", action="store_true", help="say what would happen; change nothing")
    imp.set_defaults(func=cmd_import)
    decide = sub.add_parser(
        "decide", help="record which scenario was adopted, when and by whom",
        description="Record the decision in TARGET's actuals (a .cutsim file or a workspace): "
                    "the scenario adopted, and optionally the date (YYYY-MM-DD), who decided "
                    "(e.g. from the workshop's decision log) and notes. Replaces a decision "
                    "recorded before.")
    decide.add_argument("target", metavar="TARGET", help=".cutsim file or workspace")
    decide.add_argument("--scenario", required=True, metavar="ID", help="the scenario adopted")
    decide.add_argument("--date", metavar="YYYY-MM-DD", help="when it was adopted")
    decide.add_argument("--by", metavar="TEXT", help="who decided")
    decide.add_argument("--notes", metavar="TEXT", help="anything else about the decision")
    decide.add_argument("--model", metavar="ID", help="the workspace's model (key or place name)")
    decide.set_defaults(func=cmd_decide)
    actuals.set_defaults(func=lambda args: _usage(actuals))

    rev = subparsers.add_parser(
        "review", help="what we said would happen, and what happened",
        description="Set the file's actuals against the scenario's forecast: savings planned "
                    "against delivered (by lever and service), observed outcomes against the "
                    "baseline and the forecast's P10-P90 band, and what the observations teach "
                    "about the uncertain inputs (posterior by importance weighting of the "
                    "seeded Monte Carlo draws) with the re-forecast of later years. See "
                    "docs/actuals.md.")
    rev.add_argument("file", metavar="FILE", help=".cutsim file, model workbook or workspace")
    rev.add_argument("--scenario", metavar="ID",
                     help="scenario to review (default: the one the actuals' decision adopted)")
    rev.add_argument("--actuals", metavar="CSV",
                     help="actuals CSV or workbook read on top of the file's (its rows replace "
                          "those held for the same kind, id, year and area); the file is not changed")
    rev.add_argument("--draws", type=int, default=None, metavar="N",
                     help="Monte Carlo draws (default 4000)")
    rev.add_argument("--seed", type=int, default=None, metavar="S", help="seed of the draws (default 35)")
    rev.add_argument("--model", metavar="ID", help="the workspace's model (key or place name)")
    rev.add_argument("--json", action="store_true", help="print one JSON object (docs/result-format.md)")
    rev.add_argument("--out", metavar="PATH", help="write to PATH instead of standard output")
    rev.set_defaults(func=cmd_review)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _summary(result, target: str, dry_run: bool) -> str:
    verb = "would add" if dry_run else "added"
    return (f"{target}: {verb} {result.added} observation(s), replaced {result.replaced}, "
            f"{result.unchanged} already held" + ("; nothing written (dry run)" if dry_run else ""))


def _rewrite(target: str, model_id: str | None, change, action: str) -> None:
    """Read TARGET, apply ``change`` (file → file), validate in full and write it whole
    (a workspace: in one transaction, refused if the model changed since it was read)."""
    from cutsim.model.validation import validate_file

    if looks_like_workbook(target) and not is_workspace(target):
        raise InputError(f"{target}: TARGET must be a .cutsim file or a workspace")
    opened = open_source(target, model_id, choose=True)
    changed = change(opened.file)
    problems = [str(p) for p in validate_file(changed)]
    if problems:
        raise InputError(f"{len(problems)} problem(s); nothing was written:\n  "
                         + "\n  ".join(problems[:20]), problems)
    if opened.kind == "workspace":
        with open_workspace(target) as workspace:
            workspace.save(changed, opened.model_key, action=action, validated=True,
                           expected_version=opened.version)
    else:
        exchange.write_file(target, changed)


def cmd_decide(args: argparse.Namespace) -> int:
    from cutsim.model.schema import Actuals, Decision

    def change(file):
        if all(s.id != args.scenario for s in file.scenarios):
            known = ", ".join(s.id for s in file.scenarios) or "none"
            raise InputError(f'{args.target}: no scenario "{args.scenario}" (scenarios: {known})')
        decision = Decision(scenario=args.scenario, date=args.date, by=args.by, notes=args.notes)
        current = file.actuals or Actuals()
        return file.model_copy(update={"actuals": current.model_copy(update={"decision": decision})})

    _rewrite(args.target, args.model, change, f"record the decision: {args.scenario}")
    print(f"{args.target}: recorded the adoption of scenario {args.scenario}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    rows = read_table(args.file)
    illustrative = True if args.illustrative else None
    if is_workspace(args.target):
        opened = open_source(args.target, args.model, choose=True)
        result = import_actuals(opened.file, rows, replace=args.replace, illustrative=illustrative)
        if not args.dry_run:
            with open_workspace(args.target) as workspace:
                # refused, writing nothing, if the model changed since it was read
                workspace.save(result.file, opened.model_key,
                               action=f"import actuals from {Path(args.file).name}",
                               validated=True, expected_version=opened.version)
        print(_summary(result, args.target, args.dry_run))
        return 0
    if looks_like_workbook(args.target):
        raise InputError(f"{args.target}: TARGET must be a .cutsim file or a workspace (a model "
                         "workbook's Actuals sheet can be edited in a spreadsheet)")
    if args.model is not None:
        raise InputError(f"{args.target}: --model is for a workspace; a .cutsim file holds one model")
    current = exchange.read_file(args.target)
    result = import_actuals(current, rows, replace=args.replace, illustrative=illustrative)
    if not args.dry_run:
        exchange.write_file(args.target, result.file)  # whole or not at all
    print(_summary(result, args.target, args.dry_run))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    import json

    from cutsim.appraise.review import DEFAULT_DRAWS, DEFAULT_SEED, review, text_report
    from cutsim.cli.output import emit

    cutsim_file = open_source(args.file, args.model, choose=True).file
    if args.actuals is not None:
        cutsim_file = import_actuals(cutsim_file, read_table(args.actuals), replace=True).file
    draws = DEFAULT_DRAWS if args.draws is None else args.draws
    seed = DEFAULT_SEED if args.seed is None else args.seed
    if draws < 16:
        raise InputError(f"--draws must be at least 16 (got {draws})")
    if seed < 0:
        raise InputError(f"--seed must be >= 0 (got {seed})")
    result = review(cutsim_file, args.scenario, draws=draws, seed=seed)
    if args.json:
        text = json.dumps(result.to_json_dict(), allow_nan=False, ensure_ascii=False) + "\n"
    else:
        text = text_report(result, cutsim_file)
    emit(text, args.out)
    return 0
