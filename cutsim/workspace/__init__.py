"""The local SQLite workspace (DESIGN §6): models, scenarios, history and run metadata."""

from cutsim.workspace.store import Workspace, is_workspace

__all__ = ["Workspace", "is_workspace"]
