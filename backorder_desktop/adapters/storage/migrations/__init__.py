"""The schema's numbered migrations: discovery, ordering and the contract each module keeps.

Each migration is a module ``mNNNN_<what>.py`` in this package. Its number is the schema version it
produces (``PRAGMA user_version`` after it ran) and numbers run 1, 2, 3 … without gaps. A module
defines::

    def migrate(conn: sqlite3.Connection, migrator: playhouse.migrate.SqliteMigrator) -> None

which changes the schema from version N-1 to N. The runner in ``db.py`` calls it inside one
``BEGIN IMMEDIATE`` transaction (``conn`` is in it; ``migrator.database`` is the peewee database
on the same connection, for ``SqliteMigrator`` operations) with foreign keys switched off
(SQLite's own procedure for table rebuilds), checks ``PRAGMA foreign_key_check``, and sets
``user_version`` in the same transaction — so a migration either happens whole or not at all.

The same modules build a team's database on PostgreSQL (``postgres.py``): there ``conn`` is a
``MigrationConnection`` that turns the SQLite DDL into PostgreSQL's by a few fixed rules, and
``migrator`` a ``PostgresqlMigrator``; a migration whose SQL those rules cannot carry over tests
``isinstance(migrator, PostgresqlMigrator)`` and writes PostgreSQL's own (migration 14's triggers).
Its SQLite statements stay as they are.

Rules for writing one:

- Never import ``tables.py``: it describes the *latest* schema and would change under an old
  migration. Write the DDL (or ``SqliteMigrator`` operations) as it is at that version.
- Mirror tables (catalog data, rebuildable from BigCommerce) and user tables (assignments,
  settings, history, the ledger and the outbox) stay separate tables, so that a
  rebuild never has to touch user data. ``tables.MIRROR_TABLES``/``USER_TABLES``
  list them.
- Every migration has a test in ``tests/adapters/storage/test_migrations.py`` that upgrades a
  committed fixture database from the previous version (a meta-test enforces it).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from backorder_desktop.domain.errors import BugError

_NAME = re.compile(r"^m(\d{4})_[a-z0-9_]+$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: ``apply`` takes the database from ``version - 1`` to ``version``."""

    version: int
    name: str
    apply: Callable[[Any, Any], None]


def _numbered() -> list[tuple[int, str]]:
    """The migration modules' numbers and names, in order, from the package's listing alone; a gap
    or a duplicate is a bug."""
    found = sorted(
        (int(match.group(1)), info.name)
        for info in pkgutil.iter_modules(__path__)
        if (match := _NAME.match(info.name)) is not None
    )
    if [version for version, _ in found] != list(range(1, len(found) + 1)):
        raise BugError(f"migrations are not numbered 1..N without gaps: {[name for _, name in found]}")
    return found


def discover() -> list[Migration]:
    """All migration modules of this package, imported, in order."""
    found: list[Migration] = []
    for version, name in _numbered():
        module = importlib.import_module(f"{__name__}.{name}")
        apply = getattr(module, "migrate", None)
        if not callable(apply):
            raise BugError(f"migration {name} has no migrate(conn, migrator) function")
        found.append(Migration(version=version, name=name, apply=apply))
    return found


_NUMBERED = _numbered()
LATEST_VERSION: int = _NUMBERED[-1][0] if _NUMBERED else 0

if TYPE_CHECKING:
    MIGRATIONS: list[Migration]


def __getattr__(name: str) -> object:
    """``MIGRATIONS``, the modules imported on first use: a database already at ``LATEST_VERSION``
    (every open but the first after an update) runs none, and importing the fifteen-odd modules
    cost every command's start."""
    if name == "MIGRATIONS":
        migrations = discover()
        globals()["MIGRATIONS"] = migrations
        return migrations
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
