"""The workspace (docs/workspace-safety.md): models, scenarios, history and run metadata, kept in a
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

def __getattr__(name: str) -> Any:
    # Plain import statements (not importlib), so that the packaged app's analysis sees them.
    if name == "Workspace":
        from cutsim.workspace.store import Workspace

        return Workspace
    if name in ("WorkspaceRepository", "open_workspace", "create_workspace"):
        from cutsim.workspace import repository

        return getattr(repository, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
