"""Migration 8: backorder rules per stock item (limit, incoming, expected date, shopper message).

``backorder_rules`` is user data (a mirror rebuild keeps it, the side copy holds it): one row per
stock item with a rule, keyed like ``stock_items`` (``variant_id`` 0: the product's own level). A
rule back at its defaults (unlimited, nothing incoming, no date, the default message) has no row.
Rows are not deleted on unassign: assigning the product again brings its rules back.
``limit_units`` NULL is unlimited; ``expected`` is an ISO date or NULL; ``message`` "" uses the
store-wide default template of the settings.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    """
    CREATE TABLE backorder_rules (
        product_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL DEFAULT 0,
        limit_units INTEGER,
        incoming INTEGER NOT NULL DEFAULT 0,
        expected TEXT,
        message TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (product_id, variant_id)
    )
    """,
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 7 → 8: add the backorder rules (none yet: every item is unlimited)."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
