"""Migration 12: BigCommerce's own backorder limits (backorder method ``native``).

``backorder_limits`` is user data (a rebuild keeps it, the side copy holds it): one row per stock
item whose limit the app writes to the store's default location (``variant_id`` 0: a product
tracked at product level). ``wanted`` is the limit the app wants there, ``written`` what the store
last confirmed (NULL: never written, the app never touched it); a row whose two differ waits to be
written (``state`` pending, or failed when the store refused it). ``qty_backordered`` and
``available_to_sell`` are what the store counts for the item, as last read (NULL: not read yet).
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    """
    CREATE TABLE backorder_limits (
        product_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL DEFAULT 0,
        sku TEXT NOT NULL DEFAULT '',
        wanted INTEGER NOT NULL,
        written INTEGER,
        reason TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        qty_backordered INTEGER,
        available_to_sell INTEGER,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (product_id, variant_id)
    )
    """,
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 11 → 12: add the native backorder limits (none yet)."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
