"""A small loopback HTTP server that receives webhook deliveries for tests (stdlib only)."""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Delivery:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


class Receiver:
    """Answers each delivery with the next status of ``statuses`` (then 200) and queues it."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        self._statuses = list(statuses or [])
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    status = receiver._statuses.pop(0) if receiver._statuses else 200
                receiver.deliveries.put(
                    Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next(self, timeout: float = 5.0) -> Delivery:
        return self.deliveries.get(timeout=timeout)

    def next_for(self, scope: str, timeout: float = 5.0) -> Delivery:
        """The next delivery of ``scope`` (others are skipped)."""
        while True:
            delivery = self.next(timeout)
            if delivery.payload["scope"] == scope:
                return delivery
