"""Bad input during pulls: every run ends advanced correctly or exactly as before, and says why."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import Maintenance
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import ServerError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.services.profile import Profile
from tests.integration.support import SHORT_TIMEOUTS
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
PAGES = "catalog/products"


def _synced(
    make_demo_store: MakeStore, make_context: MakeContext, **options: object
) -> tuple[DemoStore, Profile]:
    store = make_demo_store(products=1000)
    context = make_context(store, **options)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    # Changes the next pull should bring, and deletions a complete pass would remove.
    ids = store.catalog.product_ids()
    for pid in ids[:10]:
        store.catalog.update_product(pid, price=1.5)
    store.catalog.delete_products(ids[-3:])
    return store, context


@pytest.mark.parametrize(
    ("kind", "error", "needle", "remedy"),
    [
        ("malformed", MalformedReply, "temporary", Remedy.RETRY_LATER),
        ("truncate", MalformedReply, "temporary", Remedy.RETRY_LATER),
        ("500", ServerError, "temporary", Remedy.RETRY_LATER),
        ("503", Maintenance, "maintenance", Remedy.RETRY_LATER),
        ("401", AuthError, "connect", Remedy.RECONNECT),
    ],
)
def test_a_persistent_fault_mid_pull_removes_nothing(
    kind: str,
    error: type[ApiError],
    needle: str,
    remedy: Remedy,
    make_demo_store: MakeStore,
    make_context: MakeContext,
    expected_warnings: list[logging.LogRecord],
) -> None:
    store, context = _synced(make_demo_store, make_context)
    store.faults.add_rule(FaultRule(kind=kind, path_contains=PAGES, method="GET", after=2, count=None))  # type: ignore[arg-type]

    with pytest.raises(error) as info:
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    # The message says why; what to do next is the remedy each front end words (messages name none).
    assert needle in info.value.message.lower()
    assert info.value.remedy is remedy
    assert context.parts.mirror.product_count() == 1000  # an interrupted pass removes nothing
    run = context.parts.mirror.runs()[0]
    assert run.outcome is RunOutcome.FAILED
    assert run.error_title == info.value.title
    store.faults.clear()
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    assert mirror_snapshot(context) == store_snapshot(store)


@pytest.mark.parametrize("kind", ["malformed", "truncate", "500"])
def test_a_short_burst_is_retried_and_the_run_succeeds(
    kind: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context = _synced(make_demo_store, make_context)
    store.faults.add_rule(FaultRule(kind=kind, path_contains=PAGES, method="GET", after=1, count=2))  # type: ignore[arg-type]

    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    assert run.outcome is RunOutcome.OK
    assert run.counts.removed == 3
    assert mirror_snapshot(context) == store_snapshot(store)


def test_maintenance_leaves_the_mirror_as_it_was(
    make_demo_store: MakeStore, make_context: MakeContext, expected_warnings: list[logging.LogRecord]
) -> None:
    store, context = _synced(make_demo_store, make_context)
    before = mirror_snapshot(context)
    store.faults.maintenance = True

    with pytest.raises(Maintenance):
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")

    assert mirror_snapshot(context) == before


def test_a_server_that_stops_answering_is_offline(
    make_demo_store: MakeStore, make_context: MakeContext, expected_warnings: list[logging.LogRecord]
) -> None:
    store, context = _synced(make_demo_store, make_context, timeouts=SHORT_TIMEOUTS)
    store.faults.add_rule(FaultRule(kind="hang", path_contains=PAGES, method="GET", after=0, count=None))

    with pytest.raises(Offline) as info:
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    assert "connection" in info.value.message.lower()
    assert context.parts.mirror.product_count() == 1000


def test_a_stopped_store_is_offline(
    make_demo_store: MakeStore, make_context: MakeContext, expected_warnings: list[logging.LogRecord]
) -> None:
    store, context = _synced(make_demo_store, make_context, timeouts=SHORT_TIMEOUTS)
    before = mirror_snapshot(context)
    store.stop()

    with pytest.raises(Offline):
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")

    assert mirror_snapshot(context) == before
    assert context.parts.mirror.runs()[0].error_title == "Offline"


def test_a_date_modified_in_the_future_does_not_move_the_cursor(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    """The next pull starts from the store's clock, not from the newest date_modified seen: a
    product stamped in the future is read again (harmlessly) and nothing else is ever skipped."""
    import time

    store = make_demo_store(products=300)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    future, later = store.catalog.product_ids()[:2]
    store.catalog.update_product(future, name="From the future")
    store.catalog.set_date_modified(future, int(time.time()) + 30 * 86400)

    first = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    store.catalog.update_product(later, name="Changed later")
    second = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")

    assert first.counts.changed == 1
    assert second.counts.changed == 1  # the later change arrives; the future one is unchanged now
    assert context.parts.mirror.get_product(later).name == "Changed later"  # type: ignore[union-attr]
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    cursor = context.parts.mirror.get_cursor("last_pull_started")
    assert cursor is not None
    assert datetime.fromisoformat(cursor) <= datetime.now(UTC) + timedelta(minutes=1)
    assert mirror_snapshot(context) == store_snapshot(store)


def test_a_product_missing_required_fields_is_reported_and_kept(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    from tests.adapters.bigcommerce.rewriting_proxy import RewritingProxy
    from tests.integration.support import connect_context

    store = make_demo_store(products=600)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    broken = store.catalog.product_ids()[300]
    store.catalog.update_product(broken, name="Renamed, but unreadable")
    store.catalog.update_product(broken + 1, name="Renamed and fine")

    def drop_name(product: dict) -> None:  # type: ignore[type-arg]
        if product.get("id") == broken:
            product.pop("name", None)

    with RewritingProxy(store.api_url, drop_name) as proxy:
        context = connect_context(home, store)
        context.parts.mirror.set_store(context.parts.mirror.get_store()[0], proxy.api_url)  # type: ignore[index]
        try:
            run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
            assert run.outcome is RunOutcome.PARTIAL
            assert [p.item for p in run.problems] == [f"product {broken}"]
            assert "name" in run.problems[0].message
            assert run.counts.removed == 0  # it exists in the store: never removed for bad data
            assert context.parts.mirror.get_product(broken).name != "Renamed, but unreadable"  # type: ignore[union-attr]
            assert context.parts.mirror.get_product(broken + 1).name == "Renamed and fine"  # type: ignore[union-attr]
            assert context.parts.mirror.product_count() == 600
        finally:
            context.close()
