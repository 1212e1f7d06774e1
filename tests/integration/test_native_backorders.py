"""The backorder method ``native`` end to end over HTTP, with a demo store in BigCommerce's backorders beta.

Tracking stays on; the app writes each BackOrder item's limit to the default location through the
product writes (offline-safe, once, in the history), reads back what the store counts, and the store
itself stops selling at the limit: checked against the store's own order book, with the shopper
simulator buying while the app syncs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import httpx
import pytest

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.backorder_rules import RuleState
from backorder_desktop.domain.backorder_rules import shopper_date
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.notifications import NotificationKind
from backorder_desktop.domain.notifications import item_subject
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.demo.orders_helpers import FakeClock
from tests.integration.support import FAST_RETRY

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
K = 5  # shopper steps between two syncs


def _sync(context: Profile, *, full: bool = False) -> None:
    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=full)
    assert not run.problems, run.problems


def _tracked(product: dict[str, Any]) -> bool:
    return (
        product["inventory_tracking"] in ("product", "variant")
        and product["availability"] != "disabled"
        and all(not v["purchasing_disabled"] for v in product["variants"])
    )


def _world(make_demo_store: MakeStore, make_context: MakeContext, count: int, **config: Any) -> tuple[
    DemoStore, Profile, list[int]
]:  # fmt: skip
    """``count`` tracked products of a beta store in BackOrder with the method native."""
    store = make_demo_store(native_backorders=True, **config)
    context = make_context(store)
    context.save_settings({"backorder-method": "native"})
    _sync(context, full=True)
    ids = [pid for pid in store.catalog.product_ids() if _tracked(store.catalog.get_product(pid))][:count]
    context.assign([str(pid) for pid in ids])
    return store, context, ids


def _keys(context: Profile, ids: list[int]) -> list[StockKey]:
    return [item.key for item in context.parts.mirror.stock_items(ids)]  # type: ignore[attr-defined]


def _store_key(key: StockKey) -> tuple[str, int]:
    return ("p", key.product_id) if key.variant_id is None else ("v", key.variant_id)


def _limit_in_store(store: DemoStore, key: StockKey) -> int:
    return int(store.catalog._st.locations.settings(1, _store_key(key)).backorder_limit)


def _no_safety_stock(store: DemoStore, keys: list[StockKey]) -> None:
    """Orders may take all of these items' on hand (a store may keep some back by default)."""
    settings = [
        {
            "identity": {"product_id": k.product_id}
            if k.variant_id is None
            else {"variant_id": k.variant_id},
            "safety_stock": 0,
        }
        for k in keys
    ]
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}, timeout=10.0) as api:
        reply = api.put("/v3/inventory/locations/1/items", json={"settings": settings})
        assert reply.status_code == 200, reply.text


def _limit_notes(context: Profile, key: StockKey) -> list[str]:
    """The records of limits written for ``key``, newest first."""
    history = context.parts.mirror.stock_history(key.product_id)  # type: ignore[attr-defined]
    return [
        a.reason
        for a in history
        if a.key == key and a.source is AdjustmentSource.TRACKING and "backorder limit" in a.reason
    ]


def test_limits_are_written_once_offline_safe_and_what_the_store_counts_is_read_back(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, ids = _world(make_demo_store, make_context, 2, seed=3)
    keys = _keys(context, ids)
    context.set_backorder_rules([str(pid) for pid in ids], limit=5)
    _sync(context)

    for key in keys:
        assert _limit_in_store(store, key) == 5
        assert _limit_notes(context, key) == ["backorder limit 5 written in BigCommerce (BackOrder rule)"]
    assert {store.catalog.get_product(pid)["inventory_tracking"] for pid in ids} <= {"product", "variant"}

    # A limit changed offline waits, and is written once when the store is back.
    port = store.port
    store.stop()
    context.set_backorder_rules([str(ids[0])], limit=7)
    with pytest.raises(Offline):
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    assert context.parts.stock.product_writes_waiting() > 0
    back = make_demo_store(native_backorders=True, seed=3, port=port)  # the same store, reachable again
    _sync(context)
    _sync(context)  # nothing left: nothing written twice
    first = [k for k in keys if k.product_id == ids[0]]
    for key in first:
        assert _limit_in_store(back, key) == 7
        assert _limit_notes(context, key)[0] == "backorder limit 7 written in BigCommerce (BackOrder rule)"
        assert len(_limit_notes(context, key)) == 2
    assert context.parts.stock.product_writes_waiting() == 0

    # Sold past on hand in the store: the app reads what BigCommerce counts.
    key = first[0]
    _no_safety_stock(back, [key])
    on_hand = context.parts.mirror.stock_items([key.product_id])[0].level  # type: ignore[attr-defined]
    line: dict[str, Any] = {"product_id": key.product_id, "quantity": max(on_hand, 0) + 3}
    if key.variant_id is not None:
        line["variant_id"] = key.variant_id
    back.orders.place({"products": [line], "billing_address": {"zip": "78701"}, "status_id": 11})
    _sync(context)
    counted = context.store_backorder_counts()[key]
    assert (counted.qty_backordered, counted.limit) == (3, 7)
    with httpx.Client(base_url=back.base_url, headers={"X-Auth-Token": back.token}, timeout=10.0) as api:
        wanted = {"variant_id:in": key.variant_id} if key.variant_id else {"product_id:in": key.product_id}
        entry = api.get("/v3/inventory/items", params=wanted).json()["data"][0]
    (at,) = [loc for loc in entry["locations"] if loc["location_id"] == 1]
    assert counted.available_to_sell == at["available_to_sell"] >= 0  # as the store says it

    # Unassigned: the store no longer sells it below zero.
    context.unassign([str(ids[1])], outbox=None)
    _sync(context)
    for other in [k for k in keys if k.product_id == ids[1]]:
        assert _limit_in_store(back, other) == 0
        assert _limit_notes(context, other)[0] == "backorder limit 0 written in BigCommerce (left BackOrder)"


def _sold_beyond(
    store: DemoStore, start: dict[StockKey, int], added: dict[StockKey, int], limit: int
) -> dict[StockKey, int]:
    """From the store's own order book: units each item's orders hold beyond on hand + stock added + limit."""
    held: dict[StockKey, int] = dict.fromkeys(start, 0)
    for order_id in store.orders.order_ids():
        for line in store.orders.get(order_id).lines:
            key = StockKey(line.product_id, line.variant_id)
            key = key if key in held else StockKey(line.product_id)
            if key in held:
                held[key] += line.taken
    return {
        k: units - (start[k] + added.get(k, 0) + limit)
        for k, units in held.items()
        if units > start[k] + added.get(k, 0) + limit
    }


def test_with_the_shopper_items_stop_selling_at_their_limits_and_sell_again_when_stock_is_added(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    limit = 3
    store, context, ids = _world(make_demo_store, make_context, 6)
    keys = _keys(context, ids)
    for key in keys:
        context.edit_stock(key, AdjustmentKind.SET, 0)
    context.set_backorder_rules([str(pid) for pid in ids], limit=limit)
    _sync(context)
    assert all(_limit_in_store(store, k) == limit for k in keys)
    store.orders.clock = FakeClock(time.time() + 3600)
    start = dict.fromkeys(keys, 0)

    shopper = Shopper(store.orders, seed=5, product_ids=ids, max_quantity=3)
    for _ in range(16):
        shopper.run(K)
        _sync(context)
        assert _sold_beyond(store, start, {}, limit) == {}
    refused = [a for a in shopper.log if a.kind == "refused" and "out of stock" in a.detail]
    assert refused, "no item reached its limit"
    at_limit = [k for k in keys if store.catalog._st.locations.backordered(_store_key(k)) >= limit]
    assert at_limit
    # The app tells each once, from what the store counts, and its rules read the units owed.
    told = [n for n in context.notifications() if n.kind is NotificationKind.LIMIT_REACHED and not n.ended]
    assert {n.subject for n in told} == {item_subject(k) for k in at_limit}  # the episodes still open
    assert len(told) == len(at_limit)
    views = {v.key: v for v in context.backorder_rules([str(pid) for pid in ids])}
    assert all(views[k].level == -limit and views[k].state is RuleState.AT_LIMIT for k in at_limit)

    # Stock added in the app reaches the store: the items sell again, still never past the limit.
    added = dict.fromkeys(at_limit, 4)
    for key in at_limit:
        context.edit_stock(key, AdjustmentKind.ADD, 4)
    _sync(context)
    before = len(store.orders)
    focused = Shopper(
        store.orders, seed=6, product_ids=sorted({k.product_id for k in at_limit}), max_quantity=2
    )
    for _ in range(6):
        focused.run(K)
        _sync(context)
        assert _sold_beyond(store, start, added, limit) == {}
    assert len(store.orders) > before
    assert any(a.kind == "order" for a in focused.log)
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}, timeout=10.0) as api:
        reply = api.get("/v3/inventory/items", params={"product_id:in": ",".join(map(str, ids))})
        for entry in reply.json()["data"]:
            (at,) = [loc for loc in entry["locations"] if loc["location_id"] == 1]  # the default one
            assert 0 <= at["qty_backordered"] <= limit and at["available_to_sell"] >= 0


class StepClock:
    """The profile's clock: moved only by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def test_a_passed_date_with_units_owed_disables_only_when_chosen_and_stock_enables_again(
    home: str, make_demo_store: MakeStore
) -> None:
    store = make_demo_store(native_backorders=True)
    clock = StepClock(datetime.now(UTC))
    context = open_profile(
        home, env_token=store.token, secret_store=MemorySecretStore(), client_options={"retry": FAST_RETRY},
        clock=clock,
    )  # fmt: skip
    try:
        context.parts.mirror.set_store(StoreInfo(store.store_hash, "Test", "Demo"), store.api_url)
        context.save_settings({"backorder-method": "native"})
        _sync(context, full=True)
        ids = [
            pid
            for pid in store.catalog.product_ids()
            if _tracked(store.catalog.get_product(pid))
            and store.catalog.get_product(pid)["inventory_tracking"] == "product"
        ][:2]
        owed, stocked = StockKey(ids[0]), StockKey(ids[1])
        context.assign([str(pid) for pid in ids])
        due = (clock.now().astimezone() + timedelta(days=2)).date()
        context.set_backorder_rules([str(pid) for pid in ids], limit=5, expected=due, message="Ships {date}")
        _sync(context)
        _no_safety_stock(store, [owed])
        level = context.parts.mirror.stock_items([owed.product_id])[0].level  # type: ignore[attr-defined]
        order = {"product_id": owed.product_id, "quantity": max(level, 0) + 2}
        store.orders.place({"products": [order], "billing_address": {"zip": "78701"}, "status_id": 11})
        # An incremental pull: the strict store, as the live one may, leaves date_modified alone on
        # a stock move, so the order's on-hand move comes with what the store counts.
        _sync(context)
        assert context.parts.mirror.stock_items([owed.product_id])[0].level == 0  # type: ignore[attr-defined]
        assert context.store_backorder_counts()[owed].qty_backordered == 2

        clock.at += timedelta(days=3)  # the supplier slipped
        _sync(context)
        told = [n for n in context.notifications() if n.kind is NotificationKind.DATE_PASSED]
        assert [n.subject for n in told] == [item_subject(owed)]  # told, from what the store counts
        assert store.catalog.get_product(owed.product_id)["availability"] != "disabled"  # not chosen

        context.save_settings({"disable-on-date-passed": "on"})
        _sync(context)
        product = store.catalog.get_product(owed.product_id)
        assert product["availability"] == "disabled"
        assert product["availability_description"] == f"Ships {shopper_date(due)}"
        assert store.catalog.get_product(stocked.product_id)["availability"] != "disabled"  # none owed

        context.edit_stock(owed, AdjustmentKind.ADD, 5)  # the delivery: nothing owed any more
        _sync(context)
        _sync(context)
        assert store.catalog.get_product(owed.product_id)["availability"] == "available"
    finally:
        context.close()


def test_a_store_outside_the_beta_is_told_once_and_its_stock_is_still_written(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store()  # backorders not enabled
    context = make_context(store)
    context.save_settings({"backorder-method": "native"})
    _sync(context, full=True)
    ids = [pid for pid in store.catalog.product_ids() if _tracked(store.catalog.get_product(pid))][:2]
    context.assign([str(pid) for pid in ids])
    key = _keys(context, ids)[0]
    context.edit_stock(key, AdjustmentKind.SET, 9)
    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    (problem,) = run.problems
    assert problem.item == "backorder limits" and "switch the backorder method to app" in problem.message
    assert context.parts.mirror.stock_items([key.product_id])[0].store_level == 9  # type: ignore[attr-defined]
    _sync(context)  # told once: not sent again until the rules or the method change
