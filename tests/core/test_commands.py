"""Undoable commands: each one round-trips apply → revert, never mutates its input."""

from __future__ import annotations

import copy

import pytest

from cutsim.files.exchange import load_document
from cutsim.levers.kinds import CutLever, PoolLever
from cutsim.model.commands import (
    AddItem,
    AddScenario,
    Batch,
    Command,
    CommandStack,
    DuplicateScenario,
    RemoveItem,
    RemoveLever,
    RemoveScenario,
    RenameScenario,
    ReplaceContents,
    ReplaceScenario,
    SetItemField,
    SetLever,
    SetPlaceField,
    references,
)
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile, Outcome, Scenario, Service
from cutsim.model.validation import validate_file


@pytest.fixture
def doc(small_doc: dict) -> CutsimFile:
    return load_document(small_doc, "small")


def _commands() -> list[Command]:
    new_service = Service(id="library", agency="council", name="Libraries", baseline_spend=2e6,
                          unit_cost=5.0, activity_unit="visit", mode="discretionary")
    new_outcome = Outcome(id="wellbeing", name="Wellbeing", unit="score", baseline=7.0,
                          higher_is_better=True)
    lever = CutLever(id="l2", kind="cut", service="youth", percent=10.0)
    return [
        SetItemField("services", "youth", "unit_cost", 1200.0),
        SetItemField("services", "youth", "unit_cost", -5.0),  # invalid values are held
        SetItemField("agencies", "council", "name", "Renamed council"),
        SetItemField("services", "youth", "id", "youth2"),
        SetItemField("outcomes", "offending", "id", "crime"),
        SetItemField("agencies", "nhs", "id", "icb"),
        SetItemField("effects", "e1", "confidence", 5),
        SetItemField("demands", "d1", "per_unit", 0.12),
        SetPlaceField("discount_rate", 0.05),
        AddItem("services", new_service),
        AddItem("outcomes", new_outcome, index=0),
        RemoveItem("effects", "e1"),
        RemoveItem("demands", "d1"),
        SetLever("youth-cut", lever),
        SetLever("youth-cut", CutLever(id="l1", kind="cut", service="youth", percent=30.0)),
        RemoveLever("youth-cut", "l1"),
        AddScenario(Scenario(id="s2", name="Second")),
        RemoveScenario("youth-cut"),
        RenameScenario("youth-cut", "Youth cut (v2)"),
        DuplicateScenario("youth-cut", "youth-cut-2", "Youth cut copy"),
        ReplaceScenario(Scenario(id="youth-cut", name="Blank")),
        Batch("two edits", [SetPlaceField("name", "Bigton"), RemoveItem("effects", "e1")]),
        ReplaceContents(CutsimFile.model_validate({
            "format": "cutsim", "format_version": 1,
            "model": {"place": {"name": "Imported", "base_year": 2027},
                      "agencies": [{"id": "council", "name": "C", "kind": "council"}],
                      "services": [new_service.model_dump()], "outcomes": []}}), "Import"),
    ]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.description)
def test_apply_then_revert_gives_back_an_equal_document_and_leaves_the_input_alone(
        doc: CutsimFile, command: Command) -> None:
    snapshot = copy.deepcopy(doc)
    after = command.apply(doc)
    assert after != doc, "the command changed nothing"
    assert doc == snapshot, "apply mutated its input"
    restored = command.revert(after)
    assert restored == snapshot
    again = command.apply(restored)  # redo
    assert again == after


def test_set_field_changes_only_what_it_names_and_shares_the_rest(doc: CutsimFile) -> None:
    after = SetItemField("services", "youth", "unit_cost", 1200.0).apply(doc)
    assert after.model.service("youth").unit_cost == 1200.0
    assert after.model.service("ae") is doc.model.service("ae")
    assert after.model.outcomes is doc.model.outcomes
    assert after.scenarios is doc.scenarios


def test_a_wrong_type_is_refused_with_the_field_named(doc: CutsimFile) -> None:
    with pytest.raises(InputError, match=r'services\[0\] "youth": unit_cost'):
        SetItemField("services", "youth", "unit_cost", "lots").apply(doc)
    with pytest.raises(InputError, match="place: horizon_years"):
        SetPlaceField("horizon_years", 2.5).apply(doc)


def test_a_bad_value_of_the_right_type_is_held_and_the_validator_names_it(doc: CutsimFile) -> None:
    after = SetItemField("services", "youth", "unit_cost", -5.0).apply(doc)
    messages = [str(p) for p in validate_file(after)]
    assert 'services[0] "youth": unit_cost must be > 0 (got -5)' in messages


def test_renaming_an_id_renames_every_reference(doc: CutsimFile) -> None:
    after = SetItemField("services", "youth", "id", "youth2").apply(doc)
    assert after.model.effects[0].service == "youth2"
    assert after.scenarios[0].levers[0].service == "youth2"
    assert validate_file(after) == []
    after = SetItemField("agencies", "council", "id", "la").apply(doc)
    assert after.model.service("youth").agency == "la"
    assert validate_file(after) == []


def test_renaming_to_a_taken_id_is_refused(doc: CutsimFile) -> None:
    with pytest.raises(InputError, match='id "ae" is already used'):
        SetItemField("services", "youth", "id", "ae").apply(doc)


def test_removing_something_in_use_is_refused_naming_the_users(doc: CutsimFile) -> None:
    with pytest.raises(InputError) as caught:
        RemoveItem("services", "youth").apply(doc)
    assert 'effects[0] "e1"' in str(caught.value)
    assert 'scenario "youth-cut" lever "l1"' in str(caught.value)
    assert references(doc, "agencies", "nhs") == ['services[1] "ae"']


def test_pool_lever_references_are_found_and_renamed(doc: CutsimFile) -> None:
    pool = PoolLever(id="p1", kind="pool", services=["youth", "ae"], efficiency_percent=5.0)
    doc = SetLever("youth-cut", pool).apply(doc)
    assert 'scenario "youth-cut" lever "p1"' in references(doc, "services", "ae")
    after = SetItemField("services", "ae", "id", "emergency").apply(doc)
    assert after.scenarios[0].levers[1].services == ["youth", "emergency"]


def test_adding_a_duplicate_id_is_refused(doc: CutsimFile) -> None:
    twin = doc.model.service("youth")
    with pytest.raises(InputError, match="already used"):
        AddItem("services", twin).apply(doc)
    with pytest.raises(InputError, match="already used"):
        AddScenario(Scenario(id="youth-cut", name="again")).apply(doc)


def test_duplicate_records_its_parent(doc: CutsimFile) -> None:
    after = DuplicateScenario("youth-cut", "copy", "Copy").apply(doc)
    assert [s.id for s in after.scenarios] == ["youth-cut", "copy"]
    assert after.scenario("copy").parent == "youth-cut"
    assert after.scenario("copy").levers == doc.scenario("youth-cut").levers


def test_stack_undo_redo_and_clean_state(doc: CutsimFile) -> None:
    stack = CommandStack(doc)
    assert stack.is_clean and not stack.can_undo
    stack.push(SetPlaceField("name", "A"))
    stack.push(SetItemField("services", "youth", "unit_cost", 900.0))
    assert not stack.is_clean and stack.undo_text == "Set service youth unit_cost"
    stack.undo()
    stack.undo()
    assert stack.document == doc and stack.is_clean
    stack.redo()
    assert stack.document.model.place.name == "A" and stack.can_redo
    stack.set_clean()
    stack.push(SetPlaceField("horizon_years", 5))  # drops the redo history
    assert not stack.can_redo and not stack.is_clean
    stack.undo()
    assert stack.is_clean


def test_a_refused_push_changes_nothing(doc: CutsimFile) -> None:
    stack = CommandStack(doc)
    with pytest.raises(InputError):
        stack.push(RemoveItem("services", "youth"))
    assert stack.document is doc and not stack.can_undo


def test_slider_moves_on_one_lever_merge_into_one_undo_step(doc: CutsimFile) -> None:
    stack = CommandStack(doc)
    for percent in (21.0, 25.0, 30.0):
        stack.push(SetLever("youth-cut", CutLever(id="l1", kind="cut", service="youth", percent=percent)))
    stack.push(SetLever("youth-cut", CutLever(id="l9", kind="cut", service="youth", percent=1.0)))
    assert stack.index == 2
    assert stack.document.scenario("youth-cut").levers[0].percent == 30.0
    stack.undo()
    stack.undo()
    assert stack.document == doc


def test_a_merge_never_rewrites_the_saved_state(doc: CutsimFile) -> None:
    stack = CommandStack(doc)
    stack.push(SetPlaceField("name", "A"))
    stack.set_clean()
    stack.push(SetPlaceField("name", "B"))
    assert stack.index == 2
    stack.undo()
    assert stack.is_clean and stack.document.model.place.name == "A"
