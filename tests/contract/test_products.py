"""Contract of ``v3/catalog/products[/{id}]`` and ``v3/catalog/summary`` against products_catalog.v3.yml."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from tests.contract import spec
from tests.contract.conftest import all_products

PRODUCTS = "v3/catalog/products"
CATALOG_SIZE = 60


def _page(api: httpx.Client, **params: Any) -> dict[str, Any]:
    body = spec.check_response("products", api.get(PRODUCTS, params=params))
    spec.check_envelope(body, collection=True)
    return body


def _new_product(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": "physical", "weight": 1.5, "price": 12.0, "sku": f"SKU-{name}", **fields}


# ------------------------------------------------------------------------------------------- list


def test_default_page_has_spec_pagination(api: httpx.Client) -> None:
    body = _page(api)
    pagination = body["meta"]["pagination"]
    assert pagination["per_page"] == 50  # LimitParam default
    assert pagination["total"] == CATALOG_SIZE
    assert pagination["count"] == len(body["data"]) == 50
    assert pagination["current_page"] == 1
    assert pagination["total_pages"] == math.ceil(CATALOG_SIZE / 50)
    assert "page=1" in pagination["links"]["current"]


def test_paging_visits_every_product_once(api: httpx.Client) -> None:
    seen: list[int] = []
    for page in (1, 2, 3):
        body = _page(api, limit=25, page=page)
        pagination = body["meta"]["pagination"]
        assert pagination["current_page"] == page
        assert pagination["total_pages"] == 3
        assert pagination["count"] == len(body["data"])
        seen.extend(p["id"] for p in body["data"])
    assert len(seen) == len(set(seen)) == CATALOG_SIZE
    assert seen == sorted(seen)  # default order is by id


def test_page_past_the_end_is_empty(api: httpx.Client) -> None:
    body = _page(api, limit=50, page=9)
    assert body["data"] == []
    assert body["meta"]["pagination"]["total"] == CATALOG_SIZE


def test_limit_250_is_allowed_and_over_250_is_422(store: Any, api: httpx.Client) -> None:
    store.strict.largest_page_fails = False  # what the spec allows, not the gateway's time-out
    assert len(_page(api, limit=250)["data"]) == CATALOG_SIZE
    reply = api.get(PRODUCTS, params={"limit": 251})
    assert spec.request_errors("products", reply.request), "the spec caps limit at 250"
    # GET /catalog/products declares no 422 reply; notes §2/§9 document the v3 error body instead.
    body = spec.check_error_body(reply, 422)
    spec.check_schema("products", "error_Base", body, where="422 body")


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"page": "two"}])
def test_non_numeric_paging_is_422(api: httpx.Client, params: dict[str, str]) -> None:
    reply = api.get(PRODUCTS, params=params)
    assert spec.request_errors("products", reply.request)
    # Undeclared for this operation; notes §11: a non-integer paging value is a 422 with the v3 body.
    spec.check_schema("products", "error_Base", spec.check_error_body(reply, 422))


def test_include_variants_adds_spec_shaped_variants(api: httpx.Client) -> None:
    body = _page(api, include="variants", limit=100)  # a page the strict store serves
    assert body["data"]
    for product in body["data"]:
        # Spec gap: product_Full has no `variants`; notes §3.1: each is a productVariant_Full.
        variants = product["variants"]
        assert variants, f"product {product['id']} has no variant (every product has at least one)"
        for variant in variants:
            spec.check_schema(
                "variants", "productVariant_Full", variant, where=f"product {product['id']} variant"
            )
            assert variant["product_id"] == product["id"]
        if not any(v["option_values"] for v in variants):
            assert [v["id"] for v in variants] == [product["base_variant_id"]]


def test_without_include_there_are_no_variants(api: httpx.Client) -> None:
    assert all("variants" not in p for p in _page(api)["data"])


def test_include_fields_returns_id_plus_the_named_fields(api: httpx.Client) -> None:
    body = _page(api, include_fields="name,inventory_level,date_modified")
    assert body["data"]
    for product in body["data"]:
        assert set(product) == {"id", "name", "inventory_level", "date_modified"}


def test_include_fields_with_an_unknown_field_is_422(api: httpx.Client) -> None:
    reply = api.get(PRODUCTS, params={"include_fields": "name,no_such_field"})
    assert spec.request_errors("products", reply.request), "include_fields is an enum in the spec"
    spec.check_error_body(reply, 422)  # undeclared for GET; notes §11: an enum violation is a 422


def test_id_filters(api: httpx.Client) -> None:
    ids = [p["id"] for p in _page(api, limit=10)["data"]]
    picked = [ids[1], ids[4], ids[7]]
    assert [p["id"] for p in _page(api, **{"id:in": ",".join(map(str, picked))})["data"]] == picked
    assert [p["id"] for p in _page(api, id=ids[3])["data"]] == [ids[3]]
    ranged = [p["id"] for p in _page(api, **{"id:min": ids[2], "id:max": ids[5]})["data"]]
    assert ranged == ids[2:6]


def test_sku_filter_matches_the_product_sku(api: httpx.Client) -> None:
    target = _page(api, limit=5)["data"][3]
    body = _page(api, sku=target["sku"])
    assert [p["id"] for p in body["data"]] == [target["id"]]


def test_is_visible_filter(api: httpx.Client) -> None:
    everything = _page(api, limit=250)["data"]
    hidden = _page(api, is_visible="false", limit=250)["data"]
    assert all(p["is_visible"] is False for p in hidden)
    assert len(hidden) == sum(1 for p in everything if not p["is_visible"])


def test_sort_and_direction(api: httpx.Client) -> None:
    descending = [p["id"] for p in _page(api, sort="id", direction="desc", limit=250)["data"]]
    assert descending == sorted(descending, reverse=True)
    by_price = [p["price"] for p in _page(api, sort="price", direction="asc", limit=250)["data"]]
    assert by_price == sorted(by_price)


def test_date_modified_min_returns_products_changed_since(api: httpx.Client) -> None:
    target = _page(api, limit=3)["data"][2]
    spec.check_response(
        "products", api.put(f"{PRODUCTS}/{target['id']}", json={"inventory_warning_level": 4})
    )
    changed = spec.check_response("products", api.get(f"{PRODUCTS}/{target['id']}"))["data"]
    assert changed["date_modified"] > target["date_modified"], "every change bumps date_modified"
    body = _page(api, **{"date_modified:min": changed["date_modified"], "limit": 250})
    assert target["id"] in [p["id"] for p in body["data"]]
    assert all(p["date_modified"] >= changed["date_modified"] for p in body["data"])
    older = _page(api, **{"date_modified:max": target["date_modified"], "limit": 250})
    assert target["id"] not in [p["id"] for p in older["data"]]


# ----------------------------------------------------------------------------------------- writes


def test_create_product(api: httpx.Client) -> None:
    reply = api.post(
        PRODUCTS, json=_new_product("Contract Lamp", inventory_tracking="product", inventory_level=5)
    )
    body = spec.check_response("products", reply)
    assert reply.status_code == 200  # the spec's success status for POST /catalog/products
    spec.check_envelope(body, collection=False)
    created = body["data"]
    assert created["name"] == "Contract Lamp" and created["inventory_level"] == 5
    fetched = spec.check_response("products", api.get(f"{PRODUCTS}/{created['id']}"))["data"]
    assert fetched["sku"] == "SKU-Contract Lamp"


def test_create_without_required_fields_is_422(api: httpx.Client) -> None:
    reply = api.post(PRODUCTS, json={"name": "No price, type or weight"})
    assert spec.request_errors("products", reply.request), (
        "product_Base_POST requires name, type, weight, price"
    )
    body = spec.check_response("products", reply, request=False)
    assert reply.status_code == 422
    spec.check_error_body(reply, 422)
    assert body.get("errors"), "the 422 names the invalid fields"


def test_batch_update_of_ten(api: httpx.Client) -> None:
    products = _page(api, limit=10)["data"]
    updates = [{"id": p["id"], "inventory_warning_level": 7} for p in products]
    # Spec bug: product_Put_Collection requires `id` yet marks it readOnly: skip read/write context.
    spec.check_schema("products", "product_Put_Collection", updates, where="batch body", write=True)
    assert all("id" in item for item in updates)  # notes §3.2: every batch item needs its id
    reply = api.put(PRODUCTS, json=updates)
    body = spec.check_response("products", reply, request=False)
    assert reply.status_code == 200
    # Spec bug: the 200 example is a bare product; the schema and notes §3.2 say {data: [product], meta}.
    assert isinstance(body.get("data"), list) and "meta" in body
    assert sorted(p["id"] for p in body["data"]) == sorted(p["id"] for p in products)
    assert all(p["inventory_warning_level"] == 7 for p in body["data"])
    before = {p["id"]: p["date_modified"] for p in products}
    assert all(p["date_modified"] >= before[p["id"]] for p in body["data"])


def test_batch_update_of_eleven_is_413(api: httpx.Client) -> None:
    products = _page(api, limit=11)["data"]
    updates = [{"id": p["id"], "inventory_warning_level": 1} for p in products]
    # Spec gap: no maxItems on product_Put_Collection (the limit of 10 is prose), so 11 items validate.
    spec.check_schema("products", "product_Put_Collection", updates, where="batch body", write=True)
    reply = api.put(PRODUCTS, json=updates)
    body = spec.check_response("products", reply, request=False)  # request: see test_batch_update_of_ten
    assert reply.status_code == 413
    spec.check_error_body(reply, 413)
    assert "10" in body["title"]  # notes §3.2: "...The maximum items allowed in the array is 10."
    unchanged = _page(api, limit=11)["data"]
    assert [p["inventory_warning_level"] for p in unchanged] == [
        p["inventory_warning_level"] for p in products
    ]


def test_delete_by_id_in(api: httpx.Client) -> None:
    ids = [p["id"] for p in _page(api, limit=3)["data"]]
    reply = api.delete(PRODUCTS, params={"id:in": ",".join(map(str, ids))})
    spec.check_response("products", reply)
    assert reply.status_code == 204 and reply.content == b""
    for product_id in ids:
        spec.check_error_body(api.get(f"{PRODUCTS}/{product_id}"), 404)
    assert _page(api)["meta"]["pagination"]["total"] == CATALOG_SIZE - 3


def test_delete_without_a_filter_is_refused_and_deletes_nothing(api: httpx.Client) -> None:
    reply = api.delete(PRODUCTS)
    # DELETE /catalog/products declares only 204; notes §3.2: the call must include a filter.
    assert reply.status_code in (400, 422)
    spec.check_schema("products", "error_Base", spec.check_error_body(reply, reply.status_code))
    assert _page(api)["meta"]["pagination"]["total"] == CATALOG_SIZE


# ---------------------------------------------------------------------------------------- single


def test_get_one_product(api: httpx.Client) -> None:
    target = _page(api, limit=2)["data"][1]
    body = spec.check_response(
        "products", api.get(f"{PRODUCTS}/{target['id']}", params={"include": "variants"})
    )
    spec.check_envelope(body, collection=False)
    assert body["data"]["id"] == target["id"]
    for variant in body["data"]["variants"]:  # spec gap: `variants` is not in product_Full
        spec.check_schema("variants", "productVariant_Full", variant)


def test_get_one_product_with_include_fields(api: httpx.Client) -> None:
    target = _page(api, limit=1)["data"][0]
    body = spec.check_response(
        "products", api.get(f"{PRODUCTS}/{target['id']}", params={"include_fields": "sku"})
    )
    assert body["data"] == {"id": target["id"], "sku": target["sku"]}


def test_update_one_product(api: httpx.Client) -> None:
    target = _page(api, limit=1)["data"][0]
    reply = api.put(f"{PRODUCTS}/{target['id']}", json={"name": "Renamed by contract", "is_visible": False})
    body = spec.check_response("products", reply)
    assert reply.status_code == 200
    spec.check_envelope(body, collection=False)
    assert body["data"]["name"] == "Renamed by contract" and body["data"]["is_visible"] is False
    assert body["data"]["date_modified"] >= target["date_modified"]


def test_delete_one_product(api: httpx.Client) -> None:
    target = _page(api, limit=1)["data"][0]
    reply = api.delete(f"{PRODUCTS}/{target['id']}")
    spec.check_response("products", reply)
    assert reply.status_code == 204
    spec.check_response("products", api.get(f"{PRODUCTS}/{target['id']}"))  # the declared 404
    assert target["id"] not in [p["id"] for p in _page(api, limit=250)["data"]]


def test_unknown_product_is_404_on_get_and_put(api: httpx.Client) -> None:
    for reply in (api.get(f"{PRODUCTS}/999999"), api.put(f"{PRODUCTS}/999999", json={"name": "ghost"})):
        spec.check_response("products", reply)  # both operations declare 404
        spec.check_error_body(reply, 404)


def test_unknown_product_is_404_on_delete(api: httpx.Client) -> None:
    reply = api.delete(f"{PRODUCTS}/999999")
    # DELETE /catalog/products/{id} declares only 204; notes §3.2: unknown ids are 404.
    spec.check_schema("products", "error_Base", spec.check_error_body(reply, 404))


def test_non_integer_product_id_breaks_the_spec_and_is_rejected(api: httpx.Client) -> None:
    reply = api.get(f"{PRODUCTS}/abc")
    assert spec.request_errors("products", reply.request)
    assert reply.status_code in (404, 422)  # notes §11: Prism says 422; the live API's answer is undocumented
    spec.check_error_body(reply, reply.status_code)


# --------------------------------------------------------------------------------------- summary


def test_catalog_summary(api: httpx.Client) -> None:
    body = spec.check_response("products", api.get("v3/catalog/summary"))
    spec.check_envelope(body, collection=False)
    summary = body["data"]
    variants = sum(len(p["variants"]) for p in all_products(api))
    assert summary["variant_count"] == variants
    assert summary["inventory_count"] >= 0
