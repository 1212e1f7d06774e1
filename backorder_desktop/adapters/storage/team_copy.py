"""Moving a profile's SQLite file into a team's PostgreSQL database, and what a team database holds.

``move_profile`` copies every table of the SQLite file — the user data (the store, assignments,
stock items and their ledger, the outbox, product writes, rules, limits, purchasing,
notifications, counted order lines, settings, runs and cursors) and the catalog copy too, so the
team needs no full pull to start — into a freshly migrated, empty team database, in ONE
transaction: the rows keep their ids, the identity sequences are then moved past them, and each
table's count is compared with the file's before the transaction commits. Any difference rolls
everything back. ``owed_moves`` is not copied: the team database's ledger trigger rebuilds it
from the ledger rows as they arrive (its count is compared all the same).

The SQLite file is only read (a read-only connection, one snapshot) and is left as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from backorder_desktop.adapters.storage.pg_store import reset_identities
from backorder_desktop.adapters.storage.postgres import open_postgres_database
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import StorageError
from backorder_desktop.domain.team_url import describe_team

# Kept by a trigger on the ledger (derived, never copied); SQLite's own bookkeeping.
DERIVED_TABLES = ("owed_moves",)
SKIPPED_TABLES = ("sqlite_sequence",)
# A team database holding any of these already holds a team's data.
USER_TABLES = ("store", "backorder_assignments", "stock_items", "stock_adjustments", "settings")
_COPY_BATCH = 5000


@dataclass(frozen=True, slots=True)
class TableCount:
    """One table's rows in the file and in the team database after the move."""

    table: str
    local: int
    team: int


@dataclass(frozen=True, slots=True)
class TeamStore:
    """The store a team database works on (its ``store`` row)."""

    store_hash: str
    name: str


class TeamDatabases:
    """What setting up team mode asks of a team database (the ``TeamDatabase`` port)."""

    def move_profile(self, database: Path, url: str) -> list[TableCount]:
        return move_profile(database, url)

    def team_store(self, url: str) -> TeamStore | None:
        return team_store(url)

    def user_rows(self, url: str) -> int:
        db = open_postgres_database(url)
        try:
            return _user_rows(db.connection())  # type: ignore[no-untyped-call]
        finally:
            db.close_all()


def team_store(url: str) -> TeamStore | None:
    """The store the team database at ``url`` works on (migrated first), or None when it holds none."""
    db = open_postgres_database(url)
    try:
        conn: psycopg.Connection[Any] = db.connection()  # type: ignore[no-untyped-call]
        row = conn.execute("SELECT store_hash, name FROM store WHERE id = 1").fetchone()
        conn.commit()
    finally:
        db.close_all()
    return TeamStore(store_hash=str(row[0]), name=str(row[1] or "")) if row else None


def move_profile(database: Path, url: str) -> list[TableCount]:
    """Copy the SQLite file at ``database`` into the empty team database at ``url`` (see the module's
    docstring); returns each table's counts. Refuses a team database that holds data already."""
    db = open_postgres_database(url)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        conn: psycopg.Connection[Any] = db.connection()  # type: ignore[no-untyped-call]
        source.execute("BEGIN")  # one snapshot of the file, whatever another process does
        tables = _tables_in_order(source)
        with conn.transaction():
            # Two desktops creating the same team at once: the second waits, then finds data.
            conn.execute(
                sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in USER_TABLES)
                )
            )
            if _user_rows(conn):
                raise TeamNotEmpty(url)
            for table in tables:
                _copy_table(source, conn, table)
            reset_identities(conn)
            counts = [
                TableCount(table, _count(source, table), _team_count(conn, table))
                for table in (*tables, *DERIVED_TABLES)
            ]
            wrong = [c for c in counts if c.local != c.team]
            if wrong:
                raise StorageError(
                    "The copy into the team database did not match this computer's database ("
                    + ", ".join(f"{c.table}: {c.local} here, {c.team} there" for c in wrong)
                    + "); nothing was moved. Try again; if it happens again, report it with the log."
                )
    except sqlite3.Error as exc:
        raise StorageError(
            f"Cannot read this computer's database {database}: {exc}. Nothing was moved."
        ) from exc
    except psycopg.Error as exc:
        raise StorageError(
            f"The team database {describe_team(url)} refused the copy: {_first_line(exc)}. Nothing was moved."
        ) from exc
    finally:
        source.close()
        db.close_all()
    return counts


class TeamNotEmpty(StorageError):
    """The team database holds a team's data already: join it instead."""

    title = "The team database is in use"

    def __init__(self, url: str) -> None:
        super().__init__(
            f"The team database {describe_team(url)} already holds a team's data, so this computer's data "
            "was not moved into it.",
            remedy=Remedy.JOIN_TEAM,
        )


def _user_rows(conn: psycopg.Connection[Any]) -> int:
    total = 0
    for table in USER_TABLES:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        total += int(row[0]) if row else 0
    return total


def _tables_in_order(source: sqlite3.Connection) -> list[str]:
    """The file's tables, each after the tables its foreign keys name (rows are copied in this order)."""
    names = [
        str(row[0])
        for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if row[0] not in (*SKIPPED_TABLES, *DERIVED_TABLES) and not str(row[0]).startswith("sqlite_")
    ]
    needs = {
        name: {str(fk[2]) for fk in source.execute(f"PRAGMA foreign_key_list({_quoted(name)})")} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and needs[n] <= set(ordered)]
        if not ready:  # a cycle the schema does not have: keep the rest in name order
            ready = [n for n in names if n not in ordered]
        ordered += ready
    return ordered


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in source.execute(f"PRAGMA table_info({_quoted(table)})")]


def _copy_table(source: sqlite3.Connection, conn: psycopg.Connection[Any], table: str) -> None:
    columns = _columns(source, table)
    select = f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {_quoted(table)}"  # noqa: S608
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    rows = source.execute(select)
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        while batch := rows.fetchmany(_COPY_BATCH):
            for row in batch:
                copy.write_row(row)


def _count(source: sqlite3.Connection, table: str) -> int:
    return int(source.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0])  # noqa: S608


def _team_count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


__all__: Sequence[str] = ("TableCount", "TeamDatabases", "TeamNotEmpty", "TeamStore", "move_profile")
