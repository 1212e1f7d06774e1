"""Inventory API: absolute and relative adjustments, tracking-mode checks, items, locations, async delay."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import client_for
from tests.demo.conftest import tracked_by

ABSOLUTE = "/v3/inventory/adjustments/absolute"
RELATIVE = "/v3/inventory/adjustments/relative"
ITEMS = "/v3/inventory/items"


def test_absolute_then_relative_by_each_identifier(demo_store: DemoStore, api: httpx.Client) -> None:
    by_product = tracked_by(demo_store, "product", with_options=False)
    by_variant = tracked_by(demo_store, "variant", with_options=True)
    first, second = by_variant["variants"][:2]
    items = [
        {"location_id": 1, "product_id": by_product["id"], "quantity": 40},
        {"location_id": 1, "variant_id": first["id"], "quantity": 10},
        {"location_id": 1, "sku": second["sku"], "quantity": 5},
    ]
    reply = api.put(ABSOLUTE, json={"reason": "stock take", "items": items})
    assert reply.status_code == 200
    assert isinstance(reply.json()["transaction_id"], str)
    assert demo_store.catalog.get_product(by_product["id"])["inventory_level"] == 40
    assert demo_store.catalog.get_variant(first["id"])["inventory_level"] == 10
    assert demo_store.catalog.get_variant(second["id"])["inventory_level"] == 5
    order = {"items": [{"location_id": 1, "variant_id": first["id"], "quantity": -3}]}
    assert api.post(RELATIVE, json=order).status_code == 200
    assert demo_store.catalog.get_variant(first["id"])["inventory_level"] == 7


def test_wrong_identifier_for_the_tracking_mode_is_422_problem_json(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    product = tracked_by(demo_store, "product", with_options=False)
    variant_id = product["base_variant_id"]
    reply = api.put(ABSOLUTE, json={"items": [{"location_id": 1, "variant_id": variant_id, "quantity": 1}]})
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["title"] == (
        f"[Item with variant_id {variant_id} is tracked by product, please update stock by product id]"
    )
    by_variant = tracked_by(demo_store, "variant", with_options=True)
    reply = api.put(
        ABSOLUTE, json={"items": [{"location_id": 1, "product_id": by_variant["id"], "quantity": 1}]}
    )
    assert reply.status_code == 422 and "tracked by variant" in reply.json()["title"]


@pytest.mark.parametrize(
    "item",
    [
        {"location_id": 1, "quantity": 1},
        {"location_id": 1, "sku": "A", "variant_id": 1, "quantity": 1},
        {"location_id": 1, "product_id": 1},
        {"product_id": 1, "quantity": 1},
        {"location_id": 7, "product_id": 1, "quantity": 1},
    ],
)
def test_malformed_items_are_422(api: httpx.Client, item: dict[str, object]) -> None:
    reply = api.put(ABSOLUTE, json={"items": [item]})
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"


def test_item_limit_and_atomicity(demo_store: DemoStore, api: httpx.Client) -> None:
    product = tracked_by(demo_store, "product", with_options=False)
    item = {"location_id": 1, "product_id": product["id"], "quantity": 1}
    assert api.put(ABSOLUTE, json={"items": [item] * 2000}).status_code == 200
    assert api.put(ABSOLUTE, json={"items": [item] * 2001}).status_code == 422
    level = demo_store.catalog.get_product(product["id"])["inventory_level"]
    mixed = [{**item, "quantity": 500}, {"location_id": 1, "product_id": 99_999, "quantity": 1}]
    assert api.put(ABSOLUTE, json={"items": mixed}).status_code == 422
    negative = {"items": [{**item, "quantity": -(level + 1)}]}
    assert api.post(RELATIVE, json=negative).status_code == 422
    assert demo_store.catalog.get_product(product["id"])["inventory_level"] == level


def test_adjustments_bump_date_modified(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.strict.stock_moves_keep_date_modified = False  # the lenient default under test
    product = tracked_by(demo_store, "product", with_options=False)
    api.put(ABSOLUTE, json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": 3}]})
    assert demo_store.catalog.get_product(product["id"])["date_modified"] > product["date_modified"]


def test_adjust_stock_is_an_order(demo_store: DemoStore) -> None:
    product = tracked_by(demo_store, "variant", with_options=True)
    variant = next(v for v in product["variants"] if v["inventory_level"] > 0)
    demo_store.catalog.adjust_stock(variant_id=variant["id"], delta=-1)
    assert demo_store.catalog.get_variant(variant["id"])["inventory_level"] == variant["inventory_level"] - 1
    with pytest.raises(ValueError, match="stock"):
        demo_store.catalog.adjust_stock(variant_id=variant["id"], delta=-10_000)
    with pytest.raises(ValueError):
        demo_store.catalog.adjust_stock(product_id=product["id"], variant_id=variant["id"], delta=1)
    with pytest.raises(KeyError):
        demo_store.catalog.adjust_stock(product_id=99_999, delta=1)


def test_items_list_filters_and_pages(demo_store: DemoStore, api: httpx.Client) -> None:
    total = demo_store.catalog.variant_count()
    body = api.get(ITEMS, params={"limit": 1000}).json()
    assert body["meta"]["pagination"]["total"] == total == len(body["data"])
    product = tracked_by(demo_store, "variant", with_options=True)
    variant = product["variants"][1]
    by_variant = api.get(ITEMS, params={"variant_id:in": f"{variant['id']}"}).json()["data"]
    (item,) = by_variant
    assert item["identity"] == {
        "sku": variant["sku"],
        "variant_id": variant["id"],
        "product_id": product["id"],
        "sku_id": variant["sku_id"],
    }
    # The strict store has a warehouse (location 2) beside the default location the catalog counts.
    location, *others = item["locations"]
    warehouses = [2] if demo_store.strict.several_locations else []
    assert location["location_id"] == 1 and [o["location_id"] for o in others] == warehouses
    assert location["total_inventory_onhand"] == location["available_to_sell"] == variant["inventory_level"]
    by_product = api.get(ITEMS, params={"product_id:in": product["id"]}).json()["data"]
    assert [i["identity"]["variant_id"] for i in by_product] == [v["id"] for v in product["variants"]]
    by_sku = api.get(ITEMS, params={"sku:in": variant["sku"]}).json()["data"]
    assert by_sku == by_variant
    assert api.get(ITEMS, params={"location_id:in": "3"}).json()["data"] == []
    assert api.get(ITEMS, params={"variant_id:in": "1,x"}).status_code == 422


def test_one_default_location(api: httpx.Client) -> None:
    body = api.get("/v3/inventory/locations", params={"is_default": "true"}).json()
    (location,) = body["data"]
    assert location["id"] == 1 and location["enabled"] is True
    assert location in api.get("/v3/inventory/locations").json()["data"]
    assert api.get("/v3/inventory/locations", params={"location_id:in": "3"}).json()["data"] == []


def test_in_process_stock_writes_are_immediate_even_with_a_delay(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    store = make_demo_store(inventory_delay_ms=60_000)
    product = tracked_by(store, "product", with_options=False)
    store.catalog.update_product(product["id"], inventory_level=1)
    assert store.catalog.get_product(product["id"])["inventory_level"] == 1
    with client_for(store) as api:
        item = {"location_id": 1, "product_id": product["id"], "quantity": 5}
        assert api.put(ABSOLUTE, json={"items": [item]}).status_code == 200
        assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["inventory_level"] == 1
        relative = {"items": [{**item, "quantity": -6}]}
        assert api.post(RELATIVE, json=relative).status_code == 422, "checked against the pending value (5)"
