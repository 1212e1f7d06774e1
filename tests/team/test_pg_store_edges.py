"""The team store's edges on a real server: a pull lands the same rows as on SQLite, errors say what
happened without the URL's password, a connection cut by the server is replaced, and identity
sequences follow rows copied in with their ids."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest

from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage import open_team_mirror
from backorder_desktop.adapters.storage import reset_identities
from backorder_desktop.adapters.storage.codec import PRODUCT_COLUMNS
from backorder_desktop.adapters.storage.codec import VARIANT_COLUMNS
from backorder_desktop.adapters.storage.pg_connection import PgConnection
from backorder_desktop.adapters.storage.pg_connection import Schema
from backorder_desktop.adapters.storage.pg_failures import Conflict
from backorder_desktop.adapters.storage.pg_failures import translate_pg
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import DiskFull
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import StorageError
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.notifications import NewNotification
from backorder_desktop.domain.notifications import NotificationKind
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from bench.catalog import change_some
from bench.catalog import generate
from bench.catalog import pages
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

PRODUCTS = 3000
WHERE = "database 'shop' on db.example"


def _rows(fetch: Any, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in fetch(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")]  # noqa: S608


def test_a_pull_of_thousands_of_products_lands_the_same_rows_on_both(
    tmp_path: Path, postgres_url: str
) -> None:
    catalog = generate(PRODUCTS, seed=11)
    changed = change_some(catalog, 0.10, seed=12)
    stores = (open_mirror(tmp_path / "mirror.sqlite3"), open_team_mirror(postgres_url))
    try:
        for store in stores:
            for page in pages(catalog):
                store.apply_products(page, pass_id=1, keep_backorder_stock=True)
            store.assign(range(1, PRODUCTS + 1, 40), by="bench", at=T0)  # kept stock, and its statements
            for page in pages(changed):
                store.apply_products(page, pass_id=2, keep_backorder_stock=True)
            store.remove_unseen(2)
    finally:
        for store in stores:
            store.close()
    with closing(sqlite3.connect(tmp_path / "mirror.sqlite3")) as lite, psycopg.connect(postgres_url) as pg:
        for table, columns in (("products", PRODUCT_COLUMNS), ("variants", VARIANT_COLUMNS)):
            on_sqlite = _rows(lambda sql: lite.execute(sql).fetchall(), table, columns)
            on_postgres = _rows(lambda sql: pg.execute(sql).fetchall(), table, columns)
            assert len(on_sqlite) >= PRODUCTS
            assert on_postgres == on_sqlite, table


def test_an_unreachable_server_names_the_database_never_the_password(tmp_path: Path) -> None:
    url = f"postgresql://clerk:s3cret-pw@/shop?host={tmp_path / 'no-server'}&connect_timeout=2"
    with pytest.raises(StorageError) as raised:
        open_team_mirror(url)
    assert "'shop'" in raised.value.message and "s3cret-pw" not in str(raised.value)


def test_a_connection_the_server_cut_while_idle_is_replaced(postgres_url: str, postgres_server: Any) -> None:
    store = open_team_mirror(postgres_url)
    try:
        store.apply_products([make_product(1), make_product(2)], pass_id=None, keep_backorder_stock=False)
        name = postgres_url.split("/")[3].split("?")[0]
        with postgres_server.admin() as admin:
            cut = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchall()
        assert cut  # the store's connection was there, and is gone
        assert store.product_count() == 2  # connected again at the BEGIN
    finally:
        store.close()


def test_a_server_gone_is_unreachable_and_back_is_used_again(postgres_url: str, postgres_server: Any) -> None:
    store = open_team_mirror(postgres_url)
    try:
        store.apply_products([make_product(1)], pass_id=None, keep_backorder_stock=False)
        postgres_server.stop()
        try:
            with pytest.raises(StorageError) as raised:
                store.product_count()
        finally:
            postgres_server.start()
        assert raised.value.title == "Team database unreachable" and raised.value.remedy is Remedy.RETRY_LATER
        assert "test_" in raised.value.message
        # The throwaway server's last commits may be gone with it (no fsync): write anew.
        store.apply_products([make_product(5)], pass_id=None, keep_backorder_stock=False)
        assert store.get_product(5) is not None
    finally:
        store.close()


@pytest.mark.parametrize(
    ("sqlstate", "expected", "says"),
    [
        ("53100", DiskFull, "disk of the server"),
        ("53200", StorageError, "ran out of resources"),
        ("42501", StorageError, "lacks a right"),
        ("40001", Conflict, "kept changing"),
        ("40P01", Conflict, "kept changing"),
        ("08006", StorageError, "Cannot reach the team"),
        ("57P01", StorageError, "Cannot reach the team"),
        ("22012", BugError, "Unexpected error"),
    ],
)
def test_errors_are_told_by_their_sqlstate(sqlstate: str, expected: type, says: str) -> None:
    error = psycopg.errors.lookup(sqlstate)("what the server said")
    translated = translate_pg(error, WHERE)
    assert type(translated) is expected and says in translated.message and WHERE in translated.message


def test_reset_identities_moves_each_sequence_past_the_ids_copied_in(postgres_url: str) -> None:
    store = open_team_mirror(postgres_url)
    try:
        store.apply_products([make_product(1)], pass_id=None, keep_backorder_stock=False)
        store.assign([1], by="setup", at=T0)
        with psycopg.connect(postgres_url) as conn:  # rows copied in with their ids, as a move does
            conn.execute(
                "INSERT INTO stock_adjustments (id, product_id, variant_id, kind, quantity, level_before, "
                "level_after, source, actor, reason, at) "
                "VALUES (41, 1, 0, 'add', 1, 10, 10, 'person', 'a', '', %s)",
                (T0.isoformat(),),
            )
            conn.execute(
                "INSERT INTO notifications (id, kind, key, subject, title, text, at) "
                "VALUES (17, 'orders', 'k', 's', 't', 'x', %s)",
                (T0.isoformat(),),
            )
            following = reset_identities(conn)
        assert following["stock_adjustments"] == 42 and following["notifications"] == 18
        assert following["sync_runs"] == 1
        entry = store.adjust_stock(
            StockKey(1), AdjustmentKind.ADD, 2, source=AdjustmentSource.PERSON, actor="ana", at=T0
        )
        told = store.add_notification(NewNotification(NotificationKind.ORDERS_ARRIVED, "k2", "t", "x", T0))
        run = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=True, at=T0)
        assert (entry.id, told.id if told else None, run) == (42, 18, 1)
    finally:
        store.close()


def test_a_batch_whose_column_mixes_ints_and_floats_is_written_row_by_row(postgres_url: str) -> None:
    """JSON's 2 is an int where 9.99 is a float: psycopg makes no array of both, so the batch goes
    row by row (the server casts each value) instead of as one statement over arrays."""
    with psycopg.connect(postgres_url, autocommit=True) as raw:
        raw.execute("CREATE TABLE prices (id BIGINT PRIMARY KEY, price DOUBLE PRECISION, label TEXT)")
        conn = PgConnection(raw, Schema(raw))
        conn.executemany(
            "INSERT INTO prices (id, price, label) VALUES (?, ?, ?)", [(1, 2, "a"), (2, 9.99, None)]
        )
        conn.executemany(
            "INSERT INTO prices (id, price, label) VALUES (?, ?, ?)", [(3, 1.5, "c"), (4, 2.5, "d")]
        )
        rows = raw.execute("SELECT id, price, label FROM prices ORDER BY id").fetchall()
    assert rows == [(1, 2.0, "a"), (2, 9.99, None), (3, 1.5, "c"), (4, 2.5, "d")]


def test_threads_sharing_a_store_each_get_a_connection_closed_as_they_end(postgres_url: str) -> None:
    store = open_team_mirror(postgres_url)
    errors: list[BaseException] = []
    seen: list[psycopg.Connection[Any]] = []

    def work(first: int) -> None:
        try:
            ids = range(first, first + 20)
            store.apply_products([make_product(pid) for pid in ids], pass_id=None, keep_backorder_stock=False)
            store.assign(ids, by="thread", at=T0)
            seen.append(store._team.connection())
            for pid in ids:
                store.adjust_stock(
                    StockKey(pid), AdjustmentKind.ADD, 1, source=AdjustmentSource.PERSON, actor="t", at=T0
                )
        except BaseException as exc:  # the test shows it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(first,)) for first in (1, 101, 201)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.product_count() == 60 and sum(item.level for item in store.stock_items()) == 60 * 11

    assert len({id(conn) for conn in seen}) == 3  # a connection per thread
    assert all(conn.closed for conn in seen)  # each closed as its thread ended
    main = store._team.connection()
    store.close()
    assert main.closed
