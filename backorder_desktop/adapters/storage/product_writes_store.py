"""The product writes outbox in SQL: each function runs inside the caller's transaction.

Assign remembers the product's tracking mode and queues "tracking off"; unassign queues the
remembered mode back on with the app's levels (read before its stock items go). ``written``
removes an entry and records what the store confirmed in the stock history, in one transaction:
a crash before it leaves the entry, whose write is sent again (setting a field twice is
harmless), so the record is made once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.adapters.storage.codec import from_text
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import ProductWrite
from backorder_desktop.domain.product_writes import WriteReason
from backorder_desktop.domain.product_writes import owed_units
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock_policy import level_for_store

_QUEUE = (
    "INSERT INTO product_writes (product_id, tracking, levels, reason, created_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (product_id) DO UPDATE SET tracking = excluded.tracking, levels = excluded.levels, "
    "reason = excluded.reason, state = 'pending', last_error = NULL"
)
_ENTRIES = (
    "SELECT product_id, tracking, levels, reason, attempts, last_error, created_at FROM product_writes "
    "WHERE state != 'failed' ORDER BY product_id"
)


def queue(
    conn: sqlite3.Connection,
    product_id: int,
    tracking: InventoryTracking,
    reason: WriteReason,
    levels: dict[int, int],
    at: datetime,
) -> None:
    """One entry per product: a later wish replaces an unwritten one (the last state wins)."""
    conn.execute(_QUEUE, (product_id, tracking.value, json.dumps(levels), reason.value, to_text(at)))


def remembered(conn: sqlite3.Connection, product_ids: Iterable[int]) -> dict[int, InventoryTracking]:
    """The tracking modes assign turned off, of those of ``product_ids`` that are assigned."""
    rows = conn.execute(
        "SELECT product_id, tracking FROM backorder_assignments WHERE tracking IS NOT NULL "
        "AND product_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(product_ids))),),
    )
    return {int(pid): InventoryTracking(tracking) for pid, tracking in rows}


def assigned_ids(conn: sqlite3.Connection, product_ids: Iterable[int]) -> list[int]:
    rows = conn.execute(
        "SELECT product_id FROM backorder_assignments WHERE product_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(set(product_ids))),),
    )
    return [int(row[0]) for row in rows]


def method(conn: sqlite3.Connection) -> BackorderMethod:
    row = conn.execute("SELECT value FROM settings WHERE key = 'backorder-method'").fetchone()
    try:
        return BackorderMethod(row[0]) if row is not None else Settings().backorder_method
    except ValueError:  # as load_settings: a stored value that no longer validates is the default
        return Settings().backorder_method


def turn_off(conn: sqlite3.Connection, products: Sequence[Product], at: datetime) -> None:
    """With the method ``app``, newly assigned ``products`` hand their stock to the app: remember
    each one's mode and queue tracking off. A product that tracks nothing has no stock to hand
    over."""
    if method(conn) is not BackorderMethod.APP:
        return
    for product in products:
        if product.inventory_tracking is InventoryTracking.NONE:
            continue
        conn.execute(
            "UPDATE backorder_assignments SET tracking = ? WHERE product_id = ? AND tracking IS NULL",
            (product.inventory_tracking.value, product.id),
        )
        queue(conn, product.id, InventoryTracking.NONE, WriteReason.ASSIGN, {}, at)


def turn_back_on(conn: sqlite3.Connection, product_ids: Iterable[int], at: datetime) -> None:
    """Products leaving BackOrder: queue their remembered mode with the app's levels (call it
    before their stock items are dropped). Levels stay as the app has them (below zero: owed)."""
    modes = remembered(conn, product_ids)
    levels: dict[int, dict[int, int]] = {pid: {} for pid in modes}
    for key, (item, _) in stock_store.load_items(conn, modes).items():  # grouped once: linear
        levels[key.product_id][key.variant_id or 0] = item.level
    for pid, mode in modes.items():
        queue(conn, pid, mode, WriteReason.UNASSIGN, levels[pid], at)


def pending_ids(conn: sqlite3.Connection) -> set[int]:
    return {int(row[0]) for row in conn.execute("SELECT product_id FROM product_writes")}


def entries(conn: sqlite3.Connection) -> list[ProductWrite]:
    return [
        ProductWrite(
            product_id=int(pid),
            tracking=InventoryTracking(tracking),
            reason=WriteReason(reason),
            levels={int(k): int(v) for k, v in json.loads(levels).items()},
            attempts=int(attempts),
            last_error=error,
            created_at=from_text(created),
        )
        for pid, tracking, levels, reason, attempts, error, created in conn.execute(_ENTRIES)
    ]


def attempted(conn: sqlite3.Connection, product_id: int) -> None:
    conn.execute("UPDATE product_writes SET attempts = attempts + 1 WHERE product_id = ?", (product_id,))


def failed(conn: sqlite3.Connection, product_id: int, reason: str) -> None:
    conn.execute(
        "UPDATE product_writes SET state = 'failed', last_error = ? WHERE product_id = ?",
        (reason, product_id),
    )


def written(conn: sqlite3.Connection, write: ProductWrite, *, actor: str, at: datetime) -> bool:
    """The store confirmed ``write``: remove its entry and record it, unless another wish replaced
    it meanwhile (then that one is still to be written). Returns whether it was recorded."""
    row = conn.execute(
        "SELECT tracking, levels, reason FROM product_writes WHERE product_id = ?", (write.product_id,)
    ).fetchone()
    if row is None or (row[0], _levels(json.loads(row[1])), row[2]) != (
        write.tracking.value,
        _levels(write.levels),
        write.reason.value,
    ):
        return False
    conn.execute("DELETE FROM product_writes WHERE product_id = ?", (write.product_id,))
    if write.reason is WriteReason.TO_NATIVE:
        # The store counts the product again: the app no longer turns its tracking off.
        conn.execute(
            "UPDATE backorder_assignments SET tracking = NULL WHERE product_id = ?", (write.product_id,)
        )
    if write.reason is WriteReason.TO_NATIVE:
        _store_counts_again(conn, write, actor=actor, at=at)
        return True
    if write.reason is WriteReason.UNASSIGN:
        for vid, level in sorted(write.levels.items()):
            key = StockKey(write.product_id, vid or None)
            _note(conn, key, level_for_store(level), level, _restored(level, write.reason), actor, at)
        return True
    # Tracking is off: the store no longer counts this product, so its level there is moot until
    # the product leaves BackOrder. Waiting stock writes are settled here (the app keeps the level).
    conn.execute("DELETE FROM outbox WHERE product_id = ?", (write.product_id,))
    items = stock_store.load_items(conn, [write.product_id])
    for item, version in items.values():
        stock_store.save_item(
            conn, replace(item, store_level=item.level, awaiting_level=None, awaiting_since=None), version
        )
        reason = _REDISABLED if write.reason is WriteReason.REDISABLE else _STARTED
        _note(conn, item.key, item.level, item.level, reason.format(level=item.level), actor, at)
    return True


def _store_counts_again(conn: sqlite3.Connection, write: ProductWrite, *, actor: str, at: datetime) -> None:
    """The store counts the product again (method native): it holds what was written, on hand
    never below zero and the units owed as backordered; the app's level is on hand from now."""
    owed = owed_units(write)
    for key, (item, version) in stock_store.load_items(conn, [write.product_id]).items():
        on_hand = level_for_store(item.level)
        held = replace(item, store_level=on_hand, awaiting_level=None, awaiting_since=None)
        stock_store.save_item(conn, held, version)
        reason = _restored(item.level, WriteReason.TO_NATIVE)
        set_level(conn, (held, version), on_hand, reason, actor=actor, at=at)
        conn.execute(
            "UPDATE backorder_limits SET qty_backordered = ? WHERE product_id = ? AND variant_id = ?",
            (owed.get(key, 0), key.product_id, key.variant_id or 0),
        )


def set_level(
    conn: sqlite3.Connection,
    known: tuple[StockItem, int],
    level: int,
    reason: str,
    *,
    actor: str,
    at: datetime,
) -> None:
    """A method switch moves an item's level (the units owed change hands), recorded in the ledger;
    what the store holds is left to the caller."""
    item, version = known
    stock_store.add_adjustment(
        conn,
        Adjustment(
            key=item.key, kind=AdjustmentKind.SET, quantity=level, level_before=item.level, level_after=level,
            source=AdjustmentSource.TRACKING, actor=actor, at=at, reason=reason,
        ),
    )  # fmt: skip
    stock_store.save_item(conn, replace(item, level=level), version + 1)
    stock_store.set_mirror_level(conn, item.key, level)


_STARTED = "BackOrder took over: tracking off in BigCommerce, {level} on hand to start"
_REDISABLED = "tracking was turned back on in BigCommerce: turned off again, the app keeps {level}"


def _restored(level: int, reason: WriteReason = WriteReason.UNASSIGN) -> str:
    owed = level_for_store(level) - level
    if reason is WriteReason.TO_NATIVE:
        said = f"method switched to native: tracking back on in BigCommerce with {level_for_store(level)}"
        return f"{said}, {owed} owed counted there as backordered" if owed else said
    said = f"left BackOrder: tracking back on in BigCommerce with {level_for_store(level)}"
    return f"{said}; {owed} still owed" if owed else said


def _levels(levels: Mapping[Any, int]) -> list[tuple[int, int]]:
    return sorted((int(k), int(v)) for k, v in levels.items())


def _note(
    conn: sqlite3.Connection, key: StockKey, quantity: int, level: int, reason: str, actor: str, at: datetime
) -> None:
    """A record of the store write in the stock history; the app's level does not move."""
    stock_store.add_adjustment(
        conn,
        Adjustment(
            key=key,
            kind=AdjustmentKind.SET,
            quantity=quantity,
            level_before=level,
            level_after=level,
            source=AdjustmentSource.TRACKING,
            actor=actor,
            at=at,
            reason=reason,
        ),
    )


# Also the record of a purchasing switch (``purchasing_store.py``): a store write, the level unmoved.
record_store_write = _note


def pulled(
    conn: sqlite3.Connection, products: Sequence[Product], *, owned: bool, at: datetime
) -> list[Product]:
    """BackOrder ``products`` as a pull read them: returns those whose store levels are to be
    folded into their stock items (``stock_store.reconcile``).

    A product whose tracking the app turned off keeps its stock items as they are, keyed by the
    remembered mode, which the mirror shows too (what the window and the commands decide by);
    its level in the store is not counted there. Seen tracked again with no write of ours
    waiting, someone (an ERP) turned tracking back on: it is turned off again, and its store
    levels are folded in only when the store owns them (``owned``) in the remembered mode."""
    modes = remembered(conn, (p.id for p in products))
    waiting = pending_ids(conn) if modes else set()
    ready: list[Product] = []
    for product in products:
        mode = modes.get(product.id)
        tracking = product.inventory_tracking
        folded = mode is None or (tracking is mode and (product.id in waiting or owned))
        if folded:
            ready.append(product)
        if mode is None:
            continue
        if tracking is not InventoryTracking.NONE and product.id not in waiting:
            queue(conn, product.id, InventoryTracking.NONE, WriteReason.REDISABLE, {}, at)
        if tracking is not mode:
            conn.execute("UPDATE products SET inventory_tracking = ? WHERE id = ?", (mode.value, product.id))
        if not folded:
            for item, _ in stock_store.load_items(conn, [product.id]).values():
                stock_store.set_mirror_level(conn, item.key, item.level)
    return ready


def untracked_waiting(conn: sqlite3.Connection) -> list[int]:
    """The product of each waiting stock write whose tracking the app has turned off."""
    rows = conn.execute(
        "SELECT o.product_id FROM outbox AS o JOIN backorder_assignments AS a USING (product_id) "
        "WHERE a.tracking IS NOT NULL AND o.product_id NOT IN (SELECT product_id FROM product_writes)"
    )
    return [int(row[0]) for row in rows]


def settle_untracked(conn: sqlite3.Connection) -> int:
    """Waiting stock writes of products whose tracking the app has turned off (no write of
    theirs waiting): the store does not count them, so each item's level is what the store is
    taken to hold until the product leaves BackOrder (a write in flight too: whatever it did,
    the store no longer counts it). Returns how many were settled."""
    rows = untracked_waiting(conn)
    ids = sorted(set(rows))
    for item, version in stock_store.load_items(conn, ids).values():
        stock_store.save_item(
            conn, replace(item, store_level=item.level, awaiting_level=None, awaiting_since=None), version
        )
    conn.execute(
        "DELETE FROM outbox WHERE product_id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    return len(rows)
