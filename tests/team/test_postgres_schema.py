"""The profile's migrations on PostgreSQL: the same history builds the same schema as on SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import peewee
import psycopg
import pytest

from backorder_desktop.adapters.storage import migrations
from backorder_desktop.adapters.storage.db import open_database
from backorder_desktop.adapters.storage.migrations.m0015_change_notices import TRIGGERS as NOTICE_TRIGGERS
from backorder_desktop.adapters.storage.postgres import VERSION_TABLE
from backorder_desktop.adapters.storage.postgres import open_postgres_database
from backorder_desktop.adapters.storage.postgres import postgres_ddl
from backorder_desktop.adapters.storage.postgres import run_postgres_migrations
from backorder_desktop.domain.errors import DatabaseTooNew
from backorder_desktop.domain.errors import StorageError

# How each SQLite column type of the migrations is stored on PostgreSQL.
PG_TYPE = {"INTEGER": "bigint", "TEXT": "text", "REAL": "double precision"}

Column = tuple[str, str, bool, bool]  # name, type (PostgreSQL's words), not null, has a default


def sqlite_schema(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(str(path))
    try:
        tables: dict[str, list[Column]] = {}
        names = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in names.fetchall():
            rows = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            tables[table] = [
                (name, PG_TYPE[kind], bool(notnull) or pk > 0, default is not None)
                for _cid, name, kind, notnull, default, pk in rows
            ]
        indexes = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        }
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        keys = {table: _sqlite_primary_key(conn, table) for table in tables}
    finally:
        conn.close()
    return {"tables": tables, "indexes": indexes, "triggers": triggers, "primary keys": keys}


def _sqlite_primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    rows = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [name for _pk, name in sorted((r[5], r[1]) for r in rows if r[5] > 0)]


def postgres_schema(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        tables: dict[str, list[Column]] = {}
        rows = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable = 'NO', "
            "column_default IS NOT NULL AND is_identity = 'NO' "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
        for table, name, kind, notnull, has_default in rows:
            tables.setdefault(table, []).append((name, kind, notnull, has_default))
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            )
        }
        triggers = {r[0] for r in conn.execute("SELECT trigger_name FROM information_schema.triggers")}
        triggers -= set(NOTICE_TRIGGERS)  # a team's own: they tell other desktops what changed
        keys: dict[str, list[str]] = {table: [] for table in tables}
        for table, name in conn.execute(
            "SELECT t.relname, a.attname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
            "JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, pos) ON true "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = u.attnum "
            "WHERE k.contype = 'p' AND t.relnamespace = 'public'::regnamespace ORDER BY t.relname, u.pos"
        ):
            keys[table].append(name)
    return {"tables": tables, "indexes": indexes, "triggers": triggers, "primary keys": keys}


def test_every_migration_builds_on_postgresql_the_schema_it_builds_on_sqlite(
    postgres_url: str, tmp_path: Path
) -> None:
    open_database(tmp_path / "profile.sqlite3").close_all()
    expected = sqlite_schema(tmp_path / "profile.sqlite3")

    db = open_postgres_database(postgres_url)
    db.close()
    found = postgres_schema(postgres_url)

    assert VERSION_TABLE in found["tables"]  # PostgreSQL's user_version: the only table of its own
    del found["tables"][VERSION_TABLE], found["primary keys"][VERSION_TABLE]
    for part in ("tables", "primary keys", "indexes", "triggers"):
        assert found[part] == expected[part], part
    assert len(expected["tables"]) >= 15  # the comparison saw the whole schema


def test_the_schema_version_is_recorded_and_a_second_open_migrates_nothing(postgres_url: str) -> None:
    db = open_postgres_database(postgres_url)
    try:
        version = db.execute_sql(f"SELECT version FROM {VERSION_TABLE}").fetchall()  # noqa: S608
        again = run_postgres_migrations(db, postgres_url)
    finally:
        db.close()
    assert version == [(migrations.LATEST_VERSION,)]
    assert again == []


def test_the_ledger_keeps_the_units_owed_per_quarter_hour_on_both(postgres_url: str, tmp_path: Path) -> None:
    """Migration 14's triggers, written twice, sum the same moves: insert, update and delete."""
    entries = [
        (7, 0, "2026-12-01T10:07:00Z", 2, -1),  # 1 owed from 10:00
        (7, 0, "2026-12-01T10:14:59Z", -1, -4),  # 3 more, same quarter hour
        (7, 1, "2026-12-01T10:15:00Z", 5, 3),  # moves nothing owed: no row
        (8, 0, "2026-12-01T23:59:00Z", -2, 0),  # 2 owed fewer at 23:45
    ]
    insert = (
        "INSERT INTO stock_adjustments (product_id, variant_id, at, level_before, level_after, kind, "
        "quantity, source, actor) VALUES (?, ?, ?, ?, ?, 'adjust', 0, 'test', 'test')"
    )
    update = "UPDATE stock_adjustments SET level_after = -6 WHERE at = '2026-12-01T10:14:59Z'"
    delete = "DELETE FROM stock_adjustments WHERE product_id = 8"
    read = "SELECT slot, moved FROM owed_moves ORDER BY slot"

    sqlite_db = open_database(tmp_path / "profile.sqlite3")
    try:
        conn = sqlite_db.connection()
        conn.executemany(insert, entries)
        on_sqlite = [conn.execute(read).fetchall()]
        conn.execute(update)
        on_sqlite.append(conn.execute(read).fetchall())
        conn.execute(delete)
        on_sqlite.append(conn.execute(read).fetchall())
        conn.commit()
    finally:
        sqlite_db.close_all()

    open_postgres_database(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.cursor().executemany(insert.replace("?", "%s"), entries)
        on_postgres = [pg.execute(read).fetchall()]
        pg.execute(update)
        on_postgres.append(pg.execute(read).fetchall())
        pg.execute(delete)
        on_postgres.append(pg.execute(read).fetchall())

    assert on_sqlite[0] == [("2026-12-01T10:00", 4), ("2026-12-01T23:45", -2)]
    assert on_sqlite[1] == [("2026-12-01T10:00", 6), ("2026-12-01T23:45", -2)]
    assert on_sqlite[2] == [("2026-12-01T10:00", 6), ("2026-12-01T23:45", 0)]
    assert on_postgres == on_sqlite


def test_a_database_of_a_newer_version_is_refused(postgres_url: str) -> None:
    open_postgres_database(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute(f"UPDATE {VERSION_TABLE} SET version = %s", (migrations.LATEST_VERSION + 1,))  # noqa: S608

    with pytest.raises(DatabaseTooNew, match="newer version") as caught:
        open_postgres_database(postgres_url)
    assert "every desktop of a team" in caught.value.message


def test_an_unreachable_server_says_which_database_and_never_the_password(tmp_path: Path) -> None:
    url = f"postgresql://clerk:s3cret-pw@/team_db?host={tmp_path}&port=5999&connect_timeout=5"

    with pytest.raises(StorageError) as caught:
        open_postgres_database(url)

    text = str(caught.value)
    assert "'team_db'" in text
    assert "s3cret-pw" not in text
    assert "Check that the server is running" in text


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("id INTEGER PRIMARY KEY AUTOINCREMENT,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
        (
            "id INTEGER PRIMARY KEY CHECK (id = 1),",
            "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY CHECK (id = 1),",
        ),
        ("price REAL NOT NULL, seen INTEGER", "price DOUBLE PRECISION NOT NULL, seen BIGINT"),
        ("full INTEGER NOT NULL, fuller TEXT", '"full" BIGINT NOT NULL, fuller TEXT'),
        ("ON products (sku COLLATE NOCASE)", "ON products (sku COLLATE NOCASE)"),
    ],
)
def test_sqlite_ddl_in_postgresql_words(sqlite: str, postgres: str) -> None:
    assert postgres_ddl(sqlite) == postgres


def test_an_old_database_with_data_is_upgraded_with_it(postgres_url: str) -> None:
    """Migrations 4 and 5 fill new columns from the rows already there: on PostgreSQL too."""
    db = peewee.PostgresqlDatabase(postgres_url, prefer_psycopg3=True)
    try:
        assert run_postgres_migrations(db, postgres_url, target=3) == [1, 2, 3]
        db.execute_sql(
            "INSERT INTO products (id, name, sku, inventory_tracking, inventory_level, price, is_visible, "
            "availability, date_modified, search_text, content_hash) VALUES "
            "(1, 'Size 10', 'A-10', 'none', 0, 1.5, 1, 'available', '', '', 9223372036854775807)"
        )
        db.execute_sql(
            'INSERT INTO sync_runs (kind, trigger, mode, "full", started_at, outcome, error_title) VALUES '
            "('pull', 'manual', 'api', 1, '2026-12-01T00:00:00Z', 'failed', 'Disk full'), "
            "('pull', 'manual', 'api', 0, '2026-12-01T00:00:00Z', 'failed', 'Some words of its own')"
        )
        assert run_postgres_migrations(db, postgres_url) == list(range(4, migrations.LATEST_VERSION + 1))
        kinds = db.execute_sql("SELECT error_kind FROM sync_runs ORDER BY id").fetchall()
        keys = db.execute_sql("SELECT name_key, sku_key, content_hash FROM products").fetchall()
    finally:
        db.close()
    assert kinds == [("disk_full",), ("user",)]
    assert keys[0][0] != "" and keys[0][1] != ""  # computed for the row already stored
    assert keys[0][2] == 9223372036854775807  # SQLite's 64-bit integers fit
