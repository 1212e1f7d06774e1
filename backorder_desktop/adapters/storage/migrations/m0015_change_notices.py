"""Migration 15: a team's database tells every connected desktop what changed (PostgreSQL only).

A stub while the triggers are written; on SQLite it does nothing.
"""

from __future__ import annotations

from typing import Any


def migrate(conn: Any, migrator: Any) -> None:
    del conn, migrator
