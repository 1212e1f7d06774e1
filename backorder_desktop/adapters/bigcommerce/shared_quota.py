"""What every pacer of one profile has seen of a store's quota, in a small SQLite file they share.

The window and its sync child each keep a ``RateLimiter`` (``ratelimit.py``); the quota is the
store's, one for both (bigcommerce-api-notes §7). Alone, each paces to the last
``X-Rate-Limit-Requests-Left`` it saw itself, so what the other sent since is invisible until its own
next reply: together they can spend the reserve kept for the store's other apps. Here each publishes
what its replies said and counts each request it sends (one less left, before the reply comes), and
reads the other's before sending. Within one window ``left`` only goes down, so the lowest word wins;
a reply from a later window replaces the row. A request that got no reply stays counted: the
mistake is one request less for us, never one more.

Times are wall-clock seconds (two processes share no monotonic clock); the file holds no secret.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backorder_desktop.adapters.paths import create_private_file

__all__ = ["QuotaSeen", "SharedQuota"]

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
            self._db = db
        return self._db

    def read(self) -> QuotaSeen | None:
        """The row, unless its window is over (then nobody knows the new one yet)."""
        try:
            with self._lock:
                row = (
                    self._conn()
                    .execute(
                        "SELECT requests_left, requests_quota, window_s, reset_at FROM quota WHERE store = ?",
                        (self._store,),
                    )
                    .fetchone()
                )
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
