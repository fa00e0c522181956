"""The output audit on the workshop's screens (docs/result-format.md): for every bundled scenario and
a baseline, the presenter and audience views show no rounding noise, exponent, negative
zero, "£1,000k", elided figure, negative amount in words or degenerate range, in the
headline year, the first and the last year."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QAbstractButton, QLabel, QListWidget, QTableWidget

from cutsim.files.exchange import read_file
from cutsim.model.audit import audit_text
from cutsim.model.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "models").glob("*.cutsim")) + sorted((ROOT / "scenarios").glob("*.cutsim"))


def _screen_texts(*views) -> list[str]:
    """Every piece of text the views show: labels, buttons, list and table items (each
    audited on its own: a table's row heading and its signed cells are not a sentence)."""
    parts: list[str] = []
    for view in views:
        parts += [w.text() for w in view.findChildren(QLabel)]
        parts += [w.text() for w in view.findChildren(QAbstractButton)]
        for lst in view.findChildren(QListWidget):
            parts += [lst.item(i).text() for i in range(lst.count())]
        for table in view.findChildren(QTableWidget):
            parts += [table.item(r, c).text() for r in range(table.rowCount())
                      for c in range(table.columnCount()) if table.item(r, c) is not None]
    return parts


def _variants(path: Path):
    file = read_file(path)
    yield "packages", file
    baseline = next((s for s in file.scenarios if not s.levers), Scenario(id="no-change", name="No change"))
    yield "baseline", file.model_copy(update={"scenarios": [baseline], "provenance": None, "sha256": None})


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_workshop_screens_are_clean(path, make_window, qtbot, dialog_log):
    dialog_log.yes = False
    for kind, file in _variants(path):
        window = make_window(file)
        window.actions.all["workshop"].trigger()
        mode = window._workshop
        assert mode is not None, dialog_log.errors
        qtbot.addWidget(mode.presenter)
        qtbot.addWidget(mode.audience)
        c = mode.controller
        assert c.error is None, c.error
        seen = 0
        for year in (c.session.year, 0, c.session.horizon - 1):
            c.set_year(year)
            for index in range(len(c.session.packages)):
                c.select(index)
                texts = _screen_texts(mode.presenter, mode.audience)
                assert any(c.session.year_label() in t for t in texts)  # the year is named
                findings = [f for t in texts for f in audit_text(t)]
                assert findings == [], f"{path.stem} {kind} year {year}: " + "; ".join(
                    f"{f.form}: …{f.excerpt}…" for f in findings)
                seen += 1
        assert seen >= 3
        if shiboken6.isValid(mode) and mode._active:
            mode.leave()
