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


# Money on chart axes: one unit per chart, named in the axis label (DESIGN §7a), so the
# tick numbers stay short and no automatic multiplier ("x0.001") can misstate them.
AXIS_UNITS = ((1e6, "£m"), (1e3, "£k"), (1.0, "£"))


def axis_unit(magnitude: float) -> tuple[float, str]:
    """(divisor, unit) for a money axis whose largest |value| is ``magnitude`` (£).

    ``(1e6, "£m")`` from £1m, ``(1e3, "£k")`` from £1,000, else ``(1.0, "£")``; plot
    value/divisor and name the unit in the axis label.
    """
    m = abs(magnitude) if magnitude is not None and math.isfinite(magnitude) else 0.0
    for divisor, unit in AXIS_UNITS:
        if m >= divisor:
            return divisor, unit
    return AXIS_UNITS[-1]


def tick(value: float, spacing: float) -> str:
    """One axis tick in the axis's own unit: the decimals the tick spacing needs,
    thousands separators and a real minus sign, never "−0"."""
    decimals = 0
    if spacing > 0 and math.isfinite(spacing):
        decimals = min(6, max(0, -math.floor(math.log10(spacing) + 1e-9)))
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0.0:
        return f"{0:.{decimals}f}"
    return (MINUS + text) if value < 0 else text


def money_exact(value: float | None) -> str:
    """£ to the penny for hover text: ``−£12,345.67``; "—" for None or NaN; never "−£0.00"."""
    if value is None or not math.isfinite(value):
        return DASH
    text = f"{abs(value):,.2f}"
    return f"{MINUS}£{text}" if value < 0 and text != "0.00" else f"£{text}"


def pounds_pence(value: float | None) -> str:
    """£ in pounds and pence for CSV (machine-readable: ASCII minus, no separators):
    ``1234.56``, ``-0.50``; empty for None or NaN; never ``-0.00``."""
    if value is None or not math.isfinite(value):
        return ""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text
