"""The presenter view: the controls a meeting needs, on the laptop.

Package switcher, the package's levers (in or out, and their size), reset to prepared,
undo and redo, the year and the savings target, red lines, a note for the minutes, the
optimiser's proposal, agreeing a package, the exports, and the decision log. Beside
them, a small copy of what the projector shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.errors import CutsimError
from cutsim.model.fmt import money
from cutsim.model.schema import RedLine
from cutsim.workshop import describe_lever, lever_size
from ui import dialogs
from ui.workshop.audience import AudienceView
from ui.workshop.controller import WorkshopController, optimiser_available


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button


class LeverRows(QWidget):
    """One row per lever of the current package: in/out, its words, its size."""

    def __init__(self, controller: WorkshopController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 1)
        self.checks: dict[str, QCheckBox] = {}
        self.sizes: dict[str, QDoubleSpinBox] = {}
        self._shape: tuple | None = None

    def sync(self) -> None:
        """Rebuild when the levers or their state changed; else only update sizes, so a
        spin box being edited keeps its focus."""
        states = self.controller.levers()
        shape = (self.controller.session.current, tuple((s.lever.id, s.on) for s in states))
        if shape != self._shape:
            self._rebuild(states)
            self._shape = shape
        for state in states:
            box = self.sizes.get(state.lever.id)
            size = lever_size(state.lever)
            if box is not None and size is not None and not box.hasFocus():
                box.blockSignals(True)
                box.setValue(size[0] if size[1] == "%" else size[0] / 1e6)
                box.blockSignals(False)

    def _rebuild(self, states: list) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.checks, self.sizes = {}, {}
        model = self.controller.file.model
        if not states:
            self.grid.addWidget(QLabel("This package has no levers."), 0, 0, 1, 3)
        for row, state in enumerate(states):
            lever = state.lever
            check = QCheckBox()
            check.setObjectName(f"lever_{lever.id}")
            check.setChecked(state.on)
            check.setToolTip("In the package (untick to take it out; it is remembered)")
            check.toggled.connect(lambda _on, lid=lever.id: self.controller.toggle(lid))
            words = describe_lever(lever, model)
            prepared = "" if state.prepared is None else (
                "" if state.prepared == lever
                else f"  (prepared: {describe_lever(state.prepared, model).split(' by ')[-1]})")
            text = QLabel(words[:1].upper() + words[1:] + prepared)
            text.setWordWrap(True)
            text.setEnabled(state.on)
            self.grid.addWidget(check, row, 0)
            self.grid.addWidget(text, row, 1)
            self.checks[lever.id] = check
            size = lever_size(lever)
            if size is not None:
                box = QDoubleSpinBox()
                box.setObjectName(f"size_{lever.id}")
                box.setKeyboardTracking(False)
                if size[1] == "%":
                    box.setRange(0.0, 100.0)
                    box.setDecimals(1)
                    box.setSuffix(" %")
                    box.setSingleStep(1.0)
                else:
                    box.setRange(0.0, 1e4)
                    box.setDecimals(3)
                    box.setPrefix("£")
                    box.setSuffix("m/yr")
                    box.setSingleStep(0.05)
                box.setValue(size[0] if size[1] == "%" else size[0] / 1e6)
                box.setEnabled(state.on)
                scale = 1.0 if size[1] == "%" else 1e6
                box.valueChanged.connect(lambda v, lid=lever.id, k=scale: self.controller.resize(lid, v * k))
                self.grid.addWidget(box, row, 2)
                self.sizes[lever.id] = box
        self.grid.setRowStretch(len(states) + 1, 1)  # rows stay together at the top


class PresenterView(QWidget):
    """The meeting's controls over a :class:`WorkshopController`."""

    leaveRequested = Signal()

    def __init__(self, controller: WorkshopController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("workshopPresenter")
        self.setWindowTitle("cutsim workshop: presenter view")
        session = controller.session

        # Packages, year and target.
        self.package_group = QButtonGroup(self)
        self.package_group.setExclusive(True)
        self.package_bar = QHBoxLayout()
        self._package_buttons: list[QPushButton] = []
        self.year = QComboBox()
        self.year.setObjectName("workshopYear")
        self.year.addItems([session.year_label(y) for y in range(session.horizon)])
        self.year.setCurrentIndex(session.year)
        self.year.currentIndexChanged.connect(controller.set_year)
        self.target = QDoubleSpinBox()
        self.target.setObjectName("workshopTarget")
        self.target.setRange(0.0, 1e5)
        self.target.setDecimals(2)
        self.target.setPrefix("£")
        self.target.setSuffix("m")
        self.target.setKeyboardTracking(False)
        self.set_target = _button("Set target", "setTarget", "Use this as the savings target for the year shown")
        self.set_target.clicked.connect(lambda: controller.set_target(self.target.value() * 1e6))
        self.clear_target = _button("Use agency's", "clearTarget", "Go back to the agency's own savings target")
        self.clear_target.clicked.connect(lambda: controller.set_target(None))
        self.target_source = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Package:"))
        top.addLayout(self.package_bar)
        top.addSpacing(16)
        top.addWidget(QLabel("Year:"))
        top.addWidget(self.year)
        top.addSpacing(16)
        top.addWidget(QLabel("Target:"))
        top.addWidget(self.target)
        top.addWidget(self.set_target)
        top.addWidget(self.clear_target)
        top.addWidget(self.target_source, 1)

        # Levers and the package's buttons.
        self.lever_rows = LeverRows(controller)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.lever_rows)
        self.add_lever = _button("Add lever…", "addLever",
                                 "Add a cut, invest, pool or procurement lever to this package "
                                 "(logged like any other decision)")
        self.add_lever.clicked.connect(lambda: self.add_lever_dialog().exec())
        self.reset = _button("Reset to prepared", "resetPackage", "Put this package back as prepared")
        self.reset.clicked.connect(controller.reset)
        self.undo = _button("Undo", "workshopUndo", "Undo the last change (Ctrl+Z)")
        self.undo.clicked.connect(controller.undo)
        self.redo = _button("Redo", "workshopRedo", "Redo (Ctrl+Shift+Z)")
        self.redo.clicked.connect(controller.redo)
        self.propose = _button("Propose package within red lines", "proposePackage",
                               "The optimiser's least-cost package meeting the target within the red lines, "
                               "protecting services whose levers were taken out")
        self.propose.clicked.connect(controller.propose)
        self.propose.setVisible(optimiser_available())
        # two rows of buttons, so the presenter view fits a laptop's screen
        buttons, more = QHBoxLayout(), QHBoxLayout()
        for b in (self.add_lever, self.reset, self.undo, self.redo):
            buttons.addWidget(b)
        buttons.addStretch(1)
        more.addWidget(self.propose)
        more.addStretch(1)
        levers_box = QGroupBox("Levers of this package")
        levers_layout = QVBoxLayout(levers_box)
        levers_layout.addWidget(scroll, 1)
        levers_layout.addLayout(buttons)
        levers_layout.addLayout(more)

        # Red lines.
        self.red_lines = QListWidget()
        self.red_lines.setObjectName("redLineList")
        self.outcome = QComboBox()
        self.outcome.setObjectName("redLineOutcome")
        self.outcome.setSizeAdjustPolicy(  # long outcome names never widen the view
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.outcome.setMinimumContentsLength(20)
        for outcome in controller.file.model.outcomes:
            self.outcome.addItem(outcome.name, outcome.id)
        self.max_change = QDoubleSpinBox()
        self.max_change.setObjectName("redLineMax")
        self.max_change.setRange(0.0, 1e9)
        self.max_change.setValue(5.0)
        self.unit = QComboBox()
        self.unit.setObjectName("redLineUnit")
        self.unit.addItem("%", "percent")
        self.unit.addItem("level", "level")
        add_line = _button("Add red line", "addRedLine", "The outcome must not worsen by more than this")
        add_line.clicked.connect(self._add_red_line)
        drop_line = _button("Drop", "dropRedLine", "Drop the selected red line")
        drop_line.clicked.connect(lambda: controller.remove_red_line(self.red_lines.currentRow()))
        outcome_row, line_row = QHBoxLayout(), QHBoxLayout()
        outcome_row.addWidget(self.outcome, 1)
        line_row.addWidget(QLabel("worse by at most"))
        line_row.addWidget(self.max_change)
        line_row.addWidget(self.unit)
        line_row.addWidget(add_line)
        line_row.addWidget(drop_line)
        lines_box = QGroupBox("Red lines (every package)")
        lines_layout = QVBoxLayout(lines_box)
        lines_layout.addWidget(self.red_lines)
        lines_layout.addLayout(outcome_row)
        lines_layout.addLayout(line_row)

        # Notes, agreement, exports and the log.
        self.note = QLineEdit()
        self.note.setObjectName("workshopNote")
        self.note.setPlaceholderText("A note for the minutes (Enter to log it)")
        self.note.returnPressed.connect(self._log_note)
        self.agree = _button("Agree this package", "agreePackage", "Record the package shown as agreed")
        self.agree.clicked.connect(self._agree)
        self.export_minutes = _button("Export minutes…", "exportMinutes", "Minutes as PDF or Markdown")
        self.export_minutes.clicked.connect(self._export_minutes)
        self.export_agreed = _button("Export agreed package…", "exportAgreed",
                                     "The agreed package as a .cutsim file for partners")
        self.export_agreed.clicked.connect(self._export_agreed)
        self.save_log = _button("Save log…", "saveLog", "Keep the decision log in a workspace")
        self.save_log.clicked.connect(self._save_log)
        self.leave = _button("Leave workshop (Esc)", "leaveWorkshop", "Back to the editor")
        self.leave.clicked.connect(self.leaveRequested)
        self.log_list = QListWidget()
        self.log_list.setObjectName("decisionLog")
        self.log_where = QLabel()
        self.log_where.setWordWrap(True)
        actions, exports = QHBoxLayout(), QHBoxLayout()  # two rows: a laptop's width
        for b in (self.agree, self.leave):
            actions.addWidget(b)
        for b in (self.export_minutes, self.export_agreed, self.save_log):
            exports.addWidget(b)
        log_box = QGroupBox("Decision log")
        log_layout = QVBoxLayout(log_box)
        log_layout.addWidget(self.note)
        log_layout.addWidget(self.log_list, 1)
        log_layout.addWidget(self.log_where)
        log_layout.addLayout(actions)
        log_layout.addLayout(exports)

        self.preview = AudienceView(controller)
        self.preview.setObjectName("audiencePreview")
        self.preview.setMinimumSize(480, 270)
        self.message = QLabel()
        self.message.setObjectName("workshopMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B00020; font-weight: bold;")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(levers_box, 3)
        left_layout.addWidget(lines_box, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.preview, 3)
        right_layout.addWidget(log_box, 2)
        self.preview.setToolTip("What the audience sees")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([700, 800])
        root = QVBoxLayout(self)
        root.addLayout(top)
        root.addWidget(self.message)
        root.addWidget(split, 1)

        controller.updated.connect(self.refresh)
        controller.logged.connect(self._on_logged)
        controller.message.connect(self.message.setText)
        self._fill_log()
        self.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the presenter's window leaves workshop mode (and closes the projector's)."""
        self.leaveRequested.emit()
        super().closeEvent(event)

    # --- refresh ---------------------------------------------------------------------

    def _sync_packages(self) -> None:
        packages = self.controller.session.packages
        if len(self._package_buttons) != len(packages):
            for button in self._package_buttons:
                self.package_group.removeButton(button)
                button.deleteLater()
            self._package_buttons = []
            for i, package in enumerate(packages):
                button = QPushButton(package.label)
                button.setObjectName(f"package_{package.label}")
                button.setCheckable(True)
                button.setToolTip(f"Show package {package.label} (key {i + 1})" if i < 9 else "")
                button.clicked.connect(lambda _c=False, index=i: self.controller.select(index))
                self.package_group.addButton(button, i)
                self.package_bar.addWidget(button)
                self._package_buttons.append(button)
        for i, button in enumerate(self._package_buttons):
            button.setChecked(i == self.controller.session.current)

    def refresh(self) -> None:
        c = self.controller
        self._sync_packages()
        self.lever_rows.sync()
        stack = c.document.undo_stack
        self.undo.setEnabled(stack.canUndo())
        self.redo.setEnabled(stack.canRedo())
        self.year.blockSignals(True)
        self.year.setCurrentIndex(c.session.year)
        self.year.blockSignals(False)
        target = c.session.target(c.file)
        if not self.target.hasFocus():
            self.target.blockSignals(True)
            self.target.setValue((target.amount or 0.0) / 1e6)
            self.target.blockSignals(False)
        self.target_source.setText(f"{money(target.amount)} ({target.source})")
        self.red_lines.clear()
        summary = c.current_summary()
        names = {o.id: o.name for o in c.file.model.outcomes}
        for i, line in enumerate(c.session.red_lines):
            status = summary.red_lines[i] if summary and i < len(summary.red_lines) else None
            mark = "" if status is None else ("  \u2716 breached from " + str(status.first_breach_label)
                                              if status.breached else "  \u2714 kept")
            unit = " %" if line.as_ == "percent" else ""
            self.red_lines.addItem(f"{names.get(line.outcome, line.outcome)}: at most "
                                   f"{line.max_change:g}{unit} worse{mark}")
        self.save_log.setVisible(c.log_in_memory)
        where = c.session.log.where
        self.log_where.setText(f"Written to {where.name} as it happens." if where is not None else
                               "Kept in memory: save the model, or Save log…, to keep it.")
        if c.error:
            self.message.setText(c.error)

    def add_lever_dialog(self) -> Any:
        """The lever editor on the current package; OK adds the lever through the workshop."""
        from ui.scenario.lever_editor import LeverEditor

        controller = self.controller
        run = getattr(controller, "run_controller", None)
        project = getattr(run, "project", None)
        try:
            compiled = project.compiled if project is not None else None
        except Exception:  # noqa: BLE001 - an invalid model: the validator's messages suffice
            compiled = None
        return LeverEditor(controller.document, controller.session.package().scenario_id, None,
                           compiled, self, apply=controller.add_lever)

    def _fill_log(self) -> None:
        self.log_list.clear()
        for decision in self.controller.entries():
            self._on_logged(decision)

    def _on_logged(self, decision) -> None:
        note = f" — {decision.note}" if decision.note else ""
        package = f"[{decision.package}] " if decision.package else ""
        self.log_list.addItem(f"{decision.at[11:16]}  {package}{decision.change}{note}")
        self.log_list.scrollToBottom()
        self.undo.setEnabled(self.controller.document.undo_stack.canUndo())
        self.redo.setEnabled(self.controller.document.undo_stack.canRedo())

    # --- actions -------------------------------------------------------------------

    def _add_red_line(self) -> None:
        line = RedLine(outcome=self.outcome.currentData(), max_change=float(self.max_change.value()),
                       **{"as": self.unit.currentData()})
        self.controller.add_red_line(line)

    def _log_note(self) -> None:
        if self.controller.note(self.note.text()) is not None:
            self.note.clear()

    def _agree(self) -> None:
        self.controller.agree(self.note.text().strip() or None)
        self.note.clear()

    def _ask_path(self, title: str, name: str, filters: str) -> Path | None:
        folder = self.controller.document.path.parent if self.controller.document.path else Path.home()
        chosen, _ = QFileDialog.getSaveFileName(self, title, str(folder / name), filters)
        return Path(chosen) if chosen else None

    def _export_minutes(self) -> None:
        path = self._ask_path("Export minutes", "workshop-minutes.pdf",
                              "PDF (*.pdf);;Markdown (*.md)")
        if path is not None:
            self._report(lambda: self.controller.export_minutes(path), "Minutes written to")

    def _export_agreed(self) -> None:
        path = self._ask_path("Export agreed package", "agreed-package.cutsim", "cutsim file (*.cutsim)")
        if path is not None:
            self._report(lambda: self.controller.export_agreed(path), "Package written to")

    def _save_log(self) -> None:
        path = self._ask_path("Save decision log in a workspace", "workshop.workshop.cutsimdb",
                              "cutsim workspace (*.cutsimdb)")
        if path is not None:
            self._report(lambda: self.controller.save_log(path), "Log kept in")
            self.refresh()

    def _report(self, action, words: str) -> None:
        try:
            path = action()
        except (CutsimError, OSError) as exc:
            dialogs.show_error(self, "Not written", str(exc))
            return
        self.message.setText(f"{words} {path.name}")
