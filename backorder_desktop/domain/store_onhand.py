"""A BackOrder product's store levels as on hand, not the catalog's available to sell.

BigCommerce's catalog reports the default location's available to sell (on hand less safety
stock, notes §5.2), while the app writes on hand. For the products whose store moves it counts,
the sync engine reads on hand from the Inventory API and puts it in place of the catalog's levels
before the ledger compares them with what it wrote.

The same read says each item's safety stock there. A stock item made when its product is assigned
starts from the mirror's level, the catalog's figure; its first on-hand read re-bases it by that
safety stock (:func:`on_hand_baseline`), so the units kept back are never taken for a move in the
store, while stock added there in between still is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock_policy import STOCK_MAX


class OnHandLevels(dict[StockKey, int]):
    """On hand per item at the default location, as read; ``safety_stock`` holds each read item's
    safety stock there (0 when the store says none)."""

    __slots__ = ("safety_stock",)

    def __init__(
        self, levels: Mapping[StockKey, int] | None = None, safety_stock: Mapping[StockKey, int] | None = None
    ) -> None:
        super().__init__(levels or {})
        self.safety_stock: dict[StockKey, int] = dict(safety_stock or {})


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


def on_hand_baseline(item: StockItem, onhand: int, safety_stock: int, *, untouched: bool) -> StockItem:
    """An item made from the catalog's figure (on hand less ``safety_stock``) at its first on-hand
    read (``onhand``): its last value seen becomes on hand. An ``untouched`` level is still that
    figure and moves with it; a level a person, a feed or an order moved since is what they made it.

    The catalog shows no less than 0: a figure of 0 says only that on hand was at most the safety
    stock, so the baseline is the on hand in that range nearest to the read (the smallest move)."""
    shift = safety_stock if item.store_level != 0 else max(0, min(safety_stock, onhand))
    store_level = min(STOCK_MAX, item.store_level + shift)
    level = min(STOCK_MAX, item.level + shift) if untouched else item.level
    return replace(item, level=level, store_level=store_level)
