"""HTTP/1.1 handling: auth, quota, faults, routing and writing replies (or deliberately not writing them).

Every reply carries the ``X-Rate-Limit-*`` headers. The order of checks follows the gateway: route
under ``/stores/``, token (401), store hash (403), quota (429), injected faults, then the endpoint
(404/405), the token's scope (403) and only then the body (400/415/422), so that a read-only token
probing with an empty batch gets its 403. A handler's exception becomes a logged 500 JSON reply.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

from backorder_desktop.demo import feeds
from backorder_desktop.demo import router
from backorder_desktop.demo.context import Reply
from backorder_desktop.demo.context import Request
from backorder_desktop.demo.context import StoreContext
from backorder_desktop.demo.context import error_reply
from backorder_desktop.demo.errors import JSON
from backorder_desktop.demo.errors import PROBLEM_JSON
from backorder_desktop.demo.errors import STATUS_DOCS
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.params import Query
from backorder_desktop.demo.ratelimit import QuotaState

logger = logging.getLogger(__name__)

MAX_BODY = 32 * 1024 * 1024
_ACCEPTABLE = ("*/*", "application/*", "application/json", "application/problem+json")
_EARLY_FAULTS = {
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "504": (504, "Gateway Timeout"),
    "429_bare": (429, "Too Many Requests"),
    "503": (503, "Service Unavailable: the store is down for maintenance"),
    "401": (401, "The v3 Auth client ID or token was not found or is not a valid combination"),
}


class DemoHTTPServer(ThreadingHTTPServer):
    """A threading server that knows its store and can close every open connection on stop."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], ctx: StoreContext) -> None:
        self.ctx = ctx
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, DemoRequestHandler)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._open_lock:
            if add:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_connections(self) -> None:
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _NoReply(Exception):
    """The request is answered by a fault that sends nothing (``hang``)."""


class DemoRequestHandler(BaseHTTPRequestHandler):
    """One connection; requests on it are handled one after the other (keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "DemoBigCommerce/1.0"
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: DemoHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms per reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, 414, 431, unknown method) as JSON, then close."""
        self.close_connection = True
        title = message or HTTPStatus(code).phrase
        body = json.dumps({"status": int(code), "title": title, "type": STATUS_DOCS}).encode()
        self.send_response(code, message)
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", "") != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    # --- the request ------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            raise ApiError("The Content-Length header is not a number", status=400) from None
        if length < 0:
            raise ApiError("The Content-Length header is negative", status=400)
        if length > MAX_BODY:
            raise ApiError("The request payload is too large", status=413)
        return self.rfile.read(length)

    def _handle(self) -> None:
        ctx = self.server.ctx
        method = self.command
        self._shown_path = self.path  # as received (percent-encoded); fault rules also match it decoded
        self._quota: QuotaState = ctx.rate.peek()
        self._fault: str | None = None  # set by _process; late faults apply to error replies too
        try:
            body = self._read_body()
            if ctx.faults.latency_ms > 0:
                ctx.stopping.wait(ctx.faults.latency_ms / 1000)
            reply = self._process(ctx, method, body)
        except _NoReply:
            self._hang(ctx)
            return
        except ApiError as exc:
            reply = error_reply(exc)
            if ctx.strict.v2_error_list and f"/stores/{ctx.store_hash}/v2/" in self.path:
                entry: dict[str, Any] = {"status": exc.status, "message": exc.title}
                details = getattr(exc, "details", None)  # e.g. an order's OutOfStock items (notes §6.1)
                if details is not None:
                    entry["details"] = details
                reply.body = json.dumps([entry]).encode()
                reply.content_type = JSON
        except Exception:
            logger.exception("demo store: %s %s failed", method, self._shown_path)
            reply = error_reply(ApiError("Internal Server Error", status=500))
        fault = self._fault
        if fault == "lose_reply":
            logger.info("fault: %s %s applied, reply lost", method, self._shown_path)
            ctx.requests.append(method, self._shown_path, 0)
            self._drop_connection()
            return
        ctx.requests.append(method, self._shown_path, reply.status)
        self._write(reply, fault)

    def _process(self, ctx: StoreContext, method: str, body: bytes) -> Reply:
        split = urlsplit(self.path)
        path = unquote(split.path)
        if path.startswith(feeds.FEED_PREFIX):  # the sample ERP feed: no token, no quota, no faults
            return feeds.serve_feed(ctx, method, path)
        if not path.startswith("/stores/"):
            raise ApiError("The route was not found", status=404)
        credentials = ctx.tokens.get(self.headers.get("X-Auth-Token"))
        if credentials is None:
            raise ApiError(_EARLY_FAULTS["401"][1], status=401)
        prefix = f"/stores/{ctx.store_hash}/"
        if not path.startswith(prefix):
            raise ApiError("This token has no access to that store (wrong store hash)", status=403)
        self._quota = ctx.rate.try_take()
        if not self._quota.allowed:
            raise ApiError("Too many requests: the store's API quota for this window is used up", status=429)
        fault = self._fault = ctx.faults.pick(method, self._shown_path)
        if fault == "hang":
            logger.info("fault: %s %s will never be answered", method, self._shown_path)
            ctx.requests.append(method, self._shown_path, 0)
            raise _NoReply
        if fault in _EARLY_FAULTS:
            logger.info("fault: %s %s answered with %s", method, self._shown_path, fault)
            status, title = _EARLY_FAULTS[fault]
            self._fault = "bare" if fault == "429_bare" else None
            raise ApiError(title, status=status)
        accept = self.headers.get("Accept")
        if accept and not any(t.split(";")[0].strip() in _ACCEPTABLE for t in accept.split(",")):
            raise ApiError(f"The Accept type {accept} cannot be served; accept application/json", status=406)
        found = router.find(path[len(prefix) :].strip("/"))
        if found is None:
            raise ApiError("The route was not found", status=404)
        route, params = found
        lookup = "GET" if method == "HEAD" else method
        handler = route.methods.get(lookup)
        if handler is None:
            allow = ", ".join(sorted(route.methods))
            raise ApiError(
                f"The method {method} is not allowed here; use {allow}",
                status=405,
                extra={
                    "status": 405,
                    "title": "Method Not Allowed",
                    "type": STATUS_DOCS,
                    "detail": f"{method} is not allowed; allowed: {allow}",
                },
                headers={"Allow": allow},
            )
        if not router.allowed(credentials.scopes, route.resource, lookup):
            raise ApiError("You don't have a required scope to access the endpoint", status=403, errors={})
        request = Request(
            lookup, path[len(prefix) :], self._shown_path, Query(split.query), self.headers, body, credentials
        )
        request.problem = route.problem
        try:
            reply = handler(ctx, request, params)
        except ApiError as exc:
            if route.problem:
                exc.content_type = PROBLEM_JSON
            raise
        return reply

    # --- writing (or not) -------------------------------------------------------------------

    def _write(self, reply: Reply, fault: str | None) -> None:
        body = reply.body
        if fault == "malformed" and reply.status != 204:
            logger.info("fault: %s %s answered with malformed JSON", self.command, self._shown_path)
            body = body[: len(body) // 2] + b"\n<html><body>upstream error</body></html>"
        declared = len(body)
        if fault == "truncate":
            logger.info("fault: %s %s answered with a cut-off body", self.command, self._shown_path)
            declared = max(declared, 64)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        if reply.status != 204:
            self.send_header("Content-Length", str(declared))
        quota = {} if fault == "bare" else self._quota.headers()
        for name, value in (*quota.items(), *reply.headers.items()):
            self.send_header(name, value)
        if fault == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD" or reply.status == 204:
            return
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self._drop_connection()
            return
        self.wfile.write(body)

    def _drop_connection(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _hang(self, ctx: StoreContext) -> None:
        """Hold the connection without answering until the store stops or the client goes away."""
        conn = self.connection
        while not ctx.stopping.wait(0.05):
            readable, _, _ = select.select([conn], [], [], 0)
            if readable:
                try:
                    if not conn.recv(1, socket.MSG_PEEK):
                        break
                except OSError:
                    break
        self._drop_connection()
