"""The products table's columns, their headers and sort keys, and the roles its cells answer."""

from __future__ import annotations

from datetime import date
from enum import IntEnum

from PySide6.QtCore import Qt

from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_date
from backorder_desktop.ui.formatting import format_time

PRODUCT_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(IntEnum):
    NAME = 0
    SKU = 1
    STOCK = 2  # on hand
    BACKORDERED = 3
    AVAILABLE = 4  # available to sell: on hand plus the limit
    LIMIT = 5
    EXPECTED = 6
    BACKORDER = 7
    VISIBILITY = 8
    AVAILABILITY = 9
    MODIFIED = 10


COLUMNS = tuple(Column)  # by index: Column(i) builds an enum member on every call, data() is hot
DISPLAY = Qt.ItemDataRole.DisplayRole
ANSWERED_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.ForegroundRole,
        PRODUCT_ROLE,
    )
)
STOCK_ALIGNMENT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
FIGURE_COLUMNS = frozenset((Column.STOCK, Column.BACKORDERED, Column.AVAILABLE, Column.LIMIT))

HEADERS = {
    Column.NAME: "Name",
    Column.SKU: "SKU",
    Column.STOCK: "On hand",
    Column.BACKORDERED: "Backordered",
    Column.AVAILABLE: "Available to sell",
    Column.LIMIT: "Limit",
    Column.EXPECTED: "Expected",
    Column.BACKORDER: "BackOrder",
    Column.VISIBILITY: "Visibility",
    Column.AVAILABILITY: "Availability",
    Column.MODIFIED: "Last modified",
}
SORT_KEYS: dict[Column, ProductSort] = {
    Column.NAME: ProductSort.NAME,
    Column.SKU: ProductSort.SKU,
    Column.STOCK: ProductSort.INVENTORY_LEVEL,
    Column.VISIBILITY: ProductSort.IS_VISIBLE,
    Column.AVAILABILITY: ProductSort.AVAILABILITY,
    Column.MODIFIED: ProductSort.DATE_MODIFIED,
}


def cell_text(product: Product, column: Column, *, backorder: bool, pending: bool) -> str:
    """What a cell shows."""
    if column is Column.NAME:
        return product.name
    if column is Column.SKU:
        return product.sku
    if column is Column.STOCK:
        if product.app_level is None and product.inventory_tracking is InventoryTracking.NONE:
            return "Not tracked"
        text = format_count(product.on_hand)
        return f"{text} (waiting)" if pending else text
    if column is Column.BACKORDERED:
        return optional_count(product.backordered)
    if column is Column.AVAILABLE:
        return optional_count(product.available_to_sell)
    if column is Column.LIMIT:
        return optional_count(product.limit)
    if column is Column.EXPECTED:
        return day_text(product.expected)
    if column is Column.BACKORDER:
        return "Yes" if backorder else "No"
    if column is Column.VISIBILITY:
        return "Visible" if product.is_visible else "Hidden"
    if column is Column.AVAILABILITY:
        return product.availability.capitalize()
    return f"{format_date(product.date_modified)} {format_time(product.date_modified)}"


def optional_count(value: int | None) -> str:
    """A figure, or nothing (unlimited, not counted by the app)."""
    return "" if value is None else format_count(value)


def day_text(day: date | None) -> str:
    """An expected date as it is typed in the pane, the stock file and the command line."""
    return "" if day is None else day.isoformat()
