"""The workspace repository: the one way in and out of a workspace's storage.

Callers (the command line, the app, the workshop, the publication) open a workspace by
its *location* (:mod:`cutsim.workspace.location`) with :func:`open_workspace` or
:func:`create_workspace` and use it through :class:`WorkspaceRepository`: list its
models, load one (with the version it was read at), save with an expected version,
import a file, and read the edit history and the workshop's decision log. What they
get is :class:`cutsim.workspace.store.Workspace`: portable SQLAlchemy queries over a
session, on an engine given by a :class:`StorageAdapter` (for a file,
:class:`cutsim.workspace.sqlite_adapter.SqliteAdapter`). A database error never leaves
this package: it arrives as :class:`~cutsim.model.errors.StorageError` or
:class:`~cutsim.model.errors.WorkspaceBusy`.

Adding a server workspace means an adapter beside the SQLite one, chosen by
:func:`cutsim.workspace.store.adapter_for`; the callers do not change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cutsim.model.schema import CutsimFile
from cutsim.workspace.location import Location

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from cutsim.workspace.importer import ImportReport
    from cutsim.workspace.tables import DecisionRow, EditRow


@runtime_checkable
class WorkspaceRepository(Protocol):
    """What every workspace offers, whatever keeps it. Model keys are integers; a key of
    ``None`` means the first model. Versions are whole numbers that grow with each write
    of a model (0 for a model with no write recorded)."""

    location: Location
    backup: Path | None  # the copy made before a migration on open, if one was

    def model_keys(self) -> list[tuple[int, str]]: ...

    def load(self, model_pk: int | None = None) -> CutsimFile: ...

    def load_versioned(self, model_pk: int | None = None) -> tuple[CutsimFile, int]: ...

    def model_version(self, model_pk: int | None = None) -> int: ...

    def add_model(self, cutsim_file: CutsimFile) -> int: ...

    def save(self, cutsim_file: CutsimFile, model_pk: int | None = None,
             action: str = "save", *, validated: bool = False,
             previous: CutsimFile | None = None, expected_version: int | None = None) -> int: ...

    def import_file(self, cutsim_file: CutsimFile,
                    resolve: dict[tuple[str, str], str] | None = None,
                    model_pk: int | None = None, source: str = "file",
                    current: CutsimFile | None = None) -> ImportReport: ...

    def write_transaction(self) -> AbstractContextManager[None]: ...

    def edits(self, model_pk: int | None = None) -> list[EditRow]: ...

    def add_decision(self, package: str, change: str, note: str | None = None, *,
                     at: str | None = None, model_pk: int | None = None) -> int: ...

    def decisions(self, model_pk: int | None = None) -> list[DecisionRow]: ...

    def close(self) -> None: ...

    def __enter__(self) -> WorkspaceRepository: ...

    def __exit__(self, *exc: object) -> None: ...


class StorageAdapter(Protocol):
    """What the repository needs from the database that keeps a workspace. Made by the
    adapter's own ``open(path)`` / ``create(path, fill)``; see
    :class:`cutsim.workspace.sqlite_adapter.SqliteAdapter`."""

    path: Path
    backup: Path | None

    def engine(self, json_deserializer: Callable[[Any], object]) -> Engine:
        """The engine the repository's sessions run on."""
        ...

    def start_clock(self) -> None:
        """The next operation's time limit starts now."""
        ...

    def write_lock(self, conn: Connection) -> AbstractContextManager[None]:
        """Transactions begun on ``conn`` inside the block hold the write lock from their
        first statement (one writer at a time)."""
        ...

    def errors(self, doing: str) -> AbstractContextManager[None]:
        """A block in which the database's errors become the project's; ``doing`` is
        "read" or "write"."""
        ...


def open_workspace(where: str | os.PathLike[str] | Location) -> WorkspaceRepository:
    """Open the workspace at ``where`` (a path, or a URL: see
    :func:`~cutsim.workspace.location.parse_location`), migrating an older schema after a
    backup. Refused with an :class:`~cutsim.model.errors.InputError` naming the reason."""
    from cutsim.workspace.store import Workspace

    return Workspace.open(where)


def create_workspace(where: str | os.PathLike[str] | Location,
                     cutsim_file: CutsimFile | None = None) -> WorkspaceRepository:
    """A new workspace at ``where`` (refused if one exists), optionally holding a file."""
    from cutsim.workspace.store import Workspace

    return Workspace.create(where, cutsim_file)


__all__ = ["StorageAdapter", "WorkspaceRepository", "create_workspace", "open_workspace"]
