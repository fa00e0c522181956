"""The ``cutsim`` command line, in the style of git/pip: one subcommand per module.

Exit codes (docs/result-format.md): 0 success; 1 bad input (message on stderr, no traceback);
2 usage; 3 a valid request with no clean answer.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from cutsim.cli.output import (
    add_force_options,
    guard_outputs,
    safe_streams,
    system_error_message,
)
from cutsim.model.errors import InputError, NoCleanAnswer, WorkspaceBusy
from cutsim.version import __version__

# Each module has register(subparsers) and sets `func` on its parsers; func(args) -> int.
COMMAND_MODULES: list[str] = [
    "cutsim.cli.model_cmds",
    "cutsim.cli.file_cmds",
    "cutsim.cli.run_cmd",
    "cutsim.cli.xmile_cmd",
    "cutsim.cli.bench_cmd",
    "cutsim.cli.publish_cmd",
    "cutsim.cli.compare_cmd",
    "cutsim.cli.optimise_cmd",
    "cutsim.cli.consult_cmd",
    "cutsim.cli.mtfs_cmd",
    "cutsim.cli.sign_cmds",
    "cutsim.cli.workbook_cmds",
    "cutsim.cli.sensitivity_cmd",
    "cutsim.cli.actuals_cmds",
    "cutsim.cli.partnership_cmd",
]

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_NO_CLEAN_ANSWER = 0, 1, 2, 3
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cutsim",
        description="Whole-place scenario modeller for public spending cuts.",
    )
    parser.add_argument("--version", action="version", version=f"cutsim {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module: let it surface
                raise
            continue  # a command module not written yet
        module.register(subparsers)
    add_force_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    with safe_streams():
        return _run(args)


def _check_dask(args: argparse.Namespace) -> None:
    """Refuse a ``--dask ADDRESS`` cutsim will not use (InputError, one line), before the
    command reads or computes anything, even when the command would run in-process."""
    address = getattr(args, "dask", None)
    if isinstance(address, str) and address:
        from cutsim.appraise.executor import check_address

        check_address(address)


def _run(args: argparse.Namespace) -> int:
    """Run one command; every error meant for a user becomes a message and an exit code."""
    try:
        guard_outputs(args)  # no output option writes over an input or a workspace
        _check_dask(args)  # a cluster address is checked before any work, whatever the command
        return int(args.func(args) or EXIT_OK)
    except WorkspaceBusy as exc:
        print(f"cutsim: {exc}", file=sys.stderr)
        return EXIT_NO_CLEAN_ANSWER
    except InputError as exc:
        print(f"cutsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NoCleanAnswer as exc:
        print(f"cutsim: {exc}", file=sys.stderr)
        return EXIT_NO_CLEAN_ANSWER
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        return EXIT_OK
    except OSError as exc:
        # A target that cannot be read or written (missing, a folder, read-only, full
        # disk): one message naming the path and the reason. A workspace's database
        # errors arrive as StorageError (an InputError), translated by cutsim.workspace.
        print(f"cutsim: {system_error_message(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
