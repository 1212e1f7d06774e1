"""Open the mirror's SQLite file safely: pragmas, checks, backup, and the schema migrations.

``open_database(path)`` returns a ``MirrorDatabase`` (a peewee ``SqliteDatabase``) at the latest
schema version, or raises a domain error that says what to do:

- a file from a newer app version → ``DatabaseTooNew`` (the file is left untouched);
- not a database, unreadable, or failing ``PRAGMA quick_check`` → ``DatabaseCorrupt`` (the file
  is left untouched: nothing is written to a damaged file). The check reads every page (16–35 ms
  at 10,000 products, 140–200 ms at 100,000), so an open pays it only when the file changed since
  the last clean check, recorded beside it (``CHECKED_SUFFIX``: inode, size, modification and
  change times of the file and its WAL); ``check_integrity`` always pays it (the window, at start,
  off its GUI thread). A file damaged without any of those changing (a failing disk) is then
  found at the window's next start, or by a command after the next write;
- a full disk → ``DiskFull``; a read-only file or folder → ``StorageError``.

Before any migration of an existing file, a consistent copy (SQLite's online backup API, so a
WAL file is included) goes to ``backups/`` beside it; backup and migrations run under one write
lock and one transaction, so two processes opening an old file at once upgrade it once.

Every connection gets WAL, foreign keys, ``synchronous=NORMAL`` and a busy timeout long
enough that a CLI command beside a running window waits for the window's write (each is one
page, milliseconds) instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import cast

import peewee

from backorder_desktop.adapters.paths import create_private_file
from backorder_desktop.adapters.paths import make_private_dir
from backorder_desktop.adapters.storage import migrations
from backorder_desktop.adapters.storage.failures import corrupt
from backorder_desktop.adapters.storage.failures import translate
from backorder_desktop.adapters.storage.failures import translated
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import DatabaseTooNew

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
    ("busy_timeout", int(BUSY_TIMEOUT_S * 1000)),
)
BACKUPS_DIR = "backups"
BACKUPS_KEPT = 5
CHECKED_SUFFIX = "-checked"


class _Connection(sqlite3.Connection):
    """A plain sqlite3 connection that can be weakly referenced (the C type cannot)."""


class TrackedConnections:
    """Mixed into a peewee ``Database``: every thread's connection is remembered (``track``), so
    that ``close_all`` closes them all from the closing thread."""

    def __init__(self) -> None:
        self._tracked: weakref.WeakSet[Any] = weakref.WeakSet()
        self._tracked_lock = threading.Lock()

    def track(self, conn: Any) -> None:
        with self._tracked_lock:
            self._tracked.add(conn)

    def close_all(self) -> None:
        """Close this thread's connection and every other thread's (after their work is done)."""
        database = cast(peewee.Database, self)
        if not database.is_closed():
            database.close()
        with self._tracked_lock:
            others = list(self._tracked)
            self._tracked.clear()
        for conn in others:
            conn.close()


class MirrorDatabase(TrackedConnections, peewee.SqliteDatabase):
    """peewee's per-thread connections, tracked so that ``close_all`` closes every thread's one.

    Connections are made with ``check_same_thread=False`` only so that ``close_all`` may close
    them from the closing thread; each is still used by the one thread peewee gave it to.
    """

    def __init__(self, path: Path) -> None:
        peewee.SqliteDatabase.__init__(
            self,
            str(path),
            pragmas=PRAGMAS,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
            factory=_Connection,
        )
        TrackedConnections.__init__(self)
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        conn: _Connection = super()._connect()  # type: ignore[misc]  # not in peewee's stubs
        self.track(conn)
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection = super().connection()  # type: ignore[no-untyped-call]
        return conn


@contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error.

    Not peewee's ``atomic()``: after SQLITE_FULL (or an I/O error) SQLite may already have rolled
    the transaction back itself, and peewee's unconditional ROLLBACK then fails with "no
    transaction is active", hiding the real cause. Here the rollback only runs if one is open.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def too_new(path: Path, version: int) -> DatabaseTooNew:
    return DatabaseTooNew(
        f"The database {path} is at schema version {version}, written by a newer version of "
        f"BackOrder Desktop; this version supports up to schema version "
        f"{migrations.LATEST_VERSION}. Install the latest version of BackOrder Desktop, or move "
        "that file somewhere else to start afresh (a sync then fetches the catalog again)."
    )


def _file_state(path: Path) -> list[list[int] | None]:
    """What a change to the file or its WAL changes: inode, size, modification and change times
    (the change time cannot be set back by a tool that copies or restores a file)."""
    state: list[list[int] | None] = []
    for part in (path, Path(f"{path}-wal")):
        try:
            st = part.stat()
        except FileNotFoundError:
            state.append(None)
            continue
        # An empty WAL holds nothing (SQLite makes one at each open): the same as none.
        empty_wal = part is not path and st.st_size == 0
        state.append(None if empty_wal else [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return state


def _checked_path(path: Path) -> Path:
    return Path(f"{path}{CHECKED_SUFFIX}")


def _unchanged_since_check(path: Path) -> bool:
    try:
        recorded = json.loads(_checked_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded == _file_state(path))


def _record_clean(path: Path, state: list[list[int] | None]) -> None:
    """Remember the file's state at a clean check; best effort (a read-only folder checks each time)."""
    target = _checked_path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        create_private_file(partial)
        partial.write_text(json.dumps(state), encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        logger.debug("the clean check of %s could not be recorded: %s", path, exc)


def _quick_check(probe: sqlite3.Connection, path: Path) -> None:
    state = _file_state(path)  # before: a write during the check makes the next open check again
    rows = [str(row[0]) for row in probe.execute("PRAGMA quick_check").fetchall()]
    if rows != ["ok"]:
        _checked_path(path).unlink(missing_ok=True)
        raise corrupt(path, "integrity check: " + "; ".join(rows[:3]))
    _record_clean(path, state)


def _probe(path: Path, *, check: bool, always: bool = False) -> int:
    """Read the version and check integrity with a plain connection that changes nothing: with
    ``check``, when the file changed since its last clean check; with ``always`` too, every time."""
    probe = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        version = schema_version(probe)
        if version > migrations.LATEST_VERSION:
            raise too_new(path, version)
        if check and (always or not _unchanged_since_check(path)):
            _quick_check(probe, path)
        return version
    finally:
        probe.close()


def check_integrity(path: Path) -> None:
    """``PRAGMA quick_check`` on an existing database whatever its record says (the window's start,
    off the GUI thread); raises ``DatabaseCorrupt`` (or ``DatabaseTooNew``) as opening would.
    A file not there yet, or empty, is left for ``open_database`` to create."""
    path = Path(path)
    with translated(path):
        if path.is_file() and path.stat().st_size > 0:
            _probe(path, check=True, always=True)


def backup_copy(path: Path, version: int) -> Path:
    """A consistent copy of ``path`` in ``backups/`` (online backup API), named after its version."""
    folder = path.parent / BACKUPS_DIR
    make_private_dir(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    suffix = path.suffix or ".sqlite3"
    target = folder / f"{path.stem}.v{version}.{stamp}{suffix}"
    partial = folder / f"partial-{target.name}"
    create_private_file(partial)  # 0600 before SQLite opens it (its journal then follows)
    source = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
    try:
        copy = sqlite3.connect(str(partial))
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)  # a crash mid-copy leaves only a partial-* file, never a bad backup
    _prune_backups(folder, path.stem, suffix)
    logger.info("copied %s (schema version %s) to %s before migrating", path, version, target)
    return target


def _prune_backups(folder: Path, stem: str, suffix: str) -> None:
    """Keep the newest ``BACKUPS_KEPT`` backups of this database."""
    name = re.compile(rf"^{re.escape(stem)}\.v\d+\.\d{{8}}T\d{{12}}Z{re.escape(suffix)}$")
    found = [p for p in folder.iterdir() if name.match(p.name)]
    kept = sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)  # newest first
    for old in kept[BACKUPS_KEPT:]:
        old.unlink(missing_ok=True)


def run_migrations(db: MirrorDatabase, *, backup: bool) -> list[int]:
    """Apply the pending migrations in order, all in one IMMEDIATE transaction; returns them.

    Under the write lock: re-read the version (another process may have migrated meanwhile —
    then there is nothing to do), copy the file aside (``backup``), run each migration and set
    ``user_version``, check foreign keys, commit. Foreign keys are off outside the transaction
    meanwhile, as SQLite's procedure for table rebuilds requires.
    """
    from backorder_desktop.adapters.storage import _import_without_pg_drivers

    _import_without_pg_drivers("playhouse.migrate")  # only when migrating: ~7 ms of every start
    from playhouse.migrate import SqliteMigrator

    conn = db.connection()
    migrator = SqliteMigrator(db)
    conn.execute("PRAGMA foreign_keys = 0")
    try:
        with immediate_transaction(conn):
            current = schema_version(conn)
            if current > migrations.LATEST_VERSION:
                raise too_new(db.path, current)
            pending = [m for m in migrations.MIGRATIONS if m.version > current]
            if not pending:
                return []
            if backup:
                backup_copy(db.path, current)
            for migration in pending:
                migration.apply(conn, migrator)
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise BugError(f"migrations left broken references: {broken[:3]}")
    finally:
        conn.execute("PRAGMA foreign_keys = 1")
    logger.info("database %s migrated from schema version %s to %s", db.path, current, pending[-1].version)
    return [m.version for m in pending]


def _migrate(db: MirrorDatabase, version: int, *, backup: bool) -> None:
    """Run the migrations; a failure leaves the file as it was (one transaction)."""
    try:
        run_migrations(db, backup=backup)
    except Exception as exc:
        error = translate(exc, db.path)
        if isinstance(error, BugError):
            error = BugError(
                f"Upgrading the database {db.path} from schema version {version} failed ({exc}). "
                "The file was left as it was, and a copy from before the upgrade is in "
                f"{db.path.parent / BACKUPS_DIR}. Please report this with the log file."
            )
        raise error from exc


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, peewee.OperationalError) and "locked" in str(exc)


def _first_connect(db: MirrorDatabase) -> None:
    """Connect, setting the pragmas. Switching a file to WAL needs it to itself, and SQLite answers
    "database is locked" at once, without its busy timeout, while another connection is committing
    there (two processes opening a new or old file together): wait and try again (10 ms, doubling
    to 0.5 s, for up to ``BUSY_TIMEOUT_S``). A loop, not tenacity: its import is ~5 ms of every
    command's start."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    wait = 0.01
    while True:
        if not db.is_closed():
            db.close()
        try:
            db.connect()
            return
        except peewee.OperationalError as exc:
            if not _is_locked(exc) or time.monotonic() + wait > deadline:
                raise
        time.sleep(wait)
        wait = min(wait * 2, 0.5)


def open_database(path: Path, *, check: bool = True) -> MirrorDatabase:
    """Open (creating if needed) and migrate the database at ``path``; see the module docstring.

    ``check`` runs ``PRAGMA quick_check`` on an existing file first when it changed since its last
    clean check (up to a few hundred milliseconds for a catalog of 100,000 products); pass False
    only where a caller just checked.
    """
    path = Path(path)
    with translated(path):
        make_private_dir(path.parent)
        existed = path.is_file() and path.stat().st_size > 0
        # 0600 before SQLite makes it: SQLite creates the -wal and -shm files with the mode of
        # the database file, and would create that one with the umask's (0644).
        create_private_file(path)
        version = _probe(path, check=check and existed)
        db = MirrorDatabase(path)
        try:
            _first_connect(db)
            if version < migrations.LATEST_VERSION:
                _migrate(db, version, backup=existed)
            # Re-read: another process may have migrated meanwhile, even past us.
            final = schema_version(db.connection())
            if final > migrations.LATEST_VERSION:
                raise too_new(path, final)
            if final < migrations.LATEST_VERSION:
                raise BugError(f"{path} is at schema version {final} after migrating")
        except BaseException:
            db.close_all()
            raise
    return db
