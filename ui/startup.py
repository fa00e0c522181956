"""What every start of the app shares: the QApplication and the first document to show.

Used by :mod:`ui.app` (``cutsim-app``) and :mod:`ui.selftest` (``--selftest``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from cutsim import __version__
from cutsim.model.errors import CutsimError
from cutsim.model.schema import CutsimFile
from cutsim.workspace.sources import OpenedSource, open_source
from ui.examples import blank_file, example_path
from ui.settings import APPLICATION, ORGANISATION

log = logging.getLogger("cutsim.app")


def make_application(argv: list[str]) -> QApplication:
    """The QApplication, with names for QSettings and fractional high-DPI scaling."""
    # Qt 6 scales for high DPI by default; PassThrough keeps 125 %/150 % displays sharp
    # instead of rounding them to 100 %/200 %. It must be set before the app exists.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("cutsim")
    app.setApplicationVersion(__version__)
    return app


def initial_document(path: Path | None) -> tuple[CutsimFile, Path | None, str | None]:
    """The document to show first, where it lives, and an error to show about ``path``."""
    return initial_source(path)[:3]


def initial_source(path: Path | None
                   ) -> tuple[CutsimFile, Path | None, str | None, OpenedSource | None]:
    """As :func:`initial_document`, with the source ``path`` was opened from (None for the
    example or a blank model), for the window to take its signatures' verdict from."""
    error = None
    if path is not None:
        try:
            opened = open_source(path)
            return opened.file, path, None, opened
        except CutsimError as exc:
            error = str(exc)
    example = example_path()
    if example is not None:
        try:
            # The example opens as an untitled copy, so Save never overwrites the bundled file.
            return open_source(example).file, None, error, None
        except CutsimError as exc:
            log.error("the bundled example cannot be read: %s", exc)
    return blank_file(), None, error, None
