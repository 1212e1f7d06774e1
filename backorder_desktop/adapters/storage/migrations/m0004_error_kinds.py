"""Migration 4: a run, and each of its problems that an error caused, keep the error's kind.

The history kept an error's title and message only, so the scheduler's retry rule and the window's
error routes compared titles. ``error_kind`` holds ``domain.errors.ErrorKind``'s value beside them.
Older rows get the kind their title stood for at version 3 (frozen here, as the titles were then);
any other title of a failed run is ``user`` (a user-facing error with its own words), and a run or
problem without an error stays NULL. Of the problems, only those recorded from an error (the push of
waiting changes, the stock feed) are errors; per-item refusals have no kind.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

KIND_OF_TITLE = {
    "Internal error": "bug",
    "Something went wrong": "bug",
    "BigCommerce request failed": "api",
    "BigCommerce refused the token": "auth",
    "Missing permission": "permission_denied",
    "Not found": "not_found",
    "Request too large": "batch_too_large",
    "BigCommerce refused the data": "invalid_data",
    "Rate limited": "rate_limited",
    "Store unavailable": "maintenance",
    "BigCommerce server error": "server_error",
    "Offline": "offline",
    "Unexpected reply from BigCommerce": "malformed_reply",
    "No keyring available": "keyring_unavailable",
    "Keyring locked": "keyring_locked",
    "Keyring refused": "keyring_refused",
    "No store connected": "not_connected",
    "Database from a newer version": "database_too_new",
    "Database damaged": "database_corrupt",
    "Disk full": "disk_full",
    "Cannot save": "storage",
    "Catalog looks wrong": "suspicious_catalog",
    "Invalid setting": "invalid_setting",
    "A sync is already running": "sync_in_progress",
    "Stock feed not used": "feed",
    "Sync stopped": "sync_stopped",
    "Interrupted": "sync_stopped",  # a run a killed process left running (storage/history.py)
}
OTHER = "user"

DDL = (
    "ALTER TABLE sync_runs ADD COLUMN error_kind TEXT",
    "ALTER TABLE sync_issues ADD COLUMN error_kind TEXT",
)
FROM_AN_ERROR = ("waiting changes", "stock feed")  # the items of problems recorded from an error


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
    pairs = [(kind, title) for title, kind in KIND_OF_TITLE.items()]
    conn.executemany("UPDATE sync_runs SET error_kind = ? WHERE error_title = ?", pairs)
    conn.executemany(
        "UPDATE sync_issues SET error_kind = ? WHERE title = ? AND item = ?",
        [(kind, title, item) for kind, title in pairs for item in FROM_AN_ERROR],
    )
    conn.execute(
        "UPDATE sync_runs SET error_kind = ? WHERE error_title IS NOT NULL AND error_kind IS NULL", (OTHER,)
    )
    conn.executemany(
        "UPDATE sync_issues SET error_kind = ? WHERE error_kind IS NULL AND item = ?",
        [(OTHER, item) for item in FROM_AN_ERROR],
    )
