"""Text from files made safe to show: no control characters reach a terminal or a cell.

A received file is untrusted input; a name holding ``ESC [2J`` would clear a terminal,
and one holding a carriage return could overwrite a line with "Validated OK". Like git,
cutsim shows such characters escaped instead of sending them: each becomes ``\\uXXXX``
(the JSON escape, so JSON output stays valid and reads back to the same text).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# C0 controls, DEL, C1 controls, and the bidirectional formatting characters that can
# make text display in another order than it is stored ("Trojan source").
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe(text: str, keep_lines: bool = False) -> str:
    """``text`` with every control character escaped as ``\\uXXXX``.

    ``keep_lines`` keeps newlines and tabs (for whole messages cutsim itself laid out);
    a single name or value from a file is escaped in full.
    """
    pattern = _UNSAFE_KEEP_LINES if keep_lines else _UNSAFE
    return pattern.sub(_escape, text)


# Characters a spreadsheet treats as the start of a formula (OWASP CSV injection), after
# leading blanks and in their fullwidth forms (＝ ＋ － ＠ are read as = + - @ by some).
_FORMULA_START = frozenset("=+-@")
_FORMULA_CONTROL = ("\t", "\r", "\n")


def formula_safe(value: Any) -> Any:
    """A CSV text cell that no spreadsheet runs as a formula: prefixed with ``'`` when it
    starts (after any blanks, in any width) with ``= + - @``, or starts with a tab,
    carriage return or newline. Anything that is not text is returned as it is."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_CONTROL):
        return "'" + value
    first = value.lstrip()[:1]
    if first and unicodedata.normalize("NFKC", first)[:1] in _FORMULA_START:
        return "'" + value
    return value
