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

The same rounds run on a team profile (its database on PostgreSQL, moved there by ``team
create``), fewer of them (``BACKORDER_TEAM_CRASH_ORDERS``): the consistency checks read the
database through the team store's own read transaction, and the probe runs on a copy of the team
database (``CREATE DATABASE … TEMPLATE``) named by the probe profile's ``team.json``.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import closing
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from backorder_desktop.adapters.storage.pg_store import open_team_mirror
from backorder_desktop.adapters.team_config import DesktopFiles
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.fixtures_postgres import PostgresServer
from tests.integration.test_orders_ledger import NOT_SALES
from tests.integration.test_orders_ledger import backorder_world
from tests.integration.test_orders_ledger import levels
from tests.integration.test_orders_ledger import reference
from tests.reliability.budget import SEED
from tests.reliability.budget import TEAM_CRASH_ORDERS
from tests.reliability.crash_world import ChildResult
from tests.reliability.crash_zygote import WarmChildren
from tests.reliability.team_backend import make_team

PRODUCTS = 50
ORDERS = 500  # placed by the shopper, beside its cancels, refunds and edits
STEPS_PER_ROUND = 10  # a kill at every tenth step
KILLS = 30  # at least this many kills inside order ingestion per run
PROBED_SHARE = 0.5  # of the rounds: the kill point is taken from a probe of the same pull

Reader = Callable[[], AbstractContextManager[Any]]  # a connection to read the profile's tables with


def file_reader(database: Path) -> Reader:
    """The profile's own SQLite file, read directly (the child is dead: nothing else writes)."""
    return lambda: closing(sqlite3.connect(database))


def team_reader(url: str) -> Reader:
    """A team database, read through the team store's own read transaction (the same SQL)."""

    @contextmanager
    def reading() -> Iterator[Any]:
        store = open_team_mirror(url)
        try:
            with store._reading() as conn:
                yield conn
        finally:
            store.close()

    return reading


@dataclass
class TeamCopy:
    """For a team profile's probe: a copy of the team database, named by the probe's ``team.json``."""

    server: PostgresServer
    url: str

    @property
    def name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    def into(self, probe_home: Path) -> None:
        copy = f"{self.name}_probe"
        with self.server.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{self.name}"')
        DesktopFiles(probe_home / "config").write_team(self.server.url(copy), "probe")

    def drop(self) -> None:
        with self.server.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}_probe" WITH (FORCE)')


def counted_by_item(read: Reader) -> tuple[dict[StockKey, int], dict[StockKey, int]]:
    """Per stock item: units its stored lines counted, and units its order ledger entries moved."""
    lines: dict[StockKey, int] = defaultdict(int)
    entries: dict[StockKey, int] = defaultdict(int)
    with read() as conn:
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
    team: TeamCopy | None = None  # a team profile's database, copied for each probe
    size: int = 0  # stock statements of the last pull seen whole
    after_commit: int = 0

    def probe(self) -> str:
        shutil.rmtree(self.dry_run, ignore_errors=True)
        shutil.copytree(self.home, self.dry_run)
        if self.team is not None:
            self.team.into(self.dry_run)
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
    store, context, ids, start = backorder_world(make_demo_store, make_context, products=PRODUCTS)
    read = file_reader(Path(context.info.database_path))
    context.close()
    kill_every_round(store, ids, start, read, Path(home), tmp_path, orders=ORDERS, kills=KILLS)
    check_against_the_order_book(store, make_context(store), ids, start)


def test_orders_killed_at_every_tenth_step_on_a_team_database_are_counted_exactly_once(
    make_demo_store: Callable[..., DemoStore],
    make_context: Callable[..., Profile],
    home: str,
    tmp_path: Path,
    postgres_server: PostgresServer,
    postgres_url: str,
    keyring_store: object,
) -> None:
    """The leader killed while it counts a page of orders into the shared ledger."""
    store, context, ids, start = backorder_world(make_demo_store, make_context, products=PRODUCTS)
    make_team(context, postgres_url, Path(home))
    team = TeamCopy(postgres_server, postgres_url)
    try:
        kill_every_round(
            store,
            ids,
            start,
            team_reader(postgres_url),
            Path(home),
            tmp_path,
            orders=TEAM_CRASH_ORDERS,
            kills=TEAM_CRASH_ORDERS * KILLS // ORDERS,
            team=team,
        )
    finally:
        team.drop()
    check = make_context(store)
    assert check.info.database_path.startswith(team.name), check.info.database_path
    check_against_the_order_book(store, check, ids, start)


def kill_every_round(
    store: DemoStore,
    ids: list[int],
    start: dict[StockKey, int],
    read: Reader,
    home: Path,
    tmp_path: Path,
    *,
    orders: int,
    kills: int,
    team: TeamCopy | None = None,
) -> None:
    """Rounds of shopper steps, each ended by a killed pull, until ``orders`` orders were placed;
    the database consistent after every kill; then one clean pull."""
    rng = random.Random(SEED)
    print(f"crash orders seed {SEED}")
    shopper = Shopper(store.orders, seed=rng.randrange(2**31), product_ids=ids)
    clock = store.orders.clock
    killed = rounds = 0
    with WarmChildren(home, store.token) as children:
        points = KillPoints(children, home, tmp_path / "dry-run", rng, team=team)
        while len(store.orders) < orders:
            rounds += 1
            shopper.run(STEPS_PER_ROUND)
            clock.advance(30)  # type: ignore[attr-defined]
            result = points.kill_pull()
            assert result.killed, (rounds, result.code, result.stderr)
            killed += 1
            lines, entries = counted_by_item(read)
            now = levels_of(read)
            for key, level in start.items():
                assert now[key] == level - lines.get(key, 0), (rounds, key)
                assert entries.get(key, 0) == lines.get(key, 0), (rounds, key)
        placed = len(store.orders)
        print(f"{killed} kills in {rounds} rounds, {points.after_commit} after a commit; {placed} orders")
        assert killed >= kills and points.after_commit >= kills // 3

        clean = children.run("orders", "--pull")
        assert not clean.killed and clean.code == 0, clean.stderr
    kinds = {action.kind for action in shopper.log}
    assert {"order", "cancel", "refund", "partial_refund", "edit"} <= kinds


def check_against_the_order_book(
    store: DemoStore, check: Profile, ids: list[int], start: dict[StockKey, int]
) -> None:
    """Every level is the store's order book's count; every line counted what the book says."""
    expected = reference(store, start, set(ids))
    assert levels(check) == expected
    assert any(level < 0 for level in expected.values())  # units were sold on backorder
    counted = check.parts.mirror.order_lines_counted(ids)  # type: ignore[attr-defined]
    assert {line: units for line, units in counted.items() if units} == owed_by_line(store, set(ids))


def levels_of(read: Reader) -> dict[StockKey, int]:
    with read() as conn:
        return {
            StockKey(pid, vid or None): level
            for pid, vid, level in conn.execute("SELECT product_id, variant_id, level FROM stock_items")
        }
