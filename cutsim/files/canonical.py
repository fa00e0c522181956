"""RFC 8785 (JCS) canonical JSON, fast: the C JSON encoder plus a pass over its numbers.

The reference implementation (the ``rfc8785`` package) walks the document in Python and
takes seconds on a 20 MiB file. JCS output equals ``json.dumps(sort_keys=True,
ensure_ascii=False, separators=(",", ":"))`` except in two places, both handled here:

- numbers are written as ECMAScript writes doubles (``1000000`` not ``1000000.0``,
  ``1e-7`` not ``1e-07``, ``1e+21`` not ``1e+21``'s Python spelling ``1e+21.0``…): every
  number token is rewritten by :func:`es_number`;
- keys are sorted by UTF-16 code units, which differs from Python's code-point order only
  for characters beyond U+FFFF: a document holding any such character (or anything the
  fast path cannot be sure of: NaN, huge integers) is handed to the reference code.

``tests/core/test_canonical.py`` checks the two agree on generated documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

# Python's repr of a double: its digits before and after the point, and its exponent.
_REPR = re.compile(r"(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$")
_MAX_SAFE_DIGITS = 15  # integers this short are exact doubles
# Python writes a number as ECMAScript does (the same shortest digits, a fixed point)
# except when it is a whole double ("5.0"), written with an exponent ("1e-05", "1e+16")
# or an integer too long to vouch for. Only tokens matching these need rewriting; each
# pattern starts with a fixed character, so that finding them is fast.
_CANDIDATES = (re.compile(r"e[+-]"), re.compile(r"\.0(?=[,\]}]|$)"),
               re.compile(r"(?:^|[:,\[])-?\d{16}"))
_NUMBER_AT = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?")
_NUMBER_CHARS = frozenset("0123456789.-+e")


def es_number(value: float) -> str:
    """A double as ECMAScript's Number::toString writes it (shortest round-trip digits)."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    match = _REPR.match(repr(abs(value)))
    if match is None:  # inf or nan: not JSON
        raise ValueError(f"not a finite number: {value!r}")
    whole, fraction, exponent = match.group(1), match.group(2) or "", int(match.group(3) or 0)
    digits = whole + fraction
    leading = len(digits) - len(digits.lstrip("0"))
    digits = digits.strip("0")
    k = len(digits)
    n = len(whole) + exponent - leading  # the decimal point sits n digits after the first
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + text


def _number(match: re.Match[str]) -> str:
    token = match.group()
    if token[0] == '"':
        return token
    if "." not in token and "e" not in token and "E" not in token:
        if len(token.lstrip("-")) > _MAX_SAFE_DIGITS:
            raise _Unsure
        return token
    return es_number(float(token))


class _Unsure(Exception):
    """The fast path cannot vouch for this document."""


def canonical_bytes(document: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON document."""
    try:
        text = json.dumps(document, sort_keys=True, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))
        if not text.isascii() and max(text) > "\uffff":
            raise _Unsure
        return _numbers_as_ecmascript(text).encode("utf-8")
    except (_Unsure, ValueError, TypeError, UnicodeEncodeError):
        return rfc8785.dumps(document)


def _numbers_as_ecmascript(text: str) -> str:
    """``json.dumps`` text with every number token written as ECMAScript writes it.

    Passing over every token in Python took most of the time of checking a large file's
    hash, so only the few tokens that can differ are visited (:data:`_CANDIDATES`). A
    match inside a string is left alone: it is inside one when an odd number of string
    quotes precede it, counted in a copy of the text with its escapes (``\\\\`` and
    ``\\"``) blanked out, so that every quote left in it opens or closes a string.
    """
    quotes = text if "\\" not in text else text.replace("\\\\", "  ").replace('\\"', "  ")
    hits = sorted({m.start() for pattern in _CANDIDATES for m in pattern.finditer(text)})
    pieces: list[str] = []
    written = counted = 0
    inside = False
    for hit in hits:
        inside ^= bool(quotes.count('"', counted, hit) & 1)
        counted = hit
        if inside or hit < written:  # in a string, or a token already rewritten
            continue
        start = hit
        if text[start] in ":,[":  # the delimiter before a long integer
            start += 1
        else:  # inside a number: back to its first character
            while start > 0 and text[start - 1] in _NUMBER_CHARS:
                start -= 1
        token = _NUMBER_AT.match(text, start)
        if token is None:  # not a number token (cannot happen in json.dumps text)
            raise _Unsure
        pieces += (text[written:start], _number(token))
        written = token.end()
    pieces.append(text[written:])
    return "".join(pieces)
