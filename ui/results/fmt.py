"""How money and years read on screen: "£1.2m", "−£45k", "2026-27".

Signs follow DESIGN §3: for savings a positive number is good for the budget. A minus
sign (U+2212) is used so negative figures stay readable on a projector.
"""

from __future__ import annotations

import math

MINUS = "\u2212"


def money(value: float | None, *, signed: bool = False) -> str:
    """£ with k/m/bn suffix and three significant figures; "—" for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2014"
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


def millions(value: float) -> float:
    """£ → £m (charts plot £m so axis numbers stay short)."""
    return value / 1e6


def year_label(base_year: int, y: int) -> str:
    """Financial year y (0 = base_year) as ``"2026-27"``."""
    return f"{base_year + y}-{(base_year + y + 1) % 100:02d}"


def percent(value: float, *, signed: bool = True) -> str:
    sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}{abs(value):.0f} %"


def number(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2014"
    text = f"{abs(value):,.{digits}f}"
    return (MINUS + text) if value < 0 else text
