"""Full and incremental pulls against the demo store over HTTP, into a real SQLite mirror."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import SuspiciousCatalog
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.services.profile import Profile
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def _summary_variant_count(store: DemoStore) -> int:
    reply = httpx.get(f"{store.base_url}/v3/catalog/summary", headers={"X-Auth-Token": store.token})
    reply.raise_for_status()
    return int(reply.json()["data"]["variant_count"])


@pytest.mark.parametrize("products", [300, pytest.param(20_000, marks=pytest.mark.slow)])
def test_full_then_incremental_then_full(
    products: int, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=products, seed=7)
    context = make_context(store)

    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    assert run.outcome is RunOutcome.OK
    assert run.counts.created == products
    assert context.parts.mirror.product_count() == store.catalog.product_count() == products
    mirrored = context.parts.mirror.variant_count()
    assert mirrored == store.catalog.variant_count() == _summary_variant_count(store)
    assert mirror_snapshot(context) == store_snapshot(store)

    ids = store.catalog.product_ids()
    changed = ids[5:30]  # 25 products
    deleted = ids[-3:]
    for pid in changed:
        store.catalog.update_product(pid, name=f"Renamed {pid}")
    for pid in deleted:
        store.catalog.delete_product(pid)

    incremental = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")

    assert not incremental.full
    assert incremental.counts.changed == 25
    assert incremental.counts.created == 0
    assert incremental.counts.removed == 0  # deletions are found by the next full pull
    assert context.parts.mirror.get_product(changed[0]).name == f"Renamed {changed[0]}"  # type: ignore[union-attr]
    assert context.parts.mirror.product_count() == products

    full = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    assert full.counts.removed == 3
    assert full.counts.changed == 0
    assert all(context.parts.mirror.get_product(pid) is None for pid in deleted)
    assert mirror_snapshot(context) == store_snapshot(store)


def test_a_second_request_joins_the_running_sync(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=600, latency_ms=40)
    context = make_context(store)
    started = threading.Event()
    context.parts.events.subscribe("run_started", lambda *_: started.set())
    results = {}

    def first() -> None:
        results["first"] = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button", full=True)

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(10)
    joined = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="tray", full=True)
    thread.join(30)

    assert joined.id == results["first"].id
    assert len(context.parts.mirror.runs()) == 1
    # Every page of the one pass fetched once (600 products: three pages of 250, or five of 125 when
    # the strict store times out the pages of 250).
    pages = [p for m, p, s in store.requests if m == "GET" and "/v3/catalog/products" in p and s == 200]
    assert len(pages) == len(set(pages)) and len(pages) in (3, 5)


def test_an_empty_catalog_is_refused_and_changes_nothing(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=100)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    before = mirror_snapshot(context)
    store.catalog.delete_products(store.catalog.product_ids())

    with pytest.raises(SuspiciousCatalog) as info:
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    assert "returned no products" in info.value.message
    assert mirror_snapshot(context) == before
    assert context.parts.mirror.runs()[0].outcome is RunOutcome.REFUSED


def test_a_far_smaller_catalog_is_refused(make_demo_store: MakeStore, make_context: MakeContext) -> None:
    store = make_demo_store(products=100)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    store.catalog.delete_products(store.catalog.product_ids()[:70])

    with pytest.raises(SuspiciousCatalog):
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    assert context.parts.mirror.product_count() == 100


def test_products_deleted_while_paging_are_not_missed(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    """Offset pages shift when a product is deleted mid-pass; a product that moves to an earlier
    page is never lost from the mirror, and only really deleted ones are removed."""
    from backorder_desktop.demo.faults import FaultRule

    store = make_demo_store(products=1000)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    store.faults.add_rule(
        FaultRule(kind="delete_while_paging", path_contains="catalog/products", after=1, count=2)
    )

    before = set(store.catalog.product_ids())

    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    after = set(store.catalog.product_ids())
    assert len(before - after) == 2
    # Products that shifted to an already-read page were re-asked by id, not removed...
    assert store.requests.count(method="GET", path_contains="id%3Ain") >= 1
    assert run.counts.removed == 0
    mirrored = set(mirror_snapshot(context))
    assert after <= mirrored
    # ...and the two deleted after they were read go with the next full pull.
    assert mirrored - after == before - after
    again = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    assert again.counts.removed == 2
    assert mirror_snapshot(context) == store_snapshot(store)


def test_an_incremental_pull_misses_no_change_when_products_are_deleted_while_it_pages(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    """Offset pages of ``date_modified:min`` shift too: a change on the first product of page 2
    moves to page 1 (already read) when an earlier product is deleted. The next incremental pull
    asks from after that change, so without a re-check it would stay stale until a full pull."""
    from backorder_desktop.demo.faults import FaultRule

    store = make_demo_store(products=1000)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    changed = store.catalog.product_ids()[100:700]  # 600 changes: three pages of 250
    for pid in changed:
        store.catalog.update_product(pid, name=f"Renamed {pid}")
    store.faults.add_rule(  # before the 2nd page is served, the 1st changed product is deleted
        FaultRule(kind="delete_while_paging", path_contains="catalog/products", method="GET", after=1)
    )

    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")

    assert not run.full
    assert changed[0] not in store.catalog.product_ids()
    shifted = changed[250]  # first on page 2 before the deletion, last on page 1 after it
    assert context.parts.mirror.get_product(shifted).name == f"Renamed {shifted}"  # type: ignore[union-attr]
    names = {p.id: p.name for p in context.parts.mirror.search_products("")}
    assert [pid for pid in changed[1:] if names[pid] != f"Renamed {pid}"] == []
    # Only products between two pages were re-asked, by id and since the same time.
    assert store.requests.count(method="GET", path_contains="id%3Ain") == 1
    assert run.counts.removed == 0  # deletions are still found by the next full pull
