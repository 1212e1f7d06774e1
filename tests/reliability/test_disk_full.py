"""A full disk (issue 8, item 5), made without root or a mount, through the product's own code.

* SQLite's ``max_page_count`` caps the database where it stands: the next page it needs fails with
  SQLITE_FULL ("database or disk is full"), as on a full disk, in the storage code's connections.
* ``RLIMIT_FSIZE`` in a child process (SIGXFSZ ignored, so the write fails with EFBIG instead of
  killing it) runs the real ``backorder-desktop sync``: the command says what happened and exits 1.

Either way nothing that was saved is lost, and once there is room again the next sync takes it all in.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import db as storage_db
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import DiskFull
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import StockKey
from tests.integration.support import connect_context
from tests.integration.support import integrity_ok
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot

MakeStore = Callable[..., DemoStore]
LIMITED_CHILD = Path(__file__).with_name("file_size_limited.py")
FILE_SIZE_LIMIT = 128 * 1024  # above the log and the side copy; the sync's WAL grows past it


def _synced_with_an_edit(home: Path, store: DemoStore) -> tuple[int, StockKey, set[int]]:
    """A full sync, one product assigned and its stock set (reason "saved before"), then the store
    changes so that the next sync needs more room; (product id, its stock key, the mirror's ids)."""
    context = connect_context(home, store)
    try:
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        pid = store.catalog.product_ids()[0]
        context.save_settings({"backorder-method": "native"})  # the store keeps counting: mirror = store
        context.parts.catalog.assign([str(pid)], by="dana")
        key = context.parts.mirror.stock_items()[0].key
        context.parts.stock.edit(key, AdjustmentKind.SET, 42, actor="dana", reason="saved before")
        ids = set(mirror_snapshot(context))
    finally:
        context.close()
    for other in store.catalog.product_ids()[1:]:
        store.catalog.update_product(other, name=f"A much longer name for product {other} " * 5)
    return pid, key, ids


def _page_count(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])


def _nothing_lost_and_the_next_sync_takes_it_all_in(home: Path, store: DemoStore, pid: int) -> None:
    database = home / "data" / "backorder.db"
    assert integrity_ok(database)
    context = connect_context(home, store)
    try:
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        assert mirror_snapshot(context) == store_snapshot(store)
        assert "saved before" in [a.reason for a in context.parts.stock.history(pid)]
    finally:
        context.close()
    assert integrity_ok(database)


def test_a_full_database_during_a_sync_and_an_edit_loses_nothing(
    tmp_path: Path, make_demo_store: MakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_demo_store(products=120, seed=2)
    home = tmp_path / "profile"
    pid, key, ids = _synced_with_an_edit(home, store)
    # From now on every connection the storage code opens may not grow the file by one page.
    full = (*storage_db.PRAGMAS, ("max_page_count", _page_count(home / "data" / "backorder.db")))
    monkeypatch.setattr(storage_db, "PRAGMAS", full)
    context = connect_context(home, store)
    try:
        with pytest.raises(DiskFull) as during_edit:
            for n in range(200):  # until a page is needed
                context.parts.stock.edit(key, AdjustmentKind.ADD, 1, actor="dana", reason=f"edit {n} " * 200)
        assert during_edit.value.title == "Disk full"
        assert "Nothing was lost" in during_edit.value.message
        with pytest.raises(DiskFull) as during_sync:
            context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        assert "Nothing was lost" in during_sync.value.message
        assert "saved before" in [a.reason for a in context.parts.stock.history(pid)]
        assert context.parts.stock.outbox_count() == 1
        assert set(mirror_snapshot(context)) == ids  # an incomplete pass removes nothing
    finally:
        context.close()
    monkeypatch.setattr(storage_db, "PRAGMAS", full[:-1])  # room again
    _nothing_lost_and_the_next_sync_takes_it_all_in(home, store, pid)


def test_a_file_size_limit_during_a_cli_sync_is_reported_and_loses_nothing(
    home: str, make_demo_store: MakeStore
) -> None:
    store = make_demo_store(products=300, seed=2)
    pid, _key, ids = _synced_with_an_edit(Path(home), store)  # a first page's writes pass the limit
    database = Path(home) / "data" / "backorder.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    env["BACKORDER_DESKTOP_TOKEN"] = store.token
    command = [sys.executable, "-m", "backorder_desktop", "--home", home, "sync", "--full"]
    limited = subprocess.run(
        [sys.executable, str(LIMITED_CHILD), str(FILE_SIZE_LIMIT), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # SQLite reports EFBIG as an I/O error: the command names the database and what to do, exit 1.
    assert limited.returncode == 1, limited.stderr
    last = limited.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Cannot save: The disk reported an error while using {database} "), last
    assert last.endswith("then try again."), last
    assert "Traceback" not in limited.stderr and store.token not in limited.stderr
    assert integrity_ok(database)
    context = connect_context(home, store)
    try:
        assert set(mirror_snapshot(context)) == ids  # an incomplete pass removes nothing
        assert "saved before" in [a.reason for a in context.parts.stock.history(pid)]
        assert context.parts.stock.outbox_count() == 1
        failed = context.parts.mirror.runs(limit=1)[0]
        assert (failed.error_title, failed.trigger) == ("Cannot save", "cli")
    finally:
        context.close()
    _nothing_lost_and_the_next_sync_takes_it_all_in(Path(home), store, pid)
