"""The rate limiter paces to the quota headers, keeps the headroom free and obeys 429s (fake clock)."""

from __future__ import annotations

import threading

import pytest

from backorder_desktop.adapters.bigcommerce.ratelimit import RateLimiter
from backorder_desktop.domain.errors import RateLimited
from tests.adapters.bigcommerce.conftest import FakeClock
from tests.adapters.bigcommerce.conftest import QuotaModel


def _headers(left: int, reset_ms: int, quota: int = 30, window_ms: int = 3000) -> dict[str, str]:
    return {
        "x-rate-limit-requests-left": str(left),
        "x-rate-limit-requests-quota": str(quota),
        "x-rate-limit-time-reset-ms": str(reset_ms),
        "x-rate-limit-time-window-ms": str(window_ms),
    }


def _one(limiter: RateLimiter, store: QuotaModel, latency: float = 0.01) -> int:
    sent = limiter.acquire()
    store.clock.advance(latency / 2)
    status, headers = store.hit()
    store.clock.advance(latency / 2)
    limiter.observe(headers, sent_at=sent, status=status)
    limiter.release()
    return status


def _pull(limiter: RateLimiter, store: QuotaModel, pages: int, rival_per_window: int = 0) -> float:
    """Fetch ``pages`` one after another; a rival app spends at the start of each window."""
    start = store.clock.monotonic()
    windows_spent: set[float] = set()
    done = 0
    while done < pages:
        if rival_per_window:
            store.headers()  # roll the window
            if store.window_start not in windows_spent:
                windows_spent.add(store.window_start)
                store.spend(rival_per_window)
        if _one(limiter, store) == 200:
            done += 1
    return store.clock.monotonic() - start


def test_reserve_is_the_headroom_share_of_the_quota(clock: FakeClock) -> None:
    limiter = RateLimiter(headroom=0.2, clock=clock)
    assert limiter.reserve() == 0  # nothing known yet
    limiter.observe(_headers(left=140, reset_ms=20000, quota=150, window_ms=30000))
    assert limiter.reserve() == 30
    status = limiter.status()
    assert (status.requests_left, status.requests_quota, status.time_window_ms) == (140, 150, 30000)
    assert status.time_reset_ms == 20000


@pytest.mark.parametrize("headroom", [-0.1, 1.0, 1.5])
def test_headroom_must_be_a_share(headroom: float) -> None:
    with pytest.raises(ValueError, match="headroom"):
        RateLimiter(headroom=headroom)


def test_stops_at_the_reserve_and_waits_for_the_reset(clock: FakeClock) -> None:
    store = QuotaModel(clock, quota=30, window_s=3.0)
    limiter = RateLimiter(headroom=0.2, clock=clock)
    for _ in range(24):  # 30 − 6 reserved
        assert _one(limiter, store, latency=0.0) == 200
    assert clock.monotonic() == pytest.approx(1000.0)  # no waiting inside the budget
    assert store.quota - store.used == 6
    assert _one(limiter, store, latency=0.0) == 200
    # The 25th request had to wait for the window to reset (3 s from the start).
    assert clock.monotonic() == pytest.approx(1003.0, abs=0.1)
    assert store.rejected == 0


@pytest.mark.parametrize("rival", [0, 4])
def test_a_paced_pull_gets_no_429_and_stays_near_the_quota_bound(clock: FakeClock, rival: int) -> None:
    store = QuotaModel(clock, quota=30, window_s=3.0)
    limiter = RateLimiter(headroom=0.2, clock=clock)
    pages = 200
    fake_seconds = _pull(limiter, store, pages, rival_per_window=rival)  # on the fake clock, not real time
    assert store.rejected == 0
    allowed_per_s = (1 - 0.2) * 30 / 3.0
    bound = pages / allowed_per_s
    if rival == 0:
        assert fake_seconds <= 1.15 * bound
    else:  # the rival eats into the quota: slower, but still no 429 and no stall
        assert bound < fake_seconds <= 1.15 * pages / ((30 - 6 - rival) / 3.0)


def test_rival_spending_the_reserve_too_still_causes_no_429(clock: FakeClock) -> None:
    store = QuotaModel(clock, quota=30, window_s=3.0)
    limiter = RateLimiter(headroom=0.2, clock=clock)
    _pull(limiter, store, 60, rival_per_window=12)
    assert store.rejected == 0


def test_out_of_order_replies_keep_the_lowest_count_of_a_window(clock: FakeClock) -> None:
    limiter = RateLimiter(headroom=0.2, clock=clock)
    limiter.observe(_headers(left=10, reset_ms=2000))
    limiter.observe(_headers(left=20, reset_ms=1990))  # older reply arriving late
    assert limiter.status().requests_left == 10


def test_a_reply_from_before_the_window_began_is_ignored(clock: FakeClock) -> None:
    limiter = RateLimiter(headroom=0.2, clock=clock)
    limiter.observe(_headers(left=7, reset_ms=500))
    old_send = clock.monotonic()
    clock.advance(0.6)  # the window has reset; the next acquire assumes a fresh quota
    fresh = limiter.acquire()
    limiter.observe(_headers(left=29, reset_ms=2900), sent_at=fresh)
    limiter.release()
    limiter.observe(_headers(left=6, reset_ms=0), sent_at=old_send)  # straggler from the old window
    assert limiter.status().requests_left == 29


def test_after_a_reset_one_probe_goes_first(clock: FakeClock) -> None:
    blocked = threading.Event()
    waits: list[float] = []

    def on_wait(seconds: float) -> None:
        waits.append(seconds)
        blocked.set()

    limiter = RateLimiter(headroom=0.2, clock=clock, on_wait=on_wait)
    limiter.observe(_headers(left=6, reset_ms=100))
    clock.advance(0.2)
    limiter.acquire()  # the probe
    assert not blocked.is_set()  # the probe itself went at once
    second = threading.Event()

    def another() -> None:
        limiter.acquire()
        second.set()
        limiter.release()

    thread = threading.Thread(target=another, daemon=True)
    thread.start()
    assert blocked.wait(10), "the second caller never blocked"
    assert waits[0] == 0.0  # waiting for the reply in flight, not sleeping for a window
    assert not second.is_set()  # held until the probe's reply confirms the new window
    limiter.observe(_headers(left=29, reset_ms=2900))
    limiter.release()
    assert second.wait(10)
    thread.join(10)
    assert not thread.is_alive()


def test_429_with_headers_pauses_everyone_until_the_reset(clock: FakeClock) -> None:
    limiter = RateLimiter(headroom=0.2, clock=clock)
    limiter.observe(_headers(left=0, reset_ms=1500), status=429)
    start = clock.monotonic()
    limiter.acquire()
    limiter.release()
    assert clock.monotonic() - start >= 1.5


def test_429_without_headers_backs_off_exponentially(clock: FakeClock) -> None:
    limiter = RateLimiter(headroom=0.2, clock=clock, backoff_429_s=1.0, backoff_429_max_s=60.0)
    waits = []
    for _ in range(3):
        limiter.observe({}, status=429)
        start = clock.monotonic()
        limiter.acquire()
        limiter.release()
        waits.append(clock.monotonic() - start)
    assert waits == pytest.approx([1.0, 2.0, 4.0], abs=0.01)
    limiter.observe({}, status=200)  # a success ends the streak
    limiter.observe({}, status=429)
    start = clock.monotonic()
    limiter.acquire()
    assert clock.monotonic() - start == pytest.approx(1.0, abs=0.01)


def test_replies_without_rate_headers_mean_no_pacing(clock: FakeClock) -> None:
    limiter = RateLimiter(headroom=0.2, clock=clock)
    limiter.acquire()
    limiter.observe({"content-type": "application/json"})
    for _ in range(50):  # many in flight at once: nothing to pace to
        limiter.acquire()
    assert clock.slept == []


def test_a_wait_longer_than_allowed_raises_rate_limited(clock: FakeClock) -> None:
    limiter = RateLimiter(headroom=0.2, clock=clock, max_wait_s=10.0)
    limiter.observe(_headers(left=0, reset_ms=600_000), status=429)
    with pytest.raises(RateLimited) as info:
        limiter.acquire()
    assert "try again later" in info.value.message


def test_many_threads_share_one_limiter_without_exceeding_the_budget(clock: FakeClock) -> None:
    store = QuotaModel(clock, quota=30, window_s=3.0)
    limiter = RateLimiter(headroom=0.2, clock=clock)
    lock = threading.Lock()
    statuses: list[int] = []

    def worker() -> None:
        for _ in range(8):
            sent = limiter.acquire()
            with lock:
                status, headers = store.hit()
                statuses.append(status)
            limiter.observe(headers, sent_at=sent, status=status)
            limiter.release()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert statuses.count(200) == 32
    assert store.rejected == 0
    assert store.peak_used == 24  # the reserve (6 of 30) was never touched in any window
