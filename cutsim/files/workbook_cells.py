"""How one workbook cell becomes a field value, and a field value a cell (the cell rules).

The rules are those of :mod:`cutsim.files.workbook_layout` (and docs/workbook-format.md):
text-as-number, percentages, dates and booleans each have one documented reading. A
cell that breaks its rule gets a message saying what was expected and what was found.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from typing import Any

from cutsim.files.exchange import MAX_MAGNITUDE, MAX_STRING, parse_json
from cutsim.files.workbook_layout import Column
from cutsim.model.errors import InputError

_NUMBER_TEXT = re.compile(r"[-+]?£?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
                          r"|[-+]?£?\.\d+(?:[eE][-+]?\d+)?")
_TRUE = {"true", "yes", "y"}
_FALSE = {"false", "no", "n"}


class CellError(ValueError):
    """A cell that breaks its rule; the message says what was expected and what was found."""


def shown(value: Any) -> str:
    """A cell value as a message shows it."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "…"
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return f"the date {value.isoformat()[:10]}"
    return str(value)


def number_text(value: float) -> str:
    """A float as text that reads back exactly (1000000, not 1000000.0; 0.1, 2e-05)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _text_number(text: str, percent_sign: bool) -> float:
    stripped = text.strip().replace(" ", "")
    if percent_sign and stripped.endswith("%"):
        raise CellError("percent")  # handled by the caller, which knows the column
    candidate = stripped.replace("£", "", 1)
    if not _NUMBER_TEXT.fullmatch(stripped) and not _NUMBER_TEXT.fullmatch(candidate):
        raise CellError(f"must be a number, got {shown(text)}")
    return float(candidate.replace(",", ""))


def _finite(value: float) -> float:
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise CellError(f"must be a finite number no larger than 10^15, got {shown(value)}")
    return float(value)


def _as_number(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError(f"must be a number, got {'TRUE' if value else 'FALSE'}")
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        raise CellError(f"must be a number, got {shown(value)} (the cell is formatted as a date)")
    if isinstance(value, (int, float)):
        return _finite(value)
    if isinstance(value, str):
        return _finite(_text_number(value, False))
    raise CellError(f"must be a number, got {shown(value)}")


def _percent_text(value: Any) -> float | None:
    """``20%`` as 20.0; None when the value is not percent text."""
    if isinstance(value, str) and value.strip().endswith("%"):
        body = value.strip()[:-1].strip()
        try:
            return _finite(_text_number(body, False))
        except CellError:
            raise CellError(f"must be a percentage like 20%, got {shown(value)}") from None
    return None


def read_cell(value: Any, column: Column, number_format: str = "General") -> Any:
    """The field value of a non-empty cell under ``column``'s rule (CellError if it breaks it)."""
    kind = column.kind
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise CellError(f"text of {len(value):,} characters; the limit is {MAX_STRING:,}")
    if kind in ("text", "id", "choice"):
        if isinstance(value, bool) or isinstance(value, (_dt.date, _dt.time)):
            raise CellError(f"must be text, got {shown(value)}")
        if isinstance(value, float):
            if not value.is_integer():
                raise CellError(f"must be text, got the number {shown(value)}")
            value = int(value)
        text = str(value)
        if kind != "text":
            text = text.strip()
        if kind == "choice" and column.choices and text not in column.choices:
            raise CellError(f"must be one of {', '.join(column.choices)}, got {shown(text)}")
        return text
    if kind == "number":
        return _as_number(value)
    if kind == "int":
        number = _as_number(value)
        if not number.is_integer():
            raise CellError(f"must be a whole number, got {shown(value)}")
        return int(number)
    if kind in ("percent", "fraction"):
        from_text = _percent_text(value)
        if from_text is not None:  # "20%"
            return from_text if kind == "percent" else from_text / 100.0
        number = _as_number(value)
        if "%" in (number_format or ""):  # a cell shown as 20% holds 0.2
            return number * 100.0 if kind == "percent" else number
        return number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise CellError(f"must be TRUE or FALSE, got {shown(value)}")
    if kind == "list":
        if not isinstance(value, str):
            value = read_cell(value, Column(column.field, "text", ""))
        return [item.strip() for item in value.split(",") if item.strip()]
    if kind == "numbers":
        if isinstance(value, str) and value.strip().startswith("[") and value.strip().endswith("]"):
            # JSON text, as workbooks written before these columns had names held a list
            return [_as_number(p) for p in value.strip()[1:-1].split(",") if p.strip()]
        if isinstance(value, str) and ";" in value:
            parts = [p for p in value.split(";") if p.strip()]
            return [_as_number(p) for p in parts]
        return _as_number(value)
    if kind == "date":
        if isinstance(value, (_dt.datetime, _dt.date)):
            return value.isoformat()
        return read_cell(value, Column(column.field, "text", ""))
    if kind == "pairs":
        return _pairs(value)
    if kind == "json":
        if not isinstance(value, str):
            return read_cell(value, Column(column.field, "number", ""))
        try:
            return parse_json(value.encode("utf-8"), "cell")
        except InputError as exc:
            raise CellError(f"must be JSON text ({str(exc).removeprefix('cell: ')})") from None
    raise CellError(f"unknown cell kind {kind}")  # a layout error, not the user's


def _pairs(value: Any) -> list[tuple[str, float]]:
    if not isinstance(value, str):
        raise CellError(f"must be id: number pairs separated by ; (e.g. youth: 50), got {shown(value)}")
    pairs = []
    for part in value.split(";"):
        if not part.strip():
            continue
        key, sep, number = part.partition(":")
        if not sep or not key.strip():
            raise CellError(f"must be id: number pairs separated by ; (e.g. youth: 50), "
                            f"got {shown(value)}")
        pairs.append((key.strip(), _as_number(number)))
    return pairs


pairs = _pairs  # the name lever kinds use (cutsim.model.lever_kinds.WorkbookCells)


def _plain(value: Any) -> Any:
    """A typed object's fields as the file writes them (for a JSON cell)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    raise TypeError(f"cannot write {type(value).__name__} in a cell")


def write_value(value: Any, column: Column) -> Any:
    """What the writer puts in a cell for a field value (None: leave the cell empty)."""
    if value is None:
        return None
    kind = column.kind
    if kind == "list":
        return ", ".join(value) if value else None
    if kind == "numbers":
        if isinstance(value, list):
            return "; ".join(number_text(v) for v in value) + (";" if len(value) == 1 else "")
        return float(value)
    if kind == "pairs":
        return "; ".join(f"{k}: {number_text(v)}" for k, v in value) if value else None
    if kind == "json":  # typed objects (a newer block of fields) as their file JSON
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_plain)
    if kind in ("number", "percent", "fraction") and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value == "":
        return None
    return value
