"""One way in: open whatever a user points at (a ``.cutsim`` file, a model workbook or a
workspace) and get the model with what its signatures prove, from one read of it.

:func:`open_source` reads a file's bytes once and parses them once: the same parsed
document is validated into the model and, when asked, has its signatures checked
(:mod:`cutsim.files.signing`). Every command that reads a model and the app's Open go
through it; :func:`read_any` is the same for a caller that needs only the model.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cutsim.files.xlsx_safety import looks_like_workbook
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile, Provenance
from cutsim.workspace.detect import is_workspace
from cutsim.workspace.location import Location, parse_location

if TYPE_CHECKING:  # signing loads the cryptography library: only when signatures are checked
    from cutsim.files.keyring import Keyring
    from cutsim.files.signing import Verification

SourceKind = Literal["cutsim", "workbook", "workspace"]
CUTSIM: SourceKind = "cutsim"
WORKBOOK: SourceKind = "workbook"
WORKSPACE: SourceKind = "workspace"


@dataclass(frozen=True)
class OpenedSource:
    """A model as read from one source, with where it came from.

    ``kind``: ``"cutsim"`` (an exchange file), ``"workbook"`` (a model workbook, .xlsx)
    or ``"workspace"``. ``ignored``: the fields of a newer file that this version does
    not know and dropped, by their place in the file. ``model_key`` and ``version``: for
    a workspace, the model read and its version at the read (to pass back to
    ``Workspace.save`` as ``expected_version``); None for a file.
    """

    file: CutsimFile
    kind: SourceKind
    path: Path
    ignored: tuple[str, ...] = ()
    model_key: int | None = None
    version: int | None = None
    # The document as parsed from the file (before a newer file's unknown fields were
    # dropped): what the signatures cover. Kept so that checking them parses nothing again.
    document: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    keyring: Keyring | None = field(default=None, repr=False, compare=False)

    @property
    def provenance(self) -> Provenance | None:
        """Who wrote the file, with which cutsim and when, as the file says."""
        return self.file.provenance

    @cached_property
    def verification(self) -> Verification | None:
        """What the file's signatures prove, checked against the keyring on first use (the
        user's keyring unless one was given); None for a workspace, which carries no
        signatures. A workbook carries none either and is reported as unsigned."""
        if self.kind == WORKSPACE:
            return None
        from cutsim.files import exchange, signing
        from cutsim.files.keyring import Keyring

        document = (self.document if self.document is not None
                    else exchange.to_document(self.file, stamp=False))
        return signing.verify_document(document, self.keyring or Keyring(), self.path.name)


def open_source(location: str | os.PathLike[str] | Location, model_id: str | int | None = None, *,
                choose: bool = False, allow_workspace: bool = True,
                keyring: Keyring | None = None) -> OpenedSource:
    """Read and fully validate the model at ``location``: a ``.cutsim`` file, a model
    workbook (.xlsx) or a workspace, told apart by their first bytes and names.

    In a workspace, ``model_id`` picks a model by its key or its place name; without it
    the first model is read, or, with ``choose``, a workspace holding several models is
    refused with their list (so that ``run`` never runs a model by accident).
    ``model_id`` with a file is refused (a file holds one model). ``allow_workspace=False``
    reads a file whatever its first bytes, as a workbook or else as a ``.cutsim`` file
    (so a workspace is refused as a file that is not one). ``keyring``: the keyring the
    signatures are checked against (the user's by default), only when
    :attr:`OpenedSource.verification` is read.

    InputError naming the file and every problem found.
    """
    if allow_workspace and is_workspace(location):  # a workspace file, or a URL of one
        return _open_workspace(location, model_id, choose)
    path = parse_location(location).path  # a server URL is refused here, saying so
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if model_id is not None:
        raise InputError(f"{path}: --model is for a workspace; a .cutsim file holds one model")
    if looks_like_workbook(path):
        from cutsim.files.workbook import read_workbook  # workbook readers load on use

        return OpenedSource(read_workbook(path), WORKBOOK, path, keyring=keyring)
    return _open_cutsim(path, keyring)


def read_any(path: str | os.PathLike[str] | Location, model_id: str | int | None = None, *,
             choose: bool = False) -> CutsimFile:
    """The validated model and scenarios at ``path``: :func:`open_source`'s model."""
    return open_source(path, model_id, choose=choose).file


def _open_cutsim(path: Path, keyring: Keyring | None) -> OpenedSource:
    """A ``.cutsim`` file: its bytes read once and parsed once, for the model and for
    its signatures."""
    from cutsim.files import exchange

    document = exchange.parse_json(exchange.file_bytes(path), path.name)
    # load_document drops the fields it does not know from a newer file, in place; the
    # signatures cover them, so only such a file is kept as a copy (a copy of a large
    # file takes a second).
    version = document.get("format_version") if isinstance(document, dict) else None
    newer = isinstance(version, int) and version > exchange.FORMAT_VERSION
    original = copy.deepcopy(document) if newer else document
    ignored: list[str] = []
    cutsim_file = exchange.load_document(document, path.name, ignored)
    return OpenedSource(cutsim_file, CUTSIM, path, tuple(ignored), document=original,
                        keyring=keyring)


def _open_workspace(location: str | os.PathLike[str] | Location, model_id: str | int | None,
                    choose: bool) -> OpenedSource:
    from cutsim.workspace.repository import open_workspace  # database code only when needed

    with open_workspace(location) as workspace:
        keys = workspace.model_keys()
        key = _model_key(workspace.location, keys, model_id, choose)
        if key is None and keys:
            key = keys[0][0]
        cutsim_file, version = workspace.load_versioned(key)
    return OpenedSource(cutsim_file, WORKSPACE, Path(workspace.location.path), model_key=key,
                        version=version)


def workspace_models(path: str | os.PathLike[str]) -> list[tuple[int, str]]:
    """(model key, place name) of every model in the workspace at ``path``, oldest first;
    empty for anything that is not a workspace."""
    if not is_workspace(path):
        return []
    from cutsim.workspace.repository import open_workspace

    with open_workspace(path) as workspace:
        return workspace.model_keys()


def _model_key(path: Path | Location, keys: list[tuple[int, str]], model_id: str | int | None,
               choose: bool) -> int | None:
    listing = "; ".join(f"{key} ({name})" for key, name in keys) or "none"
    if model_id is None:
        if choose and len(keys) > 1:
            raise InputError(f"{path}: the workspace holds {len(keys)} models; choose one with "
                             f"--model (models: {listing})")
        return None
    for key, name in keys:
        if str(model_id) == str(key) or model_id == name:
            return key
    raise InputError(f'{path}: no model "{model_id}" in the workspace (models: {listing})')
