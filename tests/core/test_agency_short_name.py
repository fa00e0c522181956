"""Agencies' optional short_name: format version 2, at most 20 characters, kept by the
workspace, and the label the app shows where space is tight."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from cutsim.files import exchange
from cutsim.model.schema import Agency, CutsimFile
from cutsim.model.validation import validate_file
from cutsim.workspace import Workspace


def test_a_short_name_needs_format_2_but_no_newer_reader(small_doc: dict) -> None:
    doc = copy.deepcopy(small_doc)
    doc["model"]["agencies"][0]["short_name"] = "Council"
    doc["format_version"] = 2
    text = exchange.dumps(CutsimFile.model_validate(doc))
    written = json.loads(text)
    assert written["format_version"] == 2
    assert written.get("min_reader_version", 1) == 1  # an older reader may ignore it
    assert exchange.read_bytes(text.encode()).model.agencies[0].short_name == "Council"


def test_a_short_name_longer_than_20_characters_or_blank_is_a_problem(small_doc: dict) -> None:
    doc = copy.deepcopy(small_doc)
    doc["model"]["agencies"][0]["short_name"] = "Smallton Borough Council"
    doc["format_version"] = 2
    found = [str(p) for p in validate_file(CutsimFile.model_validate(doc))]
    assert any('agencies[0] "council": short_name must be at most 20 characters' in p
               for p in found), found
    doc["model"]["agencies"][0]["short_name"] = " "
    found = [str(p) for p in validate_file(CutsimFile.model_validate(doc))]
    assert any("short_name must not be empty" in p for p in found), found


def test_the_workspace_keeps_short_names(tmp_path: Path, small_doc: dict) -> None:
    doc = copy.deepcopy(small_doc)
    doc["model"]["agencies"][0]["short_name"] = "Council"
    doc["format_version"] = 2
    source = exchange.read_bytes(json.dumps(doc).encode())
    with Workspace.create(tmp_path / "w.sqlite", source) as ws:
        back = ws.load()
    assert back.model == source.model
    assert back.model.agencies[0].short_name == "Council"


def test_the_label_is_the_short_name_else_the_name_without_its_brackets() -> None:
    assert Agency(id="a", name="NHS in Seaport (ICB place budget)", kind="nhs").label == "NHS in Seaport"
    assert Agency(id="a", name="NHS in Seaport (ICB)", kind="nhs", short_name="NHS").label == "NHS"
    assert Agency(id="a", name="Police", kind="police").label == "Police"
