"""How money and years read for people: "£1.2m", "−£45k", "2026-27".

One formatter for the CLI, the app and the workshop screens, so a figure reads the
same everywhere. Signs follow DESIGN §3 (for savings a positive number is good for the
budget); a real minus sign (U+2212) keeps negative figures readable on a projector.
The resident-facing publication words ("£1.2 billion") live in ``cutsim.publish.fmt``.
"""

from __future__ import annotations

import math

MINUS = "\u2212"
DASH = "\u2014"  # shown for a missing figure


def money(value: float | None, *, signed: bool = False) -> str:
    """£ with k/m/bn suffix and three significant figures; "—" for None or NaN."""
    if value is None or not math.isfinite(value):
        return DASH
    sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
    v = abs(value)
    for scale, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if v >= scale:
            return f"{sign}£{_three(v / scale)}{suffix}"
    return f"{sign}£{v:,.0f}"


def _three(x: float) -> str:
    """Three significant figures without trailing noise: 1.23, 12.3, 123."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".")


def year_label(base_year: int, y: int) -> str:
    """Financial year y (0 = base_year) as ``"2026-27"``."""
    return f"{base_year + y}-{(base_year + y + 1) % 100:02d}"


def percent(value: float, *, signed: bool = True) -> str:
    """A percentage with a real minus sign: ``−20 %``, ``+5 %``."""
    sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}{abs(value):.0f} %"


def number(value: float | None, digits: int = 2) -> str:
    """A number with thousands separators and a real minus sign; "—" for None or NaN."""
    if value is None or not math.isfinite(value):
        return DASH
    text = f"{abs(value):,.{digits}f}"
    return (MINUS + text) if value < 0 else text
