"""Scenario notes: the description and lever notes in the minutes and, for levers on
non-confidential services only, in the publication."""

from __future__ import annotations

from pathlib import Path

from cutsim.api import Project
from cutsim.files.exchange import read_file
from cutsim.levers.kinds import CutLever
from cutsim.publish.build import render_all
from cutsim.publish.notes import notes_html, public_notes, with_notes
from cutsim.workshop import WorkshopSession, run_packages, summarise_all
from cutsim.workshop.minutes import build_minutes, to_markdown

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"
PUBLIC_NOTE = "Youth clubs move into schools' buildings."
SECRET_NOTE = "Supplier X's contract ends early <b>"


def noted_file():
    """The example with notes on a public lever and on a lever on a confidential service."""
    file = read_file(EXAMPLE)
    scenario = file.scenario("youth-cut")
    levers = [lv.model_copy(update={"note": PUBLIC_NOTE}) if lv.service == "youth" else lv
              for lv in scenario.levers]
    levers.append(CutLever(id="hc", kind="cut", service="home_care", percent=2.0,
                           note=SECRET_NOTE))  # home_care is confidential in the example
    scenario = scenario.model_copy(update={"levers": levers,
                                           "description": "Officers' first option."})
    return file.model_copy(update={"scenarios": [scenario, *file.scenarios[1:]]})


def test_minutes_show_the_description_and_every_lever_note():
    file = noted_file()
    session = WorkshopSession(file, ["youth-cut", "baseline"])
    session.agree(file, "A")
    summaries = summarise_all(session, file, run_packages(session, file))
    text = to_markdown(build_minutes(session, file, summaries))
    assert "Officers' first option." in text
    assert f"Note: {PUBLIC_NOTE}" in text
    assert "## Notes on the packages" in text and SECRET_NOTE in text  # minutes are internal


def test_publication_notes_only_for_levers_on_public_services():
    file = noted_file()
    notes = public_notes(file.model, file.scenario("youth-cut"))
    assert [n["note"] for n in notes] == [PUBLIC_NOTE]
    _doc, _result, files = render_all(Project(file), "youth-cut", draws=None)
    for name in ("index.html", "report.html"):
        page = files[name]
        assert PUBLIC_NOTE.replace("'", "&#39;") in page
        assert "Supplier X" not in page
        assert page.index('id="lever-notes"') < page.index("</main>")


def test_notes_are_escaped_and_absent_without_notes():
    block = notes_html([{"lever": "x", "services": "A & B", "note": "<script>"}])
    assert "<script>" not in block and "&lt;script&gt;" in block and "A &amp; B" in block
    assert with_notes("<main></main>", []) == "<main></main>"
