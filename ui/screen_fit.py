"""Windows that fit the screen they are on: never wider or taller than its available area.

A laptop at 1,366×768 (less its task bar) is the smallest screen cutsim is laid out for;
every window the app opens at a size of its own (the main window, the workshop's presenter
view) asks for its preferred size and is then held within the screen's available geometry,
frame included. ``tests/ui/test_laptop_screen.py`` runs the app on such a screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def available_geometry(window: QWidget) -> QRect | None:
    """The area ``window`` may take on its screen (less task bars and docks), in px;
    None when there is no screen at all."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fit_to_screen(window: QWidget, preferred: tuple[int, int] | None = None) -> None:
    """Size ``window`` to ``preferred`` (px; its present size when None), shrunk to the
    available area of its screen, frame included, then moved onto that area. A maximised
    or full-screen window is left alone (the window system fits it)."""
    if window.isMaximized() or window.isFullScreen():
        return
    area = available_geometry(window)
    width, height = preferred if preferred is not None else (window.width(), window.height())
    if area is not None:
        frame = window.frameGeometry().size() - window.geometry().size()
        width = min(width, area.width() - frame.width())
        height = min(height, area.height() - frame.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(max(1, width), max(1, height))
    if area is None:
        return
    box = window.frameGeometry()
    x = max(area.left(), min(box.x(), area.right() + 1 - box.width()))
    y = max(area.top(), min(box.y(), area.bottom() + 1 - box.height()))
    if (x, y) != (box.x(), box.y()):
        window.move(x, y)
