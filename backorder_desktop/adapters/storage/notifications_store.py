"""The notification store's methods on ``SqliteMirrorStore``: what the merchant was told.

A mixin like ``backorder_rules_store.py``; each method is one transaction through the store's own
``_reading``/``_writing``. ``add_notification`` inserts with ``ON CONFLICT (key) DO NOTHING``: the
unique key makes a second telling of an occurrence a no-op, even from another process (the sync
child and the window share the file; ``BEGIN IMMEDIATE`` orders them).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING
from typing import Any

from backorder_desktop.adapters.storage.codec import from_text
from backorder_desktop.adapters.storage.codec import to_text

# Imported where a notification is made: a mirror opened for a status that lists none never makes
# their classes.
if TYPE_CHECKING:
    from backorder_desktop.domain.notifications import ArrivedOrder
    from backorder_desktop.domain.notifications import NewNotification
    from backorder_desktop.domain.notifications import Notification
    from backorder_desktop.domain.notifications import NotificationKind

_COLUMNS = "id, kind, key, title, text, at, read, subject, mark, ended"
_INSERT = (
    "INSERT INTO notifications (kind, key, subject, title, text, at, mark) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO NOTHING RETURNING id, kind, key, title, text, at, read, subject, mark, ended"
)
_SELECT = f"SELECT {_COLUMNS} FROM notifications"  # noqa: S608
_LATEST = _SELECT + " WHERE kind = ? AND subject = ? ORDER BY id DESC LIMIT 1"
_AFTER = _SELECT + " WHERE id > ? ORDER BY id DESC LIMIT ?"
_UNREAD_AFTER = _SELECT + " WHERE id > ? AND read = 0 ORDER BY id DESC LIMIT ?"


def _from_row(row: Any) -> Notification:
    from backorder_desktop.domain.notifications import Notification
    from backorder_desktop.domain.notifications import NotificationKind

    nid, kind, key, title, text, at, read, subject, mark, ended = tuple(row)
    return Notification(
        id=int(nid),
        kind=NotificationKind(kind),
        key=str(key),
        title=str(title),
        text=str(text),
        at=from_text(str(at)),
        read=bool(read),
        subject=str(subject),
        mark=int(mark),
        ended=bool(ended),
    )


class NotificationMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _writing(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def add_notification(self, new: NewNotification) -> Notification | None:
        """Record ``new``; None when its key was recorded already (told before)."""
        values = (new.kind.value, new.key, new.subject, new.title, new.text, to_text(new.at), new.mark)
        with self._writing() as conn:
            row = conn.execute(_INSERT, values).fetchone()
        return None if row is None else _from_row(row)

    def notifications(
        self, *, unread_only: bool = False, after_id: int = 0, limit: int = 200
    ) -> list[Notification]:
        """Newest first; ``after_id``: only those recorded after that one."""
        with self._reading() as conn:
            rows = conn.execute(_UNREAD_AFTER if unread_only else _AFTER, (after_id, limit))
            return [_from_row(row) for row in rows]

    def latest_notification(self, kind: NotificationKind, subject: str) -> tuple[Notification | None, int]:
        """The latest notification of ``kind`` about ``subject``, and how many it has had."""
        with self._reading() as conn:
            row = conn.execute(_LATEST, (kind.value, subject)).fetchone()
            total = conn.execute(
                "SELECT count(*) FROM notifications WHERE kind = ? AND subject = ?", (kind.value, subject)
            ).fetchone()[0]
        return (None if row is None else _from_row(row)), int(total)

    def open_notification_subjects(self, kind: NotificationKind) -> set[str]:
        """The subjects whose latest notification of ``kind`` has not ended."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT DISTINCT subject FROM notifications WHERE kind = ? AND ended = 0", (kind.value,)
            )
            return {str(subject) for (subject,) in rows}

    def end_notifications(self, kind: NotificationKind, subjects: Iterable[str]) -> None:
        """The condition of these subjects is over: their next notification is a new occurrence."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE notifications SET ended = 1 WHERE kind = ? AND ended = 0 "
                "AND subject IN (SELECT value FROM json_each(?))",
                (kind.value, json.dumps(sorted(set(subjects)))),
            )

    def mark_notifications_read(self, ids: Iterable[int] | None = None) -> int:
        """Mark these (every unread one when None) read; returns how many changed."""
        with self._writing() as conn:
            if ids is None:
                cursor = conn.execute("UPDATE notifications SET read = 1 WHERE read = 0")
            else:
                cursor = conn.execute(
                    "UPDATE notifications SET read = 1 WHERE read = 0 "
                    "AND id IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted({int(i) for i in ids})),),
                )
            return int(cursor.rowcount)

    def orders_after(self, order_id: int) -> list[ArrivedOrder]:
        """Orders with BackOrder lines counted, newer than ``order_id`` (ids grow with time)."""
        from backorder_desktop.domain.notifications import ArrivedOrder

        with self._reading() as conn:
            rows = conn.execute(
                "SELECT order_id, min(date_created), sum(counted) FROM order_lines "
                "WHERE order_id > ? AND counted > 0 GROUP BY order_id ORDER BY order_id",
                (order_id,),
            )
            return [
                ArrivedOrder(int(oid), from_text(str(created)), int(units)) for oid, created, units in rows
            ]
