"""The document controller: core commands on a QUndoStack, with the signals views listen to."""

from __future__ import annotations

from cutsim.levers.kinds import CutLever
from cutsim.model.commands import (
    DuplicateScenario,
    RemoveItem,
    RemoveScenario,
    SetItemField,
    SetLever,
)
from ui.document import DocumentController


def _lever(percent: float) -> CutLever:
    return CutLever(id="slider", kind="cut", service="youth", percent=percent)


def test_slider_moves_merge_into_one_undo_step(qtbot, example_file) -> None:
    document = DocumentController(example_file)
    scenario = document.current_scenario_id
    for percent in (5.0, 10.0, 15.0):
        assert document.apply(SetLever(scenario, _lever(percent)))
    assert document.undo_stack.count() == 1
    assert document.file.scenario(scenario).levers[-1].percent == 15.0
    document.undo_stack.undo()
    assert document.file == example_file


def test_signals_say_what_changed(qtbot, example_file) -> None:
    document = DocumentController(example_file)
    with qtbot.waitSignals([document.modelChanged, document.changed, document.dirtyChanged]), \
            qtbot.assertNotEmitted(document.scenariosChanged):
        document.apply(SetItemField("outcomes", example_file.model.outcomes[0].id, "name", "X"))
    with qtbot.waitSignal(document.scenariosChanged), qtbot.assertNotEmitted(document.modelChanged):
        document.apply(DuplicateScenario(document.current_scenario_id, "copy", "Copy"))
    with qtbot.waitSignal(document.dirtyChanged) as clean:
        document.undo_stack.undo()
        document.undo_stack.undo()
    assert clean.args == [False]


def test_removing_the_current_scenario_moves_to_another(qtbot, example_file) -> None:
    document = DocumentController(example_file)
    first, second = example_file.scenarios[0].id, example_file.scenarios[1].id
    with qtbot.waitSignal(document.currentScenarioChanged) as changed:
        document.apply(RemoveScenario(first))
    assert changed.args == [second] and document.current_scenario_id == second


def test_a_refused_command_changes_nothing_and_says_why(qtbot, example_file) -> None:
    document = DocumentController(example_file)
    used = example_file.model.effects[0].service
    with qtbot.waitSignal(document.commandRefused) as refused:
        assert not document.apply(RemoveItem("services", used))
    assert "cannot be removed" in refused.args[0]
    assert document.file is example_file and document.undo_stack.count() == 0


def test_problems_follow_the_document(qtbot, example_file) -> None:
    document = DocumentController(example_file)
    assert document.problems() == []
    document.apply(SetItemField("services", example_file.model.services[0].id, "baseline_spend", 0.0))
    assert [p.message for p in document.problems()] == ["baseline_spend must be > 0 (got 0)"]
    document.undo_stack.undo()
    assert document.problems() == []
