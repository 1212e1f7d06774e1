"""The ``OrderStore`` port on ``SqliteMirrorStore``: store orders counted into the stock ledger.

Counting is by state (``domain/orders.py``): each stored line keeps ``counted``, the units it has
moved its stock item by so far, and an order seen again moves the item by the difference only. A
batch of orders, their lines, their ledger entries, the items' levels, the outbox and the orders
cursor are written in one transaction, so a crash leaves each order counted wholly or not at all,
and the cursor never runs ahead of what was counted. A reading older than the one counted (by
``date_modified``) is skipped: a webhook's fetch and a poll may arrive in either order.

Only lines of BackOrder products are stored, and only for orders created at or after the product's
assignment: before it BigCommerce tracked the stock itself, and a product never assigned never
counts, so its lines would only grow the table (a busy store has far more of them). A line whose
product has no stock item yet (none was made at assignment) is stored uncounted and reported; it
counts when its order is seen again. A line removed from an order (an edit to 0) gives its units back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.adapters.storage.codec import from_text
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.orders import WAITING_STATUSES
from backorder_desktop.domain.orders import Order
from backorder_desktop.domain.orders import OrderCount
from backorder_desktop.domain.orders import OrderLine
from backorder_desktop.domain.orders import OwedOrder
from backorder_desktop.domain.orders import RestoreOn
from backorder_desktop.domain.orders import counted_units
from backorder_desktop.domain.orders import line_reason
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock_policy import STOCK_MAX
from backorder_desktop.domain.stock_policy import STOCK_MIN

ACTOR = "BigCommerce order"
_WAITING = json.dumps(sorted(int(s) for s in WAITING_STATUSES))
_UPSERT_LINE = (
    "INSERT INTO order_lines (line_id, order_id, product_id, variant_id, item_variant_id, sku, name, "
    "quantity, counted, status_id, date_created, date_modified, customer) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (line_id) DO UPDATE SET "
    "quantity = excluded.quantity, counted = excluded.counted, status_id = excluded.status_id, "
    "item_variant_id = excluded.item_variant_id, date_modified = excluded.date_modified, "
    "customer = excluded.customer, sku = excluded.sku, name = excluded.name"
)
_ADJUSTMENT = (
    "INSERT INTO stock_adjustments (product_id, variant_id, kind, quantity, level_before, level_after, "
    "source, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


_UPDATE_ITEM = "UPDATE stock_items SET level = ?, version = ? WHERE product_id = ? AND variant_id = ?"
_UNQUEUE = "DELETE FROM outbox WHERE product_id = ? AND variant_id = ? AND state != 'sending'"
_REMOVE, _ADD = AdjustmentKind.REMOVE.value, AdjustmentKind.ADD.value
_ORDER = AdjustmentSource.ORDER.value
Rows = list[tuple[object, ...]]
_Key = tuple[int, int]  # (product_id, variant_id or 0): cheaper to hash than a StockKey, per line


@dataclass
class _Stored:
    """A line as stored: what it counts against and what it has counted."""

    order_id: int
    product_id: int
    item_variant_id: int
    sku: str
    name: str
    counted: int
    date_modified: datetime


@dataclass
class _Item:
    """A stock item's figures as the batch moves it."""

    level: int
    store_level: int
    version: int


class _Batch:
    """The state one transaction works on: assignments, items and stored lines of its orders, each
    loaded with one query, and the rows the count writes (every write is one ``executemany``)."""

    def __init__(self, conn: sqlite3.Connection, orders: Sequence[Order]) -> None:
        product_ids = {line.product_id for order in orders for line in order.lines}
        order_ids = json.dumps(sorted({order.id for order in orders}))
        self.stored: dict[int, _Stored] = {
            int(r[0]): _Stored(
                int(r[1]), int(r[2]), int(r[3]), str(r[4]), str(r[5]), int(r[6]), from_text(r[7])
            )
            for r in conn.execute(
                "SELECT line_id, order_id, product_id, item_variant_id, sku, name, counted, date_modified "
                "FROM order_lines "
                "WHERE order_id IN (SELECT value FROM json_each(?))",
                (order_ids,),
            )
        }
        self.modified = {s.order_id: s.date_modified for s in self.stored.values()}
        self.by_order: dict[int, set[int]] = {}
        for line_id, line in self.stored.items():
            self.by_order.setdefault(line.order_id, set()).add(line_id)
        product_ids |= {s.product_id for s in self.stored.values()}
        wanted = json.dumps(sorted(product_ids))
        self.assigned: dict[int, datetime] = {
            int(pid): from_text(at)
            for pid, at in conn.execute(
                # Only what the store does not count itself: a product the app took tracking over
                # (method app: its mode is remembered) or one the store does not track. Where the
                # store still tracks it (method native), its sales move the store's level and reach
                # the ledger as store moves: counting the order too would count the sale twice.
                "SELECT a.product_id, a.assigned_at FROM backorder_assignments a "
                "LEFT JOIN products p ON p.id = a.product_id "
                "WHERE a.product_id IN (SELECT value FROM json_each(?)) "
                "AND (a.tracking IS NOT NULL OR p.inventory_tracking = 'none')",
                (wanted,),
            )
        }
        self.items: dict[_Key, _Item] = {
            (int(pid), int(vid)): _Item(int(level), int(store_level), int(version))
            for pid, vid, level, store_level, version in conn.execute(
                "SELECT product_id, variant_id, level, store_level, version FROM stock_items "
                "WHERE product_id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(self.assigned)),),
            )
        }
        self.changed: dict[_Key, None] = {}  # in the order first moved
        self.lines: Rows = []
        self.entries: Rows = []

    def key_for(self, product_id: int, variant_id: int | None) -> _Key | None:
        """The stock item a line counts against: the variant's own level when the product keeps
        stock per variant, else the product's."""
        if variant_id:
            key = (product_id, variant_id)
            if key in self.items:
                return key
        key = (product_id, 0)
        return key if key in self.items else None

    def move(self, key: _Key, units: int, reason: str, at: str) -> None:
        """Take ``units`` from an item's level (give back when negative), as one ledger entry."""
        item = self.items[key]
        level = max(STOCK_MIN, min(STOCK_MAX, item.level - units))
        kind = _REMOVE if units > 0 else _ADD
        self.entries.append((key[0], key[1], kind, abs(units), item.level, level, _ORDER, ACTOR, reason, at))
        item.level = level
        item.version += 1
        self.changed[key] = None

    def writes(self, at: str) -> list[tuple[str, Rows]]:
        """Every statement of the count with its rows, in the order they run."""
        items = [(self.items[key], key) for key in self.changed]
        levels = {StockKey(pid, vid or None): item.level for item, (pid, vid) in items}
        return [
            (_UPSERT_LINE, self.lines),
            (_ADJUSTMENT, self.entries),
            (_UPDATE_ITEM, [(item.level, item.version, *key) for item, key in items]),
            *stock_store.mirror_level_writes(levels),
            # Back to what the store has: nothing to write.
            (_UNQUEUE, [key for item, key in items if item.level == item.store_level]),
            (stock_store.QUEUE, [(*key, at) for item, key in items if item.level != item.store_level]),
        ]


class _OrderText:
    """An order's columns shared by its line rows (dates as text once per order, not per line)."""

    __slots__ = ("created", "customer", "id", "modified", "status_id")

    def __init__(self, order: Order) -> None:
        self.id = order.id
        self.status_id = order.status_id
        self.created = to_text(order.date_created)
        self.modified = to_text(order.date_modified)
        self.customer = order.customer


def _line_row(order: _OrderText, line: OrderLine, item_variant: int, counted: int) -> tuple[object, ...]:
    return (
        line.id,
        order.id,
        line.product_id,
        line.variant_id or 0,
        item_variant,
        line.sku,
        line.name,
        line.quantity,
        counted,
        order.status_id,
        order.created,
        order.modified,
        order.customer,
    )


def _not_counted(order: Order, line: OrderLine) -> ItemProblem:
    return ItemProblem(
        f"order #{order.id}",
        "Order line not counted",
        f"Product {line.product_id} is a BackOrder product without stock kept by the app "
        f"for {'variant ' + str(line.variant_id) if line.variant_id else 'it'}. It is counted "
        "when the order changes again after the next sync.",
    )


def _count_line(
    batch: _Batch,
    order: Order,
    text: _OrderText,
    line: OrderLine,
    restore_on: RestoreOn,
    at: str,
    count: OrderCount,
) -> None:
    stored = batch.stored.get(line.id)
    assigned = batch.assigned.get(line.product_id)
    # Order dates are whole seconds: an order of the assignment's own second is taken as after it.
    if assigned is None or order.date_created < assigned.replace(microsecond=0):
        return  # not a BackOrder sale: BigCommerce tracked this stock when the order was placed
    key = batch.key_for(line.product_id, line.variant_id)
    if stored is not None and stored.counted and key is not None and key[1] != stored.item_variant_id:
        key = (line.product_id, stored.item_variant_id)  # counted there: stays there
        if key not in batch.items:
            key = None
    target = counted_units(line, order.status_id, restore_on) if key is not None else 0
    before = stored.counted if stored is not None else 0
    if key is None:
        if stored is None or not stored.counted:
            count.problems.append(_not_counted(order, line))
        target = before  # nothing to move it against: keep what it counted
    elif target != before:
        batch.move(key, target - before, line_reason(order.id, line, abs(target - before)), at)
        count.entries += 1
        if target > before:
            count.units_sold += target - before
        else:
            count.units_restored += before - target
    item_variant = key[1] if key is not None else (stored.item_variant_id if stored else 0)
    batch.lines.append(_line_row(text, line, item_variant, target))
    batch.stored[line.id] = _Stored(
        order.id, line.product_id, item_variant, line.sku, line.name, target, order.date_modified
    )
    batch.by_order.setdefault(order.id, set()).add(line.id)
    count.lines += 1


def _removed_lines(batch: _Batch, order: Order, text: _OrderText, at: str, count: OrderCount) -> None:
    """Stored lines the order no longer has (edited to 0): their units go back."""
    gone_ids = batch.by_order.get(order.id, set()).difference(line.id for line in order.lines)
    for line_id in sorted(gone_ids):
        stored = batch.stored[line_id]
        if not stored.counted:
            continue
        key = (stored.product_id, stored.item_variant_id)
        if key not in batch.items:
            continue
        gone = OrderLine(line_id, order.id, stored.product_id, key[1] or None, stored.sku, stored.name, 0)
        batch.move(key, -stored.counted, line_reason(order.id, gone, stored.counted), at)
        count.entries += 1
        count.units_restored += stored.counted
        batch.lines.append(_line_row(text, gone, stored.item_variant_id, 0))
        stored.counted = 0


def plan_orders(
    conn: sqlite3.Connection, orders: Sequence[Order], *, restore_on: RestoreOn, at: datetime
) -> tuple[OrderCount, list[tuple[str, Rows]]]:
    """What counting ``orders`` does, and the statements with their rows that write it (read in
    the caller's transaction; the benchmark writes the same rows raw)."""
    count = OrderCount(orders=len(orders))
    if not orders:
        return count, []
    batch = _Batch(conn, orders)
    at_text = to_text(at)
    for order in orders:
        if order.id in batch.modified and order.date_modified < batch.modified[order.id]:
            # An older reading (a poll's page applied after a webhook's fetch): the newer state
            # was counted already, and counting this one would undo it until the order changes.
            continue
        text = _OrderText(order)
        for line in order.lines:
            _count_line(batch, order, text, line, restore_on, at_text, count)
        if order.id in batch.modified:  # else all its stored lines are the ones just counted
            _removed_lines(batch, order, text, at_text, count)
        batch.modified[order.id] = order.date_modified
    return count, batch.writes(at_text)


def apply_orders(
    conn: sqlite3.Connection, orders: Sequence[Order], *, restore_on: RestoreOn, at: datetime
) -> OrderCount:
    """Count ``orders`` inside the caller's transaction (see the module docstring)."""
    count, writes = plan_orders(conn, orders, restore_on=restore_on, at=at)
    for sql, rows in writes:
        if rows:
            conn.executemany(sql, rows)
    return count


def owed_orders(conn: sqlite3.Connection, limit: int) -> list[OwedOrder]:
    """Orders waiting for goods with counted lines, oldest first (the allocation worklist)."""
    rows = conn.execute(
        "SELECT order_id, status_id, date_created, customer, product_id, item_variant_id, sku, counted "
        "FROM order_lines WHERE order_id IN (SELECT order_id FROM order_lines WHERE counted > 0 "
        "AND status_id IN (SELECT value FROM json_each(?)) GROUP BY order_id "
        "ORDER BY MIN(date_created), order_id LIMIT ?) AND counted > 0 "
        "ORDER BY date_created, order_id, line_id",
        (_WAITING, limit),
    ).fetchall()
    owed: dict[int, OwedOrder] = {}
    for order_id, status_id, created, customer, pid, vid, sku, counted in rows:
        line = (StockKey(int(pid), int(vid) or None), str(sku), int(counted))
        known = owed.get(int(order_id))
        if known is None:
            owed[int(order_id)] = OwedOrder(
                int(order_id), int(status_id), from_text(created), str(customer), (line,)
            )
        else:
            owed[int(order_id)] = replace(known, lines=(*known.lines, line))
    return list(owed.values())


def orders_waiting(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT COUNT(DISTINCT order_id) FROM order_lines WHERE counted > 0 "
        "AND status_id IN (SELECT value FROM json_each(?))",
        (_WAITING,),
    ).fetchone()
    return int(row[0])


class OrderMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _writing(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def apply_orders(
        self,
        orders: Sequence[Order],
        *,
        restore_on: RestoreOn,
        at: datetime,
        cursor: tuple[str, str] | None = None,
    ) -> OrderCount:
        with self._writing() as conn:
            count = apply_orders(conn, orders, restore_on=restore_on, at=at)
            if cursor is not None:
                conn.execute(
                    "INSERT INTO cursors (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    cursor,
                )
            return count

    def owed_orders(self, limit: int = 200) -> list[OwedOrder]:
        with self._reading() as conn:
            return owed_orders(conn, limit)

    def orders_waiting(self) -> int:
        with self._reading() as conn:
            return orders_waiting(conn)

    def backordered_units(self) -> int:
        with self._reading() as conn:
            row = conn.execute("SELECT COALESCE(SUM(-level), 0) FROM stock_items WHERE level < 0").fetchone()
            return int(row[0])

    def first_assignment(self) -> datetime | None:
        with self._reading() as conn:
            row = conn.execute("SELECT MIN(assigned_at) FROM backorder_assignments").fetchone()
            return None if row[0] is None else from_text(row[0])

    def order_lines_counted(self, product_ids: Iterable[int] | None = None) -> dict[int, int]:
        """Line id → units counted (tests and benchmarks check exactly-once counting with it)."""
        with self._reading() as conn:
            rows = conn.execute("SELECT line_id, counted, product_id FROM order_lines").fetchall()
        wanted = None if product_ids is None else set(product_ids)
        return {int(r[0]): int(r[1]) for r in rows if wanted is None or int(r[2]) in wanted}
