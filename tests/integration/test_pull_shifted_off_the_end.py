"""An incremental pull whose last page shifts away: the change that moved onto an already-read page
past the last id seen is re-asked by id, not left stale until a full pull."""

from __future__ import annotations

from collections.abc import Callable

from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.services.profile import Profile

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def _pulled(make_demo_store: MakeStore, make_context: MakeContext) -> tuple[DemoStore, Profile]:
    """A profile with the store's 30 products pulled, paging by 10 from then on."""
    store = make_demo_store(products=30)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger=RunTrigger.CLI, full=True)
    context.parts.engine.page_limit = 10
    return store, context


def _pull_while_the_first_change_is_deleted(store: DemoStore, context: Profile) -> SyncRun:
    """An incremental pull during which, before its 2nd page is served, the 1st changed product is deleted."""
    store.faults.add_rule(
        FaultRule(kind="delete_while_paging", path_contains="catalog/products", method="GET", after=1)
    )
    return context.parts.engine.sync(kind=RunKind.MANUAL, trigger=RunTrigger.CLI)


def test_a_change_shifted_off_the_last_page_is_not_missed(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context = _pulled(make_demo_store, make_context)
    changed = store.catalog.product_ids()[:11]  # two pages: ten changes, then one
    for pid in changed:
        store.catalog.update_product(pid, name=f"Renamed {pid}")

    run = _pull_while_the_first_change_is_deleted(store, context)

    assert not run.full
    assert changed[0] not in store.catalog.product_ids()
    last = changed[10]  # the only one on page 2 before the deletion, last of page 1 after it
    assert context.parts.mirror.get_product(last).name == f"Renamed {last}"  # type: ignore[union-attr]
    names = {p.id: p.name for p in context.parts.mirror.search_products("")}
    assert [pid for pid in changed[1:] if names[pid] != f"Renamed {pid}"] == []


def test_a_new_product_shifted_off_the_last_page_is_not_missed(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context = _pulled(make_demo_store, make_context)
    changed = store.catalog.product_ids()[:10]
    for pid in changed:
        store.catalog.update_product(pid, name=f"Renamed {pid}")
    created = {
        "name": "New since the last pull",
        "type": "physical",
        "weight": 1,
        "price": 3.5,
        "sku": "NEW-1",
    }
    store.catalog.create_product(created)  # the eleventh change: alone on page 2, above every id
    new_id = max(store.catalog.product_ids())

    run = _pull_while_the_first_change_is_deleted(store, context)

    assert not run.full
    assert changed[0] not in store.catalog.product_ids()
    mirrored = context.parts.mirror.get_product(new_id)  # the mirror never held it: no re-ask by id knows it
    assert mirrored is not None and mirrored.name == "New since the last pull"
