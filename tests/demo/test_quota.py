"""The shared fixed-window quota: headers on every reply, 429 when spent, other apps spending it."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from backorder_desktop.demo.ratelimit import UNLIMITED_QUOTA
from backorder_desktop.demo.ratelimit import RateLimiter
from backorder_desktop.demo.server import DemoStore
from tests.demo.conftest import client_for
from tests.fixtures_demo import strict_except

HEADERS = (
    "X-Rate-Limit-Requests-Left",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Time-Window-Ms",
)


def test_every_reply_carries_the_quota_headers(api: httpx.Client) -> None:
    for reply in (
        api.get("/v3/catalog/products", params={"limit": 1}),
        api.get("/v3/catalog/products/9999"),
        api.get("/v2/time"),
        api.put("/v3/catalog/products", json=[{"id": 1}] * 11),
        api.post("/v3/hooks", json={}),
    ):
        assert all(name in reply.headers for name in HEADERS), reply.status_code
    unlimited = api.get("/v2/time").headers
    assert int(unlimited["X-Rate-Limit-Requests-Quota"]) == UNLIMITED_QUOTA
    assert int(unlimited["X-Rate-Limit-Time-Window-Ms"]) == 30_000


def test_quota_runs_out_with_429_and_retry_after(make_demo_store: Callable[..., DemoStore]) -> None:
    store = make_demo_store(quota=5, window_s=30.0, strict=strict_except("v2_error_list"))  # v3 body
    with client_for(store) as api:
        lefts = [int(api.get("/v2/time").headers["X-Rate-Limit-Requests-Left"]) for _ in range(5)]
        assert lefts == [4, 3, 2, 1, 0]
        reply = api.get("/v2/time")
        assert reply.status_code == 429
        assert reply.json()["status"] == 429
        assert reply.headers["X-Rate-Limit-Requests-Left"] == "0"
        assert reply.headers["X-Rate-Limit-Requests-Quota"] == "5"
        assert 0 < int(reply.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 30_000
        assert 1 <= int(reply.headers["X-Retry-After"]) <= 30
        store.rate.configure(quota=150, window_s=30)
        assert api.get("/v2/time").headers["X-Rate-Limit-Requests-Left"] == "149"
        store.rate.spend(149)  # another app on the store
        assert api.get("/v2/time").status_code == 429


def test_the_window_refills() -> None:
    now = [100.0]
    limiter = RateLimiter(quota=2, window_s=30.0, clock=lambda: now[0])
    assert limiter.try_take().allowed and limiter.try_take().allowed
    spent = limiter.try_take()
    assert not spent.allowed and spent.reset_ms == 30_000
    now[0] += 12.5
    assert limiter.peek().reset_ms == 17_500
    now[0] += 17.5
    fresh = limiter.try_take()
    assert fresh.allowed and fresh.left == 1 and fresh.reset_ms == 30_000
    now[0] += 75.0  # several windows later: aligned to the window grid, full quota
    assert limiter.try_take().left == 1
