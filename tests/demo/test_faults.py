"""Fault switches and rules: 500s, maintenance, hangs, malformed and cut-off bodies, lost replies, paging."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import client_for
from tests.demo_requests import unanswered

PRODUCTS = "/v3/catalog/products"


def test_error_rate_and_maintenance(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.strict.v2_error_list = False  # the v3-shaped body; test_strict.py checks the v2 list
    demo_store.faults.error_500_rate = 1.0
    reply = api.get(PRODUCTS)
    assert reply.status_code == 500 and reply.json()["status"] == 500
    demo_store.faults.error_500_rate = 0.0
    demo_store.faults.maintenance = True
    reply = api.get("/v2/time")
    assert reply.status_code == 503 and reply.json()["status"] == 503
    assert "X-Rate-Limit-Requests-Left" in reply.headers
    demo_store.faults.clear()
    assert api.get("/v2/time").status_code == 200


def test_rates_are_reproducible_by_seed(make_demo_store: Callable[..., DemoStore]) -> None:
    runs = []
    for _ in range(2):
        store = make_demo_store(seed=3, error_500_rate=0.5)
        with client_for(store) as api:
            runs.append([api.get("/v2/time").status_code for _ in range(30)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


def test_rules_hit_exactly_the_chosen_requests(demo_store: DemoStore, api: httpx.Client) -> None:
    rule = demo_store.faults.add_rule(
        FaultRule(kind="500", path_contains="catalog/products", method="GET", after=1, count=2)
    )
    statuses = [api.get(PRODUCTS, params={"limit": 1}).status_code for _ in range(4)]
    assert statuses == [200, 500, 500, 200]
    assert api.put(PRODUCTS, json=[]).status_code == 200, "other methods are not matched"
    assert rule.exhausted
    demo_store.faults.add_rule(FaultRule(kind="401", path_contains="v2/time"))
    assert api.get("/v2/time").status_code == 401
    assert api.get("/v2/time").status_code == 200
    with pytest.raises(ValueError):
        FaultRule(kind="teapot")  # type: ignore[arg-type]


def test_malformed_json(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.faults.add_rule(FaultRule(kind="malformed", path_contains="catalog/products"))
    reply = api.get(PRODUCTS)
    assert reply.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        reply.json()
    assert api.get(PRODUCTS).json()["data"]


def test_truncated_body_then_the_connection_closes(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.faults.truncate_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(PRODUCTS, params={"include": "variants"})
    demo_store.faults.truncate_rate = 0.0
    assert api.get(PRODUCTS).status_code == 200


def test_lost_reply_still_applies_the_write(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.faults.add_rule(FaultRule(kind="lose_reply", method="PUT"))
    with pytest.raises(httpx.RemoteProtocolError):
        api.put(f"{PRODUCTS}/3", json={"name": "Saved But Unanswered"})
    assert demo_store.catalog.get_product(3)["name"] == "Saved But Unanswered"
    assert ("PUT", "/stores/demo/v3/catalog/products/3", 0) in list(demo_store.requests)


def test_a_hung_request_never_answers_and_does_not_block_stop(
    make_demo_store: Callable[..., DemoStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_demo_store(hang_rate=1.0)
    held = unanswered(store, monkeypatch)
    errors: list[BaseException] = []

    def call() -> None:  # a client timeout far past the bounds below: the store must drop it first
        try:
            httpx.get(store.base_url + "/v2/time", headers={"X-Auth-Token": store.token}, timeout=300)
        except httpx.HTTPError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    assert held.wait(10), "the caller's request never reached the store"
    with client_for(store, timeout=0.3) as api, pytest.raises(httpx.ReadTimeout):
        api.get("/v2/time")
    stopper = threading.Thread(target=store.stop, daemon=True)
    stopper.start()
    stopper.join(30)  # a bound against hanging only: stop must not wait for the held request
    assert not stopper.is_alive(), "stopping the store waited for the request it holds"
    caller.join(30)
    assert not caller.is_alive()
    assert errors and isinstance(errors[0], httpx.RemoteProtocolError | httpx.ReadError)
    assert len(store.requests) == 2 and all(status == 0 for _, _, status in store.requests)


def test_latency_is_added_to_every_request(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.faults.latency_ms = 150
    began = time.monotonic()
    assert api.get("/v2/time").status_code == 200
    assert time.monotonic() - began >= 0.15


def test_products_deleted_while_paging_are_skipped_by_offset_paging(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    demo_store.faults.delete_while_paging = True
    seen: list[int] = []
    page = 1
    while True:
        body = api.get(PRODUCTS, params={"limit": 50, "page": page}).json()
        seen += [p["id"] for p in body["data"]]
        if page >= body["meta"]["pagination"]["total_pages"]:
            break
        page += 1
    alive = set(demo_store.catalog.product_ids())
    assert len(alive) < 200, "products were deleted while paging"
    assert alive - set(seen), (
        "a product that still exists was never served: the offset moved under the client"
    )


def test_delete_while_paging_rule(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.faults.add_rule(
        FaultRule(kind="delete_while_paging", path_contains="catalog/products", after=1)
    )
    api.get(PRODUCTS, params={"limit": 10})
    assert demo_store.catalog.product_count() == 200
    second = api.get(PRODUCTS, params={"limit": 10, "page": 2}).json()
    assert demo_store.catalog.product_count() == 199
    assert second["data"][0]["id"] == 12


def test_rules_and_the_request_log_match_encoded_and_decoded_paths(
    demo_store: DemoStore, api: httpx.Client
) -> None:
    demo_store.faults.add_rule(FaultRule(kind="500", path_contains="id:in=1,2"))
    assert api.get(PRODUCTS, params={"id:in": "1,2"}).status_code == 500
    assert api.get(PRODUCTS, params={"id:in": "1,2"}).status_code == 200
    assert demo_store.requests.count(method="GET", path_contains="id:in") == 2
    assert demo_store.requests.count(method="GET", path_contains="id%3Ain", status=500) == 1
    method, path, status = demo_store.requests[-1]
    assert (method, status) == ("GET", 200) and path.startswith("/stores/demo/v3/catalog/products?")


def test_malformed_and_lost_reply_switches(demo_store: DemoStore, api: httpx.Client) -> None:
    demo_store.faults.malformed_rate = 1.0
    with pytest.raises(json.JSONDecodeError):
        api.get("/v2/time").json()
    demo_store.faults.malformed_rate = 0.0
    demo_store.faults.lose_reply_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(
            "/v3/inventory/adjustments/relative",
            json={"items": [{"location_id": 1, "product_id": 1, "quantity": 1}]},
        )
    demo_store.faults.clear()
    assert demo_store.faults.lose_reply_rate == 0.0 and api.get("/v2/time").status_code == 200
