"""Migration 2: the stock of BackOrder products — items, the ledger, and the outbox.

All three are user data (a mirror rebuild keeps them): ``stock_items`` holds each BackOrder
stock level as the app derives it from the ledger, with the last value seen from the store;
``stock_adjustments`` is the ledger; ``outbox`` marks items whose level is not yet written to
BigCommerce. ``variant_id`` 0 stands for a product's own level (tracking by product).
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    """
    CREATE TABLE stock_items (
        product_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL DEFAULT 0,
        sku TEXT NOT NULL,
        level INTEGER NOT NULL,
        store_level INTEGER NOT NULL,
        awaiting_level INTEGER,
        awaiting_since TEXT,
        version INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (product_id, variant_id)
    )
    """,
    "CREATE INDEX stock_items_sku ON stock_items (sku COLLATE NOCASE)",
    """
    CREATE TABLE stock_adjustments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        product_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL DEFAULT 0,
        kind TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        level_before INTEGER NOT NULL,
        level_after INTEGER NOT NULL,
        source TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX stock_adjustments_product ON stock_adjustments (product_id, id)",
    """
    CREATE TABLE outbox (
        product_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_level INTEGER,
        sent_version INTEGER,
        PRIMARY KEY (product_id, variant_id)
    )
    """,
    # Pushes are recorded as runs too: how many stock values a run wrote to the store.
    "ALTER TABLE sync_runs ADD COLUMN written INTEGER NOT NULL DEFAULT 0",
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 1 → 2: add the stock tables; existing assignments get their items on next use."""
    del migrator
    for statement in DDL:
        conn.execute(statement)
