"""The demo store's orders under BigCommerce's native backorders (beta, ``--native-backorders``): on hand
first, then backordered up to each item's limit, then a 409 ``OutOfStock`` with the body of notes §6.1.

Reply shapes are checked against the specs: order lines against orders.v2's ``orderProducts`` (which
allows no other property, so the beta's ``quantity_backordered`` is checked apart), items against the
beta's inventory spec.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from tests.contract import spec
from tests.demo.conftest import tracked_by
from tests.demo.orders_helpers import item
from tests.demo.orders_helpers import place

ITEMS = "/v3/inventory/items"


@pytest.fixture
def beta(make_demo_store: Callable[..., DemoStore]) -> Iterator[tuple[DemoStore, httpx.Client]]:
    store = make_demo_store(products=60, native_backorders=True)
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}, timeout=10.0) as api:
        yield store, api


def _stock(api: httpx.Client, variant_id: int, on_hand: int, limit: int) -> None:
    reply = api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "variant_id": variant_id, "quantity": on_hand}]},
    )
    assert reply.status_code == 200, reply.text
    # No safety stock: what an order may take is on hand plus the limit, nothing kept back.
    setting = {"identity": {"variant_id": variant_id}, "backorder_limit": limit, "safety_stock": 0}
    reply = api.put("/v3/inventory/locations/1/items", json={"settings": [setting]})
    assert reply.status_code == 200, reply.text


def _at_default(api: httpx.Client, variant_id: int) -> dict[str, Any]:
    reply = api.get(ITEMS, params={"variant_id:in": variant_id})
    (found,) = spec.check_response("inventory_beta", reply, request=False)["data"]
    (at,) = [loc for loc in found["locations"] if loc["location_id"] == 1]
    return dict(at)


def _backordered_lines(api: httpx.Client, order_id: int) -> list[int]:
    """Each line's backordered units; the rest of each line must match orders.v2's schema."""
    reply = api.get(f"/v2/orders/{order_id}/products")
    assert reply.status_code == 200, reply.text
    units = []
    for line in reply.json():
        backordered = line.pop("quantity_backordered", 0)
        assert isinstance(backordered, int) and 0 <= backordered <= line["quantity"]
        spec.check_schema("orders_v2", "orderProducts", line, where="an order line")
        units.append(backordered)
    return units


def _out_of_stock(reply: httpx.Response) -> dict[str, Any]:
    """The one ``OutOfStock`` entry of a 409, in the v2 list shape of notes §6.1 (the strict store's)."""
    assert reply.status_code == 409, reply.text
    (entry,) = reply.json()
    assert entry["status"] == 409 and entry["message"].startswith("Quantities of one or more products")
    (error,) = entry["details"]["errors"]
    assert error["type"] == "OutOfStock" and error["location_id"] == 1
    return dict(error)


def test_an_order_sells_on_hand_first_then_up_to_the_limit_and_no_further(
    beta: tuple[DemoStore, httpx.Client],
) -> None:
    store, api = beta
    product = tracked_by(store, "variant", with_options=True)
    variant_id = product["variants"][0]["id"]
    _stock(api, variant_id, on_hand=2, limit=3)

    first = place(api, item(product, 4))
    assert first.status_code == 200, first.text
    assert _backordered_lines(api, first.json()["id"]) == [2]
    at = _at_default(api, variant_id)
    assert (at["total_inventory_onhand"], at["qty_backordered"], at["available_to_sell"]) == (0, 2, 1)

    orders_before = len(store.orders)
    error = _out_of_stock(place(api, item(product, 2)))
    assert (error["available_quantity"], error["available_quantity_for_backorder"]) == (0, 1)
    assert error["variant_id"] == variant_id
    assert len(store.orders) == orders_before  # refused whole: no order, nothing taken
    assert _at_default(api, variant_id)["qty_backordered"] == 2

    last = place(api, item(product, 1))
    assert last.status_code == 200, last.text
    assert _backordered_lines(api, last.json()["id"]) == [1]
    assert _at_default(api, variant_id)["available_to_sell"] == 0

    # A cancel gives units back backordered first (they were never on hand), then to on hand.
    assert api.put(f"/v2/orders/{first.json()['id']}", json={"status_id": 5}).status_code == 200
    at = _at_default(api, variant_id)
    assert (at["total_inventory_onhand"], at["qty_backordered"], at["available_to_sell"]) == (1, 0, 4)


def test_without_the_beta_an_order_stops_at_on_hand(make_demo_store: Callable[..., DemoStore]) -> None:
    store = make_demo_store(products=60)
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}, timeout=10.0) as api:
        product = tracked_by(store, "variant", with_options=True)
        variant_id = product["variants"][0]["id"]
        setting = {"identity": {"variant_id": variant_id}, "safety_stock": 0, "backorder_limit": 5}
        assert api.put("/v3/inventory/locations/1/items", json={"settings": [setting]}).status_code == 200
        reply = api.put(
            "/v3/inventory/adjustments/absolute",
            json={"items": [{"location_id": 1, "variant_id": variant_id, "quantity": 2}]},
        )
        assert reply.status_code == 200, reply.text
        error = _out_of_stock(place(api, item(product, 3)))  # the limit is no field outside the beta
        assert error["available_quantity"] == 2 and "available_quantity_for_backorder" not in error
        placed = place(api, item(product, 2))
        assert placed.status_code == 200
        assert _backordered_lines(api, placed.json()["id"]) == [0]
        assert "quantity_backordered" not in api.get(f"/v2/orders/{placed.json()['id']}/products").json()[0]


def test_the_shopper_never_buys_beyond_a_limit_and_each_line_says_its_backordered_units(
    beta: tuple[DemoStore, httpx.Client],
) -> None:
    store, api = beta
    products = [
        store.catalog.get_product(pid)
        for pid in store.catalog.product_ids()
        if store.catalog.get_product(pid)["inventory_tracking"] == "variant"
    ][:4]
    limits: dict[int, int] = {}
    for number, product in enumerate(products):
        for variant in product["variants"]:
            limits[variant["id"]] = 2 + number
            _stock(api, variant["id"], on_hand=1, limit=limits[variant["id"]])
    shopper = Shopper(store.orders, seed=11, product_ids=[p["id"] for p in products], max_quantity=4)
    log = shopper.run(300)

    assert any(a.kind == "refused" and "out of stock" in a.detail for a in log)
    assert sum(a.kind == "order" for a in log) > 20
    for variant_id, limit in limits.items():
        at = _at_default(api, variant_id)
        assert 0 <= at["qty_backordered"] <= limit, (variant_id, at)
        assert at["available_to_sell"] >= 0
    # The lines' backordered units, of orders still holding theirs, are what the store counts.
    held: dict[int, int] = {}
    for order_id in store.orders.order_ids():
        order = store.orders.get(order_id)
        for line in order.lines:
            held[line.variant_id or 0] = held.get(line.variant_id or 0, 0) + line.backordered
    assert sum(held.values()) == sum(_at_default(api, v)["qty_backordered"] for v in limits)
