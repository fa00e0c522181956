"""The place's own fields (name, base year, horizon, discount rate, …) as a form."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.commands import SetPlaceField
from ui.document import DocumentController
from ui.editor.columns import Column, ParseError
from ui.editor.locations import ProblemIndex

PROBLEM_STYLE = "QLineEdit { background: #ffcdcd; color: #780000; }"


@dataclass(frozen=True)
class _Field:
    column: Column
    label: str


FIELDS = [
    _Field(Column("name", "Name", help="The place's name, as shown on every output"), "Name"),
    _Field(Column("base_year", "Base year", "integer", "Year t = 0 starts on 1 April of this year"), "Base year"),
    _Field(Column("horizon_years", "Horizon", "integer", "Years modelled (1-100)"), "Horizon (years)"),
    _Field(Column("steps_per_year", "Steps", "integer", "Time steps per year (12 = monthly)"), "Steps per year"),
    _Field(Column("discount_rate", "Discount rate", "number",
                  "Green Book discount rate as a fraction (0.035 = 3.5 %)"), "Discount rate"),
    _Field(Column("price_year", "Price year", "optional_number",
                  "Prices are in this year's money (blank: the base year)"), "Price year"),
    _Field(Column("population", "Population", "optional_number", "Residents (optional)"), "Population"),
    _Field(Column("local_multiplier", "Local multiplier", "optional_number",
                  "Local economic multiplier for procurement levers (optional)"), "Local multiplier"),
    _Field(Column("discount_schedule", "Discount schedule", "optional_text",
                  "green_book (blank): the rate for years 1-30, then the Green Book's 3.0 % and "
                  "2.5 %; flat: the rate every year"), "Discount schedule"),
    _Field(Column("terminal_years", "Terminal years", "optional_number",
                  "Years after the horizon counted at the long-run level beside the NPV "
                  "(blank: no terminal value)"), "Terminal value (years)"),
]
_INTEGER_FIELDS = {"price_year", "population", "terminal_years"}  # optional, but whole numbers when given


class PlaceForm(QWidget):
    """Edits the place; each field is committed when editing finishes, as one undo step."""

    def __init__(self, document: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.edits: dict[str, QLineEdit] = {}
        group = QGroupBox("Place")
        form = QFormLayout(group)
        for spec in FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"place_{spec.column.field}")
            edit.setToolTip(spec.column.help)
            edit.editingFinished.connect(lambda spec=spec, edit=edit: self._commit(spec.column, edit))
            form.addRow(spec.label, edit)
            self.edits[spec.column.field] = edit
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("place_notes")
        self.notes.setToolTip("Notes on the place: sources, price basis, what is illustrative")
        self.notes.setReadOnly(True)  # long text: edited in the file; shown here for reference
        form.addRow("Notes", self.notes)
        layout = QVBoxLayout(self)
        layout.addWidget(group)
        layout.addStretch(1)
        document.modelChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        place = self.document.file.model.place
        problems = ProblemIndex(self.document.problems()).place
        for field_name, edit in self.edits.items():
            column = next(f.column for f in FIELDS if f.column.field == field_name)
            if not edit.hasFocus():
                edit.setText(column.edit_text(getattr(place, field_name)))
            messages = [p.message for p in problems.get(field_name, [])]
            edit.setStyleSheet(PROBLEM_STYLE if messages else "")
            edit.setToolTip("\n".join(messages) if messages else column.help)
        self.notes.setPlainText(place.notes or "")

    def _commit(self, column: Column, edit: QLineEdit) -> None:
        place = self.document.file.model.place
        try:
            value = column.parse(edit.text())
            if column.field in _INTEGER_FIELDS and value is not None:
                if not float(value).is_integer():
                    raise ParseError(f"{column.field} must be a whole number (got {edit.text()!r})")
                value = int(value)
        except ParseError as exc:
            self.document.report_refusal(f"place: {exc}")
            edit.setText(column.edit_text(getattr(place, column.field)))
            return
        if value != getattr(place, column.field):
            self.document.apply(SetPlaceField(column.field, value))
        # Show what the document now holds (the edit keeps focus, so refresh() skips it).
        edit.setText(column.edit_text(getattr(self.document.file.model.place, column.field)))
        self.refresh()
