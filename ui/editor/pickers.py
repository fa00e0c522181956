"""The editor's reference pickers: a unit cost for a service, evidence for an effect link.

Each opens its dialog (:mod:`ui.reference_pickers`) for the one selected row and applies
the chosen fields as one undoable step (a core ``Batch`` of ``SetItemField``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog

from cutsim.model.commands import Batch, SetItemField
from ui.reference_pickers import EvidenceDialog, UnitCostDialog

if TYPE_CHECKING:
    from ui.document import DocumentController


def apply_fields(document: DocumentController, kind: str, item_id: str, fields: dict[str, Any],
                 description: str) -> bool:
    """Set several fields of one item as one undoable edit."""
    commands = [SetItemField(kind, item_id, name, value) for name, value in fields.items()]  # type: ignore[arg-type]
    return document.apply(Batch(description, commands))


def _one_selected(table: Any, what: str) -> str | None:
    ids = table.selected_ids()
    if len(ids) != 1:
        table.document.report_refusal(f"Select one {what} first")
        return None
    return ids[0]


def pick_unit_cost(table: Any, dialog: UnitCostDialog | None = None) -> bool:
    """Fill the selected service's unit cost, activity unit and source from the database."""
    service_id = _one_selected(table, "service")
    if service_id is None:
        return False
    file = table.document.file
    service = file.model.service(service_id)
    dialog = dialog or UnitCostDialog(service.name, file.model.place.effective_price_year, table)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    return apply_fields(table.document, "services", service_id, dialog.fields(),
                        f"Unit cost of {service_id} from the Unit Cost Database")


def pick_evidence(table: Any, dialog: EvidenceDialog | None = None) -> bool:
    """Set the selected effect link's source and confidence from the evidence table."""
    effect_id = _one_selected(table, "effect link")
    if effect_id is None:
        return False
    dialog = dialog or EvidenceDialog(effect_id, table)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    return apply_fields(table.document, "effects", effect_id, dialog.fields(),
                        f"Evidence for {effect_id}")
