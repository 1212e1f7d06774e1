"""Webhook subscriptions on the store (``/v3/hooks``): list, create, update and delete.

:class:`StoreHooks` builds the calls and
:class:`~backorder_desktop.adapters.bigcommerce.client.BigCommerceClient` delegates to it, over the
same transport (quota, retries, errors). As on BigCommerce (notes §8.1): POST and DELETE answer 200
with the hook; a listing holds only the hooks of the token's own API client; ``PUT`` takes any of
``scope``, ``destination``, ``is_active`` and ``headers`` and is how a deactivated hook is turned
back on (``{"is_active": true}``). A PUT sets absolute values, so it is retried like a read; a POST
creates, so it is never sent twice.

A hook's ``headers`` carry the receiver's secret: they are kept out of ``repr`` and never logged.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from backorder_desktop.adapters.bigcommerce.errors import malformed
from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.domain.errors import NotFound

__all__ = ["HOOKS", "StoreHooks", "Webhook"]

HOOKS = "/v3/hooks"
LIST_LIMIT = 250
MAX_PAGES = 40  # 10 hooks per scope and client (notes §8.1): a longer listing is not ours to walk


@dataclass(frozen=True, slots=True)
class Webhook:
    """One subscription, as the store reports it."""

    id: int
    scope: str
    destination: str
    is_active: bool
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    created_at: int | None = None
    updated_at: int | None = None


def map_hook(raw: Any, method: str, path: str) -> Webhook:
    """One hook object of a reply → ``Webhook``; anything else is a ``MalformedReply``."""
    if not isinstance(raw, dict):
        raise malformed(method, path, "not a webhook object")
    hook_id, scope, destination = raw.get("id"), raw.get("scope"), raw.get("destination")
    if type(hook_id) is not int or not isinstance(scope, str) or not isinstance(destination, str):
        raise malformed(method, path, "a webhook without its id, scope or destination")
    headers = raw.get("headers") or {}
    if not isinstance(headers, dict):
        raise malformed(method, path, "a webhook whose headers are not an object")
    created, updated = raw.get("created_at"), raw.get("updated_at")
    return Webhook(
        id=hook_id,
        scope=scope,
        destination=destination,
        is_active=raw.get("is_active") is True,
        headers={str(k): str(v) for k, v in headers.items()},
        created_at=created if type(created) is int else None,
        updated_at=updated if type(updated) is int else None,
    )


def _single(method: str, path: str) -> Callable[[Any], Webhook]:
    def parse(data: Any) -> Webhook:
        if not isinstance(data, dict):
            raise malformed(method, path, "not a JSON object")
        return map_hook(data.get("data"), method, path)

    return parse


def _listing(data: Any) -> tuple[list[Webhook], int]:
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise malformed("GET", HOOKS, "not a list of webhooks (no “data” array)")
    meta = data.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    pages = pagination.get("total_pages") if isinstance(pagination, dict) else None
    hooks = [map_hook(raw, "GET", HOOKS) for raw in data["data"]]
    return hooks, pages if type(pages) is int else 1


class StoreHooks:
    """``/v3/hooks`` through one store's transport. Thread-safe (it keeps no state)."""

    def __init__(self, transport: StoreTransport) -> None:
        self._transport = transport

    def list_hooks(self) -> list[Webhook]:
        """Every hook of this API client, active or not."""
        hooks: list[Webhook] = []
        page = 1
        while True:
            params = {"page": str(page), "limit": str(LIST_LIMIT)}
            found, pages = self._transport.call("GET", HOOKS, _listing, params=params)
            hooks.extend(found)
            if page >= min(pages, MAX_PAGES) or not found:
                return hooks
            page += 1

    def create_hook(
        self, *, scope: str, destination: str, headers: Mapping[str, str], is_active: bool = True
    ) -> Webhook:
        body = {"scope": scope, "destination": destination, "is_active": is_active, "headers": dict(headers)}
        return self._transport.call("POST", HOOKS, _single("POST", HOOKS), json_body=body)

    def update_hook(
        self,
        hook_id: int,
        *,
        is_active: bool | None = None,
        destination: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Webhook:
        body: dict[str, Any] = {}
        if is_active is not None:
            body["is_active"] = is_active
        if destination is not None:
            body["destination"] = destination
        if headers is not None:
            body["headers"] = dict(headers)
        if not body:
            raise ValueError("nothing to change")
        path = f"{HOOKS}/{int(hook_id)}"
        return self._transport.call("PUT", path, _single("PUT", path), json_body=body, idempotent=True)

    def delete_hook(self, hook_id: int) -> None:
        """Delete a hook; one already gone counts as deleted."""
        path = f"{HOOKS}/{int(hook_id)}"
        try:
            self._transport.call("DELETE", path, lambda _data: None)
        except NotFound:
            return
