"""What changed between two versions of a place model and its scenarios.

Items are matched by id (levers by their id within their scenario), never by position,
so reordering services does not read as a change; every difference is reported by id
and field, in words a finance officer can read::

    service "youth": baseline_spend 1,000,000 → 900,000
    scenario "youth-cut": lever l1 (cut youth): percent 20 → 15

Provenance and the integrity hash are not compared: they say who wrote a file and
when, not what it models. The order of levers is compared (a scenario's levers are
an ordered list); the order of model items is not (it carries no meaning).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from cutsim.model import lever_kinds
from cutsim.model.schema import CutsimFile, Scenario

# (attribute of Model, singular used in messages)
MODEL_KINDS = (
    ("agencies", "agency"),
    ("services", "service"),
    ("outcomes", "outcome"),
    ("effects", "effect"),
    ("demands", "demand"),
)
_ARROW = "→"


@dataclass(frozen=True)
class Change:
    """One difference. ``kind`` is place, agency, service, outcome, effect, demand,
    scenario or lever; ``scenario`` is set for levers; ``field`` is None when a whole
    item was added or removed (its content is then in ``new`` or ``old``)."""

    kind: str
    id: str | None
    action: str  # "added", "removed", "changed", "reordered"
    field: str | None = None
    old: Any = None
    new: Any = None
    scenario: str | None = None
    label: str | None = None  # how a lever reads: "cut youth"

    def lever_name(self) -> str:
        """A lever as it reads in a sentence: 'lever l1 (cut youth)'."""
        return f"lever {self.id}" + (f" ({self.label})" if self.label else "")

    def subject(self) -> str:
        """The item the change is about, as a person would name it."""
        if self.id is None:  # the place, or the file itself
            return self.kind
        if self.kind == "lever":
            return f'scenario "{self.scenario}": {self.lever_name()}'
        return f'{self.kind} "{self.id}"'

    def detail(self) -> str:
        """What happened to the subject: 'added', or 'percent 20 → 15'."""
        if self.action in ("added", "removed"):
            return self.action
        return f"{self.field} {show(self.old)} {_ARROW} {show(self.new)}"

    def __str__(self) -> str:
        return f"{self.subject()}: {self.detail()}"

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None or k in ("old", "new")}


def show(value: Any) -> str:
    """A value as a finance officer reads it: 1,000,000 not 1000000.0; (none) for absent."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if float(value).is_integer() and abs(value) < 1e15:
            number = int(value)
            return f"{number:,}" if abs(number) >= 10_000 else str(number)
        return f"{value:,.12g}" if abs(value) >= 10_000 else f"{value:.12g}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "(none)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def plain(item: Any) -> dict:
    """An object's fields as JSON values, defaults included (a default given explicitly
    and one left out are the same model)."""
    return item.model_dump(mode="json", by_alias=True)


def lever_label(lever: dict) -> str:
    """How a lever reads in a sentence: 'cut youth', 'pool youth, ae' (its kind says how)."""
    return lever_kinds.of(lever).label(lever)


def field_changes(old: dict, new: dict, skip: Iterable[str] = ()) -> Iterator[tuple[str, Any, Any]]:
    """(field, old value, new value) for each field that differs, in the old object's order."""
    skipped = set(skip)
    for name in [*old, *(k for k in new if k not in old)]:
        if name in skipped:
            continue
        a, b = old.get(name), new.get(name)
        if a != b:
            yield name, a, b


def _keyed(items: Iterable[Any]) -> dict[str, dict]:
    return {item.id: plain(item) for item in items}


def _diff_keyed(kind: str, old: dict[str, dict], new: dict[str, dict],
                skip: Iterable[str] = (), scenario: str | None = None,
                label=None) -> Iterator[Change]:
    def named(data: dict) -> str | None:
        return label(data) if label else None

    for ident, before in old.items():
        if ident not in new:
            yield Change(kind, ident, "removed", old=before, scenario=scenario, label=named(before))
    for ident, after in new.items():
        earlier = old.get(ident)
        if earlier is None:
            yield Change(kind, ident, "added", new=after, scenario=scenario, label=named(after))
            continue
        for name, a, b in field_changes(earlier, after, skip):
            yield Change(kind, ident, "changed", name, a, b, scenario=scenario, label=named(after))


def diff_scenario(old: Scenario, new: Scenario) -> Iterator[Change]:
    before, after = plain(old), plain(new)
    for name, a, b in field_changes(before, after, skip=("id", "levers")):
        yield Change("scenario", new.id, "changed", name, a, b)
    old_levers, new_levers = _keyed(old.levers), _keyed(new.levers)
    yield from _diff_keyed("lever", old_levers, new_levers, skip=("id",), scenario=new.id,
                           label=lever_label)
    kept_old = [i for i in old_levers if i in new_levers]
    kept_new = [i for i in new_levers if i in old_levers]
    if kept_old != kept_new:
        yield Change("scenario", new.id, "reordered", "lever order", kept_old, kept_new)


def diff_files(a: CutsimFile, b: CutsimFile) -> list[Change]:
    """Every difference from ``a`` to ``b`` in model and scenarios (empty: the same)."""
    changes: list[Change] = []
    for name, x, y in field_changes(plain(a.model.place), plain(b.model.place)):
        changes.append(Change("place", None, "changed", name, x, y))
    for attribute, kind in MODEL_KINDS:
        changes.extend(_diff_keyed(kind, _keyed(getattr(a.model, attribute)),
                                   _keyed(getattr(b.model, attribute)), skip=("id",)))
    # areas (format version 2) are optional: none is an empty list here
    changes.extend(_diff_keyed("area", _keyed(a.model.areas or []), _keyed(b.model.areas or []),
                               skip=("id",)))
    old_scenarios = {s.id: s for s in a.scenarios}
    new_scenarios = {s.id: s for s in b.scenarios}
    for ident, scenario in old_scenarios.items():
        if ident not in new_scenarios:
            changes.append(Change("scenario", ident, "removed", old=plain(scenario)))
    for ident, scenario in new_scenarios.items():
        if ident in old_scenarios:
            changes.extend(diff_scenario(old_scenarios[ident], scenario))
        else:
            changes.append(Change("scenario", ident, "added", new=plain(scenario)))
    if bool(a.redacted) != bool(b.redacted):
        changes.append(Change("file", None, "changed", "redacted", bool(a.redacted), bool(b.redacted)))
    changes.extend(_diff_actuals(a, b))
    return changes


def _diff_actuals(a: CutsimFile, b: CutsimFile) -> list[Change]:
    """Observations (format version 3) by "kind id year [area]", then the decision and the
    actuals' own fields as fields of "actuals" (docs/actuals.md)."""
    def keyed(f: CutsimFile) -> dict[str, dict]:
        observations = f.actuals.observations if f.actuals is not None else []
        return {" ".join(x for x in (o.kind, o.id, o.year, o.area) if x): plain(o)
                for o in observations}

    changes = list(_diff_keyed("actual", keyed(a), keyed(b)))

    def rest(f: CutsimFile) -> dict:
        return {k: v for k, v in plain(f.actuals).items() if k != "observations"} \
            if f.actuals is not None else {}

    for name, x, y in field_changes(rest(a), rest(b)):
        changes.append(Change("actuals", None, "changed", name, x, y))
    return changes


def format_changes(changes: list[Change], a_name: str = "A", b_name: str = "B") -> str:
    """The changes as lines of text, grouped model first, then scenarios."""
    if not changes:
        return f"no differences in model or scenarios between {a_name} and {b_name}"
    lines = [f"{len(changes)} difference{'s' if len(changes) != 1 else ''} from {a_name} to {b_name}:"]
    lines += [f"  {change}" for change in changes]
    return "\n".join(lines)


def changes_json(changes: list[Change]) -> dict:
    """The changes as one JSON object: {"count": n, "changes": [...]}; each change has its
    readable ``text`` beside the structured fields."""
    return {"count": len(changes),
            "changes": [{**change.to_json(), "text": str(change)} for change in changes]}
