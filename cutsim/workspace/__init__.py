"""The local SQLite workspace (DESIGN §6): models, scenarios, history and run metadata.

``Workspace`` is loaded on first use: SQLAlchemy and SQLModel take a noticeable part of
the app's start-up, and most sessions open a ``.cutsim`` file, not a workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cutsim.workspace.detect import is_workspace

if TYPE_CHECKING:
    from cutsim.workspace.store import Workspace

__all__ = ["Workspace", "is_workspace"]


def __getattr__(name: str) -> Any:
    if name == "Workspace":
        from cutsim.workspace.store import Workspace

        return Workspace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
