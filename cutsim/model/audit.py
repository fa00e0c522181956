"""The forms a figure people read must never take (docs/result-format.md), found in any text.

Used by the output audit (every command's text, the publication, the workshop views and
minutes) and by the formatter's own tests: rounding noise, an exponent, a negative zero,
"£1,000k", an elided figure, a negative amount in words, a degenerate range.
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
    "£1,000k": re.compile(r"£1,?000(?:\.0+)?\s?(?:k|m)\b"),
    "elided figure": re.compile(r"[0-9](?:…|\.\.\.)|(?:…|\.\.\.)[£\-\u2212]?[0-9]"),
    "negative amount in words": re.compile(
        r"\b(?:save|saves|saving|savings|cost|costs|faces|of|between|and|about|at|by|to|"
        r"short|gap|net)\s+[\-\u2212]£"),
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
