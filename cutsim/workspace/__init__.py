"""The workspace (DESIGN §6): models, scenarios, history and run metadata, kept in a
database (an SQLite file today) behind one repository.

Open one by its location with :func:`open_workspace` (a path, or a URL) and use it as a
:class:`WorkspaceRepository`; :func:`is_workspace` tells a workspace from a file. The
database code (SQLAlchemy, SQLModel) is loaded on first use: it takes a noticeable part
of the app's start-up, and most sessions open a ``.cutsim`` file, not a workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cutsim.workspace.detect import is_workspace
from cutsim.workspace.location import Location, parse_location

if TYPE_CHECKING:
    from cutsim.workspace.repository import (
        WorkspaceRepository,
        create_workspace,
        open_workspace,
    )
    from cutsim.workspace.store import Workspace

__all__ = ["Location", "Workspace", "WorkspaceRepository", "create_workspace", "is_workspace",
           "open_workspace", "parse_location"]

_LAZY = {"Workspace": "cutsim.workspace.store",
         "WorkspaceRepository": "cutsim.workspace.repository",
         "open_workspace": "cutsim.workspace.repository",
         "create_workspace": "cutsim.workspace.repository"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
