"""The local mirror on peewee + SQLite: ``open_mirror(path)`` gives the ``MirrorStore`` port.

Only ``SqliteMirrorStore`` and ``open_mirror`` are public; tables, SQL and peewee stay inside.
"""

from __future__ import annotations

import sys

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


_import_without_pg_drivers("peewee", "playhouse.migrate")

from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore  # noqa: E402 (after the above)
from backorder_desktop.adapters.storage.mirror_store import open_mirror  # noqa: E402

__all__ = ["SqliteMirrorStore", "open_mirror"]
