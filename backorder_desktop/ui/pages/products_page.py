"""The Products tab: search, filters, the windowed products table, assignment, and a variants pane."""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QItemSelection
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QTableView
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.domain.status import SyncPhase
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.models.catalog_columns import SORT_KEYS
from backorder_desktop.ui.models.catalog_columns import Column
from backorder_desktop.ui.models.catalog_table_model import CatalogTableModel
from backorder_desktop.ui.pages.backorder_pane import BackorderPane
from backorder_desktop.ui.pages.backorder_pane import ProductIds
from backorder_desktop.ui.pages.products_actions import ProductActions
from backorder_desktop.ui.pages.variants_pane import VariantsPane
from backorder_desktop.ui.workers import BackgroundRunner

logger = logging.getLogger(__name__)

SEARCH_DEBOUNCE_MS = 150
SELECTION_DEBOUNCE_MS = 150  # the BackOrder pane reads a selection once it stops moving
# While a sync runs the table re-reads its count and shown rows at most this often: rows appear as
# pages are committed, without a re-read per page (a full pull commits several pages a second).
SYNC_REFRESH_MS = 1000
TABLE_START_HEIGHT = 10_000  # more than any screen: the splitter gives the table what is left
VISIBILITY_CHOICES = (("All products", None), ("Visible only", True), ("Hidden only", False))


class ProductsPage(QWidget):
    """Browse and assign products; stock edits and history go out as signals."""

    stock_edit_requested = Signal(object, object, int)  # Product, Variant or None, new level
    stock_history_requested = Signal(object)  # Product

    def __init__(self, runner: BackgroundRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("products_page")
        self._runner = runner
        self._profile: Profile | None = None
        self.model = CatalogTableModel(runner, self)
        self.model.count_changed.connect(self._on_model_count_changed)
        self.model.stock_edit_requested.connect(self._on_model_stock_edit_requested)
        self.product_actions = ProductActions(self, runner)
        self.stock_edit_requested.connect(self.product_actions.edit_stock)
        self.model.stock_refused.connect(self.product_actions.refuse_stock)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(self._build_filters())
        splitter = self.splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._build_table())
        self.variants = VariantsPane()
        self.variants.stock_edit_requested.connect(self.stock_edit_requested)
        self.variants.history_requested.connect(self.stock_history_requested)
        self.variants.stock_refused.connect(self.product_actions.refuse_stock)
        self.backorder = BackorderPane(runner)
        self.backorder.rules_changed.connect(self.product_actions.changed)
        self.backorder.message_posted.connect(self.product_actions.message_posted)
        # Side by side: the variants keep the height of their rows, the rules fit beside them.
        details = self.details = QSplitter(Qt.Orientation.Horizontal)
        details.addWidget(self.variants)
        details.addWidget(self.backorder)
        details.setStretchFactor(0, 3)
        details.setStretchFactor(1, 2)
        splitter.addWidget(details)
        # The pane starts tall enough for a product's usual variants (its size hint); a taller
        # window gives its extra height to the products.
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([TABLE_START_HEIGHT, self.variants.sizeHint().height()])
        layout.addWidget(splitter)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self._count = 0
        self._estimate: int | None = None  # products a running full pull will have brought
        self._refresh_missed = False
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(SYNC_REFRESH_MS)
        self._sync_timer.timeout.connect(self._on_sync_timer_timeout)
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(SELECTION_DEBOUNCE_MS)
        self._selection_timer.timeout.connect(self._on_selection_timer_timeout)

    def _build_filters(self) -> QVBoxLayout:
        """The search and its filters: what a product is on the first line, where its stock stands
        (out of stock, owed, against its backorder rules) on the second, so the search box keeps
        its width at the window's default size."""
        lines = QVBoxLayout()
        row = QHBoxLayout()
        stock_row = QHBoxLayout()
        lines.addLayout(row)
        lines.addLayout(stock_row)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("search_box")
        self.search_box.setPlaceholderText("Search by name or SKU")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textEdited.connect(self._on_search_box_text_edited)
        self.search_box.returnPressed.connect(self._on_search_timer_timeout)
        row.addWidget(self.search_box, 3)
        self.backorder_only = QCheckBox("BackOrder products only")
        self.backorder_only.toggled.connect(self._on_filter_changed)
        row.addWidget(self.backorder_only)
        self.visibility = QComboBox()
        for text, _ in VISIBILITY_CHOICES:
            self.visibility.addItem(text)
        self.visibility.currentIndexChanged.connect(self._on_filter_changed)
        row.addWidget(self.visibility)
        row.addStretch(1)
        self.count_label = QLabel("")
        row.addWidget(self.count_label)
        self.assign_button = QPushButton("Assign to BackOrder")
        self.assign_button.setObjectName("assign_button")
        self.assign_button.clicked.connect(lambda: self.product_actions.assign_selected(assign=True))
        self.unassign_button = QPushButton("Remove from BackOrder")
        self.unassign_button.setObjectName("unassign_button")
        self.unassign_button.clicked.connect(lambda: self.product_actions.assign_selected(assign=False))
        for button in (self.assign_button, self.unassign_button):
            button.setEnabled(False)
            row.addWidget(button)
        self.out_of_stock = QCheckBox("Out of stock")
        self.out_of_stock.toggled.connect(self._on_filter_changed)
        stock_row.addWidget(self.out_of_stock)
        self.backordered = QCheckBox("Backordered")
        self.backordered.setObjectName("backordered_filter")
        self.backordered.setToolTip("BackOrder products with units sold below zero, still owed to customers")
        self.backordered.toggled.connect(self._on_filter_changed)
        stock_row.addWidget(self.backordered)
        self.near_limit = self._filter_box(
            "Near limit", "near_limit_filter", "BackOrder products within 10 % of their backorder limit"
        )
        self.at_limit = self._filter_box(
            "At limit", "at_limit_filter", "BackOrder products that have sold up to their backorder limit"
        )
        self.date_passed = self._filter_box(
            "Date passed",
            "date_passed_filter",
            "BackOrder products still owing units after their expected date",
        )
        for box in (self.near_limit, self.at_limit, self.date_passed):
            stock_row.addWidget(box)
        stock_row.addStretch(1)
        return lines

    def show_only(self, *filters: str) -> None:
        """List what ``filters`` select and nothing else: the search cleared, every other filter off
        (the dashboard's tiles open their lists so). Names: backorder_only, out_of_stock,
        backordered, near_limit, at_limit, date_passed."""
        boxes = {
            "backorder_only": self.backorder_only,
            "out_of_stock": self.out_of_stock,
            "backordered": self.backordered,
            "near_limit": self.near_limit,
            "at_limit": self.at_limit,
            "date_passed": self.date_passed,
        }
        unknown = set(filters) - set(boxes)
        if unknown:
            raise ValueError(f"no such products filter: {sorted(unknown)}")
        for widget in (*boxes.values(), self.visibility):
            widget.blockSignals(True)
        for name, box in boxes.items():
            box.setChecked(name in filters)
        self.visibility.setCurrentIndex(0)
        for widget in (*boxes.values(), self.visibility):
            widget.blockSignals(False)
        self._search_timer.stop()
        self.search_box.clear()
        self._on_filter_changed()
        if self.model.query.text:  # a search was in force: it is cleared too
            self.model.set_query(replace(self.model.query, text=""))

    def _filter_box(self, text: str, name: str, tip: str) -> QCheckBox:
        box = QCheckBox(text)
        box.setObjectName(name)
        box.setToolTip(tip)
        box.toggled.connect(self._on_filter_changed)
        return box

    def _build_table(self) -> QTableView:
        table = self.table = QTableView()
        table.setObjectName("products_table")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        # Fixed row heights: with 100,000 rows the view must never measure its rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        widths = {Column.SKU: 140, Column.STOCK: 80, Column.BACKORDERED: 90, Column.BACKORDER: 80}
        widths |= {Column.AVAILABLE: 110, Column.LIMIT: 60, Column.EXPECTED: 90, Column.VISIBILITY: 80}
        widths |= {Column.AVAILABILITY: 100, Column.MODIFIED: 150}
        for column, width in widths.items():
            table.setColumnWidth(column, width)
        header.setSortIndicator(Column.NAME, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        header.sortIndicatorChanged.connect(self._on_header_sort_indicator_changed)
        self._sort = (int(Column.NAME), Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(lambda at: self.product_actions.show_menu(at))
        # Delete removes the selected products from BackOrder, after a question; only while the
        # table has the focus (in the search box it deletes text).
        self.remove_action = QAction("Remove from BackOrder…", table)
        self.remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self._on_remove_action_triggered)
        table.addAction(self.remove_action)
        table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.model.dataChanged.connect(self._on_model_data_changed)
        return table

    def _on_remove_action_triggered(self) -> None:
        self.product_actions.assign_selected(assign=False, confirm=True)

    # --- wiring ---------------------------------------------------------------------------

    @property
    def profile(self) -> Profile | None:
        return self._profile

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def set_profile(self, profile: Profile | None) -> None:
        self._profile = profile
        self.product_actions.forget()
        self.variants.show_product(None, is_backorder=False, policy=self.model.stock_policy)
        self.backorder.set_profile(profile)
        self.model.set_profile(profile)

    def refresh(self) -> None:
        self.model.refresh()

    def set_sync_progress(self, progress: SyncProgress | None) -> None:
        """A running sync committed pages (None: it ended): show its rows as they land, and, for
        a full pull, how many products it will have brought ("1,250 of ~120,000")."""
        if progress is None:
            self._sync_timer.stop()
            self._refresh_missed = False
            self._estimate = None
            self._show_count()
            return
        self._estimate = _expected_products(progress)
        self._show_count()
        if self._sync_timer.isActive():
            self._refresh_missed = True
            return
        self.model.refresh()
        self._sync_timer.start()

    def _on_sync_timer_timeout(self) -> None:
        if self._refresh_missed:
            self._refresh_missed = False
            self.model.refresh()
            self._sync_timer.start()

    # --- search and filters ---------------------------------------------------------------

    def _on_search_box_text_edited(self, _text: str) -> None:
        self._search_timer.start()

    def _on_search_timer_timeout(self) -> None:
        self._search_timer.stop()
        text = self.search_box.text().strip()
        if text != self.model.query.text:
            self.model.set_query(replace(self.model.query, text=text))

    def _on_filter_changed(self, *_args: object) -> None:
        visible = VISIBILITY_CHOICES[max(0, self.visibility.currentIndex())][1]
        query = replace(
            self.model.query,
            backorder_only=self.backorder_only.isChecked(),
            visible=visible,
            out_of_stock=self.out_of_stock.isChecked(),
            backordered=self.backordered.isChecked(),
            near_limit=self.near_limit.isChecked(),
            at_limit=self.at_limit.isChecked(),
            date_passed=self.date_passed.isChecked(),
        )
        if query != self.model.query:
            self.model.set_query(query)

    def _on_header_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        if Column(column) not in SORT_KEYS:  # not a sort column: keep the previous order
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(*self._sort)
            header.blockSignals(False)
            return
        self._sort = (column, order)

    def _on_model_count_changed(self, count: int) -> None:
        self._count = count
        self._show_count()

    def _show_count(self) -> None:
        count, estimate = self._count, self._estimate
        whole_catalog = replace(self.model.query, sort=ProductSort.NAME, descending=False) == ProductQuery()
        if estimate is not None and estimate > count and whole_catalog:
            self.count_label.setText(f"{format_count(count)} of ~{format_count(estimate)} products")
        else:
            self.count_label.setText(plural(count, "product"))

    # --- selection, variants, assignment --------------------------------------------------

    def selected_ranges(self) -> list[tuple[int, int]]:
        """(offset, count) of each selected block of rows."""
        selection = self.table.selectionModel().selection()
        ranges = (selection.at(i) for i in range(selection.size()))
        return [(r.top(), r.bottom() - r.top() + 1) for r in ranges]

    def selected_count(self) -> int:
        return sum(count for _, count in self.selected_ranges())

    def loaded_selected_products(self) -> list[Product]:
        """The selected products the table has loaded (for the menu's choices; actions read the
        rest on a worker)."""
        rows = (row for first, count in self.selected_ranges() for row in range(first, first + count))
        found = (self.model.product_at(row) for row in rows)
        return [product for product in found if product is not None]

    def set_actions_busy(self, busy: bool) -> None:
        """While an assignment runs its buttons rest (a second click would race it)."""
        self._actions_busy = busy
        self._on_table_selection_changed(QItemSelection(), QItemSelection())

    _actions_busy = False

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        ready = self.selected_count() > 0 and self._profile is not None and not self._actions_busy
        self.assign_button.setEnabled(ready)
        self.unassign_button.setEnabled(ready)
        self._selection_timer.start()

    def _on_selection_timer_timeout(self) -> None:
        self.backorder.show_selection(self._selected_ids())

    def _selected_ids(self) -> ProductIds | None:
        """How the pane finds the selection's products: the rows loaded, or a read of them."""
        ranges, count = self.selected_ranges(), self.selected_count()
        if count == 0:
            return None
        loaded = [product.id for product in self.loaded_selected_products()]
        if len(loaded) == count:
            return lambda _profile: loaded
        query = self.model.query
        return lambda profile: [
            product.id
            for offset, rows in ranges
            for product in profile.query_products(query, limit=rows, offset=offset)
        ]

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_variants(current.row())

    def _on_model_stock_edit_requested(self, product: Product, level: int) -> None:
        self.stock_edit_requested.emit(product, None, level)

    def _show_variants(self, row: int) -> None:
        product = self.model.product_at(row) if row >= 0 else None
        self.variants.show_product(
            product,
            is_backorder=product is not None and self.model.is_backorder(product),
            policy=self.model.stock_policy,
        )

    def _on_model_data_changed(self, *_args: object) -> None:
        current = self.table.currentIndex()
        shown = self.variants.product
        product = self.model.product_at(current.row()) if current.isValid() else None
        changed = shown is None or product != shown or product.app_stock != shown.app_stock
        if product is not None and changed:
            self._show_variants(current.row())

    def select_rows(self, first: int, last: int) -> None:
        """Select a block of rows (keyboard and tests)."""
        model = self.model
        selection = QItemSelection(model.index(first, 0), model.index(last, len(Column) - 1))
        selection_model = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        selection_model.setCurrentIndex(model.index(first, 0), flags.NoUpdate)
        selection_model.select(selection, flags.ClearAndSelect | flags.Rows)

    def current_product(self) -> Product | None:
        index = self.table.currentIndex()
        return self.model.product_at(index.row()) if index.isValid() else None


def _expected_products(progress: SyncProgress) -> int | None:
    """What a full pull will have brought when done, from its pages so far (None for other
    syncs: an incremental pull's pages are the changes, not the catalog)."""
    if progress.phase is not SyncPhase.FULL_PULL or progress.pages_done <= 0 or progress.pages_total <= 0:
        return None
    if progress.pages_done >= progress.pages_total:
        return progress.products_seen
    return round(progress.products_seen / progress.pages_done * progress.pages_total)
