"""Read a model from whatever a user points at: a ``.cutsim`` file, a workbook or a workspace."""

from __future__ import annotations

import os

from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.workspace.detect import is_workspace
from cutsim.workspace.location import Location, parse_location


def read_any(path: str | os.PathLike[str] | Location, model_id: str | None = None, *,
             choose: bool = False) -> CutsimFile:
    """The validated model and scenarios in a ``.cutsim`` file, a model workbook (.xlsx) or
    a workspace (by its location: a path or a URL, see :mod:`cutsim.workspace.location`).

    In a workspace, ``model_id`` picks a model by its key or its place name; without it
    the first model is read, or, with ``choose``, a workspace holding several models is
    refused with their list (so that ``run`` never runs a model by accident).
    ``model_id`` with a ``.cutsim`` file is refused (a file holds one model).
    """
    if is_workspace(path):
        from cutsim.workspace.repository import open_workspace  # database code only when needed

        with open_workspace(path) as workspace:
            return workspace.load(_model_key(workspace.location, workspace.model_keys(),
                                             model_id, choose))
    path = parse_location(path).path
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if model_id is not None:
        raise InputError(f"{path}: --model is for a workspace; a .cutsim file holds one model")
    from cutsim.files.workbook import read_model_file  # workbook readers load on use

    return read_model_file(path)


def _model_key(path: Location, keys: list[tuple[int, str]], model_id: str | None,
               choose: bool) -> int | None:
    listing = "; ".join(f"{key} ({name})" for key, name in keys) or "none"
    if model_id is None:
        if choose and len(keys) > 1:
            raise InputError(f"{path}: the workspace holds {len(keys)} models; choose one with "
                             f"--model (models: {listing})")
        return None
    for key, name in keys:
        if model_id == str(key) or model_id == name:
            return key
    raise InputError(f'{path}: no model "{model_id}" in the workspace (models: {listing})')
