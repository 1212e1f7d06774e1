"""Migration 7: assigning hands a product's stock to the app (backorder method ``app``).

``backorder_assignments.tracking`` remembers how the product tracked stock in BigCommerce before
the app turned tracking off (``product`` or ``variant``): unassigning turns that mode back on, and
a pull that sees ``inventory_tracking: none`` keeps the product's stock items keyed that way.
NULL: assigned before this version, or the product tracked nothing; the app never changed its
tracking, so it never restores any.

``product_writes`` is the outbox of product fields (user data): one entry per product, the last
wanted state winning (assign then unassign before a push writes "tracking on" only). ``levels``
is a JSON object of the levels to write with it (variant id, 0 for the product's own level).
An entry is removed in the transaction that records what the store confirmed.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    "ALTER TABLE backorder_assignments ADD COLUMN tracking TEXT",
    """
    CREATE TABLE product_writes (
        product_id INTEGER PRIMARY KEY,
        tracking TEXT NOT NULL,
        levels TEXT NOT NULL DEFAULT '{}',
        reason TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL
    )
    """,
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 6 → 7: remembered tracking modes and the product writes outbox."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
