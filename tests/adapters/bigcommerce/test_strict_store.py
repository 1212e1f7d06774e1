"""The client against the demo store's strict switches and gateway faults (``demo/strict.py``): each
test names the live behaviour it stands for; the client must handle each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.generator import TRACK_VARIANT
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.storage import MAX_STOCK
from backorder_desktop.domain.errors import PermissionDenied
from backorder_desktop.domain.ports import StockWrite
from backorder_desktop.domain.stock import StockKey
from tests.adapters.bigcommerce.conftest import FakeClock

FAST = RetryPolicy(attempts=3, initial_delay_s=0.01, max_delay_s=0.05, jitter=0.0)
MakeStore = Callable[..., DemoStore]


def _client(store: DemoStore, token: str | None = None, **kwargs: Any) -> BigCommerceClient:
    kwargs.setdefault("retry", FAST)
    return BigCommerceClient(store.api_url, store.store_hash, token or store.token, **kwargs)


def test_502_and_504_from_the_gateway_are_retried(demo_store: DemoStore) -> None:
    """Notes §9: 500/502/504 are server or gateway errors, retried with backoff."""
    demo_store.faults.add_rule(FaultRule("502", path_contains="/v2/store"))
    demo_store.faults.add_rule(FaultRule("504", path_contains="/v2/store"))
    with _client(demo_store) as client:
        info = client.get_store()
        assert client.stats.retries == 2
    assert info.store_hash == "demo"
    assert [s for _m, _p, s in demo_store.requests] == [502, 504, 200]


def test_a_429_without_rate_headers_backs_off_longer_each_time(demo_store: DemoStore) -> None:
    """Notes §7: a 429 with no rate-limit headers means the platform is overloaded: back off."""
    demo_store.faults.add_rule(FaultRule("429_bare", path_contains="/v2/time", count=2))
    raw = httpx.get(f"{demo_store.base_url}/v2/time", headers={"X-Auth-Token": demo_store.token})
    assert raw.status_code == 429 and "X-Rate-Limit-Requests-Left" not in raw.headers
    clock = FakeClock()
    with _client(demo_store, clock=clock) as client:
        client.server_time()
    waits = [s for s in clock.slept if s > 0]
    assert len(waits) == 1 and waits[0] >= 1.0  # the second bare 429: after the first's pause
    assert [s for _m, _p, s in demo_store.requests] == [429, 429, 200]


def test_v2_errors_as_an_array_are_read(make_demo_store: MakeStore) -> None:
    """v2 answers errors as ``[{"status", "message"}]`` (notes §6.1; orders.v2.oas2.yml)."""
    store = make_demo_store(strict=("v2_error_list",))
    store.add_token("no-information", {"products": "modify"})
    raw = httpx.get(f"{store.base_url}/v2/store", headers={"X-Auth-Token": "no-information"})
    assert raw.json() == [
        {"status": 403, "message": "You don't have a required scope to access the endpoint"}
    ]
    with _client(store, token="no-information") as client, pytest.raises(PermissionDenied) as info:
        client.get_store()
    assert "BigCommerce said: “You don't have a required scope" in info.value.message
    assert "“Information & Settings” scope" in info.value.message


def test_pages_failing_only_at_the_largest_size_are_fetched_smaller(make_demo_store: MakeStore) -> None:
    """A page of 250 with variants times out at the gateway where smaller ones go through."""
    store = make_demo_store(products=600, strict=("largest_page_fails",))
    seen: list[int] = []
    with _client(store) as client:
        page, total_pages = 1, 1
        while page <= total_pages:
            got = client.get_products_page(page, limit=250)
            assert got.page == page
            seen += [p.id for p in got.products]
            total_pages = got.total_pages
            page += 1
    assert seen == store.catalog.product_ids() and total_pages == 3
    assert store.requests.count(path_contains="limit=250", status=504) == FAST.attempts  # page 1 only
    assert store.requests.count(path_contains="limit=125", status=200) == 5  # 600 = 4 x 125 + 100


def test_a_partial_batch_answers_207_and_names_the_refused_item(make_demo_store: MakeStore) -> None:
    """Notes §3.2, §4.1, §9: 207 when the variants saved but some inventory did not."""
    store = make_demo_store(strict=("partial_batches",))
    with store.catalog.reading() as st:
        keys = [
            StockKey(p, v)
            for p in st.live
            if st.cols.tracking[p - 1] == TRACK_VARIANT
            for v in st.variant_ids(p)
        ][:3]
    before = store.catalog.get_variant(keys[1].variant_id or 0)["inventory_level"]
    writes = [StockWrite(keys[0], 5), StockWrite(keys[1], MAX_STOCK + 1), StockWrite(keys[2], 7)]
    with _client(store) as client:
        result = client.write_variant_levels(writes)
    assert store.requests.count("PUT", "/v3/catalog/variants", status=207) == 1
    assert result.written == (keys[0], keys[2])
    assert [f.key for f in result.failed] == [keys[1]] and "inventory_level" in result.failed[0].reason
    levels = [store.catalog.get_variant(k.variant_id or 0)["inventory_level"] for k in keys]
    assert levels == [5, before, 7]
