"""The demo store's sample ERP feed: one row per tracked level, stable, different from the store's stock."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.feed_parsing import parse_feed

MakeStore = Callable[..., DemoStore]


def _tracked_levels(store: DemoStore) -> dict[str, tuple[str, int]]:
    """SKU → (where its stock lives, current level) for every tracked level of the catalog."""
    levels: dict[str, tuple[str, int]] = {}
    for product_id in store.catalog.product_ids():
        product = store.catalog.get_product(product_id)
        if product["inventory_tracking"] == "product":
            levels[product["sku"]] = (f"p{product_id}", product["inventory_level"])
        elif product["inventory_tracking"] == "variant":
            for variant in product["variants"]:
                levels[variant["sku"]] = (f"v{variant['id']}", variant["inventory_level"])
    return levels


def test_csv_and_json_feeds_list_every_tracked_level_with_a_different_quantity(demo_store: DemoStore) -> None:
    with httpx.Client(base_url=demo_store.api_url) as http:  # no token: the ERP is another server
        as_csv = http.get("/feeds/stock.csv")
        as_json = http.get("/feeds/stock.json", params={"token": "ignored"})
    assert as_csv.status_code == as_json.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_json.headers["content-type"] == "application/json"
    assert as_csv.content.startswith(b"sku,quantity\r\n")
    csv_rows = {r["sku"]: int(r["quantity"]) for r in csv.DictReader(io.StringIO(as_csv.text))}
    json_rows = {i["sku"]: i["quantity"] for i in as_json.json()["items"]}
    assert csv_rows == json_rows
    levels = _tracked_levels(demo_store)
    assert set(csv_rows) == set(levels)
    assert all(500 <= q <= 999 and q != levels[sku][1] for sku, q in csv_rows.items())
    for body, fmt in ((as_csv, "csv"), (as_json, "json")):
        report = parse_feed(body.content, format=fmt, sku_field="sku", quantity_field="quantity")
        assert report.problems == () and len(report.rows) == report.total_rows == len(levels)


def test_the_feed_is_stable_so_applying_it_once_settles_it(make_demo_store: MakeStore) -> None:
    store = make_demo_store(products=60)
    feed_url = f"{store.api_url}/feeds/stock.csv"
    first = httpx.get(feed_url).text
    rows = {r["sku"]: int(r["quantity"]) for r in csv.DictReader(io.StringIO(first))}
    for sku, (where, _level) in _tracked_levels(store).items():
        if where.startswith("p"):
            store.catalog.update_product(int(where[1:]), inventory_level=rows[sku])
        else:
            store.catalog.update_variant(int(where[1:]), inventory_level=rows[sku])
    assert {sku: level for sku, (_, level) in _tracked_levels(store).items()} == rows
    assert httpx.get(feed_url).text == first
    other_seed = make_demo_store(products=60, seed=2)
    assert httpx.get(f"{other_seed.api_url}/feeds/stock.csv").text != first


def test_the_feed_follows_the_catalog_and_ignores_quota_and_faults(make_demo_store: MakeStore) -> None:
    store = make_demo_store(products=40, quota=0, error_500_rate=1.0)
    deleted = next(
        p for p in store.catalog.product_ids() if store.catalog.get_product(p)["inventory_tracking"] != "none"
    )
    gone = {v["sku"] for v in store.catalog.get_product(deleted)["variants"]} | {
        store.catalog.get_product(deleted)["sku"]
    }
    store.catalog.delete_product(deleted)
    reply = httpx.get(f"{store.api_url}/feeds/stock.json")
    assert reply.status_code == 200
    assert not gone & {item["sku"] for item in reply.json()["items"]}
    assert store.requests.count("GET", "/feeds/stock.json", status=200) == 1


def test_other_paths_and_methods_are_refused(demo_store: DemoStore) -> None:
    with httpx.Client(base_url=demo_store.api_url) as http:
        missing = http.get("/feeds/other.csv")
        written = http.put("/feeds/stock.csv", content=b"sku,quantity\n")
        head = http.head("/feeds/stock.csv")
    assert missing.status_code == 404 and "/feeds/stock.csv" in missing.json()["title"]
    assert written.status_code == 405 and written.headers["allow"] == "GET, HEAD"
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 20
