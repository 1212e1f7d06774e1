"""A full pull under the store's shared quota (150 per 30 s) gets no 429, also beside another app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def _other_app(store: DemoStore, stop: threading.Event, spent: list[int]) -> None:
    """Another app on the same store: a request every 50 ms until told to stop (at most 40)."""
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}) as client:
        while not stop.wait(0.05) and len(spent) < 40:
            spent.append(client.get("/v3/catalog/summary").status_code)


def test_full_pull_of_5000_products_under_quota_gets_no_429(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=5000, quota=150, window_s=30)
    context = make_context(store)
    stop = threading.Event()
    spent: list[int] = []
    other = threading.Thread(target=_other_app, args=(store, stop, spent))
    other.start()
    try:
        started = time.perf_counter()
        run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        other.join(10)

    assert run.counts.seen == 5000
    assert context.parts.mirror.product_count() == 5000
    ours = store.requests.count(path_contains="/v3/catalog/products") + store.requests.count(
        path_contains="/v2/"
    )
    assert store.requests.count(status=429) == 0
    assert spent, "the other app made requests during the pull"
    allowed_per_s = 0.8 * 150 / 30
    print(
        f"\nfull pull of 5,000 products under 150/30 s: {elapsed:.2f} s for {ours} requests; "
        f"quota bound {ours / allowed_per_s:.2f} s; other app spent {len(spent)}"
    )


# --- one quota, two pacers: the window and its sync child --------------------------------------

RESERVE = 8  # 20 % of a quota of 40


def _spend_to_the_reserve(client: Any) -> int:
    """Requests until the pacer refuses (the window will not reset: it is an hour long)."""
    sent = 0
    with pytest.raises(RateLimited):
        while True:
            client.get_store()
            sent += 1
    return sent


def test_two_pacers_of_one_profile_together_keep_the_reserve(
    make_demo_store: MakeStore, tmp_path: Path
) -> None:
    store = make_demo_store(quota=40, window_s=3600)
    shared = tmp_path / "quota.sqlite3"
    with (
        BigCommerceClient(store.api_url, store.store_hash, store.token, shared_quota=shared) as window,
        BigCommerceClient(store.api_url, store.store_hash, store.token, shared_quota=shared) as child,
    ):
        child.get_store()  # the child saw 39 left, then went quiet
        assert _spend_to_the_reserve(window) == 40 - RESERVE - 1
        before = len(store.requests)
        with pytest.raises(RateLimited):
            child.get_store()  # alone it would send: 39 left as far as it saw

    assert len(store.requests) == before  # refused without a request
    assert store.rate.left == RESERVE


def test_the_sync_child_process_keeps_the_reserve_the_window_reached(
    make_demo_store: MakeStore, make_context: MakeContext, home: str
) -> None:
    """Through the app's wiring: the window's client in this process, a sync in another."""
    store = make_demo_store(quota=40, window_s=3600)
    context = make_context(store)
    _spend_to_the_reserve(context.parts.connection.client())  # type: ignore[union-attr]
    before = len(store.requests)

    result = run_cli(home, "sync", env={"BACKORDER_DESKTOP_TOKEN": store.token})

    assert result.code == 1, result.stdout + result.stderr
    assert len(store.requests) == before and store.rate.left == RESERVE
