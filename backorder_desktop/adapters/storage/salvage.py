"""User data outlives the mirror: a side copy of the user tables, and salvage into a fresh database.

The mirror can always be fetched again from BigCommerce; assignments, settings, the stock items,
the ledger, the outbox, the connected store and the sync history cannot (``tables.USER_TABLES``).
Two things keep them when the database file is damaged:

- ``UserDataCopy`` keeps ``userdata.sqlite3`` beside the database: after a write that changed
  user data (at most once a second; pending changes are copied at the next write or on close),
  the user tables are brought up to date in one transaction, so it always holds one consistent
  moment. It is small: no catalog in it. The append-only tables (``APPEND_ONLY``: the ledger and
  the runs' issues) are copied by id, only the rows newer than the copy's last (the ledger grows
  without end: copying it whole every second was seconds of I/O a second at a million entries);
  the others, small and changed in place, are copied whole.
- ``salvage(damaged, fresh)`` builds a new database for the ``rebuild`` command: it reads the
  user tables of the damaged file (read-only: nothing is written to it); when any of them cannot
  be read whole, it takes the side copy instead (one consistent moment beats a mix of moments),
  and when there is none, whatever rows could be read. The mirror tables are never copied: a
  full sync fetches them again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

from backorder_desktop.adapters.paths import create_private_file
from backorder_desktop.adapters.storage.db import open_database
from backorder_desktop.adapters.storage.db import schema_version
from backorder_desktop.adapters.storage.failures import translated
from backorder_desktop.adapters.storage.tables import USER_TABLES

logger = logging.getLogger(__name__)

SIDE_FILE = "userdata.sqlite3"
COPY_INTERVAL_S = 1.0
USER_TABLE_NAMES: tuple[str, ...] = tuple(model._meta.table_name for model in USER_TABLES)
# Rows are only ever inserted, each with a larger id than any before: the ledger (stock_store and
# orders_store insert; nothing updates or deletes; AUTOINCREMENT never hands an id out twice) and a
# run's issues (inserted when the run finishes; runs are never deleted, so the cascade never runs).
# sync_runs is not: a run is updated when it finishes.
APPEND_ONLY: tuple[str, ...] = ("stock_adjustments", "sync_issues")
# In the side copy only: how far each append-only table was copied (its last id, its row count).
_MARKS = "side_copy_marks"


def side_path(database: Path) -> Path:
    return database.with_name(SIDE_FILE)


class UserDataCopy:
    """Keeps ``userdata.sqlite3`` in step with the user tables of one database (thread-safe)."""

    def __init__(self, database: Path, *, interval_s: float = COPY_INTERVAL_S) -> None:
        self.database = Path(database)
        self.path = side_path(self.database)
        self._interval = interval_s
        self._lock = threading.Lock()
        self._last = 0.0
        self._dirty = False

    def changed(self) -> None:
        """User data was committed: copy now, or soon if a copy was made less than a second ago."""
        with self._lock:
            self._dirty = True
            if time.monotonic() - self._last >= self._interval:
                self._copy_locked()

    def flush(self) -> None:
        """Copy pending changes (on close)."""
        with self._lock:
            if self._dirty:
                self._copy_locked()

    def _copy_locked(self) -> None:
        try:
            with translated(self.path):
                copy_user_tables(self.database, self.path)
        except Exception as exc:  # the copy is a safety net: it never fails the user's change
            logger.info("could not refresh the copy of your data in %s: %s", self.path, exc)
            return
        self._dirty = False
        self._last = time.monotonic()


@dataclass(frozen=True)
class CopyReport:
    """What one refresh of the side copy wrote: rows per table, and the tables it copied whole."""

    written: dict[str, int] = field(default_factory=dict)
    whole: tuple[str, ...] = ()


def copy_user_tables(database: Path, target: Path, *, whole: bool = False) -> CopyReport:
    """Bring the user tables of ``target`` in step with those of ``database``, in one transaction:
    the append-only tables by their new rows (``whole``: every table whole, as a first copy)."""
    create_private_file(Path(target))  # 0600 before SQLite creates it (and its -wal, -shm)
    conn = sqlite3.connect(Path(target).resolve().as_uri(), uri=True, timeout=30, isolation_level=None)
    report = CopyReport()
    try:
        conn.execute("PRAGMA journal_mode = wal")
        conn.execute("ATTACH DATABASE ? AS src", (Path(database).resolve().as_uri() + "?mode=ro",))
        conn.execute("BEGIN IMMEDIATE")
        version = int(conn.execute("PRAGMA src.user_version").fetchone()[0])
        if schema_version(conn) != version:  # new file, or the app's schema moved on: rebuild it
            _rebuild_schema(conn, version)
            whole = True
        conn.execute(
            f'CREATE TABLE IF NOT EXISTS main."{_MARKS}" '
            "(name TEXT PRIMARY KEY, last_id INTEGER NOT NULL, rows INTEGER NOT NULL)"
        )
        for name in USER_TABLE_NAMES:
            kept = None if whole or name not in APPEND_ONLY else _append_new_rows(conn, name)
            if kept is None:
                conn.execute(f'DELETE FROM main."{name}"')  # noqa: S608 - our own table names
                written = conn.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"').rowcount  # noqa: S608
                kept = (written, written)
                report = replace(report, whole=(*report.whole, name))
            report.written[name] = kept[0]
            if name in APPEND_ONLY:
                conn.execute(  # the copy's own count is not read again: it has no index to count by
                    f'INSERT OR REPLACE INTO main."{_MARKS}" (name, last_id, rows) '  # noqa: S608
                    f'SELECT ?, coalesce(max(id), 0), ? FROM main."{name}"',
                    (name, kept[1]),
                )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    return report


def _rebuild_schema(conn: sqlite3.Connection, version: int) -> None:
    for name in (*USER_TABLE_NAMES, _MARKS):
        conn.execute(f'DROP TABLE IF EXISTS main."{name}"')
    rows = conn.execute(
        "SELECT name, sql FROM src.sqlite_master WHERE type = 'table' AND name IN "
        "(SELECT value FROM json_each(?))",
        (json.dumps(USER_TABLE_NAMES),),
    ).fetchall()
    for _name, sql in rows:
        conn.execute(sql)
    conn.execute(f"PRAGMA user_version = {version}")


def _append_new_rows(conn: sqlite3.Connection, name: str) -> tuple[int, int] | None:
    """Copy the rows of ``name`` newer than the copy's last: (rows copied, rows now in the copy).

    ``None`` when the copy's rows may no longer be the source's first ones (rows deleted, the last
    one rewritten, ids gone backwards, another file put in place): the table is copied whole then.
    Cost: a few lookups by id and a count of the source's smallest index, whatever the table's
    length. A row changed in place below the last one, leaving the count and the last row as they
    were, is not seen: nothing in the app updates these tables, and a migration (a new schema
    version) rebuilds the copy whole."""
    mark = conn.execute(f'SELECT last_id, rows FROM main."{_MARKS}" WHERE name = ?', (name,)).fetchone()  # noqa: S608
    if mark is None:
        return None
    last_id, rows = mark
    (copy_last,) = conn.execute(f'SELECT coalesce(max(id), 0) FROM main."{name}"').fetchone()  # noqa: S608
    if copy_last != last_id:  # the copy itself was changed outside a refresh
        return None
    if last_id:
        (same,) = conn.execute(  # the copy's last row is still the source's, unchanged
            f'SELECT count(*) FROM (SELECT * FROM src."{name}" WHERE id = ?1 '  # noqa: S608
            f'INTERSECT SELECT * FROM main."{name}" WHERE id = ?1)',
            (last_id,),
        ).fetchone()
        if same != 1:
            logger.info("%s changed below the copy's last row: copying it whole", name)
            return None
    (total,) = conn.execute(f'SELECT count(*) FROM src."{name}"').fetchone()  # noqa: S608
    (newer,) = conn.execute(f'SELECT count(*) FROM src."{name}" WHERE id > ?', (last_id,)).fetchone()  # noqa: S608
    if total - newer != rows:  # rows deleted (or inserted) below the copy's last id
        logger.info("%s lost or gained rows below the copy's last row: copying it whole", name)
        return None
    newer_rows = f'INSERT INTO main."{name}" SELECT * FROM src."{name}" WHERE id > ?'  # noqa: S608
    appended = conn.execute(newer_rows, (last_id,)).rowcount
    return appended, rows + appended


@dataclass
class SalvageReport:
    """What ``salvage`` kept: rows per table, where they came from, and what could not be read."""

    source: str  # "database", "side copy" or "partial"
    rows: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        kept = ", ".join(f"{count:,} {name}" for name, count in self.rows.items() if count)
        where = {
            "database": "from the damaged file",
            "side copy": f"from the copy kept in {SIDE_FILE} (the damaged file could not be read whole)",
            "partial": "as far as the damaged file could be read (no copy was found)",
        }[self.source]
        lost = f" Could not be read: {', '.join(self.unreadable)}." if self.unreadable else ""
        return f"Kept {kept or 'nothing'} {where}.{lost}"


def _read_tables(path: Path) -> tuple[dict[str, tuple[list[str], list[tuple[object, ...]]]], list[str]]:
    """Every user table of ``path`` that can be read (columns, rows), and those that cannot."""
    out: dict[str, tuple[list[str], list[tuple[object, ...]]]] = {}
    failed: list[str] = []
    if not path.is_file():
        return out, list(USER_TABLE_NAMES)
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return out, list(USER_TABLE_NAMES)
    try:
        for name in USER_TABLE_NAMES:
            rows: list[tuple[object, ...]] = []
            try:
                cursor = conn.execute(f'SELECT * FROM "{name}"')  # noqa: S608 - our own table names
                columns = [d[0] for d in cursor.description]
                for row in cursor:  # rows before a damaged page still count (partial salvage)
                    rows.append(tuple(row))
            except sqlite3.Error:
                failed.append(name)
                if rows:
                    out[name] = (columns, rows)
                continue
            out[name] = (columns, rows)
    finally:
        conn.close()
    return out, failed


def salvage(damaged: Path, fresh: Path, *, copy: Path | None = None) -> SalvageReport:
    """Create ``fresh`` (latest schema) holding the user data of ``damaged``; see the module doc."""
    tables, failed = _read_tables(damaged)
    source = "database"
    if failed:
        side_tables, side_failed = _read_tables(copy or side_path(damaged))
        if not side_failed:
            tables, failed, source = side_tables, [], "side copy"
        else:
            source = "partial"
    report = SalvageReport(source=source, unreadable=failed)
    db = open_database(fresh)
    try:
        with translated(fresh):
            conn = db.connection()
            conn.execute("PRAGMA foreign_keys = 0")  # runs may be lost while their issues were not
            conn.execute("BEGIN IMMEDIATE")
            try:
                for name in USER_TABLE_NAMES:
                    columns, rows = tables.get(name, ([], []))
                    known = [c[1] for c in conn.execute(f'PRAGMA table_info("{name}")')]
                    keep = [i for i, c in enumerate(columns) if c in known]
                    if not rows or not keep:
                        report.rows[name] = 0
                        continue
                    names = ", ".join(f'"{columns[i]}"' for i in keep)
                    marks = ", ".join("?" * len(keep))
                    conn.executemany(  # names: ours, and columns our own table has
                        f'INSERT OR REPLACE INTO "{name}" ({names}) VALUES ({marks})',  # noqa: S608
                        ([row[i] for i in keep] for row in rows),
                    )
                    report.rows[name] = len(rows)
                conn.execute("DELETE FROM sync_issues WHERE run_id NOT IN (SELECT id FROM sync_runs)")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    finally:
        db.close_all()
    logger.info("salvaged %s into %s: %s", damaged, fresh, report.summary())
    return report
