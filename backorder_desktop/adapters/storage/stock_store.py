"""Stock items, the ledger and the outbox in SQL: each function runs inside the caller's transaction.

The rules (what a store move is, when a read is stale) live in ``domain/stock.py``; this module
loads and saves what they need. ``variant_id`` 0 in the tables is ``StockKey.variant_id`` None.
The mirror's ``inventory_level`` of a BackOrder item is kept equal to the item's derived level,
so every listing shows what the app will push.
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

from backorder_desktop.adapters.storage.codec import from_text
from backorder_desktop.adapters.storage.codec import maybe_from_text
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.stock import SETTLE_TIME
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import OutboxEntry
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock import store_move
from backorder_desktop.domain.stock import store_owned
from backorder_desktop.domain.store_onhand import on_hand_baseline

_SELECT_ITEMS = (
    "SELECT product_id, variant_id, sku, level, store_level, awaiting_level, awaiting_since, version "
    "FROM stock_items WHERE product_id IN (SELECT value FROM json_each(?))"
)
_SAVE_ITEM = (
    "INSERT INTO stock_items (product_id, variant_id, sku, level, store_level, awaiting_level, "
    "awaiting_since, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (product_id, variant_id) DO UPDATE SET sku = excluded.sku, level = excluded.level, "
    "store_level = excluded.store_level, awaiting_level = excluded.awaiting_level, "
    "awaiting_since = excluded.awaiting_since, version = excluded.version"
)
PENDING, SENDING, FAILED = "pending", "sending", "failed"
# An item waits to be written: one outbox entry per item, (product_id, variant_id, created_at).
QUEUE = (
    "INSERT INTO outbox (product_id, variant_id, created_at) VALUES (?, ?, ?) "
    "ON CONFLICT (product_id, variant_id) DO UPDATE SET state = CASE WHEN outbox.state = 'sending' "
    "THEN 'sending' ELSE 'pending' END, last_error = NULL"
)


def _vid(key: StockKey) -> int:
    return key.variant_id or 0


def _key(product_id: int, variant_id: int) -> StockKey:
    return StockKey(int(product_id), int(variant_id) or None)


def item_from_row(row: Any) -> tuple[StockItem, int]:
    pid, vid, sku, level, store_level, awaiting, since, version = tuple(row)
    item = StockItem(
        key=_key(pid, vid),
        sku=str(sku),
        level=int(level),
        store_level=int(store_level),
        awaiting_level=None if awaiting is None else int(awaiting),
        awaiting_since=maybe_from_text(since),
    )
    return item, int(version)


def tracked_levels(product: Product) -> dict[StockKey, tuple[str, int]]:
    """The stock items a product has in BigCommerce, with SKU and level as sent."""
    if product.inventory_tracking is InventoryTracking.PRODUCT:
        return {StockKey(product.id): (product.sku, product.inventory_level)}
    if product.inventory_tracking is InventoryTracking.VARIANT:
        return {StockKey(product.id, v.id): (v.sku, v.inventory_level or 0) for v in product.variants}
    return {}


def load_items(conn: sqlite3.Connection, product_ids: Iterable[int]) -> dict[StockKey, tuple[StockItem, int]]:
    rows = conn.execute(
        _SELECT_ITEMS,
        (json.dumps(sorted(set(product_ids))),),
    )
    return {item.key: (item, version) for item, version in map(item_from_row, rows)}


def save_item(conn: sqlite3.Connection, item: StockItem, version: int) -> None:
    conn.execute(
        _SAVE_ITEM,
        (
            item.key.product_id,
            _vid(item.key),
            item.sku,
            item.level,
            item.store_level,
            item.awaiting_level,
            to_text(item.awaiting_since) if item.awaiting_since else None,
            version,
        ),
    )
    set_mirror_level(conn, item.key, item.level)


def set_mirror_level(conn: sqlite3.Connection, key: StockKey, level: int) -> None:
    """Show an item's level in the mirror, with the figures BigCommerce derives from it: a
    product without options shows its level on its one (base) variant too, and a product that
    tracks by variant shows the sum of its variants."""
    for sql, rows in mirror_level_writes({key: level}):
        if rows:
            conn.executemany(sql, rows)


_PRODUCT_LEVEL = "UPDATE products SET inventory_level = ? WHERE id = ?"
_BASE_VARIANT_LEVEL = (
    "UPDATE variants SET inventory_level = ? WHERE product_id = ? "
    "AND (SELECT COUNT(*) FROM variants WHERE product_id = ?) = 1"
)
_VARIANT_LEVEL = "UPDATE variants SET inventory_level = ? WHERE id = ?"
_VARIANTS_SUM = (
    "UPDATE products SET inventory_level = "
    "(SELECT COALESCE(SUM(inventory_level), 0) FROM variants WHERE product_id = ?) "
    "WHERE id = ? AND inventory_tracking = 'variant'"
)


def mirror_level_writes(levels: Mapping[StockKey, int]) -> list[tuple[str, list[tuple[object, ...]]]]:
    """The statements and rows that show many items' levels in the mirror (as
    :func:`set_mirror_level` does one's), for ``executemany`` in this order: a variant-tracked
    product's sum is taken after its variants are written."""
    products: list[tuple[object, ...]] = []
    bases: list[tuple[object, ...]] = []
    variants: list[tuple[object, ...]] = []
    sums: dict[int, tuple[object, ...]] = {}
    for key, level in levels.items():
        pid = key.product_id
        if key.variant_id is None:
            products.append((level, pid))
            bases.append((level, pid, pid))
        else:
            variants.append((level, key.variant_id))
            sums[pid] = (pid, pid)
    return [
        (_PRODUCT_LEVEL, products),
        (_BASE_VARIANT_LEVEL, bases),
        (_VARIANT_LEVEL, variants),
        (_VARIANTS_SUM, list(sums.values())),
    ]


def add_adjustment(conn: sqlite3.Connection, adjustment: Adjustment) -> Adjustment:
    cursor = conn.execute(
        "INSERT INTO stock_adjustments (product_id, variant_id, kind, quantity, level_before, level_after, "
        "source, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            adjustment.key.product_id,
            _vid(adjustment.key),
            adjustment.kind.value,
            adjustment.quantity,
            adjustment.level_before,
            adjustment.level_after,
            adjustment.source.value,
            adjustment.actor,
            adjustment.reason,
            to_text(adjustment.at),
        ),
    )
    return replace(adjustment, id=int(cursor.lastrowid or 0))


def queue(conn: sqlite3.Connection, key: StockKey, at: datetime) -> None:
    """Mark an item as waiting to be written (one outbox entry per item: the value pushed is the
    item's level at push time, so several edits make one write)."""
    conn.execute(QUEUE, (key.product_id, _vid(key), to_text(at)))


def ensure_items(conn: sqlite3.Connection, products: Sequence[Product], at: datetime) -> int:
    """Create the stock items of newly assigned products from the mirror's values.

    An item unassigned before the store showed our last write to it starts at that write's level
    and waits for it again: the store took that level, and a mirror value that differs may have
    been read before the write showed (a pull of the product while it was not on backorder).
    ``store_move`` then tells the two apart as for any item: the write shows, or a read still
    differing after ``SETTLE_TIME`` is a move in the store.
    """
    existing = load_items(conn, [p.id for p in products])
    kept = _take_awaiting(conn, [p.id for p in products], at)
    shown = _take_on_hand(conn, [key for p in products for key in tracked_levels(p) if key not in existing])
    created = 0
    from_catalog: list[tuple[int, int, int]] = []
    ledger_end: int | None = None
    for product in products:
        for key, (sku, level) in tracked_levels(product).items():
            if key not in existing:
                mark = kept.get(key)
                if mark is None:
                    item = StockItem(key=key, sku=sku, level=level, store_level=level)
                    if shown.get(key) != level:
                        if ledger_end is None:
                            ledger_end = _ledger_end(conn)
                        from_catalog.append((ledger_end, key.product_id, _vid(key)))
                else:
                    written, since = mark
                    item = StockItem(
                        key=key,
                        sku=sku,
                        level=written,
                        store_level=written,
                        awaiting_level=written,
                        awaiting_since=since,
                    )
                save_item(conn, item, 0)
                created += 1
    conn.executemany(_FROM_CATALOG, from_catalog)
    return created


# The mirror's level of a product not on backorder is the catalog's figure, on hand less safety
# stock, while every read of a BackOrder item is on hand: an item made from it remembers so (with
# the ledger's end, to tell at its first on-hand read whether anything moved its level since).
_FROM_CATALOG = "UPDATE stock_items SET catalog_since = ? WHERE product_id = ? AND variant_id = ?"


# An item unassigned leaves its level in the mirror, on hand, until a pull reads the catalog's
# figure there again: assigned again before that, its item must not be re-based.
_ON_HAND = "stock-on-hand:"


def keep_on_hand(conn: sqlite3.Connection, product_ids: Iterable[int]) -> None:
    """Before the items of ``product_ids`` are dropped: remember the on-hand levels the mirror keeps
    showing for them (an item still on the catalog's figure has none to remember)."""
    rows = [
        (f"{_ON_HAND}{pid}:{vid}", json.dumps(int(level)))
        for pid, vid, level in conn.execute(
            "SELECT product_id, variant_id, level FROM stock_items WHERE catalog_since IS NULL "
            "AND product_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(product_ids))),),
        )
    ]
    conn.executemany(_KEEP, rows)


def _take_on_hand(conn: sqlite3.Connection, keys: Sequence[StockKey]) -> dict[StockKey, int]:
    """The on-hand levels kept for ``keys`` at their unassignment; each is taken (removed). A
    mirror level that still equals one is that on hand, not a catalog figure read since."""
    if not keys:
        return {}
    names = {f"{_ON_HAND}{key.product_id}:{_vid(key)}": key for key in keys}
    found = {
        names[name]: int(json.loads(value))
        for name, value in conn.execute(
            "SELECT name, value FROM cursors WHERE name IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(names)),),
        )
    }
    if found:
        conn.execute(
            "DELETE FROM cursors WHERE name IN (SELECT value FROM json_each(?))", (json.dumps(sorted(names)),)
        )
    return found


def _ledger_end(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM stock_adjustments").fetchone()[0])


def on_hand_baselines(
    conn: sqlite3.Connection,
    items: Mapping[StockKey, tuple[StockItem, int]],
    reads: Mapping[StockKey, tuple[int, int]],
) -> dict[StockKey, tuple[StockItem, int]]:
    """Of ``items`` read on hand just now (``reads``: on hand and safety stock), those whose
    baseline was still the catalog's figure, re-based by their safety stock (``on_hand_baseline``)
    and no longer marked; the caller saves them with what the read then brings."""
    wanted = [key for key in items if key in reads]
    if not wanted:
        return {}
    marked = conn.execute(
        "SELECT product_id, variant_id, catalog_since FROM stock_items WHERE catalog_since IS NOT NULL "
        "AND product_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted({key.product_id for key in wanted})),),
    ).fetchall()
    rebased: dict[StockKey, tuple[StockItem, int]] = {}
    for pid, vid, since in marked:
        key = _key(pid, vid)
        if key not in items or key not in reads:
            continue
        item, version = items[key]
        moved = conn.execute(
            "SELECT 1 FROM stock_adjustments WHERE product_id = ? AND variant_id = ? AND id > ? LIMIT 1",
            (pid, vid, since),
        ).fetchone()
        updated = on_hand_baseline(item, *reads[key], untouched=moved is None)
        conn.execute(
            "UPDATE stock_items SET catalog_since = NULL WHERE product_id = ? AND variant_id = ?", (pid, vid)
        )
        rebased[key] = (updated, version + 1 if updated.level != item.level else version)
    return rebased


# An item's "written, not yet seen back" mark outlives the item's removal at unassign, so that an
# item made again for the same level within the settle window still takes the store's old value
# for stale, not for a sale. Kept among the cursors: sync state of the store, like them.
_AWAITING = "stock-awaiting:"
_KEEP = (
    "INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


def keep_awaiting(conn: sqlite3.Connection, product_ids: Iterable[int], at: datetime) -> None:
    """Before the items of ``product_ids`` are dropped: keep the marks of writes not seen back yet."""
    rows = []
    for item, _ in load_items(conn, product_ids).values():
        since = item.awaiting_since or at
        if item.awaiting_level is not None and since + SETTLE_TIME > at:
            name = f"{_AWAITING}{item.key.product_id}:{_vid(item.key)}"
            rows.append((name, json.dumps([item.awaiting_level, to_text(since)])))
    conn.executemany(_KEEP, rows)


def _take_awaiting(
    conn: sqlite3.Connection, product_ids: Sequence[int], at: datetime
) -> dict[StockKey, tuple[int, datetime]]:
    """The kept marks of ``product_ids`` still within the settle window; each is taken (removed),
    and so is any mark past its window."""
    names = [f"{_AWAITING}{pid}:" for pid in product_ids]
    marks: dict[StockKey, tuple[int, datetime]] = {}
    stale = []
    for name, value in conn.execute("SELECT name, value FROM cursors WHERE name LIKE ?", (f"{_AWAITING}%",)):
        level, since_text = json.loads(value)
        since = from_text(since_text)
        if since + SETTLE_TIME <= at:
            stale.append((name,))
        elif any(name.startswith(prefix) for prefix in names):
            pid, vid = name.removeprefix(_AWAITING).split(":")
            marks[_key(int(pid), int(vid))] = (int(level), since)
            stale.append((name,))
    conn.executemany("DELETE FROM cursors WHERE name = ?", stale)
    return marks


def reconcile(
    conn: sqlite3.Connection,
    products: Sequence[Product],
    *,
    owned: bool,
    at: datetime,
    safety_stock: Mapping[StockKey, int] | None = None,
) -> int:
    """Fold the store's values of BackOrder products (as a pull read them) into their items.

    ``owned`` (``erp`` mode): the store's value replaces the local one. Otherwise a difference
    from the last value seen is a store move, added to the local level (never undoing a sale).
    Items whose write is in flight with a lost reply are left to the outbox pusher. The items
    ``safety_stock`` names were read on hand: one still on the catalog's figure is re-based by its
    safety stock first. Returns the number of ledger entries written.
    """
    if not products:
        return 0
    items = load_items(conn, [p.id for p in products])
    sending = {
        _key(pid, vid)
        for pid, vid in conn.execute(
            "SELECT product_id, variant_id FROM outbox WHERE state = 'sending' "
            "AND product_id IN (SELECT value FROM json_each(?))",
            (json.dumps([p.id for p in products]),),
        )
    }
    if safety_stock:
        ready = {key: known for key, known in items.items() if key not in sending}
        reads = {
            key: (level, safety_stock[key])
            for product in products
            for key, (_, level) in tracked_levels(product).items()
            if key in safety_stock
        }
        items.update(on_hand_baselines(conn, ready, reads))
    entries = 0
    for product in products:
        incoming = tracked_levels(product)
        for key, (sku, level) in incoming.items():
            known = items.get(key)
            if known is None:
                save_item(conn, StockItem(key=key, sku=sku, level=level, store_level=level), 0)
                continue
            item, version = known
            if key in sending:
                set_mirror_level(conn, key, item.level)
                continue
            rule = store_owned if owned else store_move
            updated, adjustment = rule(item, level, now=at)
            if adjustment is not None:
                add_adjustment(conn, adjustment)
                entries += 1
            bumped = version + 1 if updated.level != item.level else version
            save_item(conn, replace(updated, sku=sku), bumped)
        gone = [k for k in items if k.product_id == product.id and k not in incoming]
        for key in gone:  # a variant deleted, or tracking changed in the store
            drop_item(conn, key)
    return entries


def drop_item(conn: sqlite3.Connection, key: StockKey) -> None:
    conn.execute(
        "DELETE FROM stock_items WHERE product_id = ? AND variant_id = ?", (key.product_id, _vid(key))
    )
    conn.execute("DELETE FROM outbox WHERE product_id = ? AND variant_id = ?", (key.product_id, _vid(key)))


def discard_waiting(
    conn: sqlite3.Connection, entries: Sequence[OutboxEntry], *, actor: str, at: datetime, reason: str
) -> int:
    """Drop these waiting changes: each item goes back to the store's last value, and its stock
    history says so."""
    for entry in entries:
        item = entry.item
        conn.execute(
            "DELETE FROM outbox WHERE product_id = ? AND variant_id = ?",
            (item.key.product_id, _vid(item.key)),
        )
        if item.level == item.store_level:  # a write in flight or refused: no level moves
            continue
        add_adjustment(
            conn,
            Adjustment(
                key=item.key,
                kind=AdjustmentKind.SET,
                quantity=item.store_level,
                level_before=item.level,
                level_after=item.store_level,
                source=AdjustmentSource.PERSON,
                actor=actor,
                at=at,
                reason=reason,
            ),
        )
        save_item(conn, replace(item, level=item.store_level), entry.version + 1)
    return len(entries)


def drop_products(conn: sqlite3.Connection, product_ids: Iterable[int]) -> int:
    """Unassigned or deleted products: their items and outbox entries go (the ledger stays)."""
    wanted = json.dumps(sorted(set(product_ids)))
    dropped = conn.execute(
        "DELETE FROM outbox WHERE product_id IN (SELECT value FROM json_each(?))", (wanted,)
    ).rowcount
    conn.execute("DELETE FROM stock_items WHERE product_id IN (SELECT value FROM json_each(?))", (wanted,))
    return int(dropped)


def history(conn: sqlite3.Connection, product_id: int, limit: int) -> list[Adjustment]:
    rows = conn.execute(
        "SELECT id, product_id, variant_id, kind, quantity, level_before, level_after, source, actor, "
        "reason, at FROM stock_adjustments WHERE product_id = ? ORDER BY id DESC LIMIT ?",
        (product_id, limit),
    )
    return [
        Adjustment(
            id=int(r[0]),
            key=_key(r[1], r[2]),
            kind=AdjustmentKind(r[3]),
            quantity=int(r[4]),
            level_before=int(r[5]),
            level_after=int(r[6]),
            source=AdjustmentSource(r[7]),
            actor=str(r[8]),
            reason=str(r[9]),
            at=from_text(r[10]),
        )
        for r in rows
    ]
