"""The contract harness itself: specs load fast and once, and wrong replies really fail validation.

These are the only tests that use hand-made responses: they prove that a green contract suite means
something (a validator that accepts everything would pass every other test in this folder).
"""

from __future__ import annotations

import httpx
import pytest

from tests.contract import spec
from tests.contract.spec import ContractViolation

PRODUCTS_URL = "http://127.0.0.1:9/stores/demo/v3/catalog/products"
AUTH = {"X-Auth-Token": "demo-token", "Accept": "application/json"}

PAGINATION = {
    "total": 1,
    "count": 1,
    "per_page": 50,
    "current_page": 1,
    "total_pages": 1,
    "links": {"current": "?page=1&limit=50"},
}


def _reply(status: int, body: object, *, url: str = PRODUCTS_URL, method: str = "GET") -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request(method, url, headers=AUTH))


def _product(**fields: object) -> dict[str, object]:
    return {"id": 7, "name": "Widget", "type": "physical", "price": 9.5, "inventory_level": 3, **fields}


def test_every_spec_loads_and_only_once() -> None:
    spec.openapi.cache_clear()
    spec.spec_document.cache_clear()
    apps = {name: spec.openapi(name) for name in spec.SPEC_FILES}
    assert all(spec.openapi(name) is app for name, app in apps.items())
    assert spec.spec_document.cache_info().misses == len(spec.SPEC_FILES)  # each file read once


def test_a_valid_product_list_passes_and_extra_fields_are_allowed() -> None:
    body = {"data": [_product(future_field={"added": "by the live API"})], "meta": {"pagination": PAGINATION}}
    assert spec.check_response("products", _reply(200, body)) == body


def test_negative_inventory_level_fails_validation() -> None:
    body = {"data": [_product(inventory_level=-1)], "meta": {"pagination": PAGINATION}}
    with pytest.raises(ContractViolation, match=r"data/0/inventory_level: -1 is less than the minimum of 0"):
        spec.check_response("products", _reply(200, body))


def test_wrong_type_fails_validation() -> None:
    body = {"data": [_product(id="seven")], "meta": {"pagination": PAGINATION}}
    with pytest.raises(ContractViolation, match="data/0/id"):
        spec.check_response("products", _reply(200, body))


def test_missing_required_field_fails_validation() -> None:
    # product_Full requires nothing, so use an inventory adjustment request: `items` is required.
    request = httpx.Request(
        "PUT", "http://127.0.0.1:9/stores/demo/v3/inventory/adjustments/absolute", headers=AUTH, json={}
    )
    assert spec.request_errors("inventory", request), "a body without `items` must break the spec"


def test_a_status_the_operation_does_not_declare_fails_validation() -> None:
    with pytest.raises(ContractViolation, match="Unknown response http status: 418"):
        spec.check_response("products", _reply(418, {"status": 418, "title": "teapot", "type": "x"}))


def test_an_unknown_path_fails_validation() -> None:
    reply = _reply(200, {"data": []}, url="http://127.0.0.1:9/stores/demo/v3/catalog/nothing-here")
    with pytest.raises(ContractViolation):
        spec.check_response("products", reply)


def test_the_request_is_validated_too() -> None:
    body = {"data": [_product()], "meta": {"pagination": PAGINATION}}
    with pytest.raises(ContractViolation, match="request breaks"):
        spec.check_response("products", _reply(200, body, url=PRODUCTS_URL + "?limit=251"))
    # ...unless the caller opts out because the spec is wrong about the request.
    assert spec.check_response("products", _reply(200, body, url=PRODUCTS_URL + "?limit=251"), request=False)


def test_a_request_without_token_breaks_the_security_requirement() -> None:
    request = httpx.Request("GET", PRODUCTS_URL, headers={"Accept": "application/json"})
    assert any("Security" in e for e in spec.request_errors("products", request))


def test_component_schemas_resolve_references_and_fail_on_bad_values() -> None:
    good = {"id": 1, "product_id": 2, "sku": "A-1", "sku_id": None, "option_values": [], "inventory_level": 0}
    spec.check_schema("variants", "productVariant_Full", good)
    with pytest.raises(ContractViolation, match="option_values/0/id"):
        spec.check_schema("variants", "productVariant_Full", {**good, "option_values": [{"id": "x"}]})


def test_webhook_payloads_are_checked_against_the_callback_schemas() -> None:
    payload = {
        "scope": "store/sku/inventory/updated",
        "store_id": "1",
        "hash": "0" * 40,
        "created_at": 1,
        "producer": "stores/demo",
        "data": {
            "type": "sku",
            "id": 5,
            "inventory": {"product_id": 1, "variant_id": 5, "method": "absolute", "value": 3},
        },
    }
    spec.check_webhook_payload("store/sku/inventory/updated", payload)
    with pytest.raises(ContractViolation, match="created_at"):
        spec.check_webhook_payload("store/sku/inventory/updated", {**payload, "created_at": "yesterday"})


def test_documented_error_shape_is_enforced_where_the_spec_requires_nothing() -> None:
    spec.check_error_body(_reply(404, {"status": 404, "title": "Not found", "type": "https://x"}), 404)
    with pytest.raises(ContractViolation, match="lacks"):
        spec.check_error_body(_reply(404, {"error": "not found"}), 404)
    with pytest.raises(ContractViolation, match="expected HTTP 401"):
        spec.check_error_body(_reply(500, {"status": 500, "title": "boom", "type": "x"}), 401)


def test_envelope_check_rejects_a_bare_object() -> None:
    with pytest.raises(ContractViolation, match="envelope"):
        spec.check_envelope(_product(), collection=True)
    spec.check_envelope({"data": [], "meta": {"pagination": PAGINATION}}, collection=True)


@pytest.mark.parametrize(
    ("name", "path", "patch"),
    [(name, path, patch) for name, errata in spec.ERRATA.items() for path, patch, _why in errata],
)
def test_each_erratum_is_still_needed(name: str, path: str, patch: dict[str, object]) -> None:
    raw = spec.pointer(spec.spec_document(name, errata=False), path)
    assert any(raw.get(key) != value for key, value in patch.items()), (
        f"{name} spec fixed {path}: drop the erratum"
    )
    patched = spec.pointer(spec.spec_document(name), path)
    assert all(patched.get(key) == value for key, value in patch.items())


@pytest.mark.parametrize("name", spec.X_NULLABLE_SPECS)
def test_x_nullable_erratum_is_still_needed(name: str) -> None:
    assert spec.x_nullable_nodes(spec.spec_document(name, errata=False)), f"{name} spec fixed x-nullable"
    assert not spec.x_nullable_nodes(spec.spec_document(name))
