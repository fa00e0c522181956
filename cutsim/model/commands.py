"""Undoable edits of a ``.cutsim`` document, without Qt (docs/architecture.md: undo lives in the core).

A document (:class:`~cutsim.model.schema.CutsimFile`) is treated as an immutable value. Every
command's :meth:`Command.apply` returns a *new* document and never mutates its input; the
parts it does not change are shared with the input (structural sharing), so an edit of
one cell in a model of 5,000 services copies one list and one item, not the whole model.

:meth:`Command.revert` undoes what :meth:`Command.apply` did: it puts back the top-level
sections (``model``, ``scenarios``) that the command replaced. A command must therefore
have been applied before it is reverted, and reverted on the document its apply returned
(which is what an undo stack guarantees).

Commands check *types* (a text where a number belongs is refused with
:class:`~cutsim.model.errors.InputError`) and *identity* (duplicate ids, dangling removals);
whether values are sensible (a negative cost) is the validator's job, so an editor can
hold an invalid value and show what is wrong with it.

The app wraps these in ``QUndoCommand`` objects; :class:`CommandStack` is the same stack
for tests, scripts and the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import pydantic

from cutsim.model import lever_kinds
from cutsim.model.errors import InputError
from cutsim.model.schema import (
    Actuals,
    Agency,
    CutsimFile,
    Demand,
    Effect,
    LeverBase,
    Outcome,
    Place,
    Scenario,
    Service,
    Strict,
)

ItemKind = Literal["agencies", "services", "outcomes", "effects", "demands"]

#: The model's item lists and the type of their items.
ITEM_TYPES: dict[str, type[Strict]] = {
    "agencies": Agency,
    "services": Service,
    "outcomes": Outcome,
    "effects": Effect,
    "demands": Demand,
}

#: How each kind is named in one item's words ("service"), for messages.
SINGULAR = {"agencies": "agency", "services": "service", "outcomes": "outcome",
            "effects": "effect", "demands": "demand"}

_Sections = dict[str, Any]  # top-level fields of a CutsimFile that a command replaced


class Command:
    """One undoable edit. Subclasses implement :meth:`_edit`; apply/revert are generic.

    ``description`` is the text shown in Edit → Undo "…".
    """

    description: str = "Edit"

    def __init__(self) -> None:
        self._before: _Sections | None = None

    def apply(self, doc: CutsimFile) -> CutsimFile:
        """The document after this edit (a new object; ``doc`` is left as it was)."""
        after = self._edit(doc)
        # Remember exactly the sections this edit replaced, to put them back on revert.
        self._before = {name: getattr(doc, name) for name in ("model", "scenarios", "actuals")
                        if getattr(after, name) is not getattr(doc, name)}
        return after

    def revert(self, doc: CutsimFile) -> CutsimFile:
        """The document before this edit, given the document its :meth:`apply` returned."""
        if self._before is None:
            raise RuntimeError(f"{type(self).__name__} reverted before it was applied")
        return doc.model_copy(update=self._before) if self._before else doc

    def merge_with(self, other: Command) -> bool:
        """Absorb ``other`` (applied just after this one) into one undo step; True if merged.

        Only commands that describe the same continuous gesture merge (a slider dragged on
        one lever, a spin box stepped on one field), so undo goes back to before the gesture.
        """
        return False

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.description}>"


# --- helpers -----------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in ITEM_TYPES:
        raise ValueError(f"unknown item kind {kind!r}; one of {', '.join(ITEM_TYPES)}")


def _index(items: Sequence[Any], item_id: str, what: str) -> int:
    for i, item in enumerate(items):
        if item.id == item_id:
            return i
    raise InputError(f'no {what} with id "{item_id}"')


def _with_model_list(doc: CutsimFile, kind: str, items: list[Any]) -> CutsimFile:
    return doc.model_copy(update={"model": doc.model.model_copy(update={kind: items})})


def _typed(cls: type[Strict], data: dict[str, Any], where: str) -> Strict:
    """``cls`` from ``data``, or InputError naming the field with the wrong type."""
    try:
        return cls.model_validate(data)
    except pydantic.ValidationError as exc:
        messages = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "value"
            messages.append(f"{where}: {field}: {error['msg'].lower()} (got {error.get('input')!r})")
        raise InputError("; ".join(messages), messages) from None


def _replace_field(item: Strict, field: str, value: Any, where: str) -> Strict:
    cls = type(item)
    if field not in cls.model_fields:
        raise ValueError(f"{cls.__name__} has no field {field!r}")
    data = {name: getattr(item, name) for name in cls.model_fields}
    data[field] = value
    return _typed(cls, data, where)


def _map_levers(scenarios: list[Scenario], change: Callable[[Any], Any]) -> list[Scenario]:
    """Scenarios with ``change`` applied to every lever (unchanged objects kept as they are)."""
    out = []
    for scenario in scenarios:
        levers = [change(lever) for lever in scenario.levers]
        if any(new is not old for new, old in zip(levers, scenario.levers)):
            scenario = scenario.model_copy(update={"levers": levers})
        out.append(scenario)
    return out


# --- references between items ------------------------------------------------------


def references(doc: CutsimFile, kind: str, item_id: str) -> list[str]:
    """Where in ``doc`` the item ``kind``/``item_id`` is referred to, as people read it.

    e.g. ``['effects[0] "e1"', 'scenario "youth-cut" lever "l1"']``.
    """
    _check_kind(kind)
    model, found = doc.model, []

    def items(name: str, fields: Iterable[str]) -> None:
        for i, item in enumerate(getattr(model, name)):
            if any(getattr(item, f) == item_id for f in fields):
                found.append(f'{name}[{i}] "{item.id}"')

    if kind == "agencies":
        items("services", ["agency"])
    elif kind == "services":
        items("effects", ["service"])
        items("demands", ["service"])
    elif kind == "outcomes":
        items("effects", ["outcome"])
        items("demands", ["outcome"])
    for scenario in doc.scenarios:
        where = f'scenario "{scenario.id}"'
        for lever in scenario.levers:
            if item_id in _lever_refs(lever, kind):
                found.append(f'{where} lever "{lever.id}"')
        if kind == "outcomes":
            found += [f"{where} red line on {r.outcome}" for r in scenario.red_lines if r.outcome == item_id]
        if kind == "agencies":
            found += [f"{where} target for {t.agency}" for t in scenario.targets if t.agency == item_id]
    observed = {"services": "spend", "outcomes": "outcome"}.get(kind)
    if observed is not None and doc.actuals is not None:
        found += [f'actuals.observations[{i}] "{o.id}" ({o.year})'
                  for i, o in enumerate(doc.actuals.observations)
                  if o.kind == observed and o.id == item_id]
    return found


def _lever_refs(lever: Any, kind: str) -> set[str]:
    """Ids of ``kind`` that one lever refers to (its kind says which)."""
    return lever_kinds.of(lever).references(lever).get(kind, set())


def _rename(doc: CutsimFile, kind: str, old: str, new: str) -> CutsimFile:
    """``doc`` with every reference to ``kind``/``old`` pointing at ``new`` instead."""
    model = doc.model

    def relink(name: str, fields: Sequence[str]) -> None:
        nonlocal model
        items = getattr(model, name)
        changed = [it.model_copy(update={f: new for f in fields if getattr(it, f) == old})
                   if any(getattr(it, f) == old for f in fields) else it for it in items]
        if any(a is not b for a, b in zip(changed, items)):
            model = model.model_copy(update={name: changed})

    if kind == "agencies":
        relink("services", ["agency"])
    elif kind == "services":
        relink("effects", ["service"])
        relink("demands", ["service"])
    elif kind == "outcomes":
        relink("effects", ["outcome"])
        relink("demands", ["outcome"])

    def swap(value: str) -> str:
        return new if value == old else value

    def lever_change(lever: Any) -> Any:
        if old not in _lever_refs(lever, kind):
            return lever
        return lever_kinds.of(lever).rename(lever, kind, old, new)

    scenarios = _map_levers(doc.scenarios, lever_change)
    for i, scenario in enumerate(scenarios):
        update: dict[str, Any] = {}
        if kind == "outcomes" and any(r.outcome == old for r in scenario.red_lines):
            update["red_lines"] = [r.model_copy(update={"outcome": swap(r.outcome)}) for r in scenario.red_lines]
        if kind == "agencies" and any(t.agency == old for t in scenario.targets):
            update["targets"] = [t.model_copy(update={"agency": swap(t.agency)}) for t in scenario.targets]
        if update:
            scenarios[i] = scenario.model_copy(update=update)
    changed_scenarios = any(a is not b for a, b in zip(scenarios, doc.scenarios))
    update_doc: dict[str, Any] = {}
    if model is not doc.model:
        update_doc["model"] = model
    if changed_scenarios:
        update_doc["scenarios"] = scenarios
    observed = {"services": "spend", "outcomes": "outcome"}.get(kind)
    actuals = doc.actuals
    if observed is not None and actuals is not None and any(
            o.kind == observed and o.id == old for o in actuals.observations):
        update_doc["actuals"] = actuals.model_copy(update={"observations": [
            o.model_copy(update={"id": new}) if o.kind == observed and o.id == old else o
            for o in actuals.observations]})
    return doc.model_copy(update=update_doc) if update_doc else doc


# --- model commands ----------------------------------------------------------------


class SetItemField(Command):
    """Set one field of one agency, service, outcome, effect or demand.

    Changing an ``id`` renames it everywhere it is referred to (links, levers, red lines,
    targets), so the model stays connected; the new id must not be taken.
    """

    def __init__(self, kind: ItemKind, item_id: str, field: str, value: Any) -> None:
        super().__init__()
        _check_kind(kind)
        self.kind, self.item_id, self.field, self.value = kind, item_id, field, value
        self.description = f"Set {SINGULAR[kind]} {item_id} {field}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        items = list(getattr(doc.model, self.kind))
        i = _index(items, self.item_id, SINGULAR[self.kind])
        where = f'{self.kind}[{i}] "{self.item_id}"'
        renaming = self.field == "id" and self.value != self.item_id
        if renaming and any(item.id == self.value for item in items):
            raise InputError(f'{where}: id "{self.value}" is already used by another {SINGULAR[self.kind]}')
        items[i] = _replace_field(items[i], self.field, self.value, where)
        if renaming:
            return _rename(_with_model_list(doc, self.kind, items), self.kind, self.item_id, self.value)
        return _with_model_list(doc, self.kind, items)

    def merge_with(self, other: Command) -> bool:
        # The same field of the same item, edited again straight away (a spin box stepped).
        if (isinstance(other, SetItemField) and self.field != "id"
                and (other.kind, other.item_id, other.field) == (self.kind, self.item_id, self.field)):
            self.value = other.value
            return True
        return False


class SetPlaceField(Command):
    """Set one field of the place (name, base_year, horizon_years, discount_rate, …)."""

    def __init__(self, field: str, value: Any) -> None:
        super().__init__()
        self.field, self.value = field, value
        self.description = f"Set place {field}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        place = _replace_field(doc.model.place, self.field, self.value, "place")
        assert isinstance(place, Place)
        return doc.model_copy(update={"model": doc.model.model_copy(update={"place": place})})

    def merge_with(self, other: Command) -> bool:
        if isinstance(other, SetPlaceField) and other.field == self.field:
            self.value = other.value
            return True
        return False


class AddItem(Command):
    """Add an item to one of the model's lists (at ``index``, or at the end)."""

    def __init__(self, kind: ItemKind, item: Strict, index: int | None = None) -> None:
        super().__init__()
        _check_kind(kind)
        if not isinstance(item, ITEM_TYPES[kind]):
            raise TypeError(f"{kind} holds {ITEM_TYPES[kind].__name__} objects, not {type(item).__name__}")
        self.kind, self.item, self.index = kind, item, index
        self.description = f"Add {SINGULAR[kind]} {item.id}"  # type: ignore[attr-defined]

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        items = list(getattr(doc.model, self.kind))
        item_id = self.item.id  # type: ignore[attr-defined]
        if any(existing.id == item_id for existing in items):
            raise InputError(f'{self.kind}: id "{item_id}" is already used by another {SINGULAR[self.kind]}')
        items.insert(len(items) if self.index is None else self.index, self.item)
        return _with_model_list(doc, self.kind, items)


class RemoveItem(Command):
    """Remove an item; refused (InputError naming them) while anything refers to it."""

    def __init__(self, kind: ItemKind, item_id: str) -> None:
        super().__init__()
        _check_kind(kind)
        self.kind, self.item_id = kind, item_id
        self.description = f"Remove {SINGULAR[kind]} {item_id}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        items = list(getattr(doc.model, self.kind))
        i = _index(items, self.item_id, SINGULAR[self.kind])
        users = references(doc, self.kind, self.item_id)
        if users:
            shown = ", ".join(users[:10]) + (f" and {len(users) - 10} more" if len(users) > 10 else "")
            raise InputError(f'{SINGULAR[self.kind]} "{self.item_id}" cannot be removed: it is used by {shown}. '
                             "Remove or re-point those first.", users)
        del items[i]
        return _with_model_list(doc, self.kind, items)


# --- scenario commands -------------------------------------------------------------


def _scenario_list_with(doc: CutsimFile, scenario_id: str,
                        change: Callable[[Scenario], Scenario]) -> CutsimFile:
    scenarios = list(doc.scenarios)
    i = _index(scenarios, scenario_id, "scenario")
    scenarios[i] = change(scenarios[i])
    return doc.model_copy(update={"scenarios": scenarios})


class SetLever(Command):
    """Add a lever to a scenario, or replace the lever with the same id in place."""

    def __init__(self, scenario_id: str, lever: LeverBase) -> None:
        super().__init__()
        self.scenario_id, self.lever = scenario_id, lever
        self.description = f"Set lever {lever.id} in {scenario_id}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        def change(scenario: Scenario) -> Scenario:
            levers = list(scenario.levers)
            ids = [lever.id for lever in levers]
            if self.lever.id in ids:
                levers[ids.index(self.lever.id)] = self.lever
            else:
                levers.append(self.lever)
            return scenario.model_copy(update={"levers": levers})

        return _scenario_list_with(doc, self.scenario_id, change)

    def merge_with(self, other: Command) -> bool:
        # Repeated moves of one lever's slider are one undo step.
        if (isinstance(other, SetLever) and other.scenario_id == self.scenario_id
                and other.lever.id == self.lever.id):
            self.lever = other.lever
            return True
        return False


class RemoveLever(Command):
    """Remove one lever from a scenario."""

    def __init__(self, scenario_id: str, lever_id: str) -> None:
        super().__init__()
        self.scenario_id, self.lever_id = scenario_id, lever_id
        self.description = f"Remove lever {lever_id} from {scenario_id}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        def change(scenario: Scenario) -> Scenario:
            levers = list(scenario.levers)
            del levers[_index(levers, self.lever_id, f'lever in scenario "{self.scenario_id}"')]
            return scenario.model_copy(update={"levers": levers})

        return _scenario_list_with(doc, self.scenario_id, change)


class AddScenario(Command):
    """Add a scenario at the end (or at ``index``); its id must be new."""

    def __init__(self, scenario: Scenario, index: int | None = None) -> None:
        super().__init__()
        self.scenario, self.index = scenario, index
        self.description = f"Add scenario {scenario.name}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        if any(s.id == self.scenario.id for s in doc.scenarios):
            raise InputError(f'scenario id "{self.scenario.id}" is already used')
        scenarios = list(doc.scenarios)
        scenarios.insert(len(scenarios) if self.index is None else self.index, self.scenario)
        return doc.model_copy(update={"scenarios": scenarios})


class RemoveScenario(Command):
    """Remove a scenario."""

    def __init__(self, scenario_id: str) -> None:
        super().__init__()
        self.scenario_id = scenario_id
        self.description = f"Remove scenario {scenario_id}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        scenarios = list(doc.scenarios)
        del scenarios[_index(scenarios, self.scenario_id, "scenario")]
        return doc.model_copy(update={"scenarios": scenarios})


class RenameScenario(Command):
    """Give a scenario a new display name (its id stays)."""

    def __init__(self, scenario_id: str, name: str) -> None:
        super().__init__()
        self.scenario_id, self.name = scenario_id, name
        self.description = f"Rename scenario to {name}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        return _scenario_list_with(doc, self.scenario_id,
                                   lambda s: s.model_copy(update={"name": self.name}))


class DuplicateScenario(Command):
    """Copy a scenario (levers, red lines, targets) under a new id and name, just after it.

    The copy records the original as its ``parent``, so partners can see where it came from.
    """

    def __init__(self, scenario_id: str, new_id: str, new_name: str) -> None:
        super().__init__()
        self.scenario_id, self.new_id, self.new_name = scenario_id, new_id, new_name
        self.description = f"Duplicate scenario {scenario_id} as {new_name}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        scenarios = list(doc.scenarios)
        i = _index(scenarios, self.scenario_id, "scenario")
        if any(s.id == self.new_id for s in scenarios):
            raise InputError(f'scenario id "{self.new_id}" is already used')
        copy = scenarios[i].model_copy(deep=True, update={
            "id": self.new_id, "name": self.new_name, "parent": self.scenario_id})
        scenarios.insert(i + 1, copy)
        return doc.model_copy(update={"scenarios": scenarios})


class ReplaceScenario(Command):
    """Replace the scenario with the same id by ``scenario`` (a whole-scenario edit)."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.description = f"Edit scenario {scenario.name}"

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        return _scenario_list_with(doc, self.scenario.id, lambda _old: self.scenario)


class ReplaceContents(Command):
    """Replace the whole model and every scenario (an import merged into the document)."""

    def __init__(self, contents: CutsimFile, description: str = "Replace the model") -> None:
        super().__init__()
        self.contents, self.description = contents, description

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        return doc.model_copy(update={"model": self.contents.model,
                                      "scenarios": self.contents.scenarios})


class Batch(Command):
    """Several commands as one undo step (e.g. remove several rows at once)."""

    def __init__(self, description: str, commands: Sequence[Command]) -> None:
        super().__init__()
        self.description, self.commands = description, list(commands)

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        for command in self.commands:
            doc = command.apply(doc)
        return doc


# --- a Qt-free undo stack ----------------------------------------------------------


class CommandStack:
    """The document and its undo history, for tests, scripts and the command line.

    ``push`` applies a command (an InputError leaves everything as it was), merging it
    into the previous step when :meth:`Command.merge_with` says so. The *clean* index
    marks the saved state: :attr:`is_clean` is True when the document is as saved.
    """

    def __init__(self, document: CutsimFile) -> None:
        self.document = document
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean: int | None = 0  # len(_done) at the saved state; None: unreachable

    def push(self, command: Command) -> CutsimFile:
        self.document = command.apply(self.document)
        if self._clean is not None and self._clean > len(self._done):
            self._clean = None  # the saved state was in the redo history, now dropped
        self._undone.clear()
        if self._done and len(self._done) != self._clean and self._done[-1].merge_with(command):
            return self.document
        self._done.append(command)
        return self.document

    def undo(self) -> CutsimFile:
        if not self._done:
            raise IndexError("nothing to undo")
        command = self._done.pop()
        self.document = command.revert(self.document)
        self._undone.append(command)
        return self.document

    def redo(self) -> CutsimFile:
        if not self._undone:
            raise IndexError("nothing to redo")
        command = self._undone.pop()
        self.document = command.apply(self.document)
        self._done.append(command)
        return self.document

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].description if self._done else ""

    @property
    def index(self) -> int:
        """How many steps are done (the position in the history)."""
        return len(self._done)

    @property
    def is_clean(self) -> bool:
        return self._clean == len(self._done)

    def set_clean(self) -> None:
        """Mark the current document as saved."""
        self._clean = len(self._done)


class SetActuals(Command):
    """Replace the file's actuals (docs/actuals.md) as one undoable edit: an observation
    added, changed or removed, or the decision recorded. The values are checked by the
    validator like every other field, so a half-typed figure shows as a problem."""

    def __init__(self, actuals: Actuals | None, description: str = "Edit actuals") -> None:
        super().__init__()
        self.actuals = actuals
        self.description = description

    def _edit(self, doc: CutsimFile) -> CutsimFile:
        return doc.model_copy(update={"actuals": self.actuals})

