"""Options several commands share: the headline year and the workspace's model.

A value out of range is a usage error (exit 2, with the usage line), as argparse does
for its own checks; a bad file is still bad input (exit 1).
"""

from __future__ import annotations

import argparse

from cutsim.model.fmt import parse_year
from cutsim.model.schema import Model, Scenario, headline_year


def add_year(parser: argparse.ArgumentParser, alias: bool = False) -> None:
    """``--year Y``: a financial-year label (2030-31) or a 0-based index; with ``alias``,
    ``--years`` is accepted as the same option."""
    names = ["--year", "--years"] if alias else ["--year"]
    parser.add_argument(*names, dest="year", metavar="Y",
                        help="the financial year summaries show: a label such as 2030-31 or a "
                             "0-based index (default: the scenario's headline year)")
    parser.set_defaults(parser=parser)


def add_model(parser: argparse.ArgumentParser) -> None:
    """``--model ID``: which model of a workspace (its key or place name)."""
    parser.add_argument("--model", metavar="ID",
                        help="the model to use when a workspace holds several "
                             "(its key or place name)")


def year_of(args: argparse.Namespace, model: Model, scenario: Scenario | None) -> int:
    """The 0-based year the command summarises: ``--year`` or the scenario's headline year."""
    horizon = model.place.horizon_years
    if args.year is None:
        return headline_year(scenario, horizon)
    try:
        return parse_year(args.year, model.place.base_year, horizon)
    except ValueError as exc:
        args.parser.error(f"--year: {exc}")
        raise  # pragma: no cover - parser.error exits


def at_least(args: argparse.Namespace, name: str, value: int | None, low: int) -> None:
    """Refuse ``--name value`` below ``low`` as a usage error (exit 2)."""
    if value is not None and value < low:
        args.parser.error(f"--{name} must be at least {low} (got {value})")
