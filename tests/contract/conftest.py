"""Contract-test fixtures: a demo store per test and plain httpx clients that speak to it like the app."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.contract import spec

STORE_HASH = "demo"
TOKEN = "demo-token"
READ_ONLY_TOKEN = "ro-token"


@pytest.fixture(scope="session", autouse=True)
def _specs_loaded_once() -> None:
    """Parse every spec once, up front, so no single test pays for (or times) the loading."""
    for name in spec.SPEC_FILES:
        spec.openapi(name)


def _client(base_url: str, token: str | None) -> httpx.Client:
    """A client that checks the ``X-Rate-Limit-*`` headers of every reply (notes §7; not in the specs)."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-Auth-Token"] = token
    hooks = {"response": [spec.check_rate_limit_headers]}
    return httpx.Client(base_url=base_url, headers=headers, timeout=10.0, event_hooks=hooks)


@pytest.fixture
def store(make_demo_store: Callable[..., DemoStore]) -> DemoStore:
    """A small demo store (60 products) with the default hash, token and a read-only token."""
    return make_demo_store(
        products=60,
        seed=1,
        store_hash=STORE_HASH,
        token=TOKEN,
        read_only_tokens=(READ_ONLY_TOKEN,),
        webhook_retry_s=(0.2, 0.5, 1.0),
    )


@pytest.fixture
def api(store: DemoStore) -> Iterator[httpx.Client]:
    """A client with the store's full-access token; paths are relative to ``/stores/{hash}/``."""
    with _client(store.base_url, store.token) as client:
        yield client


@pytest.fixture
def read_only_api(store: DemoStore) -> Iterator[httpx.Client]:
    """A client with the store's read-only token (403 on writes)."""
    with _client(store.base_url, READ_ONLY_TOKEN) as client:
        yield client


@pytest.fixture
def anonymous_api(store: DemoStore) -> Iterator[httpx.Client]:
    """A client that sends no ``X-Auth-Token``."""
    with _client(store.base_url, None) as client:
        yield client


def all_products(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every product (with variants), read in pages of 100: the strict store times out pages of 250
    with variants, as a gateway can (``largest_page_fails``)."""
    products: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = api.get(
            "v3/catalog/products", params={"include": "variants", "limit": 100, "page": page, **params}
        )
        body = spec.check_response("products", reply)
        products.extend(body["data"])
        pagination = body["meta"]["pagination"]
        if pagination["current_page"] >= pagination["total_pages"]:
            return products
        page += 1


def product_tracked_by(
    api: httpx.Client, tracking: str, *, with_options: bool | None = None
) -> dict[str, Any]:
    """The first product with ``inventory_tracking == tracking`` (and, optionally, with/without options)."""
    for product in all_products(api):
        if product["inventory_tracking"] != tracking:
            continue
        has_options = any(v["option_values"] for v in product["variants"])
        if with_options is None or with_options == has_options:
            return product
    raise LookupError(f"the demo catalog has no product tracked by {tracking} (options: {with_options})")
