"""New, Open, Save, Save As, recent files, import/export and the unsaved-changes prompt.

Opening always goes through the core's one way in (``sources.open_source``), which reads
the file once, validates the whole of it and says what its signatures prove; a bad file
gets a dialog with the core's message and the current document stays as it was (a model
workbook, .xlsx, opens the same way and is written through ``cutsim.files.workbook``).
A ``.cutsim`` file is saved with ``exchange.write_file`` (atomic); a workspace with
``Workspace.save`` (one transaction). A workspace only stores valid models, so saving an
invalid model there is refused with the validator's messages (nothing is half-written).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow

from cutsim.files import exchange
from cutsim.files.xlsx_safety import is_workbook_path
from cutsim.model.commands import ReplaceContents
from cutsim.model.errors import CutsimError, InputError
from cutsim.model.schema import CutsimFile
from cutsim.workspace.detect import is_workspace
from cutsim.workspace.importer import ClashError, plan_import
from cutsim.workspace.lock import WorkspaceInUse, WorkspaceLock
from cutsim.workspace.sources import (
    WORKSPACE,
    OpenedSource,
    open_source,
    workspace_models,
)
from ui import dialogs, import_dialog
from ui.document import DocumentController
from ui.examples import blank_file
from ui.server_workspace import ServerWorkspace
from ui.settings import Settings

if TYPE_CHECKING:  # signing and workbooks load on first use: start-up stays light
    from cutsim.files import signing

log = logging.getLogger(__name__)

CUTSIM_FILTER = "cutsim exchange files (*.cutsim)"
WORKSPACE_FILTER = "cutsim workspaces (*.cutsimdb *.sqlite *.db)"
WORKBOOK_FILTER = "model workbooks (*.xlsx)"
OPEN_FILTER = (f"cutsim files (*.cutsim *.cutsimdb *.sqlite *.db *.xlsx);;{CUTSIM_FILTER};;"
               f"{WORKSPACE_FILTER};;{WORKBOOK_FILTER}")
SAVE_FILTER = f"{CUTSIM_FILTER};;{WORKSPACE_FILTER};;{WORKBOOK_FILTER}"
IMPORT_FILTER = f"cutsim files and model workbooks (*.cutsim *.xlsx);;{CUTSIM_FILTER};;{WORKBOOK_FILTER}"


def dropped_paths(mime: QMimeData) -> list[Path]:
    """Local files in a drag that cutsim can open (.cutsim files, workspaces, workbooks)."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in {".cutsim", ".cutsimdb", ".sqlite", ".db", ".xlsx"}]


class FileController(QObject):
    """File actions for one window and its document.

    ``verification`` is what the signatures of the open ``.cutsim`` file prove
    (:mod:`cutsim.files.signing`), shown in the title bar; None for a new document, a
    workspace or after an import (the document is then a mix of files). ``opened``: the
    source the document was read from, if it was (its signatures are then not read again).
    """

    recentFilesChanged = Signal()
    verificationChanged = Signal()

    def __init__(self, window: QMainWindow, document: DocumentController, settings: Settings,
                 opened: OpenedSource | None = None) -> None:
        super().__init__(window)
        self.window, self.document, self.settings = window, document, settings
        self.verification: signing.Verification | None = None
        self._last_read: signing.Verification | None = None
        self.lock: WorkspaceLock | None = None  # the workspace this window holds, if any
        document.fileReplaced.connect(self._drop_lock_if_elsewhere)
        self.model_key: int | None = None  # which model of a workspace the document is
        # The workspace model's version when it was read or last saved here: a save checks
        # it, so that a change made meanwhile (a command-line import) is never overwritten.
        self.workspace_version: int | None = None
        if opened is not None and document.path is not None and opened.path == document.path:
            self._adopt(opened)
        else:
            self._reverify()
        # A partnership's workspace on a server, opened by its URL (ui/server_workspace.py).
        self.server = ServerWorkspace(window, self)

    def _adopt(self, opened: OpenedSource) -> None:
        """Take the workspace model, its version and the signature verdict from the source
        the document was just read from."""
        self.model_key, self.workspace_version = opened.model_key, opened.version
        verification = None
        if opened.path.suffix.lower() == ".cutsim":
            try:
                verification = opened.verification
            except CutsimError as exc:  # the keyring cannot be read: no verdict to show
                log.info("cannot check the signatures of %s: %s", opened.path, exc)
        self._set_verification(verification)

    def _set_verification(self, verification: signing.Verification | None) -> None:
        self.verification = verification
        self.verificationChanged.emit()

    def _reverify(self) -> None:
        """Check the signatures of the document's own .cutsim file again (after saving it:
        edits leave earlier signatures behind; or a document given without its source)."""
        path = self.document.path
        if path is None or path.suffix.lower() != ".cutsim":
            self._set_verification(None)
            return
        try:
            self._set_verification(open_source(path, allow_workspace=False).verification)
        except CutsimError as exc:
            log.info("cannot check the signatures of %s: %s", path, exc)
            self._set_verification(None)

    def signature_text(self) -> str:
        """What the title bar says about signatures: '' when there is nothing to say."""
        if self.verification is None:
            return ""
        if self.verification.trusted:
            return self.verification.summary()
        return "unsigned" if not self.verification.signed else "not verified"

    # --- the workspace lock (one app per workspace) ------------------------------------

    def _take(self, path: Path) -> WorkspaceLock | None:
        """A held lock on the workspace at ``path`` (this window's own if it holds it);
        None after telling the user who else holds it."""
        if self.lock is not None and self.lock.workspace == path:
            return self.lock
        lock = WorkspaceLock(path)
        try:
            lock.acquire()
        except WorkspaceInUse as exc:
            log.info("workspace %s in use: %s", path, exc.holder)
            self._error("Workspace in use", exc)
            return None
        except OSError as exc:  # a read-only folder: no lock file can be made
            log.warning("cannot lock %s: %s", path, exc)
        return lock

    def _keep(self, lock: WorkspaceLock | None) -> None:
        """Make ``lock`` the one this window holds, giving up any other."""
        if lock is not self.lock:
            self.release_lock()
            self.lock = lock

    def _hold(self, path: Path) -> bool:
        lock = self._take(path)
        if lock is None:
            return False
        self._keep(lock)
        return True

    def release_lock(self) -> None:
        """Give up the workspace this window holds (on close, or another document)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _drop_lock_if_elsewhere(self) -> None:
        if self.lock is not None and self.document.path != self.lock.workspace:
            self.release_lock()

    def claim_current(self) -> bool:
        """At start-up: hold the workspace the window opened with; if another instance
        holds it, say who and start with an empty model instead."""
        path = self.document.path
        if path is None or not is_workspace(path) or self._hold(path):
            return True
        self.document.replace_file(blank_file(), None)
        return False

    # --- helpers -------------------------------------------------------------------

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 5000)

    def _error(self, title: str, error: BaseException) -> None:
        problems = getattr(error, "problems", None) or []
        details = "\n".join(problems) if len(problems) > 1 else ""
        dialogs.show_error(self.window, title, str(error), details)

    def _start_folder(self) -> str:
        if self.document.path is not None:
            return str(self.document.path.parent)
        return self.settings.last_folder()

    def _remember(self, path: Path) -> None:
        self.settings.add_recent_file(path)
        self.settings.set_last_folder(path.parent)
        self.recentFilesChanged.emit()

    def display_name(self) -> str:
        if self.document.path:
            return self.document.path.name
        return self.server.title or "Untitled"

    # --- the unsaved-changes prompt ------------------------------------------------

    def confirm_discard(self) -> bool:
        """True if the current document may be closed (saved, discarded, or not dirty)."""
        if not self.document.is_dirty:
            return True
        choice = dialogs.ask_save_changes(self.window, self.display_name())
        if choice is dialogs.Choice.SAVE:
            return self.save()
        return choice is dialogs.Choice.DISCARD

    # --- new and open --------------------------------------------------------------

    def new(self) -> bool:
        """Start an empty place model (after the unsaved-changes prompt)."""
        if not self.confirm_discard():
            return False
        self.document.replace_file(blank_file(), None)
        self.model_key = self.workspace_version = None
        self._status("New place model")
        return True

    def open(self) -> bool:
        """Ask for a file and open it."""
        if not self.confirm_discard():
            return False
        name, _ = QFileDialog.getOpenFileName(self.window, "Open", self._start_folder(), OPEN_FILTER)
        return self.open_path(Path(name), confirmed=True) if name else False

    def open_path(self, path: Path, *, confirmed: bool = False, recent: bool = False) -> bool:
        """Open a ``.cutsim`` file or a workspace; on a bad file, a dialog and no change.

        A workspace holding several models asks which one (``choose_model``), unless
        ``recent`` (Open Recent), which reopens the model last opened from it.
        """
        if not confirmed and not self.confirm_discard():
            return False
        lock = self._take(path) if is_workspace(path) else None
        if is_workspace(path) and lock is None:
            return False
        key = self.pick_model(path, recent)
        opened = None if key is False else self._open(path, model_key=key)
        if opened is None:
            if lock is not None and lock is not self.lock:  # not opened after all
                lock.release()
            return False
        self._keep(lock)
        self.document.replace_file(opened.file, path)
        self._adopt(opened)
        if self.model_key is not None:
            self.settings.set_workspace_model(path, self.model_key)
        self._remember(path)
        self._status(f"Opened {path.name}")
        return True

    def pick_model(self, path: Path, recent: bool = False) -> int | None | bool:
        """The model key to open from ``path``: None for a file or a one-model workspace,
        False if the person cancelled the picker."""
        if path.suffix.lower() == ".cutsim":
            return None
        try:
            keys = workspace_models(path)  # none for a file
        except CutsimError:
            return None  # read() says what is wrong with it
        if len(keys) <= 1:
            return keys[0][0] if keys else None
        remembered = self.settings.workspace_model(path)
        if recent and remembered in {k for k, _ in keys}:
            return remembered
        chosen = self.choose_model(path, keys, remembered)
        return False if chosen is None else chosen

    def choose_model(self, path: Path, keys: list[tuple[int, str]],
                     remembered: int | None = None) -> int | None:
        """Ask which model of a several-model workspace to open; None if cancelled."""
        from PySide6.QtWidgets import QInputDialog

        labels = [f"{name} (model {key})" for key, name in keys]
        current = next((i for i, (k, _n) in enumerate(keys) if k == remembered), 0)
        label, ok = QInputDialog.getItem(self.window, f"Open {path.name}",
                                         "This workspace holds several models. Open:",
                                         labels, current, False)
        return keys[labels.index(label)][0] if ok and label in labels else None

    def read(self, path: Path, importing: bool = False,
             model_key: int | None = None) -> CutsimFile | None:
        """The validated document in ``path``, or None after telling the user why not."""
        opened = self._open(path, importing, model_key)
        return None if opened is None else opened.file

    def _open(self, path: Path, importing: bool = False,
              model_key: int | None = None) -> OpenedSource | None:
        """``path`` opened by the core, or None after telling the user why not.

        A ``.cutsim`` file's signatures are checked against the policy before it is used
        (:meth:`_accept_signatures`)."""
        self._last_read = None
        named_cutsim = path.suffix.lower() == ".cutsim"
        try:
            # A file named .cutsim is read as a file whatever its first bytes: it is saved as one.
            opened = open_source(path, model_key, allow_workspace=not named_cutsim)
            if opened.kind != WORKSPACE:
                # Any file (a .cutsim file, JSON under another name, a workbook): the
                # signature policy, applied where every command applies it.
                self._check_policy(opened)
            if named_cutsim:
                verification = opened.verification
                assert verification is not None  # a file always has a verdict
                if not self._accept_signatures(path, verification, importing):
                    return None
                self._last_read = verification
        except CutsimError as exc:
            log.info("refused %s: %s", path, exc)
            self._error(f"Cannot open {path.name}", exc)
            return None
        if opened.ignored:
            dialogs.show_info(self.window, f"Opened {path.name}",
                              "This file was written by a newer cutsim. These fields were ignored:\n"
                              + "\n".join(opened.ignored[:20]))
        return opened

    def _check_policy(self, opened: OpenedSource) -> None:
        """Refuse (InputError) a file the signature policy refuses, for the workspace the
        document is saved in (by its identity), else the default policy."""
        from cutsim.workspace.admission import check_source

        workspace = self.document.path if self.document.path and \
            self.document.path.suffix.lower() != ".cutsim" else None
        check_source(opened, into=workspace)

    def _accept_signatures(self, path: Path, verification: signing.Verification,
                           importing: bool) -> bool:
        """After the policy (:meth:`_check_policy`): warn and ask under "flag" for a file
        that no trusted signature holds for. True when the file may be used.

        Under "flag", an unsigned file being *opened* (often one's own working file) is
        not asked about (the title bar says "unsigned"); one being imported, and any file
        whose signatures or integrity hash do not hold, is."""
        if verification.trusted or (not importing and not verification.signed
                                    and verification.has_sha256):
            return True
        question = ("\n".join(verification.lines())
                    + "\n\nNothing shows that this file comes from whom it claims, unchanged. "
                      "Use it anyway?")
        if dialogs.ask_yes_no(self.window, f"{path.name} is not verified", question):
            return True
        self._status(f"{path.name} was not used: it is not verified")
        return False

    # --- save ----------------------------------------------------------------------

    def save(self) -> bool:
        """Save to the current path (Save As if there is none), or back to the server
        workspace the document was opened from."""
        if self.document.path is None and self.server.location is not None:
            return self.server.save()
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        name, chosen = QFileDialog.getSaveFileName(self.window, "Save As", self._suggested_name(), SAVE_FILTER)
        if not name:
            return False
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix({WORKSPACE_FILTER: ".cutsimdb", WORKBOOK_FILTER: ".xlsx"}
                                    .get(chosen, ".cutsim"))
        return self.save_to(path)

    def _suggested_name(self) -> str:
        if self.document.path is not None:
            return str(self.document.path)
        slug = "".join(c if c.isalnum() else "-" for c in self.document.file.model.place.name.lower())
        return str(Path(self._start_folder() or ".") / f"{slug.strip('-') or 'place'}.cutsim")

    def save_to(self, path: Path) -> bool:
        """Write the document to ``path`` (.cutsim file or workspace); False after a dialog."""
        try:
            if path.suffix.lower() == ".cutsim":
                exchange.write_file(path, self.document.file)
            elif is_workbook_path(path):
                from cutsim.files.workbook import write_workbook  # loads XlsxWriter

                write_workbook(path, self.document.file)
            else:
                if not self._hold(path):
                    return False
                same = self.document.path is not None and path.resolve() == self.document.path.resolve()
                self.workspace_version = self._save_workspace(
                    path, self.document.file, self.model_key if same else None,
                    self.workspace_version if same else None)
        except CutsimError as exc:
            self._error(f"Cannot save {path.name}", exc)
            return False
        except OSError as exc:
            self._error(f"Cannot save {path.name}", InputError(f"{path}: {exc.strerror or exc}"))
            return False
        self.document.mark_saved(path)
        self._reverify()
        self._remember(path)
        self._status(f"Saved {path.name}")
        return True

    def _save_workspace(self, path: Path, file: CutsimFile, model_key: int | None = None,
                        expected_version: int | None = None) -> int:
        """Save into the model opened from ``path`` (the first one for another workspace);
        the model's new version. ``expected_version``: the version it was read at, so that
        a change made by someone else since is refused (WorkspaceChanged), not overwritten."""
        from cutsim.workspace import (
            Workspace,  # database code only when a workspace is used
        )

        if path.exists():
            with Workspace.open(path) as workspace, workspace.write_transaction():
                if workspace.model_keys():
                    return workspace.save(file, model_key, expected_version=expected_version)
                self.model_key = workspace.add_model(file)
                return workspace.model_version(self.model_key)
        with Workspace.create(path, file) as workspace:
            return workspace.model_version()

    # --- import and export ---------------------------------------------------------

    def import_file(self) -> bool:
        """Merge a received ``.cutsim`` file into the open model, as one undoable step.

        New items are added; an id that clashes (same id, different content) is resolved
        by the user's explicit choice (keep, replace, rename), never silently overwritten.
        """
        name, _ = QFileDialog.getOpenFileName(self.window, "Import .cutsim file or workbook",
                                              self._start_folder(), IMPORT_FILTER)
        if not name:
            return False
        return self.import_path(Path(name))

    def import_path(self, path: Path) -> bool:
        incoming = self.read(path, importing=True)
        if incoming is None:
            return False
        current = self.document.file
        resolve: dict = {}
        while True:  # a rename can bring new clashes (its links now differ): ask about those too
            try:
                combined, report = plan_import(current, incoming, resolve)
                break
            except ClashError as clash:
                unanswered = [c for c in clash.clashes if c.key not in resolve]
                choices = (import_dialog.choose_resolutions(self.window, unanswered, path.name)
                           if unanswered else None)
                if choices is None:
                    if unanswered:
                        self._status(f"Import of {path.name} cancelled: nothing changed")
                    else:
                        self._error(f"Cannot import {path.name}", clash)
                    return False
                resolve.update(choices)
            except CutsimError as exc:
                self._error(f"Cannot import {path.name}", exc)
                return False
        verification = self._last_read
        self.document.apply(ReplaceContents(combined, f"Import {path.name}"))
        self._set_verification(None)  # the document now mixes files: no one signature covers it
        signed = f" ({verification.summary()})" if verification is not None else ""
        self._status(f"Imported {path.name}{signed}: {report.summary()}")
        return True

    def export(self) -> bool:
        """Write the current document as a ``.cutsim`` file, leaving the current path as it is."""
        name, _ = QFileDialog.getSaveFileName(self.window, "Export .cutsim file",
                                              str(Path(self._start_folder() or ".") / "export.cutsim"),
                                              CUTSIM_FILTER)
        if not name:
            return False
        return self.export_to(Path(name))

    def export_to(self, path: Path) -> bool:
        if path.suffix.lower() != ".cutsim":
            path = path.with_suffix(".cutsim")
        try:
            exchange.write_file(path, self.document.file)
        except OSError as exc:
            self._error(f"Cannot export {path.name}", InputError(f"{path}: {exc.strerror or exc}"))
            return False
        self._status(f"Exported {path.name}")
        return True
