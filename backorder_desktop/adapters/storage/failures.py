"""Translate sqlite3/peewee/OS exceptions into domain errors at the storage boundary.

Nothing outside ``adapters/storage`` ever sees a ``sqlite3.Error`` or a ``peewee.PeeweeException``
(STYLE rule 4): every public entry point runs inside ``translated(path)``. The mapping goes by
SQLite's primary result code (``sqlite_errorcode``), with the message text as a fallback for
errors raised without one.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import peewee

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import DatabaseCorrupt
from backorder_desktop.domain.errors import DiskFull
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import StorageError

logger = logging.getLogger(__name__)
E = TypeVar("E", bound=BaseException)

# SQLite primary result codes (https://sqlite.org/rescode.html).
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_AUTH = 23
SQLITE_NOTADB = 26

_BY_TEXT = (
    ("database or disk is full", SQLITE_FULL),
    ("file is not a database", SQLITE_NOTADB),
    ("malformed", SQLITE_CORRUPT),
    ("readonly database", SQLITE_READONLY),
    ("unable to open database", SQLITE_CANTOPEN),
    ("database is locked", SQLITE_BUSY),
    ("disk i/o error", SQLITE_IOERR),
)


def find_in_chain(exc: BaseException, wanted: type[E]) -> E | None:
    """The driver's error behind a peewee wrapper (peewee keeps it as args[0] and __context__)."""
    todo: list[object] = [exc]
    seen: set[int] = set()
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, wanted):
            return item
        todo.extend((item.__cause__, item.__context__, *item.args))
    return None


def _find_sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    return find_in_chain(exc, sqlite3.Error)


def result_code(exc: BaseException) -> int | None:
    """SQLite's primary result code for an exception, or None when it has none."""
    error = _find_sqlite_error(exc)
    if error is None:
        return None
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(error).lower()
    return next((value for needle, value in _BY_TEXT if needle in text), None)


def corrupt(path: Path, detail: str) -> DatabaseCorrupt:
    return DatabaseCorrupt(
        f"The database {path} cannot be read ({detail}). It can be rebuilt from BigCommerce. "
        "(To start from nothing instead, move that file somewhere else.) "
        f"Earlier copies, if any, are in {path.parent / 'backups'}."
    )


def disk_full(path: Path) -> DiskFull:
    return DiskFull(
        f"The disk holding {path.parent} is full, so the last change could not be saved. "
        "Nothing was lost; free space and sync again."
    )


def read_only(path: Path, detail: str) -> StorageError:
    return StorageError(
        f"Cannot write the database {path} ({detail}): the file or its folder is read-only or not "
        "accessible. Make the profile folder writable and try again.",
        remedy=Remedy.OTHER_FOLDER,
    )


def translate(exc: BaseException, path: Path) -> BackorderError:
    """The domain error for a low-level exception raised while working on the database at ``path``."""
    if isinstance(exc, BackorderError):
        return exc
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return disk_full(path)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return read_only(path, exc.strerror or str(exc))
        return StorageError(f"Cannot use {path}: {exc}. Check the profile folder and try again.")
    code = result_code(exc)
    detail = str(_find_sqlite_error(exc) or exc)
    if code == SQLITE_FULL:
        return disk_full(path)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return corrupt(path, detail)
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_AUTH):
        return read_only(path, detail)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StorageError(
            f"The database {path} stayed busy for too long: another BackOrder Desktop process "
            "kept it locked. Wait for that process to finish its work, then try again."
        )
    if code == SQLITE_IOERR:
        return StorageError(
            f"The disk reported an error while using {path} ({detail}). Check that the disk is "
            "still attached and healthy, then try again."
        )
    return BugError(f"Unexpected database error on {path}: {detail}")


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Run a block whose sqlite3/peewee/OS exceptions leave as domain errors."""
    try:
        yield
    except BackorderError:
        raise
    except (sqlite3.Error, peewee.PeeweeException, OSError) as exc:
        error = translate(exc, path)
        logger.debug("database error on %s: %r → %s", path, exc, type(error).__name__)
        raise error from exc
