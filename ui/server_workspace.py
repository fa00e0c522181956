"""A partnership's workspace on a PostgreSQL server, opened by its URL.

File ▸ Open Partnership Workspace… asks for a libpq URI (``postgresql://role:password@
host:5432/database``, as ``cutsim partnership setup`` printed it) and opens the model
through the core's one way in (``sources.open_source``), as a workspace file would be.
Save then writes it back to the server with the version it was read at, so a partner's
save made meanwhile is refused with the change named, never overwritten. While the
model is open the app listens for partners' saves (``cutsim.workspace.live``) and
offers to reload when one lands. The window's title shows the database's name; the
URL's password is never shown.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMainWindow, QMessageBox

from cutsim.model.errors import CutsimError, InputError
from cutsim.workspace.location import Location, parse_location
from cutsim.workspace.sources import OpenedSource, open_source
from ui import dialogs

if TYPE_CHECKING:  # the listener loads with the server driver, on first use
    from cutsim.workspace.live import ChangeListener

log = logging.getLogger(__name__)


class ServerWorkspace(QObject):
    """The server workspace a window has open, if any, and what it hears of partners."""

    #: A model of the open server workspace was written (its key), by anyone.
    modelWritten = Signal(int)
    #: The app now offers to reload (the question shown), for the window and the tests.
    reloadOffered = Signal(str)

    def __init__(self, window: QMainWindow, files) -> None:
        super().__init__(window)
        self.window, self.files, self.document = window, files, files.document
        self.location: Location | None = None
        self.offer: QMessageBox | None = None
        self._listener: ChangeListener | None = None
        self._replacing = False
        self.modelWritten.connect(self._on_model_written, Qt.ConnectionType.QueuedConnection)
        self.document.fileReplaced.connect(self._on_file_replaced)
        self.document.pathChanged.connect(self._on_path_changed)

    # --- open ----------------------------------------------------------------------

    def ask_and_open(self) -> bool:
        """Ask for a workspace's URL and open it."""
        url, ok = QInputDialog.getText(
            self.window, "Open Partnership Workspace",
            "The workspace's address (postgresql://role:password@host:5432/database):",
            QLineEdit.EchoMode.Password)
        return self.open_url(url.strip()) if ok and url.strip() else False

    def open_url(self, url: str) -> bool:
        """Open the first model of the server workspace at ``url``; False after a dialog
        saying why not (nothing changed)."""
        if not self.files.confirm_discard():
            return False
        try:
            location = parse_location(url)
            if not location.is_server:
                raise InputError(f"{location}: not a partnership workspace's address; open a "
                                 "file with File ▸ Open")
            opened = open_source(location)
        except CutsimError as exc:
            log.info("refused a server workspace: %s", exc)
            dialogs.show_error(self.window, "Cannot open the partnership workspace", str(exc))
            return False
        self.files.release_lock()
        self._take(opened)
        self.location = location
        self._listen()
        self.document.pathChanged.emit()  # the title shows the database
        self.window.statusBar().showMessage(f"Opened {location.name} on the server", 5000)
        return True

    def _take(self, opened: OpenedSource) -> None:
        """Show a model read from the server (``open_source``'s answer) as the document,
        with the key and version a save is checked against."""
        self._replacing = True  # not a file replaced by the user: the location stays
        try:
            self.document.replace_file(opened.file, None)
        finally:
            self._replacing = False
        self.files.model_key, self.files.workspace_version = opened.model_key, opened.version

    @property
    def title(self) -> str | None:
        """What the title bar calls the open server workspace, or None."""
        return f"{self.location.name} (partnership)" if self.location is not None else None

    # --- save ----------------------------------------------------------------------

    def save(self) -> bool:
        """Write the document back to the server, refused if a partner saved since it was
        read (the change is named); False after a dialog."""
        from cutsim.workspace import open_workspace

        assert self.location is not None
        try:
            with open_workspace(self.location) as workspace:
                version = workspace.save(self.document.file, self.files.model_key,
                                         expected_version=self.files.workspace_version)
        except CutsimError as exc:
            dialogs.show_error(self.window, f"Cannot save {self.location.name}", str(exc))
            return False
        self.files.workspace_version = version
        self.document.undo_stack.setClean()
        self.window.statusBar().showMessage(f"Saved {self.location.name} on the server", 5000)
        return True

    # --- partners' saves -------------------------------------------------------------

    def _listen(self) -> None:
        from cutsim.workspace.live import ChangeListener

        self.stop()
        assert self.location is not None
        listener = ChangeListener(self.location, self.modelWritten.emit)
        if listener.start():
            self._listener = listener
        else:
            log.warning("could not listen for partners' saves on %s", self.location)
            listener.stop()

    def stop(self) -> None:
        """Stop listening (another document, or the window closes)."""
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    @Slot()
    def _on_file_replaced(self) -> None:
        if not self._replacing and self.location is not None:
            self.location = None  # another document replaced the server's model
            self.stop()

    @Slot()
    def _on_path_changed(self) -> None:
        if self.document.path is not None and self.location is not None:
            self.location = None  # saved as a file or a local workspace (Save As)
            self.stop()

    @Slot(int)
    def _on_model_written(self, key: int) -> None:
        if self.location is None or key != self.files.model_key:
            return
        from cutsim.workspace import open_workspace

        try:
            with open_workspace(self.location) as workspace:
                version = workspace.model_version(key)
        except CutsimError as exc:
            log.warning("cannot read the version of %s: %s", self.location, exc)
            return
        if version == self.files.workspace_version:
            return  # this window's own save
        question = (f"A partner saved {self.location.name} on the server. Reload it?"
                    + (" Your unsaved changes would be lost; saving them instead is refused "
                       "until you reload." if self.document.is_dirty else ""))
        if self.offer is not None:
            self.offer.close()
        box = QMessageBox(QMessageBox.Icon.Question, "A partner saved", question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.finished.connect(lambda result: self._answered(box, result))
        self.offer = box
        box.open()
        self.reloadOffered.emit(question)

    def _answered(self, box: QMessageBox, result: int) -> None:
        if self.offer is box:
            self.offer = None
        if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
            self.reload()

    def reload(self) -> bool:
        """Read the model again from the server (its unsaved changes dropped)."""
        if self.location is None:
            return False
        location = self.location
        try:
            opened = open_source(location, self.files.model_key)
        except CutsimError as exc:
            dialogs.show_error(self.window, f"Cannot reload {location.name}", str(exc))
            return False
        self._take(opened)
        self.document.pathChanged.emit()
        self.window.statusBar().showMessage(f"Reloaded {location.name} from the server", 5000)
        return True
