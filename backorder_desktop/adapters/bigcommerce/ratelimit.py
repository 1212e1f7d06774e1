"""Pacing requests to a store's shared API quota, from the ``X-Rate-Limit-*`` reply headers.

BigCommerce gives each store one quota (150 requests per 30 s on Standard/Plus) shared by every
app installed on it (bigcommerce-api-notes §7). One :class:`RateLimiter` exists per store and is
shared by every thread that calls that store. The rule:

* before each request, :meth:`RateLimiter.acquire` blocks while
  ``requests left (as last seen) − requests in flight ≤ reserve``, where the reserve is
  ``headroom × quota`` (default 20 %) kept free for the other apps, until the window resets;
* every reply feeds :meth:`RateLimiter.observe`; within one window the lowest ``left`` wins
  (replies arrive out of order), a reply from a newer window replaces the state, and a reply
  to a request sent before the current window began is ignored as stale;
* when the window's reset time has passed we assume a fresh quota but send one probe request
  only, until a reply confirms the new window (so a wrong guess costs one request, not a burst);
* a 429 blocks everybody for ``Time-Reset-Ms`` (or ``X-Retry-After``); a 429 without headers
  (the platform itself is overloaded) blocks for an exponential backoff;
* with a :class:`~backorder_desktop.adapters.bigcommerce.shared_quota.SharedQuota`, the limiters of
  other processes of the profile (the window and its sync child) count too: what their replies said
  and what they sent since lowers the room this one sees, so together they keep the one reserve.

Time comes from an injectable clock (``monotonic()`` and ``sleep()``), so tests need no real
waiting.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from backorder_desktop.adapters.bigcommerce.shared_quota import DEFAULT_HEADROOM
from backorder_desktop.adapters.bigcommerce.shared_quota import QuotaSeen
from backorder_desktop.adapters.bigcommerce.shared_quota import SharedQuota
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.models import QuotaStatus

__all__ = ["RateLimiter", "SystemClock", "TimeSource"]

logger = logging.getLogger(__name__)

# Header names are case-insensitive (bigcommerce-api-notes §1); compared in lower case.
H_LEFT = "x-rate-limit-requests-left"
H_QUOTA = "x-rate-limit-requests-quota"
H_RESET = "x-rate-limit-time-reset-ms"
H_WINDOW = "x-rate-limit-time-window-ms"
H_RETRY_AFTER = "x-retry-after"

# While a request is in flight, a blocked caller re-checks at least this often (real seconds):
# a reply normally wakes it at once through the condition variable.
_POLL_S = 0.05


class TimeSource(Protocol):
    """A monotonic clock that can sleep (tests pass one whose ``sleep`` only advances time)."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass(frozen=True, slots=True)
class _Headers:
    left: int | None
    quota: int | None
    reset_ms: int | None
    window_ms: int | None
    retry_after_s: float | None

    @classmethod
    def parse(cls, raw: Mapping[str, str]) -> _Headers:
        headers = {k.lower(): v for k, v in raw.items()}
        return cls(
            left=_int(headers.get(H_LEFT)),
            quota=_int(headers.get(H_QUOTA)),
            reset_ms=_int(headers.get(H_RESET)),
            window_ms=_int(headers.get(H_WINDOW)),
            retry_after_s=_float(headers.get(H_RETRY_AFTER)),
        )

    @property
    def usable(self) -> bool:
        return self.left is not None and self.reset_ms is not None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return max(0, int(text.strip()))
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


class RateLimiter:
    """One store's quota, shared by all threads that call that store. Thread-safe."""

    def __init__(
        self,
        *,
        headroom: float = DEFAULT_HEADROOM,
        clock: TimeSource | None = None,
        reset_margin_s: float = 0.05,
        backoff_429_s: float = 1.0,
        backoff_429_max_s: float = 60.0,
        max_wait_s: float = 300.0,
        on_wait: Callable[[float], None] | None = None,
        shared: SharedQuota | None = None,
    ) -> None:
        """``on_wait(seconds)`` is called (with the lock held) each time a caller of :meth:`acquire`
        is about to block: 0.0 while it waits for replies in flight (tests know it is waiting)."""
        if not 0.0 <= headroom < 1.0:
            raise ValueError("headroom must be at least 0 and below 1 (a share of the quota)")
        self.headroom = headroom
        self._clock = clock or SystemClock()
        self._margin = reset_margin_s
        self._backoff_429 = backoff_429_s
        self._backoff_429_max = backoff_429_max_s
        self._max_wait = max_wait_s
        self._on_wait = on_wait
        self._shared = shared
        self._cond = threading.Condition()
        # What the headers said, and when (monotonic seconds) the window resets.
        self._left: int | None = None
        self._quota: int | None = None
        self._window_s: float | None = None
        self._reset_at: float | None = None
        self._window_started: float = -math.inf
        self._confirmed = False  # a reply from the current window has been seen
        self._unlimited = False  # replies carry no rate headers: nothing to pace to
        self._in_flight = 0
        self._blocked_until = -math.inf  # after a 429
        self._consecutive_429 = 0

    # --- public ---------------------------------------------------------------------------

    @property
    def clock(self) -> TimeSource:
        return self._clock

    def reserve(self) -> int:
        """Requests of the window kept free for other apps (0 before the quota is known)."""
        with self._cond:
            return self._reserve()

    def acquire(self) -> float:
        """Wait for room in the quota, then count one request in flight; returns the send time.

        Pass the returned time to :meth:`observe` with the reply, and always call
        :meth:`release` afterwards (whatever happened).
        """
        waited_since = self._clock.monotonic()
        with self._cond:
            while True:
                now = self._clock.monotonic()
                delay = self._delay(now, self._shared_left(now))
                if delay is None:
                    self._in_flight += 1
                    if self._shared is not None:
                        self._shared.count_sent()
                    return now
                if now + (delay or 0.0) - waited_since > self._max_wait:
                    raise RateLimited(
                        f"The store's API quota would not allow a request for {delay:.0f} s. "
                        "Other apps may be using the whole quota; try again later.",
                    )
                if self._on_wait is not None:
                    self._on_wait(delay)
                if delay == 0.0:
                    # Blocked by requests in flight: their replies will tell us more.
                    self._cond.wait(_POLL_S)
                    continue
                self._cond.release()
                try:
                    self._clock.sleep(delay)
                finally:
                    self._cond.acquire()

    def release(self) -> None:
        """The request sent after :meth:`acquire` is over (answered or failed)."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            self._cond.notify_all()

    def observe(self, headers: Mapping[str, str], *, sent_at: float | None = None, status: int = 200) -> None:
        """Learn from one reply's headers; ``sent_at`` is what :meth:`acquire` returned."""
        parsed = _Headers.parse(headers)
        with self._cond:
            now = self._clock.monotonic()
            if status == 429:
                self._on_429(parsed, now)
            else:
                self._consecutive_429 = 0
            if parsed.left is not None and parsed.reset_ms is not None:
                self._unlimited = False
                sent = now if sent_at is None else sent_at
                if self._learn(parsed, parsed.left, parsed.reset_ms, now, sent) and self._shared is not None:
                    self._shared.publish(
                        QuotaSeen(
                            parsed.left,
                            parsed.quota,
                            parsed.window_ms / 1000.0 if parsed.window_ms else None,
                            self._shared.wall() + parsed.reset_ms / 1000.0,
                        ),
                        self._tolerance(),
                    )
            elif self._left is None and status != 429:
                self._unlimited = True
            self._cond.notify_all()

    def status(self) -> QuotaStatus:
        """The quota as last seen, for display (``quota()`` of the client)."""
        with self._cond:
            reset_ms = None
            if self._reset_at is not None:
                reset_ms = max(0, round((self._reset_at - self._clock.monotonic()) * 1000))
            window_ms = None if self._window_s is None else round(self._window_s * 1000)
            return QuotaStatus(
                requests_left=self._left,
                requests_quota=self._quota,
                time_reset_ms=reset_ms,
                time_window_ms=window_ms,
            )

    # --- internals (called with the lock held) ------------------------------------------

    def _reserve(self) -> int:
        if self._quota is None:
            return 0
        return math.ceil(self._quota * self.headroom)

    def _tolerance(self) -> float:
        """How far two reset times may differ and still be one window."""
        return 0.5 * self._window_s if self._window_s else 1.0

    def _shared_left(self, now: float) -> int | None:
        """What the other pacers say is left of our current window (None: they know no more).

        A window they have seen and we have not (we start, or assumed a reset) becomes ours."""
        seen = self._shared.read() if self._shared is not None else None
        if seen is None or self._shared is None:
            return None
        reset_at = now + (seen.reset_at - self._shared.wall())
        if seen.window_s:
            self._window_s = seen.window_s
        tolerance = self._tolerance()
        if self._reset_at is not None and self._confirmed and abs(reset_at - self._reset_at) <= tolerance:
            return seen.left
        if self._left is None or not self._confirmed or self._reset_at is None or reset_at > self._reset_at:
            self._left, self._reset_at, self._confirmed, self._unlimited = seen.left, reset_at, True, False
            self._quota = seen.quota if seen.quota is not None else self._quota
            self._window_started = reset_at - (self._window_s or 0.0)
            return seen.left
        return None  # an older window than the one we know

    def _delay(self, now: float, shared_left: int | None = None) -> float | None:
        """None: send now. 0.0: wait for a reply. > 0: sleep that long, then look again.

        ``shared_left`` already counts every request sent (ours in flight included)."""
        if now < self._blocked_until:
            return self._blocked_until - now
        if self._unlimited:
            return None
        if self._left is None:
            # Nothing known yet: one request at a time until a reply tells us the quota.
            return None if self._in_flight == 0 else 0.0
        if self._reset_at is not None and now >= self._reset_at + self._margin:
            self._assume_reset(now)
        if not self._confirmed:
            return None if self._in_flight == 0 else 0.0
        room = self._left - self._in_flight
        if shared_left is not None:
            room = min(room, shared_left)
        if room > self._reserve():
            return None
        if self._in_flight > 0:
            return 0.0
        if self._reset_at is None:  # no reset time known: probe again after a short pause
            return self._backoff_429
        return max(self._reset_at + self._margin - now, 0.001)

    def _assume_reset(self, now: float) -> None:
        window = self._window_s or 0.0
        self._left = self._quota if self._quota is not None else self._left
        self._reset_at = now + window if window > 0 else None
        self._window_started = now
        self._confirmed = False

    def _learn(self, h: _Headers, left: int, reset_ms: int, now: float, sent_at: float) -> bool:
        """Take one reply's word; False when it is stale (sent in an earlier window)."""
        if sent_at < self._window_started:
            return False  # sent in an earlier window: its count says nothing about this one
        if h.quota is not None:
            self._quota = h.quota
        if h.window_ms:
            self._window_s = h.window_ms / 1000.0
        reset_at = now + reset_ms / 1000.0
        tolerance = 0.5 * self._window_s if self._window_s else 1.0
        if (
            self._confirmed
            and self._reset_at is not None
            and self._left is not None
            and abs(reset_at - self._reset_at) <= tolerance
        ):
            # Same window: replies arrive out of order, and ``left`` only goes down in a window.
            self._left = min(self._left, left)
            self._reset_at = min(self._reset_at, reset_at)
            return True
        if self._confirmed and self._reset_at is not None and reset_at > self._reset_at + tolerance:
            self._window_started = sent_at  # a newer window began before our estimate said
        self._left = left
        self._reset_at = reset_at
        self._confirmed = True
        return True

    def _on_429(self, h: _Headers, now: float) -> None:
        self._consecutive_429 += 1
        if h.usable or h.retry_after_s is not None:
            waits = [w for w in (h.retry_after_s, None if h.reset_ms is None else h.reset_ms / 1000) if w]
            wait = max(waits, default=0.0) + self._margin
            if self._consecutive_429 > 1:  # "if retries keep hitting 429, increase the wait"
                wait += min(self._backoff_429 * 2 ** (self._consecutive_429 - 2), self._backoff_429_max)
        else:
            wait = min(self._backoff_429 * 2 ** (self._consecutive_429 - 1), self._backoff_429_max)
        self._blocked_until = max(self._blocked_until, now + wait)
        logger.info("Rate limited (429); pausing requests to this store for %.2f s", wait)
