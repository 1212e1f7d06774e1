"""Opening the database: pragmas, schema, each way a file can be wrong: newer, corrupt, full, read-only."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import closing
from contextlib import contextmanager
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage.migrations import LATEST_VERSION
from backorder_desktop.adapters.storage.tables import ALL_TABLES
from backorder_desktop.adapters.storage.tables import MIRROR_TABLES
from backorder_desktop.adapters.storage.tables import USER_TABLES
from backorder_desktop.domain.errors import DatabaseCorrupt
from backorder_desktop.domain.errors import DatabaseTooNew
from backorder_desktop.domain.errors import DiskFull
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import StorageError
from tests.adapters.storage.conftest import SQLITE_FILE
from tests.adapters.storage.conftest import make_product

NOBODY = 65534


def _pragmas(conn: sqlite3.Connection) -> tuple[object, ...]:
    names = ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
    return tuple(conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names)


@SQLITE_FILE
def test_every_thread_connection_gets_the_pragmas(store: SqliteMirrorStore) -> None:
    expected = ("wal", 1, 1, 30_000)  # synchronous 1 = NORMAL
    assert _pragmas(store._db.connection()) == expected
    seen: list[tuple[object, ...]] = []
    thread = threading.Thread(target=lambda: seen.append(_pragmas(store._db.connection())))
    thread.start()
    thread.join()
    assert seen == [expected]


@SQLITE_FILE
def test_the_schema_matches_the_models(store: SqliteMirrorStore) -> None:
    conn = store._db.connection()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert set(MIRROR_TABLES).isdisjoint(USER_TABLES)
    for model in ALL_TABLES:
        table = model._meta.table_name
        # name → (NOT NULL, primary key); the DDL leaves NOT NULL implicit on primary keys
        columns = {
            row[1]: (bool(row[3]), bool(row[5])) for row in conn.execute(f"PRAGMA table_info({table})")
        }
        composite = set(getattr(model._meta.primary_key, "field_names", ()))  # CompositeKey members
        expected = {
            f.column_name: (not f.null and not f.primary_key, f.primary_key or f.name in composite)
            for f in model._meta.sorted_fields
        }
        assert columns == expected, table
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"products_name", "products_sku", "variants_sku", "variants_product_id"} <= indexes
    plan = conn.execute("EXPLAIN QUERY PLAN SELECT id FROM variants WHERE sku = ? COLLATE NOCASE", ("x",))
    assert "variants_sku" in " ".join(str(row) for row in plan)


def _write_version(path: Path, version: int) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(f"PRAGMA user_version = {version}")


def test_a_database_from_a_newer_version_is_refused_and_left_alone(db_path: Path) -> None:
    open_mirror(db_path).close()
    _write_version(db_path, LATEST_VERSION + 1)
    before = db_path.read_bytes()
    with pytest.raises(DatabaseTooNew) as caught:
        open_mirror(db_path)
    message = caught.value.message
    assert f"schema version {LATEST_VERSION + 1}" in message
    assert f"up to schema version {LATEST_VERSION}" in message
    assert "Install the latest version of BackOrder Desktop" in message
    assert "move" in message
    assert str(db_path) in message
    assert db_path.read_bytes() == before
    assert not (db_path.parent / "backups").exists()


def test_random_bytes_are_not_a_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = random.Random(3).randbytes(16_384)
    db_path.write_bytes(garbage)
    with pytest.raises(DatabaseCorrupt) as caught:
        open_mirror(db_path)
    assert "move that file somewhere else" in caught.value.message
    assert db_path.read_bytes() == garbage  # nothing written to a damaged file


def test_a_truncated_database_is_corrupt(db_path: Path) -> None:
    store = open_mirror(db_path)
    store.apply_products(
        [make_product(i, variants=5) for i in range(1, 400)], pass_id=None, keep_backorder_stock=False
    )
    store.close()
    size = db_path.stat().st_size
    with db_path.open("r+b") as handle:
        handle.truncate(size // 2)
    with pytest.raises(DatabaseCorrupt) as caught:
        open_mirror(db_path)
    assert "cannot be read" in caught.value.message


@SQLITE_FILE
def test_a_full_disk_loses_nothing(store: SqliteMirrorStore) -> None:
    before = [make_product(i, variants=2) for i in range(1, 11)]
    store.apply_products(before, pass_id=1, keep_backorder_stock=False)
    store.assign([1], by="alice", at=before[0].date_modified)
    conn = store._db.connection()  # max_page_count is per connection: this thread's one writes
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    big = [make_product(i, variants=10, name="x" * 500) for i in range(1, 500)]
    with pytest.raises(DiskFull) as caught:
        store.apply_products(big, pass_id=2, keep_backorder_stock=False)
    assert "Nothing was lost; free space and sync again" in caught.value.message
    assert sorted(store.search_products(), key=lambda p: p.id) == before
    assert store.backorder_product_ids() == {1}
    assert store.unseen_product_ids(1) == []
    conn.execute("PRAGMA max_page_count = 1073741823")  # space freed: the same write now works
    assert store.apply_products(big, pass_id=2, keep_backorder_stock=False).created == 489


@contextmanager
def _unprivileged() -> Iterator[None]:
    """Root ignores file permissions: act as ``nobody`` for the block (effective ids only)."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder ``nobody`` can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="storage-ro-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        for path in (base, *base.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(base)


def test_a_read_only_folder_is_a_storage_error(shared_dir: Path) -> None:
    profile = shared_dir / "profile"
    existing = profile / "mirror.sqlite3"
    open_mirror(existing).close()
    existing.chmod(0o444)
    profile.chmod(0o555)
    with _unprivileged():
        for path in (existing, profile / "new.sqlite3", profile / "sub" / "mirror.sqlite3"):
            with pytest.raises(StorageError) as caught:
                open_mirror(path)
            assert "read-only" in caught.value.message, path
            assert caught.value.remedy is Remedy.OTHER_FOLDER
