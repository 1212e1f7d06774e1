"""Migration 1: the first schema — store, catalog mirror, assignments, sync history, settings, cursors.

Written as plain DDL, frozen at version 1 (never derived from ``tables.py``, which follows the
latest version). Times are ISO-8601 UTC text; booleans are 0/1 integers.

Catalog (mirror, rebuildable): ``products``, ``variants`` (cascade on product delete), ``cursors``.
User data (kept by a rebuild): ``backorder_assignments`` (deliberately no foreign key to
``products``, so that a rebuild that empties the catalog keeps them), ``settings``,
``sync_runs`` and ``sync_issues`` (history). ``store`` is the connected store, chosen by the user.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    """
    CREATE TABLE store (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        store_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        plan_name TEXT NOT NULL,
        domain TEXT NOT NULL DEFAULT '',
        currency TEXT NOT NULL DEFAULT '',
        api_url TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE products (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        sku TEXT NOT NULL,
        inventory_tracking TEXT NOT NULL,
        inventory_level INTEGER NOT NULL,
        price REAL NOT NULL,
        is_visible INTEGER NOT NULL,
        availability TEXT NOT NULL,
        date_modified TEXT NOT NULL,
        base_variant_id INTEGER,
        search_text TEXT NOT NULL,
        content_hash INTEGER NOT NULL,
        seen_pass INTEGER
    )
    """,
    "CREATE INDEX products_name ON products (name COLLATE NOCASE, id)",
    "CREATE INDEX products_sku ON products (sku COLLATE NOCASE)",
    """
    CREATE TABLE variants (
        id INTEGER PRIMARY KEY,
        product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        sku TEXT NOT NULL,
        inventory_level INTEGER,
        price REAL,
        option_label TEXT NOT NULL DEFAULT '',
        purchasing_disabled INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX variants_product_id ON variants (product_id)",
    "CREATE INDEX variants_sku ON variants (sku COLLATE NOCASE)",
    """
    CREATE TABLE backorder_assignments (
        product_id INTEGER PRIMARY KEY,
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE sync_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        trigger TEXT NOT NULL,
        mode TEXT NOT NULL,
        full INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        seen INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL DEFAULT 0,
        changed INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        error_title TEXT,
        error_message TEXT
    )
    """,
    "CREATE INDEX sync_runs_kind ON sync_runs (kind, id)",
    """
    CREATE TABLE sync_issues (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
        item TEXT NOT NULL,
        title TEXT NOT NULL,
        message TEXT NOT NULL
    )
    """,
    "CREATE INDEX sync_issues_run_id ON sync_issues (run_id)",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 0 (an empty file) → 1: create every table and index."""
    del migrator  # plain DDL: nothing to rebuild yet
    for statement in DDL:
        conn.execute(statement)
