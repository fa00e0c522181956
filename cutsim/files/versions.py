"""Which format version a file needs, from the fields it actually uses (docs/file-format.md).

Fields added after version 1 carry :func:`cutsim.model.schema.added_in` metadata. A field
counts as used when its value differs from its default (``None``, an empty list, …).
A writer sets ``format_version`` to the highest version among the fields used (1 when
none, so such a file stays version 1 byte for byte) and ``min_reader_version`` to the
highest version among the used fields that change figures (left out when it would be 1
and the file is version 1). A reader refuses a file that uses a field newer than the
version it declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar, cast, get_args, get_origin

from pydantic import BaseModel

from cutsim.model.errors import InputError

SINCE = "x-cutsim-since"
CHANGES_FIGURES = "x-cutsim-changes-figures"


@dataclass(frozen=True)
class UsedField:
    """A field newer than version 1 that an object uses, with its place in the file."""

    where: str  # e.g. 'services[3] "youth": short_name'
    since: int
    changes_figures: bool


_Model = TypeVar("_Model", bound=BaseModel)  # downgrade returns the type it was given


def _meta(model: type[BaseModel], name: str) -> tuple[int, bool] | None:
    extra = model.model_fields[name].json_schema_extra
    if isinstance(extra, dict) and SINCE in extra:
        return int(cast(int, extra[SINCE])), bool(extra.get(CHANGES_FIGURES, True))
    return None


def _is_default(model: type[BaseModel], name: str, value: Any) -> bool:
    info = model.model_fields[name]
    default = info.get_default(call_default_factory=True)
    return value == default


def _label(base: str, item: Any, index: int) -> str:
    ident = getattr(item, "id", None)
    return f'{base}[{index}] "{ident}"' if isinstance(ident, str) else f"{base}[{index}]"


@cache
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    """Every field's default, worked out once per class (a large file has tens of
    thousands of objects of a few classes; only compared, never handed out)."""
    return {name: info.get_default(call_default_factory=True)
            for name, info in model.model_fields.items()}


_Shape = tuple[tuple[tuple[str, int, bool, Any], ...], tuple[str, ...]]


def _shape(model: type[BaseModel]) -> _Shape:
    """The fields newer than version 1 with their (since, changes figures, default), and
    the fields whose type can hold objects. Worked out once per class in each walk (a
    large file holds tens of thousands of objects of a few classes, most of whose fields
    are plain numbers), not once for all time, so that the schema's metadata is read
    as it is when asked."""
    defaults = _defaults(model)
    newer = tuple((name, *meta, defaults[name]) for name in model.model_fields
                  if (meta := _meta(model, name)) is not None)
    nested = tuple(name for name, info in model.model_fields.items()
                   if _may_hold_objects(info.annotation))
    return newer, nested


def _may_hold_objects(annotation: Any) -> bool:
    """Whether a value of this type can contain a model object (unknown forms: yes)."""
    if annotation in (int, float, str, bool, type(None)):
        return False
    if isinstance(annotation, type) and not get_args(annotation):
        return issubclass(annotation, BaseModel) or annotation in (list, dict, object)
    if get_origin(annotation) is Literal:
        return False
    args = [a for a in get_args(annotation) if isinstance(a, type) or get_origin(a) is not None]
    return not args or any(_may_hold_objects(a) for a in args)


def used_fields(obj: BaseModel, where: str = "") -> list[UsedField]:
    """Every field newer than version 1 that ``obj`` (and what it holds) uses."""
    return _used(obj, where, {})


def _used(obj: BaseModel, where: str, shapes: dict[type, _Shape]) -> list[UsedField]:
    found: list[UsedField] = []
    model = type(obj)
    shape = shapes.get(model)
    if shape is None:
        shape = shapes[model] = _shape(model)
    newer, nested = shape
    values = obj.__dict__  # pydantic keeps every field's value here
    for name, since, changes_figures, default in newer:
        if values[name] != default:
            found.append(UsedField(f"{where}: {name}" if where else name, since, changes_figures))
    for name in nested:
        value = values[name]
        if isinstance(value, (BaseModel, list, dict)) and value:
            found.extend(_inside(value, name if where in ("", "model") else f"{where} {name}", shapes))
    return found


def _inside(value: Any, where: str, shapes: dict[type, _Shape]) -> list[UsedField]:
    if isinstance(value, BaseModel):
        return _used(value, where if where != "model" else "", shapes)
    if isinstance(value, list):
        out: list[UsedField] = []
        if not isinstance(value[0], BaseModel):  # a list of numbers or names holds no field
            return out
        for i, item in enumerate(value):
            if isinstance(item, BaseModel):
                out.extend(_used(item, _label(where, item, i), shapes))
        return out
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            if isinstance(item, BaseModel):
                out.extend(_used(item, f"{where}[{key}]", shapes))
        return out
    return []


def needed_versions(obj: BaseModel) -> tuple[int, int]:
    """(format_version, min_reader_version) that the fields ``obj`` uses need."""
    used = used_fields(obj)
    fmt = max([1] + [u.since for u in used])
    reader = max([1] + [u.since for u in used if u.changes_figures])
    return fmt, reader


def check_declared_version(obj: BaseModel, declared: int, source: str) -> None:
    """Refuse a file that uses fields newer than the ``format_version`` it declares."""
    newer = [u for u in used_fields(obj) if u.since > declared]
    if newer:
        lines = [f"{u.where}: a field of format version {u.since}, but the file says "
                 f"format_version {declared}" for u in newer[:20]]
        raise InputError(f"{source}: " + ("\n  ".join(lines) if len(lines) == 1
                                          else f"{len(newer)} problem(s):\n  " + "\n  ".join(lines)))


def downgrade(obj: _Model, version: int) -> _Model:
    """A copy of ``obj`` for readers of format ``version``: fields newer than it that change
    no figure are left out; one that changes figures is refused (InputError naming it)."""
    blocking = [u for u in used_fields(obj) if u.since > version and u.changes_figures]
    if blocking:
        names = "; ".join(u.where for u in blocking[:10])
        raise InputError(f"cannot write format version {version}: the model uses fields of a "
                         f"later version that change figures ({names})")
    return _strip(obj, version)


def _strip(obj: Any, version: int) -> Any:
    if isinstance(obj, BaseModel):
        model = type(obj)
        update = {}
        for name in model.model_fields:
            value = getattr(obj, name)
            meta = _meta(model, name)
            if meta is not None and meta[0] > version and not _is_default(model, name, value):
                update[name] = model.model_fields[name].get_default(call_default_factory=True)
            else:
                stripped = _strip(value, version)
                if stripped is not value:
                    update[name] = stripped
        return obj.model_copy(update=update) if update else obj
    if isinstance(obj, list):
        items = [_strip(v, version) for v in obj]
        return items if any(a is not b for a, b in zip(items, obj)) else obj
    if isinstance(obj, dict):
        members = {k: _strip(v, version) for k, v in obj.items()}
        return members if any(members[k] is not obj[k] for k in obj) else obj
    return obj
