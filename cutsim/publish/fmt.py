"""Rounding and wording of figures for residents.

One formatter serves the HTML/PDF templates and the tests that parse the publication
back, so that what a reader sees is provably the engine's number rounded the same way.
The open data never goes through here: it carries exact values.

Rounding: two significant figures ("about 120", "£2.1 million", "0.27"), because the
model's evidence supports no more; whole pounds never show pence above £10.
"""

from __future__ import annotations

import math

MINUS = "\u2212"  # a real minus sign: screen readers say "minus", not "dash"
SIGNIFICANT = 2


def round_sig(value: float, digits: int = SIGNIFICANT) -> float:
    """``value`` rounded to ``digits`` significant figures (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return 0.0 if value == 0 else value
    exponent = math.floor(math.log10(abs(value)))
    return round(value, digits - 1 - exponent)


def _decimals(rounded: float, digits: int) -> int:
    if rounded == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(rounded))))


def _plain(magnitude: float, digits: int = SIGNIFICANT) -> str:
    """A non-negative number to ``digits`` significant figures, with thousands commas
    and words for millions and billions; trailing zeros after the point dropped."""
    rounded = round_sig(magnitude, digits)
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if rounded >= size:
            scaled = round_sig(rounded / size, digits)
            return f"{_trim(f'{scaled:,.{_decimals(scaled, digits)}f}')} {word}"
    return _trim(f"{rounded:,.{_decimals(rounded, digits)}f}")


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def number(value: float) -> str:
    """A count or level for residents: ``6``, ``150``, ``1,500``, ``2.1 million``, ``−6``."""
    text = _plain(abs(value))
    return MINUS + text if value < 0 and text != "0" else text


def money(value: float) -> str:
    """Pounds for residents: ``£600,000``, ``£2.1 million``, ``−£15``."""
    text = "£" + _plain(abs(value))
    return MINUS + text if value < 0 and text != "£0" else text


def percent(value: float) -> str:
    """A percentage (0-100 scale) to two significant figures: ``20%``, ``0.35%``."""
    return number(value) + "%"


def fixed(value: float, decimals: int) -> str:
    """A level to a set number of decimals (``222``, ``20.27``): levels are shown as
    precisely as the change in them, so that "at most 225" differs from "216 today"."""
    text = f"{abs(value):,.{decimals}f}"
    return MINUS + text if value < 0 and float(text.replace(",", "")) != 0 else text


def level_decimals(change: float, limit: int = 4) -> int:
    """Decimals that show a change of ``change`` to two significant figures (0 to ``limit``)."""
    return min(limit, _decimals(round_sig(abs(change)), SIGNIFICANT))


FORMATS = {"number": number, "money": money, "percent": percent}


def display(kind: str, value: float, signed: bool = True, decimals: int | None = None) -> str:
    """The text shown for a figure: ``FORMATS[kind]`` of ``value`` (or of |value|
    when the sentence carries the direction in words, e.g. "about 6 *more*");
    kind ``fixed`` shows ``decimals`` decimals."""
    value = value if signed else abs(value)
    if kind == "fixed":
        return fixed(value, decimals or 0)
    return FORMATS[kind](value)


def sentence(text: str | None) -> str:
    """Text as a sentence ending in one full stop (citations may or may not end in one)."""
    text = (text or "").strip()
    return text if text.endswith((".", "!", "?")) else text + "."


CONFIDENCE_WORDS = {1: "very weak", 2: "weak", 3: "moderate", 4: "strong", 5: "very strong"}


def confidence_words(grade: int | None) -> str:
    """Evidence grade 1-5 (5 strongest) in words."""
    return CONFIDENCE_WORDS.get(int(grade), "not graded") if grade is not None else "not graded"


def financial_year(base_year: int, offset: int) -> str:
    """Label of financial year ``offset`` after base_year: ``"2030-31"``."""
    y = base_year + offset
    return f"{y}-{(y + 1) % 100:02d}"
