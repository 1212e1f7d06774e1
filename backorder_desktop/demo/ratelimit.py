"""The store's shared request quota: a fixed window, as BigCommerce's per-store rate limit works.

Every request through the gateway costs one unit of the window's quota; other apps on the same store
spend from the same quota (:meth:`RateLimiter.spend`). With no quota the store is unlimited and the
headers report a large quota that never runs out.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

UNLIMITED_QUOTA = 10_000_000


@dataclass(frozen=True)
class QuotaState:
    """What the ``X-Rate-Limit-*`` headers of one reply say."""

    allowed: bool
    quota: int
    left: int
    reset_ms: int
    window_ms: int

    def headers(self) -> dict[str, str]:
        headers = {
            "X-Rate-Limit-Requests-Left": str(self.left),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Time-Reset-Ms": str(self.reset_ms),
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
        }
        if not self.allowed:
            headers["X-Retry-After"] = str(max(1, math.ceil(self.reset_ms / 1000)))
        return headers


class RateLimiter:
    """A fixed-window quota shared by every client of the store (thread-safe)."""

    def __init__(
        self, quota: int | None = None, window_s: float = 30.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._quota = quota
        self._window_s = window_s
        self._start = clock()
        self._used = 0

    def configure(self, quota: int | None, window_s: float | None = None) -> None:
        """Set a new quota (``None``: unlimited) and window; starts a fresh window."""
        if quota is not None and quota < 0:
            raise ValueError("quota must not be negative")
        if window_s is not None and window_s <= 0:
            raise ValueError("window_s must be positive")
        with self._lock:
            self._quota = quota
            if window_s is not None:
                self._window_s = window_s
            self._start = self._clock()
            self._used = 0

    @property
    def quota(self) -> int | None:
        return self._quota

    @property
    def window_s(self) -> float:
        return self._window_s

    def _roll(self) -> float:
        now = self._clock()
        elapsed = now - self._start
        if elapsed >= self._window_s:
            self._start = now - (elapsed % self._window_s)
            self._used = 0
            elapsed = now - self._start
        return elapsed

    def _state(self, elapsed: float, allowed: bool) -> QuotaState:
        quota = UNLIMITED_QUOTA if self._quota is None else self._quota
        return QuotaState(
            allowed=allowed,
            quota=quota,
            left=max(0, quota - self._used),
            reset_ms=max(1, math.ceil((self._window_s - elapsed) * 1000)),
            window_ms=round(self._window_s * 1000),
        )

    def try_take(self) -> QuotaState:
        """Spend one unit if any is left; the state says whether the request may go ahead."""
        with self._lock:
            elapsed = self._roll()
            if self._quota is not None and self._used >= self._quota:
                return self._state(elapsed, allowed=False)
            self._used += 1
            return self._state(elapsed, allowed=True)

    def peek(self) -> QuotaState:
        """The current state without spending (for replies that are not counted, such as 401)."""
        with self._lock:
            return self._state(self._roll(), allowed=True)

    def spend(self, n: int) -> None:
        """Another app on the store used ``n`` requests of this window."""
        with self._lock:
            self._roll()
            self._used += n

    @property
    def left(self) -> int:
        return self.peek().left
