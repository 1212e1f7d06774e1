"""Reading the catalog: paging and ``meta.pagination``, filters, include, sorting, single products."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.fixtures_demo import strict_except

PRODUCTS = "/v3/catalog/products"


def test_default_page_is_fifty_with_full_pagination_meta(api: httpx.Client) -> None:
    reply = api.get(PRODUCTS)
    assert reply.status_code == 200
    body = reply.json()
    assert [p["id"] for p in body["data"]] == list(range(1, 51))
    assert body["meta"]["pagination"] == {
        "total": 200,
        "count": 50,
        "per_page": 50,
        "current_page": 1,
        "total_pages": 4,
        "links": {"current": "?page=1&limit=50", "next": "?page=2&limit=50"},
    }
    assert "variants" not in body["data"][0]


def test_middle_and_last_pages_link_both_ways(api: httpx.Client) -> None:
    middle = api.get(PRODUCTS, params={"page": 2, "limit": 75, "include": "variants"}).json()["meta"][
        "pagination"
    ]
    assert middle["links"] == {
        "previous": "?include=variants&page=1&limit=75",
        "current": "?include=variants&page=2&limit=75",
        "next": "?include=variants&page=3&limit=75",
    }
    last = api.get(PRODUCTS, params={"page": 3, "limit": 75}).json()
    assert last["meta"]["pagination"]["count"] == 50
    assert "next" not in last["meta"]["pagination"]["links"]
    beyond = api.get(PRODUCTS, params={"page": 9, "limit": 75}).json()
    assert beyond["data"] == [] and beyond["meta"]["pagination"]["current_page"] == 9


def test_paging_with_250_reads_every_product_once(make_demo_store: Callable[..., DemoStore]) -> None:
    store = make_demo_store(products=600, strict=strict_except("largest_page_fails"))
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}) as client:
        seen: list[int] = []
        page = 1
        while True:
            body = client.get(PRODUCTS, params={"limit": 250, "page": page, "include": "variants"}).json()
            seen += [p["id"] for p in body["data"]]
            assert all(p["variants"] for p in body["data"])
            if body["meta"]["pagination"]["current_page"] >= body["meta"]["pagination"]["total_pages"]:
                break
            page += 1
    assert seen == list(range(1, 601))


@pytest.mark.parametrize(
    ("params", "name"),
    [({"limit": 251}, "limit"), ({"limit": "abc"}, "limit"), ({"page": "x"}, "page"), ({"page": 0}, "page")],
)
def test_bad_paging_values_are_422_naming_the_parameter(
    api: httpx.Client, params: dict[str, object], name: str
) -> None:
    reply = api.get(PRODUCTS, params=params)
    assert reply.status_code == 422
    body = reply.json()
    assert body["status"] == 422 and name in body["title"] and name in body["errors"]


def test_unknown_parameters_are_ignored(api: httpx.Client) -> None:
    reply = api.get(PRODUCTS, params={"colour_of_the_day": "blue", "limit": 5})
    assert reply.status_code == 200
    assert len(reply.json()["data"]) == 5


def test_include_fields_keeps_id_and_the_named_fields(api: httpx.Client) -> None:
    reply = api.get(
        PRODUCTS, params={"include_fields": "sku,inventory_level", "include": "variants", "limit": 3}
    )
    for product in reply.json()["data"]:
        assert set(product) == {"id", "sku", "inventory_level", "variants"}
        assert "option_values" in product["variants"][0]
    assert api.get(PRODUCTS, params={"include_fields": "colour"}).status_code == 422
    assert api.get(PRODUCTS, params={"include": "everything"}).status_code == 422


def test_exclude_fields_never_drops_id(api: httpx.Client) -> None:
    product = api.get(PRODUCTS, params={"exclude_fields": "id,description,name", "limit": 1}).json()["data"][
        0
    ]
    assert "id" in product and "description" not in product and "name" not in product and "sku" in product


def test_id_filters(api: httpx.Client) -> None:
    def ids(**params: object) -> list[int]:
        return [p["id"] for p in api.get(PRODUCTS, params={**params, "limit": 250}).json()["data"]]

    assert ids(id=7) == [7]
    assert ids(**{"id:in": "3,1,250,9"}) == [1, 3, 9]
    assert ids(**{"id:min": 195}) == [195, 196, 197, 198, 199, 200]
    assert ids(**{"id:max": 3}) == [1, 2, 3]
    assert ids(**{"id:min": 10, "id:max": 12}) == [10, 11, 12]
    assert api.get(PRODUCTS, params={"id:in": "1,x"}).status_code == 422


def test_sku_filter_matches_the_product_sku_only(demo_store: DemoStore, api: httpx.Client) -> None:
    product = demo_store.catalog.get_product(42)
    assert [p["id"] for p in api.get(PRODUCTS, params={"sku": product["sku"]}).json()["data"]] == [42]
    with_options = next(
        p
        for p in map(demo_store.catalog.get_product, demo_store.catalog.product_ids())
        if p["base_variant_id"] is None
    )
    variant_sku = with_options["variants"][0]["sku"]
    assert api.get(PRODUCTS, params={"sku": variant_sku}).json()["data"] == []


def test_is_visible_filter(api: httpx.Client) -> None:
    hidden = api.get(PRODUCTS, params={"is_visible": "false", "limit": 250}).json()
    shown = api.get(PRODUCTS, params={"is_visible": "true", "limit": 250}).json()
    assert hidden["data"] and all(not p["is_visible"] for p in hidden["data"])
    assert hidden["meta"]["pagination"]["total"] + shown["meta"]["pagination"]["total"] == 200
    assert api.get(PRODUCTS, params={"is_visible": "maybe"}).status_code == 422


def test_date_modified_filters_accept_timestamps_and_dates(demo_store: DemoStore, api: httpx.Client) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    demo_store.catalog.update_product(5, name="Freshly Renamed Product")
    demo_store.catalog.update_product(17, price=12.5)
    for since in (before.isoformat(), before.strftime("%Y-%m-%dT%H:%M:%SZ"), str(int(before.timestamp()))):
        body = api.get(PRODUCTS, params={"date_modified:min": since}).json()
        assert [p["id"] for p in body["data"]] == [5, 17], since
    old = api.get(PRODUCTS, params={"date_modified:max": "2025-12-31", "limit": 250}).json()
    assert old["meta"]["pagination"]["total"] == 198
    assert api.get(PRODUCTS, params={"date_modified:min": "yesterday"}).status_code == 422


def test_sort_and_direction(api: httpx.Client) -> None:
    by_price = api.get(PRODUCTS, params={"sort": "price", "direction": "desc", "limit": 250}).json()["data"]
    prices = [p["price"] for p in by_price]
    assert prices == sorted(prices, reverse=True)
    by_id = api.get(PRODUCTS, params={"direction": "desc", "limit": 3}).json()["data"]
    assert [p["id"] for p in by_id] == [200, 199, 198]
    names = [p["name"] for p in api.get(PRODUCTS, params={"sort": "name", "limit": 250}).json()["data"]]
    assert names == sorted(names)
    assert api.get(PRODUCTS, params={"sort": "colour"}).status_code == 422


def test_one_product_and_its_variants(demo_store: DemoStore, api: httpx.Client) -> None:
    product = api.get(f"{PRODUCTS}/12", params={"include": "variants,options,images"}).json()
    assert product["meta"] == {}
    data = product["data"]
    assert data["id"] == 12 and data["images"] == [] and isinstance(data["options"], list)
    assert data == {**demo_store.catalog.get_product(12), "options": data["options"], "images": []}
    variants = api.get(f"{PRODUCTS}/12/variants").json()
    assert variants["data"] == data["variants"]
    assert variants["meta"]["pagination"]["total"] == len(data["variants"])


def test_unknown_product_is_404(api: httpx.Client) -> None:
    for path in (f"{PRODUCTS}/9999", f"{PRODUCTS}/9999/variants"):
        reply = api.get(path)
        assert reply.status_code == 404
        assert reply.json()["status"] == 404 and "9999" in reply.json()["title"]
    assert api.get(f"{PRODUCTS}/abc").status_code == 422


def test_all_variants_paging_and_filters(demo_store: DemoStore, api: httpx.Client) -> None:
    total = demo_store.catalog.variant_count()
    seen: list[int] = []
    page = 1
    while True:
        body = api.get("/v3/catalog/variants", params={"limit": 100, "page": page}).json()
        assert body["meta"]["pagination"]["total"] == total
        seen += [v["id"] for v in body["data"]]
        if page >= body["meta"]["pagination"]["total_pages"]:
            break
        page += 1
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == total
    three = demo_store.catalog.get_product(3)["variants"]
    by_product = api.get("/v3/catalog/variants", params={"product_id:in": "3"}).json()["data"]
    assert by_product == three
    by_sku = api.get("/v3/catalog/variants", params={"sku": three[-1]["sku"]}).json()["data"]
    assert [v["id"] for v in by_sku] == [three[-1]["id"]]
    fields = api.get("/v3/catalog/variants", params={"include_fields": "sku", "limit": 2}).json()["data"]
    assert all(set(v) == {"id", "sku"} for v in fields)


def test_summary_counts_the_catalog(demo_store: DemoStore, api: httpx.Client) -> None:
    data = api.get("/v3/catalog/summary").json()["data"]
    assert data["variant_count"] == demo_store.catalog.variant_count()
    products = [demo_store.catalog.get_product(p) for p in demo_store.catalog.product_ids()]
    assert data["inventory_count"] == sum(p["inventory_level"] for p in products)
    assert isinstance(data["lowest_variant_price"], str)
    assert (
        data["highest_variant_price"] >= data["average_variant_price"] >= float(data["lowest_variant_price"])
    )
    assert data["primary_category_name"]


def test_store_information_and_time(demo_store: DemoStore, api: httpx.Client) -> None:
    store = api.get("/v2/store").json()
    assert store["id"] == "demo" and store["store_id"] == demo_store.store_id
    assert {"name", "plan_name", "domain", "currency", "timezone", "features"} <= set(store)
    now = api.get("/v2/time").json()["time"]
    assert abs(now - dt.datetime.now(dt.UTC).timestamp()) < 5
