"""Migration 14: how the ledger moved the units owed, summed per quarter hour, kept by triggers.

The dashboard's chart needs, for each of the last 90 local days, how much the day's ledger entries
raised the units owed (``max(0, -after) - max(0, -before)`` per entry). Summed over the time index
(migration 13) that is a read of every entry of the 90 days: 180 ms for a million-entry ledger.
Here the sums are kept as the entries are written, one row per UTC quarter hour (every time zone's
offset is a whole number of quarter hours, so any local day is a range of rows): the chart reads at
most 8,640 small rows. Triggers keep it right on insert, delete and update, whoever writes the
ledger (a salvage's copy of the ledger refills it the same way); entries that move nothing owed
(levels at or above zero) add no row. The table is derived from the ledger, not user data itself.
Migration 13's time index served only the sums this replaces: dropped, so ledger writes keep one
index fewer.

On PostgreSQL (team mode) the same table is kept by one trigger function (``POSTGRES_DDL``):
PostgreSQL triggers call a function, and its SQL spells SQLite's scalar ``max`` and ``printf`` as
``GREATEST`` and ``lpad``.
"""

from __future__ import annotations

import sqlite3

from playhouse.migrate import PostgresqlMigrator
from playhouse.migrate import SqliteMigrator

# 'YYYY-MM-DDTHH:MM' of the quarter hour an ISO UTC moment falls in (text order is time order).
_SLOT = "substr({0}.at, 1, 14) || printf('%02d', CAST(substr({0}.at, 15, 2) AS INTEGER) / 15 * 15)"
_MOVED = "(max(0, -{0}.level_after) - max(0, -{0}.level_before))"


def _add(row: str, sign: str) -> str:
    return (
        f"INSERT INTO owed_moves (slot, moved) SELECT {_SLOT.format(row)}, {sign}{_MOVED.format(row)} "
        f"WHERE {_MOVED.format(row)} != 0 "
        "ON CONFLICT (slot) DO UPDATE SET moved = moved + excluded.moved;"
    )


DDL = (
    "CREATE TABLE owed_moves (slot TEXT PRIMARY KEY, moved INTEGER NOT NULL) WITHOUT ROWID",
    f"CREATE TRIGGER owed_moves_insert AFTER INSERT ON stock_adjustments BEGIN {_add('NEW', '')} END",
    f"CREATE TRIGGER owed_moves_delete AFTER DELETE ON stock_adjustments BEGIN {_add('OLD', '-')} END",
    "CREATE TRIGGER owed_moves_update AFTER UPDATE OF at, level_before, level_after ON stock_adjustments "
    f"BEGIN {_add('OLD', '-')} {_add('NEW', '')} END",
    "INSERT INTO owed_moves (slot, moved) "  # noqa: S608 - fixed fragments, no input
    f"SELECT {_SLOT.format('s')}, SUM({_MOVED.format('s')}) FROM stock_adjustments AS s "
    f"GROUP BY 1 HAVING SUM({_MOVED.format('s')}) != 0",
    "DROP INDEX IF EXISTS stock_adjustments_time",
)


_PG_SLOT = "substr({0}.at, 1, 14) || lpad((CAST(substr({0}.at, 15, 2) AS INTEGER) / 15 * 15)::text, 2, '0')"
_PG_MOVED = "(GREATEST(0, -{0}.level_after) - GREATEST(0, -{0}.level_before))"


def _pg_add(row: str, sign: str) -> str:
    moved = _PG_MOVED.format(row)
    return (
        f"IF {moved} != 0 THEN INSERT INTO owed_moves (slot, moved) "  # noqa: S608 - fixed fragments, no input
        f"VALUES ({_PG_SLOT.format(row)}, {sign}{moved}) "
        "ON CONFLICT (slot) DO UPDATE SET moved = owed_moves.moved + excluded.moved; END IF;"
    )


POSTGRES_DDL = (
    "CREATE TABLE owed_moves (slot TEXT PRIMARY KEY, moved INTEGER NOT NULL)",
    "CREATE FUNCTION owed_moves_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {_pg_add('OLD', '-')} END IF; "
    f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_pg_add('NEW', '')} END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER owed_moves_insert AFTER INSERT ON stock_adjustments "
    "FOR EACH ROW EXECUTE FUNCTION owed_moves_track()",
    "CREATE TRIGGER owed_moves_delete AFTER DELETE ON stock_adjustments "
    "FOR EACH ROW EXECUTE FUNCTION owed_moves_track()",
    "CREATE TRIGGER owed_moves_update AFTER UPDATE OF at, level_before, level_after ON stock_adjustments "
    "FOR EACH ROW EXECUTE FUNCTION owed_moves_track()",
    "INSERT INTO owed_moves (slot, moved) "  # noqa: S608 - fixed fragments, no input
    f"SELECT {_PG_SLOT.format('s')}, SUM({_PG_MOVED.format('s')}) FROM stock_adjustments AS s "
    f"GROUP BY 1 HAVING SUM({_PG_MOVED.format('s')}) != 0",
    "DROP INDEX IF EXISTS stock_adjustments_time",
)


def migrate(conn: sqlite3.Connection, migrator: SqliteMigrator | PostgresqlMigrator) -> None:
    """Version 13 → 14: the table, its triggers, and the sums of the ledger so far."""
    for statement in POSTGRES_DDL if isinstance(migrator, PostgresqlMigrator) else DDL:
        conn.execute(statement)
