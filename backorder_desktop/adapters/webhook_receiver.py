"""The webhook receiver: an HTTP endpoint for BigCommerce's callbacks, behind the merchant's tunnel.

Every POST is checked and answered at once; the work happens elsewhere (notes §8.4: a slow or
failing receiver gets retries, then its hook deactivated):

* the secret header, compared in constant time (``hmac.compare_digest``): missing or wrong → 401,
  logged with the peer's address and never with what was sent;
* the body: a ``Content-Length`` is required (411), at most ``max_body`` bytes (413, unread);
* JSON of a callback's shape, an object with ``scope``, ``data`` and ``hash`` → else 400;
* product and SKU scopes (and location-aware inventory) give product ids; any other scope is
  answered 200 and ignored, so BigCommerce neither retries it nor counts it as a failure;
* a ``hash`` seen before (a redelivery) → 200, ignored; the last ``dedupe_size`` hashes are kept.

The ids go to ``on_products`` just before the answer; it must not block (it is the coalescing
fetcher of ``services/webhooks.py``: a set update). One thread per connection
(``ThreadingHTTPServer``) and a deep listen queue keep the receiver answering during a burst.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

from backorder_desktop.domain.errors import UserFacingError

__all__ = ["DEDUPE_SIZE", "MAX_BODY", "ReceiverStats", "WebhookReceiver", "product_ids"]

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # BigCommerce's callbacks are a few hundred bytes
DEDUPE_SIZE = 10_000
REFUSAL_LOG_EVERY_S = 60.0  # a flood of bad secrets logs one warning a minute, not one per request
_PRODUCT_SCOPE = re.compile(r"^store/(product|sku)/|^store/channel/[^/]+/inventory/product/")


def _int(value: Any) -> int | None:
    return value if type(value) is int and value > 0 else None


def product_ids(scope: str, data: Any) -> set[int] | None:
    """The product ids a callback is about; None when its scope is not one we use."""
    if not _PRODUCT_SCOPE.match(scope) or not isinstance(data, dict):
        return None
    found: set[int] = set()
    for part in (data.get("sku"), data.get("inventory"), data):
        if isinstance(part, dict) and (pid := _int(part.get("product_id"))) is not None:
            found.add(pid)
    if data.get("type") == "product" and (pid := _int(data.get("id"))) is not None:
        found.add(pid)
    return found


@dataclass(frozen=True, slots=True)
class ReceiverStats:
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    unauthorized: int = 0
    too_large: int = 0
    malformed: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # a burst of deliveries must not find the listen queue full

    def __init__(self, address: tuple[str, int], receiver: WebhookReceiver) -> None:
        self.receiver = receiver
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10  # seconds a client may take to send its request
    server_version = "backorder-desktop"
    sys_version = ""

    def do_POST(self) -> None:
        receiver = self.server.receiver
        status, ids = receiver.handle(self)
        if ids:
            receiver.hand_off(ids)  # a set update: the answer is not held up
        self._answer(status)

    def do_GET(self) -> None:
        self._answer(405)

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _answer(self, status: int) -> None:
        if status >= 400:
            self.close_connection = True  # the body may be unread
        self.send_response(status)
        self.send_header("Content-Length", "0")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("webhook %s %s", self.address_string(), format % args)


class WebhookReceiver:
    """Listens on ``bind:port`` (``port=0``: any free port) until ``stop``."""

    def __init__(
        self,
        *,
        bind: str,
        port: int,
        secret: str,
        secret_header: str,
        on_products: Callable[[set[int]], None],
        max_body: int = MAX_BODY,
        dedupe_size: int = DEDUPE_SIZE,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the webhook secret must be long (32 characters or more)")
        self._address = (bind, port)
        self._secret = secret.encode()
        self.secret_header = secret_header
        self._on_products = on_products
        self._max_body = max_body
        self._dedupe_size = dedupe_size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Condition()
        self._counts = dict.fromkeys(ReceiverStats.__slots__, 0)
        self._refused_since_log = 0
        self._last_refusal_log = -REFUSAL_LOG_EVERY_S
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        try:
            self._server = _Server(self._address, self)
        except OSError as exc:
            bind, port = self._address
            raise UserFacingError(
                f"Cannot listen on {bind}:{port} ({exc.strerror or exc}). Another program may use that "
                "port: choose another with `backorder-desktop settings set webhook-port N`.",
                title="Webhook receiver not started",
            ) from None
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="webhook-receiver",
            daemon=True,
        )
        self._thread.start()
        logger.info("webhook receiver listening on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            logger.info("webhook receiver stopped")
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._address[0]}:{self.port}/"

    def stats(self) -> ReceiverStats:
        with self._lock:
            return ReceiverStats(**self._counts)

    def wait_until(self, condition: Callable[[ReceiverStats], bool], timeout: float) -> bool:
        """Until the counts meet ``condition`` (tests, and a clean stop after a burst)."""
        with self._lock:
            return self._lock.wait_for(lambda: condition(ReceiverStats(**self._counts)), timeout)

    # --- one delivery (on the connection's thread) -------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> tuple[int, set[int]]:
        """Check one POST; returns the status to answer and the product ids to fetch."""
        given = request.headers.get(self.secret_header) or ""
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret):
            self._refused(request.client_address[0], "missing" if not given else "wrong")
            return 401, set()
        try:
            length = int(request.headers.get("Content-Length") or "")
        except ValueError:
            return self._count("malformed", 411), set()
        if length < 0:
            return self._count("malformed", 400), set()
        if length > self._max_body:
            return self._count("too_large", 413), set()
        body = request.rfile.read(length)
        payload = _payload(body) if len(body) == length else None
        if payload is None:
            return self._count("malformed", 400), set()
        scope, data, digest = payload
        ids = product_ids(scope, data)
        if ids is None:
            logger.debug("webhook for %s ignored (not a product or SKU event)", scope)
            return self._count("ignored", 200), set()
        with self._lock:
            if digest in self._seen:
                self._counts["duplicates"] += 1
                return 200, set()
            self._seen[digest] = None
            if len(self._seen) > self._dedupe_size:
                self._seen.popitem(last=False)
            self._counts["accepted"] += 1
            self._lock.notify_all()
        return 200, ids

    def hand_off(self, ids: set[int]) -> None:
        try:
            self._on_products(ids)
        except Exception:
            logger.exception("the webhook's products could not be queued")

    def _count(self, name: str, status: int) -> int:
        with self._lock:
            self._counts[name] += 1
            self._lock.notify_all()
        return status

    def _refused(self, peer: str, how: str) -> None:
        """Log a refused delivery: never the header's value; at most one warning a minute."""
        now = time.monotonic()
        with self._lock:
            self._counts["unauthorized"] += 1
            self._refused_since_log += 1
            due = now - self._last_refusal_log >= REFUSAL_LOG_EVERY_S
            if due:
                count, self._refused_since_log, self._last_refusal_log = self._refused_since_log, 0, now
        if due:
            logger.warning(
                "webhook delivery from %s refused: %s secret header (%d refused since the last report)",
                peer,
                how,
                count,
            )
        else:
            logger.debug("webhook delivery from %s refused: %s secret header", peer, how)


def _payload(body: bytes) -> tuple[str, Any, str] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    scope, digest = data.get("scope"), data.get("hash")
    if not isinstance(scope, str) or not isinstance(digest, str) or not digest or "data" not in data:
        return None
    return scope, data["data"], digest
