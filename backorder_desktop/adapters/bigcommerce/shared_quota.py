"""What every pacer of one profile has seen of a store's quota, in a small SQLite file they share.

The window and its sync child each keep a ``RateLimiter`` (``ratelimit.py``); the quota is the
store's, one for both (bigcommerce-api-notes §7). Alone, each paces to the last
``X-Rate-Limit-Requests-Left`` it saw itself, so what the other sent since is invisible until its own
next reply: together they can spend the reserve kept for the store's other apps. Here each publishes
what its replies said and counts each request it sends (one less left, before the reply comes), and
reads the other's before sending. Within one window ``left`` only goes down, so the lowest word wins;
a reply from a later window replaces the row. A request that got no reply stays counted: the
mistake is one request less for us, never one more.

Each request sent is also logged with its time (kept ``SENT_KEPT_S``), so the status bar's quota
meter can say how many of the window's requests were this app's (``read_meter``).

Times are wall-clock seconds (two processes share no monotonic clock); the file holds no secret.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from backorder_desktop.adapters.paths import create_private_file
from backorder_desktop.domain.dashboard import QuotaMeter

__all__ = ["DEFAULT_HEADROOM", "QuotaSeen", "SharedQuota", "read_meter"]

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quota (
    store TEXT PRIMARY KEY,
    requests_left INTEGER NOT NULL,
    requests_quota INTEGER,
    window_s REAL,
    reset_at REAL NOT NULL
)
"""
_SELECT_ROW = "SELECT requests_left, requests_quota, window_s, reset_at FROM quota WHERE store = ?"
_SENT_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sent (store TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sent_store_at ON sent (store, at)",
)
DEFAULT_HEADROOM = 0.2  # the share of the quota kept for the store's other apps
SENT_KEPT_S = 600.0  # longer than any quota window BigCommerce uses
DEFAULT_WINDOW_S = 30.0  # the window when no reply has said it (bigcommerce-api-notes §7)


@dataclass(frozen=True, slots=True)
class QuotaSeen:
    """The store's quota as the last word of any pacer had it: ``reset_at`` in wall-clock seconds."""

    left: int
    quota: int | None
    window_s: float | None
    reset_at: float


class SharedQuota:
    """One row per store in ``path``; thread-safe, and safe between processes (SQLite locking)."""

    def __init__(self, path: str | Path, store: str, *, wall: Callable[[], float] = time.time) -> None:
        self._path = Path(path)
        self._store = store
        self._wall = wall
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def wall(self) -> float:
        return self._wall()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            create_private_file(self._path)  # 0600, and SQLite gives its -wal/-shm the same mode
            db = sqlite3.connect(self._path, timeout=5.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # losing the file costs one probe, not data
            db.execute(_SCHEMA)
            for statement in _SENT_SCHEMA:
                db.execute(statement)
            self._db = db
        return self._db

    def read(self) -> QuotaSeen | None:
        """The row, unless its window is over (then nobody knows the new one yet)."""
        try:
            with self._lock:
                row = self._conn().execute(_SELECT_ROW, (self._store,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        if row is None or row[3] <= self._wall():
            return None
        return QuotaSeen(int(row[0]), row[1], row[2], float(row[3]))

    def publish(self, seen: QuotaSeen, tolerance_s: float) -> None:
        """A reply's word: the same window (reset within ``tolerance_s``) keeps the lower ``left``,
        a later window replaces the row, an earlier one is ignored."""
        self._write(
            """
            INSERT INTO quota (store, requests_left, requests_quota, window_s, reset_at)
            VALUES (:store, :left, :quota, :window, :reset)
            ON CONFLICT (store) DO UPDATE SET
                requests_left = CASE
                    WHEN abs(excluded.reset_at - reset_at) <= :tol
                        THEN min(requests_left, excluded.requests_left)
                    WHEN excluded.reset_at > reset_at THEN excluded.requests_left
                    ELSE requests_left END,
                requests_quota = coalesce(excluded.requests_quota, requests_quota),
                window_s = coalesce(excluded.window_s, window_s),
                reset_at = CASE
                    WHEN abs(excluded.reset_at - reset_at) <= :tol THEN min(reset_at, excluded.reset_at)
                    WHEN excluded.reset_at > reset_at THEN excluded.reset_at
                    ELSE reset_at END
            """,
            {
                "store": self._store,
                "left": seen.left,
                "quota": seen.quota,
                "window": seen.window_s,
                "reset": seen.reset_at,
                "tol": tolerance_s,
            },
        )

    def count_sent(self) -> None:
        """One request is on its way: one less left in the current window, for every pacer."""
        self._write(
            "UPDATE quota SET requests_left = max(0, requests_left - 1)"
            " WHERE store = :store AND reset_at > :now",
            {"store": self._store, "now": self._wall()},
        )
        now = self._wall()
        self._write("INSERT INTO sent (store, at) VALUES (:store, :now)", {"store": self._store, "now": now})
        self._write("DELETE FROM sent WHERE at < :old", {"old": now - SENT_KEPT_S})

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _write(self, sql: str, params: dict[str, object]) -> None:
        try:
            with self._lock:
                self._conn().execute(sql, params)
        except sqlite3.Error as exc:
            self._failed(exc)

    def _failed(self, exc: sqlite3.Error) -> None:
        # Pacing then falls back to this process's own view: as before sharing, never a failed call.
        logger.info("the shared quota file %s could not be used: %s", self._path, exc)


def read_meter(
    path: str | Path, store: str, *, headroom: float = DEFAULT_HEADROOM, wall: Callable[[], float] = time.time
) -> QuotaMeter | None:
    """The quota as last seen by any process of the profile, and what this app sent in the last
    window; None before any reply was seen. Reads only: a missing file is not created."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0)) as db:
            row = db.execute(_SELECT_ROW, (store,)).fetchone()
            if row is None:
                return None
            window = float(row[2]) if row[2] else DEFAULT_WINDOW_S
            sent = db.execute(
                "SELECT COUNT(*) FROM sent WHERE store = ? AND at > ?", (store, wall() - window)
            ).fetchone()
    except sqlite3.Error as exc:  # an older file without the log, or one being replaced
        logger.info("the shared quota file %s could not be read: %s", path, exc)
        return None
    quota = None if row[1] is None else int(row[1])
    return QuotaMeter(
        left=int(row[0]),
        quota=quota,
        window_s=None if row[2] is None else float(row[2]),
        resets_at=datetime.fromtimestamp(float(row[3]), UTC),
        sent_by_app=int(sent[0]),
        reserve=0 if quota is None else math.ceil(quota * headroom),
        headroom=headroom,
    )
