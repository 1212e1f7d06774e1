"""Schema migrations: each one upgrades a committed old file, with a backup first; failures change nothing.

Every migration ``mNNNN_name`` needs a test here named ``test_mNNNN_name…`` that upgrades
``tests/fixtures/db/v<NNNN-1>.sqlite3`` (made by ``tests/fixtures/db/make_fixtures.py``):
``test_every_migration_has_a_test`` enforces it (STYLE rule 18).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from contextlib import closing
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
from playhouse.migrate import SqliteMigrator
from playhouse.migrate import TextField

from backorder_desktop.adapters.storage import migrations
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage.db import BACKUPS_KEPT
from backorder_desktop.adapters.storage.migrations import MIGRATIONS
from backorder_desktop.adapters.storage.migrations import Migration
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.domain.notifications import NewNotification
from backorder_desktop.domain.notifications import NotificationKind
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.purchasing import PurchasingWrite
from backorder_desktop.domain.purchasing import Why
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.schedule_rules import retry_after
from tests.adapters.storage.conftest import make_product

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "db"


def _version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _fixture(version: int, tmp_path: Path) -> Path:
    target = tmp_path / "profile" / "mirror.sqlite3"
    target.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURES / f"v{version}.sqlite3", target)
    return target


def _upgraded_keeping_the_ledger(version: int, tmp_path: Path) -> Path:
    """The fixture of ``version`` opened (so upgraded to the newest) with its one ledger entry kept."""
    path = _fixture(version, tmp_path)
    store = open_mirror(path)
    try:
        assert [(a.key, a.level_after) for a in store.stock_history(7)] == [(StockKey(7, 70), 4)]  # kept
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    return path


def test_every_migration_has_a_test_and_a_fixture() -> None:
    assert MIGRATIONS, "no migrations found"
    tests = [name for name in globals() if name.startswith("test_m")]
    for migration in MIGRATIONS:
        assert any(name.startswith(f"test_{migration.name}") for name in tests), migration.name
        assert (FIXTURES / f"v{migration.version - 1}.sqlite3").is_file(), migration.name
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_m0001_initial_upgrades_an_empty_v0_file_after_a_backup(tmp_path: Path) -> None:
    path = _fixture(0, tmp_path)
    original = tmp_path / "original.sqlite3"
    shutil.copyfile(path, original)
    store = open_mirror(path)
    try:
        store.apply_products([make_product(1, variants=2)], pass_id=1, keep_backorder_stock=False)
        assert store.get_product(1) == make_product(1, variants=2)
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    assert {"products", "variants", "backorder_assignments", "sync_runs", "settings"} <= _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1
    assert ".v0." in backups[0].name
    # A consistent copy of the file as it was before migrating (same content; the backup API
    # writes its own header counters, so not byte for byte).
    assert (_version(backups[0]), _tables(backups[0])) == (0, _tables(original))


def test_m0002_stock_ledger_keeps_v1_data_and_adds_the_stock_tables(tmp_path: Path) -> None:
    path = _fixture(1, tmp_path)
    store = open_mirror(path)
    try:
        product = store.get_product(7)
        assert product is not None
        assert [v.sku for v in product.variants] == ["BIKE-7-S", "BIKE-7-L"]
        assert store.backorder_product_ids() == {7}
        assert store.load_settings().inventory_source.value == "bigcommerce"
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)  # opening runs every later migration too
    assert {"stock_items", "stock_adjustments", "outbox"} <= _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v1." in backups[0].name
    assert _version(backups[0]) == 1


def test_m0003_search_index_keeps_v2_data_and_widens_the_name_index(tmp_path: Path) -> None:
    path = _fixture(2, tmp_path)
    store = open_mirror(path)
    try:
        assert [p.id for p in store.search_products("BIKE-7-l")] == [7]  # a variant SKU, any case
        assert store.backorder_product_ids() == {7}
        assert [(i.key.variant_id, i.level, i.store_level) for i in store.stock_items([7])] == [(70, 4, 3)]
        assert [a.level_after for a in store.stock_history(7)] == [4]
        assert store.outbox_count() == 1
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    with closing(sqlite3.connect(path)) as conn:
        columns = [row[2] for row in conn.execute("PRAGMA index_info(products_name)")]
    assert columns[1:] == ["id", "search_text"]  # its first column is the name's key since migration 5
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v2." in backups[0].name


def test_m0004_error_kinds_gives_old_runs_and_push_problems_the_kind_of_their_title(tmp_path: Path) -> None:
    path = _fixture(3, tmp_path)
    store = open_mirror(path)
    try:
        runs = {run.id: run for run in store.runs()}
        assert {run_id: run.error_kind for run_id, run in runs.items()} == {
            1: ErrorKind.OFFLINE,
            2: ErrorKind.RATE_LIMITED,
            3: ErrorKind.AUTH,
            4: ErrorKind.SYNC_STOPPED,  # interrupted by a killed process
            5: ErrorKind.SUSPICIOUS_CATALOG,
            6: ErrorKind.BUG,
            7: ErrorKind.USER,  # a title that names no kind of its own
            8: None,
            9: None,
        }
        assert runs[3].error_title == "BigCommerce refused the token"  # the words stay
        assert [(p.item, p.kind) for p in runs[8].problems] == [
            ("waiting changes", ErrorKind.MAINTENANCE),
            ("product 7", None),  # a per-item refusal is not an error
        ]
        # The decisions read the kinds: these old runs are retried as before.
        assert [retry_after(runs[i]) is not None for i in range(1, 10)] == [
            True, True, False, False, False, False, False, True, False,
        ]  # fmt: skip
        assert store.backorder_product_ids() == {7}  # the data of earlier versions is still there
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v3." in backups[0].name


def test_m0005_natural_order_keys_the_stored_products_and_sorts_by_number(tmp_path: Path) -> None:
    path = _fixture(4, tmp_path)
    store = open_mirror(path)
    try:
        by_name = store.query_products(ProductQuery(text="chain"), limit=10)
        assert [p.name for p in by_name] == ["Chain #19555", "Chain #113332"]
        by_sku = store.query_products(ProductQuery(text="helm", sort=ProductSort.SKU), limit=10)
        assert [p.sku for p in by_sku] == ["HELM-2", "HELM-10"]
        everything = store.query_products(ProductQuery(), limit=10)
        assert [p.id for p in everything] == [7, 12, 11, 14, 13]  # "blue bike", chains, sizes 2 and 10
        assert store.backorder_product_ids() == {7}  # the data of earlier versions is still there
        assert {run.id: run.error_kind for run in store.runs()}[1] is ErrorKind.OFFLINE  # and m0004's kinds
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    with closing(sqlite3.connect(path)) as conn:
        columns = [row[2] for row in conn.execute("PRAGMA index_info(products_name)")]
        keys = dict(conn.execute("SELECT sku, sku_key FROM products WHERE id IN (13, 14)").fetchall())
        plan = " ".join(str(row) for row in conn.execute(f"EXPLAIN QUERY PLAN {ORDERED_BY_NAME}"))
    assert columns == ["name_key", "id", "search_text"]
    assert keys == {"HELM-10": "helm-210", "HELM-2": "helm-12"}
    assert "products_name" in plan and "TEMP B-TREE" not in plan  # paging by name walks the index
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v4." in backups[0].name


def test_m0006_orders_keeps_v5_data_and_counts_orders_from_the_first_assignment(tmp_path: Path) -> None:
    path = _fixture(5, tmp_path)
    store = open_mirror(path)
    try:
        assert store.backorder_product_ids() == {7}  # the data of earlier versions is still there
        assert store.stock_history(7)[0].actor == "dana"
        assert store.first_assignment() is not None
        assert store.owed_orders() == [] and store.orders_waiting() == 0
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    assert "order_lines" in _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v5." in backups[0].name


def test_m0007_product_writes_leaves_tracking_of_earlier_assignments_alone(tmp_path: Path) -> None:
    path = _fixture(6, tmp_path)
    store = open_mirror(path)
    try:
        assert store.backorder_product_ids() == {7}
        # Assigned before the app turned tracking off: it never restores a mode it did not change.
        assert store.remembered_tracking() == {}
        assert store.unassign({7}) == 1
        assert store.product_write_count() == 0
        assert store.stock_history(7)[0].actor == "dana"  # the ledger outlives the assignment
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    assert "product_writes" in _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v6." in backups[0].name


def test_m0008_backorder_rules_starts_every_item_unlimited_and_keeps_rules_as_user_data(
    tmp_path: Path,
) -> None:
    path = _fixture(7, tmp_path)
    store = open_mirror(path)
    try:
        assert store.backorder_product_ids() == {7}
        assert store.backorder_rules() == {}  # every item unlimited, as before
        key = StockKey(7, 70)
        at = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)
        store.save_backorder_rules(
            {key: BackorderRule(limit=5, expected=date(2026, 12, 1))}, by="dana", at=at
        )
        store.rebuild_mirror()
        assert store.backorder_rules() == {key: BackorderRule(limit=5, expected=date(2026, 12, 1))}
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    assert "backorder_rules" in _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v7." in backups[0].name


def test_m0009_notifications_starts_with_none_told_and_keeps_them_as_user_data(tmp_path: Path) -> None:
    path = _fixture(8, tmp_path)
    store = open_mirror(path)
    try:
        assert store.backorder_rules() == {StockKey(7, 70): BackorderRule(limit=5)}  # kept
        assert store.notifications() == []
        at = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)
        new = NewNotification(NotificationKind.SYNC_FAILED, "sync-failed:run:1", "Sync failed", "", at)
        told = store.add_notification(new)
        assert told is not None and store.add_notification(new) is None  # the key is unique
        store.rebuild_mirror()
        assert [n.key for n in store.notifications()] == ["sync-failed:run:1"]
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    assert "notifications" in _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v8." in backups[0].name


def test_m0010_purchasing_starts_with_nothing_switched_and_keeps_switches_as_user_data(
    tmp_path: Path,
) -> None:
    path = _fixture(9, tmp_path)
    store = open_mirror(path)
    try:
        assert [n.key for n in store.notifications()] == ["limit-reached:7/70:1"]  # kept
        assert store.purchasing_records() == {}
        at = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)
        write = PurchasingWrite(StockKey(7, 70), "BIKE-7-S", True, Why.LIMIT, "Ships by 12 January")
        store.queue_purchasing([write], at=at)
        store.rebuild_mirror()
        assert store.purchasing_waiting() == [write]
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    assert "purchasing" in _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v9." in backups[0].name


def test_m0011_ledger_item_time_indexes_the_ledger_by_item_and_time_and_keeps_it(tmp_path: Path) -> None:
    path = _upgraded_keeping_the_ledger(10, tmp_path)
    with closing(sqlite3.connect(path)) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT level_after FROM stock_adjustments "
            "WHERE product_id = 7 AND variant_id = 70 AND at < '2026-11-04' ORDER BY at DESC LIMIT 1"
        ).fetchall()
    assert "stock_adjustments_item_time" in " ".join(str(row[-1]) for row in plan)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v10." in backups[0].name


def test_m0012_backorder_limits_starts_with_none_written_and_keeps_limits_as_user_data(
    tmp_path: Path,
) -> None:
    path = _fixture(11, tmp_path)
    store = open_mirror(path)
    try:
        assert store.backorder_counts() == {}
        at = datetime(2026, 11, 8, 9, 0, tzinfo=UTC)
        store.save_settings(replace(store.load_settings(), backorder_method=BackorderMethod.NATIVE))
        assert store.limits_evaluate(at) == 1  # the BackOrder bike's one stock item, with its kept rule
        wanted = {w.key: w.limit for w in store.limits_waiting()}
        assert wanted == {StockKey(7, 70): 5}
        store.rebuild_mirror()
        assert {w.key for w in store.limits_waiting()} == set(wanted)
    finally:
        store.close()
    assert _version(path) == len(MIGRATIONS)
    assert "backorder_limits" in _tables(path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v11." in backups[0].name


def test_m0013_ledger_time_upgrades_a_v12_file_and_keeps_its_ledger(tmp_path: Path) -> None:
    path = _upgraded_keeping_the_ledger(12, tmp_path)
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v12." in backups[0].name


def _owed_moves(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT slot, moved FROM owed_moves WHERE moved != 0").fetchall())


def test_m0014_owed_moves_sums_the_ledger_so_far_per_quarter_hour_and_then_follows_it(tmp_path: Path) -> None:
    path = _fixture(13, tmp_path)
    open_mirror(path).close()
    assert _version(path) == len(MIGRATIONS)
    assert _owed_moves(path) == {"2026-11-20T10:00": 2}  # v13's sale of 6 from 4: 2 units owed
    with closing(sqlite3.connect(path)) as conn:
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "stock_adjustments_time" not in indexes  # what the sums replace
        with conn:  # two more sold at 10:29 (same quarter hour from 10:15), then 3 back at 10:30
            conn.execute(
                "INSERT INTO stock_adjustments (product_id, variant_id, kind, quantity, level_before, "
                "level_after, source, actor, reason, at) VALUES "
                "(7, 70, 'remove', 2, -2, -4, 'order', 'app', '', '2026-11-20T10:29:59.5+00:00'), "
                "(7, 70, 'add', 3, -4, -1, 'order', 'app', '', '2026-11-20T10:30:00+00:00')"
            )
    assert _owed_moves(path) == {"2026-11-20T10:00": 2, "2026-11-20T10:15": 2, "2026-11-20T10:30": -3}
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v13." in backups[0].name


def test_m0015_change_notices_leaves_a_v14_file_as_it_was_on_sqlite(tmp_path: Path) -> None:
    path = _fixture(14, tmp_path)
    before = (_tables(path), _owed_moves(path))
    open_mirror(path).close()
    assert _version(path) == len(MIGRATIONS)
    assert (_tables(path), _owed_moves(path)) == before  # the team's notices are PostgreSQL's alone
    with closing(sqlite3.connect(path)) as conn:
        triggers = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {"owed_moves_insert", "owed_moves_delete", "owed_moves_update"}
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v14." in backups[0].name


def test_m0016_catalog_baseline_keeps_v15_items_with_their_baselines_as_they_were(tmp_path: Path) -> None:
    path = _fixture(15, tmp_path)
    open_mirror(path).close()
    assert _version(path) == len(MIGRATIONS)
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT product_id, variant_id, level, store_level, catalog_since FROM stock_items"
        )
        assert rows.fetchall() == [(7, 70, -2, 3, None)]  # an old item's baseline is not re-based
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and ".v15." in backups[0].name


ORDERED_BY_NAME = "SELECT id FROM products ORDER BY name_key, id LIMIT 200 OFFSET 1000"


def test_a_new_or_current_file_gets_no_backup(db_path: Path) -> None:
    open_mirror(db_path).close()
    open_mirror(db_path).close()
    assert not (db_path.parent / "backups").exists()


def _add_migration(monkeypatch: pytest.MonkeyPatch, migration: Migration) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, migration])
    monkeypatch.setattr(migrations, "LATEST_VERSION", migration.version)


def test_a_later_migration_runs_with_the_sqlite_migrator(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_mirror(db_path)
    store.apply_products([make_product(1)], pass_id=None, keep_backorder_stock=False)
    store.close()

    def add_note(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
        migrator.migrate(migrator.add_column("backorder_assignments", "note", TextField(default="")))
        conn.execute("UPDATE backorder_assignments SET note = 'migrated'")

    version = len(MIGRATIONS) + 1
    _add_migration(monkeypatch, Migration(version, f"m{version:04d}_note", add_note))
    store = open_mirror(db_path)
    try:
        assert store.get_product(1) == make_product(1)
        columns = {
            row[1] for row in store._db.connection().execute("PRAGMA table_info(backorder_assignments)")
        }
        assert "note" in columns
    finally:
        store.close()
    assert _version(db_path) == version
    (backup,) = (db_path.parent / "backups").iterdir()
    assert backup.name.startswith(f"mirror.v{version - 1}.")


def test_a_failing_migration_changes_nothing(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_mirror(db_path)
    store.apply_products([make_product(1)], pass_id=None, keep_backorder_stock=False)
    store.close()

    def broken(conn: sqlite3.Connection, migrator: SqliteMigrator) -> None:
        conn.execute("DROP TABLE variants")
        raise RuntimeError("boom")

    version = len(MIGRATIONS) + 1
    _add_migration(monkeypatch, Migration(version, f"m{version:04d}_broken", broken))
    with pytest.raises(BugError) as caught:
        open_mirror(db_path)
    assert "boom" in caught.value.message
    assert "backups" in caught.value.message
    monkeypatch.undo()
    assert _version(db_path) == len(MIGRATIONS)
    store = open_mirror(db_path)
    try:
        assert store.get_product(1) == make_product(1)  # the variants table is still there
    finally:
        store.close()


def test_two_processes_opening_an_old_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    # Several rounds: switching the file to WAL raced a committing opener ("database is locked"
    # at once, without the busy timeout) about once in 25 rounds before the first connect retried.
    for round_ in range(8):
        path = _fixture(0, tmp_path / f"round-{round_}")
        errors: list[BaseException] = []

        def open_and_close(path: Path = path, errors: list[BaseException] = errors) -> None:
            try:
                open_mirror(path).close()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_and_close) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert _version(path) == len(MIGRATIONS)


def test_old_backups_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _fixture(0, tmp_path)
    for _ in range(BACKUPS_KEPT + 2):
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("PRAGMA user_version = 0")
            for table in sorted(_tables(path)):
                if not table.startswith("sqlite_"):
                    conn.execute(f"DROP TABLE {table}")
        open_mirror(path).close()
    assert len(list((path.parent / "backups").iterdir())) == BACKUPS_KEPT
