"""What a request handler works with: the parsed request, its reply, tokens and the store's parts."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from email.message import Message
from typing import Any
from urllib.parse import unquote

from backorder_desktop.demo.catalog import Catalog
from backorder_desktop.demo.delivery import WebhookDispatcher
from backorder_desktop.demo.errors import JSON
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.faults import Faults
from backorder_desktop.demo.hooks import HookRegistry
from backorder_desktop.demo.orders import OrderBook
from backorder_desktop.demo.params import Query
from backorder_desktop.demo.ratelimit import RateLimiter
from backorder_desktop.demo.strict import StrictSwitches

Scopes = dict[str, str]  # resource (products, inventory, locations, information, orders) -> "modify" | "read"
_RESOURCES = ("products", "inventory", "locations", "information", "orders")
FULL_SCOPES: Scopes = dict.fromkeys(_RESOURCES, "modify")
READ_SCOPES: Scopes = dict.fromkeys(_RESOURCES, "read")
# An API account made without the Store Locations scope (notes §1: "optionally
# store_locations_read_only"): everything else, but ``/v3/inventory/locations`` is a 403.
NO_LOCATIONS_SCOPES: Scopes = {k: v for k, v in FULL_SCOPES.items() if k != "locations"}


@dataclass(frozen=True)
class Credentials:
    """An access token's API account: its scopes and the client id its hooks belong to."""

    scopes: Scopes
    client_id: str


class Tokens:
    """The access tokens the store accepts (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Credentials] = {}

    def add(self, token: str, scopes: Scopes) -> None:
        for resource, level in scopes.items():
            if level not in ("modify", "read"):
                raise ValueError(f"scope level for {resource} must be 'modify' or 'read', not {level!r}")
        client_id = hashlib.sha1(token.encode(), usedforsecurity=False).hexdigest()[:31]
        with self._lock:
            self._tokens[token] = Credentials(dict(scopes), client_id)

    def get(self, token: str | None) -> Credentials | None:
        if not token:
            return None
        with self._lock:
            return self._tokens.get(token)


class RequestLog:
    """Every request served, as ``(method, path with query, status)``; status 0 when no reply was sent.

    The path is as received (``...products?id%3Ain=1%2C2`` from httpx); :meth:`count` matches
    ``path_contains`` against it and against its decoded form (``...products?id:in=1,2``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[str, str, int]] = []

    def append(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._entries.append((method, path, status))

    def snapshot(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count(self, method: str | None = None, path_contains: str = "", status: int | None = None) -> int:
        """How many logged requests match (every criterion given must hold)."""
        return sum(
            1
            for m, p, s in self.snapshot()
            if (method is None or m == method)
            and (path_contains in p or path_contains in unquote(p))
            and (status is None or s == status)
        )

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> tuple[str, str, int]:
        with self._lock:
            return self._entries[index]


@dataclass
class StoreContext:
    """The parts of one demo store the handlers use."""

    store_hash: str
    store_id: int
    catalog: Catalog
    faults: Faults
    rate: RateLimiter
    tokens: Tokens
    hooks: HookRegistry
    dispatcher: WebhookDispatcher
    requests: RequestLog
    orders: OrderBook
    strict: StrictSwitches = field(default_factory=StrictSwitches)
    stopping: threading.Event = field(default_factory=threading.Event)


@dataclass
class Reply:
    """A response before it is written (so that faults can still change or drop it)."""

    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data, separators=(",", ":")).encode())


def error_reply(error: ApiError) -> Reply:
    return Reply(error.status, json.dumps(error.body()).encode(), error.content_type, dict(error.headers))


@dataclass
class Request:
    """One parsed request under ``/stores/{store_hash}/``."""

    method: str
    route: str  # path below the store, e.g. "v3/catalog/products/12"
    full_path: str  # as received, with the query string
    query: Query
    headers: Message
    body: bytes
    credentials: Credentials
    problem: bool = False  # errors as application/problem+json (Inventory API)

    def json(self) -> Any:
        """The JSON body: 400 when it is missing or not JSON, 415 for another content type."""
        content_type = self.headers.get("Content-Type")
        if not content_type:
            raise ApiError(
                "The Content-Type header is missing; send application/json", status=400, problem=self.problem
            )
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime != "application/json" and not mime.endswith("+json"):
            raise ApiError(
                f"The Content-Type {mime} is not supported; send application/json",
                status=415,
                problem=self.problem,
            )
        if not self.body.strip():
            raise ApiError(
                "The request body is empty; send a JSON document", status=400, problem=self.problem
            )
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError("The request body is not valid JSON", status=400, problem=self.problem) from None

    @property
    def client_id(self) -> str:
        return self.credentials.client_id
