"""The coalescing fetcher: ids that arrive together are fetched in one run; a fetch refused because
another process syncs is tried again; paused, it holds the ids; a failure never stops it."""

from __future__ import annotations

import threading

from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import SyncInProgress
from backorder_desktop.services.webhooks import WebhookFetcher


class Fetches:
    def __init__(self, *failures: BaseException) -> None:
        self.batches: list[list[int]] = []
        self.failures = list(failures)
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()  # a fetch has begun

    def __call__(self, ids: list[int]) -> None:
        self.entered.set()
        assert self.release.wait(10), "the test never let the fetch go"
        self.batches.append(ids)
        if self.failures:
            raise self.failures.pop(0)


def test_ids_arriving_together_are_fetched_in_one_run() -> None:
    fetches = Fetches()
    fetcher = WebhookFetcher(fetch=fetches, window_s=0.2).start()
    try:
        for pid in (5, 3, 5, 9, 3):
            fetcher.add({pid})
        assert fetcher.wait_idle(10)
    finally:
        fetcher.stop()
    assert fetches.batches == [[3, 5, 9]]


def test_ids_arriving_during_a_fetch_go_in_the_next_one() -> None:
    fetches = Fetches()
    fetches.release.clear()  # the first fetch is held until the test lets it go
    fetcher = WebhookFetcher(fetch=fetches, window_s=0.01).start()
    try:
        fetcher.add({1})
        assert fetches.entered.wait(10), "the first fetch never began"
        for pid in range(2, 60):
            fetcher.add({pid})
        fetches.release.set()
        assert fetcher.wait_idle(10)
    finally:
        fetcher.stop()
    assert fetches.batches == [[1], list(range(2, 60))]


def test_a_fetch_refused_by_another_process_is_tried_again() -> None:
    fetches = Fetches(SyncInProgress("another process is syncing"))
    fetcher = WebhookFetcher(fetch=fetches, window_s=0.01, retry_s=0.05).start()
    try:
        fetcher.add({4, 2})
        assert fetcher.wait_idle(10)
    finally:
        fetcher.stop()
    assert fetches.batches == [[2, 4], [2, 4]]


def test_an_offline_fetch_is_dropped_for_polling_and_the_fetcher_goes_on() -> None:
    fetches = Fetches(Offline("no network"))
    fetcher = WebhookFetcher(fetch=fetches, window_s=0.01).start()
    try:
        fetcher.add({1})
        assert fetcher.wait_idle(10)
        fetcher.add({2})
        assert fetcher.wait_idle(10)
    finally:
        fetcher.stop()
    assert fetches.batches == [[1], [2]]


def test_paused_it_holds_the_ids_until_resumed() -> None:
    paused = threading.Event()
    paused.set()
    fetches = Fetches()
    fetcher = WebhookFetcher(fetch=fetches, window_s=0.01, paused=paused.is_set).start()
    try:
        fetcher.add({8})
        assert not fetcher.wait_idle(0.3)  # waiting, not fetched
        assert fetches.batches == []
        paused.clear()
        assert fetcher.wait_idle(10)
    finally:
        fetcher.stop()
    assert fetches.batches == [[8]]
