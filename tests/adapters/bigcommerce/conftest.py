"""Shared helpers for the BigCommerce client tests: a fake clock, a recording one and a model of a
store's quota."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from backorder_desktop.adapters.bigcommerce.ratelimit import SystemClock


class FakeClock:
    """A monotonic clock whose ``sleep`` only moves time forward (no real waiting)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)


class RecordingClock(SystemClock):
    """The real clock, keeping every sleep it was asked for (how long a limiter chose to wait)."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        super().sleep(seconds)


@dataclass
class QuotaModel:
    """A store's quota in fixed windows, answering like BigCommerce's ``X-Rate-Limit-*`` headers."""

    clock: FakeClock
    quota: int = 30
    window_s: float = 3.0
    used: int = 0
    rejected: int = 0
    peak_used: int = 0  # the most requests used in any one window

    def __post_init__(self) -> None:
        self.window_start = self.clock.monotonic()

    def _roll(self) -> None:
        now = self.clock.monotonic()
        while now >= self.window_start + self.window_s:
            self.window_start += self.window_s
            self.used = 0

    def headers(self) -> dict[str, str]:
        self._roll()
        reset_ms = round((self.window_start + self.window_s - self.clock.monotonic()) * 1000)
        return {
            "X-Rate-Limit-Requests-Left": str(max(0, self.quota - self.used)),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Time-Window-Ms": str(round(self.window_s * 1000)),
        }

    def hit(self) -> tuple[int, dict[str, str]]:
        """One request arrives now: (status, headers)."""
        self._roll()
        if self.used >= self.quota:
            self.rejected += 1
            return 429, self.headers()
        self.used += 1
        self.peak_used = max(self.peak_used, self.used)
        return 200, self.headers()

    def spend(self, n: int) -> None:
        """Another app on the store spends ``n`` requests now."""
        self._roll()
        self.used = min(self.quota, self.used + n)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
