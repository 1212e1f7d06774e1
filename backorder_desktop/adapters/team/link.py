"""A team desktop's own link to the shared database: one autocommit connection, named after the
desktop and kept alive both ways, served by one thread until ``stop()`` (the leader's campaign and
the change listener each hold one, apart from the stores' connections)."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

import psycopg

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5
# libpq's side: a dead link fails a query within a few seconds instead of TCP's many minutes.
CLIENT_KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 2,
    "keepalives_interval": 1,
    "keepalives_count": 3,
    "tcp_user_timeout": 5000,
}
# The server's side, per session: it drops a dead link's session (and the locks it holds) as fast.
SERVER_KEEPALIVES = (
    "-c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3 -c tcp_user_timeout=5000"
)


def connect(url: str, name: str) -> psycopg.Connection[Any]:
    """An autocommit connection named ``name``, with keepalives both ways."""
    return psycopg.connect(
        url,
        autocommit=True,
        application_name=name,
        connect_timeout=CONNECT_TIMEOUT_S,
        options=SERVER_KEEPALIVES,
        **CLIENT_KEEPALIVES,
    )


class Link:
    """A connection of its own and the thread that serves it: subclasses give ``_serve_forever``
    (run once on the thread; it returns when ``_stopping`` is set)."""

    thread_name = "team-link"

    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self._name = name
        self._stopping = threading.Event()
        self._conn: psycopg.Connection[Any] | None = None
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self._name

    def start(self) -> Any:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve_forever, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and end the session (and whatever it held)."""
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=CONNECT_TIMEOUT_S * 3)
        self._drop_connection()

    def _serve_forever(self) -> None:
        raise NotImplementedError

    def _connection(self) -> psycopg.Connection[Any]:
        conn = self._conn
        if conn is None:
            conn = self._conn = connect(self._url, self._name)
        return conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()
