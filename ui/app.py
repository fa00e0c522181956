"""``cutsim-app [FILE]``: start the desktop app on a workspace, a ``.cutsim`` file or the example."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent

from cutsim import __version__
from cutsim.workspace.location import is_url
from ui import dialogs
from ui.errors import ErrorReporter
from ui.main_window import MainWindow
from ui.recovery import discard_recovery, find_recovery
from ui.settings import Settings, data_dir
from ui.startup import initial_source, make_application

log = logging.getLogger("cutsim.app")
LOG_NAME = "cutsim.log"


def configure_logging(folder: Path) -> Path:
    """Log to a rotating file in the app's data folder; its path."""
    path = folder / LOG_NAME
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def offer_recovery(window: MainWindow, folder: Path) -> bool:
    """After a crash: offer to restore the unsaved work found in the recovery folder."""
    found = find_recovery(folder, exclude=window.autosaver.folder)
    if found is None:
        return False
    where = found.original_path.name if found.original_path else "an untitled model"
    if dialogs.ask_yes_no(window, "Recover unsaved work",
                          f"cutsim did not close normally last time. Unsaved changes to {where} "
                          "were kept.\nRestore them?"):
        window.document.replace_file(found.file, found.original_path, dirty=True)
        # Now this instance's unsaved work: kept in its own recovery folder from here on.
        if window.autosaver.save_now() is not None:
            discard_recovery(found.folder)
        window.show_status(f"Restored unsaved changes to {where}: save to keep them")
        return True
    discard_recovery(found.folder)
    return False


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cutsim-app", description="cutsim desktop app")
    parser.add_argument("file", nargs="?",
                        help="a .cutsim file or a workspace to open (a path, or a "
                             "partnership workspace's postgresql:// address)")
    parser.add_argument("--version", action="version", version=f"cutsim {__version__}")
    parser.add_argument("--selftest", action="store_true",
                        help="check this installation (example, engine, charts) and exit 0 or 1")
    return parser.parse_known_args(argv[1:])[0]


class FileOpenHandler(QObject):
    """Opens files the desktop hands over as events (macOS Finder double-click, Dock drop).

    macOS never passes a double-clicked document on the command line; it sends a
    ``QFileOpenEvent`` to the application instead.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            path = event.file()
            if path:
                self.window.files.open_path(Path(path))
                return True
        return super().eventFilter(watched, event)


def main(argv: list[str] | None = None) -> int:
    """Run the app until its window closes; the exit code."""
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv)
    if args.selftest:
        from ui.selftest import run as run_selftest

        return run_selftest(argv)
    app = make_application(argv)
    folder = data_dir()
    reporter = ErrorReporter(str(configure_logging(folder)))
    reporter.install()
    log.info("cutsim %s starting", __version__)
    url = args.file if args.file and is_url(args.file) else None
    file, path, error, opened = initial_source(Path(args.file) if args.file and not url else None)
    recovery_folder = folder / "recovery"
    window = MainWindow(file, path, settings=Settings(), recovery_dir=recovery_folder,
                        defer_views=True, opened=opened)
    opener = FileOpenHandler(window)
    app.installEventFilter(opener)
    window.show()
    if error:
        dialogs.show_error(window, "Cannot open file", error)
    window.files.claim_current()  # a workspace another instance holds: say who
    if url is not None:
        window.files.server.open_url(url)  # a dialog says why not
    offer_recovery(window, recovery_folder)
    code = app.exec()
    log.info("cutsim exiting (%d)", code)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
