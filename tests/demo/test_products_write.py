"""Writing the catalog over HTTP: batch and single updates, create, delete, variant batches, conflicts."""

from __future__ import annotations

import httpx

from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import tracked_by

PRODUCTS = "/v3/catalog/products"
VARIANTS = "/v3/catalog/variants"


def test_batch_update_changes_products_and_bumps_date_modified(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    before = demo_store.catalog.get_product(2)
    reply = api.put(
        PRODUCTS, json=[{"id": 2, "name": "Renamed Two", "price": 19.99}, {"id": 3, "is_visible": False}]
    )
    assert reply.status_code == 200
    data = reply.json()["data"]
    assert [p["id"] for p in data] == [2, 3]
    assert (
        data[0]["name"] == "Renamed Two"
        and data[0]["price"] == 19.99
        and data[0]["calculated_price"] == 19.99
    )
    assert data[1]["is_visible"] is False
    after = demo_store.catalog.get_product(2)
    assert after["date_modified"] > before["date_modified"]
    assert after["date_modified"].endswith("+00:00")


def test_batch_of_eleven_is_413_with_the_spec_title(api: httpx.Client) -> None:
    reply = api.put(PRODUCTS, json=[{"id": i, "price": 1} for i in range(1, 12)])
    assert reply.status_code == 413
    assert (
        reply.json()["title"]
        == "The request payload is too large. The maximum items allowed in the array is 10."
    )


def test_invalid_or_unknown_products_change_nothing(demo_store: DemoStore, api: httpx.Client) -> None:
    name = demo_store.catalog.get_product(1)["name"]
    invalid = api.put(PRODUCTS, json=[{"id": 1, "name": "Changed"}, {"id": 2, "inventory_level": -5}])
    assert invalid.status_code == 422
    assert "1.inventory_level" in invalid.json()["errors"]
    missing = api.put(PRODUCTS, json=[{"id": 1, "name": "Changed"}, {"id": 4040}])
    assert missing.status_code == 404
    assert api.put(PRODUCTS, json={"id": 1}).status_code == 422
    assert demo_store.catalog.get_product(1)["name"] == name


def test_duplicate_name_or_sku_is_409(demo_store: DemoStore, api: httpx.Client) -> None:
    other = demo_store.catalog.get_product(9)
    assert api.put(f"{PRODUCTS}/8", json={"name": other["name"]}).status_code == 409
    reply = api.put(f"{PRODUCTS}/8", json={"sku": other["sku"]})
    assert reply.status_code == 409 and "sku" in reply.json()["errors"]


def test_single_update_and_delete(demo_store: DemoStore, api: httpx.Client) -> None:
    reply = api.put(f"{PRODUCTS}/20", json={"availability": "disabled", "sale_price": 1.0})
    assert reply.status_code == 200 and reply.json()["data"]["availability"] == "disabled"
    assert reply.json()["data"]["calculated_price"] == 1.0
    assert api.put(f"{PRODUCTS}/9999", json={"name": "x"}).status_code == 404
    assert api.delete(f"{PRODUCTS}/20").status_code == 204
    assert api.get(f"{PRODUCTS}/20").status_code == 404
    assert api.delete(f"{PRODUCTS}/20").status_code == 404
    assert demo_store.catalog.product_count() == 199


def test_catalog_stock_write_follows_the_tracking_mode(demo_store: DemoStore, api: httpx.Client) -> None:
    product = tracked_by(demo_store, "product", with_options=False)
    reply = api.put(f"{PRODUCTS}/{product['id']}", json={"inventory_level": 3_000_000_000})
    assert reply.json()["data"]["inventory_level"] == 2_147_483_647, "the Catalog API clamps to the maximum"
    assert demo_store.catalog.get_variant(product["base_variant_id"])["inventory_level"] == 2_147_483_647


def test_create_product_with_variants(demo_store: DemoStore, api: httpx.Client) -> None:
    body = {
        "name": "Trail Runner Sock",
        "type": "physical",
        "weight": 0.2,
        "price": 12.0,
        "sku": "SOCK-1",
        "inventory_tracking": "variant",
        "variants": [
            {
                "sku": "SOCK-1-S",
                "inventory_level": 4,
                "option_values": [{"option_display_name": "Size", "label": "S"}],
            },
            {
                "sku": "SOCK-1-L",
                "price": 13.5,
                "option_values": [{"option_display_name": "Size", "label": "L"}],
            },
        ],
    }
    reply = api.post(PRODUCTS, json=body)
    assert reply.status_code == 200
    product = reply.json()["data"]
    assert product["id"] == 201 and product["base_variant_id"] is None
    assert [v["sku"] for v in product["variants"]] == ["SOCK-1-S", "SOCK-1-L"]
    assert [v["price"] for v in product["variants"]] == [12.0, 13.5]
    assert product["inventory_level"] == 4
    assert api.get(PRODUCTS, params={"sku": "SOCK-1"}).json()["data"][0]["id"] == 201
    assert api.get(VARIANTS, params={"sku": "SOCK-1-L"}).json()["data"][0]["product_id"] == 201
    assert api.post(PRODUCTS, json=body).status_code == 409
    assert demo_store.catalog.product_count() == 201


def test_create_simple_product_and_missing_fields(api: httpx.Client) -> None:
    reply = api.post(
        PRODUCTS, json={"name": "Gift Card", "type": "digital", "weight": 0, "price": 25, "sku": "GC"}
    )
    product = reply.json()["data"]
    assert product["base_variant_id"] == product["variants"][0]["id"]
    assert product["variants"][0]["sku"] == "GC"
    missing = api.post(PRODUCTS, json={"name": "No Price"})
    assert missing.status_code == 422
    assert {"type", "weight", "price"} <= set(missing.json()["errors"])


def test_delete_by_filter(demo_store: DemoStore, api: httpx.Client) -> None:
    assert api.delete(PRODUCTS, params={"id:in": "4,5,6,999"}).status_code == 204
    assert [api.get(f"{PRODUCTS}/{i}").status_code for i in (4, 5, 6, 7)] == [404, 404, 404, 200]
    assert api.delete(PRODUCTS).status_code == 422, "a delete without a filter must not delete everything"
    assert api.delete(PRODUCTS, params={"colour": "red"}).status_code == 422
    assert demo_store.catalog.product_count() == 197


def test_variant_batch_update(demo_store: DemoStore, api: httpx.Client) -> None:
    product = tracked_by(demo_store, "variant", with_options=True)
    first, second = product["variants"][:2]
    reply = api.put(
        VARIANTS, json=[{"id": first["id"], "inventory_level": 7}, {"id": second["id"], "price": 99.5}]
    )
    assert reply.status_code == 200
    assert [v["id"] for v in reply.json()["data"]] == [first["id"], second["id"]]
    assert demo_store.catalog.get_variant(first["id"])["inventory_level"] == 7
    assert demo_store.catalog.get_variant(second["id"])["price"] == 99.5
    assert demo_store.catalog.get_product(product["id"])["date_modified"] > product["date_modified"]


def test_variant_batch_limits_and_batch_errors(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.strict.partial_batches = False  # the all-or-nothing 422; test_strict.py checks the 207
    product = tracked_by(demo_store, "variant", with_options=True)
    variant = product["variants"][0]
    assert api.put(VARIANTS, json=[{"id": variant["id"], "price": 1}] * 51).status_code == 413
    reply = api.put(
        VARIANTS, json=[{"id": variant["id"], "price": 2.0}, {"id": variant["id"], "inventory_level": -1}]
    )
    assert reply.status_code == 422
    (error,) = reply.json()["batch_errors"]
    assert error["status"] == 422 and "inventory_level" in error["errors"]
    assert demo_store.catalog.get_variant(variant["id"]) == variant, "nothing of an invalid batch is applied"


def test_in_process_writes_return_api_shapes(demo_store: DemoStore) -> None:
    updated = demo_store.catalog.update_product(30, name="Back Office Rename", price=5.5)
    assert updated["name"] == "Back Office Rename" and updated["variants"]
    variant_id = updated["variants"][0]["id"]
    assert (
        demo_store.catalog.update_variant(variant_id, purchasing_disabled=True)["purchasing_disabled"] is True
    )
    demo_store.catalog.delete_product(30)
    assert 30 not in demo_store.catalog.product_ids()
