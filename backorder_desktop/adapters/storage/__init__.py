"""The local mirror on peewee + SQLite: ``open_mirror(path)`` gives the ``MirrorStore`` port.

Only ``SqliteMirrorStore`` and ``open_mirror`` are public, and for a team database on PostgreSQL
``open_team_mirror(url)`` and ``reset_identities`` (``pg_store.py``); tables, SQL and peewee stay inside.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

# peewee and playhouse.migrate import a PostgreSQL driver at their own import if one is installed
# (psycopg: 0.1-0.3 s, most of a command's start-up). A SQLite profile never needs it: they are
# imported here without it, and ``postgres.py`` hands it to peewee when a team database is opened
# (playhouse's PostgreSQL extras, hstore and the like, stay without it: the app uses none of them).
PG_DRIVERS = ("psycopg2cffi", "psycopg2", "psycopg")


def _import_without_pg_drivers(*modules: str) -> None:
    if all(name in sys.modules for name in modules):
        return
    hidden = [name for name in PG_DRIVERS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        for name in modules:
            __import__(name)  # not importlib.import_module: -X importtime logs only import statements
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


# playhouse.migrate only when a database is migrated (``db.run_migrations``, under the same guard):
# ~7 ms of every start otherwise. A team database's ``postgres.py`` imports it with psycopg.
_import_without_pg_drivers("peewee")

from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore  # noqa: E402 (after the above)
from backorder_desktop.adapters.storage.mirror_store import open_mirror  # noqa: E402

if TYPE_CHECKING:
    from backorder_desktop.adapters.storage.pg_store import open_team_mirror
    from backorder_desktop.adapters.storage.pg_store import reset_identities

__all__ = ["SqliteMirrorStore", "open_mirror", "open_team_mirror", "reset_identities"]
_TEAM = ("open_team_mirror", "reset_identities")


def __getattr__(name: str) -> object:
    """The team database's functions, imported on first use: they bring psycopg (0.1-0.3 s), which
    a SQLite profile never needs."""
    if name in _TEAM:
        from backorder_desktop.adapters.storage import pg_store

        return getattr(pg_store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
