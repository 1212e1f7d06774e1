"""No lost updates between desktops: three processes, each its own store on one team database, add
ledger entries to the same items at the same moment, and every entry counts.

"Level = last level + change" reads the item and writes it back: without the store's repeatable-read
transactions (run again when another desktop's write got there first) two desktops reading the same
level would each write their own sum, and one change would be lost.
"""

from __future__ import annotations

import itertools
import multiprocessing
import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from multiprocessing.synchronize import Barrier

from backorder_desktop.adapters.storage import open_team_mirror
from backorder_desktop.domain.orders import Order
from backorder_desktop.domain.orders import OrderLine
from backorder_desktop.domain.orders import OrderStatus
from backorder_desktop.domain.orders import RestoreOn
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

DESKTOPS = 3
ENTRIES = 300
ITEMS = [StockKey(pid) for pid in range(1, 11)]
START = 50
WAIT_S = 120  # generous: three processes' start-up on a busy machine


def desktop(url: str, name: str, seed: int, barrier: Barrier, results: multiprocessing.Queue[object]) -> None:
    """One desktop: ``ENTRIES`` adds and removes over ``ITEMS``, started with the others at once.
    Puts each item's net change (or the error) on ``results``."""
    try:
        store = open_team_mirror(url)
        rng = random.Random(seed)
        net: defaultdict[StockKey, int] = defaultdict(int)
        barrier.wait(WAIT_S)
        for number in range(ENTRIES):
            key = rng.choice(ITEMS)
            quantity = rng.randint(1, 5)
            kind = AdjustmentKind.ADD if rng.random() < 0.5 else AdjustmentKind.REMOVE
            at = datetime.now(UTC) + timedelta(microseconds=number)
            store.adjust_stock(key, kind, quantity, source=AdjustmentSource.PERSON, actor=name, at=at)
            net[key] += quantity if kind is AdjustmentKind.ADD else -quantity
        store.close()
        results.put((name, dict(net)))
    except BaseException as exc:  # the test shows it
        results.put((name, repr(exc)))


def test_three_desktops_adding_at_once_lose_no_ledger_entry(postgres_url: str) -> None:
    store = open_team_mirror(postgres_url)
    try:
        store.apply_products(
            [make_product(key.product_id, stock=START) for key in ITEMS],
            pass_id=None,
            keep_backorder_stock=False,
        )
        store.assign([key.product_id for key in ITEMS], by="setup", at=T0)
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(DESKTOPS)
        results: multiprocessing.Queue[object] = context.Queue()
        processes = [
            context.Process(target=desktop, args=(postgres_url, f"desk{n}", n, barrier, results))
            for n in range(DESKTOPS)
        ]
        for process in processes:
            process.start()
        answers = dict(results.get(timeout=WAIT_S * 3) for _ in processes)  # type: ignore[misc]
        for process in processes:
            process.join(WAIT_S)
        failed = {name: answer for name, answer in answers.items() if not isinstance(answer, dict)}
        assert not failed

        expected = {key: START for key in ITEMS}
        for net in answers.values():
            assert isinstance(net, dict)
            for key, change in net.items():
                expected[key] += change
        levels = {item.key: item.level for item in store.stock_items()}
        assert levels == expected
        for key in ITEMS:
            entries = sorted(
                store.stock_history(key.product_id, limit=DESKTOPS * ENTRIES), key=lambda a: a.id or 0
            )
            # Each entry starts from the level the one before it left: none was written over another.
            assert all(b.level_before == a.level_after for a, b in itertools.pairwise(entries))
            assert entries[-1].level_after == expected[key]
        total = sum(len(store.stock_history(key.product_id, limit=DESKTOPS * ENTRIES)) for key in ITEMS)
        assert total == DESKTOPS * ENTRIES
        assert {entry.actor for key in ITEMS for entry in store.stock_history(key.product_id)} == {
            f"desk{n}" for n in range(DESKTOPS)
        }
    finally:
        store.close()


ORDERS = 120
AWAITING = OrderStatus.AWAITING_FULFILLMENT
ORDER_BATCH = 4


def leader(url: str, barrier: Barrier, results: multiprocessing.Queue[object]) -> None:
    """The sync leader counting store orders (one line each, by batches) into the same items while
    a person edits them elsewhere. Puts each item's units sold (or the error) on ``results``."""
    try:
        store = open_team_mirror(url)
        rng = random.Random(99)
        sold: defaultdict[StockKey, int] = defaultdict(int)
        placed = T0 + timedelta(hours=1)
        orders = []
        for number in range(ORDERS):
            key = rng.choice(ITEMS)
            quantity = rng.randint(1, 3)
            sold[key] += quantity
            line = OrderLine(50_000 + number, 0, key.product_id, None, f"P{key.product_id}", "x", quantity)
            orders.append(Order(10_000 + number, AWAITING, placed, placed, "Jo", (line,)))
        barrier.wait(WAIT_S)
        for first in range(0, ORDERS, ORDER_BATCH):
            batch = orders[first : first + ORDER_BATCH]
            store.apply_orders(batch, restore_on=RestoreOn.BOTH, at=datetime.now(UTC))
        store.close()
        results.put(("leader", dict(sold)))
    except BaseException as exc:  # the test shows it
        results.put(("leader", repr(exc)))


def test_orders_counted_by_the_leader_and_edits_elsewhere_both_count(postgres_url: str) -> None:
    """The orders count reads the items with the assignments (an outer join) and writes each level
    back whole: the same protection holds there as for a person's edit."""
    store = open_team_mirror(postgres_url)
    try:
        store.apply_products(
            [make_product(key.product_id, stock=START) for key in ITEMS],
            pass_id=None,
            keep_backorder_stock=True,
        )
        store.save_settings(replace(store.load_settings(), backorder_method=BackorderMethod.APP))
        store.assign([key.product_id for key in ITEMS], by="setup", at=T0)
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(2)
        results: multiprocessing.Queue[object] = context.Queue()
        processes = [
            context.Process(target=leader, args=(postgres_url, barrier, results)),
            context.Process(target=desktop, args=(postgres_url, "desk", 5, barrier, results)),
        ]
        for process in processes:
            process.start()
        answers = dict(results.get(timeout=WAIT_S * 3) for _ in processes)  # type: ignore[misc]
        for process in processes:
            process.join(WAIT_S)
        assert all(isinstance(answer, dict) for answer in answers.values()), answers
        expected = {key: START for key in ITEMS}
        for key, units in answers["leader"].items():  # type: ignore[union-attr]
            expected[key] -= units
        for key, change in answers["desk"].items():  # type: ignore[union-attr]
            expected[key] += change
        assert {item.key: item.level for item in store.stock_items()} == expected
        assert sum(store.order_lines_counted().values()) == sum(answers["leader"].values())  # type: ignore[union-attr]
    finally:
        store.close()
