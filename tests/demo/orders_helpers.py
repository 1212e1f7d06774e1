"""Helpers for the demo store's order tests: placing orders over HTTP, a fake clock, catalog picks."""

from __future__ import annotations

from typing import Any

import httpx

from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import find_product

BILLING = {"first_name": "Jo", "last_name": "Buyer", "zip": "78701", "email": "jo@buyer.example"}
EMBED_LINES = {"include": "consignments.line_items", "consignment_structure": "object"}


class FakeClock:
    """Unix seconds that move only when a test says so."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def item(product: dict[str, Any], quantity: int, variant: int = 0) -> dict[str, Any]:
    """An order line for ``product`` (its ``variant``-th variant when it has options)."""
    line: dict[str, Any] = {"product_id": product["id"], "quantity": quantity}
    if product["base_variant_id"] is None:
        line["variant_id"] = product["variants"][variant]["id"]
    return line


def place(
    api: httpx.Client, *items: dict[str, Any], status_id: int | None = 11, **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {"products": list(items), "billing_address": BILLING, **extra}
    if status_id is not None:
        body["status_id"] = status_id
    return api.post("/v2/orders", json=body)


def placed(api: httpx.Client, *items: dict[str, Any], status_id: int | None = 11) -> dict[str, Any]:
    reply = place(api, *items, status_id=status_id)
    assert reply.status_code == 200, reply.text
    order: dict[str, Any] = reply.json()
    return order


def untracked(store: DemoStore) -> dict[str, Any]:
    """A product without options whose stock is not tracked."""
    return find_product(store, lambda p: p["inventory_tracking"] == "none" and p["base_variant_id"])


def lines_of(api: httpx.Client, order_id: int) -> list[dict[str, Any]]:
    reply = api.get(f"/v2/orders/{order_id}/products")
    assert reply.status_code == 200, reply.text
    lines: list[dict[str, Any]] = reply.json()
    return lines
