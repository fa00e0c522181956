"""Three-way merge of ``.cutsim`` files: BASE, OURS and THEIRS, by id and field.

Two partners start from the same file (BASE) and each change it. Every item is
matched by id (levers by their id within their scenario) and every field is merged
on its own: a field changed on one side only takes that side's value; a field
changed on both sides to the same value takes it; changed on both sides to
different values is a **conflict**. So are an item deleted on one side and changed
on the other, and an item added on both sides with different content. Nothing is
ever chosen silently: a merge with conflicts produces no file, only the list.

The merged file must also be valid as a whole (one side may remove a service the
other side's new lever uses); if it is not, each problem is reported as a conflict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import pydantic

from cutsim.files.diff import (
    MODEL_KINDS,
    Change,
    diff_files,
    field_changes,
    lever_label,
    plain,
    show,
)
from cutsim.model.schema import CutsimFile
from cutsim.model.validation import validate_file

_MISSING = object()  # an item or field absent on one side (distinct from a None value)


@dataclass(frozen=True)
class Conflict:
    """Both sides changed the same thing differently; ``where`` names it by id and field."""

    where: str
    base: Any
    ours: Any
    theirs: Any
    reason: str = "changed differently on both sides"

    def __str__(self) -> str:
        def side(value: Any) -> str:
            if value is _MISSING:
                return "(absent)"
            if isinstance(value, dict):
                return "(an item of its own)"
            return show(value)
        if self.base is self.ours is self.theirs is _MISSING:  # not a clash of values
            return f"{self.where}: {self.reason}"
        return (f"{self.where}: {self.reason}: base {side(self.base)}, ours {side(self.ours)}, "
                f"theirs {side(self.theirs)}")

    def to_json(self) -> dict:
        def value(v: Any) -> Any:
            return None if v is _MISSING else v
        return {"where": self.where, "reason": self.reason, "base": value(self.base),
                "ours": value(self.ours), "theirs": value(self.theirs), "text": str(self)}


@dataclass
class MergeResult:
    """The merged file when there are no conflicts; otherwise ``merged`` is None."""

    merged: CutsimFile | None
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _merge_value(where: str, base: Any, ours: Any, theirs: Any, conflicts: list[Conflict]) -> Any:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    conflicts.append(Conflict(where, base, ours, theirs))
    return ours  # a placeholder; a merge with conflicts yields no file


def _merge_fields(where: str, base: dict, ours: dict, theirs: dict,
                  conflicts: list[Conflict], skip: tuple[str, ...] = ()) -> dict:
    """Field by field. A field absent from a side's dump is absent (_MISSING), not None."""
    names = [*ours, *(k for k in theirs if k not in ours), *(k for k in base if k not in ours and k not in theirs)]
    merged: dict = {}
    for name in names:
        if name in skip:
            merged[name] = ours.get(name, theirs.get(name))
            continue
        value = _merge_value(f"{where}: {name}", base.get(name, _MISSING), ours.get(name, _MISSING),
                             theirs.get(name, _MISSING), conflicts)
        if value is not _MISSING:
            merged[name] = value
    return merged


def _order(base: list[str], ours: list[str], theirs: list[str], keep: set[str]) -> list[str]:
    """Item order: the side that reordered or added wins; otherwise ours, then theirs' new items."""
    # Membership in sets, not lists: linear in the number of items (a list scan per item
    # made a 50,000-service merge take minutes).
    if ours == base:
        first, second = theirs, ours
    else:
        first, second = ours, theirs
    seen = set(first)
    sequence = first + [i for i in second if i not in seen]
    return [i for i in sequence if i in keep]


def _merge_keyed(describe: Callable[[str, dict], str], base: list[dict], ours: list[dict],
                 theirs: list[dict], conflicts: list[Conflict],
                 merge_item: Callable[[str, dict, dict, dict], dict] | None = None) -> list[dict]:
    """Merge lists of objects with ids: added, removed and changed items, by id."""
    b = {x["id"]: x for x in base}
    o = {x["id"]: x for x in ours}
    t = {x["id"]: x for x in theirs}
    merged: dict[str, dict] = {}
    for ident in {*b, *o, *t}:
        x, y, z = b.get(ident), o.get(ident), t.get(ident)
        where = describe(ident, cast(dict, y or z or x))  # the id is on at least one side
        if y is None and z is None:
            continue  # removed on both sides (or never there)
        if y is None or z is None:
            present = y if y is not None else z
            assert present is not None  # not both None: that case continued above
            if x is None:
                merged[ident] = present  # added on one side
            elif present == x:
                continue  # removed on one side, unchanged on the other
            else:
                removed_by, changed_by = ("ours", "theirs") if y is None else ("theirs", "ours")
                edits = "; ".join(f"{name} {show(a)} → {show(c)}"
                                  for name, a, c in field_changes(x, present))
                conflicts.append(Conflict(where, _MISSING, _MISSING, _MISSING,
                                          f"removed by {removed_by} but changed by {changed_by} "
                                          f"({edits})"))
            continue
        if y == z:
            merged[ident] = y
            continue
        base_item = x if x is not None else {}
        if merge_item is not None:
            merged[ident] = merge_item(where, base_item, y, z)
        else:
            merged[ident] = _merge_fields(where, base_item, y, z, conflicts, skip=("id",))
    order = _order([x["id"] for x in base], [x["id"] for x in ours], [x["id"] for x in theirs],
                   set(merged))
    return [merged[i] for i in order]


def _kind_label(kind: str) -> Callable[[str, dict], str]:
    """How an item of one kind is named in a conflict: 'service "S1"'."""
    return lambda i, _item: f'{kind} "{i}"'


def _scenario_merger(conflicts: list[Conflict]) -> Callable[[str, dict, dict, dict], dict]:
    def merge(where: str, base: dict, ours: dict, theirs: dict) -> dict:
        merged = _merge_fields(where, base, ours, theirs, conflicts, skip=("id", "levers"))
        scenario_id = ours["id"]
        merged["levers"] = _merge_keyed(
            lambda i, lever: f'scenario "{scenario_id}": lever {i} ({lever_label(lever)})',
            base.get("levers", []), ours.get("levers", []), theirs.get("levers", []), conflicts)
        return merged
    return merge


def merge_files(base: CutsimFile, ours: CutsimFile, theirs: CutsimFile) -> MergeResult:
    """Three-way merge by id and field. Provenance is taken from ours (it is our file now)."""
    conflicts: list[Conflict] = []
    b, o, t = (plain(f.model) for f in (base, ours, theirs))
    model: dict = {"place": _merge_fields("place", b["place"], o["place"], t["place"], conflicts)}
    for attribute, kind in MODEL_KINDS:
        model[attribute] = _merge_keyed(_kind_label(kind),
                                        b[attribute], o[attribute], t[attribute], conflicts)
    areas = _merge_keyed(lambda i, _item: f'area "{i}"', b.get("areas") or [],
                         o.get("areas") or [], t.get("areas") or [], conflicts)
    model["areas"] = areas or None  # areas (format version 2): none stays none
    scenarios = _merge_keyed(lambda i, _item: f'scenario "{i}"',
                             [plain(s) for s in base.scenarios], [plain(s) for s in ours.scenarios],
                             [plain(s) for s in theirs.scenarios], conflicts, _scenario_merger(conflicts))
    redacted = _merge_value("redacted", bool(base.redacted), bool(ours.redacted),
                            bool(theirs.redacted), conflicts)
    actuals = _merge_actuals(base, ours, theirs, conflicts)
    if conflicts:
        return MergeResult(None, conflicts)
    document = {"format": "cutsim", "format_version": 1, "model": model, "scenarios": scenarios,
                "redacted": redacted or None,
                "provenance": ours.provenance.model_dump() if ours.provenance else None,
                "actuals": actuals}
    try:
        merged = CutsimFile.model_validate(document)
    except pydantic.ValidationError as exc:  # a field-wise mix of two valid objects of one kind
        return MergeResult(None, [Conflict("merged file", _MISSING, _MISSING, _MISSING,
                                           f"fields taken from both sides do not fit together: {exc}")])
    problems = validate_file(merged)
    if problems:
        return MergeResult(None, [Conflict(str(p.location) or "merged file", _MISSING, _MISSING, _MISSING,
                                           f"the merged result is invalid: {p.message}") for p in problems])
    if ours.provenance is not None:
        # The merge is a new file: it gets its own creation time when written.
        merged = merged.model_copy(update={"provenance": ours.provenance.model_copy(update={"created": None})})
    return MergeResult(merged, [])


def change_sides(base: CutsimFile, ours: CutsimFile, theirs: CutsimFile,
                 merged: CutsimFile) -> list[tuple[Change, str]]:
    """Each change from BASE to the merged file with the side it came from: "ours",
    "theirs" or "both" (the same change made on both sides)."""
    def key(change: Change) -> tuple:
        return (change.kind, change.id, change.action, change.field, change.scenario,
                json.dumps(change.new, sort_keys=True, default=str))
    from_ours = {key(c) for c in diff_files(base, ours)}
    from_theirs = {key(c) for c in diff_files(base, theirs)}
    out = []
    for change in diff_files(base, merged):
        k = key(change)
        side = "both" if k in from_ours and k in from_theirs else "ours" if k in from_ours else "theirs"
        out.append((change, side))
    return out


def _merge_actuals(base: CutsimFile, ours: CutsimFile, theirs: CutsimFile,
                   conflicts: list[Conflict]) -> dict | None:
    """The actuals (format version 3), three-way: observations by (kind, id, year, area),
    the decision and the other fields as values; none on every side stays none."""
    sides = [f.actuals.model_dump() if f.actuals is not None else None for f in (base, ours, theirs)]
    if all(side is None for side in sides):
        return None
    b, o, t = (side or {"observations": []} for side in sides)

    def keyed(side: dict) -> list[dict]:
        return [{**x, "id": f'{x["kind"]} {x["id"]} {x["year"]} {x.get("area") or ""}'.strip(),
                 "_id": x["id"]} for x in side["observations"]]

    merged = _merge_keyed(lambda i, _item: f"actuals observation {i}", keyed(b), keyed(o),
                          keyed(t), conflicts)
    fields = _merge_fields("actuals", {k: v for k, v in b.items() if k != "observations"},
                           {k: v for k, v in o.items() if k != "observations"},
                           {k: v for k, v in t.items() if k != "observations"}, conflicts)
    observations = [{**{k: v for k, v in x.items() if k != "_id"}, "id": x["_id"]} for x in merged]
    return {**{k: v for k, v in fields.items() if v is not _MISSING}, "observations": observations}
