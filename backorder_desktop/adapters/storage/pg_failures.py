"""Translate psycopg/peewee exceptions of a team database into domain errors, by SQLSTATE.

``failures.py``'s counterpart for PostgreSQL: nothing outside ``adapters/storage`` sees a
``psycopg.Error``. The server says what went wrong in its SQLSTATE
(https://www.postgresql.org/docs/current/errcodes-appendix.html):

- class 08 (connection exception), 57P01-57P03 (the server shutting down or starting), or a
  connection lost without a code → ``StorageError`` "team database unreachable", naming the
  database and server, never the URL (it may hold a password); try again later;
- 53100 (disk full) and the rest of class 53 (out of resources) → ``DiskFull``/``StorageError``;
- 42501 (insufficient privilege) → ``StorageError``: the database user lacks a right;
- 40001 (serialization failure) and 40P01 (deadlock) → ``Conflict``: two desktops wrote the same
  rows at once; the store runs the whole call again (a few times), and it is never shown;
- anything else → ``BugError``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import peewee
import psycopg

from backorder_desktop.adapters.storage.failures import find_in_chain
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import DiskFull
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import StorageError

logger = logging.getLogger(__name__)

RETRIED = frozenset({"40001", "40P01"})
UNREACHABLE_STATES = frozenset({"57P01", "57P02", "57P03"})
UNREACHABLE = "Team database unreachable"


class Conflict(StorageError):
    """Another desktop changed the same rows at the same moment: the call is run again. Shown
    only if it keeps happening (the caller's retries ran out)."""

    title = "Team database busy"


def unreachable(where: str, detail: str) -> StorageError:
    return StorageError(
        f"Cannot reach the team {where} ({detail}). Check that this computer is online and the "
        "database server is running; BackOrder Desktop tries again on its next step.",
        title=UNREACHABLE,
        remedy=Remedy.RETRY_LATER,
    )


def translate_pg(exc: BaseException, where: str) -> BackorderError:
    """The domain error for ``exc``, raised while working on the team database ``where``
    (``postgres.describe``: its name and server)."""
    if isinstance(exc, BackorderError):
        return exc
    error = find_in_chain(exc, psycopg.Error)
    state = getattr(getattr(error, "diag", None), "sqlstate", None) or getattr(error, "sqlstate", None)
    detail = first_line(error or exc)
    if state in RETRIED:
        return Conflict(
            f"Another desktop kept changing the same data in the team {where}. Try again in a moment."
        )
    if (state or "").startswith("08") or state in UNREACHABLE_STATES:
        return unreachable(where, detail)
    if error is not None and state is None and isinstance(error, psycopg.OperationalError):
        return unreachable(where, detail)  # the connection broke: libpq gives no SQLSTATE
    if state == "53100":
        return DiskFull(
            f"The disk of the server holding the team {where} is full, so the last change could not "
            "be saved. Nothing was lost; ask whoever runs the server to free space, then try again."
        )
    if (state or "").startswith("53"):
        return StorageError(
            f"The server of the team {where} ran out of resources ({detail}). Try again in a moment.",
            remedy=Remedy.RETRY_LATER,
        )
    if state == "42501":
        return StorageError(
            f"The team {where} refused a change ({detail}): this desktop's database user lacks a "
            "right. Ask whoever set up the team database to grant it."
        )
    return BugError(f"Unexpected error on the team {where}: {detail}")


def first_line(exc: BaseException) -> str:
    """The server's or libpq's first line of what went wrong (never the connection string)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def pg_translated(where: str) -> Iterator[None]:
    """Run a block whose psycopg/peewee exceptions leave as domain errors."""
    try:
        yield
    except BackorderError:
        raise
    except (psycopg.Error, peewee.PeeweeException) as exc:
        error = translate_pg(exc, where)
        logger.debug("team database error on %s: %r → %s", where, exc, type(error).__name__)
        raise error from exc
