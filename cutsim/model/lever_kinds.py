"""The registry of lever kinds: the one place that knows which kinds of lever exist.

A lever kind (``cut``, ``invest``, ``pool``, ``procure`` and any added later) is declared
once, in its own module of :mod:`cutsim.levers.kinds`, as a :class:`LeverKind`: its typed
schema, its validation rules and references, its wording, how it changes the engine's
inputs, its uncertain fields, how it is redacted, labelled in a diff and laid out in the
model workbook. Everything else (validation, the file reader and writer, the JSON Schema,
the workbook, diff, redaction, appraisal, the workshop, the publication and the app)
iterates this registry, and a kind it does not hold is an error everywhere.

Why the registry sits in the model layer: validation, the files and the workbook are below
the engine and must not import the levers' engine code, so they reach each kind through
this registry. The kinds' modules are imported by package name (:data:`KINDS_PACKAGE`)
the first time a kind is asked for: the one place where the model layer reaches upward,
and the reason a kind needs no other file changed (docs/architecture.md, "Adding a lever
kind").
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from cutsim.model.schema import LeverBase, Model, Service

log = logging.getLogger(__name__)

KINDS_PACKAGE = "cutsim.levers.kinds"


class UnknownLeverKind(KeyError):
    """A lever kind the registry does not hold; the message names it and the known kinds."""

    def __str__(self) -> str:  # KeyError quotes its argument; this is a sentence
        return str(self.args[0]) if self.args else "unknown lever kind"


@dataclass(frozen=True)
class WorkbookColumn:
    """A column of the model workbook's Levers sheet that a kind uses.

    ``cell`` is how the cell is read (``text``, ``choice``, ``number``, ``percent``,
    ``fraction``, ``list``, ``pairs``, …, as in :mod:`cutsim.files.workbook_cells`);
    ``meaning`` is the unit and meaning shown under the heading. A column several kinds
    declare is one column, headed with the kinds that use it.
    """

    field: str
    cell: str
    meaning: str
    width: int = 14


@dataclass(frozen=True)
class UncertainField:
    """A lever field that may carry a range (``<field>_low``/``<field>_high``) and is drawn
    in Monte Carlo and sensitivity between ``lower`` and ``upper`` (its valid bounds)."""

    field: str
    lower: float
    upper: float


class LeverChecks(Protocol):
    """What a kind's :meth:`LeverKind.check` is given: the validator's checker of one lever.

    Each method adds a problem located at the lever, in the validator's own words.
    """

    def add(self, message: str) -> None: ...
    def value(self, field: str) -> Any: ...
    def between(self, field: str, lo: float, hi: float) -> None: ...
    def non_negative(self, field: str) -> None: ...
    def positive(self, field: str) -> None: ...
    def text(self, field: str) -> None: ...
    def reference(self, field: str, known: Iterable[str], kind: str) -> None: ...
    def field_range(self, field: str, lo: float, hi: float) -> None: ...


class WorkbookCells(Protocol):
    """The workbook's cell conversions a kind's text fields use (:mod:`cutsim.files.workbook_cells`)."""

    def number_text(self, value: float) -> str: ...
    def pairs(self, value: Any) -> list[tuple[str, float]]: ...
    def shown(self, value: Any) -> str: ...


@dataclass(frozen=True)
class LeverContext:
    """What a lever is checked against: the model, indexed once per file."""

    model: Model
    services: dict[str, Service]
    outcomes: set[str]
    agencies: set[str]


class LeverKind:
    """One kind of lever. Subclass it in a module of :mod:`cutsim.levers.kinds` and set
    ``KIND = YourKind()`` at module level; the registry finds it there.

    Class attributes to set: ``name`` (the file's ``kind``), ``schema`` (a
    :class:`~cutsim.model.schema.LeverBase` subclass whose ``kind`` is
    ``Literal[name]``), ``title`` (the app's name for it), ``words`` (what such a lever
    is, in a phrase), ``who_pays`` (how it moves costs between agencies, a sentence),
    ``workbook_columns`` and ``uncertain_fields``. Methods have defaults that suit a lever
    acting on one ``service``.
    """

    name: ClassVar[str] = ""
    schema: ClassVar[type[LeverBase]]
    title: ClassVar[str] = ""
    words: ClassVar[str] = ""
    #: The kind's own fields as docs/file-format.md lists them (Markdown, one line).
    fields_doc: ClassVar[str] = ""
    who_pays: ClassVar[str] = ""
    #: True for a lever with a size (percent of baseline or £ a year) that the workshop,
    #: the scenario panel and a consultation page may change.
    sized: ClassVar[bool] = False
    #: True for a lever that raises an agency's income (paid by residents) rather than
    #: changing spending: never a saving, shown apart from the net saving.
    raises_income: ClassVar[bool] = False
    workbook_columns: ClassVar[tuple[WorkbookColumn, ...]] = ()
    uncertain_fields: ClassVar[tuple[UncertainField, ...]] = ()
    #: Fields that are written to and read from the workbook as text by this kind's own
    #: ``workbook_text``/``from_workbook_text`` (not as one JSON cell).
    workbook_text_fields: ClassVar[tuple[str, ...]] = ()

    # --- references -------------------------------------------------------------------
    def services(self, lever: Any) -> list[str]:
        """Every service id the lever acts on or pays into (for redaction and notes)."""
        service = getattr(lever, "service", None)
        return [service] if service is not None else []

    def outcomes(self, lever: Any) -> list[str]:
        """Every outcome id the lever moves directly, not through a service (none by
        default): the appraisal's causal path starts from these as well as from its
        services."""
        return []

    def references(self, lever: Any) -> dict[str, set[str]]:
        """Ids the lever refers to, by the model list they are in (``services``,
        ``outcomes``, ``agencies``)."""
        refs = {"services": set(self.services(lever))}
        if outcomes := self.outcomes(lever):
            refs["outcomes"] = set(outcomes)
        return refs

    def rename(self, lever: Any, items: str, old: str, new: str) -> Any:
        """The lever with each reference to ``items``/``old`` pointing at ``new``."""
        if items == "services" and getattr(lever, "service", None) == old:
            return lever.model_copy(update={"service": new})
        return lever

    # --- rules and words --------------------------------------------------------------
    def check(self, c: LeverChecks, lever: Any, ctx: LeverContext) -> None:
        """Add every problem with the lever's own values and references to ``c``."""
        c.reference("service", ctx.services, "service")

    def describe(self, lever: Any, name: Callable[[str], str],
                 area_name: Callable[[str], str] | None = None) -> str:
        """The lever in a councillor's words; ``name`` turns a service id into its name
        and ``area_name`` an area id into its name."""
        service = getattr(lever, "service", None)
        return f"{self.name} {name(service)}" if service else f"{self.name} lever {lever.id}"

    def label(self, lever: dict[str, Any]) -> str:
        """How the lever (as plain JSON) reads in a list of changes: ``cut youth``."""
        return f"{lever.get('kind')} {lever.get('service', '')}".strip()

    def saving_weight(self, lever: Any, service_id: str, baseline_spend: float) -> tuple[float, float]:
        """(£ a year at full effect, when it starts in years): what the lever saves on one
        of its services, for sharing a service's planned saving among the levers on it in
        the savings programme (a cost is negative; 0 when the kind cannot say)."""
        return 0.0, float(getattr(lever, "start_year", 0.0))

    # --- the engine -------------------------------------------------------------------
    def apply(self, build: Any, lever: Any) -> None:
        """Add the lever's changes to ``build`` (a :class:`cutsim.levers.common.LeverBuild`).

        Raise :class:`cutsim.levers.common.LeverError` naming the lever if it cannot apply.
        """
        raise NotImplementedError(f"lever kind {self.name!r} does not say how it applies")

    # --- redaction and the workbook ---------------------------------------------------
    def hidden_by(self, lever: Any, hidden_services: set[str]) -> bool:
        """True if the lever must be left out of a copy that hides ``hidden_services``."""
        return bool(set(self.services(lever)) & hidden_services)

    def workbook_text(self, lever: Any, cells: WorkbookCells) -> dict[str, Any]:
        """Values of ``workbook_text_fields`` as the workbook writes them."""
        return {}

    def from_workbook_text(self, values: dict[str, Any], cells: WorkbookCells) -> list[tuple[str, str]]:
        """Turn ``workbook_text_fields`` read from a row back into file values, in place;
        returns ``(field, problem)`` for each cell that cannot be read (a ``ValueError``
        from ``cells.pairs`` is such a problem)."""
        return []


class _Registry:
    """Kinds by name, in the order they are registered (built-ins: cut, invest, pool,
    procure). Guarded by a lock: the app loads files on worker threads."""

    def __init__(self) -> None:
        self._kinds: dict[str, LeverKind] = {}
        self._loaded = False
        self._loading = False
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Sequence[LeverKind]], None]] = []

    def ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:  # other threads wait here until the kinds are in
            if self._loaded or self._loading:
                return  # loaded meanwhile, or this thread is loading (a kind used the schema)
            self._loading = True
            try:
                package = importlib.import_module(KINDS_PACKAGE)
                for info in sorted(pkgutil.iter_modules(package.__path__), key=_builtin_first):
                    module = importlib.import_module(f"{KINDS_PACKAGE}.{info.name}")
                    kind = getattr(module, "KIND", None)
                    if isinstance(kind, LeverKind):
                        self._add(kind)
                self._loaded = True
            finally:
                self._loading = False
            self._changed()

    def _add(self, kind: LeverKind) -> None:
        if not kind.name or kind.name in self._kinds:
            raise ValueError(f"lever kind {kind.name!r} is empty or registered twice")
        self._kinds[kind.name] = kind

    def _changed(self) -> None:
        kinds = tuple(self._kinds.values())
        for listener in self._listeners:
            listener(kinds)

    def register(self, kind: LeverKind) -> None:
        self.ensure_loaded()
        with self._lock:
            self._add(kind)
            self._changed()

    def unregister(self, name: str) -> None:
        with self._lock:
            self._kinds.pop(name, None)
            self._changed()

    def on_change(self, listener: Callable[[Sequence[LeverKind]], None]) -> None:
        self._listeners.append(listener)
        if self._loaded:
            listener(tuple(self._kinds.values()))

    def all(self) -> tuple[LeverKind, ...]:
        self.ensure_loaded()
        return tuple(self._kinds.values())

    def get(self, name: str) -> LeverKind:
        self.ensure_loaded()
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownLeverKind(f"unknown lever kind {name!r}; cutsim knows "
                                   f"{', '.join(self._kinds)}") from None


_BUILTIN_ORDER = ("cut", "invest", "pool", "procure", "council_tax", "income")


def _builtin_first(info: pkgutil.ModuleInfo) -> tuple[int, str]:
    """Built-in kinds in their documented order, then any other module by name."""
    name = info.name
    return (_BUILTIN_ORDER.index(name) if name in _BUILTIN_ORDER else len(_BUILTIN_ORDER), name)


_REGISTRY = _Registry()  # the process's registry: kinds are declarations, not state


def all_kinds() -> tuple[LeverKind, ...]:
    """Every registered kind, built-ins first (cut, invest, pool, procure)."""
    return _REGISTRY.all()


def kind_names() -> tuple[str, ...]:
    """The registered kinds' names, as a file spells them."""
    return tuple(k.name for k in all_kinds())


def get(name: str) -> LeverKind:
    """The kind called ``name``; :class:`UnknownLeverKind` if none is registered."""
    return _REGISTRY.get(name)


def of(lever: Any) -> LeverKind:
    """The kind of a typed lever (or of plain JSON with a ``kind``)."""
    name = lever.get("kind") if isinstance(lever, dict) else getattr(lever, "kind", None)
    return get(name)  # type: ignore[arg-type]


def ensure_loaded() -> None:
    """Import the kinds' modules if that has not been done (idempotent, thread-safe)."""
    _REGISTRY.ensure_loaded()


def on_change(listener: Callable[[Sequence[LeverKind]], None]) -> None:
    """Call ``listener(kinds)`` now (if loaded) and whenever a kind is added or removed."""
    _REGISTRY.on_change(listener)


def register(kind: LeverKind) -> None:
    """Add a kind declared outside :data:`KINDS_PACKAGE` (a test's, a plug-in's)."""
    _REGISTRY.register(kind)


def unregister(name: str) -> None:
    """Remove a kind added by :func:`register`."""
    _REGISTRY.unregister(name)


@contextmanager
def registered(kind: LeverKind) -> Iterator[LeverKind]:
    """``with registered(ToyKind()):`` the kind is known inside the block only."""
    register(kind)
    try:
        yield kind
    finally:
        unregister(kind.name)
