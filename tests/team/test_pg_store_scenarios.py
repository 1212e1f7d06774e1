"""The store's every kind of work on both backends: one scenario, run on a SQLite file and on a team
PostgreSQL database, must read back the same at every step.

The scenario touches each mixin through the store's public methods: catalog writes and every
Products filter and sort, assignments, the ledger and the outbox's push steps, orders, backorder
rules, purchasing, notifications, the dashboard's reads (per-day owed moves: JSON pairs), the stock
chart (a window large enough to be reduced to buckets: numbered parameters), the sync timeline, runs,
cursors, settings and the method switch with its limits. A few figures are also checked outright,
so that two backends agreeing on nothing cannot pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage import open_team_mirror
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.notifications import NewNotification
from backorder_desktop.domain.notifications import NotificationKind
from backorder_desktop.domain.orders import Order
from backorder_desktop.domain.orders import OrderLine
from backorder_desktop.domain.orders import RestoreOn
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.purchasing import PurchasingWrite
from backorder_desktop.domain.purchasing import Why
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

TODAY = date(2025, 3, 1)
PERSON = AdjustmentSource.PERSON


class Recorder:
    """Each step's answer, in order (an error is recorded as its kind and message)."""

    def __init__(self, store: SqliteMirrorStore) -> None:
        self.store = store
        self.answers: list[tuple[str, Any]] = []

    def __call__(self, label: str, step: Callable[[SqliteMirrorStore], Any]) -> Any:
        try:
            answer = step(self.store)
        except BackorderError as exc:
            answer = (type(exc).__name__, exc.message)
        self.answers.append((label, answer))
        return answer


def catalog() -> list[Any]:
    products = [
        make_product(pid, variants=1 + pid % 3, stock=pid % 4, name=f"Widget #{40 - pid}")
        for pid in range(1, 31)
    ]
    products[4] = replace(products[4], inventory_tracking=InventoryTracking.NONE)
    products[6] = replace(products[6], is_visible=False, sku="MiXeD-Case")
    return products


def scenario(record: Recorder) -> None:
    products = catalog()
    record("apply", lambda s: s.apply_products(products, pass_id=1, keep_backorder_stock=True))
    record("apply again", lambda s: s.apply_products(products[:10], pass_id=2, keep_backorder_stock=True))
    record("mark seen", lambda s: s.mark_seen([11, 12, 13], 2))
    record("unseen", lambda s: s.unseen_product_ids(2))
    record("store", lambda s: (s.set_store(StoreInfo("abc", "Shop", "Plus"), "https://api"), s.get_store()))
    record(
        "settings",
        lambda s: (
            s.save_settings(replace(s.load_settings(), backorder_method=BackorderMethod.APP)),
            s.load_settings(),
        ),
    )
    assigned = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    record("assign", lambda s: s.assign(assigned, by="dana", at=T0))
    record("items", lambda s: s.stock_items())
    record("product writes", lambda s: s.product_writes())
    record("remembered", lambda s: s.remembered_tracking())
    for write in list(record.store.product_writes())[:4]:
        record(
            "write done",
            lambda s, w=write: s.product_write_done(w, actor="sync", at=T0 + timedelta(minutes=1)),
        )
    record("untracked settled", lambda s: s.outbox_settle_untracked())
    moment = T0 + timedelta(minutes=5)
    for number in range(60):  # enough entries for the chart to be reduced to buckets
        kind = (AdjustmentKind.REMOVE, AdjustmentKind.ADD, AdjustmentKind.SET)[number % 3]
        quantity = (3, 1, number % 5 - 2)[number % 3]
        key = StockKey(3) if number % 2 else StockKey(6)
        when = moment + timedelta(minutes=7 * number)
        record(
            "adjust",
            lambda s, k=key, kd=kind, q=quantity, w=when: s.adjust_stock(
                k, kd, q, source=PERSON, actor="ana", at=w, reason="count"
            ),
        )
    record(
        "adjust a variant item",
        lambda s: s.adjust_stock(
            StockKey(2, 202), AdjustmentKind.REMOVE, 9, source=PERSON, actor="ana", at=moment
        ),
    )
    record(
        "not an item",
        lambda s: s.adjust_stock(StockKey(20), AdjustmentKind.ADD, 1, source=PERSON, actor="ana", at=moment),
    )
    record("find key", lambda s: [s.find_stock_key(ref) for ref in ("p3", "P2-V2")])
    record("find key refused", lambda s: s.find_stock_key("p2"))
    record("history", lambda s: s.stock_history(3, 10))
    record("outbox", lambda s: s.outbox_entries())
    record("outbox count", lambda s: s.outbox_count())
    record("sending", lambda s: s.outbox_mark_sending([(StockKey(3), 1)]))
    record("written", lambda s: s.outbox_written([(StockKey(3), 1, 999)], at=moment))
    record("fold", lambda s: s.outbox_fold_reads({StockKey(6): 40}, at=moment + timedelta(hours=9)))
    record("discard", lambda s: s.outbox_discard(actor="ana", at=moment, reason="undo", product_ids=[2]))
    after = T0 + timedelta(hours=12)
    orders = [
        Order(700 + n, 11, after + timedelta(minutes=n), after + timedelta(minutes=n), "Jo", (
            OrderLine(9000 + n, 0, 1, None, "P1", "x", 2 + n % 3),
            OrderLine(9100 + n, 0, 8, 802, "P8-V2", "y", 1),
        ))
        for n in range(5)
    ]  # fmt: skip
    record(
        "orders",
        lambda s: s.apply_orders(orders, restore_on=RestoreOn.BOTH, at=after, cursor=("orders", "x")),
    )
    record("owed orders", lambda s: s.owed_orders())
    record("orders waiting", lambda s: s.orders_waiting())
    record("units owed", lambda s: s.backordered_units())
    record("first assignment", lambda s: s.first_assignment())
    record("lines", lambda s: s.order_lines_counted())
    rules = {
        StockKey(1): BackorderRule(limit=5, incoming=3, expected=TODAY + timedelta(days=3), message="soon"),
        StockKey(3): BackorderRule(limit=2, expected=TODAY - timedelta(days=2)),
        StockKey(6): BackorderRule(limit=100, incoming=10, expected=TODAY + timedelta(days=20)),
        StockKey(8, 802): BackorderRule(limit=1),
    }
    record("rules", lambda s: (s.save_backorder_rules(rules, by="dana", at=after), s.backorder_rules()))
    record("rules of", lambda s: s.backorder_rules([1, 8]))
    for query in (
        ProductQuery(),
        ProductQuery(text="widget #3"),
        ProductQuery(text="mixed-case", sort=ProductSort.SKU),
        ProductQuery(backorder_only=True, sort=ProductSort.INVENTORY_LEVEL, descending=True),
        ProductQuery(visible=False),
        ProductQuery(out_of_stock=True),
        ProductQuery(backordered=True),
        ProductQuery(near_limit=True),
        ProductQuery(at_limit=True),
        ProductQuery(date_passed=True),
        ProductQuery(sort=ProductSort.NAME, descending=True),
        ProductQuery(sort=ProductSort.IS_VISIBLE),
        ProductQuery(sort=ProductSort.AVAILABILITY),
        ProductQuery(sort=ProductSort.DATE_MODIFIED),
    ):
        record(
            f"query {query}",
            lambda s, q=query: ([p.id for p in s.query_products(q, limit=7, offset=1)], s.count_products(q)),
        )
    record("search all", lambda s: s.search_products("", limit=None))
    record("find ids", lambda s: s.find_product_ids(["mixed-case", "p8-v2", "17", "nothing"]))
    record("get", lambda s: s.get_product(8))
    purchasing = [
        PurchasingWrite(StockKey(1), "P1", True, Why.LIMIT, "sold out for now"),
        PurchasingWrite(StockKey(8, 802), "P8-V2", True, Why.DATE),
    ]
    record("queue purchasing", lambda s: s.queue_purchasing(purchasing, at=after))
    record("purchasing waiting", lambda s: (s.purchasing_waiting(), s.purchasing_waiting_count()))
    record("purchasing attempted", lambda s: s.purchasing_attempted(StockKey(1)))
    record(
        "purchasing written", lambda s: [s.purchasing_written(w, actor="sync", at=after) for w in purchasing]
    )
    record("purchasing seen", lambda s: s.purchasing_seen([StockKey(1), StockKey(8, 802), StockKey(2, 201)]))
    record(
        "purchasing held",
        lambda s: s.purchasing_held(StockKey(1), in_store=False, wish=True, actor="sync", at=after),
    )
    record("purchasing records", lambda s: s.purchasing_records())
    notes = [
        NewNotification(
            NotificationKind.LIMIT_REACHED, f"limit:{n % 3}", "Limit", f"text {n}", after, f"item-{n % 3}", n
        )
        for n in range(4)
    ]
    record("notify", lambda s: [s.add_notification(n) for n in notes])
    record("notifications", lambda s: s.notifications())
    record("latest", lambda s: s.latest_notification(NotificationKind.LIMIT_REACHED, "item-1"))
    record("open subjects", lambda s: s.open_notification_subjects(NotificationKind.LIMIT_REACHED))
    record("end", lambda s: s.end_notifications(NotificationKind.LIMIT_REACHED, ["item-0", "item-9"]))
    record("open after end", lambda s: s.open_notification_subjects(NotificationKind.LIMIT_REACHED))
    record("read", lambda s: (s.mark_notifications_read([1, 2]), s.notifications(unread_only=True)))
    record("read all", lambda s: s.mark_notifications_read())
    record("orders after", lambda s: s.orders_after(701))
    days = [
        (TODAY + timedelta(days=d), T0 + timedelta(days=d), T0 + timedelta(days=d + 1)) for d in range(-1, 3)
    ]
    record("dashboard", lambda s: s.dashboard_reads(TODAY, days, 5))
    window = (T0, T0 + timedelta(days=1))
    record("chart items", lambda s: s.stock_chart_items(3))
    record("chart", lambda s: s.ledger_window(StockKey(3), *window, max_points=9, max_events=4))
    record("chart whole", lambda s: s.ledger_window(StockKey(6), *window, max_points=500, max_events=50))
    run = record(
        "start run",
        lambda s: s.start_run(
            kind=RunKind.MANUAL,
            trigger="cli",
            mode=InventorySource.BIGCOMMERCE,
            full=True,
            at=T0 + timedelta(hours=6),
        ),
    )
    problems = (ItemProblem("P1", "Refused", "try again"),)
    record(
        "finish run",
        lambda s: s.finish_run(
            run,
            outcome=RunOutcome.PARTIAL,
            counts=RunCounts(seen=3, written=2),
            at=T0 + timedelta(hours=7),
            problems=problems,
        ),
    )
    record(
        "abandon",
        lambda s: (
            s.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=False, at=after),
            s.abandon_running_runs(at=after),
        ),
    )
    record("runs", lambda s: (s.runs(), s.last_run(), s.last_run(kind=RunKind.MANUAL, successful=False)))
    record("spans", lambda s: s.run_spans(T0, after + timedelta(days=1)))
    record("pushes", lambda s: s.ledger_window(StockKey(3), T0, after, max_points=500, max_events=1).pushes)
    record(
        "cursors",
        lambda s: (
            s.set_cursor("a", "1"),
            s.set_cursor("a", "2"),
            s.get_cursor("a"),
            s.set_cursor("a", None),
            s.get_cursor("a"),
        ),
    )
    record("preview native", lambda s: s.preview_method_switch(BackorderMethod.NATIVE))
    record("discard all", lambda s: s.outbox_discard(actor="ana", at=after, reason="switching"))
    record("writes gone", lambda s: [s.product_write_gone(w.product_id) for w in s.product_writes()])
    record("limits gone", lambda s: [s.limit_gone(k) for k in s.native_items()])
    record("purchasing gone", lambda s: [s.purchasing_gone(w.key) for w in purchasing])
    record(
        "switch native", lambda s: s.switch_backorder_method(BackorderMethod.NATIVE, actor="dana", at=after)
    )
    record("limits", lambda s: (s.limits_evaluate(after), s.limits_waiting(), s.limits_waiting_count()))
    for write in record.store.limits_waiting()[:3]:
        record("limit written", lambda s, w=write: s.limit_written(w, actor="sync", at=after))
    record("limit attempted", lambda s: [s.limit_attempted(w.key) for w in s.limits_waiting()[:1]])
    record("limit failed", lambda s: [s.limit_failed(w.key, "refused") for w in s.limits_waiting()[:1]])
    record("native items", lambda s: s.native_items())
    record("counts", lambda s: s.save_backorder_counts({}, at=after))
    record("native owed", lambda s: (s.native_owed(), s.backorder_counts()))
    record("dashboard native", lambda s: s.dashboard_reads(TODAY, days, 5))
    record("units owed native", lambda s: s.backordered_units())
    record("unassign", lambda s: s.unassign([9, 4], at=after))
    record("delete", lambda s: s.delete_products([29, 30]))
    record("remove unseen", lambda s: s.remove_unseen(2))
    record("counts after", lambda s: (s.product_count(), s.variant_count(), s.backorder_product_ids()))
    record("rebuild", lambda s: (s.rebuild_mirror(), s.product_count(), s.stock_items()))


def test_one_scenario_reads_the_same_on_sqlite_and_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    answers = []
    for store in (open_mirror(tmp_path / "mirror.sqlite3"), open_team_mirror(postgres_url)):
        record = Recorder(store)
        try:
            scenario(record)
        finally:
            store.close()
        answers.append(record.answers)
    on_sqlite, on_postgres = answers
    assert [label for label, _ in on_postgres] == [label for label, _ in on_sqlite]
    for (label, expected), (_, got) in zip(on_sqlite, on_postgres, strict=True):
        assert got == expected, label
    figures = dict(on_postgres)
    counts, moves, arrivals = figures["dashboard"]
    assert counts.backordered_products > 0 and counts.at_limit > 0 and counts.orders_waiting > 0
    assert any(moves.values()) and arrivals
    assert figures["chart"].decimated and figures["chart"].points
    assert figures[f"query {ProductQuery(text='widget #3')}"][1] == 10
    assert figures[f"query {ProductQuery(at_limit=True)}"][1] == 1
    assert figures["orders"].entries > 0 and figures["owed orders"]
    assert len([n for n in figures["notify"] if n is not None]) == 3  # the fourth key was told before
    assert figures["not an item"][0] == "InvalidStock"
