"""Unexpected errors: logged in full, shown to the user once, in words, never as a traceback."""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from PySide6.QtWidgets import QApplication

from cutsim.model.errors import CutsimError
from ui import dialogs

log = logging.getLogger("cutsim.app")


class ErrorReporter:
    """An excepthook: logs every unexpected error and shows a friendly dialog the first time.

    Showing only the first keeps a fault in a paint or timer handler (which would repeat
    many times a second) from burying the user in dialogs; the log has every one.
    """

    def __init__(self, log_path: str = "") -> None:
        self.log_path = log_path
        self.shown = False
        self.count = 0
        self._previous = sys.excepthook

    def install(self) -> None:
        sys.excepthook = self
        threading.excepthook = self._thread_hook

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not None and args.exc_value is not None:
            log.error("unexpected error in thread %s", args.thread, exc_info=(args.exc_type, args.exc_value,
                                                                             args.exc_traceback))

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        self.count += 1
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        if self.shown or QApplication.instance() is None:
            return
        self.shown = True
        dialogs.show_error(None, "cutsim: something went wrong", self.message(exc))

    def message(self, exc: BaseException) -> str:
        if isinstance(exc, CutsimError):
            return str(exc)
        where = f"\n\nThe details are in the log file:\n{self.log_path}" if self.log_path else ""
        return ("cutsim hit an unexpected problem and could not finish what it was doing. "
                "Your model is unchanged by it; save your work under a new name to be safe. "
                f"({type(exc).__name__}){where}\n\nFurther problems this session are only logged.")
