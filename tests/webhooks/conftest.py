"""Webhook test kit: a receiver on loopback that records what it hands off, deliveries as
BigCommerce sends them (``hash`` = SHA-1 of the payload), and a profile wired to a demo store with
webhooks set up (receiver, coalescing fetcher, scheduler: ``app.start_background``)."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit

import pytest

from backorder_desktop.adapters.webhook_receiver import WebhookReceiver
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.webhooks import SECRET_HEADER
from tests.integration.support import connect_context

SECRET = "s3cr3t-" + "x" * 40


def delivery(scope: str, data: dict[str, Any], *, created_at: int | None = None) -> bytes:
    """A callback body as BigCommerce (and the demo store) sends it."""
    payload: dict[str, Any] = {
        "scope": scope,
        "store_id": "1025646",
        "data": data,
        "created_at": created_at if created_at is not None else int(time.time()),
        "producer": "stores/demo",
    }
    payload["hash"] = hashlib.sha1(
        json.dumps(payload, sort_keys=True).encode(), usedforsecurity=False
    ).hexdigest()
    return json.dumps(payload).encode()


def product_updated(product_id: int, **extra: Any) -> bytes:
    return delivery("store/product/updated", {"type": "product", "id": product_id}, **extra)


def post(
    url: str, body: bytes, headers: dict[str, str] | None = None, *, source: str | None = None
) -> tuple[int, float]:
    """POST ``body`` (from the loopback address ``source``); returns (status, seconds until the answer)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1",
        parts.port,
        timeout=10,
        source_address=(source, 0) if source else None,
    )
    started = time.perf_counter()
    try:
        conn.request(
            "POST",
            parts.path or "/",
            body=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Recorder:
    """What the receiver handed off, in order; ``begin_fetch`` plays the fetcher taking a batch."""

    batches: list[set[int]] = field(default_factory=list)
    begun: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, ids: set[int]) -> None:
        with self.lock:
            self.batches.append(set(ids))

    def begin_fetch(self) -> None:
        with self.lock:
            self.begun += 1

    def batches_begun(self) -> int:
        with self.lock:
            return self.begun


ReceiverFactory = Callable[..., tuple[WebhookReceiver, Recorder]]


@pytest.fixture
def receiver_factory() -> Iterator[ReceiverFactory]:
    """Starts receivers on loopback with the given limits (``request_timeout``, caps...)."""
    started: list[WebhookReceiver] = []

    def start(**limits: Any) -> tuple[WebhookReceiver, Recorder]:
        recorder = Recorder()
        receiver = WebhookReceiver(
            bind="127.0.0.1",
            port=0,
            secret=SECRET,
            secret_header=SECRET_HEADER,
            on_products=recorder,
            **{"batches_begun": recorder.batches_begun, **limits},
        )
        started.append(receiver.start())
        return receiver, recorder

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(receiver_factory: ReceiverFactory) -> tuple[WebhookReceiver, Recorder]:
    return receiver_factory()


@dataclass
class Hooked:
    """A profile connected to a demo store with webhooks registered and the background started."""

    context: Profile
    store: DemoStore
    finished: list[SyncRun] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def on_run(self, run: SyncRun) -> None:
        with self.changed:
            self.finished.append(run)
            self.changed.notify_all()

    def wait_for(self, test: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Until ``test()`` holds, re-checked each time a run finishes (no sleeping)."""
        with self.changed:
            return self.changed.wait_for(test, timeout)

    def webhook_runs(self) -> list[SyncRun]:
        with self.changed:
            return [r for r in self.finished if r.trigger == "webhook"]


@pytest.fixture
def hooked(home: str, demo_store: DemoStore) -> Iterator[Hooked]:
    context = connect_context(home, demo_store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    port = free_port()
    context.parts.catalog.set_setting("webhook-port", str(port))
    context.parts.catalog.set_setting("webhook-public-url", f"http://127.0.0.1:{port}/")
    kit = Hooked(context, demo_store)
    context.parts.events.subscribe("run_finished", kit.on_run)
    report = context.parts.webhooks.setup()  # type: ignore[union-attr]
    assert report.created == 3 and report.healthy  # products, SKUs, orders
    context.start_background()
    assert context.parts.receiver is not None
    yield kit
    context.close()
