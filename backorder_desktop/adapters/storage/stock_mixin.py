"""The ``StockStore`` port's methods on ``SqliteMirrorStore``: stock items, ledger and outbox.

A mixin so that ``mirror_store.py`` stays about the catalog; each method is one transaction
through the store's own ``_reading``/``_writing``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.adapters.storage import outbox_store
from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import InvalidStock
from backorder_desktop.domain.stock import OutboxEntry
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock import adjusted_level


class StockMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _writing(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def stock_items(self, product_ids: Iterable[int] | None = None) -> list[StockItem]:
        with self._reading() as conn:
            if product_ids is None:
                rows: Iterator[object] = conn.execute(
                    "SELECT product_id, variant_id, sku, level, store_level, awaiting_level, "
                    "awaiting_since, version FROM stock_items ORDER BY product_id, variant_id"
                )
                return [stock_store.item_from_row(row)[0] for row in rows]
            items = stock_store.load_items(conn, product_ids)
            return [item for item, _ in sorted(items.values(), key=lambda pair: pair[0].key)]

    def find_stock_key(self, ref: str) -> StockKey:
        ref = ref.strip()
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT product_id, variant_id FROM stock_items WHERE sku = ? COLLATE NOCASE", (ref,)
            ).fetchall()
            if len(rows) == 1:
                return StockKey(int(rows[0][0]), int(rows[0][1]) or None)
            if len(rows) > 1:
                raise InvalidStock(
                    f"More than one BackOrder stock item has the SKU '{ref}'. Use a variant SKU."
                )
            known = conn.execute(
                "SELECT p.id, p.inventory_tracking, a.product_id IS NOT NULL FROM products AS p "
                "LEFT JOIN backorder_assignments AS a ON a.product_id = p.id "
                "WHERE p.sku = ? COLLATE NOCASE OR p.id IN "
                "(SELECT product_id FROM variants WHERE sku = ? COLLATE NOCASE) LIMIT 1",
                (ref, ref),
            ).fetchone()
        if known is None:
            raise InvalidStock(f"No product or variant has the SKU '{ref}'. Sync, then try again.")
        if not known[2]:
            raise InvalidStock(
                f"'{ref}' is not a BackOrder product: assign it to BackOrder first.", remedy=Remedy.ASSIGN
            )
        if known[1] == "none":
            raise InvalidStock(
                f"'{ref}' does not track inventory in BigCommerce. Turn on inventory tracking for it "
                "in the control panel, then sync."
            )
        raise InvalidStock(
            f"'{ref}' tracks stock by variant: give the SKU of one of its variants.",
            remedy=Remedy.FIND_VARIANT,
        )

    def adjust_stock(
        self,
        key: StockKey,
        kind: AdjustmentKind,
        quantity: int,
        *,
        source: AdjustmentSource,
        actor: str,
        at: datetime,
        reason: str = "",
        queue: bool = True,
    ) -> Adjustment:
        with self._writing() as conn:
            items = stock_store.load_items(conn, [key.product_id])
            if key not in items:
                raise InvalidStock(f"{key.label().capitalize()} is not a BackOrder stock item.")
            item, version = items[key]
            level = adjusted_level(item.level, kind, quantity)
            adjustment = stock_store.add_adjustment(
                conn,
                Adjustment(
                    key=key,
                    kind=kind,
                    quantity=quantity,
                    level_before=item.level,
                    level_after=level,
                    source=source,
                    actor=actor,
                    at=at,
                    reason=reason,
                ),
            )
            stock_store.save_item(conn, replace(item, level=level), version + 1)
            if queue and level != item.store_level:
                stock_store.queue(conn, key, at)
            elif queue:  # back to what the store has: nothing to write
                conn.execute(
                    "DELETE FROM outbox WHERE product_id = ? AND variant_id = ? AND state != 'sending'",
                    (key.product_id, key.variant_id or 0),
                )
            return adjustment

    def stock_history(self, product_id: int, limit: int = 100) -> list[Adjustment]:
        with self._reading() as conn:
            return stock_store.history(conn, product_id, limit)

    def outbox_entries(self) -> list[OutboxEntry]:
        with self._reading() as conn:
            return outbox_store.entries(conn)

    def outbox_count(self) -> int:
        with self._reading() as conn:
            return outbox_store.count(conn)

    def outbox_fold_reads(
        self,
        levels: Mapping[StockKey, int],
        *,
        at: datetime,
        trust: bool = False,
        safety_stock: Mapping[StockKey, int] | None = None,
    ) -> list[Adjustment]:
        with self._writing() as conn:
            safety = safety_stock or {}
            moves = (
                outbox_store.fold_read(conn, key, level, at, trust=trust, safety_stock=safety.get(key))
                for key, level in levels.items()
            )
            return [move for move in moves if move is not None]

    def outbox_mark_sending(self, writes: Sequence[tuple[StockKey, int]]) -> None:
        with self._writing() as conn:
            for key, level in writes:
                outbox_store.mark_sending(conn, key, level)

    def outbox_written(self, writes: Sequence[tuple[StockKey, int, int]], *, at: datetime) -> int:
        with self._writing() as conn:
            return sum(outbox_store.written(conn, key, level, version, at) for key, level, version in writes)

    def outbox_failed(self, failures: Sequence[tuple[StockKey, str]]) -> None:
        with self._writing() as conn:
            for key, reason in failures:
                outbox_store.failed(conn, key, reason)

    def outbox_discard(
        self, *, actor: str, at: datetime, reason: str, product_ids: Collection[int] | None = None
    ) -> int:
        with self._writing() as conn:
            entries = outbox_store.entries(conn)
            if product_ids is not None:
                wanted = set(product_ids)
                entries = [e for e in entries if e.item.key.product_id in wanted]
            return stock_store.discard_waiting(conn, entries, actor=actor, at=at, reason=reason)
