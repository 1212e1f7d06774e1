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
counts when its order is seen again, unless the store tracks no stock for the product: its lines
never count, not even once tracking is turned on (``tracking_handover.py``). A line removed from
an order (an edit to 0) gives its units back.
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
from typing import Any

from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.adapters.storage.catalog_reads import owed_now
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


# A line row as ``_UPSERT_LINE`` writes it is also the batch's record of the stored line: what it
# counts against and what it has counted (one tuple per line, not a row and an object).
_ORDER_ID, _PRODUCT_ID, _ITEM_VARIANT, _SKU, _NAME, _COUNTED, _MODIFIED = 1, 2, 4, 5, 6, 8, 11
_LINE_COLUMNS = (
    "line_id, order_id, product_id, variant_id, item_variant_id, sku, name, quantity, counted, "
    "status_id, date_created, date_modified, customer"
)


@dataclass(slots=True)
class _Item:
    """A stock item's figures as the batch moves it."""

    level: int
    store_level: int
    version: int


class _Batch:
    """The state one transaction works on: assignments, items and stored lines of its orders, each
    loaded with one query, and the rows the count writes (every write is one ``executemany``)."""

    def __init__(self, conn: sqlite3.Connection, orders: Sequence[Order], restore_on: RestoreOn) -> None:
        product_ids = {line.product_id for order in orders for line in order.lines}
        order_ids = json.dumps([order.id for order in orders])
        self.stored: dict[int, tuple[Any, ...]] = {}
        self.by_order: dict[int, set[int]] = {}
        modified: dict[int, str] = {}
        for row in conn.execute(
            f"SELECT {_LINE_COLUMNS} FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?))",  # noqa: S608
            (order_ids,),
        ):
            self.stored[row[0]] = row
            self.by_order.setdefault(row[_ORDER_ID], set()).add(row[0])
            modified[row[_ORDER_ID]] = row[_MODIFIED]  # an order's lines are written together: one date
            product_ids.add(row[_PRODUCT_ID])
        self.modified = {order_id: from_text(text) for order_id, text in modified.items()}
        # The assigned products among them with their stock items, in one query. Only what the
        # store does not count itself: a product the app took tracking over (method app: its mode
        # is remembered) or one the store does not track. Where the store still tracks it (method
        # native), its sales move the store's level and reach the ledger as store moves: counting
        # the order too would count the sale twice.
        self.assigned: dict[int, datetime] = {}
        self.items: dict[_Key, _Item] = {}
        self.untracked: set[int] = set()  # the store tracks no stock for them: no item to count against
        for pid, at, vid, level, store_level, version, tracking in conn.execute(
            "SELECT a.product_id, a.assigned_at, s.variant_id, s.level, s.store_level, s.version, "
            "p.inventory_tracking "
            "FROM backorder_assignments a LEFT JOIN products p ON p.id = a.product_id "
            "LEFT JOIN stock_items s ON s.product_id = a.product_id "
            "WHERE a.product_id IN (SELECT value FROM json_each(?)) "
            "AND (a.tracking IS NOT NULL OR p.inventory_tracking = 'none')",
            (json.dumps(list(product_ids)),),
        ):
            if pid not in self.assigned:
                # Order dates are whole seconds: an order of the assignment's own second counts.
                self.assigned[pid] = from_text(at).replace(microsecond=0)
            if vid is not None:
                self.items[pid, vid] = _Item(level, store_level, version)  # INTEGER columns: ints
            elif tracking == "none":
                self.untracked.add(pid)
        self.restore_on = restore_on
        # counted_units per (status, quantity, refunded): the same few answers for thousands of lines.
        self.units: dict[tuple[int, int, int], int] = {}
        self.changed: dict[_Key, None] = {}  # in the order first moved
        self.lines: Rows = []
        self.entries: Rows = []

    def counted(self, line: OrderLine, status_id: int) -> int:
        memo = (status_id, line.quantity, line.quantity_refunded)
        units = self.units.get(memo)
        if units is None:
            units = self.units[memo] = counted_units(line, status_id, self.restore_on)
        return units

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


def _not_counted(order: Order, line: OrderLine, untracked: bool) -> ItemProblem:
    if untracked:
        # Nothing will make it count by itself: the merchant has to turn tracking on first.
        return ItemProblem(
            f"order #{order.id}",
            "Order line not counted",
            f"{line.sku or f'Product {line.product_id}'} tracks no stock in BigCommerce, so the app has "
            "no stock to count this sale against (the store sells it without counting). Turn on inventory "
            "tracking for it in BigCommerce, then sync: its orders are counted from then on.",
        )
    return ItemProblem(
        f"order #{order.id}",
        "Order line not counted",
        f"Product {line.product_id} is a BackOrder product without stock kept by the app "
        f"for {'variant ' + str(line.variant_id) if line.variant_id else 'it'}. It is counted "
        "when the order changes again after the next sync.",
    )


def _order_texts(order: Order) -> tuple[str, str]:
    """The order's dates as stored (a new order's two dates are one: converted once)."""
    created = to_text(order.date_created)
    same = order.date_modified == order.date_created
    return created, created if same else to_text(order.date_modified)


def _count_order(batch: _Batch, order: Order, at: str, count: OrderCount) -> None:
    """Move the items of ``order``'s BackOrder lines to what the order counts now, and store them.

    This runs for every line of a page (tens of thousands in a catch-up), so it keeps the batch's
    parts in locals and builds the ledger and line rows in place (``_Batch.move`` and
    ``_Batch.store`` spelled out): the write of a page stays close to a raw ``executemany``."""
    texts: tuple[str, str] | None = None  # made for the first line that is stored: most orders have none
    assigned, items, stored_lines, memo = batch.assigned, batch.items, batch.stored, batch.units
    rows, entries, changed = batch.lines, batch.entries, batch.changed
    created, order_id, status_id = order.date_created, order.id, order.status_id
    new_lines: list[int] = []
    entries_before, lines = len(entries), 0
    for line in order.lines:
        product_id = line.product_id
        since = assigned.get(product_id)
        if since is None or created < since:
            continue  # not a BackOrder sale: BigCommerce tracked this stock when the order was placed
        if texts is None:
            texts = _order_texts(order)
        stored = stored_lines.get(line.id)
        key: _Key | None = (product_id, line.variant_id or 0)
        if key not in items:
            key = (product_id, 0) if (product_id, 0) in items else None
        before, stored_variant = (stored[_COUNTED], stored[_ITEM_VARIANT]) if stored is not None else (0, 0)
        if before and key is not None and key[1] != stored_variant:
            key = (product_id, stored_variant)  # counted there: stays there
            if key not in items:
                key = None
        if key is None:
            if not before:
                count.problems.append(_not_counted(order, line, product_id in batch.untracked))
            target = before  # nothing to move it against: keep what it counted
            item_variant = stored_variant
        else:
            target = memo.get((status_id, line.quantity, line.quantity_refunded))
            if target is None:
                target = batch.counted(line, status_id)
            item_variant = key[1]
            if target != before:
                units = target - before
                item = items[key]
                level = max(STOCK_MIN, min(STOCK_MAX, item.level - units))
                if units > 0:
                    kind, count.units_sold = _REMOVE, count.units_sold + units
                else:
                    kind, count.units_restored, units = _ADD, count.units_restored - units, -units
                reason = line_reason(order_id, line, units)
                entries.append(
                    (product_id, item_variant, kind, units, item.level, level, _ORDER, ACTOR, reason, at)
                )
                item.level = level
                item.version += 1
                changed[key] = None
        row = (
            line.id,
            order_id,
            product_id,
            line.variant_id or 0,
            item_variant,
            line.sku,
            line.name,
            line.quantity,
            target,
            status_id,
            *texts,
            order.customer,
        )
        rows.append(row)
        stored_lines[line.id] = row
        if stored is None:
            new_lines.append(line.id)
        lines += 1
    if new_lines:
        batch.by_order.setdefault(order_id, set()).update(new_lines)
    count.lines += lines
    count.entries += len(entries) - entries_before


def _removed_lines(batch: _Batch, order: Order, at: str, count: OrderCount) -> None:
    """Stored lines the order no longer has (edited to 0): their units go back."""
    gone_ids = batch.by_order.get(order.id, set()).difference(line.id for line in order.lines)
    texts: tuple[str, str] | None = None
    for line_id in sorted(gone_ids):
        stored = batch.stored[line_id]
        counted = stored[_COUNTED]
        key = (stored[_PRODUCT_ID], stored[_ITEM_VARIANT])
        if not counted or key not in batch.items:
            continue
        gone = OrderLine(line_id, order.id, key[0], key[1] or None, stored[_SKU], stored[_NAME], 0)
        batch.move(key, -counted, line_reason(order.id, gone, counted), at)
        count.entries += 1
        count.units_restored += counted
        if texts is None:
            texts = _order_texts(order)
        created, modified = texts
        row = (line_id, order.id, *key, key[1], gone.sku, gone.name, 0, 0, order.status_id, created, modified)
        batch.stored[line_id] = (*row, order.customer)
        batch.lines.append(batch.stored[line_id])


def plan_orders(
    conn: sqlite3.Connection, orders: Sequence[Order], *, restore_on: RestoreOn, at: datetime
) -> tuple[OrderCount, list[tuple[str, Rows]]]:
    """What counting ``orders`` does, and the statements with their rows that write it (read in
    the caller's transaction; the benchmark writes the same rows raw)."""
    count = OrderCount(orders=len(orders))
    if not orders:
        return count, []
    batch = _Batch(conn, orders, restore_on)
    at_text = to_text(at)
    for order in orders:
        seen = batch.modified.get(order.id)
        if seen is not None and order.date_modified < seen:
            # An older reading (a poll's page applied after a webhook's fetch): the newer state
            # was counted already, and counting this one would undo it until the order changes.
            continue
        _count_order(batch, order, at_text, count)
        if seen is not None:  # else all its stored lines are the ones just counted
            _removed_lines(batch, order, at_text, count)
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
            return owed_now(conn)  # with the method native, less what BigCommerce counts

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
