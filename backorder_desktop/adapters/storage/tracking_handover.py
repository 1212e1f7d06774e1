"""BackOrder products the store began to track: handed to the app as at assignment (in SQL, inside
the caller's transaction).

A product the store tracks no stock for can be assigned: it always sells, so there is nothing to
hand over, and assigning remembers no tracking mode and queues no write. Once the merchant turns
its tracking on in BigCommerce, a pull sees it tracked with no mode remembered: with the method
``app`` it is then handed over as assigning a tracked product does (its mode remembered, "tracking
off" queued), so it sells past zero and the app counts its orders. Its orders count from the
handover on: before it the store either sold it without counting or counted it into the level the
pull has just read, so counting an earlier order too (when it changes again) would take that sale
from a level that never held it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta

from backorder_desktop.adapters.storage import product_writes_store
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.product_writes import BackorderMethod


def hand_over(conn: sqlite3.Connection, products: Sequence[Product], at: datetime) -> list[int]:
    """Hand the BackOrder ``products`` (as a pull read them) that the store tracks now but tracked
    nothing when assigned over to the app; returns their ids. Call it before
    ``product_writes_store.pulled``, which then folds their levels into new stock items."""
    tracked = [p for p in products if p.inventory_tracking is not InventoryTracking.NONE]
    if not tracked or product_writes_store.method(conn) is not BackorderMethod.APP:
        return []
    modes = product_writes_store.remembered(conn, (p.id for p in tracked))
    fresh = [p for p in tracked if p.id not in modes]
    if not fresh:
        return []
    # Order dates are whole seconds: the count starts at the next one, as the method switch's does.
    since = at.replace(microsecond=0) + timedelta(seconds=1 if at.microsecond else 0)
    conn.execute(
        "UPDATE backorder_assignments SET assigned_at = ? "
        "WHERE product_id IN (SELECT value FROM json_each(?))",
        (to_text(since), json.dumps([p.id for p in fresh])),
    )
    product_writes_store.turn_off(conn, fresh, at)
    return [p.id for p in fresh]
