"""A profile's stores on a team PostgreSQL database: ``open_team_mirror(url)``.

``PgMirrorStore`` is ``SqliteMirrorStore`` — every mixin, every statement — with three things of its
own: the connection it hands the stores (``pg_connection.PgConnection``: the ``sqlite3`` surface,
SQLite's SQL rewritten once per statement text — why a wrapper and not a dialect object is in that
module's docstring), its transactions, and its errors (``pg_failures``).

Transactions. ``_reading`` is a ``REPEATABLE READ READ ONLY`` transaction: one snapshot for the
whole read, as SQLite's ``BEGIN``. ``_writing`` is a ``REPEATABLE READ`` transaction. Several
desktops write at once (SQLite's ``BEGIN IMMEDIATE`` let one writer in at a time): a transaction
that read a row (a stock item's level, say) which another desktop changed and committed meanwhile
fails with a serialization failure when it writes that row — so "level = last level + change" can
never be written over a level it did not see (no lost updates) — and a deadlock is broken the same
way. Every public method is one transaction (or a few, each whole), so the method is simply run
again from the start, up to ``ATTEMPTS`` times with a short random pause; the merchant never sees
it. There is no process-wide write lock (two windows on one computer are two desktops) and no side
copy of the user data (``salvage.UserDataCopy``): the server holds it, and backs it up.

Each thread has its own connection (peewee's); one the server cut while it was idle (a restart, a
network change) is replaced at the next call's BEGIN; a cut in the middle of a call fails that call
("Team database unreachable", nothing of it saved) and the next one connects again.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from typing import TypeVar
from typing import cast

import psycopg

from backorder_desktop.adapters.storage.db import MirrorDatabase
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.storage.pg_connection import PgConnection
from backorder_desktop.adapters.storage.pg_connection import Schema
from backorder_desktop.adapters.storage.pg_failures import Conflict
from backorder_desktop.adapters.storage.pg_failures import pg_translated
from backorder_desktop.adapters.storage.postgres import TeamDatabase
from backorder_desktop.adapters.storage.postgres import describe
from backorder_desktop.adapters.storage.postgres import open_postgres_database
from backorder_desktop.domain.errors import BugError

logger = logging.getLogger(__name__)

ATTEMPTS = 20  # a call that keeps meeting other desktops' writes (hundreds at once) gets through
PAUSE_S = 0.002  # the first pause's upper bound; doubled each attempt, up to MAX_PAUSE_S
MAX_PAUSE_S = 0.1
_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
_WRITE = "BEGIN ISOLATION LEVEL REPEATABLE READ"

F = TypeVar("F", bound=Callable[..., Any])


class _NoSideCopy:
    """The server keeps the user data: nothing to copy aside (``salvage.UserDataCopy``'s surface)."""

    def changed(self) -> None:
        return None

    def flush(self) -> None:
        return None


def _run_again_on_conflict(method: F) -> F:
    @functools.wraps(method)
    def run(self: PgMirrorStore, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return method(self, *args, **kwargs)
            except Conflict:
                if attempt == ATTEMPTS:
                    raise
                logger.debug("%s met another desktop's write; attempt %s", method.__name__, attempt + 1)
                time.sleep(random.uniform(0, min(MAX_PAUSE_S, PAUSE_S * 2**attempt)))
        raise BugError("unreachable")  # pragma: no cover

    return cast(F, run)


class PgMirrorStore(SqliteMirrorStore):
    """The ``MirrorStore`` port on a team database; see the module docstring."""

    def __init__(self, db: TeamDatabase) -> None:
        self.where = describe(db.url)
        self.path = Path(self.where)  # only ever named in messages and logs
        self._team = db
        # history.py and set/get_store bind peewee queries to it: peewee's Database surface only.
        self._db = cast(MirrorDatabase, db)
        self._user_copy = _NoSideCopy()  # type: ignore[assignment]
        self._closed = False
        self._local = threading.local()
        with pg_translated(self.where):
            self._schema = Schema(db.connection())  # type: ignore[no-untyped-call]

    def _connection(self) -> PgConnection:
        if self._closed:
            raise BugError(f"the team {self.where} was used after it was closed")
        raw: psycopg.Connection[Any] = self._team.connection()  # type: ignore[no-untyped-call]
        if raw.closed or raw.broken:  # the server restarted, or the network was cut: connect again
            self._team.close()
            raw = self._team.connection()  # type: ignore[no-untyped-call]
        wrapped: PgConnection | None = getattr(self._local, "conn", None)
        if wrapped is None or wrapped.raw is not raw:
            wrapped = self._local.conn = PgConnection(raw, self._schema)
        return wrapped

    def _begin(self, begin: str) -> PgConnection:
        """This thread's connection, in a new transaction. A connection the server cut while it was
        idle (a restart, a network change) fails at the BEGIN, before anything was done: it is
        replaced once, and only a server still unreachable is an error."""
        conn = self._connection()
        try:
            conn.raw.execute(begin)
        except psycopg.OperationalError:
            if not (conn.raw.closed or conn.raw.broken):
                raise
            conn = self._connection()
            conn.raw.execute(begin)
        return conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[Any]:
        with pg_translated(self.where):
            conn = self._begin(begin)
            try:
                yield conn
            except BaseException:
                _roll_back(conn)
                raise
            conn.raw.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        with self._transaction(_READ) as conn:
            yield conn

    @contextmanager
    def _writing(self, *, user: bool = True) -> Iterator[Any]:
        with self._transaction(_WRITE) as conn:
            yield conn

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with pg_translated(self.where):
            self._team.close_all()


def _roll_back(conn: PgConnection) -> None:
    """Roll back after an error; a connection that broke has nothing left to roll back."""
    if conn.raw.closed or conn.raw.broken or not conn.in_transaction:
        return
    try:
        conn.raw.execute("ROLLBACK")
    except psycopg.Error as exc:  # the error being raised says more than this one
        logger.debug("rollback after an error failed: %r", exc)


_OWN = {"close"}
for _name in dir(SqliteMirrorStore):
    _member = getattr(SqliteMirrorStore, _name)
    if not _name.startswith("_") and _name not in _OWN and callable(_member):
        setattr(PgMirrorStore, _name, _run_again_on_conflict(_member))


def open_team_mirror(url: str) -> PgMirrorStore:
    """Open the team database at ``url`` (``postgresql://…``; migrated as needed) as the profile's
    store. Raises ``StorageError`` (unreachable, refused) or ``DatabaseTooNew``."""
    db = open_postgres_database(url)
    try:
        return PgMirrorStore(db)
    except BaseException:
        db.close_all()
        raise


def reset_identities(conn: psycopg.Connection[Any] | PgConnection) -> dict[str, int]:
    """Set each identity sequence past the largest id its table holds: rows copied in with their
    ids (a profile moved into a team database) leave the sequences where they were, and the next
    insert would take an id already used. Returns each table's next id. Runs in the caller's
    transaction, if any."""
    raw = conn.raw if isinstance(conn, PgConnection) else conn
    tables = Schema(raw).identity_tables
    following: dict[str, int] = {}
    for table in sorted(tables):
        row = raw.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 0) + 1, false) "  # noqa: S608
            f'FROM "{table}"',
            (table,),
        ).fetchone()
        following[table] = int(row[0]) if row else 1
    return following
