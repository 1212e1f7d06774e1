"""Purchasing switched by the backorder rules, on ``SqliteMirrorStore``: an outbox beside the product writes.

A mixin like ``product_writes_mixin.py``; each method is one transaction. ``purchasing_written``
marks a write confirmed, copies it into the mirror (the variant's ``purchasing_disabled`` or the
product's ``availability``, as a pull will read them back) and records it in the stock history, in
one transaction: a crash before it leaves the write waiting, and sending it again sets the same
fields, so the record is made once. The mirror then shows what the app wrote: a later pull that
shows something else there is someone else's change (``purchasing_seen``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.adapters.storage import product_writes_store
from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.stock import StockKey

# The rules' purchasing is imported by the methods that make its records: a status opens the
# mirror without it.
if TYPE_CHECKING:
    from backorder_desktop.domain.purchasing import PurchasingRecord
    from backorder_desktop.domain.purchasing import PurchasingWrite

_UPSERT = (
    "INSERT INTO purchasing (product_id, variant_id, sku, disabled, why, message, pending, held, "
    "held_wish, state, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 0, NULL, 'pending', NULL, ?) "
    "ON CONFLICT (product_id, variant_id) DO UPDATE SET sku = excluded.sku, disabled = excluded.disabled, "
    "why = excluded.why, message = excluded.message, pending = 1, held = 0, held_wish = NULL, "
    "state = 'pending', last_error = NULL, updated_at = excluded.updated_at"
)
_WAITING = (
    "SELECT product_id, variant_id, sku, disabled, why, message, attempts FROM purchasing "
    "WHERE pending = 1 AND state != 'failed' ORDER BY product_id, variant_id"
)


def _key(pid: int, vid: int) -> StockKey:
    return StockKey(int(pid), int(vid) or None)


class PurchasingMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _writing(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def purchasing_records(self) -> dict[StockKey, PurchasingRecord]:
        from backorder_desktop.domain.purchasing import PurchasingRecord

        with self._reading() as conn:
            rows = conn.execute(
                "SELECT product_id, variant_id, disabled, message, pending, written, written_message, held, "
                "held_wish FROM purchasing"
            )
            return {
                _key(pid, vid): PurchasingRecord(
                    disabled=bool(disabled),
                    message=message,
                    pending=bool(pending),
                    written=None if written is None else bool(written),
                    written_message=written_message,
                    held=bool(held),
                    held_wish=None if held_wish is None else bool(held_wish),
                )
                for pid, vid, disabled, message, pending, written, written_message, held, held_wish in rows
            }

    def purchasing_seen(self, keys: Iterable[StockKey]) -> dict[StockKey, bool]:
        """Whether the mirror (the last pull, or the app's own confirmed write) shows each item
        disabled in the store: a variant's ``purchasing_disabled``, a product's ``availability``."""
        wanted = sorted(set(keys))
        variants = json.dumps([k.variant_id for k in wanted if k.variant_id is not None])
        products = json.dumps([k.product_id for k in wanted if k.variant_id is None])
        with self._reading() as conn:
            seen = {
                StockKey(int(pid), int(vid)): bool(flag)
                for vid, pid, flag in conn.execute(
                    "SELECT id, product_id, purchasing_disabled FROM variants "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    (variants,),
                )
            }
            seen.update(
                (StockKey(int(pid)), availability == "disabled")
                for pid, availability in conn.execute(
                    "SELECT id, availability FROM products WHERE id IN (SELECT value FROM json_each(?))",
                    (products,),
                )
            )
        return {k: v for k, v in seen.items() if k in set(wanted)}

    def queue_purchasing(self, writes: Iterable[PurchasingWrite], *, at: datetime) -> None:
        """Wishes to write; each replaces the item's earlier one and ends a merchant's hold."""
        rows = [
            (
                w.key.product_id,
                w.key.variant_id or 0,
                w.sku,
                int(w.disabled),
                w.why.value,
                w.message,
                to_text(at),
            )
            for w in writes
        ]
        with self._writing() as conn:
            conn.executemany(_UPSERT, rows)

    def purchasing_waiting(self) -> list[PurchasingWrite]:
        from backorder_desktop.domain.purchasing import PurchasingWrite
        from backorder_desktop.domain.purchasing import Why

        with self._reading() as conn:
            return [
                PurchasingWrite(_key(pid, vid), sku, bool(disabled), Why(why), message, int(attempts))
                for pid, vid, sku, disabled, why, message, attempts in conn.execute(_WAITING)
            ]

    def purchasing_waiting_count(self) -> int:
        with self._reading() as conn:
            row = conn.execute("SELECT COUNT(*) FROM purchasing WHERE pending = 1 AND state != 'failed'")
            return int(row.fetchone()[0])

    def purchasing_attempted(self, key: StockKey) -> None:
        with self._writing() as conn:
            conn.execute(
                "UPDATE purchasing SET attempts = attempts + 1 WHERE product_id = ? AND variant_id = ?",
                (key.product_id, key.variant_id or 0),
            )

    def purchasing_failed(self, key: StockKey, reason: str) -> None:
        with self._writing() as conn:
            conn.execute(
                "UPDATE purchasing SET state = 'failed', last_error = ? "
                "WHERE product_id = ? AND variant_id = ?",
                (reason, key.product_id, key.variant_id or 0),
            )

    def purchasing_gone(self, key: StockKey) -> None:
        with self._writing() as conn:
            conn.execute(
                "DELETE FROM purchasing WHERE product_id = ? AND variant_id = ?",
                (key.product_id, key.variant_id or 0),
            )

    def purchasing_written(self, write: PurchasingWrite, *, actor: str, at: datetime) -> bool:
        """The store confirmed ``write``: unless a newer wish replaced it meanwhile, mark it written,
        show it in the mirror and record it. Returns whether it was recorded (once)."""
        from backorder_desktop.domain.purchasing import note

        pid, vid = write.key.product_id, write.key.variant_id or 0
        with self._writing() as conn:
            row = conn.execute(
                "SELECT disabled, message, pending FROM purchasing WHERE product_id = ? AND variant_id = ?",
                (pid, vid),
            ).fetchone()
            if row is None or (bool(row[0]), row[1], bool(row[2])) != (write.disabled, write.message, True):
                return False
            conn.execute(
                "UPDATE purchasing SET pending = 0, written = ?, written_message = ?, attempts = 0, "
                "updated_at = ? WHERE product_id = ? AND variant_id = ?",
                (int(write.disabled), write.message, to_text(at), pid, vid),
            )
            if write.variant:
                conn.execute(
                    "UPDATE variants SET purchasing_disabled = ? WHERE id = ?", (int(write.disabled), vid)
                )
            else:
                state = "disabled" if write.disabled else "available"
                conn.execute("UPDATE products SET availability = ? WHERE id = ?", (state, pid))
            _record(conn, write.key, note(write), actor, at)
        return True

    def purchasing_held(self, key: StockKey, *, in_store: bool, wish: bool, actor: str, at: datetime) -> None:
        """The store shows ``in_store`` where the app last wrote otherwise: the merchant's change.
        Left as it is (taken as written) and recorded, until the wish differs from ``wish``."""
        from backorder_desktop.domain.purchasing import merchant_note

        with self._writing() as conn:
            conn.execute(
                "UPDATE purchasing SET held = 1, held_wish = ?, written = ?, pending = 0, updated_at = ? "
                "WHERE product_id = ? AND variant_id = ?",
                (int(wish), int(in_store), to_text(at), key.product_id, key.variant_id or 0),
            )
            _record(conn, key, merchant_note(in_store), actor, at)


def _record(conn: sqlite3.Connection, key: StockKey, reason: str, actor: str, at: datetime) -> None:
    items = stock_store.load_items(conn, [key.product_id])
    level = items[key][0].level if key in items else 0
    product_writes_store.record_store_write(conn, key, level, level, reason, actor, at)
