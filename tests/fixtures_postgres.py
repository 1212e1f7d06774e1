"""PostgreSQL fixtures: a throwaway server for the test session, and a fresh database per test.

The server itself is ``scripts/pgserver.py``'s (the benchmarks start theirs with it too).

``postgres_server`` (session scope) runs ``initdb`` in a temporary folder and starts ``postgres``
on a unix socket in that folder only (``listen_addresses`` empty: no TCP port to find free or to
clash with a parallel run; the port number only names the socket file). Durability is switched off
(``fsync``, ``synchronous_commit``, ``full_page_writes``): a crash loses only a test's database,
and initdb plus start take about a second. ``pg_ctl stop -m immediate`` ends it after the session.

``initdb`` and ``postgres`` refuse to run as root (CI and this machine run the suite as root), so
under root both run as the ``postgres`` system user that Debian's ``postgresql-15`` package creates,
dropped to with ``setpriv`` (util-linux, always present); the temporary folder is handed to that
user. Clients connect as the database superuser ``postgres`` with ``trust`` authentication; only
the socket's folder (mode 0700, the server user's) lets anyone in, and the tests run as that user or
as root.

``postgres_url`` creates a database of its own for each test (``CREATE DATABASE`` from
``template0``: a few milliseconds) and yields its ``postgresql://`` URL; the database is dropped
after the test, with any connection the test left open.

Missing binaries fail the test with the fix (``scripts/system-deps.sh`` installs them) — never a
skip: the team tests are part of the suite everywhere ``make test`` runs.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts import pgserver
from scripts.pgserver import FIX
from scripts.pgserver import SERVER_SETTINGS
from scripts.pgserver import SUPERUSER
from scripts.pgserver import PostgresServer
from scripts.pgserver import find_bindir

__all__ = [
    "FIX",
    "SERVER_SETTINGS",
    "SUPERUSER",
    "PostgresServer",
    "find_bindir",
    "fresh_database",
    "require_bindir",
    "start_server",
]


def require_bindir(bindir: Path | None) -> Path:
    """The binaries' folder, or the test fails (never skips) saying how to install them."""
    if bindir is None:
        pytest.fail(FIX, pytrace=False)
    return bindir


def start_server() -> PostgresServer:
    """``scripts/pgserver.start_server``; missing binaries fail the test with the fix."""
    try:
        return pgserver.start_server()
    except pgserver.ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


_database_numbers = itertools.count(1)


@contextmanager
def fresh_database(server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database of ``server``, dropped afterwards with any connection left
    open (a test's, or a killed process's)."""
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    with server.admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield server.url(name)
    finally:
        with server.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database of the session's server, dropped after the test."""
    with fresh_database(postgres_server) as url:
        yield url
