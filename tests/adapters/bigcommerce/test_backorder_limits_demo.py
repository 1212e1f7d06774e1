"""The client's native backorder limits against the demo store over HTTP: written per item at the default
location, read back with what the store counts, and refused by a store outside the beta with what to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backorder_desktop.adapters.bigcommerce import backorder_limits
from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.product_writes import LimitWrite
from backorder_desktop.domain.stock import StockKey
from tests.demo.conftest import tracked_by

MakeStore = Callable[..., DemoStore]
FAST = RetryPolicy(attempts=2, initial_delay_s=0.01, max_delay_s=0.02, jitter=0.0)


def _client(store: DemoStore) -> BigCommerceClient:
    return BigCommerceClient(store.api_url, store.store_hash, store.token, retry=FAST)


def _keys(store: DemoStore) -> tuple[list[StockKey], StockKey]:
    by_variant: dict[str, Any] = tracked_by(store, "variant", with_options=True)
    whole: dict[str, Any] = tracked_by(store, "product", with_options=False)
    return [StockKey(by_variant["id"], v["id"]) for v in by_variant["variants"]], StockKey(whole["id"])


def test_limits_are_written_and_read_back_with_what_the_store_counts(make_demo_store: MakeStore) -> None:
    store = make_demo_store(products=60, native_backorders=True)
    variants, whole = _keys(store)
    client = _client(store)
    try:
        writes = [LimitWrite(key, "", 4) for key in variants] + [LimitWrite(whole, "", None)]
        client.write_backorder_limits(writes)
        line = {"product_id": variants[0].product_id, "variant_id": variants[0].variant_id}
        on_hand = store.catalog.get_variant(variants[0].variant_id or 0)["inventory_level"]
        store.orders.place(
            {"products": [{**line, "quantity": on_hand + 3}], "billing_address": {"zip": "78701"}}
        )

        counts = client.read_backorder_counts([*variants, whole])
        assert set(counts) == {*variants, whole}
        first = counts[variants[0]]
        assert (first.limit, first.qty_backordered, first.available_to_sell) == (4, 3, 1)
        assert all(counts[k].limit == 4 for k in variants)
        assert counts[whole].limit == 0  # no limit: written as none, which the beta takes as 0
    finally:
        client.close()


def test_a_store_outside_the_beta_refuses_a_limit_and_says_what_to_do(make_demo_store: MakeStore) -> None:
    store = make_demo_store(products=60)
    variants, _whole = _keys(store)
    client = _client(store)
    try:
        with pytest.raises(InvalidData, match="switch the backorder method to app"):
            client.write_backorder_limits([LimitWrite(variants[0], "", 4)])
        counts = client.read_backorder_counts(variants)
        assert set(counts) == set(variants)  # without the beta's fields: nothing backordered, no limit
        assert {(c.qty_backordered, c.limit) for c in counts.values()} == {(0, None)}
    finally:
        client.close()


def test_counts_of_items_over_several_pages_are_all_read(
    make_demo_store: MakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_demo_store(products=60, native_backorders=True)
    variants, whole = _keys(store)
    monkeypatch.setattr(backorder_limits, "ITEMS_PER_PAGE", 1)  # one item a page: every page is read
    client = _client(store)
    try:
        client.write_backorder_limits([LimitWrite(key, "", 2) for key in variants])
        counts = client.read_backorder_counts([*variants, whole])
        assert set(counts) == {*variants, whole}
        assert {counts[k].limit for k in variants} == {2}
    finally:
        client.close()
