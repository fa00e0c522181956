"""The decision a workshop agreed, read from its decision log as the actuals' decision
(issue 35)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cutsim.files.exchange import read_file, write_file
from cutsim.model.schema import Decision as AdoptedDecision
from cutsim.model.validation import validate_file
from cutsim.workshop import MemoryLog, WorkshopSession, open_log
from cutsim.workshop.adoption import agreed_decision, logged_entries
from cutsim.workshop.log import Decision

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def file():
    return read_file(EXAMPLE)


def test_the_last_agreement_of_a_meeting_is_the_decision(file) -> None:
    session = WorkshopSession(file, ["youth-cut", "baseline"], log=MemoryLog())
    session.record("Took out: cut Youth", "protect youth work")
    session.agree(file, "B", "first thoughts")
    session.agree(file, "A", "Cabinet to confirm on 4 March")  # the last agreement wins
    session.record("Exported the agreed package")
    found = agreed_decision(session.log.entries(), file)
    name = file.scenario("youth-cut").name
    day = session.log.entries()[-2].at[:10]
    assert found.decision == AdoptedDecision(scenario="youth-cut", date=day,
                                             by="budget workshop (package A)",
                                             notes="Cabinet to confirm on 4 March")
    assert found.reason == f'the workshop agreed package A ("{name}") on {day}'
    recorded = file.model_copy(update={"actuals": file.actuals.model_copy(
        update={"decision": found.decision})})
    assert validate_file(recorded) == []  # a decision the file accepts as it is


def test_no_agreement_or_an_unknown_scenario_gives_no_decision(file) -> None:
    none = agreed_decision([Decision("2026-03-04T10:00:00+00:00", "A", "Took out: cut Youth")],
                           file)
    assert none.decision is None and none.reason == "the decision log records no agreed package"
    gone = agreed_decision([Decision("2026-03-04T10:00:00+00:00", "C",
                                     "Agreed: package C (A plan since renamed)")], file)
    assert gone.decision is None
    assert gone.reason == ('the decision log agreed package C ("A plan since renamed") on '
                           "2026-03-04, but the file has no scenario of that name")


def test_the_log_is_read_where_the_meeting_kept_it(file, tmp_path: Path) -> None:
    assert logged_entries(None, False) == []
    path = tmp_path / "budget.cutsim"
    write_file(path, file)
    assert logged_entries(path, False) == []  # no meeting held on it yet
    session = WorkshopSession(file, ["youth-cut"], log=open_log(file, path, is_workspace=False))
    session.agree(file, "A")
    entries = logged_entries(path, False)  # from the sidecar beside the file
    assert [e.change for e in entries] == [f"Agreed: package A ({file.scenario('youth-cut').name})"]
    assert agreed_decision(entries, file).decision.scenario == "youth-cut"
