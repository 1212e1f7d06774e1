"""Contract of the demo store's orders: orders.v2.oas2.yml, orders.v3.yml (refunds), settings.v3.yml
(``/settings/inventory``) and the ``store_order_*`` callbacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.contract import spec
from tests.contract.conftest import _client
from tests.contract.test_hooks import Receiver
from tests.contract.test_hooks import _check_payload
from tests.contract.test_hooks import _create
from tests.contract.test_hooks import receiver  # noqa: F401 - the fixture

BILLING = {"first_name": "Jo", "last_name": "Buyer", "zip": "78701", "email": "jo@buyer.example"}
EMBED_LINES = {"include": "consignments.line_items", "consignment_structure": "object"}


def _find(store: DemoStore, tracking: str, *, with_options: bool) -> dict[str, Any]:
    """A product of the catalog, read in-process: the products are not what these tests check."""
    for product_id in store.catalog.product_ids():
        product = store.catalog.get_product(product_id)
        if product["inventory_tracking"] == tracking and (product["base_variant_id"] is None) == with_options:
            return product
    raise LookupError(f"the demo catalog has no product tracked by {tracking}")


def _untracked(store: DemoStore) -> dict[str, Any]:
    return _find(store, "none", with_options=False)


def _tracked_variant(store: DemoStore) -> tuple[dict[str, Any], dict[str, Any]]:
    product = _find(store, "variant", with_options=True)
    return product, product["variants"][0]


def _place(api: httpx.Client, products: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    reply = api.post("v2/orders", json={"products": products, "billing_address": BILLING, **extra})
    order: dict[str, Any] = spec.check_response("orders_v2", reply)
    return order


@pytest.fixture
def order(store: DemoStore, api: httpx.Client) -> dict[str, Any]:
    """An order of an untracked product (3 units) and a tracked variant (1 unit), Awaiting Fulfillment."""
    product, variant = _tracked_variant(store)
    plain = _untracked(store)
    lines = [
        {"product_id": plain["id"], "quantity": 3},
        {"product_id": product["id"], "variant_id": variant["id"], "quantity": 1},
    ]
    return _place(api, lines, status_id=11)


def test_placing_and_reading_an_order_match_the_spec(api: httpx.Client, order: dict[str, Any]) -> None:
    assert order["status_id"] == 11 and order["items_total"] == 4
    got = spec.check_response("orders_v2", api.get(f"v2/orders/{order['id']}"))
    assert got == order
    lines = spec.check_response("orders_v2", api.get(f"v2/orders/{order['id']}/products"))
    assert [line["quantity"] for line in lines] == [3, 1]
    for line in lines:  # orderProducts allows no other property; the app keys on these
        assert {"id", "order_id", "product_id", "variant_id", "quantity", "quantity_refunded"} <= line.keys()
    count = spec.check_response("orders_v2", api.get("v2/orders/count"))
    assert count["count"] == 1 and sum(s["count"] for s in count["statuses"]) == 1
    statuses = spec.check_response("orders_v2", api.get("v2/order_statuses"))
    assert len(statuses) == 15
    assert spec.check_response("orders_v2", api.get("v2/order_statuses/11"))["name"] == "Awaiting Fulfillment"


def test_a_page_with_embedded_lines_matches_the_spec(api: httpx.Client, order: dict[str, Any]) -> None:
    params = {"sort": "date_modified:asc", "min_date_modified": "2020-01-01T00:00:00+00:00", **EMBED_LINES}
    (listed,) = spec.check_response("orders_v2", api.get("v2/orders", params=params))
    (shipping,) = listed["consignments"]["shipping"]
    assert [line["quantity"] for line in shipping["line_items"]] == [3, 1]
    for line in shipping["line_items"]:
        spec.check_schema("orders_v2", "orderProducts", line, where="an embedded line")
    linked = spec.check_response(
        "orders_v2",
        api.get("v2/orders", params={"include": "consignments", "consignment_structure": "object"}),
    )
    assert all(
        set(link) == {"url", "resource"} for link in linked[0]["consignments"]["shipping"][0]["line_items"]
    )


def test_an_empty_list_is_204_which_the_spec_does_not_declare(api: httpx.Client) -> None:
    reply = api.get("v2/orders", params={"min_id": 1})
    with pytest.raises(spec.ContractViolation, match="Unknown response http status: 204"):
        spec.check_response("orders_v2", reply)
    assert reply.status_code == 204 and reply.content == b""  # notes §6.3: the live API answers so


def test_status_and_staff_notes_updates_match_the_spec(api: httpx.Client, order: dict[str, Any]) -> None:
    reply = api.put(f"v2/orders/{order['id']}", json={"status_id": 9, "staff_notes": "Send Saturday"})
    updated = spec.check_response("orders_v2", reply)
    assert updated["status_id"] == 9 and updated["status"] == "Awaiting Shipment"
    assert updated["staff_notes"] == "Send Saturday"


def test_refunds_match_the_spec(api: httpx.Client, order: dict[str, Any]) -> None:
    lines = api.get(f"v2/orders/{order['id']}/products").json()
    body = {
        "items": [{"item_type": "PRODUCT", "item_id": lines[0]["id"], "quantity": 2}],
        "payments": [{"provider_id": "custom", "amount": 1.0, "offline": True}],
    }
    reply = api.post(f"v3/orders/{order['id']}/payment_actions/refunds", json=body)
    created = spec.check_response("orders_v3", reply)["data"]
    assert reply.status_code == 201 and created["order_id"] == order["id"]
    listed = spec.check_response(
        "orders_v3", api.get("v3/orders/payment_actions/refunds", params={"order_id:in": str(order["id"])})
    )
    assert [r["id"] for r in listed["data"]] == [created["id"]]
    per_order = spec.check_response("orders_v3", api.get(f"v3/orders/{order['id']}/payment_actions/refunds"))
    assert per_order["data"] == listed["data"]
    single = spec.check_response("orders_v3", api.get(f"v3/orders/payment_actions/refunds/{created['id']}"))
    assert single["data"] == created
    after = spec.check_response("orders_v2", api.get(f"v2/orders/{order['id']}"))
    assert after["status_id"] == 14


def test_inventory_settings_match_the_spec(api: httpx.Client) -> None:
    read = spec.check_response("settings", api.get("v3/settings/inventory"))["data"]
    assert read["update_stock_behavior"] == "order_placed"
    written = spec.check_response(
        "settings",
        api.put("v3/settings/inventory", json={"update_stock_behavior": "order_completed_or_shipped"}),
    )
    assert written["data"]["update_stock_behavior"] == "order_completed_or_shipped"


def test_channel_settings_say_null_for_inherited_which_the_schema_does_not_allow(api: httpx.Client) -> None:
    reply = api.get("v3/settings/inventory", params={"channel_id": 1})
    # The reply's description: "null indicates that a particular field has not been overridden on a
    # channel level"; InventorySettings marks no field nullable.
    with pytest.raises(spec.ContractViolation, match="None for not nullable"):
        spec.check_response("settings", reply)
    assert set(reply.json()["data"].values()) == {None}


def test_out_of_stock_is_a_409_in_both_error_shapes(make_demo_store: Callable[..., DemoStore]) -> None:
    for strict in ((), ("v2_error_list",)):
        store = make_demo_store(products=60, strict=strict)
        with _client(store.base_url, store.token) as api:
            product, variant = _tracked_variant(store)
            item = {
                "product_id": product["id"],
                "variant_id": variant["id"],
                "quantity": variant["inventory_level"] + 1,
            }
            reply = api.post("v2/orders", json={"products": [item], "billing_address": BILLING})
            spec.check_request("orders_v2", reply.request)
            # orders.v2 declares no 409; notes §6.1 give the body (a v2 list when strict).
            if strict:
                assert reply.status_code == 409
                (error,) = reply.json()
                errors = error["details"]["errors"]
            else:
                errors = spec.check_error_body(reply, 409)["errors"]["errors"]
            assert (
                errors[0]["type"] == "OutOfStock"
                and errors[0]["available_quantity"] == variant["inventory_level"]
            )


def test_order_callbacks_match_their_schemas(store: DemoStore, api: httpx.Client, receiver: Receiver) -> None:  # noqa: F811
    for scope in ("store/order/created", "store/order/updated", "store/order/statusUpdated"):
        _create(api, scope, receiver.url)
    _create(api, "store/order/refund/created", receiver.url)
    plain = _untracked(store)
    placed = _place(api, [{"product_id": plain["id"], "quantity": 2}], status_id=11)
    created = _check_payload(receiver.next_for("store/order/created"), "store/order/created")
    assert created["data"] == {"type": "order", "id": placed["id"]}
    spec.check_response("orders_v2", api.put(f"v2/orders/{placed['id']}", json={"status_id": 5}))
    updated = _check_payload(receiver.next_for("store/order/updated"), "store/order/updated")
    assert updated["data"]["id"] == placed["id"]
    status = _check_payload(receiver.next_for("store/order/statusUpdated"), "store/order/statusUpdated")
    assert status["data"]["status"] == {"previous_status_id": 11, "new_status_id": 5}
    line = api.get(f"v2/orders/{placed['id']}/products").json()[0]
    body = {"items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}], "payments": []}
    refund = api.post(f"v3/orders/{placed['id']}/payment_actions/refunds", json=body).json()["data"]
    refunded = _check_payload(receiver.next_for("store/order/refund/created"), "store/order/refund/created")
    assert refunded["data"]["refund"] == {"refund_id": refund["id"]}


def test_a_read_only_token_cannot_place_orders(store: DemoStore, read_only_api: httpx.Client) -> None:
    plain = _untracked(store)
    reply = read_only_api.post(
        "v2/orders",
        json={"products": [{"product_id": plain["id"], "quantity": 1}], "billing_address": BILLING},
    )
    spec.check_request("orders_v2", reply.request)
    assert reply.status_code == 403  # notes §1: writes need the modify scope (undeclared in the spec)
