"""Migration 5: products carry natural sort keys of their name and SKU, and the name index uses its key.

Listings sorted by ``name COLLATE NOCASE`` put "#113332" before "#19555" and "Size 10" before
"Size 2". ``name_key`` and ``sku_key`` hold ``natural_order.natural_key`` of each (written with the
product from now on); they are computed here for the rows already stored. The name index becomes
``(name_key, id, search_text)``, keeping what migration 3 gave it: a search in name order walks it.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

from backorder_desktop.adapters.storage.natural_order import natural_key

ADD_COLUMNS = (
    "ALTER TABLE products ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE products ADD COLUMN sku_key TEXT NOT NULL DEFAULT ''",
)
INDEXES = (
    "DROP INDEX IF EXISTS products_name",
    "CREATE INDEX products_name ON products (name_key, id, search_text)",
)
BATCH = 5000


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    del migrator  # plain DDL
    for statement in ADD_COLUMNS:
        conn.execute(statement)
    rows = conn.execute("SELECT id, name, sku FROM products").fetchall()
    for start in range(0, len(rows), BATCH):
        conn.executemany(
            "UPDATE products SET name_key = ?, sku_key = ? WHERE id = ?",
            [(natural_key(name), natural_key(sku), pid) for pid, name, sku in rows[start : start + BATCH]],
        )
    for statement in INDEXES:
        conn.execute(statement)
