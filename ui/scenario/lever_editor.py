"""The lever editor: add or edit one lever of any kind, with the core's messages inline.

The editor builds the lever from its form on every change and checks it as the core
would: the validator's rules (:func:`cutsim.model.validation.validate_scenario`) and, when
a compiled model is at hand, the lever builder's (statutory floors, efficiency caps), so a
lever the engine would refuse shows why before it is applied. OK applies one undoable
``SetLever``; the editor never changes the document itself until then.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cutsim.model import lever_kinds
from cutsim.model.commands import SetLever
from cutsim.model.schema import Model, Scenario
from cutsim.model.validation import validate_scenario
from ui.scenario.lever_forms import LeverForm, form_for

if TYPE_CHECKING:
    from cutsim.engine.compiled import CompiledModel
    from ui.document import DocumentController

_SLUG_BAD = re.compile(r"[^a-z0-9_-]+")
LOCATION = "this lever"


def new_lever_id(base: str, taken: set[str]) -> str:
    """A fresh slug id from ``base`` (e.g. a service id), unique among ``taken``."""
    stem = _SLUG_BAD.sub("-", base.lower()).strip("-")[:56] or "lever"
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


def lever_problems(model: Model, scenario: Scenario, lever: Any, compiled: CompiledModel | None = None) -> list[str]:
    """The core's messages about ``lever`` in ``scenario`` (it replaces the lever with its id).

    The validator's messages first; then, if they are none and ``compiled`` (the current
    compiled model) is given, the lever builder's refusal, e.g. a cut below a floor.
    """
    levers = [lv for lv in scenario.levers if lv.id != lever.id]
    trial = scenario.model_copy(update={"levers": [*levers, lever]})
    own = f"{LOCATION} levers[{len(levers)}]"
    problems = [p.message if str(p.location).startswith(own) else str(p)
                for p in validate_scenario(model, trial, LOCATION)
                if str(p.location).startswith(own)]
    if problems or compiled is None:
        return problems
    from cutsim.levers.build import build_inputs  # the engine's own refusals
    from cutsim.levers.common import LeverError

    try:
        build_inputs(compiled, trial)
    except LeverError as error:
        return [str(error)]
    return []


class LeverEditor(QDialog):
    """Add a lever to, or edit one lever of, the document's current scenario."""

    def __init__(self, document: DocumentController, scenario_id: str, lever: Any = None,
                 compiled: CompiledModel | None = None, parent: QWidget | None = None,
                 apply: Callable[[Any], bool] | None = None) -> None:
        """``apply(lever) -> bool`` applies the finished lever; by default one ``SetLever``
        on the document (workshop mode passes its own, which logs the decision)."""
        super().__init__(parent)
        self.document, self.scenario_id, self.compiled = document, scenario_id, compiled
        self._apply_lever = apply
        self.original = lever
        model = document.file.model
        self.setWindowTitle("Edit lever" if lever is not None else "Add a lever")
        self.setObjectName("lever-editor")
        self.kind = QComboBox(self)
        self.kind.setObjectName("lever-kind")
        kinds = lever_kinds.all_kinds()  # every registered kind, each with its form
        for kind in kinds:
            self.kind.addItem(kind.title or kind.name, kind.name)
        self.lever_id = QLineEdit(self)
        self.lever_id.setObjectName("lever-id")
        self.lever_id.setToolTip("a short id: lower-case letters, digits, - and _")
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("lever-note")
        self.note.setPlaceholderText("Why this lever, what it assumes, who agreed it…")
        self.note.setMaximumHeight(70)
        self.forms: dict[str, LeverForm] = {kind.name: form_for(kind.name, model) for kind in kinds}
        self.stack = QStackedWidget(self)
        for form in self.forms.values():
            self.stack.addWidget(form)
            form.changed.connect(self._form_changed)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.stack)
        self.problems = QLabel(self)
        self.problems.setObjectName("lever-problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #B00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        top = QFormLayout()
        top.addRow("Kind of lever", self.kind)
        top.addRow("Lever id", self.lever_id)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(QLabel("Note (shown in minutes and exports)", self))
        layout.addWidget(self.note)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.resize(760, 680)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._id_typed = False  # a new lever's id follows its service until one is typed
        self.lever_id.textEdited.connect(self._id_edited)
        self.lever_id.textChanged.connect(self.check)
        self.note.textChanged.connect(self.check)
        if lever is not None:
            self.kind.setCurrentIndex(self.kind.findData(lever.kind))
            self.kind.setEnabled(False)  # another kind is another lever: remove and add
            self.lever_id.setText(lever.id)
            self.lever_id.setReadOnly(True)
            self.note.setPlainText(lever.note or "")
            self.forms[lever.kind].show_lever(lever)
        else:
            self.lever_id.setText(self._fresh_id())
        self._kind_changed()

    # ------------------------------------------------------------ reading the form
    def scenario(self) -> Scenario:
        return next(s for s in self.document.file.scenarios if s.id == self.scenario_id)

    def form(self) -> LeverForm:
        return self.forms[self.kind.currentData()]

    def _fresh_id(self) -> str:
        form = self.forms.get(self.kind.currentData())
        base = self.kind.currentData()
        service = getattr(form, "service", None)
        if isinstance(service, QComboBox) and service.currentData():
            base = f"{base}-{service.currentData()}"
        return new_lever_id(base, {lv.id for lv in self.scenario().levers})

    def _id_edited(self, _text: str) -> None:
        self._id_typed = True

    def _form_changed(self) -> None:
        if self.original is None and not self._id_typed:
            fresh = self._fresh_id()
            if fresh != self.lever_id.text():
                self.lever_id.setText(fresh)  # textChanged runs the check
                return
        self.check()

    def _kind_changed(self, *_: object) -> None:
        self.stack.setCurrentWidget(self.form())
        if self.original is None and not self._id_typed:
            self.lever_id.setText(self._fresh_id())
        self.check()

    def lever(self) -> Any:
        """The lever the form describes (raises pydantic's ValidationError if it is no lever)."""
        note = self.note.toPlainText().strip() or None
        return self.form().lever(self.lever_id.text().strip(), note)

    def problems_now(self) -> list[str]:
        try:
            lever = self.lever()
        except ValidationError as error:
            return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        except ValueError as error:  # a form's own reading of its fields (JSON text)
            return [str(error)]
        scenario = self.scenario()
        if self.original is None and any(lv.id == lever.id for lv in scenario.levers):
            return [f'a lever with id "{lever.id}" is already in this scenario']
        return lever_problems(self.document.file.model, scenario, lever, self.compiled)

    def check(self) -> list[str]:
        """Show the core's messages; OK only when there are none."""
        problems = self.problems_now()
        self.problems.setText("\n".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)
        return problems

    # ------------------------------------------------------------ applying
    def apply(self) -> bool:
        """Apply the lever as one undoable ``SetLever``; False (nothing changed) if refused."""
        if self.check():
            return False
        lever = self.lever()
        if self.original is not None and lever == self.original:
            return True
        if self._apply_lever is not None:
            return bool(self._apply_lever(lever))
        return bool(self.document.apply(SetLever(self.scenario_id, lever)))

    def accept(self) -> None:
        if self.apply():
            super().accept()
