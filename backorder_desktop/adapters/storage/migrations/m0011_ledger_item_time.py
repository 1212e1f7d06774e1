"""Migration 11: the ledger indexed by stock item and time, for a product's stock chart.

A chart reads one item's entries in a time window (and the last one before it) out of a ledger of
a million rows; ``stock_adjustments_product`` (product, id) would walk all of a product's entries
and every variant's. ``at`` is stored as ISO text in UTC, so text order is time order; ``id`` next
orders entries of the same moment, and ``level_after`` makes the index cover a chart's reads (a
long history's ranges per time bucket are read from the index alone, never from the table).
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    "CREATE INDEX stock_adjustments_item_time "
    "ON stock_adjustments (product_id, variant_id, at, id, level_after)",
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 10 → 11: add the index (no data changes)."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
