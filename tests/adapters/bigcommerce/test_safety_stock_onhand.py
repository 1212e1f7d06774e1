"""The on-hand read gives each item's safety stock at the default location with its on hand
(``locations[].settings.safety_stock`` of ``/v3/inventory/items``): an item still on the catalog's
figure is re-based by it. Over HTTP against the demo store."""

from __future__ import annotations

from collections.abc import Callable

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.stock import StockKey
from tests.demo.conftest import tracked_by

MakeStore = Callable[..., DemoStore]


def test_on_hand_is_read_with_the_safety_stock_at_the_default_location_only(
    make_demo_store: MakeStore,
) -> None:
    store = make_demo_store(locations=2)
    by_variant = tracked_by(store, "variant", with_options=True)
    kept, plain = (StockKey(by_variant["id"], v["id"]) for v in by_variant["variants"][:2])
    by_product = StockKey(tracked_by(store, "product", with_options=False)["id"])
    store.catalog.update_variant(kept.variant_id, inventory_level=10)
    settings = [
        {"identity": {"variant_id": kept.variant_id}, "safety_stock": 2},
        {"identity": {"product_id": by_product.product_id}, "safety_stock": 4},
    ]
    store.catalog.update_location_items(1, {"settings": settings})
    # A second warehouse's safety stock is not the default location's.
    store.catalog.update_location_items(
        2, {"settings": [{"identity": {"variant_id": plain.variant_id}, "safety_stock": 7}]}
    )
    with BigCommerceClient(store.api_url, store.store_hash, store.token) as client:
        levels = client.read_stock_levels([kept, plain, by_product])
        pulled = client.read_onhand([kept])

    assert levels[kept] == 10  # on hand, not the catalog's 8
    assert levels.safety_stock == {kept: 2, plain: 0, by_product: 4}
    assert (dict(pulled), pulled.safety_stock) == ({kept: 10}, {kept: 2})
