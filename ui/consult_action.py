"""File → Build Consultation Page…: the current scenario as a page residents can try.

The core builds the page (:func:`cutsim.consult.page.write_page`, a few dozen engine runs,
well under a second on a place like the example), so it runs here with a wait cursor.
A scenario without a consultation block can offer every cut and invest lever from 0 to
twice its size, after asking. The residents' responses are summarised with
``cutsim consult summarise``; its ``median-package.cutsim`` opens in the app through
File → Import, as a scenario to compare.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow

from cutsim.model.errors import CutsimError
from ui import dialogs

if TYPE_CHECKING:
    from ui.document import DocumentController

log = logging.getLogger(__name__)


class ConsultController(QObject):
    """Writes the consultation page of the open document's current scenario."""

    built = Signal(object)  # the page's Path
    failed = Signal(str)

    def __init__(self, window: QMainWindow, document: DocumentController) -> None:
        super().__init__(window)
        self.window, self.document = window, document

    def build(self) -> bool:
        """Ask for a folder, then write the page; False if nothing was written."""
        folder = QFileDialog.getExistingDirectory(self.window, "Write the consultation page into folder")
        return self.build_into(Path(folder)) if folder else False

    def build_into(self, folder: Path, offer_all: bool | None = None) -> bool:
        """Write ``folder/index.html``; ``offer_all`` answers the question a scenario
        without a consultation block asks (None: ask the user)."""
        from cutsim.api import Project

        try:
            from cutsim.consult.offer import default_consultation
            from cutsim.consult.page import write_page
        except ModuleNotFoundError:
            return self._fail("This build of cutsim was made without the publication and "
                              "consultation pages.")
        problem = self._why_not()
        if problem:
            return self._fail(problem)
        file = self.document.file
        scenario_id = self.document.current_scenario_id
        assert scenario_id is not None  # _why_not refuses when no scenario is chosen
        scenario = file.scenario(scenario_id)
        if scenario.consultation is None:
            if offer_all is None:
                offer_all = dialogs.ask_yes_no(
                    self.window, "No consultation set up",
                    f'Scenario "{scenario.name}" does not say which levers residents may move.\n'
                    "Offer every cut and invest lever, from none to twice the proposed size?")
            if not offer_all:
                return False
            try:
                scenario = scenario.model_copy(update={"consultation": default_consultation(scenario)})
            except CutsimError as exc:
                return self._fail(str(exc))
            file = file.model_copy(update={"scenarios": [scenario if s.id == scenario.id else s
                                                         for s in file.scenarios]})
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            path = write_page(Project(file), scenario.id, folder)
        except CutsimError as exc:
            return self._fail(str(exc))
        except OSError as exc:
            return self._fail(f"{folder}: {exc.strerror or exc}")
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.window.statusBar().showMessage(f"Wrote the consultation page {path}", 8000)
        self.built.emit(path)
        dialogs.show_info(self.window, "Consultation page written",
                          f"Wrote {path}.\n\nOpen it in a browser to try it as residents will; "
                          "put the folder on any web host, or send the file. Summarise the "
                          "responses with: cutsim consult summarise RESPONSES… --model FILE "
                          f"--scenario {scenario.id} -o FOLDER")
        return True

    def _why_not(self) -> str:
        if self.document.current_scenario_id is None:
            return "Choose the scenario to consult on first."
        problems = self.document.problems()
        if problems:
            return ("The model has problems, so its figures cannot be offered to residents:\n"
                    + "\n".join(str(p) for p in problems[:10]))
        return ""

    def _fail(self, message: str) -> bool:
        log.info("consultation page not written: %s", message)
        self.failed.emit(message)
        dialogs.show_error(self.window, "Cannot build the consultation page", message)
        return False
