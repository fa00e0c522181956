"""The model editor: the place form and one searchable, editable table per kind of item."""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.commands import AddItem, Batch, ItemKind, RemoveItem
from cutsim.model.validation import Problem
from ui import dialogs
from ui.document import DocumentController
from ui.editor.columns import TITLES, column_index
from ui.editor.delegates import ChoiceDelegate
from ui.editor.locations import locate
from ui.editor.new_items import new_item
from ui.editor.table_model import SORT_ROLE, ItemTableModel

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
KINDS: tuple[ItemKind, ...] = ("agencies", "services", "outcomes", "effects", "demands")
ALL_AGENCIES = "All agencies"


class ItemFilterProxy(QSortFilterProxyModel):
    """Search across every column, optionally only the rows of one agency (services)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortRole(SORT_ROLE)
        self._agency: str | None = None

    def set_agency(self, agency: str | None) -> None:
        self.beginFilterChange()
        self._agency = agency
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if self._agency is not None and isinstance(model, ItemTableModel):
            if getattr(model.item(source_row), "agency", None) != self._agency:
                return False
        return super().filterAcceptsRow(source_row, source_parent)


class ItemTable(QWidget):
    """One kind of item: a search box, add/remove buttons and the table."""

    def __init__(self, document: DocumentController, kind: ItemKind,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document, self.kind = document, kind
        self.model = ItemTableModel(document, kind, self)
        self.proxy = ItemFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = self._make_view()
        self.search = QLineEdit()
        self.search.setObjectName(f"search_{kind}")
        self.search.setPlaceholderText(f"Search {TITLES[kind].lower()}…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Show only rows containing this text (in any column)")
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.agency_filter: QComboBox | None = None
        toolbar = QHBoxLayout()
        self.search.setMinimumWidth(100)
        toolbar.addWidget(self.search, 1)
        if kind == "services":
            self.agency_filter = QComboBox()
            self.agency_filter.setObjectName("agency_filter")
            self.agency_filter.setToolTip("Show the services of one agency")
            # long agency names do not set the editor's width (the list shows them whole)
            self.agency_filter.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            self.agency_filter.setMinimumContentsLength(8)
            self.agency_filter.currentTextChanged.connect(self._on_agency_filter)
            toolbar.addWidget(self.agency_filter)
            document.modelChanged.connect(self._fill_agencies)
            document.fileReplaced.connect(self._fill_agencies)
            self._fill_agencies()
        singular = "agency" if kind == "agencies" else kind[:-1]
        self.add_button = self._button("Add", f"Add a new {singular} after the current row (Insert)", self.add_row)
        self.remove_button = self._button("Remove", "Remove the selected rows (Delete)", self.remove_selected)
        toolbar.addWidget(self.add_button)
        toolbar.addWidget(self.remove_button)
        self.pick_button: QToolButton | None = None
        if kind in ("services", "effects"):
            from ui.editor.pickers import pick_evidence, pick_unit_cost

            text, tip, slot = (("Unit costs…", "Fill the selected service's "
                                "unit cost, activity unit and source from the GMCA Unit Cost "
                                "Database (Ctrl+U)", lambda: pick_unit_cost(self))
                               if kind == "services" else
                               ("Pick evidence…", "Set the selected link's source and confidence "
                                "from the bundled evidence table (Ctrl+U)", lambda: pick_evidence(self)))
            self.pick_button = self._button(text, tip, slot)
            self.pick_button.setObjectName(f"pick_{kind}")
            self.pick_button.setShortcut("Ctrl+U")
            toolbar.addWidget(self.pick_button)
        self.count_label = QLabel()
        toolbar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        if self.agency_filter is not None:
            # the services' search and agency filter on a row of their own, so the editor
            # fits between the side panels on a laptop's screen
            search_row = QHBoxLayout()
            for _ in range(2):
                item = toolbar.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    search_row.addWidget(widget, 1 if widget is self.search else 0)
            layout.addLayout(search_row)
            toolbar.addStretch(1)
        layout.addLayout(toolbar)
        layout.addWidget(self.view, 1)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._update_count)
        self._update_count()

    def _make_view(self) -> QTableView:
        view = QTableView()
        view.setObjectName(f"table_{self.kind}")
        view.setModel(self.proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # file order until a header is clicked
        view.setAlternatingRowColors(True)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        view.verticalHeader().setDefaultSectionSize(24)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.setWordWrap(False)
        for i, column in enumerate(self.model.columns):
            view.setColumnWidth(i, column.width)
            if column.kind == "choice":
                view.setItemDelegateForColumn(i, ChoiceDelegate(column, lambda: self.document.file, view))
        return view

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _update_count(self, *_: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{total} rows" if shown == total else f"{shown} of {total} rows")

    # --- agency filter -------------------------------------------------------------

    def _fill_agencies(self) -> None:
        assert self.agency_filter is not None
        current = self.agency_filter.currentText()
        ids = [a.id for a in self.document.file.model.agencies]
        self.agency_filter.blockSignals(True)
        self.agency_filter.clear()
        self.agency_filter.addItems([ALL_AGENCIES, *ids])
        self.agency_filter.setCurrentText(current if current in ids else ALL_AGENCIES)
        self.agency_filter.blockSignals(False)
        self._on_agency_filter(self.agency_filter.currentText())

    def _on_agency_filter(self, text: str) -> None:
        self.proxy.set_agency(None if text in ("", ALL_AGENCIES) else text)

    def clear_filters(self) -> None:
        self.search.clear()
        if self.agency_filter is not None:
            self.agency_filter.setCurrentText(ALL_AGENCIES)

    # --- add and remove ------------------------------------------------------------

    def add_row(self) -> bool:
        """Add a new item after the current row, select it and start editing its name."""
        item = new_item(self.kind, self.document.file, self._agency_shown())
        current = self.view.currentIndex()
        at = self.proxy.mapToSource(current).row() + 1 if current.isValid() else None
        if not self.document.apply(AddItem(self.kind, item, at)):
            return False
        self.clear_filters_if_hiding(item.id)
        self.select(item.id, "name" if column_index(self.kind, "name") is not None else "id")
        return True

    def _agency_shown(self) -> str | None:
        if self.agency_filter is None or self.agency_filter.currentText() == ALL_AGENCIES:
            return None
        return self.agency_filter.currentText()

    def selected_ids(self) -> list[str]:
        rows = {self.proxy.mapToSource(i).row() for i in self.view.selectionModel().selectedIndexes()}
        if not rows and self.view.currentIndex().isValid():
            rows = {self.proxy.mapToSource(self.view.currentIndex()).row()}
        return [self.model.item(r).id for r in sorted(rows) if r >= 0]

    def remove_selected(self) -> bool:
        ids = self.selected_ids()
        if not ids:
            self.document.report_refusal("Select the rows to remove first")
            return False
        commands = [RemoveItem(self.kind, item_id) for item_id in ids]
        command = commands[0] if len(commands) == 1 else Batch(f"Remove {len(ids)} {self.kind}", commands)
        before = self.document.file
        if self.document.apply(command):
            return True
        if self.document.file is before:
            # Refused (something still refers to it): the reasons deserve more than a status line.
            try:
                command.apply(before)
            except Exception as exc:  # the same refusal, to show its full message
                dialogs.show_error(self.window(), "Cannot remove", str(exc))
        return False

    # --- navigation ----------------------------------------------------------------

    def clear_filters_if_hiding(self, item_id: str) -> None:
        row = self.model.row_of(item_id)
        if row is not None and not self.proxy.mapFromSource(self.model.index(row, 0)).isValid():
            self.clear_filters()

    def select(self, item_id: str, field: str | None = None) -> bool:
        """Scroll to and select one cell (the id cell if ``field`` is not a column)."""
        row = self.model.row_of(item_id)
        if row is None:
            return False
        return self.select_row(row, field)

    def select_row(self, row: int, field: str | None = None) -> bool:
        column = column_index(self.kind, field) if field else None
        source = self.model.index(row, column or 0)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            self.clear_filters()
            index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        self.view.setFocus()
        return True


class ModelEditor(QTabWidget):
    """Place form plus one tab per kind of item. Every edit is an undoable core command."""

    def __init__(self, document: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ui.editor.place_form import (
            PlaceForm,  # local: keeps module import order simple
        )

        self.setObjectName("modelEditor")
        self.setDocumentMode(True)
        self.document = document
        self.place_form = PlaceForm(document)
        self.addTab(self.place_form, "Place")
        self.tables: dict[ItemKind, ItemTable] = {}
        for kind in KINDS:
            table = ItemTable(document, kind)
            self.tables[kind] = table
            self.addTab(table, kind.capitalize())
        document.changed.connect(self._update_tab_titles)
        document.fileReplaced.connect(self._update_tab_titles)
        self._update_tab_titles()

    def current_table(self) -> ItemTable | None:
        widget = self.currentWidget()
        return widget if isinstance(widget, ItemTable) else None

    def show_kind(self, kind: ItemKind) -> ItemTable:
        table = self.tables[kind]
        self.setCurrentWidget(table)
        return table

    def _update_tab_titles(self) -> None:
        counts: dict[str, int] = {}
        for problem in self.document.problems():
            match = re.match(r"^(\w+)\[", problem.location)
            section = "place" if problem.location == "place" else (match.group(1) if match else "")
            counts[section] = counts.get(section, 0) + 1
        self.setTabText(0, "Place" + (f" ⚠{counts['place']}" if counts.get("place") else ""))
        for i, kind in enumerate(KINDS, start=1):
            total = len(getattr(self.document.file.model, kind))
            warn = f" ⚠{counts[kind]}" if counts.get(kind) else ""
            self.setTabText(i, f"{kind.capitalize()} ({total}){warn}")

    def go_to_location(self, problem: Problem) -> bool:
        """Show the cell (or the place field) a validator problem is about."""
        where = locate(problem)
        if where.section == "place":
            self.setCurrentWidget(self.place_form)
            edit = self.place_form.edits.get(where.field or "name")
            if edit is not None:
                edit.setFocus()
            return True
        if where.section == "scenario":
            if where.scenario_id and any(s.id == where.scenario_id for s in self.document.file.scenarios):
                self.document.set_current_scenario(where.scenario_id)
                return True
            return False
        kind = next((k for k in KINDS if k == where.section), None)
        if kind is not None:
            table = self.show_kind(kind)
            return table.select_row(where.row, where.field or "id")
        return False
