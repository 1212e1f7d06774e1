"""Webhook delivery: POST each event to the matching hooks from a background thread, with retries.

The payload follows the callback schemas (``scope``, ``store_id`` as a string, ``data``, ``hash``,
``created_at``, ``producer``); ``hash`` is the SHA-1 of the payload without it, so a retried delivery
is byte-for-byte the same. A failure (no 2xx, an error, a timeout) is retried on the configured
schedule; after the last retry the hook is deactivated, as BigCommerce does after 48 hours. Only
loopback destinations are ever contacted; events for any other destination are dropped (and logged).

Strict switches (``demo/strict.py``): BigCommerce's real retry schedule, the 3-minute block of a
destination domain that fails too often, and events sent newest first; ``time_scale`` shrinks the
real schedule's seconds for tests.
"""

from __future__ import annotations

import hashlib
import heapq
import http.client
import itertools
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit

from backorder_desktop.demo.hooks import HookRegistry
from backorder_desktop.demo.hooks import is_loopback_url
from backorder_desktop.demo.strict import StrictSwitches

logger = logging.getLogger(__name__)

REAL_RETRY_S = (60.0, 180.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0, 50400.0, 86400.0)
BLOCK_WINDOW_S = 120.0  # the sliding window a domain is scored on
BLOCK_MIN_REQUESTS = 100  # no score before this many deliveries in the window
BLOCK_MIN_SUCCESS = 0.9
BLOCK_S = 180.0
OUT_OF_ORDER_S = 0.5  # events raised within this long of the first are sent newest first


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery attempt, as tests see it in ``store.webhook_log``."""

    hook_id: int
    scope: str
    attempt: int  # 0 for the first try
    status: int | None  # the receiver's status, or None when it could not be reached
    ok: bool
    at: float = field(default=0.0, compare=False)  # monotonic time of the attempt


def build_payload(scope: str, data: dict[str, Any], store_id: int, store_hash: str, created_at: int) -> bytes:
    payload: dict[str, Any] = {
        "scope": scope,
        "store_id": str(store_id),
        "data": data,
        "created_at": created_at,
        "producer": f"stores/{store_hash}",
    }
    payload["hash"] = hashlib.sha1(
        json.dumps(payload, sort_keys=True).encode(), usedforsecurity=False
    ).hexdigest()
    return json.dumps(payload).encode()


class WebhookDispatcher:
    """Queue and deliver events; ``emit`` never blocks on the network."""

    def __init__(
        self,
        registry: HookRegistry,
        *,
        store_hash: str,
        store_id: int,
        retry_s: tuple[float, ...] = (1.0, 2.0, 5.0),
        timeout_s: float = 5.0,
        strict: StrictSwitches | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self._strict = strict or StrictSwitches()
        self._scale = time_scale
        self._scores: dict[str, deque[tuple[float, bool]]] = {}  # domain -> recent (time, ok)
        self._blocked: dict[str, float] = {}  # domain -> blocked until (monotonic)
        self._bunch_due = 0.0  # when the events held to be sent out of order go
        self._registry = registry
        self._store_hash = store_hash
        self._store_id = store_id
        self.retry_s = retry_s
        self._timeout_s = timeout_s
        self._cond = threading.Condition()
        self._queue: list[
            tuple[float, int, int, str, bytes, int]
        ] = []  # due, seq, hook, scope, body, attempt
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._log: list[DeliveryRecord] = []
        self._log_lock = threading.Lock()
        # Where ``created_at`` comes from: whole seconds, so two changes to one product within a
        # second have the same payload and ``hash`` (tests stop this clock to make that certain).
        self.created_clock: Callable[[], float] = time.time

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-store-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self._timeout_s + 2)

    @property
    def log(self) -> list[DeliveryRecord]:
        with self._log_lock:
            return list(self._log)

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def emit(self, scope: str, data: dict[str, Any]) -> None:
        """Queue ``scope`` for every active hook subscribed to it."""
        hooks = self._registry.active_for(scope)
        if not hooks:
            return
        body = build_payload(scope, data, self._store_id, self._store_hash, int(self.created_clock()))
        now = time.monotonic()
        seq = next(self._seq)
        with self._cond:
            if self._strict.events_out_of_order:
                # Events raised before the first of them is due go out together, newest first.
                if now >= self._bunch_due:
                    self._bunch_due = now + OUT_OF_ORDER_S
                now, seq = self._bunch_due, -seq
            for hook in hooks:
                heapq.heappush(self._queue, (now, seq, hook.id, scope, body, 0))
            self._cond.notify_all()

    def blocked_domains(self) -> dict[str, float]:
        """Destination domains blocked now, with the seconds (scaled) left."""
        now = time.monotonic()
        with self._cond:
            return {d: until - now for d, until in self._blocked.items() if until > now}

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    if self._queue and self._queue[0][0] <= time.monotonic():
                        break
                    wait = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(wait)
                if self._stopping:
                    return
                _due, _seq, hook_id, scope, body, attempt = heapq.heappop(self._queue)
            self._deliver(hook_id, scope, body, attempt)

    def _deliver(self, hook_id: int, scope: str, body: bytes, attempt: int) -> None:
        hook = self._registry.find(hook_id)
        if hook is None or not hook.is_active:
            return
        if not is_loopback_url(hook.destination):
            logger.info(
                "webhook %s for %s dropped: the demo store only sends to loopback", scope, hook.destination
            )
            with self._log_lock:
                self._log.append(DeliveryRecord(hook_id, scope, attempt, None, False))
            return
        domain = urlsplit(hook.destination).hostname or ""
        if self._strict.webhook_domain_block:
            with self._cond:
                until = self._blocked.get(domain, 0.0)
                if until > time.monotonic():  # into the retry queue, as the same attempt
                    heapq.heappush(self._queue, (until, next(self._seq), hook_id, scope, body, attempt))
                    self._cond.notify_all()
                    return
        status = self._post(hook.destination, hook.headers or {}, body)
        ok = status is not None and 200 <= status < 300
        with self._log_lock:
            self._log.append(DeliveryRecord(hook_id, scope, attempt, status, ok, time.monotonic()))
        if self._strict.webhook_domain_block:
            self._score(domain, ok)
        if ok:
            return
        schedule = REAL_RETRY_S if self._strict.real_webhook_schedule else self.retry_s
        scale = self._scale if self._strict.real_webhook_schedule else 1.0
        if attempt < len(schedule):
            logger.info(
                "webhook %s to %s failed (%s); retry %d", scope, hook.destination, status, attempt + 1
            )
            with self._cond:
                due = time.monotonic() + schedule[attempt] * scale
                heapq.heappush(self._queue, (due, next(self._seq), hook_id, scope, body, attempt + 1))
                self._cond.notify_all()
        else:
            logger.info("webhook %d deactivated after %d failed deliveries", hook_id, attempt + 1)
            self._registry.deactivate(hook_id)

    def _score(self, domain: str, ok: bool) -> None:
        """Block ``domain`` when under 90 % of its last 2 minutes' deliveries (100 or more) succeeded."""
        now = time.monotonic()
        with self._cond:
            recent = self._scores.setdefault(domain, deque())
            recent.append((now, ok))
            while recent and recent[0][0] < now - BLOCK_WINDOW_S * self._scale:
                recent.popleft()
            if len(recent) >= BLOCK_MIN_REQUESTS and sum(o for _, o in recent) < BLOCK_MIN_SUCCESS * len(
                recent
            ):
                self._blocked[domain] = now + BLOCK_S * self._scale
                recent.clear()
                logger.info("webhook destination %s blocked: too many failed deliveries", domain)

    def _post(self, destination: str, headers: dict[str, str], body: bytes) -> int | None:
        parts = urlsplit(destination)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        conn = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=self._timeout_s)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn.request(
                "POST",
                path,
                body=body,
                headers={**headers, "Content-Type": "application/json", "User-Agent": "demo-store-webhooks"},
            )
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            logger.info("webhook delivery to %s failed: %s", destination, exc)
            return None
        finally:
            conn.close()
