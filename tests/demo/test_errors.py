"""Auth, scopes and bad input: the status and error body BigCommerce gives, never a traceback."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import client_for

PRODUCTS = "/v3/catalog/products"


def _is_v3_error(reply: httpx.Response, status: int) -> None:
    assert reply.status_code == status
    body = reply.json()
    assert body["status"] == status and isinstance(body["title"], str) and body["type"].startswith("https://")


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "wrong"}, {"X-Auth-Token": ""}])
def test_missing_or_wrong_token_is_401(demo_store: DemoStore, headers: dict[str, str]) -> None:
    reply = httpx.get(demo_store.base_url + PRODUCTS, headers=headers)
    _is_v3_error(reply, 401)
    assert "X-Rate-Limit-Requests-Left" in reply.headers


def test_other_store_hash_is_403(demo_store: DemoStore) -> None:
    reply = httpx.get(
        f"{demo_store.api_url}/stores/other/v3/catalog/products", headers={"X-Auth-Token": "demo-token"}
    )
    _is_v3_error(reply, 403)


def test_read_only_token_reads_but_gets_403_on_writes_before_any_body_check(
    make_demo_store: Callable[..., DemoStore],
) -> None:
    store = make_demo_store(read_only_tokens=("ro-token",))
    with client_for(store, "ro-token") as api:
        assert api.get(PRODUCTS).status_code == 200
        assert api.get("/v3/inventory/items").status_code == 200
        _is_v3_error(api.put(PRODUCTS, json=[]), 403)
        _is_v3_error(api.put("/v3/catalog/variants", json=[]), 403)
        _is_v3_error(api.put("/v3/inventory/adjustments/absolute", json={"items": []}), 403)
        _is_v3_error(api.put(PRODUCTS, content=b"{not json"), 403)
        assert (
            api.post(
                "/v3/hooks", json={"scope": "store/product/*", "destination": "https://x.test/h"}
            ).status_code
            == 200
        )


def test_tokens_with_some_scopes(demo_store: DemoStore) -> None:
    demo_store.add_token("inventory-only", {"inventory": "modify"})
    with client_for(demo_store, "inventory-only") as api:
        _is_v3_error(api.get(PRODUCTS), 403)
        assert api.get("/v3/inventory/items", params={"limit": 1}).status_code == 200
        assert api.put("/v3/inventory/adjustments/absolute", json={"items": []}).status_code == 200
    with pytest.raises(ValueError):
        demo_store.add_token("odd", {"products": "write"})


def test_unknown_route_and_wrong_method(api: httpx.Client) -> None:
    _is_v3_error(api.get("/v3/catalog/brands"), 404)
    reply = api.patch(PRODUCTS, json={})
    assert reply.status_code == 405 and "GET" in reply.headers["allow"]
    assert reply.json()["detail"]
    _is_v3_error(httpx.get(api.base_url.copy_with(path="/nothing")), 404)


def test_malformed_json_is_400_and_wrong_content_type_is_415(api: httpx.Client) -> None:
    _is_v3_error(api.put(PRODUCTS, content=b"[{", headers={"Content-Type": "application/json"}), 400)
    _is_v3_error(api.put(PRODUCTS, content=b"", headers={"Content-Type": "application/json"}), 400)
    _is_v3_error(api.put(PRODUCTS, content=b"[]"), 400)
    _is_v3_error(api.put(PRODUCTS, content=b"[]", headers={"Content-Type": "text/csv"}), 415)
    reply = api.put(
        "/v3/inventory/adjustments/absolute", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 400 and reply.headers["content-type"] == "application/problem+json"


def test_unacceptable_accept_is_406(api: httpx.Client) -> None:
    assert api.get(PRODUCTS, headers={"Accept": "text/html"}).status_code == 406


def test_garbage_request_line_gets_a_json_400_not_a_hang(demo_store: DemoStore) -> None:
    with socket.create_connection(("127.0.0.1", demo_store.port), timeout=5) as sock:
        sock.sendall(b"GET /a b HTTP/1.1\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.") and b" 400 " in reply.split(b"\r\n")[0]
    assert b'"status": 400' in reply


def test_a_handler_exception_is_a_logged_500(
    demo_store: DemoStore,
    api: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    expected_warnings: list[logging.LogRecord],
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(demo_store.catalog, "get_product", broken)
    monkeypatch.setattr("backorder_desktop.demo.routes_catalog.select_products", broken)
    _is_v3_error(api.get(PRODUCTS), 500)
    assert any(r.levelno == logging.ERROR and "failed" in r.getMessage() for r in expected_warnings)
    assert api.get("/v2/time").status_code == 200, "the connection and the server keep working"
