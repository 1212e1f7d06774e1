"""Migration 16: a stock item remembers that its store baseline is still the catalog's figure.

An item made when its product is assigned starts from the mirror's level, which is the catalog's
available to sell (on hand less safety stock), while every later read compares on hand. The
nullable ``catalog_since`` holds, while that lasts, the ledger's last id when the item was made (so
the first on-hand read can tell an untouched level from one moved since); NULL once the baseline
is on hand. Items of earlier versions keep NULL: their baselines are what they were.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = ("ALTER TABLE stock_items ADD COLUMN catalog_since INTEGER",)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 15 → 16: add the column (no data changes)."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
