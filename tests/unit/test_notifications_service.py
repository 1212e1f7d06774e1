"""Notifications are told once per occurrence: de-duplication, episodes, dates and the orders batch.

The notifications live in a real SQLite file (the unique key is what de-duplicates); the items,
rules and arrived orders the checks read are given by the test, and the clock moves only when told.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.notifications import ArrivedOrder
from backorder_desktop.domain.notifications import Notification
from backorder_desktop.domain.notifications import NotificationKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.notifications import NotificationService
from tests.recorded_runs import recorded_run

START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
ITEM = StockKey(7, 70)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at


class World:
    """The real notifications table, with the items, rules, orders and settings a test sets."""

    def __init__(self, store: SqliteMirrorStore) -> None:
        self.store = store
        self.levels: dict[StockKey, int] = {}
        self.rules: dict[StockKey, BackorderRule] = {}
        self.orders: list[ArrivedOrder] = []
        self.settings = Settings()

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)  # the notification methods

    def load_settings(self) -> Settings:
        return self.settings

    def stock_items(self, product_ids: Iterable[int] | None = None) -> list[StockItem]:
        return [StockItem(key, f"SKU-{key.variant_id}", level, level) for key, level in self.levels.items()]

    def backorder_rules(self, product_ids: Iterable[int] | None = None) -> dict[StockKey, BackorderRule]:
        return dict(self.rules)

    def orders_after(self, order_id: int) -> list[ArrivedOrder]:
        return [order for order in self.orders if order.order_id > order_id]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = open_mirror(tmp_path / "mirror.sqlite3")
    try:
        yield World(store)
    finally:
        store.close()


def service(world: World, clock: Clock, events: EventHub | None = None) -> NotificationService:
    return NotificationService(store=world, clock=clock, events=events)  # type: ignore[arg-type]


def kinds(told: list[Notification]) -> list[NotificationKind]:
    return [n.kind for n in told]


def test_notify_tells_a_key_once_even_from_two_services_on_one_file(world: World) -> None:
    clock = Clock()
    heard: list[Notification] = []
    events = EventHub()
    events.subscribe("notified", heard.append)
    window, child = service(world, clock, events), service(world, clock)
    first = window.notify(NotificationKind.SYNC_FAILED, "k1", "Sync failed", "why")
    assert first is not None and first.title == "Sync failed" and not first.read
    assert child.notify(NotificationKind.SYNC_FAILED, "k1", "Sync failed", "why") is None
    assert window.notify(NotificationKind.SYNC_FAILED, "k1", "again", "") is None
    assert heard == [first]
    assert [n.key for n in window.notifications(unread_only=True)] == ["k1"]
    assert window.mark_read([first.id]) == 1
    assert window.notifications(unread_only=True) == []


def test_a_kind_switched_off_is_neither_told_nor_recorded(world: World) -> None:
    world.settings = replace(world.settings, notify_sync_failed=False)
    notifier = service(world, Clock())
    assert notifier.notify(NotificationKind.SYNC_FAILED, "k1", "Sync failed", "") is None
    assert notifier.notifications() == []


def test_limit_reached_is_told_once_per_episode(world: World) -> None:
    notifier = service(world, Clock())
    world.rules[ITEM] = BackorderRule(limit=5)
    world.levels[ITEM] = -4
    assert notifier.check() == []
    world.levels[ITEM] = -5
    first = notifier.check()
    assert kinds(first) == [NotificationKind.LIMIT_REACHED] and "SKU-70" in first[0].title
    world.levels[ITEM] = -6
    assert notifier.check() == []  # the same episode, sold one more before it stopped
    world.levels[ITEM] = 2  # stock arrived: purchasing goes back on, the episode ends
    assert notifier.check() == []
    world.levels[ITEM] = -5
    again = notifier.check()
    assert kinds(again) == [NotificationKind.LIMIT_REACHED] and again[0].key != first[0].key
    assert notifier.check() == []


def test_an_expected_date_passed_with_units_owed_is_told_once_per_date(world: World) -> None:
    clock = Clock()
    notifier = service(world, clock)
    world.rules[ITEM] = BackorderRule(expected=date(2026, 12, 6))
    world.levels[ITEM] = -3
    assert notifier.check() == []  # not passed yet
    clock.at += timedelta(days=2)
    told = notifier.check()
    assert kinds(told) == [NotificationKind.DATE_PASSED] and "3 units" in told[0].text
    assert notifier.check() == []
    world.rules[ITEM] = BackorderRule(expected=date(2026, 12, 8))  # the supplier slipped
    clock.at += timedelta(days=2)
    assert kinds(notifier.check()) == [NotificationKind.DATE_PASSED]
    world.levels[ITEM] = 0
    world.rules[ITEM] = BackorderRule(expected=date(2026, 12, 9))
    clock.at += timedelta(days=2)
    assert notifier.check() == []  # nothing owed: nothing to tell


def test_orders_are_batched_at_most_once_an_hour_with_their_count(world: World) -> None:
    clock = Clock()
    notifier = service(world, clock)
    assert notifier.check_orders() is None
    world.orders += [ArrivedOrder(100 + n, clock.at - timedelta(minutes=5), 2) for n in range(3)]
    first = notifier.check_orders()
    assert first is not None and first.title == "3 backorders in the last hour"
    assert "6 units" in first.text
    assert notifier.check_orders() is None  # nothing new
    for n in range(12):
        clock.at += timedelta(minutes=4)
        world.orders.append(ArrivedOrder(200 + n, clock.at, 1))
        assert notifier.check_orders() is None  # held: told at most once an hour
    clock.at = START + timedelta(hours=1)
    batch = notifier.check_orders()
    assert batch is not None and batch.title == "12 backorders in the last hour"
    assert notifier.check_orders() is None
    assert [n.title for n in notifier.notifications()] == [batch.title, first.title]


def test_two_services_counting_the_same_batch_tell_it_once(world: World) -> None:
    clock = Clock()
    world.orders.append(ArrivedOrder(1, clock.at, 1))
    window, child = service(world, clock), service(world, clock)
    assert window.check_orders() is not None
    clock.at += timedelta(hours=2)
    world.orders.append(ArrivedOrder(2, clock.at, 1))
    assert child.check_orders() is not None
    assert window.check_orders() is None
    assert len(window.notifications()) == 2


def test_a_failed_run_is_told_once_and_a_good_one_not(world: World) -> None:
    notifier = service(world, Clock())

    def run(run_id: int, outcome: RunOutcome) -> SyncRun:
        return recorded_run(
            id=run_id, outcome=outcome, error_title="Store unreachable", error_message="Check the connection."
        )

    notifier.sync_finished(run(1, RunOutcome.OK))
    assert notifier.notifications() == []
    notifier.sync_finished(run(2, RunOutcome.FAILED))
    notifier.sync_finished(run(2, RunOutcome.FAILED))  # the window relays the child's run too
    told = notifier.notifications()
    assert [n.title for n in told] == ["Sync failed: Store unreachable"]
    assert told[0].kind.is_problem


def test_purchasing_changes_are_told_per_switch(world: World) -> None:
    notifier = service(world, Clock())
    off = notifier.purchasing_changed(
        ITEM, "SKU-70", enabled=False, occurrence="write 4", why="limit reached"
    )
    assert off is not None and off.title == "SKU-70: purchasing disabled" and "limit reached" in off.text
    assert notifier.purchasing_changed(ITEM, "SKU-70", enabled=False, occurrence="write 4") is None
    on = notifier.purchasing_changed(ITEM, "SKU-70", enabled=True, occurrence="write 5")
    assert on is not None and on.kind is NotificationKind.PURCHASING_ENABLED
