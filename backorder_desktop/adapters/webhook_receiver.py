"""The webhook receiver: an HTTP endpoint for BigCommerce's callbacks, behind the merchant's tunnel.

Every POST is checked and answered at once; the work happens elsewhere (notes §8.4: a slow or
failing receiver gets retries, then its hook deactivated):

* the secret header, compared in constant time (``hmac.compare_digest``): missing or wrong → 401,
  logged with the peer's address and never with what was sent;
* the body: a ``Content-Length`` or ``Transfer-Encoding: chunked`` (as some tunnels forward
  deliveries) is required (411), at most ``max_body`` bytes either way (413; a chunked body is read
  only up to the chunk that would pass the limit); both at once is refused (400), as a proxy and
  we could disagree on where the body ends;
* JSON of a callback's shape, an object with ``scope``, ``data`` and ``hash`` → else 400;
* product and SKU scopes (and location-aware inventory) give product ids; any other scope is
  answered 200 and ignored, so BigCommerce neither retries it nor counts it as a failure;
* a redelivery is answered 200 and dropped only when that is provably harmless: the same ``hash``
  and body as a delivery whose products are still waiting for their fetch (``batches_begun`` has
  not moved since). Two distinct changes can share a ``hash`` (it covers ``created_at`` in whole
  seconds and ids only), so once the fetch that followed the first may have read the store, the
  same ``hash`` again is fetched again: a duplicate fetch costs a request, a dropped change is lost.
  Without ``batches_begun`` nothing is dropped. The last ``dedupe_size`` deliveries are kept.

The ids go to ``on_products`` just before the answer; it must not block (it is the coalescing
fetcher of ``services/webhooks.py``: a set update; ``batches_begun`` is its count of batches taken).

Connections are served by one asyncio loop on one thread (``webhook-receiver``): an idle or slow
connection costs a socket and a few kilobytes, never a thread (one thread per connection made 802
threads of 800 half-open connections). A request (its line, headers and body) must arrive whole
within ``request_timeout`` of the receiver starting to wait for it, however slowly it trickles in.
At most ``max_connections`` are open, ``max_per_peer`` from one address; a connection over a cap
closes the oldest one still sending its request, the likeliest to be slow or idle, as a genuine
delivery takes milliseconds. Behind a tunnel every delivery comes from 127.0.0.1, so a cap that
refused new connections would let a flood lock the real ones out; dropping the oldest does not.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import io
import json
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from typing import Any

from backorder_desktop.domain.errors import UserFacingError

__all__ = [
    "DEDUPE_SIZE",
    "MAX_BODY",
    "MAX_CONNECTIONS",
    "MAX_PER_PEER",
    "REQUEST_TIMEOUT_S",
    "ReceiverStats",
    "WebhookReceiver",
    "product_ids",
]

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # BigCommerce's callbacks are a few hundred bytes
MAX_HEAD = 16 * 1024  # request line and headers
DEDUPE_SIZE = 10_000
REQUEST_TIMEOUT_S = 10.0  # for a whole request, from the first byte awaited to the last
MAX_CONNECTIONS = 256
MAX_PER_PEER = 128  # behind a tunnel, every connection is from 127.0.0.1
LISTEN_BACKLOG = 1024  # a burst of deliveries must not find the listen queue full
REFUSAL_LOG_EVERY_S = 60.0  # a flood of bad secrets logs one warning a minute, not one per request
_PRODUCT_SCOPE = re.compile(r"^store/(product|sku)/|^store/channel/[^/]+/inventory/product/")
_CHUNKED = -1  # the length _check_head gives for a chunked body
_HEX = re.compile(rb"[0-9A-Fa-f]{1,8}")


class _BadChunk(Exception):
    """A chunked body that does not follow the framing (size line, data, CRLF)."""


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
    connections: int = 0  # accepted from the listen queue
    timed_out: int = 0  # closed: the request did not arrive whole within request_timeout
    evicted: int = 0  # closed while still sending a request, to make room for a new connection


@dataclass(frozen=True, slots=True)
class _Head:
    line: str
    method: str
    version: str
    headers: Message


def order_ids(scope: str, data: Any) -> set[int] | None:
    """The order a ``store/order/*`` callback is about (ids only: the order is fetched); None for
    other scopes."""
    if not scope.startswith("store/order/") or not isinstance(data, dict):
        return None
    order_id = _int(data.get("id"))
    return {order_id} if order_id is not None else set()


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
        batches_begun: Callable[[], int] | None = None,
        on_orders: Callable[[set[int]], None] | None = None,
        max_body: int = MAX_BODY,
        dedupe_size: int = DEDUPE_SIZE,
        request_timeout: float = REQUEST_TIMEOUT_S,
        max_connections: int = MAX_CONNECTIONS,
        max_per_peer: int = MAX_PER_PEER,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the webhook secret must be long (32 characters or more)")
        if request_timeout <= 0 or max_connections < 1 or max_per_peer < 1:
            raise ValueError("the receiver's timeout and connection caps must be positive")
        self._address = (bind, port)
        self._secret = secret.encode()
        self.secret_header = secret_header
        self._on_products = on_products
        self._on_orders = on_orders  # store/order/* callbacks: the order ids to fetch
        self._batches_begun = batches_begun
        self._max_body = max_body
        self._dedupe_size = dedupe_size
        self._request_timeout = request_timeout
        self._max_connections = max_connections
        self._max_per_peer = max_per_peer
        # (hash, digest of the body) -> batches begun when its products were handed off
        self._seen: OrderedDict[tuple[str, bytes], int] = OrderedDict()
        self._lock = threading.Condition()
        self._counts = dict.fromkeys(ReceiverStats.__slots__, 0)
        self._refused_since_log = 0
        self._last_refusal_log = -REFUSAL_LOG_EVERY_S
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop_loop: Callable[[], object] | None = None
        # The loop thread's own: the open connections (and how many by peer), and those still
        # sending a request, oldest first: the ones a new connection over a cap closes.
        self._open: dict[asyncio.StreamWriter, str] = {}
        self._per_peer: Counter[str] = Counter()
        self._sending: OrderedDict[asyncio.StreamWriter, str] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        bind, port = self._address
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        try:
            self._sock = socket.create_server((bind, port), family=family, backlog=LISTEN_BACKLOG)
        except OSError as exc:
            raise UserFacingError(
                f"Cannot listen on {bind}:{port} ({exc.strerror or exc}). Another program may use that "
                "port: choose another port for webhooks.",
                title="Webhook receiver not started",
            ) from None
        ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(self._sock, ready),), name="webhook-receiver", daemon=True
        )
        self._thread.start()
        ready.wait()  # set once the loop serves, or failed to
        if self._stop_loop is None:
            raise RuntimeError("the webhook receiver's loop did not start")
        logger.info("webhook receiver listening on %s", self.url)
        return self

    def stop(self) -> None:
        stop_loop, self._stop_loop = self._stop_loop, None
        if stop_loop is not None:
            stop_loop()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._sock is not None:
            self._sock.close()  # the loop closed it already, unless it never started
            self._sock = None
            logger.info("webhook receiver stopped")

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("the receiver is not started")
        return int(self._sock.getsockname()[1])

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

    # --- connections (on the loop's thread) --------------------------------------------------

    async def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        loop, stopping = asyncio.get_running_loop(), asyncio.Event()
        try:
            server = await asyncio.start_server(
                self._connection, sock=sock, limit=MAX_HEAD, backlog=LISTEN_BACKLOG
            )
            self._stop_loop = lambda: loop.call_soon_threadsafe(stopping.set)
        finally:
            ready.set()
        async with server:
            await stopping.wait()
            server.close()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = str(peername[0]) if peername else "?"
        self._count("connections")
        if not self._admit(peer):
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._open[writer] = peer
        self._per_peer[peer] += 1
        try:
            while True:
                self._sending[writer] = peer  # the newest: the last a cap would close
                try:
                    async with asyncio.timeout(self._request_timeout):
                        if not await self._exchange(reader, writer, peer):
                            break
                except TimeoutError:
                    logger.debug("webhook connection from %s closed: its request took too long", peer)
                    self._count("timed_out")
                    break
                except (asyncio.IncompleteReadError, OSError):
                    break  # closed by the peer, or by a cap
        finally:
            self._release(writer)
            self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.transport.abort()

    def _admit(self, peer: str) -> bool:
        """Room for a connection from ``peer``, closing the oldest still sending when at a cap."""
        if self._per_peer[peer] >= self._max_per_peer and not self._evict(peer):
            return False
        return len(self._open) < self._max_connections or self._evict(None)

    def _evict(self, peer: str | None) -> bool:
        for writer, sender in self._sending.items():
            if peer is None or sender == peer:
                self._release(writer)
                writer.transport.abort()
                self._count("evicted")
                logger.debug("webhook connection from %s closed to make room: request unfinished", sender)
                return True
        return False

    def _release(self, writer: asyncio.StreamWriter) -> None:
        self._sending.pop(writer, None)
        peer = self._open.pop(writer, None)
        if peer is not None:
            self._per_peer[peer] -= 1
            if not self._per_peer[peer]:
                del self._per_peer[peer]

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str) -> bool:
        """One request and its answer; True when the connection stays open for another."""
        try:
            head = _parse_head(await reader.readuntil(b"\r\n\r\n"))
        except asyncio.LimitOverrunError:
            head = None
        if head is None:
            status = self._count("malformed", 400)
        elif head.method != "POST":
            status = 405
        else:
            status, length = self._check_head(head.headers, peer)
            if not status:
                if head.headers.get("Expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await self._read_body(reader, length)
                if body is None:
                    status = self._count("too_large", 413)
                else:
                    status = self._deliver(body)
        self._sending.pop(writer, None)
        keep = head is not None and status < 400 and _keeps_alive(head)
        logger.debug("webhook %s %r %d", peer, head.line if head else "?", status)
        answer = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Server: backorder-desktop"]
        answer += ["Content-Length: 0", *([] if keep else ["Connection: close"]), "", ""]
        writer.write("\r\n".join(answer).encode())
        await writer.drain()
        if not keep:
            writer.close()  # after the answer is sent; the body of a refusal may be unread
        return keep

    # --- one delivery ---------------------------------------------------------------------------

    def _check_head(self, headers: Message, peer: str) -> tuple[int, int]:
        """The status to answer at once (0: none yet) and the body's length to read (``_CHUNKED``)."""
        given = headers.get(self.secret_header) or ""
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret):
            self._refused(peer, "missing" if not given else "wrong")
            return 401, 0
        coding = headers.get("Transfer-Encoding")
        if coding is not None:
            if coding.strip().lower() != "chunked" or headers.get("Content-Length") is not None:
                return self._count("malformed", 400), 0
            return 0, _CHUNKED
        try:
            length = int(headers.get("Content-Length") or "")
        except ValueError:
            return self._count("malformed", 411), 0
        if length < 0:
            return self._count("malformed", 400), 0
        if length > self._max_body:
            return self._count("too_large", 413), 0
        return 0, length

    async def _read_body(self, reader: asyncio.StreamReader, length: int) -> bytes | None:
        """The body (None: longer than ``max_body``; a chunked one is then left unread)."""
        if length != _CHUNKED:
            return await reader.readexactly(length)
        body = bytearray()
        try:
            while True:
                size_text = (await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip()
                if not _HEX.fullmatch(size_text):
                    raise _BadChunk
                size = int(size_text, 16)
                if size == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass  # trailer fields: none that we use
                    return bytes(body)
                if len(body) + size > self._max_body:
                    return None
                body += await reader.readexactly(size)
                if await reader.readexactly(2) != b"\r\n":
                    raise _BadChunk
        except (_BadChunk, asyncio.LimitOverrunError):
            return b""  # not JSON: answered 400 as malformed

    def _deliver(self, body: bytes) -> int:
        """Check one delivery and hand its products off; the status to answer."""
        status, ids = self._check_body(body)
        if ids:
            self.hand_off(ids)  # a set update: the answer is not held up
        return status

    def _check_body(self, body: bytes) -> tuple[int, set[int]]:
        """The status to answer and the product ids to fetch."""
        payload = _payload(body)
        if payload is None:
            return self._count("malformed", 400), set()
        scope, data, digest = payload
        orders = order_ids(scope, data) if self._on_orders is not None else None
        if orders is not None:
            # Fetching an order twice counts it once (by its lines' state): no dedupe needed.
            if orders:
                self._on_orders(orders)  # type: ignore[misc]  # not None: checked above
            return self._count("accepted", 200), set()
        ids = product_ids(scope, data)
        if ids is None:
            logger.debug("webhook for %s ignored (not a product or SKU event)", scope)
            return self._count("ignored", 200), set()
        key = (digest, hashlib.blake2b(body, digest_size=16).digest())
        # Read before the hand-off: a batch taken in between only makes a later copy look new.
        begun = self._batches_begun() if self._batches_begun is not None else None
        with self._lock:
            if begun is not None and self._seen.get(key) == begun:
                self._counts["duplicates"] += 1  # its products still wait for the same fetch
                return 200, set()
            if begun is not None:
                self._seen[key] = begun
                self._seen.move_to_end(key)
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

    def _count(self, name: str, status: int = 0) -> int:
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


def _parse_head(head: bytes) -> _Head | None:
    """The request line and headers, up to and with the blank line; None when they are not HTTP/1.x."""
    line, _, rest = head.partition(b"\r\n")
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
        return None
    try:
        headers = http.client.parse_headers(io.BytesIO(rest))
    except http.client.HTTPException:
        return None
    return _Head(line.decode("latin-1"), parts[0], parts[2], headers)


def _keeps_alive(head: _Head) -> bool:
    return head.version == "HTTP/1.1" and "close" not in head.headers.get("Connection", "").lower()


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
