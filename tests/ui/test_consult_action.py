"""File → Build Consultation Page writes the page of the open document's scenario."""

from __future__ import annotations

import re
from pathlib import Path

import cutsim
from cutsim.model.commands import SetItemField

REPO = Path(__file__).resolve().parents[2]


def test_the_current_scenario_becomes_a_page_after_asking_to_offer_every_lever(
        window, tmp_path: Path, qtbot, dialog_log) -> None:
    scenario = window.document.current_scenario_id
    assert window.document.file.scenario(scenario).consultation is None
    assert not window.consultation.build_into(tmp_path / "no", offer_all=False)
    assert not (tmp_path / "no").exists()
    with qtbot.waitSignal(window.consultation.built, timeout=60_000) as done:
        assert window.consultation.build_into(tmp_path / "page", offer_all=True)
    page = done.args[0]
    html = page.read_text(encoding="utf-8")
    expected = cutsim.load(REPO / "models" / "example-place.cutsim").run(scenario)
    council = expected.compiled.agency_ids.index("council")
    shown = float(re.search(r'id="lead-planned" data-value="([^"]+)"', html).group(1))
    assert abs(shown - expected.agency_annual["planned_saving"][council][4]) < 0.005
    assert window.document.file.scenario(scenario).consultation is None  # the model is unchanged
    assert any("Consultation page written" in title for title, _ in dialog_log.infos)


def test_an_invalid_model_gives_a_message_and_no_page(window, tmp_path: Path, dialog_log) -> None:
    service = window.document.file.model.services[0]
    assert window.document.apply(SetItemField("services", service.id, "unit_cost", -5.0))
    assert not window.consultation.build_into(tmp_path / "out", offer_all=True)
    assert not (tmp_path / "out").exists()
    assert any("unit_cost must be > 0" in message for _title, message in dialog_log.errors)
