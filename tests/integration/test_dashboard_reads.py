"""The dashboard's figures against the database, over a ledger the demo store's orders wrote day by day.

The world: BackOrder products sold on backorder for 40 days (the profile's clock steps a day at a
time, the demo store's shopper orders, cancels and refunds, the app counts the orders), then
limits, incoming units and expected dates on a few of them. The references are computed here
from the raw rows (stock items, rules, ledger) with the domain's rules, not with the app's SQL: the
chart's points by replaying each item's ledger entries to the end of each local day.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time as day_start
from datetime import timedelta
from datetime import tzinfo
from typing import Any

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import local_zone
from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import date_passed
from backorder_desktop.domain.backorder_rules import limit_reached
from backorder_desktop.domain.backorder_rules import near_limit
from backorder_desktop.domain.dashboard import Dashboard
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.demo.orders_helpers import FakeClock
from tests.integration.support import FAST_RETRY

DAYS = 40


class StepClock:
    """The profile's clock: UTC, moved only by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class World:
    store: DemoStore
    profile: Profile
    ids: list[int]
    clock: StepClock
    home: str


def dashboard_world(
    make_demo_store: Callable[..., DemoStore], home: str, products: int = 12, **store_options: Any
) -> World:
    """A profile over a demo store with ``DAYS`` days of backorder sales in its ledger, and rules."""
    store = make_demo_store(**store_options)
    clock = StepClock(datetime.now(UTC) - timedelta(days=DAYS))
    profile = open_profile(
        home,
        env_token=store.token,
        secret_store=MemorySecretStore(),
        client_options={"retry": FAST_RETRY},
        clock=clock,
    )
    profile.parts.mirror.set_store(StoreInfo(store.store_hash, "Dana's Bikes", "Plus"), store.api_url)
    profile.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    ids = [
        pid
        for pid in store.catalog.product_ids()
        if store.catalog.get_product(pid)["inventory_tracking"] in ("product", "variant")
        and store.catalog.get_product(pid)["availability"] != "disabled"
    ][:products]
    profile.parts.catalog.set_setting("backorder-method", "app")  # the app counts the orders
    profile.assign([str(pid) for pid in ids])
    for pid in ids:
        store.catalog.update_product(pid, inventory_tracking="none")
    store.orders.clock = FakeClock(time.time() + 3600)  # placed after the assignment
    shopper = Shopper(store.orders, seed=19, product_ids=ids)
    for _day in range(DAYS):
        clock.at += timedelta(days=1)
        for _ in range(8):
            shopper.step()
            store.orders.clock.advance(7)  # type: ignore[attr-defined]
        profile.pull_orders()
    _set_rules(profile, clock)
    return World(store, profile, ids, clock, home)


def _set_rules(profile: Profile, clock: StepClock) -> None:
    """Limits that put one item at its limit and one near it, a date in 3 days, one in 20, and one
    that has passed (saved as an older version would have: the window refuses past dates)."""
    today = clock.now().astimezone(local_zone()).date()
    owed = sorted((i for i in _items(profile) if i[1] < 0), key=lambda i: (i[1], i[0]))
    assert len(owed) >= 5, "the shopper sold too little on backorder for this test"
    (at_key, at_level), (near_key, near_level), (soon_key, _), (later_key, _), (passed_key, _) = owed[:5]
    rules = {
        at_key: BackorderRule(limit=-at_level),
        near_key: BackorderRule(limit=-near_level + 1),
        soon_key: BackorderRule(incoming=12, expected=today + timedelta(days=3)),
        later_key: BackorderRule(incoming=5, expected=today + timedelta(days=20)),
        passed_key: BackorderRule(expected=today - timedelta(days=2)),
    }
    profile.parts.mirror.save_backorder_rules(rules, by="test", at=clock.now())


def _items(profile: Profile) -> list[tuple[StockKey, int]]:
    return [(item.key, item.level) for item in profile.parts.mirror.stock_items()]  # type: ignore[attr-defined]


def _products(keys: set[StockKey] | list[StockKey]) -> int:
    return len({key.product_id for key in keys})


def reference_counts(profile: Profile, today: date) -> dict[str, int]:
    """The tiles' figures from the raw stock items and rules, with the domain's rules."""
    levels = dict(_items(profile))
    rules = {key: rule for key, rule in profile.parts.mirror.backorder_rules().items() if key in levels}
    at = {key for key, rule in rules.items() if limit_reached(levels[key], rule)}
    near = {key for key, rule in rules.items() if near_limit(levels[key], rule)}
    soon = {k for k, r in rules.items() if r.expected and today <= r.expected <= today + timedelta(days=6)}
    return {
        "backorder_products": len(profile.backorder_ids()),
        "units_backordered": sum(-level for level in levels.values() if level < 0),
        "backordered_products": _products([key for key, level in levels.items() if level < 0]),
        "orders_waiting": len(profile.owed_orders(limit=100_000)),
        "at_limit": _products(at),
        "near_limit": _products(near),
        "at_or_near_limit": _products(at | near),
        "arriving_soon": _products(soon),
        "date_passed": _products([k for k, r in rules.items() if date_passed(r, today, levels[k])]),
    }


def reference_owed_by_day(profile: Profile, days: list[date], zone: tzinfo) -> list[int]:
    """Units owed at the end of each day, by replaying every item's ledger to that moment."""
    with closing(sqlite3.connect(profile.info.database_path)) as conn:
        rows = conn.execute(
            "SELECT product_id, variant_id, level_before, level_after, at FROM stock_adjustments ORDER BY id"
        ).fetchall()
    entries: dict[tuple[int, int], list[tuple[datetime, int, int]]] = {}
    for pid, vid, before, after, at in rows:
        entries.setdefault((pid, vid), []).append((datetime.fromisoformat(at), before, after))
    now_levels = {(key.product_id, key.variant_id or 0): level for key, level in _items(profile)}
    owed: list[int] = []
    for day in days:
        end = datetime.combine(day + timedelta(days=1), day_start(), zone)
        total = 0
        for key in set(now_levels) | set(entries):
            seen = entries.get(key, [])
            earlier = [after for at, _before, after in seen if at < end]
            if earlier:
                level = earlier[-1]
            elif seen:
                level = seen[0][1]  # its level before its first entry
            else:
                level = now_levels[key]
            total += max(0, -level)
        owed.append(total)
    return owed


def test_the_dashboard_counts_what_the_database_holds_and_the_filters_list(
    make_demo_store: Callable[..., DemoStore], home: str
) -> None:
    world = dashboard_world(make_demo_store, home)
    profile = world.profile
    try:
        board: Dashboard = profile.dashboard()
        assert board.today == world.clock.now().astimezone(local_zone()).date()
        counts = board.counts
        expected = reference_counts(profile, board.today)
        assert {name: getattr(counts, name) for name in expected} == expected
        assert counts.at_limit == counts.near_limit == counts.arriving_soon == counts.date_passed == 1
        assert counts.units_backordered > 0 and counts.orders_waiting > 0
        # Each product tile is the length of the list its click opens.
        filters = {
            "backorder_products": ProductQuery(backorder_only=True),
            "backordered_products": ProductQuery(backordered=True),
            "at_limit": ProductQuery(at_limit=True),
            "near_limit": ProductQuery(near_limit=True),
            "date_passed": ProductQuery(date_passed=True),
        }
        for name, query in filters.items():
            assert getattr(counts, name) == profile.count_products(query), name
        # The next expected dates: today's and later ones only, soonest first.
        assert [(a.expected - board.today).days for a in board.next_arrivals] == [3, 20]
        assert [a.incoming for a in board.next_arrivals] == [12, 5]
        assert all(a.owed > 0 and a.name for a in board.next_arrivals)
    finally:
        profile.close()


def test_the_charts_points_are_the_units_owed_replayed_from_the_ledger_day_by_day(
    make_demo_store: Callable[..., DemoStore], home: str
) -> None:
    world = dashboard_world(make_demo_store, home)
    profile = world.profile
    try:
        board = profile.dashboard()
        days = [point.day for point in board.owed_by_day]
        assert len(days) == 90 and days[-1] == board.today
        assert days == [board.today - timedelta(days=back) for back in range(89, -1, -1)]
        units = [point.units for point in board.owed_by_day]
        assert units == reference_owed_by_day(profile, days, local_zone())
        assert units[-1] == board.counts.units_backordered
        assert units[0] == 0  # before the products were assigned nothing was owed
        assert len(set(units[-DAYS:])) > 5  # the sales moved it day after day
        assert board.last_days(30) == board.owed_by_day[-30:]
    finally:
        profile.close()


def _slot_sums(conn: sqlite3.Connection) -> dict[str, int]:
    """The ledger's moves of the units owed per UTC quarter hour, computed here from its rows."""
    sums: dict[str, int] = {}
    for before, after, at in conn.execute("SELECT level_before, level_after, at FROM stock_adjustments"):
        moment = datetime.fromisoformat(at).astimezone(UTC)
        slot = moment.replace(minute=moment.minute // 15 * 15).strftime("%Y-%m-%dT%H:%M")
        sums[slot] = sums.get(slot, 0) + max(0, -after) - max(0, -before)
    return {slot: moved for slot, moved in sums.items() if moved}


def _kept_sums(conn: sqlite3.Connection) -> dict[str, int]:
    return {slot: moved for slot, moved in conn.execute("SELECT slot, moved FROM owed_moves") if moved}


def test_the_quarter_hour_sums_follow_the_ledger_and_an_older_database_gets_them_whole(
    make_demo_store: Callable[..., DemoStore], home: str
) -> None:
    world = dashboard_world(make_demo_store, home, products=4)
    path = world.profile.info.database_path
    world.profile.close()
    with closing(sqlite3.connect(path)) as conn:
        expected = _slot_sums(conn)
        assert len(expected) > DAYS // 2 and _kept_sums(conn) == expected  # kept by the triggers
        with conn:  # entries rewritten and removed (a salvage, a hand repair): the sums follow
            conn.execute("UPDATE stock_adjustments SET level_after = level_after - 3 WHERE id % 5 = 0")
            conn.execute("DELETE FROM stock_adjustments WHERE id % 7 = 0")
        expected = _slot_sums(conn)
        assert _kept_sums(conn) == expected
        # The database as version 13 left it: the upgrade sums the whole ledger.
        with conn:
            conn.execute("DROP TABLE owed_moves")
            for trigger in ("insert", "delete", "update"):
                conn.execute(f"DROP TRIGGER owed_moves_{trigger}")
            # and without what later versions added (15 changes nothing on SQLite)
            conn.execute("ALTER TABLE stock_items DROP COLUMN catalog_since")
            conn.execute("PRAGMA user_version = 13")
    reopened = open_profile(home, env_token=world.store.token, secret_store=MemorySecretStore())
    try:
        with closing(sqlite3.connect(path)) as conn:
            assert _kept_sums(conn) == expected
            indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "stock_adjustments_time" not in indexes  # what the sums replace
    finally:
        reopened.close()
