"""Commands for exchanged files: diff, merge, import."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from cutsim.cli.sign_cmds import check_signed, verdict
from cutsim.files import exchange
from cutsim.files.diff import changes_json, diff_files, format_changes
from cutsim.files.merge import change_sides, merge_files
from cutsim.model.errors import InputError, NoCleanAnswer
from cutsim.model.safetext import terminal_safe
from cutsim.model.schema import CutsimFile
from cutsim.workspace import is_workspace, open_workspace
from cutsim.workspace.admission import admit
from cutsim.workspace.importer import (
    KINDS,
    ClashError,
    find_clashes,
    items_of,
    plan_import,
)
from cutsim.workspace.location import shown
from cutsim.workspace.sources import read_any

if TYPE_CHECKING:  # signing loads the cryptography library: only when signatures are checked
    from cutsim.files.signing import Verification


def register(subparsers: argparse._SubParsersAction) -> None:
    diff = subparsers.add_parser(
        "diff", help="what changed between two .cutsim files",
        description="List what changed in model and scenarios, by id and field. "
                    "Exits 0 whether or not the files differ.")
    diff.add_argument("a", metavar="A", help="the earlier .cutsim file (or workspace)")
    diff.add_argument("b", metavar="B", help="the later .cutsim file (or workspace)")
    diff.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    diff.set_defaults(func=cmd_diff)

    merge = subparsers.add_parser(
        "merge", help="three-way merge of .cutsim files",
        description="Merge the changes made in OURS and in THEIRS since BASE, by id and field. "
                    "With conflicts nothing is written; they are listed and the exit code is 3.")
    merge.add_argument("base", metavar="BASE", help="the file both sides started from")
    merge.add_argument("ours", metavar="OURS", help="our changed file")
    merge.add_argument("theirs", metavar="THEIRS", help="their changed file")
    merge.add_argument("-o", "--out", required=True, metavar="OUT", help=".cutsim file to write")
    merge.add_argument("--json", action="store_true", help="report conflicts as JSON on stdout")
    merge.add_argument("--require-signed", action="store_true",
                       help="refuse any input that no trusted signature holds for (a "
                            "workbook or a workspace carries none), as the 'require' policy "
                            "does; see cutsim keys policy")
    merge.set_defaults(func=cmd_merge)

    imp = subparsers.add_parser(
        "import", help="bring a received .cutsim file into a workspace",
        description="Validate FILE in full, then add its items to the workspace model in one "
                    "transaction. An item whose id is already in the workspace with different "
                    "content is a clash: the import stops and lists them until each has a choice. "
                    "ID may be written KIND:ID (e.g. service:youth) when several kinds share an id.")
    imp.add_argument("workspace", metavar="WORKSPACE",
                     help="workspace file, or a workspace's postgresql:// URI")
    imp.add_argument("file", metavar="FILE", help=".cutsim file or model workbook (.xlsx) to import")
    imp.add_argument("--keep", action="append", default=[], metavar="ID",
                     help="keep the workspace's version of ID (the file's is not imported)")
    imp.add_argument("--replace", action="append", default=[], metavar="ID",
                     help="replace the workspace's ID with the file's version")
    imp.add_argument("--rename", action="append", default=[], metavar="ID",
                     help="add the file's ID under a new id (ID-2, …); the workspace's stays")
    imp.add_argument("--all", dest="all_choice", choices=("keep", "replace", "rename"),
                     help="the same choice for every clash not named otherwise")
    imp.add_argument("--dry-run", action="store_true", help="say what would happen; change nothing")
    imp.add_argument("--require-signed", action="store_true",
                     help="refuse FILE unless a trusted signature holds for it (as the "
                          "'require' policy does; see cutsim keys policy)")
    imp.set_defaults(func=cmd_import)


def cmd_diff(args: argparse.Namespace) -> int:
    a, b = read_any(args.a), read_any(args.b)
    changes = diff_files(a, b)
    if args.json:
        print(json.dumps(changes_json(changes), ensure_ascii=False, indent=2))
    else:
        print(format_changes(changes, Path(args.a).name, Path(args.b).name))
    return 0


def _read_checked(path: str, require: bool) -> tuple[CutsimFile, Verification | None]:
    """A merge input of any format with its signature verdict (None for a workspace), the
    policy applied to it (:func:`cutsim.workspace.admission.admit`)."""
    opened = admit(path, require=require, allow_workspace=True)
    return opened.file, opened.verification


def _signed_by(verification: Verification | None) -> str:
    """Who vouches for one side of a merge."""
    if verification is None:
        return "a workspace"
    return verification.summary() if verification.trusted else "unverified"


def cmd_merge(args: argparse.Namespace) -> int:
    # Every input is read and checked against the signature policy before anything is written.
    paths = (args.base, args.ours, args.theirs)
    checked = [_read_checked(p, args.require_signed) for p in paths]
    (base, _), (ours, ours_check), (theirs, theirs_check) = checked
    for path, (_, verification) in zip(paths, checked):
        if verification is not None:
            print(verdict(path, verification), file=sys.stderr)
    result = merge_files(base, ours, theirs)
    if not result.clean:
        if args.json:
            print(json.dumps({"conflicts": [c.to_json() for c in result.conflicts]},
                             ensure_ascii=False, indent=2))
        lines = "\n  ".join(terminal_safe(str(c)) for c in result.conflicts)
        raise NoCleanAnswer(f"{len(result.conflicts)} conflict(s); nothing was written to "
                            f"{args.out}. Settle each in OURS or THEIRS and merge again:\n  {lines}")
    merged = result.merged
    assert merged is not None  # a clean merge has its merged file
    exchange.write_file(args.out, merged)
    signers = {"ours": _signed_by(ours_check), "theirs": _signed_by(theirs_check)}
    sides = change_sides(base, ours, theirs, merged)
    if args.json:
        print(json.dumps({"conflicts": [], "out": str(args.out),
                          "changes": [{"text": str(c), "side": side,
                                       "signed_by": signers.get(side)} for c, side in sides]},
                         ensure_ascii=False))
    for change, side in sides:
        where = ("both sides" if side == "both"
                 else f"{side} ({Path(getattr(args, side)).name}, {signers[side]})")
        print(f"  {terminal_safe(str(change))}  [from {terminal_safe(where)}]", file=sys.stderr)
    print(f"merged without conflicts; wrote {args.out}", file=sys.stderr)
    return 0


def _choices(args: argparse.Namespace, clashes: list, known: set) -> dict[tuple[str, str], str]:
    """{(kind, id): choice} from --keep/--replace/--rename ID and --all.

    ``known`` is every (kind, id) in the file: a choice may name an item that only
    clashes once another is renamed (a link to a renamed service).
    """
    resolve: dict[tuple[str, str], str] = {}
    for choice in ("keep", "replace", "rename"):
        for name in getattr(args, choice):
            key = _item_key(name, clashes, known)
            if key in resolve and resolve[key] != choice:
                raise InputError(f"{name}: given two choices ({resolve[key]} and {choice})")
            resolve[key] = choice
    if args.all_choice:
        for clash in clashes:
            resolve.setdefault(clash.key, args.all_choice)
    return resolve


def _item_key(name: str, clashes: list, known: set) -> tuple[str, str]:
    kind, _, ident = name.rpartition(":")
    if kind and kind not in KINDS:
        raise InputError(f"{name}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    for pool in ([c.key for c in clashes], sorted(known)):  # a clash first, then any item
        matches = [(k, i) for k, i in pool if i == ident and (not kind or k == kind)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InputError(f"{name}: several kinds share this id; write one of "
                             + ", ".join(f"{k}:{i}" for k, i in matches))
    listed = ", ".join(f"{k}:{i}" for k, i in (c.key for c in clashes)) or "none"
    raise InputError(f"{name}: the file has no item with this id (clashes now: {listed})")


def cmd_import(args: argparse.Namespace) -> int:
    # The file is read, validated in full and its signatures checked against the policy
    # before the workspace is even opened.
    incoming, verification = check_signed(args.file, args.require_signed, args.workspace)
    if not is_workspace(args.workspace):
        raise InputError(f"{shown(args.workspace)}: not a cutsim workspace (create one with "
                         "cutsim init)")
    print(verdict(args.file, verification), file=sys.stderr)
    with open_workspace(args.workspace) as workspace, \
            (nullcontext() if args.dry_run else workspace.write_transaction()):
        # One write transaction from the first read: the clashes listed and the choices
        # made are against the model the import then writes to (read once). A dry run
        # only reads, and takes no write lock (a read-only workspace can be checked).
        has_model = bool(workspace.model_keys())
        current = workspace.load() if has_model else None
        theirs = items_of(incoming)
        clashes = find_clashes(current, incoming, theirs=theirs) if current is not None else []
        resolve = _choices(args, clashes, set(theirs))
        try:
            if args.dry_run:
                what = plan_import(current, incoming, resolve)[1].summary() if current is not None \
                    else "as the workspace's first model"
                print(f"would import {Path(args.file).name}: {what} (dry run: nothing changed)")
                return 0
            report = workspace.import_file(incoming, resolve, source=Path(args.file).name,
                                           current=current)
        except ClashError as exc:
            hint = ("\nRun again with --keep ID, --replace ID or --rename ID for each "
                    "(or --all keep|replace|rename).")
            raise NoCleanAnswer(f"{args.file}: {exc}{hint}") from None
    print(f"imported {Path(args.file).name} into {shown(args.workspace)}: {report.summary()}")
    return 0
