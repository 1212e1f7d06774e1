"""Migration 15: a team's database tells every connected desktop what changed (PostgreSQL only).

Several desktops share one PostgreSQL database in team mode; each window must show what the
others write without reading tables over and over. Every shared table gets a statement-level
trigger that calls ``pg_notify`` on one channel (``CHANNEL``) with the kind of data it holds
(``KINDS``: the part of the window that shows it). The server delivers a notification at commit,
once per transaction for equal payloads, so a pull's page (one transaction) notifies once;
``adapters/team/notify.py`` listens. One trigger function serves every table (its argument is the
kind). Tables no window shows (cursors, the derived owed-moves sums, notifications told once per
process) notify nothing.

On SQLite (one desktop, one file) there is no one to tell: nothing changes.
"""

from __future__ import annotations

from typing import Any

from playhouse.migrate import PostgresqlMigrator

CHANNEL = "backorder_changes"
FUNCTION = "backorder_notify_change"
# Each shared table and the kind of change its writes announce (the payload).
KINDS = {
    "products": "products",
    "variants": "products",
    "backorder_assignments": "products",
    "stock_items": "ledger",
    "stock_adjustments": "ledger",
    "backorder_rules": "rules",
    "backorder_limits": "rules",
    "purchasing": "rules",
    "sync_runs": "runs",
    "sync_issues": "runs",
    "order_lines": "orders",
    "settings": "settings",
    "store": "settings",
    "outbox": "outbox",
    "product_writes": "outbox",
}
TRIGGERS = tuple(f"{table}_notify" for table in KINDS)  # PostgreSQL's own: SQLite has none of them

POSTGRES_DDL = (
    f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"PERFORM pg_notify('{CHANNEL}', TG_ARGV[0]); RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{kind}')"
        for table, kind in KINDS.items()
    ),
)


def migrate(conn: Any, migrator: Any) -> None:
    """Version 14 → 15: the notifying triggers on PostgreSQL; nothing on SQLite."""
    if not isinstance(migrator, PostgresqlMigrator):
        return
    for statement in POSTGRES_DDL:
        conn.execute(statement)
