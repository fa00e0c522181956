"""Colours and type for the projector: dark text on white, every pair at least WCAG AA.

Projectors wash out colour and dark backgrounds in a lit room, so the audience view is
black on white with a few saturated colours, each checked against white (contrast ratio
in brackets, AA needs 4.5 for text and 3 for shapes).
"""

from __future__ import annotations

from PySide6.QtGui import QColor

BACKGROUND = "#FFFFFF"
TEXT = "#111111"  # (18.9)
MUTED = "#3A3A3A"  # secondary text (11.4)
COUNCIL = "#0072B2"  # Okabe-Ito blue: the council's own figure (5.1)
PLACE = "#111111"  # the whole place: black, as in every chart of the app
TARGET = "#B34700"  # dark vermillion: the target line and its label (5.2)
BREACH = "#B00020"  # red line crossed (6.9)
OK = "#006B3C"  # within the red line / target met (6.7)
HIGHLIGHT = "#FFF3C4"  # the package being shown, behind dark text (17.0 with TEXT)
RULE = "#6E6E6E"  # lines and borders (5.1)


def contrast(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2 contrast ratio of two colours (1-21)."""

    def luminance(hex_colour: str) -> float:
        c = QColor(hex_colour)

        def channel(v: int) -> float:
            s = v / 255.0
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())

    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def short_name(name: str) -> str:
    """An agency's name without its bracketed detail: ``NHS in Seaport``."""
    return name.split(" (")[0].strip() or name
