"""Actuals in the file format, the workspace and the workbook round-trip exactly (issue 35)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from support.small_model import SMALL_DOC

from cutsim.files import exchange
from cutsim.model.errors import InputError
from cutsim.workspace.store import Workspace

ACTUALS = {
    "illustrative": True,
    "notes": "made up for the test",
    "decision": {"scenario": "youth-cut", "date": "2026-02-20", "by": "Cabinet"},
    "observations": [
        {"kind": "spend", "id": "youth", "year": "2026-27", "value": 812345.6789012345,
         "source": "Outturn RO 2026-27", "date": "2027-06-30"},
        {"kind": "outcome", "id": "offending", "year": "2026-27", "value": 2011.1 + 1e-12,
         "source": "YJB"},
        {"kind": "outcome", "id": "offending", "year": "2027-28", "value": 0.1 + 0.2,
         "source": "YJB", "notes": "provisional"},
    ],
}


def doc_with_actuals() -> dict:
    doc = copy.deepcopy(SMALL_DOC)
    doc["format_version"] = 3
    doc["model"]["outcomes"][0]["observation_sd"] = 25.0
    doc["actuals"] = copy.deepcopy(ACTUALS)
    return doc


def test_actuals_round_trip_through_the_file_exactly() -> None:
    cutsim_file = exchange.load_document(doc_with_actuals())
    text = exchange.dumps(cutsim_file, stamp=False)
    again = exchange.read_bytes(text.encode())
    assert again.actuals == cutsim_file.actuals and again.model == cutsim_file.model
    assert exchange.dumps(again, stamp=False) == text
    document = json.loads(text)
    assert document["actuals"]["observations"][0]["value"] == 812345.6789012345
    assert document["format_version"] == 3
    # actuals change no figure of a run: an older reader may ignore them
    assert document["min_reader_version"] == 1


def test_a_file_without_actuals_keeps_its_version() -> None:
    cutsim_file = exchange.load_document(copy.deepcopy(SMALL_DOC))
    assert json.loads(exchange.dumps(cutsim_file, stamp=False))["format_version"] == 1


def test_actuals_declared_in_an_older_version_are_refused() -> None:
    doc = doc_with_actuals()
    doc["format_version"] = 2
    with pytest.raises(InputError, match="actuals: a field of format version 3"):
        exchange.load_document(doc)


@pytest.mark.parametrize(("change", "message"), [
    (lambda a: a["observations"][0].update(id="nope"), 'service "nope", which does not exist'),
    (lambda a: a["observations"][1].update(year="2040-41"), "outside the model's horizon"),
    (lambda a: a["observations"][1].update(year="2026-28"), "financial-year label"),
    (lambda a: a["observations"][0].update(value=-1.0), "must be >= 0"),
    (lambda a: a["observations"][2].update(year="2026-27"), "duplicates actuals.observations[1]"),
    (lambda a: a["observations"][0].update(area="north"), 'area "north", which does not exist'),
    (lambda a: a["observations"][0].update(date="30/06/2027"), "YYYY-MM-DD"),
    (lambda a: a["decision"].update(scenario="Not An Id"), "scenario must be a scenario id"),
])
def test_bad_actuals_are_named_where_they_are(change, message) -> None:
    doc = doc_with_actuals()
    change(doc["actuals"])
    with pytest.raises(InputError, match="actuals") as caught:
        exchange.load_document(doc)
    assert message in str(caught.value)


def test_actuals_round_trip_through_a_workspace_exactly(tmp_path: Path) -> None:
    cutsim_file = exchange.load_document(doc_with_actuals())
    with Workspace.create(tmp_path / "w.sqlite", cutsim_file) as ws:
        loaded = ws.load()
        assert loaded.actuals == cutsim_file.actuals
        assert exchange.dumps(loaded, stamp=False) == exchange.dumps(cutsim_file, stamp=False)
        fewer = loaded.model_copy(update={"actuals": loaded.actuals.model_copy(
            update={"observations": loaded.actuals.observations[:1], "decision": None})})
        ws.save(fewer)
        assert ws.load().actuals == fewer.actuals
        ws.save(fewer.model_copy(update={"actuals": None}))
        assert ws.load().actuals is None


def test_actuals_round_trip_through_a_workbook_exactly(tmp_path: Path) -> None:
    from cutsim.files.workbook import read_workbook, write_workbook

    cutsim_file = exchange.load_document(doc_with_actuals())
    write_workbook(tmp_path / "m.xlsx", cutsim_file)
    again = read_workbook(tmp_path / "m.xlsx")
    assert again.actuals == cutsim_file.actuals
    assert again.model.outcomes[0].observation_sd == 25.0


def test_a_bad_actual_in_a_workbook_is_named_by_its_cell(tmp_path: Path) -> None:
    from cutsim.files.workbook import read_workbook, write_workbook

    doc = doc_with_actuals()
    doc["actuals"]["observations"][1]["id"] = "nothing"
    cutsim_file = exchange.CutsimFile.model_validate(doc)  # typed, not yet validated
    write_workbook(tmp_path / "m.xlsx", cutsim_file)
    with pytest.raises(InputError) as caught:
        read_workbook(tmp_path / "m.xlsx")
    assert 'Actuals!B4 (id): refers to outcome "nothing"' in str(caught.value)


def test_importing_a_file_into_a_workspace_keeps_and_adds_actuals(tmp_path: Path) -> None:
    held = exchange.load_document(doc_with_actuals())
    with Workspace.create(tmp_path / "w.sqlite", held) as ws:
        doc = doc_with_actuals()
        doc["actuals"]["observations"] = [
            {**doc["actuals"]["observations"][0], "value": 1.0},  # held already: kept
            {"kind": "outcome", "id": "offending", "year": "2028-29", "value": 1980.0,
             "source": "YJB"}]  # new: added
        ws.import_file(exchange.load_document(doc))
        after = ws.load().actuals
    assert after.observations[:3] == held.actuals.observations
    assert after.observations[3].year == "2028-29" and len(after.observations) == 4


def test_merge_takes_each_sides_new_observations_and_redact_drops_confidential_outturn() -> None:
    from cutsim.files.merge import merge_files
    from cutsim.files.redact import redact

    base = exchange.load_document(doc_with_actuals())
    ours_doc, theirs_doc = doc_with_actuals(), doc_with_actuals()
    ours_doc["actuals"]["observations"].append(
        {"kind": "outcome", "id": "offending", "year": "2028-29", "value": 1.5, "source": "a"})
    theirs_doc["actuals"]["observations"][0]["value"] = 900000.0
    merged = merge_files(base, exchange.load_document(ours_doc), exchange.load_document(theirs_doc))
    assert not merged.conflicts
    values = [(o.year, o.value) for o in merged.merged.actuals.observations]
    assert ("2028-29", 1.5) in values and ("2026-27", 900000.0) in values and len(values) == 4
    secret = doc_with_actuals()
    secret["model"]["services"][0]["confidential"] = True
    sent = redact(exchange.load_document(secret))
    assert [o.kind for o in sent.actuals.observations] == ["outcome", "outcome"]


def test_diff_names_changed_observations_and_decisions() -> None:
    from cutsim.files.diff import diff_files

    a = exchange.load_document(doc_with_actuals())
    doc = doc_with_actuals()
    doc["actuals"]["observations"][0]["value"] = 1.0
    doc["actuals"]["decision"]["by"] = "Council"
    changes = diff_files(a, exchange.load_document(doc))
    assert {(c.kind, c.id) for c in changes} == {("actual", "spend youth 2026-27"),
                                                 ("actuals", None)}


def test_renaming_a_service_or_outcome_follows_into_the_actuals_and_removing_one_is_refused() -> None:
    from cutsim.model.commands import RemoveItem, SetItemField, references

    doc = exchange.load_document(doc_with_actuals())
    renamed = SetItemField("services", "youth", "id", "youth-work").apply(doc)
    assert renamed.actuals.observations[0].id == "youth-work"
    renamed = SetItemField("outcomes", "offending", "id", "offences").apply(renamed)
    assert [o.id for o in renamed.actuals.observations] == ["youth-work", "offences", "offences"]
    assert 'actuals.observations[0] "youth" (2026-27)' in references(doc, "services", "youth")
    command = RemoveItem("services", "youth")
    with pytest.raises(InputError):
        command.apply(doc)
    # undo puts the actuals back as they were
    rename = SetItemField("services", "youth", "id", "youth-work")
    assert rename.revert(rename.apply(doc)).actuals == doc.actuals
