"""Threads and processes on one file: a writer beside readers and writers never meets "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.settings import Settings
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

PAGES = 24
PAGE = 250


def _pull(store: SqliteMirrorStore, pass_id: int) -> None:
    for start in range(1, PAGES * PAGE, PAGE):
        page = [make_product(pid, variants=3) for pid in range(start, start + PAGE)]
        store.apply_products(page, pass_id=pass_id, keep_backorder_stock=True)


def _in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _other_writes(store: SqliteMirrorStore, done: threading.Event) -> None:
    """What a CLI command or the window does beside a pull: small writes and reads, in a loop."""
    rounds = 0
    while not done.is_set() or rounds < 3:
        rounds += 1
        run = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.API, full=False, at=T0)
        store.assign(range(1, 200, 7), by="cli", at=T0)
        store.set_cursor("probe", str(rounds))
        store.save_settings(Settings(erp_name=f"round {rounds}"))
        store.query_products(ProductQuery(text="product 1"), limit=50)
        store.count_products(ProductQuery(backorder_only=True))
        store.unassign(range(1, 200, 14))
        store.finish_run(run, outcome=RunOutcome.OK, counts=RunCounts(), at=T0)


def test_two_stores_on_one_file_one_pulling_in_a_thread(db_path: Path) -> None:
    window, cli = open_mirror(db_path), open_mirror(db_path)
    errors: list[BaseException] = []
    done = threading.Event()

    def pull_then_say_done() -> None:
        try:
            _pull(window, 1)
        finally:
            done.set()

    try:
        puller = _in_thread(pull_then_say_done, errors)
        _other_writes(cli, done)
        puller.join()
        assert errors == []
        assert cli.product_count() == PAGES * PAGE
        assert cli.variant_count() == PAGES * PAGE * 3
        assert window.get_cursor("probe") is not None
    finally:
        window.close()
        cli.close()


def test_a_second_process_writes_while_this_one_pulls(db_path: Path) -> None:
    store = open_mirror(db_path)
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import datetime, UTC
        from pathlib import Path
        from backorder_desktop.adapters.storage import open_mirror
        store = open_mirror(Path({str(db_path)!r}))
        for i in range(150):
            store.set_cursor("other-process", str(i))
            store.assign(range(1, 100), by="other", at=datetime.now(UTC))
            store.unassign(range(1, 100, 2))
        store.close()
        """
    )
    try:
        other = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
        _pull(store, 1)
        _, stderr = other.communicate(timeout=120)
        assert other.returncode == 0, stderr
        assert store.get_cursor("other-process") == "149"
        assert store.product_count() == PAGES * PAGE
    finally:
        store.close()


def test_one_store_shared_by_threads_closes_every_connection(db_path: Path) -> None:
    store = open_mirror(db_path)
    errors: list[BaseException] = []

    def read() -> None:
        for _ in range(30):
            store.search_products("product", limit=20)

    readers = [_in_thread(read, errors) for _ in range(3)]
    writer = _in_thread(lambda: _pull(store, 1), errors)
    for thread in (*readers, writer):
        thread.join()
    assert errors == []
    assert len(store._db._tracked) >= 2
    store.close()
    # Every connection closed: the last one checkpoints the WAL and removes it.
    assert not db_path.with_name(db_path.name + "-wal").exists()
