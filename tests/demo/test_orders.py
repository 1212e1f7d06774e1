"""Orders over HTTP: placing, reading, paging, filters, the date_modified cursor, statuses, refunds, hooks."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import client_for
from tests.demo.conftest import tracked_by
from tests.demo.orders_helpers import BILLING
from tests.demo.orders_helpers import EMBED_LINES
from tests.demo.orders_helpers import FakeClock
from tests.demo.orders_helpers import item
from tests.demo.orders_helpers import lines_of
from tests.demo.orders_helpers import place
from tests.demo.orders_helpers import placed
from tests.demo.orders_helpers import untracked
from tests.demo.webhook_receiver import Receiver


def _unix(rfc2822: str) -> int:
    return int(parsedate_to_datetime(rfc2822).timestamp())


def test_an_empty_order_list_is_204_no_content(api: httpx.Client) -> None:
    reply = api.get("/v2/orders")
    assert reply.status_code == 204 and reply.content == b""
    assert api.get("/v2/orders/count").json()["count"] == 0


def test_an_order_placed_by_hand_reads_back_with_its_lines(demo_store: DemoStore, api: httpx.Client) -> None:
    shirt = tracked_by(demo_store, "variant", with_options=True)
    plain = untracked(demo_store)
    order = placed(api, item(shirt, 2, variant=1), item(plain, 3))
    assert order["status_id"] == 11 and order["status"] == "Awaiting Fulfillment"
    assert order["billing_address"]["email"] == BILLING["email"] and order["items_total"] == 5
    assert api.get(f"/v2/orders/{order['id']}").json() == order
    lines = lines_of(api, order["id"])
    assert [(line["product_id"], line["variant_id"], line["quantity"]) for line in lines] == [
        (shirt["id"], shirt["variants"][1]["id"], 2),
        (plain["id"], plain["base_variant_id"], 3),
    ]
    assert lines[0]["sku"] == shirt["variants"][1]["sku"] and lines[0]["product_options"]
    assert len({line["id"] for line in lines}) == 2 and all(line["order_id"] == order["id"] for line in lines)
    assert api.get("/v2/orders/99999").status_code == 404


def test_an_api_order_without_a_status_is_pending(demo_store: DemoStore, api: httpx.Client) -> None:
    assert placed(api, item(untracked(demo_store), 1), status_id=None)["status_id"] == 1


def test_a_page_of_250_orders_with_their_lines_is_one_request(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    plain = untracked(demo_store)
    for n in range(260):
        demo_store.orders.place({"products": [item(plain, 1 + n % 3)], "billing_address": BILLING})
    demo_store.requests.clear()
    reply = api.get("/v2/orders", params={"limit": 250, "sort": "date_modified:asc", **EMBED_LINES})
    orders = reply.json()
    assert demo_store.requests.count("GET", "/v2/orders") == 1
    assert len(orders) == 250
    for order in orders:
        (shipping,) = order["consignments"]["shipping"]
        (line,) = shipping["line_items"]
        assert line["order_id"] == order["id"] and line["product_id"] == plain["id"]
        assert line["quantity"] == order["items_total"]
    rest = api.get("/v2/orders", params={"limit": 250, "page": 2}).json()
    assert len(rest) == 10 and {o["id"] for o in rest}.isdisjoint(o["id"] for o in orders)
    assert api.get("/v2/orders", params={"limit": 250, "page": 3}).status_code == 204


def test_paging_defaults_to_50_and_serves_at_most_250(demo_store: DemoStore, api: httpx.Client) -> None:
    plain = untracked(demo_store)
    for _ in range(260):
        demo_store.orders.place({"products": [item(plain, 1)], "billing_address": BILLING})
    assert len(api.get("/v2/orders").json()) == 50
    assert len(api.get("/v2/orders", params={"limit": 1000}).json()) == 250
    listed = api.get("/v2/orders", params={"limit": 5, "page": 2}).json()
    assert [o["id"] for o in listed] == list(range(105, 110))  # id order by default, from 100
    without = api.get("/v2/orders", params={"limit": 1}).json()[0]
    assert set(without["consignments"]) == {"url", "resource"}  # lines only when asked for


def test_each_filter(demo_store: DemoStore, api: httpx.Client) -> None:
    clock = FakeClock()
    demo_store.orders.clock = clock
    plain = untracked(demo_store)
    ids = []
    for status in (11, 0, 11, 5):
        ids.append(placed(api, item(plain, 1), status_id=status)["id"])
        clock.advance(60)

    def listed(**params: object) -> list[int]:
        reply = api.get("/v2/orders", params=params)
        return [] if reply.status_code == 204 else [o["id"] for o in reply.json()]

    assert listed(min_id=ids[2]) == ids[2:]
    assert listed(max_id=ids[1]) == ids[:2]
    assert listed(status_id=11) == [ids[0], ids[2]]
    assert listed(status_id=4) == []
    second = clock.now - 3 * 60  # when the second order was placed
    assert listed(min_date_modified=int(second)) == ids[1:]
    assert listed(max_date_modified=int(second)) == ids[:2]
    iso = "2025-06-15T15:07:20+00:00"  # 1_750_000_040: between the first and the second order
    assert listed(min_date_modified=iso) == ids[1:]
    assert listed(min_date_created="Sun, 15 Jun 2025 15:08:20 +0000") == ids[2:]  # RFC-2822, as the spec
    assert api.get("/v2/orders/count", params={"status_id": 11}).json()["count"] == 2
    counts = {s["id"]: s["count"] for s in api.get("/v2/orders/count").json()["statuses"]}
    assert counts[11] == 2 and counts[0] == 1 and counts[5] == 1 and sum(counts.values()) == 4
    assert api.get("/v2/orders", params={"min_date_modified": "yesterday-ish"}).status_code == 422
    assert api.get("/v2/orders", params={"sort": "price:asc"}).status_code == 422


def test_date_modified_moves_on_every_change_so_a_cursor_sees_it(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    clock = FakeClock()
    demo_store.orders.clock = clock
    plain = untracked(demo_store)
    first = placed(api, item(plain, 2))
    second = placed(api, item(plain, 1))
    line_id = lines_of(api, first["id"])[0]["id"]
    changes = [
        lambda: api.put(f"/v2/orders/{first['id']}", json={"status_id": 9}),
        lambda: api.put(f"/v2/orders/{first['id']}", json={"staff_notes": "gift wrap"}),
        lambda: api.put(f"/v2/orders/{first['id']}", json={"products": [{"id": line_id, "quantity": 3}]}),
        lambda: api.post(
            f"/v3/orders/{first['id']}/payment_actions/refunds",
            json={"items": [{"item_type": "PRODUCT", "item_id": line_id, "quantity": 1}], "payments": []},
        ),
    ]
    seen = _unix(first["date_modified"])
    for change in changes:
        clock.advance(5)
        assert change().status_code in (200, 201)
        modified = _unix(api.get(f"/v2/orders/{first['id']}").json()["date_modified"])
        assert modified == int(clock.now) > seen
        seen = modified
        since = api.get("/v2/orders", params={"min_date_modified": modified, "sort": "date_modified:asc"})
        assert [o["id"] for o in since.json()] == [first["id"]]
    everything = api.get("/v2/orders", params={"sort": "date_modified:asc"}).json()
    assert [o["id"] for o in everything] == [second["id"], first["id"]]
    assert api.get(f"/v2/orders/{first['id']}").json()["staff_notes"] == "gift wrap"


def test_order_statuses(api: httpx.Client) -> None:
    statuses = api.get("/v2/order_statuses").json()
    assert [s["id"] for s in statuses] == list(range(15))
    names = {s["id"]: s["name"] for s in statuses}
    assert names[0] == "Incomplete" and names[5] == "Cancelled" and names[14] == "Partially Refunded"
    assert api.get("/v2/order_statuses/4").json()["name"] == "Refunded"
    assert api.get("/v2/order_statuses/15").status_code == 404


def test_refunds_full_and_partial_set_the_status_and_list_by_order(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    plain = untracked(demo_store)
    partly, fully = placed(api, item(plain, 3)), placed(api, item(plain, 2))
    partly_line = lines_of(api, partly["id"])[0]["id"]
    fully_line = lines_of(api, fully["id"])[0]["id"]

    def refund(order_id: int, line_id: int, quantity: int) -> httpx.Response:
        body = {"items": [{"item_type": "PRODUCT", "item_id": line_id, "quantity": quantity}], "payments": []}
        return api.post(f"/v3/orders/{order_id}/payment_actions/refunds", json=body)

    assert refund(partly["id"], partly_line, 1).status_code == 201
    assert refund(fully["id"], fully_line, 2).status_code == 201
    assert api.get(f"/v2/orders/{partly['id']}").json()["status_id"] == 14
    assert api.get(f"/v2/orders/{fully['id']}").json()["status_id"] == 4
    assert lines_of(api, partly["id"])[0]["quantity_refunded"] == 1
    assert refund(partly["id"], partly_line, 3).status_code == 422  # only 2 are left to refund
    listed = api.get("/v3/orders/payment_actions/refunds", params={"order_id:in": f"{partly['id']}"}).json()
    assert [(r["order_id"], r["items"][0]["quantity"]) for r in listed["data"]] == [(partly["id"], 1)]
    both = api.get(
        "/v3/orders/payment_actions/refunds", params={"order_id:in": f"{partly['id']},{fully['id']}"}
    )
    assert len(both.json()["data"]) == 2
    one = api.get(f"/v3/orders/payment_actions/refunds/{listed['data'][0]['id']}").json()["data"]
    assert one == listed["data"][0]


def test_order_webhooks_are_delivered(demo_store: DemoStore, api: httpx.Client) -> None:
    plain = untracked(demo_store)
    with Receiver() as receiver:
        for scope in ("store/order/created", "store/order/statusUpdated", "store/order/refund/created"):
            assert (
                api.post("/v3/hooks", json={"scope": scope, "destination": receiver.url}).status_code == 200
            )
        order = placed(api, item(plain, 2))
        created = receiver.next_for("store/order/created", timeout=20).payload
        assert created["data"] == {"type": "order", "id": order["id"]}
        api.put(f"/v2/orders/{order['id']}", json={"status_id": 2})
        status = receiver.next_for("store/order/statusUpdated", timeout=20).payload["data"]
        assert status == {
            "type": "order",
            "id": order["id"],
            "status": {"previous_status_id": 11, "new_status_id": 2},
        }
        line_id = lines_of(api, order["id"])[0]["id"]
        body = {"items": [{"item_type": "PRODUCT", "item_id": line_id, "quantity": 1}], "payments": []}
        refund = api.post(f"/v3/orders/{order['id']}/payment_actions/refunds", json=body).json()["data"]
        refunded = receiver.next_for("store/order/refund/created", timeout=20).payload["data"]
        assert refunded == {"type": "order", "id": order["id"], "refund": {"refund_id": refund["id"]}}


def test_bad_requests_are_v2_errors(make_demo_store: Callable[..., DemoStore]) -> None:
    store = make_demo_store(strict=("v2_error_list",))
    plain = untracked(store)
    with client_for(store) as api:
        no_address = api.post("/v2/orders", json={"products": [item(plain, 1)]})
        assert no_address.status_code == 400
        assert no_address.json() == [
            {"status": 400, "message": "The field 'billing_address' cannot be blank."}
        ]
        assert place(api).status_code == 400  # no products
        assert place(api, {"product_id": 999_999, "quantity": 1}).status_code == 400
        assert place(api, item(plain, 0)).status_code == 400
        assert place(api, item(plain, 1), status_id=15).status_code == 400
        missing = api.get("/v2/orders/12345")
        assert missing.status_code == 404 and missing.json()[0]["status"] == 404


def test_a_read_only_token_reads_orders_but_cannot_place_one(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    store = make_demo_store(read_only_tokens=("ro",))
    with client_for(store, "ro") as api:
        assert api.get("/v2/orders").status_code == 204
        assert place(api, item(untracked(store), 1)).status_code == 403
