"""Helpers for the demo store's own tests: an authenticated httpx client and catalog lookups."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore


def client_for(store: DemoStore, token: str | None = None, **kwargs: Any) -> httpx.Client:
    """An httpx client on the store's base URL, sending ``token`` (the store's own by default)."""
    headers = {"X-Auth-Token": token or store.token, "Accept": "application/json"}
    return httpx.Client(
        base_url=store.base_url, headers=headers, timeout=kwargs.pop("timeout", 10.0), **kwargs
    )


@pytest.fixture
def api(demo_store: DemoStore) -> Iterator[httpx.Client]:
    """A client of the default ``demo_store`` fixture."""
    with client_for(demo_store) as client:
        yield client


def find_product(store: DemoStore, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first product (with variants, in API shape) that satisfies ``predicate``."""
    for product_id in store.catalog.product_ids():
        product = store.catalog.get_product(product_id)
        if predicate(product):
            return product
    raise AssertionError("no product in the demo catalog matches")


def tracked_by(store: DemoStore, tracking: str, *, with_options: bool) -> dict[str, Any]:
    """A product tracking inventory by ``tracking``, with options (2+ variants) or without."""
    return find_product(
        store,
        lambda p: p["inventory_tracking"] == tracking and (p["base_variant_id"] is None) == with_options,
    )
