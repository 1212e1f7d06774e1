"""Webhooks: /v3/hooks CRUD per client, deliveries to loopback with headers and hash, retries, wildcards."""

from __future__ import annotations

import hashlib
import json
import queue
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import client_for
from tests.demo.conftest import tracked_by
from tests.demo.webhook_receiver import Receiver
from tests.fixtures_demo import strict_except

HOOKS = "/v3/hooks"


def _hook(api: httpx.Client, scope: str, destination: str, **extra: object) -> dict[str, object]:
    reply = api.post(HOOKS, json={"scope": scope, "destination": destination, **extra})
    assert reply.status_code == 200, reply.text
    data: dict[str, object] = reply.json()["data"]
    return data


def test_hooks_crud(demo_store: DemoStore, api: httpx.Client) -> None:
    hook = _hook(api, "store/product/updated", "https://relay.example/hooks", headers={"X-Secret": "s3"})
    assert (
        hook["is_active"] is True and hook["store_hash"] == "demo" and hook["headers"] == {"X-Secret": "s3"}
    )
    assert isinstance(hook["created_at"], int) and hook["client_id"]
    hook_id = hook["id"]
    assert api.get(f"{HOOKS}/{hook_id}").json()["data"] == hook
    updated = api.put(f"{HOOKS}/{hook_id}", json={"is_active": False}).json()["data"]
    assert updated["is_active"] is False
    listed = api.get(HOOKS, params={"is_active": "false"}).json()
    assert [h["id"] for h in listed["data"]] == [hook_id] and listed["meta"]["pagination"]["total"] == 1
    assert api.get(HOOKS, params={"scope": "store/sku/updated"}).json()["data"] == []
    assert api.delete(f"{HOOKS}/{hook_id}").json()["data"]["id"] == hook_id
    missing = api.get(f"{HOOKS}/{hook_id}")
    assert missing.status_code == 404 and missing.json()["title"] == f"Webhook with id [{hook_id}] not found"
    assert api.put(f"{HOOKS}/{hook_id}", json={"is_active": True}).status_code == 404
    assert api.delete(f"{HOOKS}/{hook_id}").status_code == 404


def test_hook_validation(api: httpx.Client) -> None:
    missing = api.post(HOOKS, json={"scope": "store/product/*"})
    assert missing.status_code == 422 and missing.json()["errors"] == {"destination": "error.path.missing."}
    assert api.post(HOOKS, json={"scope": "store/product/*", "destination": "ftp://x"}).status_code == 422
    assert api.post(HOOKS, json={"scope": "not a scope", "destination": "https://x.test"}).status_code == 422
    _hook(api, "store/product/*", "https://x.test/a")
    assert (
        api.post(HOOKS, json={"scope": "store/product/*", "destination": "https://x.test/a"}).status_code
        == 422
    )


def test_a_client_sees_only_its_own_hooks(demo_store: DemoStore, api: httpx.Client) -> None:
    _hook(api, "store/product/*", "https://x.test/a")
    demo_store.add_token("other-app", {"products": "read"})
    with client_for(demo_store, "other-app") as other:
        assert other.get(HOOKS).json()["data"] == []
        assert other.get(f"{HOOKS}/1").status_code == 404


def test_product_update_is_delivered_with_headers_and_hash(demo_store: DemoStore, api: httpx.Client) -> None:
    with Receiver() as receiver:
        _hook(api, "store/product/updated", receiver.url, headers={"X-Webhook-Secret": "letmein"})
        changed_from = int(time.time())
        demo_store.catalog.update_product(7, name="Seen By The Hook")
        delivery = receiver.next()
        received_by = time.time()
    assert delivery.path == "/hooks"
    assert delivery.headers["x-webhook-secret"] == "letmein"
    assert delivery.headers["content-type"] == "application/json"
    payload = delivery.payload
    assert payload["scope"] == "store/product/updated"
    assert payload["store_id"] == str(demo_store.store_id)
    assert payload["producer"] == "stores/demo"
    assert payload["data"] == {"type": "product", "id": 7}
    assert changed_from <= payload["created_at"] <= received_by  # when the change happened
    unhashed = {k: v for k, v in payload.items() if k != "hash"}
    expected = hashlib.sha1(json.dumps(unhashed, sort_keys=True).encode(), usedforsecurity=False).hexdigest()
    assert payload["hash"] == expected


def test_wildcards_and_every_event_kind(demo_store: DemoStore, api: httpx.Client) -> None:
    simple = tracked_by(demo_store, "product", with_options=False)
    options = tracked_by(demo_store, "variant", with_options=True)
    variant = options["variants"][0]
    with Receiver() as receiver:
        _hook(api, "store/product/*", receiver.url)
        _hook(api, "store/sku/*", receiver.url)
        api.put(
            "/v3/inventory/adjustments/absolute",
            json={"items": [{"location_id": 1, "product_id": simple["id"], "quantity": 12}]},
        )
        product_inventory = receiver.next_for("store/product/inventory/updated").payload["data"]
        assert product_inventory == {
            "type": "product",
            "id": simple["id"],
            "inventory": {"product_id": simple["id"], "method": "absolute", "value": 12},
        }
        demo_store.catalog.adjust_stock(variant_id=variant["id"], delta=1)
        sku_inventory = receiver.next_for("store/sku/inventory/order/updated").payload["data"]
        assert sku_inventory["inventory"] == {
            "product_id": options["id"],
            "variant_id": variant["id"],
            "method": "relative",
            "value": 1,
        }
        demo_store.catalog.update_variant(variant["id"], price=1.25)
        sku = receiver.next_for("store/sku/updated").payload["data"]
        assert sku == {
            "type": "sku",
            "id": variant["sku_id"],
            "sku": {"product_id": options["id"], "variant_id": variant["id"]},
        }
        created = api.post(
            "/v3/catalog/products", json={"name": "Hook Test", "type": "physical", "weight": 1, "price": 2}
        )
        created_id = created.json()["data"]["id"]
        assert receiver.next_for("store/product/created").payload["data"] == {
            "type": "product",
            "id": created_id,
        }
        demo_store.catalog.delete_product(options["id"])
        assert receiver.next_for("store/product/deleted").payload["data"] == {
            "type": "product",
            "id": options["id"],
        }


def test_exact_scope_does_not_get_other_events(demo_store: DemoStore, api: httpx.Client) -> None:
    with Receiver() as receiver:
        _hook(api, "store/product/deleted", receiver.url)
        demo_store.catalog.update_product(3, name="Not Delivered")
        demo_store.catalog.delete_product(4)
        assert receiver.next().payload["data"] == {"type": "product", "id": 4}
        with pytest.raises(queue.Empty):
            receiver.next(timeout=0.3)


def test_failed_deliveries_are_retried_with_the_same_body(make_demo_store: Callable[..., DemoStore]) -> None:
    store = make_demo_store(webhook_retry_s=(0.05, 0.05, 0.05))
    with Receiver(statuses=[500, 503]) as receiver, client_for(store) as api:
        _hook(api, "store/product/updated", receiver.url)
        store.catalog.update_product(9, price=3.0)
        attempts = [receiver.next() for _ in range(3)]
        # The store logs a delivery once its reply came back, after the receiver has it.
        logged = threading.Event()
        deadline = time.monotonic() + 30  # a bound against hanging only
        while len(store.webhook_log) < 3 and time.monotonic() < deadline:
            logged.wait(0.01)
    assert len({a.body for a in attempts}) == 1
    assert [(r.attempt, r.ok) for r in store.webhook_log] == [(0, False), (1, False), (2, True)]


def test_a_hook_is_deactivated_after_the_last_retry(make_demo_store: Callable[..., DemoStore]) -> None:
    # The demo's own short schedule; test_strict.py runs the real one.
    store = make_demo_store(webhook_retry_s=(0.02, 0.02), strict=strict_except("real_webhook_schedule"))
    with Receiver(statuses=[500, 500, 500]) as receiver, client_for(store) as api:
        hook = _hook(api, "store/product/updated", receiver.url)
        store.catalog.update_product(9, price=3.0)
        for _ in range(3):
            receiver.next()
        deadline = time.monotonic() + 30  # a bound against hanging only
        while api.get(f"{HOOKS}/{hook['id']}").json()["data"]["is_active"] and time.monotonic() < deadline:
            pass
        assert api.get(f"{HOOKS}/{hook['id']}").json()["data"]["is_active"] is False


def test_only_loopback_destinations_are_contacted(demo_store: DemoStore, api: httpx.Client) -> None:
    with Receiver() as receiver:
        _hook(api, "store/product/updated", "https://relay.example/hooks")
        _hook(api, "store/product/updated", receiver.url)
        demo_store.catalog.update_product(2, price=4.0)
        assert receiver.next().payload["data"]["id"] == 2
    dropped = [r for r in demo_store.webhook_log if not r.ok]
    assert dropped and dropped[0].status is None


def test_delayed_stock_fires_its_event_when_it_becomes_visible(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    store = make_demo_store(inventory_delay_ms=300)
    product = tracked_by(store, "product", with_options=False)
    level = product["inventory_level"]
    with Receiver() as receiver, client_for(store) as api:
        _hook(api, "store/product/inventory/updated", receiver.url)
        began = time.monotonic()
        item = {"location_id": 1, "product_id": product["id"], "quantity": level + 9}
        assert api.put("/v3/inventory/adjustments/absolute", json={"items": [item]}).status_code == 200
        assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["inventory_level"] == level
        receiver.next()
        assert time.monotonic() - began >= 0.29
        assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["inventory_level"] == level + 9
