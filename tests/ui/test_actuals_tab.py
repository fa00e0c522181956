"""The Actuals tab: observations editable with undo, the review over the forecast band."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from support.small_model import EXAMPLE

from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.results.actuals import ActualsPage


@pytest.fixture
def page(qtbot):
    document = DocumentController(read_file(EXAMPLE))
    widget = ActualsPage(document)
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def test_editing_a_value_is_one_undoable_step(page, qtbot) -> None:
    document = page.document
    before = document.file.actuals
    row = next(i for i, o in enumerate(before.observations) if o.kind == "spend")
    index = page.model.index(row, 3)
    assert page.model.setData(index, "2,500,000", Qt.ItemDataRole.EditRole)
    assert document.file.actuals.observations[row].value == 2_500_000.0
    assert page.model.data(index) == "£2.50m"
    assert document.undo_stack.count() == 1 and document.is_dirty
    document.undo_stack.undo()
    assert document.file.actuals == before
    assert page.model.data(index) == "£2.55m"  # the table follows the undo


def test_text_in_a_value_is_refused_and_changes_nothing(page, qtbot) -> None:
    document = page.document
    before = document.file
    with qtbot.waitSignal(document.commandRefused) as refused:
        assert not page.model.setData(page.model.index(0, 3), "lots", Qt.ItemDataRole.EditRole)
    assert "value must be a number" in refused.args[0]
    assert document.file is before and document.undo_stack.count() == 0


def test_add_and_remove_rows_undo(page) -> None:
    document = page.document
    n = len(document.file.actuals.observations)
    page.table.setCurrentIndex(page.model.index(1, 0))  # youth offending, 2027-28
    page.add_row()
    added = document.file.actuals.observations[-1]
    assert len(document.file.actuals.observations) == n + 1 and added.year == "2028-29"
    page.table.setCurrentIndex(page.model.index(n, 0))
    page.remove_row()
    assert len(document.file.actuals.observations) == n
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert len(document.file.actuals.observations) == n


def test_review_shows_the_band_the_variance_and_what_moved(page, qtbot) -> None:
    page.draws.setValue(512)
    with qtbot.waitSignal(page.reviewFinished, timeout=30000) as finished:
        page.review_button.click()
        assert page.review_running and not page.review_button.isEnabled()  # on its own thread
    assert finished.args[0] is page.result
    assert not page.review_running and page.review_button.isEnabled()
    assert page.progress.isHidden() and page.cancel_button.isHidden()
    assert page.outcome_choice.count() == 6
    assert page.variance.rowCount() == 4  # two services, two years
    assert page.variance.item(0, 3).text() == "£450k"  # youth: 75 % of £600k delivered
    assert page.learning.rowCount() == 8
    assert "effective sample size" in page.summary.text()
    assert page.chart.getPlotItem().legend.names() == [
        "forecast, likely range (P10 to P90)", "forecast, central", "without the decision",
        "what happened"]


def test_the_review_runs_off_the_interface_thread_with_progress(page, qtbot) -> None:
    page.draws.setValue(4096)  # 16 blocks of draws
    seen: list[int] = []
    page.progress.valueChanged.connect(seen.append)
    page.show()
    with qtbot.waitSignal(page.progress.valueChanged, timeout=30000):
        assert page.run_review()
    assert not page.progress.isHidden() and not page.cancel_button.isHidden()
    qtbot.waitUntil(lambda: page.result is not None, timeout=60000)
    assert len(set(seen)) >= 3 and max(seen) == 100  # several steps on the way
    assert page.result.draws == 4096


def test_cancel_stops_the_review_and_shows_nothing(page, qtbot) -> None:
    page.draws.setValue(20000)
    assert page.run_review()
    worker = page._jobs.current
    page.cancel_button.click()
    assert worker.is_cancelled
    qtbot.waitUntil(lambda: not page._jobs, timeout=30000)  # its thread has finished
    assert page.result is None and not page.review_running
    assert page.review_button.isEnabled() and page.progress.isHidden()
    assert page.variance.isHidden()  # nothing of a review shown


def test_a_review_with_no_actuals_is_refused_without_a_thread(qtbot) -> None:
    from cutsim.model.schema import Actuals
    document = DocumentController(read_file(EXAMPLE).model_copy(update={"actuals": Actuals()}))
    widget = ActualsPage(document)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(document.commandRefused) as refused:
        assert not widget.run_review()
    assert "no actuals" in refused.args[0] and not widget.review_running


def test_the_workshops_agreed_package_is_offered_as_the_decision(qtbot, tmp_path) -> None:
    from cutsim.files.exchange import write_file
    from cutsim.workshop import WorkshopSession, open_log

    file = read_file(EXAMPLE)
    path = tmp_path / "budget.cutsim"
    write_file(path, file)
    document = DocumentController(file, path)
    widget = ActualsPage(document)
    qtbot.addWidget(widget)
    assert widget.adopt_button.isHidden()  # no meeting held on this file yet
    session = WorkshopSession(file, ["youth-cut"], log=open_log(file, path, is_workspace=False))
    session.agree(file, "A", "to cabinet")
    widget.show()  # the log is read again when the tab is shown
    qtbot.waitUntil(lambda: widget.adopt_button.isVisible())
    assert "agreed package A" in widget.adopt_button.toolTip()
    before = document.file.actuals.decision
    assert widget.record_logged_decision()
    decision = document.file.actuals.decision
    assert (decision.scenario, decision.by, decision.notes) == (
        "youth-cut", "budget workshop (package A)", "to cabinet")
    assert document.file.actuals.observations == file.actuals.observations
    assert document.undo_stack.count() == 1 and widget.adopt_button.isHidden()
    assert "by budget workshop (package A)" in widget.summary.text()
    document.undo_stack.undo()
    assert document.file.actuals.decision == before and widget.adopt_button.isVisible()


def test_the_dock_offers_the_chart_for_export_once_the_review_is_in(make_results_docks, qtbot) -> None:
    _document, _controller, _scenario, results = make_results_docks(EXAMPLE)
    results.tabs.setCurrentWidget(results.actuals)
    export = results.export_buttons["export-chart"]
    assert not export.isEnabled()  # no chart before a review
    results.actuals.draws.setValue(256)
    with qtbot.waitSignal(results.actuals.reviewFinished, timeout=30000):
        results.actuals.review_button.click()
    assert export.isEnabled()
    results.actuals.shutdown()
