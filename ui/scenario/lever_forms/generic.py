"""The form of a lever kind that has no form of its own: its fields as JSON text.

Any registered kind can be added and edited in the app this way (a kind's own form
module, beside this one, shows it in people's units instead). Timing is edited as for
every kind; the id, kind and note are the editor's.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from cutsim.model import lever_kinds
from cutsim.model.schema import Model
from ui.scenario.lever_forms.common import LeverForm, TimingFields

_EDITOR_FIELDS = {"id", "kind", "note", "start_year", "phase_years"}


class JsonLeverForm(LeverForm):
    """A lever's own fields as a JSON object, checked by the kind's schema on every edit."""

    def __init__(self, model: Model, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.kind = kind
        self.fields = QPlainTextEdit(self)
        self.fields.setObjectName(f"{kind}-fields")
        self.fields.setPlaceholderText('{"service": "youth", …}')
        self.fields.setPlainText("{}")
        self.timing = TimingFields(self, self.form, model)
        self.form.addRow(f"Fields of this {kind} lever (JSON)", self.fields)
        self._watch(self.fields.textChanged, *self.timing.signals())

    def lever(self, lever_id: str, note: str | None) -> Any:
        """The lever; a ``ValueError`` (bad JSON, or pydantic's error) names what is wrong."""
        try:
            values = json.loads(self.fields.toPlainText() or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"fields: not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(values, dict):
            raise ValueError("fields: must be a JSON object, {…}")
        schema = lever_kinds.get(self.kind).schema
        return schema.model_validate({**{k: v for k, v in values.items() if k not in _EDITOR_FIELDS},
                                      "id": lever_id, "kind": self.kind, "note": note,
                                      **self.timing.read()})

    def show_lever(self, lever: Any) -> None:
        own = {k: v for k, v in lever.model_dump(mode="json", exclude_defaults=True).items()
               if k not in _EDITOR_FIELDS}
        self.fields.setPlainText(json.dumps(own, indent=2, ensure_ascii=False))
        self.timing.show(lever)
