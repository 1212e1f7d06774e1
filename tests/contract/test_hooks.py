"""Contract of ``v3/hooks`` (webhooks.v3.yml) and of delivered callbacks (webhook-callbacks/*.yml)."""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.contract import spec
from tests.contract.conftest import STORE_HASH
from tests.contract.conftest import product_tracked_by

HOOKS = "v3/hooks"
DELIVERY_TIMEOUT_S = 10.0


def _create(api: httpx.Client, scope: str, destination: str, **extra: Any) -> dict[str, Any]:
    reply = api.post(HOOKS, json={"scope": scope, "destination": destination, "is_active": True, **extra})
    body = spec.check_response("webhooks", reply)
    assert reply.status_code == 200  # notes §8.1: 200, not 201
    spec.check_envelope(body, collection=False)
    hook: dict[str, Any] = body["data"]
    return hook


# -------------------------------------------------------------------------------------------- CRUD


def test_create_get_update_delete_a_hook(api: httpx.Client) -> None:
    hook = _create(api, "store/product/updated", "http://127.0.0.1:9/hooks", headers={"X-Secret": "s3"})
    assert hook["scope"] == "store/product/updated" and hook["is_active"] is True
    assert hook["headers"] == {"X-Secret": "s3"} and hook["store_hash"] == STORE_HASH
    assert isinstance(hook["created_at"], int) and isinstance(hook["updated_at"], int)  # Unix seconds

    got = spec.check_response("webhooks", api.get(f"{HOOKS}/{hook['id']}"))
    assert got["data"] == hook

    listed = spec.check_response("webhooks", api.get(HOOKS))
    spec.check_envelope(listed, collection=True)
    assert [h["id"] for h in listed["data"]] == [hook["id"]]

    updated = spec.check_response("webhooks", api.put(f"{HOOKS}/{hook['id']}", json={"is_active": False}))
    assert updated["data"]["is_active"] is False and updated["data"]["id"] == hook["id"]

    deleted = api.delete(f"{HOOKS}/{hook['id']}")
    body = spec.check_response("webhooks", deleted)
    assert deleted.status_code == 200  # notes §8.1: DELETE returns 200 with the deleted hook
    assert body["data"]["id"] == hook["id"]
    gone = api.get(f"{HOOKS}/{hook['id']}")
    spec.check_response("webhooks", gone)  # declared 404
    spec.check_error_body(gone, 404)


def test_list_filters_by_scope_and_is_active(api: httpx.Client) -> None:
    product = _create(api, "store/product/created", "http://127.0.0.1:9/a")
    sku = _create(api, "store/sku/updated", "http://127.0.0.1:9/b", is_active=False)
    by_scope = spec.check_response("webhooks", api.get(HOOKS, params={"scope": "store/sku/updated"}))
    assert [h["id"] for h in by_scope["data"]] == [sku["id"]]
    active = spec.check_response("webhooks", api.get(HOOKS, params={"is_active": "true"}))
    assert [h["id"] for h in active["data"]] == [product["id"]]


def test_empty_hook_list(api: httpx.Client) -> None:
    reply = api.get(HOOKS)
    # Spec bug: webhooks_Resp says data has minItems 1, yet a store without hooks lists none.
    with pytest.raises(spec.ContractViolation, match=r"minItems|non-empty|too short"):
        spec.check_response("webhooks", reply)
    body = reply.json()
    spec.check_envelope(body, collection=True)
    assert body["data"] == [] and body["meta"]["pagination"]["total"] == 0


def test_create_without_destination_is_422(api: httpx.Client) -> None:
    reply = api.post(HOOKS, json={"scope": "store/product/updated"})
    assert spec.request_errors("webhooks", reply.request), "webhook_Base requires destination"
    body = spec.check_response("webhooks", reply, request=False)  # declared 422
    spec.check_error_body(reply, 422)
    assert "destination" in body["errors"]


def test_create_with_malformed_json_is_400(api: httpx.Client) -> None:
    reply = api.post(
        HOOKS, content=b'{"scope": "store/product/updated",', headers={"Content-Type": "application/json"}
    )
    spec.check_response("webhooks", reply, request=False)  # declared 400
    spec.check_error_body(reply, 400)


def test_unknown_hook_is_404_on_get_put_and_delete(api: httpx.Client) -> None:
    reply = api.get(f"{HOOKS}/424242")
    spec.check_response("webhooks", reply)  # declared for GET
    assert "424242" in spec.check_error_body(reply, 404)["title"]  # "Webhook with id [...] not found"
    # PUT and DELETE declare only 200; notes §8.1: an unknown id is 404 with the same body.
    spec.check_error_body(api.put(f"{HOOKS}/424242", json={"is_active": True}), 404)
    spec.check_error_body(api.delete(f"{HOOKS}/424242"), 404)


def test_hooks_without_token_is_401(anonymous_api: httpx.Client) -> None:
    reply = anonymous_api.get(HOOKS)
    assert spec.request_errors("webhooks", reply.request)
    spec.check_response("webhooks", reply, request=False)  # declared 401
    spec.check_error_body(reply, 401)


# -------------------------------------------------------------------------------------- deliveries


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A loopback HTTP endpoint that records callbacks and answers with scripted statuses."""

    url: str
    deliveries: queue.Queue[Delivery] = field(default_factory=queue.Queue)
    statuses: list[int] = field(default_factory=list)
    skipped: list[Delivery] = field(default_factory=list)  # other scopes, kept for a later next_for

    def next(self, timeout: float = DELIVERY_TIMEOUT_S) -> Delivery:
        try:
            return self.deliveries.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no webhook delivery within {timeout} s") from None

    def next_for(self, scope: str) -> Delivery:
        """The next delivery for ``scope``. Deliveries of two scopes can arrive in either order
        (each is its own request): one of another scope is kept, not dropped."""
        for kept in self.skipped:
            if kept.json().get("scope") == scope:
                self.skipped.remove(kept)
                return kept
        while True:
            delivery = self.next()
            if delivery.json().get("scope") == scope:
                return delivery
            self.skipped.append(delivery)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = box[0].statuses.pop(0) if box[0].statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            box[0].deliveries.put(Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _check_payload(delivery: Delivery, scope: str) -> dict[str, Any]:
    payload: dict[str, Any] = delivery.json()
    spec.check_webhook_payload(scope, payload)
    component = scope.replace("/", "_")
    spec.check_schema("webhooks", component, payload, where=f"{scope} delivery")
    # The callback schemas require nothing; notes §8.3 document every key below.
    assert payload["scope"] == scope
    assert isinstance(payload["store_id"], str) and payload["store_id"].isdigit()
    assert payload["producer"] == f"stores/{STORE_HASH}"
    assert re.fullmatch(r"[0-9a-f]{40}", payload["hash"]), "hash is a SHA-1 hex digest"
    assert isinstance(payload["created_at"], int)
    return payload


def test_product_updated_delivery(api: httpx.Client, receiver: Receiver) -> None:
    _create(api, "store/product/updated", receiver.url, headers={"X-Hook-Secret": "abc123"})
    product = product_tracked_by(api, "product")
    spec.check_response("products", api.put(f"v3/catalog/products/{product['id']}", json={"name": "Hooked"}))
    delivery = receiver.next_for("store/product/updated")
    payload = _check_payload(delivery, "store/product/updated")
    assert payload["data"]["type"] == "product" and payload["data"]["id"] == product["id"]
    assert delivery.headers["x-hook-secret"] == "abc123"  # notes §8.5: custom headers on every callback
    assert delivery.headers["content-type"].startswith("application/json")


def test_product_created_and_deleted_deliveries(api: httpx.Client, receiver: Receiver) -> None:
    _create(api, "store/product/created", receiver.url)
    _create(api, "store/product/deleted", receiver.url)
    new = {"name": "Hook Lamp", "type": "physical", "weight": 1, "price": 3, "sku": "HOOK-LAMP"}
    created = spec.check_response("products", api.post("v3/catalog/products", json=new))["data"]
    payload = _check_payload(receiver.next_for("store/product/created"), "store/product/created")
    assert payload["data"] == {"type": "product", "id": created["id"]}
    spec.check_response("products", api.delete(f"v3/catalog/products/{created['id']}"))
    payload = _check_payload(receiver.next_for("store/product/deleted"), "store/product/deleted")
    assert payload["data"]["id"] == created["id"]


def test_product_inventory_updated_delivery(api: httpx.Client, receiver: Receiver) -> None:
    _create(api, "store/product/inventory/updated", receiver.url)
    product = product_tracked_by(api, "product", with_options=False)
    spec.check_response(
        "products", api.put(f"v3/catalog/products/{product['id']}", json={"inventory_level": 77})
    )
    scope = "store/product/inventory/updated"
    payload = _check_payload(receiver.next_for(scope), scope)
    assert payload["data"]["type"] == "product" and payload["data"]["id"] == product["id"]
    inventory = payload["data"]["inventory"]
    assert inventory["product_id"] == product["id"] and inventory["method"] in ("absolute", "relative")
    assert isinstance(inventory["value"], int)


def test_sku_updated_and_inventory_deliveries(api: httpx.Client, receiver: Receiver) -> None:
    _create(api, "store/sku/updated", receiver.url)
    _create(api, "store/sku/inventory/updated", receiver.url)
    product = product_tracked_by(api, "variant", with_options=True)
    variant = product["variants"][0]
    spec.check_response(
        "variants", api.put("v3/catalog/variants", json=[{"id": variant["id"], "inventory_level": 6}])
    )
    scope = "store/sku/inventory/updated"
    payload = _check_payload(receiver.next_for(scope), scope)
    assert payload["data"]["type"] == "sku"
    inventory = payload["data"]["inventory"]
    assert (inventory["product_id"], inventory["variant_id"]) == (product["id"], variant["id"])
    assert inventory["method"] == "absolute"  # notes §8.3: absolute when the API changed the stock

    spec.check_response(
        "variants", api.put("v3/catalog/variants", json=[{"id": variant["id"], "price": 99.5}])
    )
    payload = _check_payload(receiver.next_for("store/sku/updated"), "store/sku/updated")
    assert payload["data"]["sku"] == {"product_id": product["id"], "variant_id": variant["id"]}


def test_failed_delivery_is_retried_with_the_same_hash(api: httpx.Client, receiver: Receiver) -> None:
    receiver.statuses.extend([500])
    _create(api, "store/product/updated", receiver.url)
    product = product_tracked_by(api, "product")
    spec.check_response(
        "products", api.put(f"v3/catalog/products/{product['id']}", json={"is_visible": True})
    )
    first = _check_payload(receiver.next_for("store/product/updated"), "store/product/updated")
    retry = _check_payload(receiver.next_for("store/product/updated"), "store/product/updated")
    assert retry["hash"] == first["hash"]  # notes §8.4: dedupe duplicates on `hash`
    assert retry["data"] == first["data"]


def test_sku_created_and_deleted_deliveries(api: httpx.Client, receiver: Receiver) -> None:
    _create(api, "store/sku/created", receiver.url)
    _create(api, "store/sku/deleted", receiver.url)
    sizes = ("S", "M")
    new = {
        "name": "Hook Shirt",
        "type": "physical",
        "weight": 0.3,
        "price": 20,
        "sku": "HOOK-SHIRT",
        "inventory_tracking": "variant",
        "variants": [
            {"sku": f"HOOK-SHIRT-{size}", "option_values": [{"option_display_name": "Size", "label": size}]}
            for size in sizes
        ],
    }
    # Spec bug: POST `variants` items are productVariant_Full, requiring id/product_id that cannot exist yet.
    spec.check_schema("products", "product_Base_POST", {**new, "variants": []}, write=True)
    for item in new["variants"]:
        spec.check_schema("variants", "productVariant_Post", item, where="new variant", write=True)
    created = spec.check_response("products", api.post("v3/catalog/products", json=new), request=False)[
        "data"
    ]
    variant_ids = sorted(v["id"] for v in created["variants"])
    assert len(variant_ids) == len(sizes)
    seen = [_check_payload(receiver.next_for("store/sku/created"), "store/sku/created") for _ in sizes]
    assert sorted(p["data"]["sku"]["variant_id"] for p in seen) == variant_ids
    assert {p["data"]["sku"]["product_id"] for p in seen} == {created["id"]}

    spec.check_response("products", api.delete(f"v3/catalog/products/{created['id']}"))
    gone = [_check_payload(receiver.next_for("store/sku/deleted"), "store/sku/deleted") for _ in sizes]
    assert sorted(p["data"]["sku"]["variant_id"] for p in gone) == variant_ids


def test_order_driven_inventory_deliveries(api: httpx.Client, receiver: Receiver, store: DemoStore) -> None:
    _create(api, "store/product/inventory/order/updated", receiver.url)
    _create(api, "store/sku/inventory/order/updated", receiver.url)
    simple = product_tracked_by(api, "product", with_options=False)
    variant = product_tracked_by(api, "variant", with_options=True)["variants"][0]
    store.catalog.adjust_stock(product_id=simple["id"], delta=-1)  # an order, as the merchant's shop would
    store.catalog.adjust_stock(variant_id=variant["id"], delta=-1)

    scope = "store/product/inventory/order/updated"
    payload = _check_payload(receiver.next_for(scope), scope)
    assert payload["data"]["id"] == simple["id"]
    assert payload["data"]["inventory"]["method"] == "relative"  # notes §8.3: relative when an order did it

    scope = "store/sku/inventory/order/updated"
    payload = _check_payload(receiver.next_for(scope), scope)
    inventory = payload["data"]["inventory"]
    assert (inventory["variant_id"], inventory["method"]) == (variant["id"], "relative")
