"""The rules of a file's ``actuals`` (docs/actuals.md), called by the validator.

Every problem names where it is (``actuals.observations[4]``) and what is wrong, so that
an import can report it by the row it came from.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the validator imports this module, and schema stays a leaf
    from cutsim.model.schema import Actuals, CutsimFile, Model, Observation

YEAR_LABEL = re.compile(r"(\d{4})-(\d{2})")
SLUG = re.compile(r"[a-z0-9_-]{1,64}")  # as validation.SLUG
MAX_VALUE = 1e15  # the general bound on any number a file holds (validation.MAX_NUMBER)


def year_index(label: str, base_year: int) -> int | None:
    """0-based financial year of a label such as "2026-27" (base_year → 0); None if the
    text is not such a label (the second part must be the first year plus one, mod 100)."""
    match = YEAR_LABEL.fullmatch(label)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if (first + 1) % 100 != second:
        return None
    return first - base_year


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _place_years_known(model: Model) -> bool:
    """Whether the place's years can be judged against: a base year and horizon that
    break their own rules are reported there, and every year would seem out of range."""
    place = model.place
    return (isinstance(place.base_year, int) and 1900 <= place.base_year <= 2200
            and isinstance(place.horizon_years, int) and 1 <= place.horizon_years <= 100)


def observation_problems(model: Model, obs: Observation) -> Iterator[str]:
    """What is wrong with one observation against ``model`` (messages without location)."""
    if obs.kind == "outcome":
        if obs.id not in {o.id for o in model.outcomes}:
            yield f'id refers to outcome "{obs.id}", which does not exist'
    elif obs.id not in {s.id for s in model.services}:
        yield f'id refers to service "{obs.id}", which does not exist'
    horizon = model.place.horizon_years
    y = year_index(obs.year, model.place.base_year)
    if y is None:
        yield f'year must be a financial-year label such as "2026-27" (got "{obs.year}")'
    elif _place_years_known(model) and not 0 <= y < horizon:
        last = model.place.base_year + horizon - 1
        yield (f'year "{obs.year}" is outside the model\'s horizon '
               f"({model.place.base_year}-{(model.place.base_year + 1) % 100:02d} to "
               f"{last}-{(last + 1) % 100:02d})")
    if not math.isfinite(obs.value):
        yield f"value must be a finite number (got {obs.value})"
    elif abs(obs.value) > MAX_VALUE:
        yield f"value must be at most 1000000000000000 in size (got {obs.value!r})"
    elif obs.kind == "spend" and obs.value < 0:
        yield f"value (spend outturn, £) must be >= 0 (got {obs.value!r})"
    if not obs.source.strip():
        yield "source must not be empty"
    if obs.area is not None and obs.area not in {a.id for a in (model.areas or [])}:
        yield f'area refers to area "{obs.area}", which does not exist'
    if obs.date is not None and not _is_date(obs.date):
        yield f'date must be a date written YYYY-MM-DD (got "{obs.date}")'


def observation_key(obs: Observation) -> tuple[str, str, str, str | None]:
    """What may appear once: (kind, id, year, area)."""
    return obs.kind, obs.id, obs.year, obs.area


def actuals_problems(cutsim_file: CutsimFile) -> list[tuple[str, str]]:
    """(location, message) for everything wrong with the file's actuals (empty: valid)."""
    actuals: Actuals | None = cutsim_file.actuals
    if actuals is None:
        return []
    model = cutsim_file.model
    found: list[tuple[str, str]] = []
    decision = actuals.decision
    if decision is not None:
        # A record of what was decided: it may name a scenario since removed or renamed
        # (the review then asks for --scenario), but it must be an id.
        if not SLUG.fullmatch(decision.scenario):
            found.append(("actuals.decision", ("scenario must be a scenario id: 1-64 characters "
                          f'of a-z, 0-9, _ or - (got "{decision.scenario[:80]}")')))
        if decision.date is not None and not _is_date(decision.date):
            found.append(("actuals.decision",
                          f'date must be a date written YYYY-MM-DD (got "{decision.date}")'))
    seen: dict[tuple, int] = {}
    for i, obs in enumerate(actuals.observations):
        where = f'actuals.observations[{i}] "{obs.id}"'
        found.extend((where, message) for message in observation_problems(model, obs))
        key = observation_key(obs)
        if key in seen:
            found.append((where, f"duplicates actuals.observations[{seen[key]}] "
                                 f"({obs.kind} {obs.id} in {obs.year}"
                                 + (f", area {obs.area}" if obs.area else "") + ")"))
        else:
            seen[key] = i
    return found
