"""The detail pane under the products table: the selected product's variants and their stock.

Variants live here rather than as child rows of the table: the table stays a flat, windowed list
(row n is offset n of the query), and a product's variants arrive with it, so showing them costs no
extra read. Stock cells say whether they can be edited and why not (DESIGN §3).
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.stock_policy import StockPolicy
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import parse_stock_level
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.models.catalog_columns import day_text
from backorder_desktop.ui.models.catalog_columns import optional_count

VISIBLE_ROWS = 8  # shown without scrolling at the window's default size
HEADERS = (
    "Variant SKU", "Options", "On hand", "Backordered", "Available to sell", "Limit", "Expected", "Price",
    "Can be bought",
)  # fmt: skip
STOCK_COLUMN = 2
BACKORDERED_COLUMN = 3
AVAILABLE_COLUMN = 4
LIMIT_COLUMN = 5
EXPECTED_COLUMN = 6
PRICE_COLUMN = 7
RIGHT_ALIGNED = (BACKORDERED_COLUMN, AVAILABLE_COLUMN, LIMIT_COLUMN, PRICE_COLUMN)
HISTORY_UNAVAILABLE = "The stock history comes with stock editing, which this version does not have yet"


class VariantsPane(QWidget):
    """Shows one product's variants; stock edits go out as ``stock_edit_requested``."""

    stock_edit_requested = Signal(object, object, int)  # Product, Variant, new level
    history_requested = Signal(object)  # Product
    stock_refused = Signal(str)  # why a typed level was not taken

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variants_pane")
        self.product: Product | None = None
        self._filling = False
        self.history_available = False
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel("Select a product to see its variants.")
        top.addWidget(self.title, 1)
        self.history_button = QPushButton("Stock history…")
        self.history_button.setObjectName("stock_history_button")
        self.history_button.clicked.connect(self._on_history_button_clicked)
        top.addWidget(self.history_button)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("variants_table")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # Columns as wide as their contents, the options take what is left: beside the BackOrder
        # pane every column fits at the window's default size.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._on_table_item_changed)
        layout.addWidget(self.table)
        self._update_history_button()

    def sizeHint(self) -> QSize:
        """Tall enough for ``VISIBLE_ROWS`` variants under the title and the column headers."""
        hint = super().sizeHint()
        table = self.table
        rows = VISIBLE_ROWS * table.verticalHeader().defaultSectionSize()
        # With a narrow window the columns scroll sideways: the scroll bar must not take a row.
        scroll_bar = table.horizontalScrollBar().sizeHint().height()
        chrome = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + scroll_bar
        top = max(self.title.sizeHint().height(), self.history_button.sizeHint().height())
        layout = self._layout
        margins = layout.contentsMargins()
        height = margins.top() + margins.bottom() + top + layout.spacing() + chrome + rows
        return QSize(hint.width(), height)

    def set_history_available(self, available: bool) -> None:
        self.history_available = available
        self._update_history_button()

    def _update_history_button(self) -> None:
        self.history_button.setEnabled(self.history_available and self.product is not None)
        self.history_button.setToolTip("" if self.history_available else HISTORY_UNAVAILABLE)

    def show_product(self, product: Product | None, *, is_backorder: bool, policy: StockPolicy) -> None:
        self.product = product
        self._update_history_button()
        self._filling = True
        try:
            self.table.setRowCount(0)
            if product is None:
                self.title.setText("Select a product to see its variants.")
                return
            mark = " · BackOrder product" if is_backorder else ""
            self.title.setText(f"<b>{product.name}</b> · {plural(len(product.variants), 'variant')}{mark}")
            editable, reason = policy.variant_stock(product, is_backorder=is_backorder)
            self.table.setRowCount(len(product.variants))
            for row, variant in enumerate(product.variants):
                self._fill_row(row, product, variant, editable, reason)
        finally:
            self._filling = False

    def _fill_row(self, row: int, product: Product, variant: Variant, editable: bool, reason: str) -> None:
        tracked = product.inventory_tracking is not InventoryTracking.NONE or variant.app_level is not None
        level = variant.on_hand
        stock_text = format_count(level) if tracked and level is not None else "Not tracked"
        price = "" if variant.price is None else f"{variant.price:,.2f}"
        cells = (
            variant.sku,
            variant.option_label or "(base variant)",
            stock_text,
            optional_count(variant.backordered),
            optional_count(variant.available_to_sell),
            optional_count(variant.limit),
            day_text(variant.expected),
            price,
            "No" if variant.purchasing_disabled else "Yes",
        )
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if column in RIGHT_ALIGNED:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if column == STOCK_COLUMN:
                item.setToolTip(reason)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if editable:
                    flags |= Qt.ItemFlag.ItemIsEditable
                    item.setText(str(level or 0))
            item.setFlags(flags)
            item.setData(Qt.ItemDataRole.UserRole, variant)
            self.table.setItem(row, column, item)

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != STOCK_COLUMN or self.product is None:
            return
        variant = item.data(Qt.ItemDataRole.UserRole)
        level, problem = parse_stock_level(item.text())
        if level is None:
            self._filling = True  # put the stored level back: nothing was changed
            item.setText(str(variant.on_hand or 0) if variant is not None else "")
            self._filling = False
            self.stock_refused.emit(problem)
            return
        if variant is not None and level != variant.on_hand:
            self.stock_edit_requested.emit(self.product, variant, level)

    def _on_history_button_clicked(self) -> None:
        if self.product is not None:
            self.history_requested.emit(self.product)
