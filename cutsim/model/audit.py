"""The forms a figure people read must never take (docs/result-format.md), found in any text.

Used by the output audit (every command's text, the publication, the workshop views and
minutes) and by the formatter's own tests: rounding noise, an exponent, a negative zero,
"£1,000k", an elided figure, a negative amount in words, a degenerate range, "GBP", "£-";
and (:func:`mixed_units`) money in more than one unit within one table.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_NUM = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_END = r"(?![0-9.,]|\s?%|\s?(?:k|m|bn|million|billion)\b)"  # the same figure, not a longer one
FORMS: dict[str, re.Pattern[str]] = {
    # More than four decimals, or a long tail of zeros/nines: round-off printed as a figure.
    "rounding noise": re.compile(r"(?<![\w.])[0-9]+\.[0-9]{5,}|\.[0-9]*(?:0{4,}|9{4,})[1-9]"),
    "exponent": re.compile(r"(?<![\w])[0-9](?:\.[0-9]+)?[eE][+\-\u2212]?[0-9]+\b"),
    "negative zero": re.compile(
        r"(?:^|(?<=[\s(:;,=|]))[\-\u2212+]£?0(?:\.0+)?(?:\s?(?:%|k|m|bn|million|billion))?(?![0-9.,])"),
    # (a table in £m may hold £1,000.00m beside £923.55m: docs/user-guide.md, money style)
    "£1,000k": re.compile(r"£1,?000(?:\.0+)?\s?k\b|£1,?000\s?m\b"),
    "elided figure": re.compile(r"[0-9](?:…|\.\.\.)|(?:…|\.\.\.)[£\-\u2212]?[0-9]"),
    "negative amount in words": re.compile(
        r"\b(?:save|saves|saving|savings|cost|costs|faces|of|between|and|about|at|by|to|"
        r"short|gap|net) [\-\u2212]£"),  # one space: prose, not a table's columns
    "GBP": re.compile(r"\bGBP\b"),
    "£-": re.compile(r"£\s?[\-\u2212]"),
    "degenerate range": re.compile(
        rf"\bbetween\s+(?P<a>[\-\u2212]?£?{_NUM}(?:\s?(?:k|m|bn|million|billion|%))?)\s+and\s+(?P=a){_END}"
        rf"|(?P<b>[\-\u2212]?£{_NUM}(?:\s?(?:k|m|bn|million|billion))?)\s+to\s+(?P=b){_END}"),
}


@dataclass(frozen=True)
class Finding:
    """One forbidden form in a text: which form and the text around it."""

    form: str
    excerpt: str


def audit_text(text: str) -> list[Finding]:
    """Every forbidden form in ``text`` (plain text; see :func:`visible_text` for HTML)."""
    findings = []
    for form, pattern in FORMS.items():
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - 30), min(len(text), match.end() + 30)
            findings.append(Finding(form, text[start:end].replace("\n", " ")))
    return findings


_HIDDEN = re.compile(r"<(style|script|metadata)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    """The text a reader sees on an HTML page (and in its inline SVG), without markup,
    styles or the exact machine values carried in attributes."""
    page = _HIDDEN.sub(" ", page)
    page = re.sub(r"<br\s*/?>|</(p|li|tr|td|th|h[1-6]|div|dd|dt|caption|text|figcaption)>",
                  "\n", page, flags=re.I)
    return html.unescape(_TAG.sub("", page))


_FIGURE = re.compile(r"£(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?)(?:\s?(?P<unit>bn|m|k|million|billion)\b)?")
_UNIT_NAMES = {None: "£", "k": "£k", "m": "£m", "bn": "£bn", "million": "£m", "billion": "£bn"}


def units_of(text: str) -> set[str]:
    """The money units (``£``, ``£k``, ``£m``, ``£bn``) of the figures in ``text``; a bare
    ``£0`` has no unit of its own and is left out."""
    found = set()
    for match in _FIGURE.finditer(text):
        if match["unit"] is None and float(match["num"].replace(",", "")) == 0:
            continue
        found.add(_UNIT_NAMES[match["unit"]])
    return found


def text_tables(text: str) -> list[str]:
    """The tables of a plain text: runs of consecutive lines that each hold two or more
    money figures in columns (separated by two or more spaces), with the lines of the same
    block that hold one; a block of one line counts when it holds two or more."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip():
            blocks.append([])
            continue
        blocks[-1].append(line)
    tables = []
    for block in blocks:
        columnar = [line for line in block
                    if len([c for c in re.split(r"\s{2,}", line.strip()) if "£" in c]) >= 2]
        if columnar:
            tables.append("\n".join(line for line in block if "£" in line))
    return tables


_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL | re.IGNORECASE)


def mixed_units(text: str, *, html_page: bool = False) -> list[Finding]:
    """Each table of ``text`` (``<table>`` elements when ``html_page``, else the column
    blocks of :func:`text_tables`) whose money is in more than one unit."""
    tables = ([visible_text(t) for t in _TABLE.findall(text)] if html_page
              else text_tables(text))
    return [Finding("mixed units in one table", " / ".join(sorted(units_of(t))) + ": "
                    + " ".join(t.split())[:160])
            for t in tables if len(units_of(t)) > 1]
