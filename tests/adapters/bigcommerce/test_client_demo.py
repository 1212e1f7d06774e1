"""The BigCommerce client against the demo store over real HTTP on loopback: data, errors, retries.

Every error mapping is produced by the demo store's own replies and fault switches (wrong token,
read-only token, maintenance, 500 bursts, hangs, malformed and cut-off bodies, a stopped server).
The quota tests are in ``test_client_quota.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.bigcommerce.ratelimit import RateLimiter
from backorder_desktop.adapters.bigcommerce.transport import RequestEvent
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.adapters.http import Timeouts
from backorder_desktop.adapters.http import make_http_client
from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import Maintenance
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import PermissionDenied
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import ServerError
from tests.adapters.bigcommerce.conftest import RecordingClock
from tests.adapters.bigcommerce.rewriting_proxy import RewritingProxy

FAST = RetryPolicy(attempts=3, initial_delay_s=0.01, max_delay_s=0.05)
PRODUCTS = "/v3/catalog/products"

MakeStore = Callable[..., DemoStore]


def _client(store: DemoStore, token: str | None = None, **kwargs: Any) -> BigCommerceClient:
    kwargs.setdefault("retry", FAST)
    return BigCommerceClient(store.api_url, store.store_hash, token or store.token, **kwargs)


def _server_log(store: DemoStore, status: int | None = None) -> int:
    return store.requests.count(status=status)


# --- data ----------------------------------------------------------------------------------------


def test_store_information_time_and_summary(demo_store: DemoStore) -> None:
    with _client(demo_store) as client:
        info = client.get_store()
        now = client.server_time()
        summary = client.get_catalog_summary()
    assert info.store_hash == "demo" and info.name and info.plan_name
    assert now.utcoffset() == timedelta(0)
    assert summary.variant_count == demo_store.catalog.variant_count()


def test_a_threaded_full_pull_gets_every_product_and_variant(demo_store: DemoStore) -> None:
    events: list[RequestEvent] = []
    with _client(demo_store, on_request=events.append) as client:
        first = client.get_products_page(1, limit=50)
        with ThreadPoolExecutor(4) as pool:
            rest = list(
                pool.map(lambda n: client.get_products_page(n, limit=50), range(2, first.total_pages + 1))
            )
        summary = client.get_catalog_summary()
        stats = client.stats
    pages = [first, *rest]
    products = [p for page in pages for p in page.products]
    assert [p.id for p in products] == sorted(demo_store.catalog.product_ids())
    assert first.total == len(products) == demo_store.catalog.product_count()
    assert (
        sum(len(p.variants) for p in products) == summary.variant_count == demo_store.catalog.variant_count()
    )
    assert all(p.variants for p in products)  # every product has at least its base variant
    assert all(page.problems == () for page in pages)
    assert stats.requests == len(events) == _server_log(demo_store) == first.total_pages + 1
    assert stats.retries == stats.rate_limited_429 == stats.failures == 0


def test_modified_since_and_ids_select_products(demo_store: DemoStore) -> None:
    with _client(demo_store) as client:
        since = client.server_time() - timedelta(seconds=1)
        demo_store.catalog.update_product(7, name="Renamed by the merchant")
        changed = client.get_products_page(1, modified_since=since)
        chosen = client.get_products_page(1, ids=[3, 9])
        nothing = client.get_products_page(1, ids=[])
    assert [(p.id, p.name) for p in changed.products] == [(7, "Renamed by the merchant")]
    assert [p.id for p in chosen.products] == [3, 9]
    assert nothing.products == () and nothing.total == 0


def test_a_product_missing_required_fields_is_a_problem_and_the_rest_is_used(demo_store: DemoStore) -> None:
    def damage(product: dict[str, Any]) -> None:
        if product["id"] == 4:
            del product["name"]
        if product["id"] == 6:
            product["price"] = "cheap"

    with RewritingProxy(demo_store.api_url, damage) as proxy:
        client = BigCommerceClient(proxy.api_url, demo_store.store_hash, demo_store.token, retry=FAST)
        with client:
            page = client.get_products_page(1, limit=10)
    assert [p.id for p in page.products] == [1, 2, 3, 5, 7, 8, 9, 10]
    assert [(x.item, "“name”" in x.message or "“price”" in x.message) for x in page.problems] == [
        ("product 4", True),
        ("product 6", True),
    ]


# --- errors from the store's replies ----------------------------------------------------------------


def test_a_wrong_token_is_an_auth_error_that_says_reconnect(demo_store: DemoStore) -> None:
    with _client(demo_store, token="not-the-token") as client, pytest.raises(AuthError) as info:
        client.get_store()
    assert "Connect again" in info.value.message and info.value.remedy is Remedy.RECONNECT
    assert "not-the-token" not in str(info.value)
    assert _server_log(demo_store, 401) == 1  # not retried


def test_permissions_full_and_read_only_without_changing_anything(make_demo_store: MakeStore) -> None:
    store = make_demo_store(read_only_tokens=("ro-token",))
    before = (store.catalog.variant_count(), store.catalog.get_product(1))
    with _client(store) as full, _client(store, token="ro-token") as read_only:
        everything = full.check_permissions()
        reads = read_only.check_permissions()
    with make_http_client(base_url=store.base_url, token="ro-token") as http:
        transport = StoreTransport(http, RateLimiter(), retry=FAST)
        with pytest.raises(PermissionDenied) as info:
            transport.call("PUT", "/v3/catalog/variants", lambda d: d, json_body=[])
    assert everything.missing() == []
    assert (reads.catalog_read, reads.inventory_read) == (True, True)
    assert reads.missing() == ["modify products", "modify inventory"]
    assert "may not modify products" in info.value.message
    assert (store.catalog.variant_count(), store.catalog.get_product(1)) == before


def test_a_wrong_store_hash_is_permission_denied(make_demo_store: MakeStore) -> None:
    store = make_demo_store()
    client = BigCommerceClient(store.api_url, "otherstore", store.token, retry=FAST)
    with client, pytest.raises(PermissionDenied) as info:
        client.get_store()
    assert "wrong store hash" in info.value.message


def test_maintenance_is_reported_at_once(demo_store: DemoStore) -> None:
    demo_store.faults.maintenance = True
    with _client(demo_store) as client, pytest.raises(Maintenance) as info:
        client.get_products_page(1)
    assert "status.bigcommerce.com" in info.value.message
    assert _server_log(demo_store, 503) == 1


def test_a_500_burst_is_retried_until_it_recovers(demo_store: DemoStore) -> None:
    demo_store.faults.add_rule(FaultRule(kind="500", path_contains="catalog/products", count=2))
    with _client(demo_store) as client:
        page = client.get_products_page(1, limit=20)
        stats = client.stats
    assert len(page.products) == 20
    assert (stats.requests, stats.retries, stats.failures) == (3, 2, 0)
    assert _server_log(demo_store, 500) == 2


def test_500s_that_do_not_stop_become_a_server_error(demo_store: DemoStore) -> None:
    demo_store.faults.error_500_rate = 1.0
    with _client(demo_store) as client, pytest.raises(ServerError) as info:
        client.get_catalog_summary()
    assert "HTTP 500" in info.value.message
    assert _server_log(demo_store, 500) == FAST.attempts


def test_writes_are_retried_only_when_marked_idempotent(demo_store: DemoStore) -> None:
    demo_store.faults.add_rule(FaultRule(kind="500", method="POST", count=None))
    demo_store.faults.add_rule(FaultRule(kind="500", method="PUT", count=2))
    http = make_http_client(base_url=demo_store.base_url, token=demo_store.token)
    with http:
        transport = StoreTransport(http, RateLimiter(), retry=FAST)
        with pytest.raises(ServerError):
            transport.call("POST", PRODUCTS, lambda d: d, json_body={"name": "x"})
        assert demo_store.requests.count(method="POST") == 1  # never retried automatically
        with pytest.raises(ServerError):
            transport.call("PUT", "/v3/catalog/variants", lambda d: d, json_body=[])
        assert demo_store.requests.count(method="PUT") == 1  # a PUT is not assumed idempotent
        transport.call("PUT", "/v3/catalog/variants", lambda d: d, json_body=[], idempotent=True)
    assert demo_store.requests.count(method="PUT") == 3  # one more 500, then the success


def test_a_store_that_hangs_is_offline_quickly(demo_store: DemoStore) -> None:
    demo_store.faults.hang_rate = 1.0
    client = _client(
        demo_store, timeouts=Timeouts.uniform(0.3), retry=RetryPolicy(attempts=2, initial_delay_s=0.01)
    )
    with client, pytest.raises(Offline) as info:
        client.get_products_page(1)
    assert client.stats.requests == 2 and client.stats.retries == 1  # each try ended at its timeout
    assert demo_store.requests.count(status=0) == 2  # both held by the store, neither answered
    assert info.value.title == "No answer from BigCommerce"
    assert "check your connection" in info.value.message.lower()


@pytest.mark.parametrize("kind", ["hang", "lose_reply", "malformed", "truncate"])
def test_one_bad_reply_is_retried_and_the_page_still_arrives(demo_store: DemoStore, kind: str) -> None:
    demo_store.faults.add_rule(FaultRule(kind=kind, path_contains="catalog/products"))  # type: ignore[arg-type]
    with _client(demo_store, timeouts=Timeouts.uniform(0.5)) as client:
        page = client.get_products_page(1, limit=25)
        assert client.stats.retries == 1
    assert [p.id for p in page.products] == list(range(1, 26))


@pytest.mark.parametrize("switch", ["malformed_rate", "truncate_rate"])
def test_bodies_that_stay_broken_become_malformed_reply(
    demo_store: DemoStore, switch: str, expected_warnings: list[Any]
) -> None:
    setattr(demo_store.faults, switch, 1.0)
    with _client(demo_store) as client, pytest.raises(MalformedReply):
        client.get_products_page(1, limit=100)  # a size the strict store serves: no 504 to retry
    assert _server_log(demo_store) == FAST.attempts
    assert len(expected_warnings) == 1  # one warning for the give-up, none for the retries


def test_a_stopped_store_is_offline(make_demo_store: MakeStore) -> None:
    store = make_demo_store()
    client = _client(store)
    client.get_store()
    store.stop()
    with client, pytest.raises(Offline) as info:
        client.get_store()
    assert "check your connection" in info.value.message.lower()
    assert client.stats.requests == 1 + FAST.attempts


def test_a_used_up_quota_waits_for_the_reset_then_succeeds(demo_store: DemoStore) -> None:
    demo_store.rate.configure(quota=5, window_s=1.0)
    demo_store.rate.spend(5)  # another app used the whole window
    clock = RecordingClock()
    limiter = RateLimiter(clock=clock, backoff_429_s=30.0)  # a fixed backoff would be 30 s
    with _client(demo_store, limiter=limiter) as client:
        info = client.get_store()
        assert client.stats.rate_limited_429 == 1 and client.stats.requests == 2
    assert info.store_hash == "demo"
    # One wait, as long as the 429 said (Retry-After 1 s for a 1 s window, plus the 0.05 s margin).
    waits = [seconds for seconds in clock.slept if seconds > 0]
    assert len(waits) == 1 and 0.05 < waits[0] <= 1.05 + 1e-6


def test_a_quota_that_never_frees_up_is_rate_limited(demo_store: DemoStore) -> None:
    demo_store.rate.configure(quota=0, window_s=0.2)
    limiter = RateLimiter(backoff_429_s=0.01, backoff_429_max_s=0.05)
    retry = RetryPolicy(attempts=3, initial_delay_s=0.01, rate_limit_attempts=3)
    with _client(demo_store, limiter=limiter, retry=retry) as client, pytest.raises(RateLimited) as info:
        client.get_store()
    assert info.value.status == 429
    assert client.stats.rate_limited_429 == 3 == _server_log(demo_store, 429)
