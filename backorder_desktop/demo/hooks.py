"""Webhook subscriptions (``/v3/hooks``): create, list, read, update and delete, per API client.

As on BigCommerce, a client sees only the hooks it created; POST and DELETE answer 200. Any http(s)
destination can be registered (an app may register its public tunnel), but the demo store delivers
only to loopback: events for other destinations are dropped, never sent off the machine.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.events import scope_matches

_SCOPE = re.compile(r"^store(/[A-Za-z0-9_*]+)+$")
_INVALID = "JSON data is missing or invalid"
MAX_HOOKS_PER_SCOPE = 10


@dataclass
class Hook:
    """One subscription."""

    id: int
    client_id: str
    store_hash: str
    scope: str
    destination: str
    is_active: bool
    headers: dict[str, str] | None
    created_at: int
    updated_at: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "store_hash": self.store_hash,
            "scope": self.scope,
            "destination": self.destination,
            "is_active": self.is_active,
            "headers": dict(self.headers) if self.headers is not None else None,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def is_http_url(url: str) -> bool:
    """True for an absolute ``http(s)://host[:port]/...`` URL."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a bad port raises here
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_loopback_url(url: str) -> bool:
    """True for ``http(s)://`` URLs whose host is localhost or a loopback address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # a bad port raises here
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check(body: object, *, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError(_INVALID, errors={"body": "error.path.missing."})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name in ("scope", "destination"):
        value = body.get(name)
        if value is None:
            if not partial:
                errors[name] = "error.path.missing."
        elif not isinstance(value, str) or not value:
            errors[name] = "error.type.string."
        else:
            clean[name] = value
    if "scope" in clean and not _SCOPE.match(clean["scope"]):
        errors["scope"] = "error.scope.invalid."
    if "destination" in clean and not is_http_url(clean["destination"]):
        errors["destination"] = "error.destination.invalid: an http(s) URL is required"
    if "is_active" in body:
        if not isinstance(body["is_active"], bool):
            errors["is_active"] = "error.type.boolean."
        else:
            clean["is_active"] = body["is_active"]
    if "headers" in body:
        headers = body["headers"]
        if headers is not None and (
            not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values())
        ):
            errors["headers"] = "headers must be an object of strings"
        else:
            clean["headers"] = dict(headers) if headers is not None else None
    if partial and not clean and not errors:
        errors["body"] = "at least one of scope, destination, is_active or headers is required"
    if errors:
        raise ValidationError(_INVALID, errors=errors)
    return clean


class HookRegistry:
    """The store's webhook subscriptions (thread-safe)."""

    def __init__(self, store_hash: str, *, clock: Callable[[], float] = time.time) -> None:
        self._store_hash = store_hash
        self._clock = clock
        self._lock = threading.Lock()
        self._hooks: dict[int, Hook] = {}
        self._next_id = 1

    def _owned(self, client_id: str, hook_id: int) -> Hook:
        hook = self._hooks.get(hook_id)
        if hook is None or hook.client_id != client_id:
            raise NotFoundError(f"Webhook with id [{hook_id}] not found")
        return hook

    def _check_limits(self, client_id: str, scope: str, destination: str, hook_id: int | None) -> None:
        same_scope = [
            h
            for h in self._hooks.values()
            if h.client_id == client_id and h.scope == scope and h.id != hook_id
        ]
        if any(h.destination == destination for h in same_scope):
            raise ValidationError(
                _INVALID, errors={"destination": "a hook for this scope and destination exists"}
            )
        if len(same_scope) >= MAX_HOOKS_PER_SCOPE:
            raise ValidationError(
                _INVALID, errors={"scope": f"at most {MAX_HOOKS_PER_SCOPE} hooks per scope"}
            )

    def create(self, client_id: str, body: object) -> Hook:
        clean = _check(body, partial=False)
        now = int(self._clock())
        with self._lock:
            self._check_limits(client_id, clean["scope"], clean["destination"], None)
            hook = Hook(
                id=self._next_id,
                client_id=client_id,
                store_hash=self._store_hash,
                scope=clean["scope"],
                destination=clean["destination"],
                is_active=clean.get("is_active", True),
                headers=clean.get("headers"),
                created_at=now,
                updated_at=now,
            )
            self._hooks[hook.id] = hook
            self._next_id += 1
            return hook

    def list_for(
        self,
        client_id: str,
        *,
        is_active: bool | None = None,
        scope: str | None = None,
        destination: str | None = None,
    ) -> list[Hook]:
        with self._lock:
            return [
                h
                for h in sorted(self._hooks.values(), key=lambda h: h.id)
                if h.client_id == client_id
                and (is_active is None or h.is_active == is_active)
                and (scope is None or h.scope == scope)
                and (destination is None or h.destination == destination)
            ]

    def get(self, client_id: str, hook_id: int) -> Hook:
        with self._lock:
            return self._owned(client_id, hook_id)

    def update(self, client_id: str, hook_id: int, body: object) -> Hook:
        clean = _check(body, partial=True)
        with self._lock:
            hook = self._owned(client_id, hook_id)
            if "scope" in clean or "destination" in clean:
                scope = clean.get("scope", hook.scope)
                self._check_limits(client_id, scope, clean.get("destination", hook.destination), hook.id)
            for key, value in clean.items():
                setattr(hook, key, value)
            hook.updated_at = int(self._clock())
            return hook

    def delete(self, client_id: str, hook_id: int) -> Hook:
        with self._lock:
            hook = self._owned(client_id, hook_id)
            del self._hooks[hook_id]
            return hook

    def active_for(self, scope: str) -> list[Hook]:
        """Active hooks (of any client) subscribed to ``scope``, exactly or by wildcard."""
        with self._lock:
            return [h for h in self._hooks.values() if h.is_active and scope_matches(h.scope, scope)]

    def find(self, hook_id: int) -> Hook | None:
        with self._lock:
            return self._hooks.get(hook_id)

    def deactivate(self, hook_id: int) -> None:
        """After the last retry failed, as BigCommerce does (``is_active=false``)."""
        with self._lock:
            hook = self._hooks.get(hook_id)
            if hook is not None:
                hook.is_active = False
                hook.updated_at = int(self._clock())

    def all(self) -> list[dict[str, Any]]:
        """Every hook of every client, for tests."""
        with self._lock:
            return [h.as_dict() for h in sorted(self._hooks.values(), key=lambda h: h.id)]
