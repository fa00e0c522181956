"""Fixtures shared by the core tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from support.small_model import SMALL_DOC


@pytest.fixture
def small_doc() -> dict:
    """A small valid .cutsim document (a fresh copy each time, free to mutate)."""
    return copy.deepcopy(SMALL_DOC)


@pytest.fixture
def small_file(tmp_path: Path, small_doc: dict) -> Path:
    path = tmp_path / "small.cutsim"
    path.write_text(json.dumps(small_doc), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The partner keyring in this test's own folder, never the user's."""
    folder = tmp_path / "cutsim-config"
    monkeypatch.setenv("CUTSIM_CONFIG_DIR", str(folder))
    return folder
