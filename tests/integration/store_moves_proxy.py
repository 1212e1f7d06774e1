"""A loopback proxy in front of the demo store that lets a test act at one exact moment of a push.

Every request is forwarded to the real demo store over HTTP and its reply passed back unchanged.
Before forwarding, ``before(method, path)`` runs: a test makes a sale in the store there (an
order landing between the push's re-read and its write), or returns ``(status, json body)`` to
answer in the store's place (a refusal the demo store does not give).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.adapters.bigcommerce.rewriting_proxy import RewritingProxy

Before = Callable[[str, str], tuple[int, Any] | None]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class StoreMovesProxy(RewritingProxy):
    """``with StoreMovesProxy(store.api_url, before) as proxy:`` then connect to ``proxy.api_url``."""

    def __init__(self, upstream: str, before: Before) -> None:
        super().__init__(upstream, lambda product: None)
        self._before = before
        handler = self._server.RequestHandlerClass  # a class of this proxy's own: writes pass too
        handler.do_POST = handler.do_PUT = handler.do_DELETE = handler.do_GET  # type: ignore[attr-defined]

    def _forward(self, handler: BaseHTTPRequestHandler, edit: object) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        instead = self._before(handler.command, handler.path)
        if instead is not None:
            status, data = instead
            headers = {"Content-Type": "application/problem+json"}
            return _reply(handler, status, json.dumps(data).encode(), headers)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "accept-encoding")}
        reply = self._upstream.request(handler.command, handler.path, headers=headers, content=body)
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_BY_HOP}
        return _reply(handler, reply.status_code, reply.content, kept)


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
