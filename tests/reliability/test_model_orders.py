"""Model-based test of selling on backorder with the method ``app``: random stories of orders (placed,
cancelled, completed, refunded fully and partly, edited), assignments and unassignments through the
app's own path (the product-writes outbox pushed at once or left waiting), stock edits, backorder
rules (a limit, an expected date), pulls of orders, syncs, pushes, offline periods and restarts,
with *restore stock on* chosen per story and changed within it. hypothesis shrinks a failure to a
minimal story.

The app, the demo store's catalog and its order book share one clock that the story moves (a second
a step, days when it says), so "placed after the assignment" means the same to the model and the app.

The model knows what the merchant and the shoppers did, not how the app counts. It computes each
BackOrder item's level from the store's own order book: the level at its assignment, plus the
acknowledged edits, less the units each line of an order placed since the assignment counts (none
for an incomplete or declined order; a cancelled or refunded one gives its units back, and refunded
units of any other order, as *restore stock on* says). What must hold:

- once every order change was read: each item's level is that reference ("ledger = edits + orders -
  restores"), and each order line is counted as the reference says, never twice (a webhook's
  fetch of one order and the polls may read the same change);
- every acknowledged edit is in the ledger exactly once;
- once no tracking write waits in the product-writes outbox, the store's tracking flag matches the
  assignment: off for a BackOrder product, the product's own mode again after it leaves;
- never sold beyond the limit by the app's doing: after a push with every order read and nothing
  waiting, an item at its limit (level <= -limit), or past its expected date with units owed when
  the setting says so, is purchasing-disabled in the store, and one that is not is enabled; an
  order placed after that push takes no such item further below.

``BACKORDER_MODEL_ORDERS_EXAMPLES`` / ``BACKORDER_MODEL_STEPS`` scale it (budget.py).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import Counter
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import open_profile
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.orders import ORDERS_OVERLAP
from backorder_desktop.domain.orders import RestoreOn
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.fixtures_demo import DEFAULT_TEST_CONFIG
from tests.fixtures_postgres import PostgresServer
from tests.integration.support import FAST_RETRY
from tests.reliability.budget import MODEL_STEPS
from tests.reliability.budget import ORDERS_MODEL_EXAMPLES
from tests.reliability.budget import TEAM_MODEL_EXAMPLES
from tests.reliability.budget import hypothesis_settings
from tests.reliability.team_backend import on_team

STATS: Counter[str] = Counter()
PRODUCTS = 20
# Order statuses (BigCommerce's ids): what a new order gets, and what closes one.
INCOMPLETE, PENDING, SHIPPED, REFUNDED, CANCELLED, DECLINED = 0, 1, 2, 4, 5, 6
AWAITING_PAYMENT, COMPLETED, AWAITING_FULFILLMENT = 7, 10, 11
NEW_STATUSES = (AWAITING_FULFILLMENT, AWAITING_FULFILLMENT, AWAITING_PAYMENT, PENDING, INCOMPLETE)
CLOSED = frozenset({INCOMPLETE, REFUNDED, CANCELLED, DECLINED})
STATUSES = {"cancel": CANCELLED, "complete": COMPLETED, "ship": SHIPPED, "decline": DECLINED}
STAFF_ACTIONS = (*STATUSES, "cancel", "refund", "partial refund", "partial refund", "edit up", "edit down")
TRADE = ("order",) * 6 + STAFF_ACTIONS


class StoryClock:
    """Unix seconds that move only when the story says: the app's clock and the store's."""

    def __init__(self) -> None:
        self.t = float(int(time.time()))

    def __call__(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def today(self) -> date:
        return self.now().astimezone().date()  # as the purchasing rule reads "today"


def units(quantity: int, refunded: int, status: int, restore: RestoreOn) -> int:
    """The units a line of an order in ``status`` takes from stock, as the merchant was promised."""
    if status in (INCOMPLETE, DECLINED):
        return 0
    if status == CANCELLED:
        return 0 if restore in (RestoreOn.CANCEL, RestoreOn.BOTH) else quantity
    gives_back = restore in (RestoreOn.REFUND, RestoreOn.BOTH)
    if status == REFUNDED:
        return 0 if gives_back else quantity
    return quantity - refunded if gives_back else quantity


class OrderStory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.clock = StoryClock()
        self.store = DemoStore(DEFAULT_TEST_CONFIG, products=PRODUCTS, seed=5).start()
        self.store.catalog._clock = self.clock  # products' dates on the story's clock too
        self.store.orders.clock = self.clock
        self.context = self.open()
        self.context.save_settings({"backorder-method": "app"})  # pinned, whatever the default is
        self.context.sync(trigger=RunTrigger.CLI, full=True)
        self.products = self.store.catalog.product_ids()
        self.own_tracking = {
            pid: self.store.catalog.get_product(pid)["inventory_tracking"] for pid in self.products
        }
        self.restore = RestoreOn.BOTH
        self.restore_of: dict[int, RestoreOn] = {}  # the setting each order is counted under
        self.assigned: dict[int, int] = {}  # product -> when it was assigned (story seconds)
        self.start: dict[StockKey, int] = {}  # level at the assignment
        self.edits: Counter[StockKey] = Counter()  # acknowledged edits since the assignment
        self.acked: set[str] = set()
        self.serial = 0
        self.read = True  # every order change was read by the app since it happened
        self.limits: dict[int, int] = {}  # product -> its items' limit
        self.expected: dict[int, date] = {}
        self.disable_on_date = False
        self.blocked: set[StockKey] = set()  # disabled at a settled push: no order may take them
        STATS["stories"] += 1

    def open(self) -> Profile:
        context = open_profile(
            self.folder.name,
            env_token=self.store.token,
            secret_store=MemorySecretStore(),
            client_options={"retry": FAST_RETRY},
            clock=self.clock,
        )
        context.parts.mirror.set_store(
            StoreInfo(store_hash=self.store.store_hash, name="Orders", plan_name="Demo"), self.store.api_url
        )
        return context

    def teardown(self) -> None:
        self.context.close()
        self.store.stop()
        self.folder.cleanup()

    # --- helpers ------------------------------------------------------------------------------

    def step(self, name: str) -> None:
        STATS["steps"] += 1
        STATS[name] += 1
        self.clock.t += 1  # story order is time order, in the whole seconds orders are dated in

    def items(self) -> dict[StockKey, int]:
        return {item.key: item.level for item in self.context.parts.mirror.stock_items()}  # type: ignore[attr-defined]

    def key_for(self, items: dict[StockKey, Any], product_id: int, variant_id: int | None) -> StockKey:
        variant = StockKey(product_id, variant_id)
        return variant if variant in items else StockKey(product_id)

    def counting_lines(self) -> list[tuple[StockKey, int, int]]:
        """(item, line id, units) for each line of an order placed since its product's assignment."""
        out = []
        for order_id in self.store.orders.order_ids():
            order = self.store.orders.get(order_id)
            for line in order.lines:
                at = self.assigned.get(line.product_id)
                if at is None or order.date_created < at:
                    continue
                key = self.key_for(self.start, line.product_id, line.variant_id)
                if key not in self.start:
                    continue  # a product the store tracked no stock for: the app keeps none either
                restore = self.restore_of[order.id]
                took = units(line.quantity, line.quantity_refunded, order.status_id, restore)
                out.append((key, line.id, took))
        return out

    def reference(self) -> dict[StockKey, int]:
        levels = {key: self.start[key] + self.edits[key] for key in self.start}
        for key, _line, took in self.counting_lines():
            levels[key] -= took
        return levels

    def ruled(self, index: int) -> int | None:
        """A BackOrder product with stock items (an untracked product has none to rule)."""
        with_items = sorted({key.product_id for key in self.start})
        return with_items[index % len(with_items)] if with_items else None

    def order_changed(self, name: str, order_id: int) -> None:
        """The order is counted under the setting of the read after this change (a change of the
        setting waits for that read: ``change_restore_stock_on``)."""
        self.step(name)
        self.read = False
        self.restore_of[order_id] = self.restore

    def disabled_in_store(self, key: StockKey) -> bool | None:
        try:
            product = self.store.catalog.get_product(key.product_id)
        except NotFoundError:
            return None
        if key.variant_id is None:
            return bool(product["availability"] == "disabled")
        variant = next((v for v in product["variants"] if v["id"] == key.variant_id), None)
        return None if variant is None else bool(variant["purchasing_disabled"])

    def wants_disabled(self, key: StockKey, level: int) -> bool:
        limit = self.limits.get(key.product_id)
        expected = self.expected.get(key.product_id)
        if limit is not None and level <= -limit:
            return True
        passed = expected is not None and expected < self.clock.today() and level < 0
        return self.disable_on_date and passed

    def settled(self) -> None:
        """After a push or sync that went through: with every order read and nothing waiting, the
        store follows the rules, and the items at their limit take no more orders."""
        self.blocked = set()
        stock = self.context.parts.stock
        if not self.read or stock.product_writes_waiting() or stock.outbox_count():
            return
        STATS["settled pushes"] += 1
        for key, level in self.items().items():
            if key.product_id not in self.assigned:
                continue
            wanted = self.wants_disabled(key, level)
            shown = self.disabled_in_store(key)
            assert shown is None or shown == wanted, (
                f"{key.label()}: level {level}, limit {self.limits.get(key.product_id)}, expected "
                f"{self.expected.get(key.product_id)}: purchasing {'disabled' if shown else 'enabled'} "
                "in the store after a push with nothing waiting"
            )
            if wanted:
                self.blocked.add(key)
                STATS["items held at their limit"] += 1

    # --- the story's setting --------------------------------------------------------------------

    @initialize(
        restore=st.sampled_from(list(RestoreOn)),
        first=st.lists(st.integers(0, PRODUCTS - 1), min_size=1, max_size=4, unique=True),
        on_date=st.booleans(),
        shelf=st.integers(0, 2),
        limit=st.integers(0, 3),
    )
    def setting(self, restore: RestoreOn, first: list[int], on_date: bool, shelf: int, limit: int) -> None:
        """The story's settings, and its first BackOrder products with ``shelf`` units each left and
        a ``limit`` (so that orders reach it within a story)."""
        self.restore = restore
        self.disable_on_date = on_date
        self.context.save_settings(
            {"restore-stock-on": restore.value, "disable-on-date-passed": "yes" if on_date else "no"}
        )
        for index in first:
            self.assign(index, push=True)
        for index in range(len(self.start)):
            self.edit(index, AdjustmentKind.SET, shelf)
        for index in range(len(self.assigned)):
            self.set_limit(index, limit)

    # --- the merchant -------------------------------------------------------------------------

    @rule(index=st.integers(0, PRODUCTS - 1), push=st.booleans())
    def assign(self, index: int, push: bool) -> None:
        pid = self.products[index]
        if pid in self.assigned:
            return
        self.step("assign")
        self.context.assign([str(pid)])
        self.assigned[pid] = int(self.clock.t)
        for key, level in self.items().items():
            if key.product_id == pid:
                self.start[key] = level
                self.edits[key] = 0
        if push:
            self.push()

    @rule(index=st.integers(0, 100), push=st.booleans())
    def unassign(self, index: int, push: bool) -> None:
        if not self.assigned:
            return
        pid = sorted(self.assigned)[index % len(self.assigned)]
        self.step("unassign")
        self.context.unassign([str(pid)], outbox=OutboxChoice.DISCARD)
        del self.assigned[pid]
        self.limits.pop(pid, None)
        self.expected.pop(pid, None)
        for key in [k for k in self.start if k.product_id == pid]:
            del self.start[key]
        if push:
            self.push()

    @rule(index=st.integers(0, 100), kind=st.sampled_from(list(AdjustmentKind)), quantity=st.integers(0, 12))
    def edit(self, index: int, kind: AdjustmentKind, quantity: int) -> None:
        keys = sorted(self.start)
        if not keys:
            return
        key = keys[index % len(keys)]
        self.serial += 1
        tag = f"orders-model-{self.serial}"
        self.step("edit")
        try:
            done = self.context.parts.stock.edit(key, kind, quantity, actor="model", reason=tag)
        except BackorderError:
            return  # refused (a level out of range): nothing changed
        self.acked.add(tag)
        self.edits[key] += done.level_after - done.level_before

    @rule(index=st.integers(0, 100), limit=st.one_of(st.none(), st.integers(0, 3)))
    def set_limit(self, index: int, limit: int | None) -> None:
        pid = self.ruled(index)
        if pid is None:
            return
        self.step("limit")
        if limit is None:
            self.context.set_backorder_rules([str(pid)], clear=["limit"])
            self.limits.pop(pid, None)
        else:
            self.context.set_backorder_rules([str(pid)], limit=limit)
            self.limits[pid] = limit

    @rule(index=st.integers(0, 100), days=st.integers(1, 3))
    def set_expected_date(self, index: int, days: int) -> None:
        pid = self.ruled(index)
        if pid is None:
            return
        self.step("expected date")
        expected = self.clock.today() + timedelta(days=days)
        self.context.set_backorder_rules([str(pid)], expected=expected)
        self.expected[pid] = expected

    @rule(restore=st.sampled_from(list(RestoreOn)), index=st.integers(0, PRODUCTS - 1))
    def change_restore_stock_on(self, restore: RestoreOn, index: int) -> None:
        """The setting applies to the order changes read after it. The orders within the overlap
        before the orders cursor are read (and counted) again by the next poll, so the merchant's
        change would apply to some older orders and not others; the story first moves the cursor
        past every order: time passes beyond the overlap, an incomplete order (it counts nothing
        either way) is placed and every change is read."""
        if self.store.faults.maintenance:
            return
        self.clock.t += ORDERS_OVERLAP.total_seconds() + 60
        product = self.store.catalog.get_product(self.products[index])
        line: dict[str, Any] = {"product_id": product["id"], "quantity": 1}
        if product["base_variant_id"] is None:
            line["variant_id"] = product["variants"][0]["id"]
        try:
            body = {"products": [line], "billing_address": {"zip": "78701"}, "status_id": INCOMPLETE}
            order = self.store.orders.place(body)
        except ApiError:
            return  # out of stock: no change of the setting in this step
        self.order_changed("restore-stock-on", order.id)
        self.pull_orders()
        if not self.read:
            return
        self.context.save_settings({"restore-stock-on": restore.value})
        self.restore = restore

    @rule(days=st.integers(1, 3))
    def days_pass(self, days: int) -> None:
        self.step("days pass")
        self.clock.t += days * 86_400

    # --- shoppers and the store's staff -------------------------------------------------------

    @rule(
        events=st.lists(
            st.tuples(
                st.sampled_from(TRADE),
                st.lists(
                    st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 10), st.integers(1, 3)),
                    min_size=1,
                    max_size=3,
                ),
                st.sampled_from(NEW_STATUSES),
            ),
            min_size=1,
            max_size=8,
        )
    )
    def trade(self, events: list[tuple[str, list[tuple[bool, int, int, int]], int]]) -> None:
        """Shoppers place orders (their lines mostly for BackOrder products: ``True``), and the
        store's staff act on open orders: cancels, other statuses, refunds (whole, or some units of
        one line), line edits."""
        for kind, lines, status in events:
            if kind == "order":
                self.place_order(lines, status)
                continue
            _, index, n, _ = lines[0]
            summary = self.open_order(index, unrefunded=kind.startswith("edit"))
            if summary is None:
                continue
            try:
                self.act(kind, summary, n)
            except ApiError:
                self.step(f"{kind} refused")  # e.g. an edit beyond a tracked item's stock
                continue
            self.order_changed(kind, summary.id)

    def place_order(self, lines: list[tuple[bool, int, int, int]], status: int) -> None:
        body_lines: list[dict[str, Any]] = []
        backorder = sorted(self.assigned)
        for for_backorder, index, variant, quantity in lines:
            pool = backorder if for_backorder and backorder else self.products
            product = self.store.catalog.get_product(pool[index % len(pool)])
            line: dict[str, Any] = {"product_id": product["id"], "quantity": quantity}
            if product["base_variant_id"] is None:
                line["variant_id"] = product["variants"][variant % len(product["variants"])]["id"]
            body_lines.append(line)
        body = {"products": body_lines, "billing_address": {"zip": "78701"}, "status_id": status}
        try:
            order = self.store.orders.place(body)
        except ApiError:
            self.step("order refused")
            return
        self.order_changed("order", order.id)
        if status == INCOMPLETE:
            return
        items = self.items()
        for sold in order.lines:
            key = self.key_for(items, sold.product_id, sold.variant_id)
            assert key not in self.blocked, (
                f"{key.label()}: sold {sold.quantity} more after the app's push left it at its limit "
                "(or its date passed), purchasing disabled"
            )

    def open_order(self, index: int, *, unrefunded: bool = False) -> Any | None:
        open_orders = [
            s
            for s in self.store.orders.summaries()
            if s.status_id not in CLOSED and (not unrefunded or all(r == 0 for _, _, r in s.lines))
        ]
        return open_orders[index % len(open_orders)] if open_orders else None

    def act(self, kind: str, summary: Any, n: int) -> None:
        orders = self.store.orders
        if kind in STATUSES:
            orders.update(summary.id, {"status_id": STATUSES[kind]})
            return
        if kind.startswith("edit"):
            line_id, quantity, _ = summary.lines[n % len(summary.lines)]
            new = quantity + (1 if kind == "edit up" else -1)
            if new == 0 and len(summary.lines) == 1:
                new = quantity + 1
            orders.update(summary.id, {"products": [{"id": line_id, "quantity": new}]})
            return
        left = [(line_id, qty - refunded) for line_id, qty, refunded in summary.lines if qty > refunded]
        if kind == "partial refund":
            line_id, most = left[n % len(left)]
            left = [(line_id, min(1 + n % 3, most))]
        items = [{"item_type": "PRODUCT", "item_id": i, "quantity": q} for i, q in left]
        orders.refund(summary.id, {"items": items, "payments": []})

    # --- the app's runs, the network, restarts ---------------------------------------------

    @rule()
    def pull_orders(self) -> None:
        self.step("pull orders")
        try:
            self.context.pull_orders()
        except BackorderError:
            return
        self.read = True

    @rule(index=st.integers(0, 1000))
    def webhook(self, index: int) -> None:
        """A ``store/order/*`` delivery: the app fetches that one order now (the poll reads it too)."""
        ids = self.store.orders.order_ids()
        orders = self.context.parts.orders
        if not ids or orders is None:
            return
        self.step("webhook")
        order_id = ids[index % len(ids)]
        try:
            orders.ingest_order(order_id)
        except BackorderError:
            return
        self.restore_of[order_id] = self.restore  # counted again, under today's setting

    @rule(full=st.booleans())
    def sync(self, full: bool) -> None:
        self.step("full sync" if full else "sync")
        try:
            run = self.context.sync(trigger=RunTrigger.CLI, full=full, kind=RunKind.MANUAL)
        except BackorderError:
            self.blocked = set()  # what it wrote before it stopped is not known here
            return
        if not any(p.item == "orders" for p in run.problems):
            self.read = True
        self.settled()

    @rule()
    def push(self) -> None:
        self.step("push")
        try:
            self.context.push_now()
        except BackorderError:
            self.blocked = set()
            return
        self.settled()

    @rule(offline=st.booleans())
    def network(self, offline: bool) -> None:
        self.step("offline" if offline else "online")
        self.store.faults.maintenance = offline

    @rule()
    def restart(self) -> None:
        self.step("restart")
        self.context.close()
        self.context = self.open()

    # --- what must hold ---------------------------------------------------------------------

    @invariant()
    def ledger_is_edits_plus_orders_minus_restores(self) -> None:
        if not self.read:
            return  # the app has not read the latest order changes yet
        levels = self.items()
        expected = self.reference()
        wrong = {key: (levels.get(key), want) for key, want in expected.items() if levels.get(key) != want}
        assert not wrong, "level (app, reference): " + "; ".join(
            f"{key.label()}: {got}" for key, got in sorted(wrong.items())[:4]
        )
        counted = self.context.parts.mirror.order_lines_counted(self.assigned)  # type: ignore[attr-defined]
        for key, line_id, took in self.counting_lines():
            assert counted.get(line_id, 0) == took, (
                f"{key.label()}: order line {line_id} counted {counted.get(line_id, 0)} units, not {took}"
            )

    @invariant()
    def edits_are_in_the_ledger_once(self) -> None:
        reasons: Counter[str] = Counter()
        for pid in self.products:
            for entry in self.context.parts.stock.history(pid, limit=1_000_000):
                reasons[entry.reason] += 1
        for tag in self.acked:
            assert reasons[tag] == 1, f"acknowledged edit {tag} is in the ledger {reasons[tag]} times"

    @precondition(lambda self: not self.context.parts.mirror.product_write_count())  # type: ignore[attr-defined]
    @invariant()
    def tracking_follows_the_assignment(self) -> None:
        for pid in self.products:
            try:
                tracking = self.store.catalog.get_product(pid)["inventory_tracking"]
            except NotFoundError:
                continue
            wanted = "none" if pid in self.assigned else self.own_tracking[pid]
            assert tracking == wanted, (
                f"product {pid}: tracking {tracking!r} in the store, not {wanted!r}, with no tracking "
                f"write waiting ({'assigned' if pid in self.assigned else 'not assigned'})"
            )


@pytest.mark.slow
def test_random_order_stories_count_every_sale_once_and_keep_the_limits(
    expected_warnings: list[logging.LogRecord],
) -> None:
    run_state_machine_as_test(
        OrderStory, settings=hypothesis_settings(ORDERS_MODEL_EXAMPLES, stateful_step_count=MODEL_STEPS)
    )
    print(f"\norders model-based test: {dict(STATS)}")
    assert STATS["settled pushes"] > 0 and STATS["items held at their limit"] > 0
    assert all(r.name.startswith("backorder_desktop") for r in expected_warnings)


@pytest.mark.slow
def test_random_order_stories_on_a_team_database_count_every_sale_once(
    postgres_server: PostgresServer, expected_warnings: list[logging.LogRecord]
) -> None:
    """The same stories on a team profile (its database on PostgreSQL), fewer of them."""
    story = on_team(OrderStory, postgres_server, lambda s: s.open())
    run_state_machine_as_test(
        story, settings=hypothesis_settings(TEAM_MODEL_EXAMPLES, stateful_step_count=MODEL_STEPS)
    )
    print(f"\norders model-based test on a team database: {dict(STATS)}")
    assert all(r.name.startswith("backorder_desktop") for r in expected_warnings)
