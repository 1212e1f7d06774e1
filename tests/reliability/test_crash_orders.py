"""Crash harness for order ingestion: ``orders --pull`` killed with SIGKILL at seeded points.

Over HTTP with the demo store's shopper: 50 BackOrder products (the app method: the store no
longer counts their stock) take 500 orders with cancels, refunds, partial refunds and edits. Each
round the shopper acts ten times, then the real command reads the orders in a child process that
is killed at a seeded point it reaches (``KillPoints``): a statement on the stock tables, mostly
inside the transaction that counts a page of orders, or just after that transaction committed.
Every round is killed (about 70 kills a run). After every kill the database must be
consistent: each BackOrder level is its start less what its stored lines counted, and the ledger's
order entries add up to the same (a page counted wholly or not at all). At the end one clean run
catches up: every level equals the reference count from the store's own order book, and every
order line counted exactly what that book says it owes (none counted twice, none missed).

The children are forked from one warm helper (``crash_zygote.py``): each is still the real
command in a process of its own, without paying the command's import for each of the ~70 kills.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.integration.test_orders_ledger import NOT_SALES
from tests.integration.test_orders_ledger import backorder_world
from tests.integration.test_orders_ledger import levels
from tests.integration.test_orders_ledger import reference
from tests.reliability.budget import SEED
from tests.reliability.crash_world import ChildResult
from tests.reliability.crash_zygote import WarmChildren

PRODUCTS = 50
ORDERS = 500  # placed by the shopper, beside its cancels, refunds and edits
STEPS_PER_ROUND = 10  # a kill at every tenth step
KILLS = 30  # at least this many kills inside order ingestion per run
PROBED_SHARE = 0.5  # of the rounds: the kill point is taken from a probe of the same pull


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


@dataclass
class KillPoints:
    """Where each round's pull is killed, always at a point the pull reaches.

    A probe runs the same command unkilled on a copy of the profile (it only reads the store) and
    says how many statements on the stock tables the pull runs, and after which commit its last
    ledger entry was durable. Half the rounds are probed: their pull is killed just after that
    commit (counted, then killed: the next pull reads those orders again and must move nothing) or
    at any of its stock statements. The other rounds are killed among the first four fifths of the
    last size seen (before or inside a page's counting transaction, which must then count
    nothing); a pull that ends before it is probed and run again, so that the round is killed too.
    """

    children: WarmChildren
    home: Path
    dry_run: Path
    rng: random.Random
    size: int = 0  # stock statements of the last pull seen whole
    after_commit: int = 0

    def probe(self) -> str:
        shutil.rmtree(self.dry_run, ignore_errors=True)
        shutil.copytree(self.home, self.dry_run)
        probe = self.children.run("orders", "--pull", "--json", home=self.dry_run)
        assert probe.code == 0 and probe.counts is not None, probe.stderr
        self.size = probe.counts["stock"]
        if self.rng.random() < 0.5 and "stock-commit" in probe.counts:
            self.after_commit += 1
            return f"after-commit:{probe.counts['stock-commit']}"
        return f"stock:{self.rng.randint(1, self.size)}"

    def kill_pull(self) -> ChildResult:
        probed = not self.size or self.rng.random() < PROBED_SHARE
        kill_at = self.probe() if probed else f"stock:{self.rng.randint(1, max(1, self.size * 4 // 5))}"
        result = self.children.run("orders", "--pull", "--json", kill_at=kill_at)
        if not result.killed and not probed:
            assert result.code == 0 and result.counts is not None, result.stderr
            self.size = result.counts["stock"]
            result = self.children.run("orders", "--pull", "--json", kill_at=self.probe())
        return result


def owed_by_line(store: DemoStore, assigned: set[int]) -> dict[int, int]:
    """Line id → units the store's order book says the line takes from stock (lines that take any)."""
    owed = {}
    for order_id in store.orders.order_ids():
        order = store.orders.get(order_id)
        if order.status_id in NOT_SALES:
            continue
        for line in order.lines:
            if line.product_id in assigned and line.quantity > line.quantity_refunded:
                owed[line.id] = line.quantity - line.quantity_refunded
    return owed


def test_500_orders_killed_at_every_tenth_step_are_counted_exactly_once(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile], home: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    print(f"crash orders seed {SEED}")
    store, context, ids, start = backorder_world(make_demo_store, make_context, products=PRODUCTS)
    assert len(ids) == PRODUCTS
    database = Path(context.info.database_path)
    context.close()
    shopper = Shopper(store.orders, seed=rng.randrange(2**31), product_ids=ids)
    clock = store.orders.clock
    kills = rounds = 0
    with WarmChildren(Path(home), store.token) as children:
        points = KillPoints(children, Path(home), tmp_path / "dry-run", rng)
        while len(store.orders) < ORDERS:
            rounds += 1
            shopper.run(STEPS_PER_ROUND)
            clock.advance(30)  # type: ignore[attr-defined]
            result = points.kill_pull()
            assert result.killed, (rounds, result.code, result.stderr)
            kills += 1
            lines, entries = counted_by_item(database)
            now = levels_of(database)
            for key, level in start.items():
                assert now[key] == level - lines.get(key, 0), (rounds, key)
                assert entries.get(key, 0) == lines.get(key, 0), (rounds, key)
        orders = len(store.orders)
        print(f"{kills} kills in {rounds} rounds, {points.after_commit} after a commit; {orders} orders")
        assert kills >= KILLS and points.after_commit >= KILLS // 3

        clean = children.run("orders", "--pull")
        assert not clean.killed and clean.code == 0, clean.stderr
    kinds = {action.kind for action in shopper.log}
    assert {"order", "cancel", "refund", "partial_refund", "edit"} <= kinds
    check = make_context(store)
    expected = reference(store, start, set(ids))
    assert levels(check) == expected
    assert any(level < 0 for level in expected.values())  # units were sold on backorder
    counted = check.parts.mirror.order_lines_counted(ids)  # type: ignore[attr-defined]
    assert {line: units for line, units in counted.items() if units} == owed_by_line(store, set(ids))


def levels_of(database: Path) -> dict[StockKey, int]:
    with closing(sqlite3.connect(database)) as conn:
        return {
            StockKey(pid, vid or None): level
            for pid, vid, level in conn.execute("SELECT product_id, variant_id, level FROM stock_items")
        }
