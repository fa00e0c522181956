"""Errors the core raises for the user to read.

Each carries a message that names what is wrong and where (e.g.
``services[3] "youth": unit_cost must be > 0 (got -5)``); the CLI prints it and exits 1,
the app shows it in a dialog. None of them is ever shown as a traceback.
"""

from __future__ import annotations


class CutsimError(Exception):
    """Base of every error meant for the user."""


class InputError(CutsimError):
    """Bad input: a malformed file, an invalid model, a value out of range.

    ``problems`` lists every problem found (the message summarises them).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) if problems else [message]


class NoCleanAnswer(CutsimError):
    """A valid request with no clean answer (merge conflicts, infeasible target): exit 3."""


class WorkspaceBusy(InputError):
    """Another process held the workspace for longer than the busy timeout: exit 3."""


class WorkspaceChanged(InputError):
    """The workspace model was changed by someone else since it was read: saving over it
    would lose their change, so nothing was written."""


class StorageError(InputError):
    """The database behind a workspace failed or refused (a damaged file, a read-only
    disk, a query stopped at its time limit). Raised only by ``cutsim.workspace``, which
    translates the database library's own errors into this one, so that no other part
    knows which database a workspace is kept in."""


class WorkspaceUnsupported(InputError):
    """A workspace location that names a kind of storage this cutsim cannot open yet
    (a database server's URL)."""
