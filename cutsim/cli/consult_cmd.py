"""``cutsim consult``: a consultation page for residents, and the summary of their responses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cutsim.model.errors import InputError

USAGE = ("cutsim consult FILE --scenario ID -o DIR [--year Y] [--offer-all]\n"
         "       cutsim consult summarise RESPONSE... --model FILE --scenario ID -o DIR [--skip-invalid]")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "consult", help="build a consultation page, or summarise residents' responses",
        usage=USAGE,
        description="Build one self-contained consultation page (index.html) on which residents "
                    "move the levers a scenario's consultation block offers and see the knock-on "
                    "costs and outcome changes; or, with `summarise`, read their responses "
                    "strictly and summarise them (summary.html, CSVs, median-package.cutsim). "
                    "See docs/consultation.md.")
    p.add_argument("target", metavar="FILE | summarise", help="a .cutsim file or workspace, or `summarise`")
    p.add_argument("responses", nargs="*", metavar="RESPONSE", help="(summarise) response files")
    p.add_argument("--scenario", required=True, metavar="ID", help="the scenario consulted on")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--model", metavar="FILE", help="(summarise) the .cutsim file or workspace the page was built from")
    p.add_argument("--year", type=int, metavar="Y", help="0-based financial year the page shows "
                   "(default: the scenario's headline year)")
    p.add_argument("--offer-all", action="store_true",
                   help="offer every cut and invest lever from 0 to twice its size when the "
                        "scenario has no consultation block")
    p.add_argument("--skip-invalid", action="store_true",
                   help="(summarise) leave out responses that cannot be read instead of stopping")
    p.set_defaults(func=run_consult)


def _project(path: str):
    from cutsim.api import Project
    from cutsim.workspace.sources import read_any

    return Project(read_any(path))


def run_consult(args: argparse.Namespace) -> int:
    if args.target == "summarise":
        return _summarise(args)
    if args.responses:
        raise InputError("consult takes one FILE (use `cutsim consult summarise …` for responses)")
    from cutsim.consult.offer import default_consultation
    from cutsim.consult.page import write_page

    project = _project(args.target)
    scenario = project.scenario(args.scenario)
    if scenario.consultation is None and args.offer_all:
        scenario = scenario.model_copy(update={"consultation": default_consultation(scenario)})
        project.file.scenarios[:] = [scenario if s.id == scenario.id else s for s in project.file.scenarios]
    _refuse_problems(project, scenario)
    path = write_page(project, scenario.id, Path(args.out), args.year)
    sys.stdout.write(f"{path}\n")
    return 0


def _refuse_problems(project, scenario) -> None:
    from cutsim.model.validation import validate_scenario

    index = next(i for i, s in enumerate(project.file.scenarios) if s.id == scenario.id)
    problems = [str(p) for p in validate_scenario(project.model, scenario, f"scenarios[{index}]")]
    if problems:
        raise InputError("the scenario cannot be offered:\n  " + "\n  ".join(problems[:20]))


def _summarise(args: argparse.Namespace) -> int:
    from cutsim.consult.responses import read_responses
    from cutsim.consult.summary import render_files, write_summary

    if not args.model:
        raise InputError("summarise needs --model FILE: the model the page was built from")
    if not args.responses:
        raise InputError("summarise needs at least one response file")
    project = _project(args.model)
    scenario = project.scenario(args.scenario)
    if scenario.consultation is None:
        raise InputError(f'scenario "{scenario.id}" has no consultation block')
    responses, problems, duplicates = read_responses([Path(p) for p in args.responses],
                                                     project.model, scenario)
    for line in duplicates:
        sys.stderr.write(f"cutsim: {line}\n")
    if problems and not args.skip_invalid:
        raise InputError(f"{len(problems)} response(s) refused; nothing written "
                         "(--skip-invalid leaves them out):\n  " + "\n  ".join(problems[:20]))
    if not responses:
        raise InputError("no response could be read; nothing written")
    for path in write_summary(Path(args.out), render_files(project, scenario, responses,
                                                           problems, duplicates),
                              force=args.force):
        sys.stdout.write(f"{path}\n")
    return 0
