"""The throwaway PostgreSQL server of the test session: each test gets a database of its own."""

from __future__ import annotations

from pathlib import Path

import peewee
import psycopg
import pytest

from tests.fixtures_postgres import PostgresServer
from tests.fixtures_postgres import find_bindir
from tests.fixtures_postgres import require_bindir


def test_a_test_database_answers_through_peewee(postgres_url: str) -> None:
    db = peewee.PostgresqlDatabase(postgres_url)
    try:
        db.execute_sql("CREATE TABLE marks (id BIGINT PRIMARY KEY, label TEXT NOT NULL)")
        db.execute_sql("INSERT INTO marks (id, label) VALUES (%s, %s)", (7, "seven"))
        rows = db.execute_sql("SELECT label, current_database(), version() FROM marks").fetchall()
    finally:
        db.close()
    assert rows[0][0] == "seven"
    assert rows[0][1] in postgres_url
    assert rows[0][2].startswith("PostgreSQL ")


def test_each_test_gets_an_empty_database(postgres_url: str, postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        own = conn.execute("SELECT current_database()").fetchone()
    assert tables == (0,)
    assert own is not None
    with postgres_server.admin() as admin:
        names = [
            row[0] for row in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'test_%'")
        ]
    assert own[0] in names


def test_missing_server_binaries_fail_with_the_fix(tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    found = find_bindir(env={"BACKORDER_PG_BIN": str(empty)}, debian_root=empty, path=str(empty))
    assert found is None
    with pytest.raises(pytest.fail.Exception, match=r"scripts/system-deps\.sh"):
        require_bindir(found)


def test_the_server_binaries_are_found_here() -> None:
    found = find_bindir()
    assert found is not None
    assert (found / "postgres").is_file()
