"""BigCommerce's own backorder limits in SQL (method ``native``), and the method switch: each function
runs inside the caller's transaction.

``evaluate`` compares what the app wants in the store (with the method ``native``: each BackOrder
item's rule limit, None for no limit; an item that left BackOrder, or every item after a switch to
``app``: 0) with what the store last confirmed, and marks the differences pending. ``written``
records a confirmed limit in the stock history as it stores it, unless a newer wish replaced it
meanwhile: setting a limit twice is harmless, so a lost reply is simply sent again, and the record
is made once. ``switch_method`` saves the method and queues, in the same transaction, the tracking
writes and limits that go with it, so a switch is applied whole or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from datetime import timedelta

from backorder_desktop.adapters.storage import product_writes_store
from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import LimitWrite
from backorder_desktop.domain.product_writes import MethodSwitch
from backorder_desktop.domain.product_writes import StoreCount
from backorder_desktop.domain.product_writes import WriteReason
from backorder_desktop.domain.product_writes import limit_note
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock import store_move
from backorder_desktop.domain.stock_policy import STOCK_MIN

NO_LIMIT = -1  # how the table keeps "no limit" (limits are never negative)
_RULED = "BackOrder rule"
_LEFT = "left BackOrder"
_TO_APP = "method switched to app"


def _db(limit: int | None) -> int:
    return NO_LIMIT if limit is None else limit


def _limit(value: int | None) -> int | None:
    return None if value is None or value == NO_LIMIT else value


def _key(product_id: int, variant_id: int) -> StockKey:
    return StockKey(int(product_id), int(variant_id) or None)


def _tracked_assigned(conn: sqlite3.Connection) -> list[int]:
    rows = conn.execute(
        "SELECT a.product_id FROM backorder_assignments AS a JOIN products AS p ON p.id = a.product_id "
        "WHERE p.inventory_tracking != ?",
        (InventoryTracking.NONE.value,),
    )
    return [int(row[0]) for row in rows]


def wanted(conn: sqlite3.Connection) -> dict[StockKey, tuple[str, int | None]]:
    """With the method ``native``: each BackOrder item the store tracks, its SKU and rule limit
    (None: no limit; an item without a rule has none)."""
    if product_writes_store.method(conn) is not BackorderMethod.NATIVE:
        return {}
    items = stock_store.load_items(conn, _tracked_assigned(conn))
    rules = {
        _key(pid, vid): limit
        for pid, vid, limit in conn.execute("SELECT product_id, variant_id, limit_units FROM backorder_rules")
    }
    return {key: (item.sku, rules.get(key)) for key, (item, _) in items.items()}


def evaluate(conn: sqlite3.Connection, at: datetime) -> int:
    """Mark pending each item whose wanted limit differs from the last one wished; returns how many
    wait (pending) afterwards."""
    wishes = {key: (sku, limit, _RULED) for key, (sku, limit) in wanted(conn).items()}
    native = product_writes_store.method(conn) is BackorderMethod.NATIVE
    rows = {
        _key(pid, vid): (wish, written, state)
        for pid, vid, wish, written, state in conn.execute(
            "SELECT product_id, variant_id, wanted, written, state FROM backorder_limits"
        )
    }
    for key, (wish, written, _state) in rows.items():
        if key not in wishes and (wish != 0 or (written is not None and written != 0)):
            wishes[key] = ("", 0, _LEFT if native else _TO_APP)  # the store must stop selling past zero
    for key, (sku, limit, reason) in wishes.items():
        row = rows.get(key)
        if row is not None and row[0] == _db(limit):
            continue
        conn.execute(
            "INSERT INTO backorder_limits (product_id, variant_id, sku, wanted, reason, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (product_id, variant_id) DO UPDATE SET "
            "sku = CASE WHEN excluded.sku != '' THEN excluded.sku ELSE backorder_limits.sku END, "
            "wanted = excluded.wanted, reason = excluded.reason, state = 'pending', attempts = 0, "
            "last_error = NULL, updated_at = excluded.updated_at",
            (key.product_id, key.variant_id or 0, sku, _db(limit), reason, to_text(at)),
        )
    return pending_count(conn)


def pending_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM backorder_limits WHERE state = 'pending'").fetchone()[0])


def pending(conn: sqlite3.Connection) -> list[LimitWrite]:
    rows = conn.execute(
        "SELECT product_id, variant_id, sku, wanted, reason, attempts FROM backorder_limits "
        "WHERE state = 'pending' ORDER BY product_id, variant_id"
    )
    return [
        LimitWrite(_key(pid, vid), sku, _limit(wish), reason, int(attempts))
        for pid, vid, sku, wish, reason, attempts in rows
    ]


def attempted(conn: sqlite3.Connection, key: StockKey) -> None:
    conn.execute(
        "UPDATE backorder_limits SET attempts = attempts + 1 WHERE product_id = ? AND variant_id = ?",
        (key.product_id, key.variant_id or 0),
    )


def failed(conn: sqlite3.Connection, key: StockKey, reason: str) -> None:
    conn.execute(
        "UPDATE backorder_limits SET state = 'failed', last_error = ? "
        "WHERE product_id = ? AND variant_id = ?",
        (reason, key.product_id, key.variant_id or 0),
    )


def written(conn: sqlite3.Connection, write: LimitWrite, *, actor: str, at: datetime) -> bool:
    """The store confirmed ``write``: keep it as written and record it, unless another wish replaced
    it meanwhile (then that one is still to be written). Returns whether it was recorded."""
    ident = (write.key.product_id, write.key.variant_id or 0)
    row = conn.execute(
        "SELECT wanted, state FROM backorder_limits WHERE product_id = ? AND variant_id = ?", ident
    ).fetchone()
    if row is None or row[0] != _db(write.limit) or row[1] != "pending":
        return False
    conn.execute(
        "UPDATE backorder_limits SET written = wanted, state = 'done', last_error = NULL, updated_at = ? "
        "WHERE product_id = ? AND variant_id = ?",
        (to_text(at), *ident),
    )
    item = stock_store.load_items(conn, [write.key.product_id]).get(write.key)
    level = item[0].level if item is not None else 0
    product_writes_store.record_store_write(conn, write.key, level, level, limit_note(write), actor, at)
    return True


def gone(conn: sqlite3.Connection, key: StockKey) -> None:
    conn.execute(
        "DELETE FROM backorder_limits WHERE product_id = ? AND variant_id = ?",
        (key.product_id, key.variant_id or 0),
    )


def save_counts(conn: sqlite3.Connection, counts: dict[StockKey, StoreCount], at: datetime) -> int:
    """What the store counts, as read, kept with each item's limit row; its on hand is folded into
    the item as a pull's read is (a move since the last value seen is a store move): an order's
    stock move need not change a product's date_modified, so an incremental pull may not bring it.
    Items the app holds (tracking off), or whose tracking or stock write waits, are left to those.
    Returns the number of ledger entries written."""
    for key, count in counts.items():
        conn.execute(
            "UPDATE backorder_limits SET qty_backordered = ?, available_to_sell = ? "
            "WHERE product_id = ? AND variant_id = ?",
            (count.qty_backordered, count.available_to_sell, key.product_id, key.variant_id or 0),
        )
    busy = product_writes_store.pending_ids(conn) | set(
        product_writes_store.remembered(conn, _product_ids(counts))
    )
    sending = {
        _key(pid, vid)
        for pid, vid in conn.execute("SELECT product_id, variant_id FROM outbox WHERE state = 'sending'")
    }
    items = stock_store.load_items(conn, _product_ids(counts))
    entries = 0
    for key, count in counts.items():
        known = items.get(key)
        if count.on_hand is None or known is None or key.product_id in busy or key in sending:
            continue
        item, version = known
        updated, adjustment = store_move(item, count.on_hand, now=at)
        if adjustment is not None:
            stock_store.add_adjustment(conn, adjustment)
            entries += 1
        stock_store.save_item(conn, updated, version + 1 if updated.level != item.level else version)
        stock_store.set_mirror_level(conn, key, updated.level)
    return entries


def _product_ids(counts: dict[StockKey, StoreCount]) -> list[int]:
    return sorted({key.product_id for key in counts})


def counts(conn: sqlite3.Connection) -> dict[StockKey, tuple[int | None, int | None, int | None]]:
    """Each item's (limit written, backordered, available to sell) as last confirmed and read."""
    rows = conn.execute(
        "SELECT product_id, variant_id, written, qty_backordered, available_to_sell FROM backorder_limits"
    )
    return {_key(pid, vid): (_limit(w), q, a) for pid, vid, w, q, a in rows}


# --- the method switch ----------------------------------------------------------------------


def _owed_to_the_app(conn: sqlite3.Connection, product_ids: list[int], *, actor: str, at: datetime) -> None:
    """To the method app: the units BigCommerce counted as backordered (as last read) are owed,
    and the app counts them from now (its level is on hand less the units owed)."""
    owed = {k: q for k, (_w, q, _a) in counts(conn).items() if q}
    for key, known in stock_store.load_items(conn, product_ids).items():
        units = owed.get(key, 0)
        if units:
            level = max(STOCK_MIN, known[0].level - units)
            said = f"method switched to app: {units} backordered in BigCommerce are owed, counted by the app"
            product_writes_store.set_level(conn, known, level, said, actor=actor, at=at)


def preview(conn: sqlite3.Connection, target: BackorderMethod) -> MethodSwitch:
    """What switching to ``target`` would change now (stock and product writes waiting counted)."""
    current = product_writes_store.method(conn)
    stock_waiting = int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
    products_waiting = (
        int(conn.execute("SELECT COUNT(*) FROM product_writes").fetchone()[0])
        + int(conn.execute("SELECT COUNT(*) FROM purchasing WHERE pending = 1").fetchone()[0])
        + pending_count(conn)
    )
    switch = MethodSwitch(current, target, pending_stock=stock_waiting, pending_products=products_waiting)
    if current is target:
        return switch
    tracked = _tracked_assigned(conn)
    items = stock_store.load_items(conn, tracked)
    if target is BackorderMethod.NATIVE:
        turned_off = product_writes_store.remembered(conn, tracked)
        return MethodSwitch(
            current, target, tracking_on=len(turned_off), limits_written=len(items),
            pending_stock=stock_waiting, pending_products=products_waiting,
        )  # fmt: skip
    cleared = sum(1 for w, _q, _a in counts(conn).values() if w != 0)
    return MethodSwitch(
        current, target, tracking_off=len(tracked), limits_cleared=cleared,
        pending_stock=stock_waiting, pending_products=products_waiting,
    )  # fmt: skip


def switch_method(
    conn: sqlite3.Connection, target: BackorderMethod, *, actor: str, at: datetime
) -> MethodSwitch:
    """Save ``target`` as the method and queue what goes with it (the caller checked that nothing
    waits). To ``native``: each product whose tracking the app turned off gets its mode back on with
    the app's levels (never below zero), then its limits; to ``app``: tracking off (the mode
    remembered) and the limits cleared."""
    done = preview(conn, target)
    if not done.changes:
        return done
    tracked = _tracked_assigned(conn)
    if target is BackorderMethod.NATIVE:
        modes = product_writes_store.remembered(conn, tracked)
        items = stock_store.load_items(conn, modes)
        for pid, mode in modes.items():
            levels = {k.variant_id or 0: item.level for k, (item, _) in items.items() if k.product_id == pid}
            product_writes_store.queue(conn, pid, mode, WriteReason.TO_NATIVE, levels, at)
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('backorder-method', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (target.value,),
    )
    if target is BackorderMethod.APP:
        _owed_to_the_app(conn, tracked, actor=actor, at=at)
        # The units the store counted up to now are the app's level from now on: its count of
        # these products' orders starts here (the orders read skips orders placed before
        # assigned_at). Else the orders overlap, or any later change of an order placed under the
        # native method, counted that order again on top of the units handed over. Order dates are
        # whole seconds: the count starts at the next one, as an order of the switch's own second
        # was most likely among the units the store counted.
        since = at.replace(microsecond=0) + timedelta(seconds=1 if at.microsecond else 0)
        conn.execute(
            "UPDATE backorder_assignments SET assigned_at = ? "
            "WHERE product_id IN (SELECT value FROM json_each(?))",
            (to_text(since), json.dumps(tracked)),
        )
        rows = conn.execute(
            "SELECT id, inventory_tracking FROM products WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(tracked),),
        )
        for pid, mode in rows.fetchall():
            conn.execute(
                "UPDATE backorder_assignments SET tracking = ? WHERE product_id = ? AND tracking IS NULL",
                (mode, pid),
            )
            product_writes_store.queue(conn, int(pid), InventoryTracking.NONE, WriteReason.TO_APP, {}, at)
    evaluate(conn, at)
    return done
