"""Workshop mode: the presenter view on the laptop, the audience view on the projector.

With a second screen the audience view goes full screen on it and the presenter view
stays on the laptop; with one screen both are ordinary windows (the presenter view also
shows a small copy of the audience view). Keys, in either window, for a presentation
clicker and the keyboard:

- Page Down, →, ↓, Space: next package; Page Up, ←, ↑: previous package (wrapping);
- 1-9: that package; Esc: leave workshop mode (F5 enters it from the main window).

Arrows, digits and Space go to a text or number field when one has the focus (so typing
a size still works); Page Up/Down always switch packages, because that is what a clicker
sends and a size must never change by a stray click.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from cutsim.model.errors import CutsimError
from ui import dialogs
from ui.screen_fit import fit_to_screen
from ui.workshop.audience import AudienceView
from ui.workshop.controller import WorkshopController
from ui.workshop.presenter import PresenterView

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)
Key = Qt.Key

NEXT_KEYS = {Key.Key_PageDown, Key.Key_Right, Key.Key_Down, Key.Key_Space}
PREVIOUS_KEYS = {Key.Key_PageUp, Key.Key_Left, Key.Key_Up}
CLICKER_KEYS = {Key.Key_PageDown, Key.Key_PageUp}
PRESENTER_SIZE = (1400, 900)  # px, on a screen with room for it
DIGITS = {getattr(Key, f"Key_{n}"): n for n in range(1, 10)}


def choose_screens(screens: Sequence[Any], primary: Any) -> tuple[Any, Any | None]:
    """(presenter screen, audience screen or None): the audience takes the first screen
    that is not the primary one, when there is one."""
    others = [s for s in screens if s is not primary]
    return primary, (others[0] if others else None)


def _typing_into(widget: QWidget | None) -> bool:
    """True if keys go to a field the user types into."""
    while widget is not None:
        if isinstance(widget, (QLineEdit, QAbstractSpinBox)) or (
                isinstance(widget, QComboBox) and widget.isEditable()):
            return True
        if isinstance(widget, QComboBox):
            return True  # arrows choose an item in a drop-down
        widget = widget.parentWidget()
    return False


class WorkshopMode(QObject):
    """The two workshop windows over one controller; ``finished`` when it is left."""

    finished = Signal()

    def __init__(self, controller: WorkshopController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.presenter = PresenterView(controller)
        self.audience = AudienceView(controller)
        self.presenter.leaveRequested.connect(self.leave)
        self.audience_screen: QScreen | None = None
        self._active = False

    @property
    def windows(self) -> tuple[QWidget, QWidget]:
        return self.presenter, self.audience

    def show(self) -> None:
        """Place and show both windows, and start listening for the meeting's keys."""
        app = QGuiApplication.instance()
        primary, second = choose_screens(QGuiApplication.screens(), QGuiApplication.primaryScreen())
        self.audience_screen = second
        if second is not None:
            self.audience.setScreen(second)
            self.audience.setGeometry(second.geometry())
            self.audience.showFullScreen()
            self.presenter.setScreen(primary)
            self.presenter.showMaximized()
        else:
            self.audience.resize(1280, 720)
            fit_to_screen(self.audience)
            self.audience.show()
            fit_to_screen(self.presenter, PRESENTER_SIZE)  # never wider than the screen
            self.presenter.show()
            fit_to_screen(self.presenter)  # again, now that its frame is known
        self.presenter.activateWindow()
        if app is not None:
            app.installEventFilter(self)
        self._active = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        if watched.window() not in self.windows:
            return False
        return self.handle_key(event, watched)  # type: ignore[arg-type]

    def handle_key(self, event: QKeyEvent, target: QWidget | None = None) -> bool:
        """Act on one key press; True if it was the workshop's."""
        key = Qt.Key(event.key())
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                                | Qt.KeyboardModifier.MetaModifier):
            return False
        if key == Key.Key_Escape:
            self.leave()
            return True
        typing = _typing_into(target)
        if typing and key not in CLICKER_KEYS:
            return False
        if key in NEXT_KEYS:
            self.controller.step(1)
            return True
        if key in PREVIOUS_KEYS:
            self.controller.step(-1)
            return True
        if key in DIGITS and DIGITS[key] <= len(self.controller.session.packages):
            self.controller.select(DIGITS[key] - 1)
            return True
        return False

    def leave(self) -> None:
        """Close both windows (the log is already written; a log in memory is offered
        for saving first)."""
        if not self._active:
            return
        self._active = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.controller.flush()
        self._offer_to_keep_log()
        self.controller.discard_empty_log()
        for view in self.windows:
            if shiboken6.isValid(view):  # a window may already be gone with its parent
                view.close()
        self.finished.emit()

    def _offer_to_keep_log(self) -> None:
        c = self.controller
        if not c.log_in_memory or not c.entries():
            return
        if dialogs.ask_yes_no(self.presenter, "Keep the decision log",
                              "The decision log of this meeting is only in memory.\n"
                              "Keep it in a workspace file?"):
            self.presenter._save_log()


def enter_workshop(window: MainWindow) -> WorkshopMode | None:
    """Start workshop mode on the main window's document (None, with a dialog, if it
    cannot start: no scenarios to use as packages)."""
    existing = getattr(window, "_workshop", None)
    if existing is not None and existing._active:
        existing.presenter.raise_()
        existing.presenter.activateWindow()
        return existing
    try:
        controller = WorkshopController(window.document, getattr(window, "run_controller", None),
                                        parent=window)
    except CutsimError as exc:
        dialogs.show_error(window, "Cannot start the workshop", str(exc))
        return None
    mode = WorkshopMode(controller, window)
    window._workshop = mode
    mode.finished.connect(lambda: _finished(window, mode))
    mode.show()
    return mode


def _finished(window: MainWindow, mode: WorkshopMode) -> None:
    if getattr(window, "_workshop", None) is mode:
        window._workshop = None
    for view in mode.windows:
        if shiboken6.isValid(view):
            view.deleteLater()
    mode.deleteLater()
    mode.controller.deleteLater()
