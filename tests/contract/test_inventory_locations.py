"""Contract of the Inventory API by location: several locations, per-location settings (safety stock),
one location's items, and the native backorders beta's fields (inventory.v3.yml, locations.v3.yml,
inventory.v3.backorders-beta.yml)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.contract import spec
from tests.contract.conftest import product_tracked_by

ABSOLUTE = "v3/inventory/adjustments/absolute"
RELATIVE = "v3/inventory/adjustments/relative"
ITEMS = "v3/inventory/items"
LOCATIONS = "v3/inventory/locations"


def _items_at(location_id: int) -> str:
    return f"{LOCATIONS}/{location_id}/items"


@pytest.fixture
def three_locations(make_demo_store: Callable[..., DemoStore]) -> Iterator[httpx.Client]:
    store = make_demo_store(products=60, locations=3)
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}, timeout=10.0) as client:
        yield client


@pytest.fixture
def beta(make_demo_store: Callable[..., DemoStore]) -> Iterator[httpx.Client]:
    store = make_demo_store(products=60, native_backorders=True)
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}, timeout=10.0) as client:
        yield client


def _variant_id(api: httpx.Client) -> int:
    variant_id: int = product_tracked_by(api, "variant", with_options=True)["variants"][0]["id"]
    return variant_id


def _item(api: httpx.Client, variant_id: int, spec_name: str = "inventory") -> dict[str, Any]:
    reply = api.get(ITEMS, params={"variant_id:in": variant_id})
    body = spec.check_response(spec_name, reply, request=False)  # `variant_id:in` is typed integer
    (item,) = body["data"]
    return dict(item)


def _put_settings(
    api: httpx.Client, location_id: int, *settings: dict[str, Any], spec_name: str = "inventory"
) -> tuple[httpx.Response, dict[str, Any]]:
    """PUT per-location settings; the reply is checked against the spec, the request cannot be."""
    reply = api.put(_items_at(location_id), json={"settings": list(settings)})
    # Spec bug: `identity` is a oneOf of three objects with no required property, so any identity
    # matches all three and no request body can be valid.
    assert spec.request_errors(spec_name, reply.request), "if this passes, the spec was fixed"
    return reply, spec.check_response(spec_name, reply, request=False)


def test_locations_list_every_location_and_one_default(three_locations: httpx.Client) -> None:
    body = spec.check_response("locations", three_locations.get(LOCATIONS))
    spec.check_envelope(body, collection=True)
    assert [location["id"] for location in body["data"]] == [1, 2, 3]
    assert len({location["code"] for location in body["data"]}) == 3
    default = spec.check_response("locations", three_locations.get(LOCATIONS, params={"is_default": "true"}))
    assert [location["id"] for location in default["data"]] == [1]
    others = spec.check_response("locations", three_locations.get(LOCATIONS, params={"is_default": "false"}))
    assert [location["id"] for location in others["data"]] == [2, 3]


def test_stock_and_safety_stock_per_location(three_locations: httpx.Client) -> None:
    api = three_locations
    variant_id = _variant_id(api)
    items = [
        {"location_id": 1, "variant_id": variant_id, "quantity": 20},
        {"location_id": 3, "variant_id": variant_id, "quantity": 7},
    ]
    spec.check_response("inventory", api.put(ABSOLUTE, json={"items": items}))
    reply, body = _put_settings(api, 1, {"identity": {"variant_id": variant_id}, "safety_stock": 5})
    assert reply.status_code == 200 and body["transaction_id"]
    by_location = {at["location_id"]: at for at in _item(api, variant_id)["locations"]}
    assert set(by_location) == {1, 2, 3}
    assert (by_location[1]["total_inventory_onhand"], by_location[1]["available_to_sell"]) == (20, 15)
    assert by_location[1]["settings"]["safety_stock"] == 5
    assert (by_location[3]["total_inventory_onhand"], by_location[3]["available_to_sell"]) == (7, 7)
    assert by_location[2]["total_inventory_onhand"] == 0
    # The catalog shows the default location's available to sell (notes §5.2), not on hand.
    variants = spec.check_response("variants", api.get("v3/catalog/variants", params={"id": variant_id}))
    assert [v["inventory_level"] for v in variants["data"]] == [15]
    reply = api.get(_items_at(3), params={"variant_id:in": variant_id})
    (at_three,) = spec.check_response("inventory", reply, request=False)["data"]
    assert at_three["identity"]["variant_id"] == variant_id
    assert (at_three["total_inventory_onhand"], at_three["available_to_sell"]) == (7, 7)


def test_location_filter_of_items(three_locations: httpx.Client) -> None:
    reply = three_locations.get(ITEMS, params={"location_id:in": "2", "limit": 5})
    body = spec.check_response("inventory", reply, request=False)
    assert len(body["data"]) == 5
    assert all([at["location_id"] for at in item["locations"]] == [2] for item in body["data"])


def test_relative_adjustment_below_safety_stock_is_422(three_locations: httpx.Client) -> None:
    api = three_locations
    variant_id = _variant_id(api)
    item = {"location_id": 1, "variant_id": variant_id}
    spec.check_response("inventory", api.put(ABSOLUTE, json={"items": [{**item, "quantity": 8}]}))
    _put_settings(api, 1, {"identity": {"variant_id": variant_id}, "safety_stock": 5})
    reply = api.post(RELATIVE, json={"items": [{**item, "quantity": -4}]})
    body = spec.check_response("inventory", reply)
    spec.check_error_body(reply, 422)
    assert "safety stock" in body["title"]
    assert _item(api, variant_id)["locations"][0]["total_inventory_onhand"] == 8


def test_unknown_location_is_404_to_read_and_422_to_write(three_locations: httpx.Client) -> None:
    api = three_locations
    variant_id = _variant_id(api)
    reply = api.get(_items_at(9))
    spec.check_response("inventory", reply)
    spec.check_error_body(reply, 404)
    reply, _body = _put_settings(api, 9, {"identity": {"variant_id": variant_id}, "safety_stock": 1})
    spec.check_error_body(reply, 422)
    reply = api.put(ABSOLUTE, json={"items": [{"location_id": 9, "variant_id": variant_id, "quantity": 1}]})
    assert "Location with id 9 not found" in spec.check_response("inventory", reply)["title"]


def test_empty_setting_is_422_as_the_spec_example_says(three_locations: httpx.Client) -> None:
    variant_id = _variant_id(three_locations)
    reply, body = _put_settings(three_locations, 1, {"identity": {"variant_id": variant_id}})
    assert reply.status_code == 422
    assert body["title"] == "Payload contains invalid fields"
    assert body["errors"]["setting.0.settings"].startswith("At least one setting must be specified")


def test_beta_fields_validate_against_the_beta_spec(beta: httpx.Client) -> None:
    api = beta
    variant_id = _variant_id(api)
    spec.check_response(
        "inventory_beta",
        api.put(ABSOLUTE, json={"items": [{"location_id": 1, "variant_id": variant_id, "quantity": 2}]}),
    )
    setting = {"identity": {"variant_id": variant_id}, "backorder_limit": 6, "backorder_message_id": 2}
    reply, _body = _put_settings(api, 1, setting, spec_name="inventory_beta")
    assert reply.status_code == 200
    at = _item(api, variant_id, "inventory_beta")["locations"][0]
    assert at["location_id"] == 1
    assert at["backorder_message"]["id"] == 2
    assert (at["settings"]["backorder_limit"], at["available_to_sell"]) == (6, 8)
    reply = api.get(_items_at(1), params={"variant_id:in": variant_id})
    (item,) = spec.check_response("inventory_beta", reply, request=False)["data"]
    assert item["backorder_message"]["name"] and item["qty_backordered"] == 0
