"""Reading and writing ``.cutsim`` exchange files (docs/file-format.md).

A received file is untrusted input. Reading goes in layers, each refusing with a
message that names the place in the file: size → UTF-8 → nesting depth → strict JSON
(no NaN/Infinity, no duplicate keys, bounded integers) → structural limits (list
length, string length) → typed objects (unknown fields refused) → format version →
integrity hash → every value and reference (:mod:`cutsim.model.validation`). Nothing is ever
pickled, evaluated or imported from a file.

Writing is atomic (temp file, fsync, rename) and always carries provenance and the
``sha256`` integrity field over the RFC 8785 canonical JSON of the file without it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import rfc8785

from cutsim.files import versions
from cutsim.files.canonical import canonical_bytes
from cutsim.files.regular import refuse_special
from cutsim.files.safewrite import atomic_write_bytes as atomic_write_bytes  # the writer of every file
from cutsim.model import lever_kinds
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile, Model, Provenance
from cutsim.model.validation import validate_file
from cutsim.version import __version__

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # the newest format this reader and writer know
MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 32
MAX_STRING = 10_000
MAX_INT_DIGITS = 15
MAX_LIST_ITEMS = 200_000
MAX_PROBLEMS_SHOWN = 20  # a message listing more than this is unreadable
# No quantity in a place model comes near 10^15 (a whole country's budget is ~10^12 £/yr);
# a bigger number is a typing or encoding error, and would overflow sums downstream.
MAX_MAGNITUDE = 1e15

# pydantic names a union branch in an error's path; it is not a place in the file.
# Besides these, the lever kinds' names (the branches of a scenario's levers).
_UNION_TAGS = frozenset({"FixedShares", "float", "list[float]", "str",
                         "literal['contribution','benefit']"})
# A JSON string (unrolled and possessive, so that scanning is linear even for hostile
# input such as an unterminated string full of escaped quotes), a stray quote, a bracket.
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_TOKENS = re.compile(_STRING + r'|["\[\]{}]', re.DOTALL)


class _Pairs(dict):
    """A JSON object whose source repeated a key; the walk reports it with its path."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) == len(pairs):  # the usual case, decided in C
        return result
    seen: set[str] = set()
    duplicates = []
    for key, _ in pairs:
        if key in seen:
            duplicates.append(key)
        seen.add(key)
    flagged = _Pairs(result)
    flagged.duplicates = duplicates
    return flagged


class _BadNumber(ValueError):
    """A number token the strict parser refuses; ``token`` is its text, to locate it."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token = token


def _refuse_constant(name: str) -> float:
    raise _BadNumber(name, f"{name} is not allowed: every number must be finite")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _BadNumber(text, f"integer {text[:20]}… has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        shown = text if len(text) <= 30 else text[:30] + "…"
        raise _BadNumber(text, f"number {shown} is out of range (no number in a .cutsim "
                               "file may be larger than 10^15)")
    return value


def _position(text: str, token: str) -> str:
    """'line L, column C' of the first ``token`` outside strings (json's hooks give none)."""
    pattern = re.compile(_STRING + r"|(?<![\w.+\-])" + re.escape(token) + r"(?![\w.+\-])", re.DOTALL)
    for match in pattern.finditer(text):
        if not match.group().startswith('"'):
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return f"line {line}, column {column}"
    return "position unknown"


def _check_depth(text: str, source: str) -> None:
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == '"':
            return  # an unterminated string: the JSON parser reports it with its place
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                raise InputError(f"{source}: line {line}: nesting deeper than {MAX_DEPTH} levels")
        elif token in "]}":
            depth -= 1


def _decode(data: bytes, source: str) -> str:
    if len(data) > MAX_BYTES:
        raise InputError(f"{source}: file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (20 MiB)")
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, as some Windows editors write
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "a .cutsim file is UTF-8 JSON"
        ) from None


def parse_json(data: bytes, source: str = "file") -> Any:
    """Strict JSON from untrusted bytes, or InputError naming line and column."""
    text = _decode(data, source)
    if not text.strip():
        raise InputError(f"{source}: the file is empty")
    # Parsed first, the depth checked after: scanning the text for brackets took longer
    # than parsing it. Whenever anything is wrong, the depth is checked before any other
    # problem is reported, so the first message is the same as checking it first.
    try:
        document = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except json.JSONDecodeError as exc:
        _check_depth(text, source)
        raise InputError(f"{source}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    except _BadNumber as exc:  # from our hooks; json gives no position, so find the token
        _check_depth(text, source)
        raise InputError(f"{source}: {_position(text, exc.token)}: {exc}") from None
    except RecursionError:  # nesting deeper than the parser's stack: name the line
        _check_depth(text, source)
        raise InputError(f"{source}: nesting too deep") from None
    # Lone surrogates can only come from \u escapes: UTF-8 decoding refuses them in text.
    depth = _depth_within_limits(document, surrogates_possible="\\u" in text)
    if depth is None or depth > MAX_DEPTH:
        _check_depth(text, source)
        problems = list(_walk_limits(document, ""))
        if problems:
            raise _many(source, problems)
    return document


def check_limits(document: Any, source: str = "file") -> None:
    """Refuse data over the structural limits of a file (text and list lengths, broken
    text), for data that did not come through :func:`parse_json` (a workspace's rows)."""
    if _depth_within_limits(document, surrogates_possible=True) is not None:
        return
    problems = list(_walk_limits(document, ""))
    if problems:
        raise _many(source, problems)


def _depth_within_limits(document: Any, surrogates_possible: bool) -> int | None:
    """The nesting depth of ``document`` (brackets, as in its text) if every structural
    limit holds, else None. A quick pass with no paths: :func:`_walk_limits` names the
    problems when there are any (it is several times slower, building a path per value)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)] if isinstance(document, (dict, list)) else []
    if isinstance(document, str):
        return 0 if _text_within_limits(document, surrogates_possible) else None
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            if isinstance(node, _Pairs):
                return None
            for key in node:
                if not _text_within_limits(key, surrogates_possible):
                    return None
            values: Any = node.values()
        else:
            if len(node) > MAX_LIST_ITEMS:
                return None
            values = node
        for value in values:
            if isinstance(value, str):
                if not _text_within_limits(value, surrogates_possible):
                    return None
            elif isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
    return deepest


def _text_within_limits(text: str, surrogates_possible: bool) -> bool:
    if len(text) > MAX_STRING:
        return False
    return not surrogates_possible or text.isascii() or _is_unicode(text)


def _walk_limits(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, dict):
        for key in getattr(node, "duplicates", []):
            yield f'{path or "top level"}: duplicate key "{key[:64]}"'
        for key, value in node.items():
            if len(key) > MAX_STRING:
                yield f"{path or 'top level'}: a key is longer than {MAX_STRING:,} characters"
                continue
            if not _is_unicode(key):
                yield f"{path or 'top level'}: a key holds a broken \\u escape (a lone surrogate)"
                continue
            yield from _walk_limits(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        if len(node) > MAX_LIST_ITEMS:
            yield f"{path}: {len(node):,} items; the limit is {MAX_LIST_ITEMS:,}"
        for i, value in enumerate(node):
            yield from _walk_limits(value, f"{path}[{i}]")
    elif isinstance(node, str):
        if len(node) > MAX_STRING:
            yield f"{path}: text of {len(node):,} characters; the limit is {MAX_STRING:,}"
        elif not _is_unicode(node):
            yield f"{path}: text holds a broken \\u escape (a lone surrogate, not a character)"


def _is_unicode(text: str) -> bool:
    """False for a string with a lone surrogate (JSON's \\ud800): it cannot be stored or sent."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _many(source: str, problems: list[str]) -> InputError:
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    lines = "\n  ".join(shown) + (f"\n  … and {more} more" if more > 0 else "")
    noun = "problem" if len(problems) == 1 else "problems"
    return InputError(f"{source}: {len(problems)} {noun}:\n  {lines}", problems)


def is_union_tag(step: object) -> bool:
    """True for a step of pydantic's error path that names a union branch (a lever kind,
    a type), not a place in the file."""
    return isinstance(step, str) and (step in _UNION_TAGS or step in lever_kinds.kind_names())


def _file_path(document: Any, loc: tuple) -> list:
    """pydantic's error path with its union-branch names taken out: keys and indexes only.

    A step that is a key of the object reached is a place in the file, even if it is
    spelled like a branch name (a newer file might have a field called "float").
    """
    path: list = []
    node = document
    for step in loc:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
        elif is_union_tag(step):
            continue  # pydantic's name for a union branch, not a place in the file
        else:
            node = None
        path.append(step)
    return path


def _location(document: Any, loc: tuple) -> str:
    """pydantic's ('model','services',3,'unit_cost') as 'services[3] "youth": unit_cost'."""
    parts: list[str] = []
    node = document
    for step in _file_path(document, loc):
        if isinstance(step, int):
            parts[-1] = f"{parts[-1]}[{step}]" if parts else f"[{step}]"
            node = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            ident = node.get("id") if isinstance(node, dict) else None
            if isinstance(ident, str):
                parts[-1] += f' "{ident[:64]}"'
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    if parts and parts[0] == "model":
        parts = parts[1:]
    head = " ".join(parts[:-1]) if len(parts) > 1 else ""
    if parts and parts[-1].endswith('"'):  # the path ends at an item, not a field
        return " ".join(parts)
    return f"{head}: {parts[-1]}" if head else (parts[-1] if parts else "top level")


def _type_problems(document: Any, error: pydantic.ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = _location(document, tuple(item["loc"]))
        if item["type"] == "union_tag_invalid":
            expected = item.get("ctx", {}).get("expected_tags", "")
            problems.append(f"{where}: kind must be one of {expected} (got {json.dumps(item['ctx'].get('tag'))})")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown field (not part of the .cutsim format)")
        elif item["type"] == "missing":
            problems.append(f"{where}: required field is missing")
        else:
            got = item.get("input")
            shown = "" if isinstance(got, (dict, list)) else f" (got {json.dumps(got)[:60]})"
            problems.append(f"{where}: {item['msg'].lower()}{shown}")
    return problems


def canonical_sha256(document: Any) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of ``document``."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def _check_version(document: dict, source: str) -> bool:
    """Refuse a file this reader is too old for; True if it is newer but readable."""
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(f"{source}: format_version must be a whole number >= 1 (got {json.dumps(version)})")
    needed = document.get("min_reader_version", version)
    if not isinstance(needed, int) or isinstance(needed, bool) or not 1 <= needed <= version:
        raise InputError(f"{source}: min_reader_version must be a whole number from 1 to "
                         f"format_version ({version}) (got {json.dumps(needed)})")
    if version <= FORMAT_VERSION:
        return False
    if needed > FORMAT_VERSION:
        raise InputError(
            f"{source}: written in .cutsim format {version}, which needs a reader of version "
            f"{needed} or later; this cutsim (version {__version__}) reads up to version {FORMAT_VERSION}"
        )
    return True


def _drop_unknown_fields(document: dict) -> list[str]:
    """A newer file that older readers may read: drop what this version does not know.

    pydantic itself says which fields are unknown (with their paths), so the typed
    schema stays the one definition of what version 1 contains.
    """
    try:
        CutsimFile.model_validate(document)
        return []
    except pydantic.ValidationError as exc:
        unknown = [tuple(e["loc"]) for e in exc.errors() if e["type"] == "extra_forbidden"]
    ignored = []
    for loc in unknown:
        ignored.append(_location(document, loc))  # named before it is removed
        path = _file_path(document, loc)
        node: Any = document
        for step in path[:-1]:
            node = node[step]
        node.pop(path[-1], None)
    return ignored


def _verify_integrity(document: dict, source: str) -> None:
    claimed = document.get("sha256")
    if claimed is None:
        return
    if not isinstance(claimed, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", claimed):
        raise InputError(f"{source}: sha256 must be 64 hexadecimal digits (got {json.dumps(claimed)[:80]})")
    body = {k: v for k, v in document.items() if k != "sha256"}
    try:
        actual = canonical_sha256(body)
    except rfc8785.CanonicalizationError as exc:  # parse_json refuses what causes this
        raise InputError(f"{source}: cannot be canonicalised to check its sha256 ({exc})") from None
    if claimed.lower() != actual:
        raise InputError(
            f"{source}: sha256: the file's content does not match its integrity hash; it was "
            "changed after it was written (tampered with or edited by hand). Ask the sender "
            "for a fresh copy, or remove the sha256 field to accept the edit knowingly"
        )


def load_document(document: Any, source: str = "file", ignored: list[str] | None = None) -> CutsimFile:
    """Typed, version-checked, integrity-checked and validated file from parsed JSON.

    A newer file that this reader may read has the fields this version does not know
    dropped; their places are logged and, if ``ignored`` is given, appended to it.
    """
    if not isinstance(document, dict):
        raise InputError(f"{source}: top level must be a JSON object, not {type(document).__name__}")
    if document.get("format") != "cutsim":
        raise InputError(f'{source}: format must be "cutsim" (got {json.dumps(document.get("format"))[:40]}): '
                         "this is not a cutsim exchange file")
    _verify_integrity(document, source)  # over the file as sent, before anything is dropped
    dropped = _drop_unknown_fields(document) if _check_version(document, source) else []
    if dropped:
        log.warning("%s: ignored fields this version does not know: %s", source, ", ".join(dropped))
        if ignored is not None:
            ignored.extend(dropped)
    try:
        cutsim_file = CutsimFile.model_validate(document)
    except pydantic.ValidationError as exc:
        raise _many(source, _type_problems(document, exc)) from None
    versions.check_declared_version(cutsim_file, min(cutsim_file.format_version, FORMAT_VERSION),
                                    source)
    problems = [str(p) for p in validate_file(cutsim_file)]
    if problems:
        raise _many(source, problems)
    return cutsim_file


def read_bytes(data: bytes, source: str = "file", ignored: list[str] | None = None) -> CutsimFile:
    """A validated exchange file from untrusted bytes (InputError on any problem)."""
    return load_document(parse_json(data, source), source, ignored)


def read_file(path: str | os.PathLike[str], ignored: list[str] | None = None) -> CutsimFile:
    """Read and fully validate a ``.cutsim`` file; InputError names what is wrong and where."""
    return read_bytes(file_bytes(path), Path(path).name, ignored)


def file_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the file at ``path`` (at most one past :data:`MAX_BYTES`, which
    :func:`parse_json` refuses); InputError for a file too large or that cannot be read."""
    path = Path(path)
    refuse_special(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path.name}: file is {size:,} bytes; the limit is {MAX_BYTES:,} (20 MiB)")
        with path.open("rb") as handle:
            # Read at most one byte past the cap: a pipe or device reports no size.
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a .cutsim file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return data


def _plain_numbers(node: Any) -> Any:
    """Integral floats written as integers (1000000, not 1000000.0): as people write money."""
    if isinstance(node, dict):
        return {k: _plain_numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain_numbers(v) for v in node]
    if isinstance(node, float) and node.is_integer() and abs(node) < 1e15:
        return int(node)
    return node


def model_sha256(model: Model) -> str:
    """Canonical SHA-256 of a place model: which model a scenario was built on."""
    return canonical_sha256(_plain_numbers(model.model_dump(mode="json", by_alias=True, exclude_none=True)))


def to_document(cutsim_file: CutsimFile, *, stamp: bool = True,
                format_version: int | None = None) -> dict:
    """The JSON document for a file; with ``stamp``, provenance and sha256 are (re)written.

    ``format_version`` and ``min_reader_version`` are set to the lowest the fields in use
    need (:mod:`cutsim.files.versions`). Asking for an older ``format_version`` leaves out
    newer fields that change no figure and refuses those that do.
    """
    if format_version is not None:
        if not 1 <= format_version <= FORMAT_VERSION:
            raise InputError(f"format version must be from 1 to {FORMAT_VERSION} (got {format_version})")
        cutsim_file = versions.downgrade(cutsim_file, format_version)
    fmt, reader = versions.needed_versions(cutsim_file)
    cutsim_file = cutsim_file.model_copy(update={
        "format_version": fmt, "min_reader_version": reader if fmt > 1 else None})
    if stamp:
        old = cutsim_file.provenance or Provenance()
        provenance = old.model_copy(update={
            "created": old.created or _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "tool_version": f"cutsim {__version__}",
            "model_sha256": model_sha256(cutsim_file.model),
        })
        cutsim_file = cutsim_file.model_copy(update={"provenance": provenance, "sha256": None})
    document = _plain_numbers(cutsim_file.model_dump(mode="json", by_alias=True, exclude_none=True))
    if stamp:
        document.pop("sha256", None)
        document["sha256"] = canonical_sha256(document)
    return document


def dumps(cutsim_file: CutsimFile, *, stamp: bool = True, format_version: int | None = None) -> str:
    """The file's text: UTF-8 JSON, 2-space indent, fields in format order."""
    document = to_document(cutsim_file, stamp=stamp, format_version=format_version)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_file(path: str | os.PathLike[str], cutsim_file: CutsimFile, *,
               format_version: int | None = None, private: bool = False) -> None:
    """Save a ``.cutsim`` file atomically, with provenance and integrity hash (``private``:
    readable by its owner only, for recovery copies that may hold confidential items)."""
    atomic_write_bytes(path, dumps(cutsim_file, format_version=format_version).encode("utf-8"),
                       private=private)
