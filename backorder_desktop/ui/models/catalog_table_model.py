"""The products table: a flat model that reads the mirror in windows, on workers, never on the GUI.

The row count comes from ``profile.count_products(query)``; rows are fetched ``PAGE_SIZE`` at a time with
``profile.query_products(query, limit, offset)`` when the view first asks for them. Until a window arrives
its rows show a "Loading…" placeholder; then ``dataChanged`` repaints them. Only recently cached
windows are kept (``MAX_CACHED_PAGES``), so memory stays flat whatever the catalog size.

Scrolling fast through 100,000 rows asks for many windows the view has already left behind:
requests go to a short queue that loads the most recently asked windows first, at most
``MAX_IN_FLIGHT`` at a time; windows dropped from the queue re-announce their rows with
``dataChanged`` and are asked again only if the view still shows them.

Variants are not child rows: a flat model keeps row → offset arithmetic exact (a tree's row count
would depend on what is expanded), so the window shows a product's variants in a detail pane.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QObject
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtGui import QGuiApplication
from PySide6.QtGui import QPalette

from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.stock_policy import StockPolicy
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui import collector
from backorder_desktop.ui.formatting import parse_stock_level
from backorder_desktop.ui.models.catalog_columns import ANSWERED_ROLES
from backorder_desktop.ui.models.catalog_columns import COLUMNS
from backorder_desktop.ui.models.catalog_columns import DISPLAY
from backorder_desktop.ui.models.catalog_columns import FIGURE_COLUMNS
from backorder_desktop.ui.models.catalog_columns import HEADERS
from backorder_desktop.ui.models.catalog_columns import PRODUCT_ROLE
from backorder_desktop.ui.models.catalog_columns import SORT_KEYS
from backorder_desktop.ui.models.catalog_columns import STOCK_ALIGNMENT
from backorder_desktop.ui.models.catalog_columns import Column
from backorder_desktop.ui.models.catalog_columns import cell_text
from backorder_desktop.ui.workers import BackgroundRunner

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_CACHED_PAGES = 30
MAX_IN_FLIGHT = 2
MAX_QUEUED = 4
PENDING_TOOLTIP = "Waiting to be written to BigCommerce"
Index = QModelIndex | QPersistentModelIndex


class CatalogTableModel(QAbstractTableModel):
    """Products matching a ``ProductQuery``, loaded window by window."""

    count_changed = Signal(int)
    loading_changed = Signal(bool)
    query_answered = Signal(float)  # seconds from set_query to the first rows being shown
    stock_edit_requested = Signal(object, int)  # Product, new stock level
    stock_refused = Signal(str)  # why a typed level was not taken

    def __init__(self, runner: BackgroundRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._profile: Profile | None = None
        self._query = ProductQuery()
        self._generation = 0
        self._rows = 0
        self._pages: OrderedDict[int, tuple[int, list[Product]]] = OrderedDict()  # page → (gen, rows)
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._in_flight: set[tuple[int, int]] = set()
        self._counting = 0  # count and first-window reads in flight
        self._query_pending = False  # set_query was called and its first window is not shown yet
        self._backorder_ids: set[int] = set()
        self._pending_ids: set[int] = set()
        self._policy = StockPolicy()
        self._asked_at = 0.0
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(10)
        self._flush_timer.timeout.connect(self._on_flush_timer_timeout)

    # --- what the window changes ------------------------------------------------------------

    @property
    def query(self) -> ProductQuery:
        return self._query

    def set_profile(self, profile: Profile | None) -> None:
        """Another profile was opened (or closed): start over."""
        self._profile = profile
        self.beginResetModel()
        self._rows = 0
        self._pages.clear()
        self._wanted.clear()
        self._generation += 1
        self.endResetModel()
        self.count_changed.emit(0)
        if profile is not None:
            self.set_query(self._query)

    def set_query(self, query: ProductQuery) -> None:
        """New search text, filters or order: count again and show the first window."""
        self._query = query
        self._generation += 1
        self._query_pending = True
        self._asked_at = time.perf_counter()
        self._reload(reset=True)

    def refresh(self) -> None:
        """The mirror changed (a sync, an assignment): reload, showing the old rows meanwhile."""
        self._generation += 1
        self._reload(reset=self._query_pending)  # a new query not answered yet starts over

    def set_stock_policy(self, policy: StockPolicy) -> None:
        self._policy = policy
        self._emit_all_changed()

    def set_pending_products(self, product_ids: set[int]) -> None:
        """Products with stock changes not yet written to BigCommerce (the outbox)."""
        self._pending_ids = set(product_ids)
        self._emit_all_changed()

    def product_at(self, row: int) -> Product | None:
        entry = self._pages.get(row // PAGE_SIZE)
        if entry is None:
            return None
        rows = entry[1]
        offset = row % PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    def is_backorder(self, product: Product) -> bool:
        return product.id in self._backorder_ids

    def is_pending(self, product: Product) -> bool:
        return product.id in self._pending_ids

    def has_answered(self) -> bool:
        """The current query's first rows are in (its count may still be on its way)."""
        return self._profile is not None and not self._query_pending

    def is_loading(self) -> bool:
        return (
            self._counting > 0 or bool(self._in_flight) or bool(self._wanted) or self._flush_timer.isActive()
        )

    @property
    def stock_policy(self) -> StockPolicy:
        return self._policy

    # --- loading ----------------------------------------------------------------------------

    def _reload(self, *, reset: bool) -> None:
        """Count (and, for a new query, read the first window) on a worker.

        A first window shorter than ``PAGE_SIZE`` is the whole answer, so a narrow search (a SKU)
        skips the count. (Reading the count in parallel gains nothing: the reads hold the GIL.)
        """
        profile = self._profile
        if profile is None:
            return
        generation, query = self._generation, self._query

        def load() -> tuple[int | None, list[Product] | None, set[int]]:
            if reset:  # the first rows first; a full window's count follows (``_count_later``)
                first = profile.query_products(query, limit=PAGE_SIZE, offset=0)
                return (len(first) if len(first) < PAGE_SIZE else None), first, profile.backorder_ids()
            return profile.count_products(query), None, profile.backorder_ids()

        self._set_counting(+1)
        self._runner.run_in_background(
            load,
            on_result=lambda result: self._on_loaded(generation, result),
            on_finished=lambda: self._set_counting(-1),
        )

    def _on_loaded(self, generation: int, result: tuple[int | None, list[Product] | None, set[int]]) -> None:
        if generation != self._generation:
            return
        count, first, backorder_ids = result
        self._backorder_ids = backorder_ids
        if first is not None:
            self._query_pending = False
            self.beginResetModel()
            self._rows = len(first) if count is None else count
            self._pages.clear()
            self._wanted.clear()
            self._pages[0] = (generation, first)
            self.endResetModel()
            collector.settle()
            self.query_answered.emit(time.perf_counter() - self._asked_at)
            if count is None:  # a full first window: the rows are shown, the count comes next
                self._count_later(generation)
                return
        elif count is None:
            return
        else:
            self._resize(count)
            # Reload the first window and the last ones used now; other stale windows reload
            # when the view asks for them (it repaints on dataChanged).
            for page in {0, *list(self._pages)[-MAX_IN_FLIGHT:]}:
                if page * PAGE_SIZE < count:
                    self._want(page)
            self._emit_all_changed()
        self.count_changed.emit(count)

    def _count_later(self, generation: int) -> None:
        """Count a search's matches after its first rows are shown (a second scan of the mirror
        that the merchant need not wait for; the view grows when it answers)."""
        profile, query = self._profile, self._query
        if profile is None:
            return
        self._set_counting(+1)
        self._runner.run_in_background(
            lambda: profile.count_products(query),
            on_result=lambda count: self._on_counted(generation, count),
            on_finished=lambda: self._set_counting(-1),
        )

    def _on_counted(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return
        self._resize(count)
        self.count_changed.emit(count)

    def _resize(self, count: int) -> None:
        if count > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, count - 1)
            self._rows = count
            self.endInsertRows()
        elif count < self._rows:
            self.beginRemoveRows(QModelIndex(), count, self._rows - 1)
            self._rows = count
            self.endRemoveRows()

    def _set_counting(self, change: int) -> None:
        was = self.is_loading()
        self._counting += change
        if was != self.is_loading():
            self.loading_changed.emit(self.is_loading())

    def _want(self, page: int) -> None:
        self._wanted.pop(page, None)
        self._wanted[page] = None
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _on_flush_timer_timeout(self) -> None:
        was = self.is_loading()
        while self._wanted and len(self._in_flight) < MAX_IN_FLIGHT:
            page, _ = self._wanted.popitem(last=True)  # the most recently asked first
            self._load_page(page)
        while len(self._wanted) > MAX_QUEUED:  # the view has scrolled past these
            page, _ = self._wanted.popitem(last=False)
            self._announce_page(page)
        if was != self.is_loading():
            self.loading_changed.emit(self.is_loading())

    def _load_page(self, page: int) -> None:
        profile, generation, query = self._profile, self._generation, self._query
        entry = self._pages.get(page)
        key = (generation, page)
        if profile is None or key in self._in_flight or (entry is not None and entry[0] == generation):
            return
        self._in_flight.add(key)
        self._runner.run_in_background(
            lambda: profile.query_products(query, limit=PAGE_SIZE, offset=page * PAGE_SIZE),
            on_result=lambda rows: self._on_page_loaded(generation, page, rows),
            on_finished=lambda: self._on_page_finished(key),
        )

    def _on_page_loaded(self, generation: int, page: int, rows: list[Product]) -> None:
        if generation != self._generation:
            return
        self._pages[page] = (generation, rows)
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        collector.settle()  # the cached rows outlive many collections: none need walk them
        self._announce_page(page)

    def _on_page_finished(self, key: tuple[int, int]) -> None:
        self._in_flight.discard(key)
        if self._wanted:
            self._flush_timer.start()
        elif not self.is_loading():
            self.loading_changed.emit(False)

    def _announce_page(self, page: int) -> None:
        first = page * PAGE_SIZE
        last = min(self._rows, first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))

    def _emit_all_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, len(Column) - 1))

    # --- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # A repaint asks every visible cell for a dozen roles: the ones we never answer go first.
        if role not in ANSWERED_ROLES or not index.isValid():
            return None
        row, column = index.row(), COLUMNS[index.column()]
        page = row // PAGE_SIZE
        entry = self._pages.get(page)
        # While a new query's first window is on its way, repaints of the old rows must not ask
        # for windows of the old scroll position: that doubled the work of every search.
        if (entry is None or entry[0] != self._generation) and not self._query_pending:
            self._want(page)
        product = self.product_at(row)
        if product is None:
            return self._placeholder(column, role)
        if role == DISPLAY:
            return cell_text(
                product, column, backorder=self.is_backorder(product), pending=self.is_pending(product)
            )
        if role == PRODUCT_ROLE:
            return product
        if role == Qt.ItemDataRole.TextAlignmentRole and column in FIGURE_COLUMNS:
            return STOCK_ALIGNMENT
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.STOCK:
            return self._stock_tooltip(product)
        if role == Qt.ItemDataRole.FontRole and column is Column.STOCK and self.is_pending(product):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.EditRole and column is Column.STOCK:
            # Text, not an int: Qt's editor for an int is a spin box, which clamps what is typed
            # to its own range without a word; the text is checked in setData.
            return str(product.on_hand)
        return None

    def _placeholder(self, column: Column, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole and column is Column.NAME:
            return "Loading…"
        if role == Qt.ItemDataRole.ForegroundRole:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _stock_tooltip(self, product: Product) -> str:
        _, reason = self._policy.product_stock(product, is_backorder=self.is_backorder(product))
        return f"{reason}\n{PENDING_TOOLTIP}" if self.is_pending(product) else reason

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and COLUMNS[index.column()] is Column.STOCK:
            product = self.product_at(index.row())
            if product is not None:
                editable, _ = self._policy.product_stock(product, is_backorder=self.is_backorder(product))
                if editable:
                    flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        product = self.product_at(index.row())
        level, problem = parse_stock_level(str(value))
        if level is None:
            self.stock_refused.emit(problem)
            return False
        if product is None or level == product.on_hand:
            return False
        self.stock_edit_requested.emit(product, level)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(Column(column))
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key != self._query.sort or descending != self._query.descending:
            self.set_query(replace(self._query, sort=key, descending=descending))
