"""The local mirror on peewee + SQLite: ``open_mirror(path)`` gives the ``MirrorStore`` port.

Only ``SqliteMirrorStore`` and ``open_mirror`` are public; tables, SQL and peewee stay inside.
"""

from __future__ import annotations

from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.storage.mirror_store import open_mirror

__all__ = ["SqliteMirrorStore", "open_mirror"]
