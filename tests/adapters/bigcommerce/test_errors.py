"""One reply → one domain error: the class, the advice in the message, and never the token.

These use ``httpx.MockTransport`` to produce exactly one kind of reply each; the same mappings
are exercised against the demo store over real HTTP in ``test_client_demo.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.bigcommerce.errors import error_from_response
from backorder_desktop.adapters.bigcommerce.errors import permission_for
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
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
from backorder_desktop.domain.errors import ServerError
from tests.adapters.bigcommerce.conftest import FakeClock

TOKEN = "tok-5ecret-abcdef"
FAST = RetryPolicy(attempts=3, initial_delay_s=0.0, max_delay_s=0.0, rate_limit_attempts=3)


def _client(
    reply: Callable[[httpx.Request], httpx.Response], clock: FakeClock
) -> tuple[BigCommerceClient, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return reply(request)

    client = BigCommerceClient(
        "https://api.example", "abc", TOKEN, transport=httpx.MockTransport(handler), retry=FAST, clock=clock
    )
    return client, seen


def _status(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> Callable[..., httpx.Response]:
    def reply(request: httpx.Request) -> httpx.Response:
        content = b"" if body is None else json.dumps(body).encode()
        return httpx.Response(status, content=content, headers=headers)

    return reply


@pytest.mark.parametrize(
    ("status", "body", "error_type", "needle", "tries"),
    [
        (401, {"title": f"token {TOKEN} is not valid"}, AuthError, "Connect again with a valid token", 1),
        (403, {"title": "You don't have a required scope"}, PermissionDenied, "may not read products", 1),
        (404, {"title": "not found"}, NotFound, "does not exist", 1),
        (413, {"title": "The maximum items allowed in the array is 10."}, BatchTooLarge, "maximum items", 1),
        (400, {"title": "Bad JSON"}, ApiError, "HTTP 400", 1),
        (503, None, Maintenance, "status.bigcommerce.com", 1),
        (500, {"title": "boom"}, ServerError, "server error (HTTP 500)", 3),
        (502, None, ServerError, "HTTP 502", 3),
        (504, None, ServerError, "HTTP 504", 6),  # then as two pages of 125: the first fails too
        (429, None, RateLimited, "quota", 3),
    ],
)
def test_each_status_becomes_its_domain_error(
    clock: FakeClock, status: int, body: Any, error_type: type[ApiError], needle: str, tries: int
) -> None:
    client, seen = _client(_status(status, body), clock)
    with client, pytest.raises(ApiError) as info:
        client.get_products_page(1)
    error = info.value
    assert type(error) is error_type
    assert error.status == status
    assert needle in error.message
    assert TOKEN not in str(error) and TOKEN not in repr(error.args)
    assert not isinstance(error.__cause__, httpx.HTTPError)
    assert len(seen) == tries  # only 5xx (and 429) are asked again
    assert client.stats.failures == (2 if status == 504 else 1)


def test_422_carries_the_servers_reasons(clock: FakeClock) -> None:
    body = {"status": 422, "title": "Invalid data", "errors": {"inventory_level": "must be >= 0"}}
    client, _ = _client(_status(422, body), clock)
    with client, pytest.raises(InvalidData) as info:
        client.get_catalog_summary()
    assert info.value.reasons == {"inventory_level": "must be >= 0"}
    assert "inventory_level: must be >= 0" in info.value.message
    assert "Invalid data" in info.value.message


def test_batch_errors_are_listed_per_item() -> None:
    body = {
        "batch_errors": [
            {"status": 422, "title": "Bad", "errors": {"sku": "duplicate"}},
            {"status": 422, "title": "Variant 7 not found"},
        ]
    }
    error = error_from_response("PUT", "/v3/catalog/variants", 409, json.dumps(body).encode())
    assert isinstance(error, InvalidData)
    assert error.reasons == {"item 0: sku": "duplicate", "item 1": "Variant 7 not found"}


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v3/catalog/products", "read products"),
        ("PUT", "/v3/catalog/variants", "modify products"),
        ("GET", "/v3/inventory/items", "read inventory"),
        ("PUT", "/v3/inventory/adjustments/absolute", "modify inventory"),
        ("GET", "/v2/store", "read information"),
        ("GET", "/v3/hooks", None),
    ],
)
def test_403_names_the_permission_the_path_needs(method: str, path: str, expected: str | None) -> None:
    assert permission_for(method, path) == expected
    error = error_from_response(method, path, 403, b"")
    assert isinstance(error, PermissionDenied)
    assert (expected or "store hash is wrong") in error.message


@pytest.mark.parametrize(
    ("exc", "needle", "title"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused", "Offline"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "could not be resolved", "Offline"),
        (httpx.ReadTimeout("timed out"), "waiting for an answer", "No answer from BigCommerce"),
        (httpx.ConnectTimeout("timed out"), "connecting to", "No answer from BigCommerce"),
        (httpx.RemoteProtocolError("Server disconnected"), "closed without an answer", "Offline"),
    ],
)
def test_no_reply_is_offline_after_retries(clock: FakeClock, exc: Exception, needle: str, title: str) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        raise exc

    client, seen = _client(reply, clock)
    with client, pytest.raises(Offline) as info:
        client.server_time()
    assert needle in info.value.message
    assert "check your connection" in info.value.message.lower()
    assert info.value.title == title
    assert len(seen) == 3
    assert client.stats.retries == 2


@pytest.mark.parametrize(
    "content",
    [b'{"data": [{"id": 1, "na', b"<html>Bad gateway</html>", b'{"data": {}}', b"[]"],
)
def test_a_malformed_page_is_retried_then_reported(
    clock: FakeClock, content: bytes, expected_warnings: list[Any]
) -> None:
    client, seen = _client(lambda request: httpx.Response(200, content=content), clock)
    with client, pytest.raises(MalformedReply):
        client.get_products_page(1)
    assert len(seen) == 3
    assert [r.levelname for r in expected_warnings] == ["WARNING"]  # a human should look at this one


def test_requests_carry_user_agent_token_and_accept(clock: FakeClock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"time": 1})

    with BigCommerceClient(
        "https://api.example/", "abc", TOKEN, transport=httpx.MockTransport(handler)
    ) as client:
        client.server_time()
        assert TOKEN not in repr(client)
    (request,) = seen
    assert str(request.url) == "https://api.example/stores/abc/v2/time"
    assert request.headers["user-agent"].startswith("backorder-desktop/")
    assert request.headers["x-auth-token"] == TOKEN
    assert request.headers["accept"] == "application/json"


def test_the_token_is_in_no_log_line_even_when_the_server_echoes_it(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, seen = _client(_status(500, {"title": f"token {TOKEN} broke something"}), clock)
    with client, pytest.raises(ServerError) as info:
        client.get_store()
    retry_lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retry_lines) == len(seen) - 1 == 2
    assert "***" in retry_lines[0] and "***" in info.value.message
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
