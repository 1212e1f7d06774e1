"""The ERP's stock feed over HTTP(S): the ``StockFeed`` port (``api`` mode).

:class:`HttpStockFeed` GETs the feed with explicit timeouts and the app's user agent (from
``adapters/http.py``), sends the optional credential, streams the body up to a size limit, and hands
the bytes to :func:`~backorder_desktop.domain.feed_parsing.parse_feed`. Every failure becomes a
``FeedError`` saying what to do; the previous stock values stay.

The credential: ``user:password`` (it contains a colon) is sent as HTTP Basic, anything else as
``Authorization: Bearer <credential>``. It is never part of a message or a log line written here
(the log's redaction also masks ``Authorization`` headers), and the address shown in messages
has no user, password or query string (a feed key is often passed as ``?token=``).

Redirects are followed (feeds are often moved to https or to a file store); httpx drops the
``Authorization`` header when a redirect leaves the feed's host.

A download has an overall deadline besides the timeout of each read: a server that sends a byte
now and then would otherwise hold a pull for ever. httpx has no total timeout, so a timer shuts
the connection's socket down when the deadline passes (the socket is known from httpcore's
``trace`` extension as soon as it is connected); the blocked read then ends at once.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import httpx

from backorder_desktop.adapters.http import Timeouts
from backorder_desktop.adapters.http import make_http_client
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.feed_parsing import parse_feed
from backorder_desktop.domain.ports import FeedReport
from backorder_desktop.domain.settings import is_web_address

__all__ = ["DEFAULT_DEADLINE_S", "DEFAULT_MAX_BYTES", "FEED_TIMEOUTS", "HttpStockFeed", "shown_url"]

logger = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MB
# A feed is one file, maybe generated on request by the ERP: a short connect, a patient read.
FEED_TIMEOUTS = Timeouts(connect=10.0, read=120.0, write=30.0, pool=30.0)
# The whole download, headers to last byte: a stock feed is a few MB; 50 MB at 3 Mbit/s fits.
DEFAULT_DEADLINE_S = 180.0
_ACCEPT = "text/csv, application/json;q=0.9, text/plain;q=0.8, */*;q=0.5"


def shown_url(url: str) -> str:
    """``url`` as messages and logs show it: without user, password, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
    except ValueError:
        return "(an address that cannot be read)"
    if ":" in host.rsplit(":", 1)[0]:  # an IPv6 literal
        host = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _auth_headers(credential: str | None) -> tuple[httpx.Auth | None, dict[str, str]]:
    if not credential:
        return None, {}
    if ":" in credential:
        user, password = credential.split(":", 1)
        return httpx.BasicAuth(user, password), {}
    return None, {"Authorization": f"Bearer {credential}"}


class HttpStockFeed:
    """Fetches and parses the ERP's stock feed. One instance can fetch many times (not at once)."""

    def __init__(
        self,
        *,
        timeouts: Timeouts | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        deadline_s: float = DEFAULT_DEADLINE_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        if not deadline_s > 0:
            raise ValueError("deadline_s must be a positive number of seconds")
        self.max_bytes = max_bytes
        self.deadline_s = deadline_s
        self._timeouts = timeouts or FEED_TIMEOUTS
        self._transport = transport

    def fetch(
        self, url: str, *, credential: str | None, format: str, sku_field: str, quantity_field: str
    ) -> FeedReport:
        """GET the feed at ``url`` and parse it; ``FeedError`` when it cannot be used as a whole."""
        body, content_type = self.download(url, credential=credential)
        report = parse_feed(
            body, format=format, sku_field=sku_field, quantity_field=quantity_field, content_type=content_type
        )
        logger.info(
            "Feed %s: %d rows, %d usable, %d with problems",
            shown_url(url),
            report.total_rows,
            len(report.rows),
            len(report.problems),
        )
        return report

    def download(self, url: str, *, credential: str | None) -> tuple[bytes, str | None]:
        """The feed's bytes and content type, or ``FeedError``."""
        where = shown_url(url)
        if not is_web_address(url):
            raise FeedError(
                f"The feed address “{where}” is not an http(s) address. Give the full URL, e.g. "
                "https://erp.example.com/stock.csv.",
                remedy=Remedy.SET_FEED_URL,
            )
        if credential is not None and (
            credential != credential.strip()
            or not credential.isprintable()
            or (":" not in credential and not credential.isascii())  # a header value is ASCII
        ):
            raise FeedError(
                "The feed's password or key has spaces or line breaks around it, or characters that "
                "cannot be sent. Enter it again.",
                remedy=Remedy.SET_FEED_CREDENTIAL,
            )
        started = time.monotonic()
        deadline = _Deadline(self.deadline_s)
        try:
            body, content_type = self._get(url, where, credential, deadline)
            if deadline.passed():  # a body that ends with its connection: cut short, not complete
                raise _too_slow(where, self.deadline_s)
        except FeedError:
            if deadline.passed():
                raise _too_slow(where, self.deadline_s) from None
            raise
        finally:
            deadline.cancel()
        logger.info("Feed %s: %d bytes in %.1f s", where, len(body), time.monotonic() - started)
        return body, content_type

    def _get(
        self, url: str, where: str, credential: str | None, deadline: _Deadline
    ) -> tuple[bytes, str | None]:
        auth, headers = _auth_headers(credential)
        try:
            with make_http_client(
                base_url="",
                timeouts=self._timeouts,
                transport=self._transport,
                max_connections=1,
                extra_headers={"Accept": _ACCEPT, **headers},
            ) as http:
                request = http.build_request("GET", url, extensions={"trace": deadline.trace})
                response = http.send(request, auth=auth, stream=True, follow_redirects=True)
                try:
                    self._check_status(response, where, credential)
                    body = self._read_limited(response, where, deadline)
                    content_type = response.headers.get("content-type")
                finally:
                    response.close()
        except httpx.TimeoutException:
            raise _unreachable(where, "no answer in time") from None
        except httpx.TooManyRedirects:
            raise FeedError(
                f"The feed at {where} redirects too many times. Check the address.",
                remedy=Remedy.SET_FEED_URL,
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise FeedError(
                f"The feed address “{where}” is not a valid http(s) address. Check it.",
                remedy=Remedy.SET_FEED_URL,
            ) from None
        except httpx.TransportError as exc:
            raise _unreachable(where, _reason(exc)) from None
        return body, content_type

    def _check_status(self, response: httpx.Response, where: str, credential: str | None) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if status in (401, 403):
            if credential:
                raise FeedError(
                    f"The feed at {where} refused the credential (HTTP {status}). Check the feed's "
                    "password or key; nothing was changed.",
                    remedy=Remedy.SET_FEED_CREDENTIAL,
                )
            raise FeedError(
                f"The feed at {where} refused the request (HTTP {status}): it needs a credential. "
                "Give the feed's password or key; nothing was changed.",
                remedy=Remedy.SET_FEED_CREDENTIAL,
            )
        phrase = response.reason_phrase or "error"
        advice, remedy = "Check the address and the credential.", Remedy.SET_FEED_URL
        if status == 404:
            advice = "Check the address."
        elif status >= 500:
            advice, remedy = "The feed's server had a problem.", Remedy.RETRY_LATER
        raise FeedError(
            f"The feed at {where} answered HTTP {status} ({phrase}). {advice} Nothing was changed.",
            remedy=remedy,
        )

    def _read_limited(self, response: httpx.Response, where: str, deadline: _Deadline) -> bytes:
        limit = self.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(where, limit)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _too_large(where, limit)
                if deadline.passed():
                    raise _too_slow(where, self.deadline_s)
                chunks.append(chunk)
        except httpx.DecodingError:
            raise FeedError(
                f"The feed at {where} sent a body that cannot be decoded (bad compression). "
                "Nothing was changed."
            ) from None
        except httpx.RemoteProtocolError:
            raise FeedError(
                f"The feed at {where} broke off before its end; nothing was changed.",
                remedy=Remedy.RETRY_LATER,
            ) from None
        return b"".join(chunks)


class _Deadline:
    """The overall deadline of one download: when it passes, the connections it made are shut
    down, which ends a read that is waiting on them."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.name = "feed-deadline"
        self._timer.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: note each connection's socket as it is made."""
        if not event.endswith(("connect_tcp.complete", "start_tls.complete")):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                expired = self._expired
            if expired:
                _shut(sock)

    def passed(self) -> bool:
        return self._expired or time.monotonic() >= self._end

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Shut a socket down (not close it: its owner does), so that a blocked read returns. The
    plain socket method, also for TLS: ``SSLSocket.shutdown`` would unwrap it under the reader."""
    with contextlib.suppress(OSError):  # already closed: the download ended meanwhile
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _too_slow(where: str, seconds: float) -> FeedError:
    return FeedError(
        f"The feed at {where} did not finish downloading within {seconds:g} seconds, so it was "
        "stopped. Check that the feed's server answers normally. Nothing was changed.",
        remedy=Remedy.RETRY_LATER,
    )


def _too_large(where: str, limit: int) -> FeedError:
    size = f"{limit // MB} MB" if limit % MB == 0 else f"{limit:,} bytes"
    return FeedError(
        f"The feed at {where} is larger than {size}; it was not read. Check that the address is the "
        "stock feed (not a full catalog export). Nothing was changed.",
        remedy=Remedy.SET_FEED_URL,
    )


def _unreachable(where: str, why: str) -> FeedError:
    return FeedError(
        f"Could not reach the feed at {where}: {why}. Check the address or your connection; "
        "nothing was changed.",
        remedy=Remedy.RETRY_LATER,
    )


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError):
        if any(
            s in text for s in ("name or service", "nodename", "getaddrinfo", "resolve", "name resolution")
        ):
            return "the address could not be resolved"
        if "refused" in text:
            return "connection refused"
        if "certificate" in text or "ssl" in text:
            return "its certificate is not trusted"
        return "could not connect"
    if isinstance(exc, httpx.ProxyError):
        return "the proxy refused the connection"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was closed without an answer"
    return "the connection broke"
