"""User data and bookkeeping: the store, assignments, cursors, sync runs, settings, rebuild, close."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage.salvage import side_path
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.settings import Settings
from tests.adapters.storage.conftest import SQLITE_FILE
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product


def test_store_round_trip(store: SqliteMirrorStore) -> None:
    assert store.get_store() is None
    info = StoreInfo(
        store_hash="abc123", name="Shop", plan_name="Plus", domain="shop.example", currency="EUR"
    )
    store.set_store(info, "https://api.example/stores/abc123")
    assert store.get_store() == (info, "https://api.example/stores/abc123")
    renamed = StoreInfo(store_hash="abc123", name="Shop 2", plan_name="Pro")
    store.set_store(renamed, "https://api.example/stores/abc123")
    assert store.get_store() == (renamed, "https://api.example/stores/abc123")


@SQLITE_FILE
def test_assign_and_unassign(store: SqliteMirrorStore, db_path: Path) -> None:
    store.apply_products([make_product(i) for i in (1, 2, 3)], pass_id=None, keep_backorder_stock=False)
    assert store.assign([1, 2, 99], by="alice", at=T0) == 2  # 99 is not in the mirror
    assert store.assign([2, 3], by="bob", at=T0 + timedelta(days=1)) == 1
    assert store.backorder_product_ids() == {1, 2, 3}
    with closing(sqlite3.connect(db_path)) as raw:
        rows = raw.execute(
            "SELECT product_id, assigned_by, assigned_at FROM backorder_assignments"
        ).fetchall()
    assert sorted(rows) == [
        (1, "alice", T0.isoformat()),
        (2, "alice", T0.isoformat()),  # the first assignment's date and author stay
        (3, "bob", (T0 + timedelta(days=1)).isoformat()),
    ]
    assert store.unassign([2, 3, 99]) == 2
    assert store.backorder_product_ids() == {1}


def test_cursors(store: SqliteMirrorStore) -> None:
    assert store.get_cursor("last_pull") is None
    store.set_cursor("last_pull", "2025-03-01T12:00:00+00:00")
    store.set_cursor("last_pull", "2025-03-02T12:00:00+00:00")
    assert store.get_cursor("last_pull") == "2025-03-02T12:00:00+00:00"
    store.set_cursor("last_pull", None)
    assert store.get_cursor("last_pull") is None


def test_runs_are_recorded_with_counts_problems_and_errors(store: SqliteMirrorStore) -> None:
    manual = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=True, at=T0)
    running = store.runs()[0]
    assert (running.id, running.outcome, running.finished_at) == (manual, RunOutcome.RUNNING, None)
    problems = (
        ItemProblem("product 7", "Missing name", "Fix it in BigCommerce."),
        ItemProblem("waiting changes", "Offline", "No connection.", ErrorKind.OFFLINE),  # kept with its kind
    )
    store.finish_run(
        manual,
        outcome=RunOutcome.PARTIAL,
        counts=RunCounts(seen=10, created=3, changed=2, removed=1),
        at=T0 + timedelta(minutes=1),
        problems=problems,
    )
    auto = store.start_run(
        kind=RunKind.AUTOMATIC,
        trigger="poll",
        mode=InventorySource.ERP,
        full=False,
        at=T0 + timedelta(hours=1),
    )
    store.finish_run(
        auto,
        outcome=RunOutcome.FAILED,
        counts=RunCounts(),
        at=T0 + timedelta(hours=1, seconds=5),
        error=Offline("Check the network."),
    )
    newest, oldest = store.runs()
    assert newest.id == auto
    assert (newest.error_kind, newest.error_title, newest.error_message, newest.problems) == (
        ErrorKind.OFFLINE,
        "Offline",
        "Check the network.",
        (),
    )
    assert oldest.problems == problems
    assert oldest.counts == RunCounts(seen=10, created=3, changed=2, removed=1)
    assert (oldest.kind, oldest.trigger, oldest.mode, oldest.full) == (
        RunKind.MANUAL,
        "cli",
        InventorySource.ERP,
        True,
    )
    assert oldest.started_at == T0
    assert oldest.finished_at is not None
    assert oldest.finished_at.tzinfo is not None
    assert store.runs(limit=1) == [newest]
    assert store.last_run() == oldest  # the failed automatic run is not successful
    assert store.last_run(kind=RunKind.AUTOMATIC) is None
    assert store.last_run(kind=RunKind.AUTOMATIC, successful=False) == newest
    assert store.last_run(kind=RunKind.MANUAL) == oldest


def test_runs_left_running_by_a_killed_process_are_abandoned(store: SqliteMirrorStore) -> None:
    killed = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=True, at=T0)
    done = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=True, at=T0)
    store.finish_run(done, outcome=RunOutcome.OK, counts=RunCounts(), at=T0)
    later = T0 + timedelta(hours=2)
    assert store.abandon_running_runs(at=later) == 1
    assert store.abandon_running_runs(at=later) == 0
    abandoned = next(run for run in store.runs() if run.id == killed)
    assert (abandoned.outcome, abandoned.finished_at, abandoned.error_title, abandoned.error_kind) == (
        RunOutcome.FAILED,
        later,
        "Interrupted",
        ErrorKind.SYNC_STOPPED,
    )
    assert next(run for run in store.runs() if run.id == done).outcome is RunOutcome.OK


@SQLITE_FILE
def test_a_start_with_no_run_left_running_leaves_the_side_copy_alone(
    store: SqliteMirrorStore, db_path: Path
) -> None:
    """Every command's start looks for runs left running; the side copy holds every user table (the
    ledger too), so copying it on each start would make every command as slow as the ledger is long."""
    store.set_store(StoreInfo(store_hash="abc123", name="Shop", plan_name="Plus"), "https://api.example")
    with closing(sqlite3.connect(side_path(db_path))) as side, side:
        side.execute('DELETE FROM "store"')  # a refresh of the copy would bring the row back

    assert store.abandon_running_runs(at=T0) == 0
    store.close()  # pending changes are copied on close

    with closing(sqlite3.connect(side_path(db_path))) as side:
        assert side.execute('SELECT COUNT(*) FROM "store"').fetchone() == (0,)


@SQLITE_FILE
def test_a_run_left_running_is_abandoned_in_the_side_copy_too(
    store: SqliteMirrorStore, db_path: Path
) -> None:
    store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=True, at=T0)

    assert store.abandon_running_runs(at=T0 + timedelta(hours=1)) == 1
    store.close()

    with closing(sqlite3.connect(side_path(db_path))) as side:
        assert side.execute('SELECT outcome FROM "sync_runs"').fetchall() == [(RunOutcome.FAILED.value,)]


def test_finishing_an_unknown_run_is_a_bug(store: SqliteMirrorStore) -> None:
    with pytest.raises(BugError):
        store.finish_run(42, outcome=RunOutcome.OK, counts=RunCounts(), at=T0)


def test_settings_round_trip_and_defaults(store: SqliteMirrorStore) -> None:
    assert store.load_settings() == Settings()
    chosen = Settings(
        inventory_source=InventorySource.API,
        daily_sync_time=time(3, 30),
        erp_name="Odoo",
        polling_interval_minutes=15,
        feed_url="https://erp.example/feed.csv",
        start_minimised=True,
    )
    store.save_settings(chosen)
    assert store.load_settings() == chosen


@SQLITE_FILE
def test_a_bad_stored_setting_is_skipped_with_a_warning(
    store: SqliteMirrorStore, db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    store.save_settings(Settings(erp_name="Odoo"))
    with closing(sqlite3.connect(db_path, isolation_level=None)) as raw:
        raw.execute("UPDATE settings SET value = '25:99' WHERE key = 'daily-sync-time'")
    assert store.load_settings() == Settings(erp_name="Odoo")
    assert expected_warnings[0].getMessage().startswith("ignoring stored setting daily-sync-time")


def test_rebuild_mirror_keeps_user_data(store: SqliteMirrorStore) -> None:
    store.apply_products(
        [make_product(1, variants=2), make_product(2)], pass_id=1, keep_backorder_stock=False
    )
    store.assign([1], by="alice", at=T0)
    store.save_settings(Settings(erp_name="Odoo"))
    store.set_store(StoreInfo(store_hash="abc", name="Shop", plan_name="Plus"), "https://api.example")
    store.set_cursor("last_pull", "x")
    run = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=True, at=T0)
    store.rebuild_mirror()
    assert (store.product_count(), store.variant_count(), store.get_cursor("last_pull")) == (0, 0, None)
    assert store.backorder_product_ids() == {1}
    assert store.load_settings().erp_name == "Odoo"
    assert store.get_store() is not None
    assert [r.id for r in store.runs()] == [run]
    # The products come back with the next full pass, the assignment in effect again.
    store.apply_products([make_product(1, variants=2)], pass_id=2, keep_backorder_stock=True)
    assert [p.id for p in store.search_products(backorder_only=True)] == [1]
    # Product 2 was deleted from the store meanwhile: the complete pass drops nothing else.
    assert store.remove_unseen(2) == 0
    assert store.backorder_product_ids() == {1}


def test_assignments_of_products_gone_during_a_rebuild_go_after_the_next_complete_pass(
    store: SqliteMirrorStore,
) -> None:
    store.apply_products([make_product(1), make_product(2)], pass_id=1, keep_backorder_stock=False)
    store.assign([1, 2], by="alice", at=T0)
    store.rebuild_mirror()
    store.apply_products([make_product(1)], pass_id=2, keep_backorder_stock=False)  # 2 is gone
    store.remove_unseen(2)
    assert store.backorder_product_ids() == {1}


def test_close_is_idempotent_and_use_after_close_is_a_bug(db_path: Path) -> None:
    store = open_mirror(db_path)
    store.close()
    store.close()
    with pytest.raises(BugError):
        store.product_count()
    with pytest.raises(BugError):
        store.set_cursor("a", "b")
