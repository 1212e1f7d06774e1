"""The ``ProductWriteStore`` port's methods on ``SqliteMirrorStore``: the product writes outbox.

A mixin like ``stock_mixin.py``; each method is one transaction through the store's own
``_reading``/``_writing``.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.adapters.storage import product_writes_store
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.product_writes import ProductWrite


class ProductWriteMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _writing(self) -> AbstractContextManager[sqlite3.Connection]: ...

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
