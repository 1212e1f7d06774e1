"""Migration 10: purchasing switched by the backorder rules (backorder method ``app``).

``purchasing`` is user data (a rebuild keeps it, the side copy holds it): one row per stock item
the app has switched or means to switch (``variant_id`` 0: the product's own level, written as the
product's ``availability``). ``disabled``/``why``/``message`` is the wish, ``pending`` that it waits
to be written; ``written``/``written_message`` what the store last confirmed (NULL: never written,
so the app never touched it); ``held`` that the merchant changed it in the store and the app leaves
it until the wish changes again (``held_wish`` the wish when it was seen).
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    """
    CREATE TABLE purchasing (
        product_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL DEFAULT 0,
        sku TEXT NOT NULL DEFAULT '',
        disabled INTEGER NOT NULL,
        why TEXT NOT NULL,
        message TEXT,
        pending INTEGER NOT NULL DEFAULT 1,
        written INTEGER,
        written_message TEXT,
        held INTEGER NOT NULL DEFAULT 0,
        held_wish INTEGER,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (product_id, variant_id)
    )
    """,
    "CREATE INDEX purchasing_pending ON purchasing (product_id) WHERE pending = 1",
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 9 → 10: add the purchasing switches (none yet)."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
