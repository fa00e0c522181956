"""Importing a received ``.cutsim`` file into a workspace model (docs/file-format.md, docs/workspace-safety.md).

The file has already been read and validated on its own (:mod:`cutsim.files.exchange`).
Import then goes in three steps, and writes only in the last:

1. **plan**: match the file's items to the workspace model's by kind and id. An item
   with a new id is added; one with the same id and the same content is already
   there; one with the same id and *different* content is a **clash**;
2. **choose**: every clash needs an explicit choice, ``keep`` (the workspace's
   version stays, the file's is not imported), ``replace`` (the file's version
   replaces it) or ``rename`` (the file's version is added under a new id, and the
   file's own references to it follow). A clash without a choice stops the import
   with :class:`ClashError`, listing each clash field by field; nothing is written;
3. **merge**: the combined model is validated in full, then written in one
   transaction. If anything fails, the workspace is exactly as it was.

The place itself has no id; if its settings differ it is a clash of kind ``place``
(keep or replace only).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cutsim.files.diff import MODEL_KINDS, diff_scenario, field_changes, plain, show
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.model.validation import validate_file

if TYPE_CHECKING:  # the store imports this module; only for type hints
    from cutsim.workspace.store import Workspace

log = logging.getLogger(__name__)

CHOICES = ("keep", "replace", "rename")
KINDS = ("place", *(kind for _, kind in MODEL_KINDS), "scenario")
Key = tuple[str, str]  # (kind, id)
MAX_ID = 64


@dataclass(frozen=True)
class Clash:
    """An id in both the workspace and the file, with different content; ``differences``
    says how, one readable line each (workspace value → file value)."""

    kind: str
    id: str
    differences: tuple[str, ...]

    @property
    def key(self) -> Key:
        return (self.kind, self.id)

    def __str__(self) -> str:
        name = "place" if self.kind == "place" else f'{self.kind} "{self.id}"'
        shown = "; ".join(self.differences[:6])
        more = f"; and {len(self.differences) - 6} more" if len(self.differences) > 6 else ""
        return f"{name} (workspace → file): {shown}{more}"


class ClashError(InputError):
    """Import refused: clashes without a choice. ``clashes`` lists them."""

    def __init__(self, clashes: list[Clash]) -> None:
        lines = "\n  ".join(str(c) for c in clashes)
        super().__init__(
            f"{len(clashes)} item(s) in the file have the same id as an item in the workspace "
            f"but different content; nothing was imported. Choose for each: keep (the "
            f"workspace's), replace (with the file's) or rename (add the file's under a new "
            f"id):\n  {lines}",
            [str(c) for c in clashes],
        )
        self.clashes = clashes


@dataclass
class ImportReport:
    """What an import did (or, from :func:`plan_import`, would do)."""

    added: list[Key] = field(default_factory=list)
    unchanged: list[Key] = field(default_factory=list)
    kept: list[Key] = field(default_factory=list)
    replaced: list[Key] = field(default_factory=list)
    renamed: dict[Key, str] = field(default_factory=dict)  # (kind, old id) -> new id
    clashes: list[Clash] = field(default_factory=list)

    def summary(self) -> str:
        def names(keys) -> str:
            return ", ".join(f"{k} {i}" for k, i in keys)
        parts = [f"{len(self.added)} added", f"{len(self.unchanged)} already there"]
        if self.kept:
            parts.append(f"kept the workspace's {names(self.kept)}")
        if self.replaced:
            parts.append(f"replaced {names(self.replaced)}")
        for (kind, old), new in self.renamed.items():
            parts.append(f"{kind} {old} imported as {new}")
        return "; ".join(parts)


def items_of(cutsim_file: CutsimFile) -> dict[Key, dict]:
    """Every item of a file by (kind, id), as plain JSON data."""
    items: dict[Key, dict] = {("place", "place"): plain(cutsim_file.model.place)}
    for attribute, kind in MODEL_KINDS:
        for item in getattr(cutsim_file.model, attribute):
            items[(kind, item.id)] = plain(item)
    for scenario in cutsim_file.scenarios:
        items[("scenario", scenario.id)] = plain(scenario)
    return items


def _differences(kind: str, ident: str, have: dict, data: dict, current: CutsimFile,
                 incoming: CutsimFile) -> tuple[str, ...]:
    if kind == "scenario":  # levers read better lever by lever than as one list
        changes = diff_scenario(current.scenario(ident), incoming.scenario(ident))
        return tuple(f"{c.lever_name()}: {c.detail()}" if c.kind == "lever" else c.detail()
                     for c in changes)
    return tuple(f"{name} {show(a)} → {show(b)}" for name, a, b in field_changes(have, data, skip=("id",)))


def find_clashes(current: CutsimFile, incoming: CutsimFile, have: dict[Key, dict] | None = None,
                 theirs: dict[Key, dict] | None = None) -> list[Clash]:
    """Ids in both with different content, in file order (``have`` and ``theirs``: the
    two files' :func:`items_of`, when the caller has them already)."""
    have = items_of(current) if have is None else have
    theirs = items_of(incoming) if theirs is None else theirs
    clashes = []
    for key, data in theirs.items():
        if key in have and have[key] != data:
            clashes.append(Clash(key[0], key[1],
                                 _differences(key[0], key[1], have[key], data, current, incoming)))
    return clashes


def _check_choices(seen: list[Clash], remaining: list[Clash], resolve: dict[Key, str]) -> None:
    """Every choice names a clash and is valid; every remaining clash has a choice."""
    keys = {c.key for c in seen}
    for key, choice in resolve.items():
        if choice not in CHOICES:
            raise InputError(f"{key[0]} {key[1]}: choice must be keep, replace or rename (got {choice!r})")
        if key not in keys:
            raise InputError(f'{key[0]} "{key[1]}": no clash to resolve (the file and the workspace '
                             "do not both hold it with different content)")
    if resolve.get(("place", "place")) == "rename":
        raise InputError("place: the place cannot be renamed; choose keep or replace")
    missing = [c for c in remaining if c.key not in resolve]
    if missing:
        raise ClashError(missing)


def _new_id(ident: str, taken: set[str]) -> str:
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = ident[:MAX_ID - len(suffix)] + suffix
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        n += 1


# Where each kind of id is referred to, in a file's plain data. Renames of one kind are
# applied together, one pass over the file per kind (not one pass per renamed item,
# which made renaming thousands of items quadratic).
def _rename_refs(document: dict, kind: str, renames: dict[str, str]) -> None:
    model, scenarios = document["model"], document["scenarios"]

    def swap(obj: dict, key: str) -> None:
        value = obj.get(key)
        if isinstance(value, str) and value in renames:
            obj[key] = renames[value]

    if kind == "agency":
        for service in model["services"]:
            swap(service, "agency")
        for scenario in scenarios:
            for target in scenario["targets"]:
                swap(target, "agency")
            for lever in scenario["levers"]:
                fixed = lever.get("gain_share") if isinstance(lever.get("gain_share"), dict) else None
                if fixed and isinstance(fixed.get("fixed"), dict):
                    fixed["fixed"] = {renames.get(k, k): v for k, v in fixed["fixed"].items()}
    elif kind == "service":
        for link in (*model["effects"], *model["demands"]):
            swap(link, "service")
        for scenario in scenarios:
            for lever in scenario["levers"]:
                swap(lever, "service")
                if "services" in lever:
                    lever["services"] = [renames.get(s, s) for s in lever["services"]]
                for share in lever.get("reinvest", []):
                    swap(share, "service")
    elif kind == "outcome":
        for link in (*model["effects"], *model["demands"]):
            swap(link, "outcome")
        for scenario in scenarios:
            for red_line in scenario["red_lines"]:
                swap(red_line, "outcome")
            for lever in scenario["levers"]:
                swap(lever, "outcome")
    elif kind == "scenario":
        for scenario in scenarios:
            swap(scenario, "parent")


def _rename(document: dict, taken: dict[str, set[str]], kind: str, olds: list[str],
            report: ImportReport) -> None:
    """Give the file's items of one kind with ids ``olds`` fresh ids; the file's
    references to them follow."""
    renames = {}
    for old in olds:
        renames[old] = _new_id(old, taken.setdefault(kind, set()))
        report.renamed[(kind, old)] = renames[old]
    collection = document["scenarios"] if kind == "scenario" else \
        document["model"][dict((k, a) for a, k in MODEL_KINDS)[kind]]
    for item in collection:
        if item["id"] in renames:
            item["id"] = renames[item["id"]]
    _rename_refs(document, kind, renames)


def _as_file(document: dict) -> CutsimFile:
    return CutsimFile.model_validate({"format": "cutsim", "format_version": 1, **document})


def _resolve_renames(current: CutsimFile, incoming: CutsimFile, have: dict[Key, dict],
                     resolve: dict[Key, str], report: ImportReport
                     ) -> tuple[CutsimFile, dict[Key, dict], list[Clash], list[Clash]]:
    """The file with the items to rename renamed (and its :func:`items_of`), and the
    clashes seen and remaining.

    Renaming can make new clashes: the file's links to a renamed service now differ from
    the workspace's links with the same ids. They are clashes too, each needing a choice.
    """
    theirs = items_of(incoming)
    document: dict | None = None  # the file as plain data, made only if something is renamed
    taken: dict[str, set[str]] = {}
    for kind, ident in (*have, *theirs):
        taken.setdefault(kind, set()).add(ident)
    seen: dict[Key, Clash] = {}
    clashes = find_clashes(current, incoming, have, theirs)
    for _ in range(len(KINDS) + 1):  # each pass can only add clashes of a kind that refers
        seen.update((c.key, c) for c in clashes)
        to_rename = [c.key for c in clashes if resolve.get(c.key) == "rename"
                     and c.key not in report.renamed and c.kind != "place"]
        if not to_rename:
            break
        if document is None:
            document = {"model": plain(incoming.model), "scenarios": [plain(s) for s in incoming.scenarios],
                        "redacted": incoming.redacted}
        by_kind: dict[str, list[str]] = {}
        for kind, old in to_rename:
            by_kind.setdefault(kind, []).append(old)
        for kind, olds in by_kind.items():
            _rename(document, taken, kind, olds, report)
        incoming = _as_file(document)
        theirs = items_of(incoming)
        clashes = find_clashes(current, incoming, have, theirs)
    return incoming, theirs, list(seen.values()), clashes


def _combine(current: CutsimFile, incoming: CutsimFile, have: dict[Key, dict],
             theirs: dict[Key, dict], resolve: dict[Key, str], report: ImportReport) -> CutsimFile:
    """The workspace model with the file's items added or replaced, in the workspace's order.

    Built from the two files' objects, which are already valid and are not copied; items
    are compared as plain data (``have`` and ``theirs``, from :func:`items_of`).
    """
    place = current.model.place
    if resolve.get(("place", "place")) == "replace":
        place = incoming.model.place
        report.replaced.append(("place", "place"))
    elif resolve.get(("place", "place")) == "keep":
        report.kept.append(("place", "place"))
    lists = {attribute: (getattr(current.model, attribute), getattr(incoming.model, attribute), kind)
             for attribute, kind in MODEL_KINDS}
    lists["scenarios"] = (current.scenarios, incoming.scenarios, "scenario")
    combined: dict[str, list] = {}
    for attribute, (ours, source, kind) in lists.items():
        target = list(ours)
        index = {item.id: n for n, item in enumerate(target)}
        for item in source:
            key = (kind, item.id)
            if item.id not in index:
                target.append(item)
                report.added.append(key)
            elif have[key] == theirs[key]:
                report.unchanged.append(key)
            elif resolve[key] == "replace":
                target[index[item.id]] = item
                report.replaced.append(key)
            else:
                report.kept.append(key)
        combined[attribute] = target
    scenarios = combined.pop("scenarios")
    model = type(current.model).model_validate({**dict(current.model), "place": place, **combined})
    return CutsimFile.model_validate({
        "format": "cutsim", "format_version": 1, "model": model, "scenarios": scenarios,
        "provenance": current.provenance,
        "redacted": (current.redacted or incoming.redacted) or None,
        "actuals": _combined_actuals(current, incoming)})


def _combined_actuals(current: CutsimFile, incoming: CutsimFile):
    """The workspace's actuals with the file's observations it does not hold added (same
    kind, id, year and area: the workspace's is kept; ``cutsim actuals import --replace``
    replaces one). The workspace's decision is kept, else the file's."""
    ours, theirs = current.actuals, incoming.actuals
    if theirs is None:
        return ours
    if ours is None:
        return theirs
    held = {(o.kind, o.id, o.year, o.area) for o in ours.observations}
    extra = [o for o in theirs.observations if (o.kind, o.id, o.year, o.area) not in held]
    return ours.model_copy(update={"observations": [*ours.observations, *extra],
                                   "decision": ours.decision or theirs.decision})


def plan_import(current: CutsimFile, incoming: CutsimFile,
                resolve: dict[Key, str] | None = None) -> tuple[CutsimFile, ImportReport]:
    """The combined file and what import would do; raises ClashError or InputError, writes nothing."""
    resolve = dict(resolve or {})
    report = ImportReport()
    have = items_of(current)
    incoming, theirs, seen, remaining = _resolve_renames(current, incoming, have, resolve, report)
    _check_choices(seen, remaining, resolve)
    report.clashes = seen
    combined = _combine(current, incoming, have, theirs, resolve, report)
    problems = validate_file(combined)
    if problems:
        raise InputError(
            f"importing would leave the workspace model invalid ({len(problems)} problem(s)); "
            "nothing was imported:\n  " + "\n  ".join(str(p) for p in problems[:20]),
            [str(p) for p in problems])
    return combined, report


def import_file(workspace: Workspace, incoming: CutsimFile,
                resolve: dict[Key, str] | None = None, model_pk: int | None = None,
                source: str = "file", current: CutsimFile | None = None) -> ImportReport:
    """Merge a validated file into a workspace model in one transaction (a new model if the
    workspace holds none). Raises ClashError/InputError before writing anything.

    ``current``: the model as the caller read it inside its own
    ``workspace.write_transaction()`` (to list the clashes first), so that it is not read
    twice; refused outside one, where it could be out of date.
    """
    if current is not None and not workspace.in_write_transaction:
        raise ValueError("current must be read inside the caller's write transaction")
    # Read, plan and write under one write lock: a concurrent import waits for this one
    # and then plans against what it wrote, so neither import's items are lost.
    with workspace.write_transaction():
        if not workspace.model_keys():
            if resolve:
                raise InputError("the workspace holds no model yet: there is nothing to clash with")
            workspace.add_model(copy.deepcopy(incoming))
            report = ImportReport(added=list(items_of(incoming)))
            return report
        current = workspace.load(model_pk) if current is None else current
        combined, report = plan_import(current, incoming, resolve)
        if combined == current:
            log.info("import of %s: nothing new", source)
            return report
        workspace.save(combined, model_pk, action=f"import {source}"[:200],
                       validated=True,  # plan_import validated the combined model
                       previous=current)  # read in this transaction: write only changes
    log.info("imported %s: %s", source, report.summary())
    return report
