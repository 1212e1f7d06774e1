"""A loopback HTTP proxy that passes the demo store's replies through, editing product JSON on the way.

The demo store only serves valid products; to see how the client copes with a product that lacks
a required field, this proxy forwards every request to the real demo store over HTTP and applies
``edit(product_dict)`` to each product of a ``/v3/catalog/products`` reply. Status, rate-limit
headers and everything else pass through unchanged.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

ProductEdit = Callable[[dict[str, Any]], None]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class RewritingProxy:
    """``with RewritingProxy(store.api_url, edit) as proxy:`` then use ``proxy.api_url``."""

    def __init__(self, upstream: str, edit: ProductEdit) -> None:
        self._upstream = httpx.Client(base_url=upstream, timeout=10.0)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                proxy._forward(self, edit)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _forward(self, handler: BaseHTTPRequestHandler, edit: ProductEdit) -> None:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "accept-encoding")}
        reply = self._upstream.get(handler.path, headers=headers)
        body = reply.content
        if reply.status_code == 200 and "/v3/catalog/products" in handler.path:
            data = json.loads(body)
            for product in data["data"]:
                edit(product)
            body = json.dumps(data).encode()
        handler.send_response(reply.status_code)
        for name, value in reply.headers.items():
            if name.lower() not in _HOP_BY_HOP:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def __enter__(self) -> RewritingProxy:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self._upstream.close()
