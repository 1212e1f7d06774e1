"""A BackOrder product's store levels as on hand, not the catalog's available to sell.

BigCommerce's catalog reports the default location's available to sell (on hand less safety
stock, notes §5.2), while the app writes on hand. For the products whose store moves it counts,
the sync engine reads on hand from the Inventory API and puts it in place of the catalog's levels
before the ledger compares them with what it wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.stock import StockKey


def stock_keys(product: Product) -> list[StockKey]:
    """The levels the store tracks for ``product`` (its own, or each variant's)."""
    if product.inventory_tracking is InventoryTracking.PRODUCT:
        return [StockKey(product.id)]
    if product.inventory_tracking is InventoryTracking.VARIANT:
        return [StockKey(product.id, v.id) for v in product.variants]
    return []


def with_onhand(product: Product, levels: Mapping[StockKey, int]) -> Product:
    """``product`` with each tracked level that ``levels`` holds replaced by it (others as read)."""
    if product.inventory_tracking is InventoryTracking.PRODUCT:
        level = levels.get(StockKey(product.id))
        return product if level is None else replace(product, inventory_level=level)
    if product.inventory_tracking is InventoryTracking.VARIANT:
        variants = tuple(
            replace(v, inventory_level=levels[StockKey(product.id, v.id)])
            if StockKey(product.id, v.id) in levels
            else v
            for v in product.variants
        )
        # The catalog sums a product's variants; so does the app's view of the product.
        total = sum(v.inventory_level or 0 for v in variants)
        return replace(product, variants=variants, inventory_level=total)
    return product
