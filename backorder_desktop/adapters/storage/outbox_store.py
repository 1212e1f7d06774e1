"""The outbox in SQL: entries joined with their stock items, and the steps of a push.

Each function runs inside the caller's transaction. A push marks entries *sending* before the
request goes out, so a reply lost to a crash or the network is known as such at the next push.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime

from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.adapters.storage.codec import from_text
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import OutboxEntry
from backorder_desktop.domain.stock import OutboxState
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock import after_lost_reply
from backorder_desktop.domain.stock import store_move

_ENTRIES = (
    "SELECT i.product_id, i.variant_id, i.sku, i.level, i.store_level, i.awaiting_level, i.awaiting_since, "
    "i.version, o.state, o.attempts, o.last_error, o.sent_level, o.created_at "
    "FROM outbox AS o JOIN stock_items AS i USING (product_id, variant_id) "
    "ORDER BY o.product_id, o.variant_id"
)


def entries(conn: sqlite3.Connection) -> list[OutboxEntry]:
    out = []
    for row in conn.execute(_ENTRIES):
        item, version = stock_store.item_from_row(row[:8])
        out.append(
            OutboxEntry(
                item=item,
                version=version,
                state=OutboxState(row[8]),
                attempts=int(row[9]),
                last_error=row[10],
                sent_level=None if row[11] is None else int(row[11]),
                created_at=from_text(row[12]),
            )
        )
    return out


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])


def _where(key: StockKey) -> tuple[int, int]:
    return key.product_id, key.variant_id or 0


def mark_sending(conn: sqlite3.Connection, key: StockKey, level: int) -> None:
    conn.execute(
        "UPDATE outbox SET state = 'sending', sent_level = ?, attempts = attempts + 1 "
        "WHERE product_id = ? AND variant_id = ?",
        (level, *_where(key)),
    )


def written(conn: sqlite3.Connection, key: StockKey, level: int, version: int, at: datetime) -> bool:
    """The store accepted ``level``: it is the new baseline, awaiting confirmation by a read.
    The entry is done unless the item changed since it was read (then it stays pending)."""
    items = stock_store.load_items(conn, [key.product_id])
    if key not in items:
        conn.execute("DELETE FROM outbox WHERE product_id = ? AND variant_id = ?", _where(key))
        return True
    item, current_version = items[key]
    stock_store.save_item(
        conn, replace(item, store_level=level, awaiting_level=level, awaiting_since=at), current_version
    )
    if current_version == version:
        conn.execute("DELETE FROM outbox WHERE product_id = ? AND variant_id = ?", _where(key))
        return True
    conn.execute(
        "UPDATE outbox SET state = 'pending', sent_level = NULL WHERE product_id = ? AND variant_id = ?",
        _where(key),
    )
    return False


def failed(conn: sqlite3.Connection, key: StockKey, reason: str) -> None:
    conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?, sent_level = NULL "
        "WHERE product_id = ? AND variant_id = ?",
        (reason, *_where(key)),
    )


def fold_read(
    conn: sqlite3.Connection,
    key: StockKey,
    current: int,
    at: datetime,
    *,
    trust: bool = False,
    safety_stock: int | None = None,
) -> Adjustment | None:
    """Before writing, fold the store's current value into the item: a sale since the last value
    seen is kept. For an entry whose last write's reply was lost, first decide whether that write
    applied (``after_lost_reply``). A written value not seen back yet stays awaited: a read that
    differs from it within the settle window is the store's old value, not a move (``store_move``),
    unless ``trust`` says the store has shown the read is current. With ``safety_stock`` the value
    is on hand: an item still on the catalog's figure is re-based by it first."""
    items = stock_store.load_items(conn, [key.product_id])
    if key not in items:
        return None
    item, version = items[key]
    if safety_stock is not None:
        item, version = stock_store.on_hand_baselines(
            conn, {key: (item, version)}, {key: (current, safety_stock)}
        ).get(key, (item, version))
    row = conn.execute(
        "SELECT state, sent_level FROM outbox WHERE product_id = ? AND variant_id = ?", _where(key)
    ).fetchone()
    if row is not None and row[0] == OutboxState.SENDING.value and row[1] is not None:
        baseline = after_lost_reply(item, int(row[1]), current)
        item = replace(item, store_level=baseline, awaiting_level=None, awaiting_since=None)
        conn.execute(
            "UPDATE outbox SET state = 'pending', sent_level = NULL WHERE product_id = ? AND variant_id = ?",
            _where(key),
        )
    elif trust and item.awaiting_level is not None:
        item = replace(item, store_level=item.awaiting_level, awaiting_level=None, awaiting_since=None)
    updated, adjustment = store_move(item, current, now=at)
    if adjustment is not None:
        adjustment = stock_store.add_adjustment(conn, adjustment)
    stock_store.save_item(conn, updated, version + 1 if updated.level != item.level else version)
    return adjustment


def discard(conn: sqlite3.Connection, *, actor: str, at: datetime, reason: str) -> int:
    """Drop every waiting change: each item goes back to the store's last value, in the ledger."""
    dropped = 0
    for entry in entries(conn):
        item = entry.item
        if item.level != item.store_level:
            stock_store.add_adjustment(
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
            stock_store.save_item(conn, replace(item, level=item.store_level), entry.version + 1)
        dropped += 1
    conn.execute("DELETE FROM outbox")
    return dropped
