"""Orders obey the catalog: stock limits, availability, and stock moves as /v3/settings/inventory says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import client_for
from tests.demo.conftest import tracked_by
from tests.demo.orders_helpers import item
from tests.demo.orders_helpers import lines_of
from tests.demo.orders_helpers import place
from tests.demo.orders_helpers import placed
from tests.demo.orders_helpers import untracked


def _level(store: DemoStore, product: dict[str, Any], variant: int = 0) -> int:
    if product["base_variant_id"] is None:
        level: int = store.catalog.get_variant(product["variants"][variant]["id"])["inventory_level"]
        return level
    level = store.catalog.get_product(product["id"])["inventory_level"]
    return level


@pytest.fixture
def shirt(demo_store: DemoStore) -> dict[str, Any]:
    """A product tracked by variant, its first variant holding 5."""
    product = tracked_by(demo_store, "variant", with_options=True)
    demo_store.catalog.update_variant(product["variants"][0]["id"], inventory_level=5)
    return product


@pytest.fixture
def mug(demo_store: DemoStore) -> dict[str, Any]:
    """A product without options tracked by product, holding 4."""
    product = tracked_by(demo_store, "product", with_options=False)
    demo_store.catalog.update_product(product["id"], inventory_level=4)
    return product


def _settings(api: httpx.Client, **values: object) -> None:
    reply = api.put("/v3/settings/inventory", json=values)
    assert reply.status_code == 200, reply.text
    assert {k: reply.json()["data"][k] for k in values} == values


def test_a_tracked_item_cannot_be_bought_beyond_its_stock(
    demo_store: DemoStore, api: httpx.Client, shirt: dict[str, Any], mug: dict[str, Any]
) -> None:
    refused = place(api, item(shirt, 6))
    assert refused.status_code == 409
    body = refused.json()  # the v3 error object, or under v2_error_list the live v2 list
    (short,) = body[0]["details"]["errors"] if demo_store.strict.v2_error_list else body["errors"]["errors"]
    assert short["type"] == "OutOfStock" and short["available_quantity"] == 5
    assert short["variant_id"] == shirt["variants"][0]["id"]
    assert place(api, item(shirt, 3), item(shirt, 3)).status_code == 409  # two lines of one variant: 6
    assert place(api, item(shirt, 5), item(mug, 5)).status_code == 409  # one short line refuses the order
    assert _level(demo_store, shirt) == 5 and _level(demo_store, mug) == 4
    assert api.get("/v2/orders").status_code == 204
    placed(api, item(shirt, 5), item(mug, 4))
    assert _level(demo_store, shirt) == 0 and _level(demo_store, mug) == 0
    assert place(api, item(mug, 1)).status_code == 409


def test_an_untracked_item_can_always_be_bought(demo_store: DemoStore, api: httpx.Client) -> None:
    plain = untracked(demo_store)
    before = demo_store.catalog.get_product(plain["id"])
    placed(api, item(plain, 100_000))
    after = demo_store.catalog.get_product(plain["id"])
    assert after["inventory_level"] == before["inventory_level"]


def test_disabled_products_and_variants_cannot_be_bought(
    demo_store: DemoStore, api: httpx.Client, shirt: dict[str, Any], mug: dict[str, Any]
) -> None:
    demo_store.catalog.update_product(mug["id"], availability="disabled")
    demo_store.catalog.update_variant(shirt["variants"][0]["id"], purchasing_disabled=True)
    assert place(api, item(mug, 1)).status_code == 409
    assert place(api, item(shirt, 1)).status_code == 409
    assert placed(api, item(shirt, 1, variant=1))["items_total"] == 1  # its other variants still sell
    demo_store.catalog.update_product(mug["id"], availability="preorder")
    assert placed(api, item(mug, 1))["items_total"] == 1


def test_incomplete_orders_take_no_stock_until_they_move_on(
    demo_store: DemoStore, api: httpx.Client, mug: dict[str, Any]
) -> None:
    order = placed(api, item(mug, 3), status_id=0)
    assert _level(demo_store, mug) == 4
    api.put(f"/v2/orders/{order['id']}", json={"status_id": 11})
    assert _level(demo_store, mug) == 1


def test_cancel_gives_units_back_when_refund_adjustment_is_on(
    demo_store: DemoStore, api: httpx.Client, mug: dict[str, Any]
) -> None:
    kept = placed(api, item(mug, 1))
    order = placed(api, item(mug, 2))
    assert _level(demo_store, mug) == 1
    api.put(f"/v2/orders/{order['id']}", json={"status_id": 5})
    assert _level(demo_store, mug) == 3
    api.put(f"/v2/orders/{order['id']}", json={"status_id": 11})  # un-cancelled: taken again
    assert _level(demo_store, mug) == 1
    _settings(api, refund_order_stock_adjustment=False)
    api.put(f"/v2/orders/{kept['id']}", json={"status_id": 5})
    assert _level(demo_store, mug) == 1


def test_refunds_through_the_api_never_return_stock(
    demo_store: DemoStore, api: httpx.Client, mug: dict[str, Any]
) -> None:
    order = placed(api, item(mug, 2))
    line_id = lines_of(api, order["id"])[0]["id"]
    body = {"items": [{"item_type": "PRODUCT", "item_id": line_id, "quantity": 2}], "payments": []}
    assert api.post(f"/v3/orders/{order['id']}/payment_actions/refunds", json=body).status_code == 201
    assert api.get(f"/v2/orders/{order['id']}").json()["status_id"] == 4
    assert _level(demo_store, mug) == 2


def test_an_edited_line_moves_stock_by_the_difference(
    demo_store: DemoStore, api: httpx.Client, shirt: dict[str, Any], mug: dict[str, Any]
) -> None:
    order = placed(api, item(shirt, 2))
    line_id = lines_of(api, order["id"])[0]["id"]

    def edit(*products: dict[str, Any]) -> httpx.Response:
        return api.put(f"/v2/orders/{order['id']}", json={"products": list(products)})

    assert edit({"id": line_id, "quantity": 4}).status_code == 200
    assert _level(demo_store, shirt) == 1
    assert edit({"id": line_id, "quantity": 6}).status_code == 409  # 2 more than the 1 left
    assert _level(demo_store, shirt) == 1 and lines_of(api, order["id"])[0]["quantity"] == 4
    assert edit({"id": line_id, "quantity": 1}).status_code == 200
    assert _level(demo_store, shirt) == 4
    assert edit(item(mug, 3)).status_code == 200  # a new line takes its units too
    assert _level(demo_store, mug) == 1 and len(lines_of(api, order["id"])) == 2
    assert edit({"id": line_id, "quantity": 0}).status_code == 200  # quantity 0 removes the line
    assert _level(demo_store, shirt) == 5 and [line["product_id"] for line in lines_of(api, order["id"])] == [
        mug["id"]
    ]
    _settings(api, edit_order_stock_adjustment=False)
    mug_line = lines_of(api, order["id"])[0]["id"]
    assert edit({"id": mug_line, "quantity": 1}).status_code == 200
    assert _level(demo_store, mug) == 1  # the store no longer follows edits


def test_order_completed_or_shipped_takes_stock_when_shipped(
    demo_store: DemoStore, api: httpx.Client, mug: dict[str, Any]
) -> None:
    _settings(api, update_stock_behavior="order_completed_or_shipped")
    order = placed(api, item(mug, 3))
    assert _level(demo_store, mug) == 4
    assert place(api, item(mug, 5)).status_code == 409  # still checked against stock when placed
    api.put(f"/v2/orders/{order['id']}", json={"status_id": 2})
    assert _level(demo_store, mug) == 1


def test_order_stock_moves_the_product_date_modified_unless_the_strict_switch_keeps_it(
    demo_store: DemoStore, api: httpx.Client, mug: dict[str, Any]
) -> None:
    demo_store.catalog.set_date_modified(mug["id"], 1_600_000_000)
    placed(api, item(mug, 1))
    product = api.get(f"/v3/catalog/products/{mug['id']}").json()["data"]
    assert product["inventory_level"] == 3
    kept = product["date_modified"] == "2020-09-13T12:26:40+00:00"
    assert kept == demo_store.strict.stock_moves_keep_date_modified


def test_inventory_settings_validate_and_keep_channel_overrides(api: httpx.Client) -> None:
    assert api.get("/v3/settings/inventory").json()["data"]["update_stock_behavior"] == "order_placed"
    bad = api.put("/v3/settings/inventory", json={"update_stock_behavior": "whenever"})
    assert bad.status_code == 422 and "update_stock_behavior" in bad.json()["errors"]
    channel = api.put(
        "/v3/settings/inventory", params={"channel_id": 1}, json={"edit_order_stock_adjustment": False}
    )
    assert channel.json()["data"]["edit_order_stock_adjustment"] is False
    assert channel.json()["data"]["update_stock_behavior"] is None  # inherits the global value
    assert api.get("/v3/settings/inventory").json()["data"]["edit_order_stock_adjustment"] is True


def test_channel_override_decides_for_orders(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    store = make_demo_store()
    mug = tracked_by(store, "product", with_options=False)
    store.catalog.update_product(mug["id"], inventory_level=4)
    with client_for(store) as api:
        api.put(
            "/v3/settings/inventory", params={"channel_id": 1}, json={"refund_order_stock_adjustment": False}
        )
        order = placed(api, item(mug, 2))
        api.put(f"/v2/orders/{order['id']}", json={"status_id": 5})
        assert _level(store, mug) == 2
