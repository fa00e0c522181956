"""The JSON Schema of the ``.cutsim`` format, generated from the strict typed models.

Partners' own tools can check a file's shape with it; it is checked in as
``docs/cutsim.schema.json`` and a test keeps it equal to this output. It states
types, required fields, unknown fields refused and the size limits of DESIGN §5; the
rules between values (references resolved, low <= per_unit <= high, …) are in
docs/file-format.md and only cutsim's validator checks them all.

Regenerate with ``python -m cutsim.files.file_schema docs/cutsim.schema.json``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from cutsim.files import exchange
from cutsim.model.schema import CutsimFile

SLUG_PATTERN = "^[a-z0-9_-]{1,64}$"


def _limits(node: Any) -> None:
    """Add the untrusted-input limits to every string, array and number schema."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "string" and "const" not in node and "enum" not in node:
            node.setdefault("maxLength", exchange.MAX_STRING)
        elif kind == "array":
            node.setdefault("maxItems", exchange.MAX_LIST_ITEMS)
        elif kind in ("number", "integer"):
            node.setdefault("minimum", -exchange.MAX_MAGNITUDE)
            node.setdefault("maximum", exchange.MAX_MAGNITUDE)
        properties = node.get("properties", {})
        if isinstance(properties.get("id"), dict) and properties["id"].get("type") == "string":
            properties["id"]["pattern"] = SLUG_PATTERN
            properties["id"]["maxLength"] = 64
        for value in node.values():
            _limits(value)
    elif isinstance(node, list):
        for value in node:
            _limits(value)


def json_schema() -> dict:
    """The schema (draft 2020-12) of a format-version-1 file."""
    schema = CutsimFile.model_json_schema(by_alias=True)
    _limits(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cutsim exchange file, format version 1",
        "description": "Generated from cutsim's typed models; see docs/file-format.md for every "
                       "rule between values, which only cutsim's validator checks in full.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def text() -> str:
    """The schema as the checked-in file's text."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        exchange.atomic_write_bytes(args[0], text().encode("utf-8"))
    else:
        sys.stdout.write(text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
