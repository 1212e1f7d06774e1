"""The side copy (``userdata.sqlite3``) copies the append-only tables by their new rows only, and
is the same as a whole copy after every refresh: after appends, after a deletion in a table changed
in place, after the ledger was rewritten (copied whole then), and after a refresh killed midway.
Work is counted (rows written to the copy), not timed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage.salvage import APPEND_ONLY
from backorder_desktop.adapters.storage.salvage import USER_TABLE_NAMES
from backorder_desktop.adapters.storage.salvage import copy_user_tables
from backorder_desktop.adapters.storage.salvage import salvage
from backorder_desktop.adapters.storage.salvage import side_path
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

LEDGER = "stock_adjustments"
ROOT = Path(__file__).resolve().parents[3]


def _user_tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(path)) as conn:
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)  # noqa: S608
            for name in USER_TABLE_NAMES
        }


def _whole(database: Path, tmp_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The user tables as a whole copy of this moment holds them."""
    reference = tmp_path / f"whole-{len(list(tmp_path.glob('whole-*.sqlite3')))}.sqlite3"
    copy_user_tables(database, reference, whole=True)
    return _user_tables(reference)


def _edits(store: SqliteMirrorStore, count: int, *, start: int = 0) -> None:
    for number in range(start, start + count):
        key = StockKey(1) if number % 2 else StockKey(2)
        store.adjust_stock(
            key,
            AdjustmentKind.ADD,
            1 + number % 3,
            source=AdjustmentSource.PERSON,
            actor="dana",
            at=T0 + timedelta(minutes=number),
            reason=f"count {number}",
        )


def _run_with_issues(store: SqliteMirrorStore, issues: int) -> None:
    run = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.API, full=False, at=T0)
    problems = [ItemProblem(item=f"SKU-{i}", title="Refused", message="Try again.") for i in range(issues)]
    store.finish_run(run, outcome=RunOutcome.PARTIAL, counts=RunCounts(), at=T0, problems=problems)


@pytest.fixture
def profile(sqlite_store: SqliteMirrorStore) -> SqliteMirrorStore:
    """Three BackOrder products with a ledger, a run with issues and a setting."""
    sqlite_store.apply_products([make_product(p) for p in (1, 2, 3)], pass_id=None, keep_backorder_stock=True)
    sqlite_store.assign([1, 2, 3], by="dana", at=T0)
    _edits(sqlite_store, 5)
    _run_with_issues(sqlite_store, 2)
    sqlite_store.save_settings(Settings(erp_name="Odoo"))
    return sqlite_store


@pytest.fixture
def copy(profile: SqliteMirrorStore, db_path: Path, tmp_path: Path) -> Path:
    """The profile's first copy (whole), made beside it."""
    path = tmp_path / "copy.sqlite3"
    copy_user_tables(db_path, path)
    return path


def test_a_refresh_writes_only_the_ledger_rows_appended_and_equals_a_whole_copy(
    profile: SqliteMirrorStore, db_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    first = copy_user_tables(db_path, copy)
    assert set(first.whole) == set(USER_TABLE_NAMES)  # a new copy: everything, whole
    assert first.written[LEDGER] == 5

    _edits(profile, 7, start=5)
    _run_with_issues(profile, 3)
    profile.save_settings(Settings(erp_name="Katana"))
    refresh = copy_user_tables(db_path, copy)

    assert (refresh.written[LEDGER], refresh.written["sync_issues"]) == (7, 3)
    assert not set(APPEND_ONLY) & set(refresh.whole)
    assert _user_tables(copy) == _whole(db_path, tmp_path)

    nothing_new = copy_user_tables(db_path, copy)
    assert (nothing_new.written[LEDGER], nothing_new.written["sync_issues"]) == (0, 0)
    assert _user_tables(copy) == _whole(db_path, tmp_path)


def test_a_deletion_in_a_table_changed_in_place_reaches_the_copy(
    profile: SqliteMirrorStore, db_path: Path, tmp_path: Path, copy: Path
) -> None:
    profile.unassign([2], at=T0 + timedelta(hours=1))  # its item, outbox and assignment go; not its ledger
    _edits(profile, 1, start=101)  # product 1

    refresh = copy_user_tables(db_path, copy)

    assert refresh.written[LEDGER] == 1
    tables = _user_tables(copy)
    assert [row[0] for row in tables["backorder_assignments"]] == [1, 3]
    assert tables == _whole(db_path, tmp_path)


REWRITES = {
    "an entry deleted in the middle": ["DELETE FROM stock_adjustments WHERE id = 3"],
    "the last entry changed": [
        "UPDATE stock_adjustments SET reason = 'corrected' WHERE id = (SELECT max(id) FROM stock_adjustments)"
    ],
    "the entries after the fourth deleted": ["DELETE FROM stock_adjustments WHERE id > 4"],
    "ids gone backwards (handed out again)": [
        "DELETE FROM stock_adjustments WHERE id > 4",
        "UPDATE sqlite_sequence SET seq = 4 WHERE name = 'stock_adjustments'",
    ],
    "the ledger written again under new ids": [
        "CREATE TEMP TABLE old AS SELECT * FROM stock_adjustments",
        "DELETE FROM stock_adjustments",
        "INSERT INTO stock_adjustments (product_id, variant_id, kind, quantity, level_before, level_after, "
        "source, actor, reason, at) SELECT product_id, variant_id, kind, quantity, level_before, "
        "level_after, source, actor, 'rewritten', at FROM old ORDER BY id",
    ],
}


@pytest.mark.parametrize("rewrite", list(REWRITES), ids=list(REWRITES))
def test_a_ledger_changed_below_the_copy_is_copied_whole_then_by_new_rows_again(
    profile: SqliteMirrorStore, db_path: Path, tmp_path: Path, copy: Path, rewrite: str
) -> None:
    with closing(sqlite3.connect(db_path, isolation_level=None)) as raw:
        raw.execute("BEGIN")
        for statement in REWRITES[rewrite]:
            raw.execute(statement)
        raw.execute("COMMIT")
    _edits(profile, 2, start=50)
    kept = len(_whole(db_path, tmp_path)[LEDGER])

    fallback = copy_user_tables(db_path, copy)

    assert LEDGER in fallback.whole and fallback.written[LEDGER] == kept
    assert "sync_issues" not in fallback.whole  # only the table that changed is copied whole
    assert _user_tables(copy) == _whole(db_path, tmp_path)
    _edits(profile, 4, start=60)
    after = copy_user_tables(db_path, copy)
    assert LEDGER not in after.whole and after.written[LEDGER] == 4
    assert _user_tables(copy) == _whole(db_path, tmp_path)


def test_a_copy_changed_outside_a_refresh_is_copied_whole(
    profile: SqliteMirrorStore, db_path: Path, tmp_path: Path, copy: Path
) -> None:
    with closing(sqlite3.connect(copy, isolation_level=None)) as raw:
        raw.execute("DELETE FROM stock_adjustments WHERE id = (SELECT max(id) FROM stock_adjustments)")

    refresh = copy_user_tables(db_path, copy)

    assert LEDGER in refresh.whole
    assert _user_tables(copy) == _whole(db_path, tmp_path)


def test_a_salvage_from_a_copy_refreshed_by_new_rows_restores_everything(
    profile: SqliteMirrorStore, db_path: Path, tmp_path: Path
) -> None:
    side = side_path(db_path)
    for round_ in range(3):
        _edits(profile, 4, start=10 * (round_ + 1))
        _run_with_issues(profile, round_ + 1)
        assert LEDGER not in copy_user_tables(db_path, side).whole
    profile.unassign([3], at=T0 + timedelta(hours=2))
    _edits(profile, 2, start=90)
    profile.close()  # the pending changes are copied on close
    before = _whole(db_path, tmp_path)
    with db_path.open("r+b") as damaged:
        damaged.write(b"\xff" * 100)  # the header overwritten: no table of it can be read

    report = salvage(db_path, tmp_path / "fresh.sqlite3")

    assert report.source == "side copy"
    assert report.rows[LEDGER] == len(before[LEDGER]) == 5 + 3 * 4 + 2
    assert _user_tables(tmp_path / "fresh.sqlite3") == before


_KILLED_REFRESH = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    from pathlib import Path

    from backorder_desktop.adapters.storage.salvage import copy_user_tables

    connect = sqlite3.connect

    def kill_after_the_ledger_rows(sql):
        if 'INTO main."side_copy_marks"' in sql and "stock_adjustments" in marks_seen:
            os.kill(os.getpid(), signal.SIGKILL)
        if 'INSERT INTO main."stock_adjustments"' in sql:
            marks_seen.add("stock_adjustments")

    marks_seen = set()

    def traced(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(kill_after_the_ledger_rows)
        return conn

    sqlite3.connect = traced
    copy_user_tables(Path(sys.argv[1]), Path(sys.argv[2]))
    """
)


def test_a_refresh_killed_after_writing_ledger_rows_leaves_the_last_copy_and_the_next_is_right(
    profile: SqliteMirrorStore, db_path: Path, tmp_path: Path, copy: Path
) -> None:
    last = _user_tables(copy)
    _edits(profile, 6, start=20)

    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_REFRESH, str(db_path), str(copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _user_tables(copy) == last  # the refresh was one transaction: none of it was kept
    assert copy.stat().st_mode & 0o777 == 0o600
    refresh = copy_user_tables(db_path, copy)
    assert LEDGER not in refresh.whole and refresh.written[LEDGER] == 6
    assert _user_tables(copy) == _whole(db_path, tmp_path)
    assert os.path.getsize(copy) > 0
