"""The store follows the backorder rules (method ``app``), end to end over HTTP with the demo store.

The shopper buys BackOrder products with limits while the app syncs every ``K`` steps; what was
sold beyond each limit is counted from the demo store's own order book, independently of the app.
An order can only get past a limit in the window before the app sees the order that reached it:
no order may take an item beyond its limit once a sync has seen the item at its limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.demo.orders_helpers import FakeClock
from tests.integration.test_orders_ledger import reference

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
K = 5  # shopper steps between two syncs
LIMIT = 4


def _usable(product: dict[str, Any]) -> bool:
    return product["inventory_tracking"] in ("product", "variant") and product["availability"] != "disabled"


def _world(
    make_demo_store: MakeStore, make_context: MakeContext, count: int
) -> tuple[DemoStore, Profile, list[int]]:
    """``count`` BackOrder products (method app), each item at 0 on hand with a limit of ``LIMIT``."""
    store = make_demo_store()
    context = make_context(store)
    context.save_settings({"backorder-method": "app"})
    _sync(context, full=True)
    ids = [pid for pid in store.catalog.product_ids() if _usable(store.catalog.get_product(pid))]
    ids = [
        pid
        for pid in ids
        if all(not v["purchasing_disabled"] for v in store.catalog.get_product(pid)["variants"])
    ]
    ids = ids[:count]
    context.assign([str(pid) for pid in ids])
    _sync(context)
    for item in _items(context):
        context.edit_stock(item, AdjustmentKind.SET, 0)
    context.set_backorder_rules([str(pid) for pid in ids], limit=LIMIT)
    _sync(context)
    store.orders.clock = FakeClock(time.time() + 3600)
    return store, context, ids


def _sync(context: Profile, *, full: bool = False) -> None:
    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=full)
    assert not run.problems, run.problems


def _items(context: Profile) -> list[StockKey]:
    return [item.key for item in context.parts.mirror.stock_items()]  # type: ignore[attr-defined]


def _disabled_in_store(store: DemoStore, key: StockKey) -> bool:
    product = store.catalog.get_product(key.product_id)
    if key.variant_id is None:
        return bool(product["availability"] == "disabled")
    return next(bool(v["purchasing_disabled"]) for v in product["variants"] if v["id"] == key.variant_id)


def _past_limit(levels: dict[StockKey, int]) -> dict[StockKey, int]:
    return {key: -LIMIT - level for key, level in levels.items() if level < -LIMIT}


def test_products_reach_their_limits_and_stop_selling_with_at_most_one_sync_window_past_them(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, ids = _world(make_demo_store, make_context, count=6)
    start = {key: 0 for key in _items(context)}
    shopper = Shopper(store.orders, seed=5, product_ids=ids)
    clock = store.orders.clock
    seen_at_limit: set[StockKey] = set()  # what the app's last sync saw at its limit
    late_orders = 0
    for step in range(300):
        before = reference(store, start, set(ids))
        action = shopper.step()
        clock.advance(7)  # type: ignore[attr-defined]
        after = reference(store, start, set(ids))
        if action.kind == "order":
            grown = {k for k in after if after[k] < -LIMIT and after[k] < before[k]}
            # Never by the app's doing: an item the app saw at its limit takes no order.
            assert not grown & seen_at_limit, (step, grown & seen_at_limit)
            late_orders += bool(grown)
        if step % K == K - 1:
            _sync(context)
            seen_at_limit = {k for k, level in after.items() if level <= -LIMIT}
            for key in seen_at_limit:
                assert _disabled_in_store(store, key), key
    _sync(context)
    final = reference(store, start, set(ids))
    at_limit = {k for k, level in final.items() if level <= -LIMIT}
    assert at_limit, "no product reached its limit"
    assert {k for k in final if _disabled_in_store(store, k)} == at_limit  # and the others sell
    refused = [a for a in shopper.log if a.kind == "refused"]
    assert refused, "the store never refused an order for a disabled item"
    over = _past_limit(final)
    # Reported: orders placed in the window before the next sync (K steps) may pass the limit.
    print(f"\nunits past limits: {sum(over.values())} over {len(over)} items; orders past: {late_orders}")
    assert late_orders <= len(at_limit) * K
    history = context.stock_history(str(next(iter(at_limit)).product_id), limit=1000)
    assert any(
        a.source is AdjustmentSource.TRACKING and "disabled in BigCommerce" in a.reason for a in history
    )


def test_stock_added_re_enables_and_a_merchants_own_change_is_reported_not_overwritten(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, _ids = _world(make_demo_store, make_context, count=2)
    first, second = sorted(_items(context))[:2]
    context.edit_stock(first, AdjustmentKind.SET, -LIMIT)
    context.edit_stock(second, AdjustmentKind.SET, -LIMIT)
    _sync(context)
    assert _disabled_in_store(store, first) and _disabled_in_store(store, second)
    told = [n.title for n in context.notifications()]
    assert sum("purchasing disabled" in t for t in told) == 2

    context.edit_stock(first, AdjustmentKind.ADD, 10)  # stock arrived
    _sync(context)
    assert not _disabled_in_store(store, first)
    assert sum("purchasing enabled again" in n.title for n in context.notifications()) == 1

    # The merchant enables the second in the store's control panel: the app leaves it.
    if second.variant_id is None:
        store.catalog.update_product(second.product_id, availability="available")
    else:
        store.catalog.update_variant(second.variant_id, purchasing_disabled=False)
    _sync(context)
    _sync(context)
    assert not _disabled_in_store(store, second)
    notes = [a.reason for a in context.stock_history(str(second.product_id), limit=100)]
    assert sum("by someone else" in n for n in notes) == 1
    # Until the rule's wish changes: stock returns (enabled), then the limit is reached again.
    context.edit_stock(second, AdjustmentKind.SET, 1)
    _sync(context)
    context.edit_stock(second, AdjustmentKind.SET, -LIMIT)
    _sync(context)
    assert _disabled_in_store(store, second)
