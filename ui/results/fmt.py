"""How money and years read on screen: the core's formatters (``cutsim.model.fmt``), plus £m.

The app shows figures exactly as the CLI and the workshop screens do.
"""

from __future__ import annotations

from cutsim.model.fmt import MINUS, money, number, percent, year_label

__all__ = ["MINUS", "money", "number", "percent", "year_label", "millions"]


def millions(value: float) -> float:
    """£ → £m (charts plot £m so axis numbers stay short)."""
    return value / 1e6
