"""Migration 9: the notifications the merchant was told (limits, dates, orders, failed syncs).

``notifications`` is user data (a mirror rebuild keeps it, the side copy holds it). ``key`` is
unique: it names the kind, the subject and the occurrence (``domain/notifications.py``), so telling
the same occurrence again, from the window, the sync child or ``service``, inserts nothing.
``subject`` is what it is about (a stock item ``7/70``, a run, ``orders``); ``mark`` how far a batch
reaches (orders: the newest order id told); ``ended`` that the condition that fired it is over (its
next occurrence gets a new key); ``read`` that the merchant has seen it.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import SqliteMigrator

DDL = (
    """
    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        subject TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        mark INTEGER NOT NULL DEFAULT 0,
        ended INTEGER NOT NULL DEFAULT 0,
        read INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX notifications_subject ON notifications (kind, subject, id)",
    "CREATE INDEX notifications_unread ON notifications (id) WHERE read = 0",
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
    """Version 8 → 9: add the notifications (none told yet)."""
    del migrator  # plain DDL
    for statement in DDL:
        conn.execute(statement)
