"""Knowing, without sleeping, when a demo store holds a request: ``unanswered(store, monkeypatch)``."""

from __future__ import annotations

import threading

import pytest

from backorder_desktop.demo.server import DemoStore


def unanswered(store: DemoStore, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """An event set once ``store`` logs a request it sent no reply to (status 0): with a ``hang``
    fault, the request is then held by the store, so the client is really waiting on it."""
    logged = threading.Event()
    append = store.requests.append

    def logging_append(method: str, path: str, status: int) -> None:
        append(method, path, status)
        if status == 0:
            logged.set()

    monkeypatch.setattr(store.requests, "append", logging_append)
    return logged
