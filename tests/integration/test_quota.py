"""A full pull under the store's shared quota (150 per 30 s) gets no 429, also beside another app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile

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
