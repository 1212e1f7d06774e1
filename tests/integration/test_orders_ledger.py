"""Orders enter the ledger exactly once, end to end over HTTP with the demo store's shopper.

The reference count is computed here from the demo store's own order book (its orders, statuses,
lines and refunds), independently of the app's rules: a line of a BackOrder product counts its
quantity less what was refunded, nothing when its order is incomplete, declined, cancelled or
refunded (the default *restore stock on*: both), and only for orders placed after the assignment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.orders import ORDERS_CURSOR
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.demo.orders_helpers import FakeClock
from tests.integration.cli_runner import run_cli

NOT_SALES = {0, 4, 5, 6}  # incomplete, refunded, cancelled, declined


def _key(start: dict[StockKey, int], product_id: int, variant_id: int | None) -> StockKey:
    """The item a line counts against: the variant's when the product kept stock per variant."""
    variant = StockKey(product_id, variant_id)
    return variant if variant in start else StockKey(product_id)


def reference(store: DemoStore, start: dict[StockKey, int], assigned: set[int]) -> dict[StockKey, int]:
    """Each BackOrder item's level from the store's order book: start minus what its lines count."""
    levels = dict(start)
    for order_id in store.orders.order_ids():
        order = store.orders.get(order_id)
        if order.status_id in NOT_SALES:
            continue
        for line in order.lines:
            if line.product_id in assigned:
                key = _key(start, line.product_id, line.variant_id)
                levels[key] -= line.quantity - line.quantity_refunded
    return levels


def backorder_world(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile], products: int = 50
) -> tuple[DemoStore, Profile, list[int], dict[StockKey, int]]:
    """A synced profile with ``products`` BackOrder products whose stock the store no longer tracks
    (as the app method leaves them), and the store's orders dated after the assignment."""
    store = make_demo_store()
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    ids = [pid for pid in store.catalog.product_ids() if _tracked(store.catalog.get_product(pid))][:products]
    context.parts.catalog.set_setting("backorder-method", "app")  # the store stops counting them
    context.assign([str(pid) for pid in ids])
    start = {item.key: item.level for item in context.parts.mirror.stock_items()}  # type: ignore[attr-defined]
    for pid in ids:
        store.catalog.update_product(pid, inventory_tracking="none")
    clock = FakeClock(time.time() + 3600)
    store.orders.clock = clock
    return store, context, ids, start


def _tracked(product: dict[str, Any]) -> bool:
    return product["inventory_tracking"] in ("product", "variant") and product["availability"] != "disabled"


def levels(context: Profile) -> dict[StockKey, int]:
    return {item.key: item.level for item in context.parts.mirror.stock_items()}  # type: ignore[attr-defined]


def test_500_shopper_steps_leave_every_backorder_level_at_the_reference_count(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    store, context, ids, start = backorder_world(make_demo_store, make_context)
    shopper = Shopper(store.orders, seed=11, product_ids=ids)
    clock = store.orders.clock
    for step in range(500):
        shopper.step()
        clock.advance(7)  # type: ignore[attr-defined]
        if step % 10 == 9:
            context.pull_orders()
    context.pull_orders()
    kinds = {action.kind for action in shopper.log}
    assert {"order", "cancel", "refund", "partial_refund", "edit"} <= kinds
    expected = reference(store, start, set(ids))
    assert levels(context) == expected
    assert any(level < 0 for level in expected.values())  # units were sold on backorder

    # Everything seen again (the cursor gone: every order read anew) moves nothing.
    entries = sum(len(context.stock_history(str(pid), limit=10_000)) for pid in ids)
    context.parts.mirror.set_cursor(ORDERS_CURSOR, None)
    again = context.pull_orders()
    assert again.orders >= len(store.orders.order_ids()) - 1 and again.entries == 0
    assert levels(context) == expected
    assert sum(len(context.stock_history(str(pid), limit=10_000)) for pid in ids) == entries

    status = context.status()
    assert status.backordered_units == sum(-level for level in expected.values() if level < 0)
    owed = context.owed_orders(limit=10_000)
    assert status.orders_waiting == len(owed) > 0
    assert [o.date_created for o in owed] == sorted(o.date_created for o in owed)


def test_a_webhook_and_a_poll_for_the_same_order_move_it_once(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    store, context, ids, start = backorder_world(make_demo_store, make_context, products=3)
    shopper = Shopper(store.orders, seed=3, product_ids=ids)
    order_id = next(a.order_id for a in iter(shopper.step, None) if a.kind == "order" and a.order_id)
    orders = context.parts.orders
    assert orders is not None
    first = orders.ingest_order(order_id)  # the webhook's fetch
    assert orders.ingest_order(order_id).entries == 0  # delivered twice
    assert context.pull_orders().entries == 0  # and polled
    assert first.entries == len({line.id for line in store.orders.get(order_id).lines}) > 0
    assert levels(context) == reference(store, start, set(ids))
    history = context.stock_history(str(store.orders.get(order_id).lines[0].product_id))
    assert history[0].source is AdjustmentSource.ORDER and history[0].reason.startswith(
        f"order #{order_id}, "
    )

    store.orders.update(order_id, {"status_id": 5})  # cancelled: the units come back, once
    store.orders.clock.advance(5)  # type: ignore[attr-defined]
    orders.ingest_order(order_id)
    assert context.pull_orders().entries == 0
    assert levels(context) == start


def test_the_orders_command_lists_what_waits_oldest_first(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile], home: str
) -> None:
    store, context, ids, _start = backorder_world(make_demo_store, make_context, products=5)
    Shopper(store.orders, seed=5, product_ids=ids).run(40)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    listed = run_cli(home, "orders", "--pull", "--json", env=env)
    assert listed.code == 0, listed.stderr
    rows = listed.json()
    assert rows and [r["date_created"] for r in rows] == sorted(r["date_created"] for r in rows)
    assert all(r["units"] == sum(line["units"] for line in r["lines"]) > 0 for r in rows)
    status = run_cli(home, "status", "--json", env=env).json()
    assert status["orders_waiting"] == len(rows)
    products = run_cli(home, "products", "--backorder", "--json", env=env).json()
    assert sum(p["backordered"] for p in products) == status["backordered_units"]
    text = run_cli(home, "orders", env=env)
    assert text.code == 0 and f"#{rows[0]['order_id']}" in text.stdout.splitlines()[0]
