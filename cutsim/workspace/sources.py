"""Read a model from whatever a user points at: a ``.cutsim`` file, a workbook or a workspace."""

from __future__ import annotations

import os
from pathlib import Path

from cutsim.files.workbook import read_model_file
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.workspace.detect import is_workspace


def read_any(path: str | os.PathLike[str]) -> CutsimFile:
    """The validated model and scenarios in a ``.cutsim`` file, a model workbook (.xlsx) or
    (first model of) a workspace."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if is_workspace(path):
        from cutsim.workspace.store import Workspace  # database code only when needed

        with Workspace.open(path) as workspace:
            return workspace.load()
    return read_model_file(path)
