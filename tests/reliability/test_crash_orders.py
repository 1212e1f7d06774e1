"""Crash harness for order ingestion: ``orders --pull`` killed with SIGKILL at seeded points.

Each round the demo store's shopper acts ten times (orders, cancels, refunds, edits), then the real
command reads the orders in a child process that is killed at a seeded statement touching the stock
tables (inside the transaction that counts a page of orders). After every kill the database must be
consistent: each BackOrder level is its start less what its stored lines counted, and the ledger's
order entries add up to the same (a page counted wholly or not at all). At the end one clean run
catches up and every level equals the reference count from the store's own order book.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.integration.test_orders_ledger import backorder_world
from tests.integration.test_orders_ledger import levels
from tests.integration.test_orders_ledger import reference
from tests.reliability.budget import SEED
from tests.reliability.crash_world import World

KILLS = 30  # at least this many kills inside order ingestion per run


def counted_by_item(database: Path) -> tuple[dict[StockKey, int], dict[StockKey, int]]:
    """Per stock item: units its stored lines counted, and units its order ledger entries moved."""
    lines: dict[StockKey, int] = defaultdict(int)
    entries: dict[StockKey, int] = defaultdict(int)
    with closing(sqlite3.connect(database)) as conn:
        for pid, vid, counted in conn.execute(
            "SELECT product_id, item_variant_id, SUM(counted) FROM order_lines GROUP BY 1, 2"
        ):
            lines[StockKey(pid, vid or None)] += counted
        for pid, vid, kind, quantity in conn.execute(
            "SELECT product_id, variant_id, kind, quantity FROM stock_adjustments WHERE source = 'order'"
        ):
            entries[StockKey(pid, vid or None)] += quantity if kind == "remove" else -quantity
    return dict(lines), dict(entries)


def test_orders_killed_at_seeded_points_are_counted_exactly_once(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile], home: str
) -> None:
    rng = random.Random(SEED)
    print(f"crash orders seed {SEED}")
    store, context, ids, start = backorder_world(make_demo_store, make_context, products=12)
    database = Path(context.info.database_path)
    context.close()
    world = World(store=store, home=Path(home), rng=rng)
    shopper = Shopper(store.orders, seed=rng.randrange(2**31), product_ids=ids)
    clock = store.orders.clock
    kills = rounds = 0
    while kills < KILLS and rounds < 3 * KILLS:
        rounds += 1
        shopper.run(10)
        clock.advance(30)  # type: ignore[attr-defined]
        result = world.run_child("orders", "--pull", "--json", kill_at=f"stock:{rng.randint(1, 40)}")
        assert result.killed or result.code == 0, result.stderr
        kills += result.killed
        lines, entries = counted_by_item(database)
        now = levels_of(database)
        for key, level in start.items():
            assert now[key] == level - lines.get(key, 0), (rounds, key)
            assert entries.get(key, 0) == lines.get(key, 0), (rounds, key)
    assert kills >= KILLS, f"only {kills} kills in {rounds} rounds"

    clean = world.run_child("orders", "--pull")
    assert not clean.killed and clean.code == 0, clean.stderr
    check = world.context()
    try:
        assert levels(check) == reference(store, start, set(ids))
    finally:
        check.close()


def levels_of(database: Path) -> dict[StockKey, int]:
    with closing(sqlite3.connect(database)) as conn:
        return {
            StockKey(pid, vid or None): level
            for pid, vid, level in conn.execute("SELECT product_id, variant_id, level FROM stock_items")
        }
