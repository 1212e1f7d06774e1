"""Migration 13: the ledger indexed by time alone, for the dashboard's units-backordered chart.

The chart sums, per day of the last 30 or 90 days, how each entry moved the units owed — over every
stock item, so neither ``stock_adjustments_product`` nor ``stock_adjustments_item_time`` (both led
by the product) can answer "entries since a date". The index carries the two levels the sum needs,
so the query reads the window's part of the index and never the table (a million-entry ledger).
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = ("CREATE INDEX stock_adjustments_time ON stock_adjustments (at, level_before, level_after)",)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 12 → 13: add the index (no data changes)."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
