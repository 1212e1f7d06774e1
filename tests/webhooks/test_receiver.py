"""The receiver on its own: secret checked in constant time (401, logged without the secret), body
limit (413, chunked or not), malformed JSON (400), unknown scopes answered and ignored, copies of a
delivery dropped only while its fetch has not begun, and which product ids each kind of callback
names."""

from __future__ import annotations

import http.client
import logging

import pytest

from backorder_desktop.adapters.webhook_receiver import MAX_BODY
from backorder_desktop.adapters.webhook_receiver import WebhookReceiver
from backorder_desktop.adapters.webhook_receiver import product_ids
from backorder_desktop.services.webhooks import SECRET_HEADER
from tests.webhooks.conftest import SECRET
from tests.webhooks.conftest import Recorder
from tests.webhooks.conftest import delivery
from tests.webhooks.conftest import post
from tests.webhooks.conftest import product_updated

Kit = tuple[WebhookReceiver, Recorder]
GOOD = {SECRET_HEADER: SECRET}


def test_a_delivery_with_the_secret_is_answered_200_and_its_product_handed_off(receiver: Kit) -> None:
    server, recorder = receiver
    status, _ = post(server.url, product_updated(42), GOOD)
    assert status == 200
    assert recorder.batches == [{42}]
    assert server.stats().accepted == 1


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "guess"}, {SECRET_HEADER: SECRET[:-1] + "!"}])
def test_a_missing_or_wrong_secret_is_refused_401_and_logged_without_it(
    receiver: Kit, headers: dict[str, str], expected_warnings: list[logging.LogRecord]
) -> None:
    server, recorder = receiver
    status, _ = post(server.url, product_updated(42), headers)
    assert status == 401
    assert recorder.batches == []
    assert server.stats().unauthorized == 1
    [warning] = expected_warnings
    text = warning.getMessage()
    assert "refused" in text and "secret header" in text
    assert SECRET not in text and "guess" not in text and SECRET[:-1] not in text


def test_a_flood_of_bad_secrets_logs_one_warning(
    receiver: Kit, expected_warnings: list[logging.LogRecord]
) -> None:
    server, _ = receiver
    for _ in range(20):
        assert post(server.url, product_updated(1), {SECRET_HEADER: "nope"})[0] == 401
    assert len(expected_warnings) == 1
    assert server.stats().unauthorized == 20


def test_an_oversized_body_is_refused_413_unread(receiver: Kit) -> None:
    server, recorder = receiver
    padding = "x" * (MAX_BODY + 1000)
    body = delivery("store/product/updated", {"type": "product", "id": 1, "pad": padding})
    assert post(server.url, body, GOOD)[0] == 413
    assert recorder.batches == [] and server.stats().too_large == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'{"scope": "store/product/updated", "data": {"id": 1}}',  # no hash
        b'{"hash": "abc", "data": {"id": 1}}',  # no scope
        "\udcff".encode("utf-8", "surrogatepass"),
    ],
)
def test_malformed_json_is_refused_400(receiver: Kit, body: bytes) -> None:
    server, recorder = receiver
    assert post(server.url, body, GOOD)[0] == 400
    assert recorder.batches == [] and server.stats().malformed == 1


def test_an_unknown_scope_is_answered_200_and_ignored(receiver: Kit) -> None:
    """Not 4xx: BigCommerce would retry it for two days, then deactivate the hook."""
    server, recorder = receiver
    body = delivery("store/order/created", {"type": "order", "id": 100})
    assert post(server.url, body, GOOD)[0] == 200
    assert recorder.batches == [] and server.stats().ignored == 1


def test_a_replayed_hash_is_ignored_while_its_fetch_waits(receiver: Kit) -> None:
    server, recorder = receiver
    body = product_updated(7, created_at=1_700_000_000)
    assert [post(server.url, body, GOOD)[0] for _ in range(3)] == [200, 200, 200]
    assert recorder.batches == [{7}]
    assert server.stats().duplicates == 2
    assert post(server.url, product_updated(7, created_at=1_700_000_001), GOOD)[0] == 200
    assert recorder.batches == [{7}, {7}]  # a new change to the same product is not a duplicate


def test_the_same_hash_after_its_fetch_began_is_fetched_again(receiver: Kit) -> None:
    """Two changes to one product within a second are byte-for-byte the same delivery; the fetch
    after the first may have read the store before the second, so the second is not dropped."""
    server, recorder = receiver
    body = product_updated(7, created_at=1_700_000_000)
    assert post(server.url, body, GOOD)[0] == 200
    recorder.begin_fetch()  # the fetcher took {7}: it may read the store before the next change
    assert post(server.url, body, GOOD)[0] == 200
    assert post(server.url, body, GOOD)[0] == 200  # this copy waits with the second: dropped
    assert recorder.batches == [{7}, {7}]
    assert (server.stats().accepted, server.stats().duplicates) == (2, 1)


def test_without_the_fetchers_progress_no_delivery_is_dropped(receiver_factory: object) -> None:
    server, recorder = receiver_factory(batches_begun=None)  # type: ignore[operator]
    body = product_updated(7, created_at=1_700_000_000)
    assert [post(server.url, body, GOOD)[0] for _ in range(2)] == [200, 200]
    assert recorder.batches == [{7}, {7}] and server.stats().duplicates == 0


def _raw(port: int, head: list[str], body: bytes = b"") -> int:
    """Send a request exactly as given (framing included); the status of its answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest("POST", "/", skip_accept_encoding=True)
        for line in head:
            name, _, value = line.partition(": ")
            conn.putheader(name, value)
        conn.endheaders()
        conn.send(body)
        return conn.getresponse().status
    finally:
        conn.close()


def _chunked(data: bytes, size: int) -> bytes:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\nX-Trailer: 1\r\n\r\n"


def test_a_chunked_delivery_is_accepted(receiver: Kit) -> None:
    """Some tunnels forward deliveries without a Content-Length, in chunks."""
    server, recorder = receiver
    body = product_updated(9, created_at=1_700_000_000)
    head = [f"{SECRET_HEADER}: {SECRET}", "Transfer-Encoding: chunked", "Content-Type: application/json"]
    assert _raw(server.port, head, _chunked(body, 17)) == 200
    assert recorder.batches == [{9}] and server.stats().accepted == 1


def test_a_chunked_body_over_the_limit_is_refused_413(receiver: Kit) -> None:
    server, recorder = receiver
    padding = "x" * (MAX_BODY + 1000)
    body = delivery("store/product/updated", {"type": "product", "id": 1, "pad": padding})
    head = [f"{SECRET_HEADER}: {SECRET}", "Transfer-Encoding: chunked"]
    assert _raw(server.port, head, _chunked(body, 4096)) == 413
    assert recorder.batches == [] and server.stats().too_large == 1


def test_other_methods_bad_framing_and_a_missing_length_are_refused(receiver: Kit) -> None:
    server, recorder = receiver
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", "/")
        assert conn.getresponse().status == 405
    finally:
        conn.close()
    body = product_updated(9, created_at=1_700_000_000)
    secret = f"{SECRET_HEADER}: {SECRET}"
    assert _raw(server.port, [secret]) == 411  # neither a length nor chunks
    both = [secret, "Transfer-Encoding: chunked", f"Content-Length: {len(body)}"]
    assert _raw(server.port, both, _chunked(body, 64)) == 400  # where would the body end?
    assert _raw(server.port, [secret, "Transfer-Encoding: gzip"], body) == 400
    assert _raw(server.port, [secret, "Transfer-Encoding: chunked"], b"zz\r\n{}\r\n0\r\n\r\n") == 400
    assert recorder.batches == []


@pytest.mark.parametrize(
    ("scope", "data", "ids"),
    [
        ("store/product/updated", {"type": "product", "id": 7}, {7}),
        ("store/product/deleted", {"type": "product", "id": 8}, {8}),
        (
            "store/product/inventory/order/updated",
            {"type": "product", "id": 9, "inventory": {"product_id": 9, "method": "relative", "value": -1}},
            {9},
        ),
        ("store/sku/updated", {"type": "sku", "id": 555, "sku": {"product_id": 10, "variant_id": 77}}, {10}),
        (
            "store/sku/inventory/updated",
            {"type": "sku", "id": 556, "inventory": {"product_id": 11, "variant_id": 78, "value": 3}},
            {11},
        ),
        ("store/channel/1/inventory/product/stock_changed", {"product_id": 12, "variant_id": 79}, {12}),
        ("store/order/created", {"type": "order", "id": 5}, None),
        ("store/product/updated", {"type": "product", "id": "7"}, set()),
    ],
)
def test_which_products_a_callback_names(scope: str, data: dict[str, object], ids: set[int] | None) -> None:
    assert product_ids(scope, data) == ids


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="long"):
        WebhookReceiver(
            bind="127.0.0.1", port=0, secret="short", secret_header=SECRET_HEADER, on_products=print
        )
