"""``cutsim partnership setup URL --agency ID …``: a role per agency on a partnership's
workspace, row-level security and an audit trail (docs/partnership.md)."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "partnership", help="set up a partnership's shared workspace on PostgreSQL",
        description="A partnership's workspace on a PostgreSQL server (docs/partnership.md).")
    commands = parser.add_subparsers(dest="partnership_command", metavar="COMMAND",
                                     required=True)
    setup = commands.add_parser(
        "setup", help="a role per agency, row-level security and an audit trail",
        description="Create a login role with a new password for each agency named, and "
                    "the row-level security and audit trail of a partnership's workspace "
                    "(run as the owner of its tables, once; again to add agencies or issue "
                    "new passwords). Prints each agency's connection URI, to hand over "
                    "privately: it holds the password.")
    setup.add_argument("url", metavar="URL", help="the workspace's postgresql:// URI, as its owner")
    setup.add_argument("--agency", action="append", required=True, metavar="ID",
                       help="an agency id of the workspace's model (repeat for each)")
    setup.add_argument("--json", action="store_true", help="print {agency id: URI} as JSON")
    setup.set_defaults(func=cmd_setup)


def cmd_setup(args: argparse.Namespace) -> int:
    from cutsim.workspace.partnership import setup

    access = setup(args.url, args.agency)
    if args.json:
        print(json.dumps({a.agency: a.uri for a in access}, ensure_ascii=False, indent=2))
    else:
        for a in access:
            print(f"{a.agency}\t{a.uri}")
    return 0
