"""JSON → domain mapping: strict per product, tolerant per page, whole for 250×30 pages."""

from __future__ import annotations

import copy
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest

from backorder_desktop.adapters.bigcommerce.mapping import map_catalog_summary
from backorder_desktop.adapters.bigcommerce.mapping import map_products_page
from backorder_desktop.adapters.bigcommerce.mapping import map_server_time
from backorder_desktop.adapters.bigcommerce.mapping import map_store
from backorder_desktop.adapters.bigcommerce.mapping import parse_datetime
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Variant
from tests.bigcommerce_payloads import product


def page(items: list[Any], current: int = 1, total_pages: int = 3, total: int = 600) -> dict[str, Any]:
    return {
        "data": items,
        "meta": {
            "pagination": {
                "total": total,
                "count": len(items),
                "per_page": 250,
                "current_page": current,
                "total_pages": total_pages,
                "links": {},
            }
        },
    }


def test_a_page_maps_products_variants_and_pagination() -> None:
    raw = product(1)
    raw["variants"][1]["purchasing_disabled"] = True
    raw["variants"][1]["price"] = 9.75
    result = map_products_page(page([raw, product(2, variants=0)], current=2))
    assert (result.page, result.total_pages, result.total, result.problems) == (2, 3, 600, ())
    first, simple = result.products
    assert first.inventory_tracking is InventoryTracking.VARIANT
    assert [v.option_label for v in first.variants] == ["Colour 1 / XL", "Colour 2 / XL"]
    assert [v.inventory_level for v in first.variants] == [1, 2]
    assert first.variants == (
        Variant(
            id=101,
            product_id=1,
            sku="P-1-1",
            inventory_level=1,
            price=None,
            option_label="Colour 1 / XL",
            purchasing_disabled=False,
        ),
        Variant(
            id=102,
            product_id=1,
            sku="P-1-2",
            inventory_level=2,
            price=9.75,
            option_label="Colour 2 / XL",
            purchasing_disabled=True,
        ),
    )
    assert (first.name, first.sku, first.inventory_level, first.price) == ("Product 1", "P-1", 5, 12.5)
    assert (first.is_visible, first.availability, first.base_variant_id) == (True, "available", None)
    assert first.date_modified == datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)
    # A product without options keeps its base variant, with an empty label.
    assert simple.base_variant_id == 200
    assert [(v.id, v.option_label, v.price) for v in simple.variants] == [(200, "", 12.5)]


def test_int_prices_and_null_skus_are_accepted_as_what_they_mean() -> None:
    raw = product(1)
    raw["price"] = 12
    raw["variants"][0].update(price=3, sku=None)
    (mapped,) = map_products_page(page([raw])).products
    assert mapped.price == 12.0 and isinstance(mapped.price, float)
    assert (mapped.variants[0].price, mapped.variants[0].sku) == (3.0, "")


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("name", None, "“name”"),
        ("price", "12.50", "“price” should be a number"),
        ("inventory_level", True, "“inventory_level”"),
        ("inventory_level", 2.5, "“inventory_level”"),
        ("is_visible", 1, "“is_visible”"),
        ("inventory_tracking", "sometimes", "none, product or variant"),
        ("inventory_tracking", ["list"], "none, product or variant"),
        ("date_modified", "yesterday", "ISO-8601"),
        ("variants", None, "“variants”"),
        ("base_variant_id", "7", "“base_variant_id”"),
    ],
)
def test_a_bad_product_becomes_a_problem_and_the_rest_is_kept(field: str, value: Any, needle: str) -> None:
    bad = product(2)
    bad[field] = value
    result = map_products_page(page([product(1), bad, product(3)]))
    assert [p.id for p in result.products] == [1, 3]
    (problem,) = result.problems
    assert problem.item == "product 2"
    assert needle in problem.message


@pytest.mark.parametrize("field", ["id", "name", "inventory_level", "price", "date_modified"])
def test_a_missing_required_field_becomes_a_problem(field: str) -> None:
    bad = product(2)
    del bad[field]
    result = map_products_page(page([bad, product(3)]))
    assert [p.id for p in result.products] == [3]
    assert "missing" in result.problems[0].message
    expected_item = "item 1 of page 1" if field == "id" else "product 2"
    assert result.problems[0].item == expected_item


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda v: v.update(product_id=99), "“product_id” should be 2"),
        (lambda v: v.update(inventory_level="3"), "variant 201"),
        (lambda v: v.update(option_values=[{"id": 1}]), "no “label”"),
        (lambda v: v.update(option_values=[{"label": 5}]), "not text"),
        (lambda v: v.pop("id"), "variants[].id"),
    ],
)
def test_a_bad_variant_skips_its_whole_product(change: Any, needle: str) -> None:
    bad = product(2)
    change(bad["variants"][0])
    result = map_products_page(page([bad, product(3)]))
    assert [p.id for p in result.products] == [3]
    assert needle in result.problems[0].message


def test_a_non_object_item_is_a_problem_not_a_crash() -> None:
    result = map_products_page(page([product(1), "oops", None]))
    assert [p.id for p in result.products] == [1]
    assert [p.item for p in result.problems] == ["item 2 of page 1", "item 3 of page 1"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"data": {}},
        {"data": [], "meta": {}},
        {"data": [], "meta": {"pagination": {"total": 1, "total_pages": "1", "current_page": 1}}},
        {"meta": {"pagination": {"total": 1, "total_pages": 1, "current_page": 1}}},
    ],
)
def test_a_page_of_the_wrong_shape_is_malformed(body: Any) -> None:
    with pytest.raises(MalformedReply):
        map_products_page(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T01:02:03+00:00", datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-27T01:02:03Z", datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-27T03:02:03+02:00", datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-27T01:02:03", datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)),
    ],
)
def test_dates_become_aware_utc(text: str, expected: datetime) -> None:
    value = parse_datetime(text)
    assert value == expected
    assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_store_time_and_summary() -> None:
    info = map_store(
        {
            "id": "abc123",
            "name": "Shop",
            "plan_name": "Plus",
            "domain": "shop.example",
            "currency": "EUR",
            "features": {},
        }
    )
    assert (info.store_hash, info.name, info.plan_name, info.currency) == ("abc123", "Shop", "Plus", "EUR")
    assert map_server_time({"time": 1764205323}) == datetime(2025, 11, 27, 1, 2, 3, tzinfo=UTC)
    summary = map_catalog_summary({"data": {"variant_count": 12, "inventory_count": -3, "other": 1}})
    assert (summary.variant_count, summary.inventory_count) == (12, -3)
    for bad_call in (
        lambda: map_store({"name": "x"}),
        lambda: map_server_time({"time": "now"}),
        lambda: map_catalog_summary({"data": {"variant_count": 1}}),
    ):
        with pytest.raises(MalformedReply):
            bad_call()


def test_a_full_page_of_250_products_with_30_variants_maps_whole_and_leaves_the_reply_alone() -> None:
    """The speed of mapping is measured where it matters, in the bench's pulls (rows 2, 3, 5)."""
    body = page([product(pid, variants=30) for pid in range(1, 251)], total_pages=1, total=250)
    untouched = copy.deepcopy(body)
    result = map_products_page(body)
    assert body == untouched  # the reply is read, never rewritten in place
    assert map_products_page(body) == result  # so mapping it again gives the same page
    assert (result.problems, result.skipped_ids) == ((), ())
    assert [p.id for p in result.products] == list(range(1, 251))
    variants = [v for p in result.products for v in p.variants]
    assert len(variants) == 7500
    assert [(v.id, v.product_id, v.inventory_level) for v in variants[28:31]] == [
        (129, 1, 29),
        (130, 1, 30),
        (201, 2, 1),
    ]
    assert variants[-1].option_label == "Colour 30 / XL" and variants[-1].sku == "P-250-30"
