"""File → Publish writes the publication from the open document, off the UI thread."""

from __future__ import annotations

import json
from pathlib import Path

from cutsim.model.commands import SetItemField


def test_publish_writes_the_page_report_and_open_data(window, tmp_path: Path, qtbot, dialog_log) -> None:
    scenario = window.document.current_scenario_id
    assert scenario is not None
    with qtbot.waitSignal(window.publisher.published, timeout=120_000) as done:
        assert window.publisher.publish_to(tmp_path / "out")
    names = {p.name for p in done.args[0]}
    assert {"index.html", "open-data.json", "report.pdf"} <= names
    data = json.loads((tmp_path / "out" / "open-data.json").read_text(encoding="utf-8"))
    assert json.dumps(data).count(scenario) >= 1
    assert not window.publisher.busy


def test_an_invalid_model_is_not_published(window, tmp_path: Path, dialog_log) -> None:
    service = window.document.file.model.services[0]
    assert window.document.apply(SetItemField("services", service.id, "unit_cost", -5.0))
    assert not window.publisher.publish_to(tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert any("unit_cost must be > 0" in message for _title, message in dialog_log.errors)
