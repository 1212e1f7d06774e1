"""The ``ProductWriteStore`` port's methods on ``SqliteMirrorStore``: the product writes outbox.

A mixin like ``stock_mixin.py``; each method is one transaction through the store's own
``_reading``/``_writing``.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.adapters.storage import backorder_limits_store
from backorder_desktop.adapters.storage import product_writes_store
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import LimitWrite
from backorder_desktop.domain.product_writes import MethodSwitch
from backorder_desktop.domain.product_writes import ProductWrite
from backorder_desktop.domain.product_writes import StoreCount
from backorder_desktop.domain.stock import StockKey


class ProductWriteMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _writing(self, *, user: bool = True) -> AbstractContextManager[sqlite3.Connection]: ...

    def product_writes(self) -> list[ProductWrite]:
        """Waiting product writes (refused ones left out), by product id."""
        with self._reading() as conn:
            return product_writes_store.entries(conn)

    def product_write_count(self) -> int:
        with self._reading() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM product_writes").fetchone()[0])

    def remembered_tracking(self) -> dict[int, InventoryTracking]:
        """Each BackOrder product's tracking mode before the app turned it off."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT product_id, tracking FROM backorder_assignments WHERE tracking IS NOT NULL"
            )
            return {int(pid): InventoryTracking(mode) for pid, mode in rows}

    def product_write_attempted(self, product_id: int) -> None:
        with self._writing() as conn:
            product_writes_store.attempted(conn, product_id)

    def product_write_failed(self, product_id: int, reason: str) -> None:
        with self._writing() as conn:
            product_writes_store.failed(conn, product_id, reason)

    def product_write_gone(self, product_id: int) -> None:
        with self._writing() as conn:
            conn.execute("DELETE FROM product_writes WHERE product_id = ?", (product_id,))

    def outbox_settle_untracked(self) -> int:
        with self._reading() as conn:  # every push asks: a write transaction only when there is work
            if not product_writes_store.untracked_waiting(conn):
                return 0
        with self._writing() as conn:
            return product_writes_store.settle_untracked(conn)

    def product_write_done(self, write: ProductWrite, *, actor: str, at: datetime) -> bool:
        with self._writing() as conn:
            return product_writes_store.written(conn, write, actor=actor, at=at)

    # --- BigCommerce's own backorder limits (method native) and the method switch -----------

    def limits_evaluate(self, at: datetime) -> int:
        """Mark the limits that differ from what the app wants; returns how many wait."""
        with self._reading() as conn:  # asked before every push: a write transaction only for work
            wishes = backorder_limits_store.wanted(conn)
            rows = conn.execute("SELECT COUNT(*) FROM backorder_limits").fetchone()[0]
            if not wishes and not rows:
                return 0
        with self._writing() as conn:
            return backorder_limits_store.evaluate(conn, at)

    def limits_waiting(self) -> list[LimitWrite]:
        with self._reading() as conn:
            return backorder_limits_store.pending(conn)

    def limits_waiting_count(self) -> int:
        with self._reading() as conn:
            return backorder_limits_store.pending_count(conn)

    def limit_attempted(self, key: StockKey) -> None:
        with self._writing() as conn:
            backorder_limits_store.attempted(conn, key)

    def limit_failed(self, key: StockKey, reason: str) -> None:
        with self._writing() as conn:
            backorder_limits_store.failed(conn, key, reason)

    def limit_gone(self, key: StockKey) -> None:
        with self._writing() as conn:
            backorder_limits_store.gone(conn, key)

    def limit_written(self, write: LimitWrite, *, actor: str, at: datetime) -> bool:
        with self._writing() as conn:
            return backorder_limits_store.written(conn, write, actor=actor, at=at)

    def native_items(self) -> list[StockKey]:
        """The items whose limit the app writes (method native)."""
        with self._reading() as conn:
            return sorted(
                backorder_limits_store.wanted(conn), key=lambda k: (k.product_id, k.variant_id or 0)
            )

    def save_backorder_counts(self, counts: dict[StockKey, StoreCount], *, at: datetime) -> int:
        """Keep what the store counts, and fold its on hand into the items (store moves)."""
        with self._writing() as conn:
            return backorder_limits_store.save_counts(conn, counts, at)

    def native_owed(self) -> dict[StockKey, int]:
        """With the method native: the units BigCommerce counts as backordered per BackOrder item,
        as last read. The app's level there is on hand (as the store holds it), so its level less
        these is what the rules, their states and the notifications read, as with the method app."""
        with self._reading() as conn:
            if product_writes_store.method(conn) is not BackorderMethod.NATIVE:
                return {}
            ruled = backorder_limits_store.wanted(conn)
            return {
                k: q for k, (_w, q, _a) in backorder_limits_store.counts(conn).items() if q and k in ruled
            }

    def backorder_counts(self) -> dict[StockKey, tuple[int | None, int | None, int | None]]:
        """Each item's (limit written, backordered, available to sell) in the store."""
        with self._reading() as conn:
            return backorder_limits_store.counts(conn)

    def preview_method_switch(self, target: BackorderMethod) -> MethodSwitch:
        with self._reading() as conn:
            return backorder_limits_store.preview(conn, target)

    def switch_backorder_method(self, target: BackorderMethod, *, actor: str, at: datetime) -> MethodSwitch:
        """Apply the switch in one transaction, unless something waits (then nothing changes and
        the returned preview is ``blocked``)."""
        with self._writing() as conn:
            switch = backorder_limits_store.preview(conn, target)
            if switch.blocked or not switch.changes:
                return switch
            return backorder_limits_store.switch_method(conn, target, actor=actor, at=at)
