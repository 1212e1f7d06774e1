"""Migration 6: the store's order lines as the app counted them (backorder method ``app``).

``order_lines`` is user data (a mirror rebuild keeps it): one row per order line of a BackOrder
product, keyed by BigCommerce's line id, with ``counted``, the units the line has moved the ledger
by so far. Seeing an order again moves the ledger only by the difference from ``counted``, and the
row, its ledger entries and the stock levels are written in one transaction: a line is counted
exactly once, whatever crashes, polls and webhooks come between. ``item_variant_id`` is the stock
item the line counts against (0: the product's own level). The orders cursor lives in ``cursors``.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    """
    CREATE TABLE order_lines (
        line_id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL,
        product_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL DEFAULT 0,
        item_variant_id INTEGER NOT NULL DEFAULT 0,
        sku TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        quantity INTEGER NOT NULL,
        counted INTEGER NOT NULL DEFAULT 0,
        status_id INTEGER NOT NULL,
        date_created TEXT NOT NULL,
        date_modified TEXT NOT NULL,
        customer TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX order_lines_order ON order_lines (order_id)",
    # The worklist: orders with counted lines, oldest first.
    "CREATE INDEX order_lines_owed ON order_lines (date_created, order_id) WHERE counted > 0",
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 5 → 6: add the order lines; orders are read from the first assignment on."""
    del migrator
    for statement in DDL:
        conn.execute(statement)
