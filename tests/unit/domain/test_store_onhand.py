"""A BackOrder product's store levels replaced by on hand, as a pull does before the ledger compares."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.store_onhand import stock_keys
from backorder_desktop.domain.store_onhand import with_onhand


def _product(tracking: InventoryTracking, level: int, *variant_levels: int) -> Product:
    variants = tuple(
        Variant(id=10 + i, product_id=1, sku=f"S-{i}", inventory_level=v)
        for i, v in enumerate(variant_levels)
    )
    return Product(
        id=1,
        name="Bike",
        sku="BIKE",
        inventory_tracking=tracking,
        inventory_level=level,
        price=1.0,
        is_visible=True,
        availability="available",
        date_modified=datetime(2026, 12, 5, tzinfo=UTC),
        variants=variants,
    )


def test_a_product_tracked_by_product_takes_its_on_hand() -> None:
    product = _product(InventoryTracking.PRODUCT, 33, 33)
    assert stock_keys(product) == [StockKey(1)]
    assert with_onhand(product, {StockKey(1): 38}).inventory_level == 38
    assert with_onhand(product, {}) == product  # not read: as the catalog said


def test_variants_take_theirs_and_the_product_sums_them() -> None:
    product = _product(InventoryTracking.VARIANT, 7, 3, 4)
    assert stock_keys(product) == [StockKey(1, 10), StockKey(1, 11)]
    changed = with_onhand(product, {StockKey(1, 10): 8})
    assert [v.inventory_level for v in changed.variants] == [8, 4]
    assert changed.inventory_level == 12


def test_an_untracked_product_has_no_levels_to_read() -> None:
    product = _product(InventoryTracking.NONE, 0, 0)
    assert stock_keys(product) == []
    assert with_onhand(product, {StockKey(1): 5}) is product
