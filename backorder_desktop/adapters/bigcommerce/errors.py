"""Turning BigCommerce replies and httpx failures into domain errors that say what to do next.

This is the boundary of STYLE rule 4: nothing outside ``adapters/`` sees an httpx exception or a
raw status code. Each function returns (does not raise) a :class:`~backorder_desktop.domain.errors.ApiError`
subclass whose ``message`` names the cause and the next step. Messages are built from the
method, the path and the server's own ``title``/``errors`` text only; the token is never part of
them (the caller also redacts it, in case a server echoes it back).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import BatchTooLarge
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.errors import Maintenance
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.errors import NotFound
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import PermissionDenied
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import ServerError

__all__ = [
    "RETRYABLE_STATUSES",
    "error_from_response",
    "error_from_transport",
    "malformed",
    "permission_for",
    "server_reasons",
]

# Statuses retried with backoff for idempotent requests (bigcommerce-api-notes §9).
RETRYABLE_STATUSES = frozenset({500, 502, 504})

# Path fragment → (scope the API account needs, its name in the control panel).
_SCOPES = (
    ("/catalog/", "products", "Products"),
    # Before "/inventory/": the Locations API has its own scope (notes §1, §5.1).
    ("/inventory/locations", "store locations", "Store Locations"),
    ("/inventory/", "inventory", "Inventory"),
    ("/v2/store", "information", "Information & Settings"),
    ("/v2/time", "information", "Information & Settings"),
    ("/settings/", "information", "Information & Settings"),
)


def permission_for(method: str, path: str) -> str | None:
    """The permission a request needs, as the user sees it ("modify products"), when the path tells."""
    for fragment, name, _ in _SCOPES:
        if fragment in path:
            verb = "read" if method.upper() in ("GET", "HEAD") else "modify"
            return f"{verb} {name}"
    return None


def _control_panel_scope(path: str) -> str | None:
    for fragment, _, label in _SCOPES:
        if fragment in path:
            return label
    return None


def _body_json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(value, list) and value and isinstance(value[0], dict):
        # v2 answers errors as an array, ``[{"status": 409, "message": "…"}]`` (notes §6.1).
        return value[0]
    return value if isinstance(value, dict) else None


def server_reasons(body: dict[str, Any] | None) -> dict[str, str]:
    """The server's own reasons: ``errors`` (field → text) and each ``batch_errors`` entry."""
    if not body:
        return {}
    reasons: dict[str, str] = {}
    errors = body.get("errors")
    if isinstance(errors, dict):
        reasons.update({str(k): str(v) for k, v in errors.items()})
    elif isinstance(errors, list):
        reasons.update({str(i): str(v) for i, v in enumerate(errors)})
    batch = body.get("batch_errors")
    if isinstance(batch, list):
        for index, entry in enumerate(batch):
            if not isinstance(entry, dict):
                reasons[f"item {index}"] = str(entry)
                continue
            # An entry whose ``instance`` is a position names the request's item, like the
            # Inventory API's "items.3.quantity" keys do; without one, only its own order is known.
            instance = str(entry.get("instance", ""))
            inner = entry.get("errors")
            if instance.isdecimal():
                title = entry.get("title")
                if title or not inner:
                    reasons[f"items.{instance}"] = str(title or entry)
                if isinstance(inner, dict):
                    reasons.update({f"items.{instance}.{k}": str(v) for k, v in inner.items()})
            elif isinstance(inner, dict) and inner:
                reasons.update({f"item {index}: {k}": str(v) for k, v in inner.items()})
            else:
                reasons[f"item {index}"] = str(entry.get("title") or entry)
    return reasons


def _title(body: dict[str, Any] | None) -> str:
    if body:
        for key in ("title", "detail", "message"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def error_from_response(method: str, path: str, status: int, body: bytes) -> ApiError:
    """The domain error for a non-2xx reply to ``method path``."""
    data = _body_json(body)
    said = _title(data)
    said_part = f" BigCommerce said: “{said}”." if said else ""
    request = f"{method.upper()} {path}"
    if status == 401:
        return AuthError(
            "The store did not accept the access token (it is wrong, revoked, or for another store)."
            f"{said_part} Connect again with a valid token.",
            status=status,
            remedy=Remedy.RECONNECT,
        )
    if status == 403:
        permission = permission_for(method, path)
        label = _control_panel_scope(path)
        if permission and label:
            what = (
                f"The token may not {permission}. In the store's control panel, give the API "
                f"account the “{label}” scope ({'modify' if permission.startswith('modify') else 'read-only'}"
                " or better), then connect again. If it has that scope, check the store hash."
            )
        else:
            what = (
                f"The token may not do {request}, or the store hash is wrong. Check the API "
                "account's scopes and the store hash, then connect again."
            )
        return PermissionDenied(what + said_part, status=status, remedy=Remedy.RECONNECT)
    if status == 404:
        return NotFound(
            f"{request} found nothing: it does not exist (any more), or the store hash is wrong.{said_part}",
            status=status,
        )
    if status == 413:
        return BatchTooLarge(
            f"{request} sent more items than BigCommerce accepts in one request.{said_part} "
            "This is a bug in BackOrder Desktop; please report it with the log.",
            status=status,
        )
    if status in (409, 422):
        reasons = server_reasons(data)
        listed = "; ".join(f"{k}: {v}" for k, v in reasons.items())
        return InvalidData(
            f"BigCommerce refused the data of {request}.{said_part}"
            + (f" Reasons: {listed}." if listed else "")
            + " Correct the values named and try again; the same request will not succeed unchanged.",
            status=status,
            reasons=reasons,
        )
    if status == 429:
        return RateLimited(
            "The store's API quota stayed used up even after waiting (other apps may be using it).",
            status=status,
        )
    if status == 503:
        return Maintenance(
            "The store is in maintenance, being upgraded, or suspended."
            f"{said_part} Check status.bigcommerce.com.",
            status=status,
        )
    if status >= 500:
        return ServerError(
            f"BigCommerce answered {request} with a server error (HTTP {status}), also when asked again."
            f"{said_part} This is usually temporary.",
            status=status,
        )
    return ApiError(
        f"BigCommerce rejected {request} (HTTP {status}).{said_part} "
        "If this keeps happening, please report it with the log.",
        status=status,
    )


def error_from_transport(method: str, path: str, exc: httpx.TransportError) -> ApiError:
    """The domain error for a request that got no (complete) reply."""
    request = f"{method.upper()} {path}"
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting to",
            httpx.ReadTimeout: "waiting for an answer from",
            httpx.WriteTimeout: "sending to",
            httpx.PoolTimeout: "waiting for a free connection to",
        }.get(type(exc), "talking to")
        return Offline(
            f"Timed out {phase} BigCommerce ({request}). Check your connection.",
            title="No answer from BigCommerce",
        )
    if isinstance(exc, httpx.ProxyError):
        return Offline(f"The proxy refused {request}. Check your proxy settings and connection.")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ApiError(
            f"The store's API address is not a valid http(s) URL ({request}). Connect again with a "
            "valid address.",
            remedy=Remedy.RECONNECT,
        )
    return Offline(
        f"Could not reach BigCommerce ({request}: {_transport_reason(exc)}). Check your connection.",
    )


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text or "resolve" in text:
            return "the address could not be resolved"
        if "refused" in text:
            return "connection refused"
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was closed without an answer"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "the connection broke"
    return type(exc).__name__


def malformed(method: str, path: str, what: str) -> MalformedReply:
    """The reply came, but is not the JSON we expect (``what`` says how)."""
    return MalformedReply(
        f"BigCommerce's reply to {method.upper()} {path} was {what}. "
        "This is usually temporary. "
        "If it keeps happening, please report it with the log.",
    )
