"""Contract of the cross-cutting error replies: 401, 403, 429, 400, 415, rate-limit headers, bad input.

The catalog, inventory and locations specs declare none of 401, 403, 415 or 429 for the endpoints
the app uses, so (where the spec is silent) these replies are checked against the documented v3
error body (notes §9) and the spec's own generic error schema for that API.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.contract import spec

# (spec, method, path, json body, generic error schema of that spec)
WRITES: list[tuple[str, str, str, Any, str]] = [
    ("products", "PUT", "v3/catalog/products", [{"id": 1, "inventory_level": 1}], "error_Base"),
    (
        "products",
        "POST",
        "v3/catalog/products",
        {"name": "x", "type": "physical", "weight": 1, "price": 1},
        "error_Base",
    ),
    ("products", "DELETE", "v3/catalog/products?id:in=1", None, "error_Base"),
    ("variants", "PUT", "v3/catalog/variants", [{"id": 1, "inventory_level": 1}], "error_Base"),
    ("inventory", "PUT", "v3/inventory/adjustments/absolute", {"items": []}, "ErrorResponse"),
]
READS: list[tuple[str, str, str]] = [
    ("products", "v3/catalog/products", "error_Base"),
    ("products", "v3/catalog/summary", "error_Base"),
    ("variants", "v3/catalog/variants", "error_Base"),
    ("inventory", "v3/inventory/items", "ErrorResponse"),
    ("locations", "v3/inventory/locations", "ErrorResponse"),
]


def _generic_error(spec_name: str, schema: str, body: Any) -> None:
    """Check an error body against the API's generic error schema (variants has none: use products')."""
    spec.check_schema("products" if spec_name == "variants" else spec_name, schema, body, where="error body")


@pytest.mark.parametrize(("spec_name", "path", "schema"), READS, ids=[r[1] for r in READS])
def test_missing_token_is_401(anonymous_api: httpx.Client, spec_name: str, path: str, schema: str) -> None:
    reply = anonymous_api.get(path)
    assert spec.request_errors(spec_name, reply.request), "every operation requires X-Auth-Token"
    _generic_error(spec_name, schema, spec.check_error_body(reply, 401))
    spec.check_rate_limit_headers(reply)


def test_wrong_token_is_401(store: Any) -> None:
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": "not-the-token"}) as client:
        reply = client.get("v3/catalog/products")
    spec.check_error_body(reply, 401)


@pytest.mark.parametrize(
    ("spec_name", "method", "path", "payload", "schema"), WRITES, ids=[f"{w[1]} {w[2]}" for w in WRITES]
)
def test_read_only_token_gets_403_on_writes(
    read_only_api: httpx.Client, spec_name: str, method: str, path: str, payload: Any, schema: str
) -> None:
    reply = read_only_api.request(method, path, json=payload)
    # No catalog or inventory operation declares 403; notes §9: a missing scope is 403, v3 body.
    _generic_error(spec_name, schema, spec.check_error_body(reply, 403))


def test_read_only_token_can_read(read_only_api: httpx.Client) -> None:
    body = spec.check_response("products", read_only_api.get("v3/catalog/products", params={"limit": 1}))
    assert len(body["data"]) == 1


def test_every_reply_carries_rate_limit_headers(api: httpx.Client, anonymous_api: httpx.Client) -> None:
    replies = [
        api.get("v3/catalog/products", params={"limit": 1}),
        api.get("v3/catalog/products/999999"),
        api.put("v3/catalog/products", json=[{"id": i} for i in range(1, 12)]),
        anonymous_api.get("v3/catalog/products"),
    ]
    assert [r.status_code for r in replies] == [200, 404, 413, 401]
    for reply in replies:
        spec.check_rate_limit_headers(reply)


def test_rate_limit_headers_count_down_one_shared_quota(store: Any, api: httpx.Client) -> None:
    store.rate.configure(quota=20, window_s=30.0)
    first = spec.check_rate_limit_headers(api.get("v2/time"))
    second = spec.check_rate_limit_headers(api.get("v3/catalog/summary"))
    assert first["X-Rate-Limit-Requests-Quota"] == 20
    assert first["X-Rate-Limit-Time-Window-Ms"] == 30_000
    assert second["X-Rate-Limit-Requests-Left"] == first["X-Rate-Limit-Requests-Left"] - 1
    assert 0 < second["X-Rate-Limit-Time-Reset-Ms"] <= 30_000


def test_spent_quota_is_429_with_reset_headers(store: Any, api: httpx.Client) -> None:
    store.strict.v2_error_list = False  # v2's body as a v3 object here; the v2 list is its own switch
    store.rate.configure(quota=5, window_s=30.0)
    store.rate.spend(5)
    reply = api.get("v3/catalog/products")
    # No spec declares 429; notes §7: a 429 carries the X-Rate-Limit-* headers, reset in ms.
    spec.check_error_body(reply, 429)
    headers = spec.check_rate_limit_headers(reply)
    assert headers["X-Rate-Limit-Requests-Left"] == 0
    assert 0 < headers["X-Rate-Limit-Time-Reset-Ms"] <= 30_000
    assert headers["X-Rate-Limit-Requests-Quota"] == 5
    spec.check_error_body(api.get("v2/time"), 429)  # one quota for the whole store


# ------------------------------------------------------------------------------------ bad input


def test_malformed_json_body_is_400(api: httpx.Client) -> None:
    reply = api.put(
        "v3/catalog/products", content=b'[{"id": 1, "name": ', headers={"Content-Type": "application/json"}
    )
    # PUT /catalog/products declares no 400; notes §9: malformed JSON is 400 with the v3 body.
    spec.check_schema("products", "error_Base", spec.check_error_body(reply, 400))


def test_malformed_json_on_inventory_is_400(api: httpx.Client) -> None:
    reply = api.put(
        "v3/inventory/adjustments/absolute",
        content=b"{items: nope}",
        headers={"Content-Type": "application/json"},
    )
    spec.check_error_body(reply, 400)


def test_wrong_content_type_is_415(api: httpx.Client) -> None:
    reply = api.put(
        "v3/catalog/products", content=b'[{"id": 1, "name": "x"}]', headers={"Content-Type": "text/plain"}
    )
    # The products spec declares 415 only on custom fields (as text/html); notes §9: bad Content-Type is 415.
    assert spec.request_errors("products", reply.request), "the spec only accepts application/json bodies"
    spec.check_error_body(reply, 415)


def test_unknown_include_value_is_422(api: httpx.Client) -> None:
    reply = api.get("v3/catalog/products", params={"include": "variants,bogus"})
    assert spec.request_errors("products", reply.request), "`include` is an enum"
    spec.check_error_body(reply, 422)  # notes §11: an unknown include is a 422 (undeclared for GET)


def test_unknown_query_parameter_gets_a_well_formed_reply(api: httpx.Client) -> None:
    reply = api.get("v3/catalog/products", params={"no_such_filter": "1", "limit": 2})
    # Neither spec nor notes say what BigCommerce does with an undeclared filter: ignore it or reject it.
    if reply.status_code == 200:
        assert len(spec.check_response("products", reply)["data"]) == 2
    else:
        assert reply.status_code in (400, 422)
        spec.check_error_body(reply, reply.status_code)


def test_body_that_is_not_a_list_for_a_batch_is_422(api: httpx.Client) -> None:
    reply = api.put("v3/catalog/variants", json={"id": 1, "inventory_level": 2})
    assert spec.request_errors("variants", reply.request), "the batch body is an array"
    assert reply.status_code in (400, 422)
    spec.check_error_body(reply, reply.status_code)


# (spec, collection path)
COLLECTIONS = [
    ("variants", "v3/catalog/variants"),
    ("inventory", "v3/inventory/items"),
    ("locations", "v3/inventory/locations"),
    ("webhooks", "v3/hooks"),
]


@pytest.mark.parametrize(("spec_name", "path"), COLLECTIONS, ids=[c[1] for c in COLLECTIONS])
@pytest.mark.parametrize("params", [{"limit": "abc"}, {"page": "two"}], ids=["limit", "page"])
def test_non_numeric_paging_is_422_everywhere(
    api: httpx.Client, spec_name: str, path: str, params: dict[str, str]
) -> None:
    reply = api.get(path, params=params)
    assert spec.request_errors(spec_name, reply.request), "paging values are integers in every spec"
    # No collection GET declares 422; notes §11: a non-integer paging value is a 422 with the v3 body.
    body = spec.check_error_body(reply, 422)
    if spec_name in ("inventory", "locations"):  # notes §9: inventory errors are problem+json
        assert reply.headers["content-type"].startswith("application/problem+json")
        spec.check_schema(spec_name, "ErrorResponse", body)
