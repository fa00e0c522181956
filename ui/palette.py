"""Colour-blind-safe colours for charts and the influence diagram.

Okabe & Ito (2008), "Color Universal Design": eight colours that stay distinguishable
under the common colour-vision deficiencies and in greyscale on a washed-out projector.
Agencies get a stable colour from their position in the model; the place total is black,
so it reads as "the sum" in every chart.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor

OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#999999",  # grey
)
BLACK = "#000000"
PLACE_COLOUR = BLACK

# Series roles, used across charts so a colour means the same thing everywhere.
SCENARIO_COLOUR = "#0072B2"  # blue: the scenario
BASELINE_COLOUR = "#7f7f7f"  # grey: the baseline (dashed)
COMPARISON_COLOUR = "#D55E00"  # vermillion: the comparison scenario
SAVING_COLOUR = "#009E73"  # green: money saved (good for the budget)
COST_COLOUR = "#D55E00"  # vermillion: money spent (knock-on, one-off)
NET_COLOUR = BLACK

# Yellow is unreadable as a thin line on white: agency colours skip it and use it last.
_AGENCY_ORDER = (4, 0, 2, 5, 1, 6, 7, 3)

# Diagram node kinds.
OUTCOME_COLOUR = "#FFFFFF"


def agency_colours(agency_ids: Sequence[str]) -> dict[str, str]:
    """A stable hex colour per agency, by its position in the model; repeats after eight."""
    return {a: OKABE_ITO[_AGENCY_ORDER[i % len(_AGENCY_ORDER)]] for i, a in enumerate(agency_ids)}


def qcolor(hex_colour: str, alpha: int = 255) -> QColor:
    """A QColor from ``#rrggbb`` with an optional alpha (0-255)."""
    colour = QColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


def text_colour_on(hex_colour: str) -> str:
    """Black or white, whichever reads better on ``hex_colour`` (WCAG relative luminance)."""
    c = QColor(hex_colour)

    def channel(v: int) -> float:
        s = v / 255.0
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
    return BLACK if lum > 0.179 else "#FFFFFF"


def diverging(value: float, limit: float) -> QColor:
    """Heatmap colour for ``value`` on a blue (−) / white (0) / orange (+) scale.

    Blue–orange is a colour-blind-safe diverging pair; ``limit`` is the magnitude that
    maps to full saturation.
    """
    if limit <= 0:
        return QColor("#FFFFFF")
    x = max(-1.0, min(1.0, value / limit))
    end = QColor("#E69F00") if x >= 0 else QColor("#0072B2")
    f = abs(x)
    return QColor(
        round(255 + (end.red() - 255) * f),
        round(255 + (end.green() - 255) * f),
        round(255 + (end.blue() - 255) * f),
    )
