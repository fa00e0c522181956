"""Where the selected lever falls: a tick list of the model's areas (none ticked = the
whole place). Ticking applies ``SetLever`` with the lever's ``areas`` (one undo step)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from cutsim.model.schema import Area

WHOLE_PLACE_TIP = ("Tick areas to make this cut or investment fall there only (percent of "
                   "their share of the spend); tick none for the whole place.")


class AreaTargets(QListWidget):
    """``targetsChanged(object)`` gives the ticked area ids, or None when none is ticked."""

    targetsChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lever-areas")
        self.setToolTip(WHOLE_PLACE_TIP)
        self.setAccessibleName("Areas the selected lever falls in")
        self.setMaximumHeight(110)
        self.itemChanged.connect(self._changed)

    def set_areas(self, areas: list[Area]) -> None:
        self.blockSignals(True)
        self.clear()
        for area in areas:
            decile = f", decile {area.deprivation_decile}" if area.deprivation_decile else ""
            item = QListWidgetItem(f"{area.name} ({area.population:,} people{decile})", self)
            item.setData(Qt.ItemDataRole.UserRole, area.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.blockSignals(False)

    def show_lever(self, lever: Any) -> None:
        """Tick the lever's areas (none for a whole-place lever) without emitting."""
        ticked = set(getattr(lever, "areas", None) or [])
        self.blockSignals(True)
        for i in range(self.count()):
            item = self.item(i)
            state = Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in ticked \
                else Qt.CheckState.Unchecked
            item.setCheckState(state)
        self.blockSignals(False)

    def ticked(self) -> list[str] | None:
        ids = [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
               if self.item(i).checkState() == Qt.CheckState.Checked]
        return ids or None

    def _changed(self, _item: QListWidgetItem) -> None:
        self.targetsChanged.emit(self.ticked())
