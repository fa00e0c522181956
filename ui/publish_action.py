"""File → Publish: the residents' page, the cabinet report and open data, from the app.

The core does the work (``cutsim.publish.publish_file``: engine run with Monte Carlo,
HTML, PDF, open data); here it runs on a worker thread so the window stays responsive,
with the status bar saying what is happening and a dialog at the end.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow

from cutsim.model.errors import CutsimError, InputError
from ui import dialogs

if TYPE_CHECKING:
    from cutsim.model.schema import CutsimFile
    from ui.document import DocumentController

log = logging.getLogger(__name__)


class _PublishWorker(QObject):
    finished = Signal(object)  # list[Path] written
    failed = Signal(str)

    def __init__(self, cutsim_file: CutsimFile, scenario_id: str, folder: Path) -> None:
        super().__init__()
        self.cutsim_file, self.scenario_id, self.folder = cutsim_file, scenario_id, folder

    def run(self) -> None:
        from cutsim.publish import (
            publish_file,  # heavy (matplotlib, WeasyPrint): load on use
        )

        try:
            publication = publish_file(self.cutsim_file, self.scenario_id, self.folder)
        except CutsimError as exc:
            self.failed.emit(str(exc))
            return
        except OSError as exc:
            self.failed.emit(f"{self.folder}: {exc.strerror or exc}")
            return
        self.finished.emit(list(publication.files))


class PublishController(QObject):
    """Publishes the current scenario of the open document into a folder the user picks."""

    published = Signal(object)  # list[Path]
    failed = Signal(str)

    def __init__(self, window: QMainWindow, document: DocumentController) -> None:
        super().__init__(window)
        self.window, self.document = window, document
        self._thread: QThread | None = None
        self._worker: _PublishWorker | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def publish(self) -> bool:
        """Ask for a folder, then publish in the background; False if nothing was started."""
        folder = QFileDialog.getExistingDirectory(self.window, "Publish into folder")
        return self.publish_to(Path(folder)) if folder else False

    def publish_to(self, folder: Path) -> bool:
        problem = self._why_not()
        if problem:
            dialogs.show_error(self.window, "Cannot publish", problem)
            return False
        scenario_id = self.document.current_scenario_id
        assert scenario_id is not None  # _why_not refuses when no scenario is chosen
        self._thread = QThread(self)
        self._worker = _PublishWorker(self.document.file, scenario_id, folder)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._done)
        self._worker.failed.connect(self._failed)
        self.window.statusBar().showMessage(f"Publishing scenario {scenario_id} to {folder}…")
        self._thread.start()
        return True

    def _why_not(self) -> str:
        if self.busy:
            return "A publication is already being written; wait for it to finish."
        if self.document.current_scenario_id is None:
            return "Choose a scenario to publish first."
        problems = self.document.problems()
        if problems:
            return ("The model has problems, so its figures cannot be published:\n"
                    + "\n".join(str(p) for p in problems[:10]))
        return ""

    def _finish_thread(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
        if self._worker is not None:
            self._worker.deleteLater()
        self._thread = self._worker = None

    def _done(self, files: list[Path]) -> None:
        self._finish_thread()
        folder = files[0].parent if files else Path(".")
        self.window.statusBar().showMessage(f"Published {len(files)} files to {folder}", 8000)
        self.published.emit(files)
        dialogs.show_info(self.window, "Published",
                          f"Wrote {len(files)} files to {folder}:\n"
                          + "\n".join(p.name for p in files)
                          + "\n\nOpen index.html in a browser to read it as residents will.")

    def _failed(self, message: str) -> None:
        self._finish_thread()
        log.info("publication failed: %s", message)
        self.failed.emit(message)
        dialogs.show_error(self.window, "Cannot publish", str(InputError(message)))

    def shutdown(self) -> None:
        """Wait for a running publication (called when the window closes)."""
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
