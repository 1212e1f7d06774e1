"""Inventory by location: safety stock, several locations, and the native backorders beta's fields.

Native backorders (``--native-backorders``) imitate BigCommerce's beta guide (notes §6.1,
``inventory.v3.backorders-beta.yml``); without the switch the fields are what the official
inventory.v3.yml says: unknown to the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backorder_desktop.demo import inventory
from backorder_desktop.demo.config import DemoConfig
from backorder_desktop.demo.locations import OutOfStock
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.storage import Storage
from tests.demo.conftest import client_for
from tests.demo.conftest import tracked_by

ABSOLUTE = "/v3/inventory/adjustments/absolute"
RELATIVE = "/v3/inventory/adjustments/relative"
ITEMS = "/v3/inventory/items"
LOCATIONS = "/v3/inventory/locations"


def _location_items(location_id: int) -> str:
    return f"{LOCATIONS}/{location_id}/items"


def _variant(store: DemoStore) -> int:
    product = tracked_by(store, "variant", with_options=True)
    variant_id: int = product["variants"][0]["id"]
    return variant_id


def _at(api: httpx.Client, variant_id: int, location_id: int = 1) -> dict[str, Any]:
    reply = api.get(ITEMS, params={"variant_id:in": variant_id})
    assert reply.status_code == 200, reply.text
    (item,) = reply.json()["data"]
    (found,) = [at for at in item["locations"] if at["location_id"] == location_id]
    return dict(found)


def _set(api: httpx.Client, location_id: int, **setting: Any) -> httpx.Response:
    return api.put(_location_items(location_id), json={"settings": [setting]})


def _absolute(api: httpx.Client, variant_id: int, quantity: int, location_id: int = 1) -> None:
    item = {"location_id": location_id, "variant_id": variant_id, "quantity": quantity}
    reply = api.put(ABSOLUTE, json={"items": [item]})
    assert reply.status_code == 200, reply.text


@pytest.fixture
def native(make_demo_store: Callable[..., DemoStore]) -> DemoStore:
    return make_demo_store(native_backorders=True)


# --- native backorders off: the official spec -----------------------------------------------------


def test_without_native_backorders_a_limit_alone_is_an_empty_setting(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    variant_id = _variant(demo_store)
    reply = _set(api, 1, identity={"variant_id": variant_id}, backorder_limit=5)
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert "At least one setting must be specified" in reply.json()["errors"]["setting.0.settings"]
    at = _at(api, variant_id)
    assert "qty_backordered" not in at and "backorder_limit" not in at["settings"]


def test_without_native_backorders_qty_backordered_moves_nothing(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    variant_id = _variant(demo_store)
    alone = {"location_id": 1, "variant_id": variant_id, "qty_backordered": 3}
    assert api.post(RELATIVE, json={"items": [alone]}).status_code == 422  # quantity is required
    _absolute(api, variant_id, 4)
    both = {"location_id": 1, "variant_id": variant_id, "quantity": 0, "qty_backordered": 3}
    assert api.post(RELATIVE, json={"items": [both]}).status_code == 200
    at = _at(api, variant_id)
    assert at["available_to_sell"] == at["total_inventory_onhand"] == 4
    assert "qty_backordered" not in at


# --- native backorders on -------------------------------------------------------------------------


def test_backorder_limit_is_read_back_and_adds_to_available_to_sell(native: DemoStore) -> None:
    variant_id = _variant(native)
    with client_for(native) as api:
        _absolute(api, variant_id, 10)
        assert _set(api, 1, identity={"variant_id": variant_id}, backorder_limit=45).status_code == 200
        at = _at(api, variant_id)
        assert at["settings"]["backorder_limit"] == 45
        assert at["qty_backordered"] == 0
        assert at["total_inventory_onhand"] == 10
        assert at["available_to_sell"] == 55  # on hand + limit − backordered
        reply = api.get(_location_items(1), params={"variant_id:in": variant_id})
        (item,) = reply.json()["data"]
        assert item["settings"]["backorder_limit"] == 45 and item["available_to_sell"] == 55
        # The catalog keeps showing on hand less safety stock: the limit is not stock.
        assert native.catalog.get_variant(variant_id)["inventory_level"] == 10


def test_null_limit_is_none_and_negative_limit_is_refused(native: DemoStore) -> None:
    variant_id = _variant(native)
    with client_for(native) as api:
        assert _set(api, 1, identity={"variant_id": variant_id}, backorder_limit=7).status_code == 200
        assert _set(api, 1, identity={"variant_id": variant_id}, backorder_limit=None).status_code == 200
        assert _at(api, variant_id)["settings"]["backorder_limit"] == 0
        reply = _set(api, 1, identity={"variant_id": variant_id}, backorder_limit=-1)
        assert reply.status_code == 422
        assert "setting.0.backorder_limit" in reply.json()["errors"]


def test_relative_qty_backordered_moves_without_quantity_and_quantity_zero_is_refused(
    native: DemoStore,
) -> None:
    variant_id = _variant(native)
    with client_for(native) as api:
        _absolute(api, variant_id, 2)
        _set(api, 1, identity={"variant_id": variant_id}, backorder_limit=10)
        zero = {"location_id": 1, "variant_id": variant_id, "quantity": 0, "qty_backordered": 3}
        refused = api.post(RELATIVE, json={"items": [zero]})
        assert refused.status_code == 422
        assert "items.0.quantity" in refused.json()["errors"]
        alone = {"location_id": 1, "variant_id": variant_id, "qty_backordered": 3}
        assert api.post(RELATIVE, json={"items": [alone]}).status_code == 200
        at = _at(api, variant_id)
        assert (at["qty_backordered"], at["total_inventory_onhand"], at["available_to_sell"]) == (3, 2, 9)
        below = {"location_id": 1, "variant_id": variant_id, "qty_backordered": -4}
        assert api.post(RELATIVE, json={"items": [below]}).status_code == 422
        assert _at(api, variant_id)["qty_backordered"] == 3


def test_absolute_adjustment_sets_qty_backordered_with_or_without_quantity(native: DemoStore) -> None:
    variant_id = _variant(native)
    with client_for(native) as api:
        both = {"location_id": 1, "variant_id": variant_id, "quantity": 5, "qty_backordered": 8}
        assert api.put(ABSOLUTE, json={"items": [both]}).status_code == 200
        alone = {"location_id": 1, "variant_id": variant_id, "qty_backordered": 1}
        assert api.put(ABSOLUTE, json={"items": [alone]}).status_code == 200
        at = _at(api, variant_id)
        assert (at["total_inventory_onhand"], at["qty_backordered"]) == (5, 1)


def test_backorder_message_id_shows_the_message_object(native: DemoStore) -> None:
    variant_id = _variant(native)
    with client_for(native) as api:
        assert _set(api, 1, identity={"variant_id": variant_id}, backorder_message_id=3).status_code == 200
        at = _at(api, variant_id)
        assert at["backorder_message"]["id"] == 3
        assert at["settings"]["backorder_limit"] == 0
        assert _set(api, 1, identity={"variant_id": variant_id}, backorder_message_id=None).status_code == 200
        assert "backorder_message" not in _at(api, variant_id)


def test_orders_take_on_hand_first_then_backordered_up_to_the_limit(native: DemoStore) -> None:
    variant_id = _variant(native)
    with client_for(native) as api:
        _absolute(api, variant_id, 3)
        _set(api, 1, identity={"variant_id": variant_id}, backorder_limit=4)
    key = ("v", variant_id)
    owner = native.catalog.get_variant(variant_id)["product_id"]

    def sell(units: int) -> Callable[[Storage], list[tuple[tuple[str, int], int, int]]]:
        def change(st: Storage) -> list[tuple[tuple[str, int], int, int]]:
            assert inventory.sellable(st, key) >= units or units == 99
            return [(key, owner, inventory.take(st, key, units))]

        return change

    native.catalog.order_change(sell(5))  # 3 from on hand, 2 backordered
    with client_for(native) as api:
        at = _at(api, variant_id)
        assert (at["total_inventory_onhand"], at["qty_backordered"], at["available_to_sell"]) == (0, 2, 2)
    with pytest.raises(OutOfStock) as refused:
        native.catalog.order_change(sell(99))
    assert (refused.value.available_quantity, refused.value.available_quantity_for_backorder) == (0, 2)
    native.catalog.order_change(
        lambda st: [(key, owner, inventory.give_back(st, key, 3))]  # 2 settle the backorder, 1 to stock
    )
    with client_for(native) as api:
        at = _at(api, variant_id)
        assert (at["total_inventory_onhand"], at["qty_backordered"]) == (1, 0)


def test_without_native_backorders_an_order_may_take_on_hand_only(demo_store: DemoStore) -> None:
    variant_id = _variant(demo_store)
    demo_store.catalog.update_variant(variant_id, inventory_level=2)
    key = ("v", variant_id)
    with demo_store.catalog.reading() as st:
        assert inventory.sellable(st, key) == 2
        with pytest.raises(OutOfStock):
            inventory.take(st, key, 3)


# --- safety stock and several locations ------------------------------------------------------------


def test_catalog_level_is_on_hand_less_safety_stock_never_below_zero(demo_store: DemoStore) -> None:
    product = tracked_by(demo_store, "product", with_options=False)
    with client_for(demo_store) as api:
        reply = api.put(
            ABSOLUTE, json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": 9}]}
        )
        assert reply.status_code == 200
        assert _set(api, 1, identity={"product_id": product["id"]}, safety_stock=4).status_code == 200
        assert demo_store.catalog.get_product(product["id"])["inventory_level"] == 5
        assert _set(api, 1, identity={"product_id": product["id"]}, safety_stock=12).status_code == 200
        assert demo_store.catalog.get_product(product["id"])["inventory_level"] == 0
        at = _at(api, product["base_variant_id"])
        assert (at["total_inventory_onhand"], at["available_to_sell"]) == (9, -3)
    with demo_store.catalog.reading() as st:
        assert inventory.sellable(st, ("p", product["id"])) == 0


def test_stock_at_another_location_leaves_the_catalog_alone(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    store = make_demo_store(locations=2)
    variant_id = _variant(store)
    before = store.catalog.get_variant(variant_id)["inventory_level"]
    with client_for(store) as api:
        _absolute(api, variant_id, 30, location_id=2)
        relative = {"location_id": 2, "variant_id": variant_id, "quantity": -31}
        assert api.post(RELATIVE, json={"items": [relative]}).status_code == 422  # no negative stock
        assert _at(api, variant_id, location_id=2)["total_inventory_onhand"] == 30
        assert _at(api, variant_id)["total_inventory_onhand"] == before
    assert store.catalog.get_variant(variant_id)["inventory_level"] == before


def test_a_delayed_write_shows_late_in_available_to_sell_too(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    store = make_demo_store(inventory_delay_ms=60_000)
    variant_id = _variant(store)
    store.catalog.update_variant(variant_id, inventory_level=3)  # in process: immediate
    with client_for(store) as api:
        _absolute(api, variant_id, 40)
        _set(api, 1, identity={"variant_id": variant_id}, safety_stock=1)
        at = _at(api, variant_id)
        assert (at["total_inventory_onhand"], at["available_to_sell"]) == (3, 2)


@pytest.mark.parametrize("count", [0, 101])
def test_location_count_is_checked(count: int) -> None:
    with pytest.raises(ValueError, match="locations must be 1-100"):
        DemoConfig(locations=count)


# --- the strict switches: a warehouse beside the default location, safety stock everywhere ----------


def test_several_locations_switch_adds_a_stocked_warehouse_the_catalog_leaves_out(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    """Notes §5.2: the catalog counts the default location only; other locations hold stock too."""
    store = make_demo_store(strict=("several_locations",))
    variant_id = _variant(store)
    store.catalog.update_variant(variant_id, inventory_level=6)
    with client_for(store) as api:
        listed = api.get(LOCATIONS).json()["data"]
        assert [location["id"] for location in listed] == [1, 2]
        warehouse = _at(api, variant_id, location_id=2)
        assert warehouse["total_inventory_onhand"] > 0
        assert _at(api, variant_id)["total_inventory_onhand"] == 6
    assert store.catalog.get_variant(variant_id)["inventory_level"] == 6
    store.strict.several_locations = False  # switched while serving: the warehouse is gone
    with client_for(store) as api:
        assert [location["id"] for location in api.get(LOCATIONS).json()["data"]] == [1]


def test_safety_stock_switch_keeps_units_back_unless_a_setting_says_otherwise(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    """Notes §5.1-5.2: the catalog shows on hand less safety stock; relative moves stop at it."""
    store = make_demo_store(strict=("safety_stock",))
    variant_id = _variant(store)
    store.catalog.update_variant(variant_id, inventory_level=6)
    assert store.catalog.get_variant(variant_id)["inventory_level"] == 4
    with client_for(store) as api:
        assert _at(api, variant_id)["settings"]["safety_stock"] == 2
        below = {"location_id": 1, "variant_id": variant_id, "quantity": -5}
        assert api.post(RELATIVE, json={"items": [below]}).status_code == 422
        assert _set(api, 1, identity={"variant_id": variant_id}, safety_stock=0).status_code == 200
        assert api.post(RELATIVE, json={"items": [below]}).status_code == 200
    assert store.catalog.get_variant(variant_id)["inventory_level"] == 1
