"""Hostile input: API pages, reply bodies and stock feeds never crash, hang or put garbage in the mirror.

Each target gets random hostile input from hypothesis (``hostile.py``): wrong types in every field,
huge numbers, NaN and infinities, lone surrogates, NUL, enormous strings, deep nesting and bytes
that are not UTF-8. What may come out is fixed: a ``ProductPage`` whose bad items are
``ItemProblem`` entries, a ``MalformedReply`` (or another ``ApiError``), a ``FeedReport`` or a
``FeedError`` — never another exception. What the mapper accepts is applied to a real
``SqliteMirrorStore`` and must come back exactly, with sane values.

The explicit tests at the end are the regressions of the bugs these fuzzers found (issue 8).
"""

from __future__ import annotations

import contextlib
import logging
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.bigcommerce.mapping import map_products_page
from backorder_desktop.adapters.bigcommerce.mapping import map_server_time
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.feed_parsing import parse_feed
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductPage
from backorder_desktop.domain.stock import MAX_LEVEL
from backorder_desktop.domain.stock_policy import STOCK_MIN
from tests.integration.support import integrity_ok
from tests.reliability import hostile
from tests.reliability.budget import FUZZ_EXAMPLES
from tests.reliability.budget import hypothesis_settings

SQLITE_MAX = 2**63 - 1
LEVEL_MIN = -(2**31)
NO_RETRY = RetryPolicy(attempts=1, initial_delay_s=0.0, max_delay_s=0.0, jitter=0.0, rate_limit_attempts=1)
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None  # a fresh database per input, in memory
FUZZED: dict[str, int] = {}  # inputs tried per target, printed at the end of the module


def _count(target: str) -> None:
    FUZZED[target] = FUZZED.get(target, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Iterator[None]:
    yield
    print(f"\nfuzz inputs tried: {FUZZED} (total {sum(FUZZED.values())})")


def _clean_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def assert_sane(product: Product) -> None:
    """What the mirror may hold: ids a database can keep, real numbers, text that is text."""
    assert 0 < product.id <= SQLITE_MAX
    assert LEVEL_MIN <= product.inventory_level <= MAX_LEVEL
    assert math.isfinite(product.price)
    assert all(_clean_text(t) for t in (product.name, product.sku, product.availability))
    assert product.base_variant_id is None or 0 < product.base_variant_id <= SQLITE_MAX
    for variant in product.variants:
        assert 0 < variant.id <= SQLITE_MAX
        assert variant.product_id == product.id
        assert variant.inventory_level is None or LEVEL_MIN <= variant.inventory_level <= MAX_LEVEL
        assert variant.price is None or math.isfinite(variant.price)
        assert _clean_text(variant.sku) and _clean_text(variant.option_label)


def _apply_and_read_back(products: tuple[Product, ...]) -> None:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        database = Path(folder) / "fuzz.db"
        store = SqliteMirrorStore(database)
        try:
            store.apply_products(products, pass_id=1, keep_backorder_stock=True)
            again = store.apply_products(products, pass_id=1, keep_backorder_stock=True)
            last = {p.id: p for p in products}  # a repeated id: the last one wins
            assert again.created == 0 and again.changed == 0
            listed = {v.id for p in last.values() for v in p.variants}
            for pid, product in last.items():
                stored = store.get_product(pid)
                assert stored is not None
                # A variant listed under two products ends under the last one that lists it.
                mine = tuple(v for v in product.variants if v.id in {w.id for w in stored.variants})
                assert (stored.id, stored.name, stored.sku, stored.inventory_level) == (
                    product.id,
                    product.name,
                    product.sku,
                    product.inventory_level,
                )
                assert stored.price == product.price and stored.date_modified == product.date_modified
                assert set(stored.variants) <= set(product.variants) | set(mine)
            assert {v.id for p in store.search_products("") for v in p.variants} == listed
        finally:
            store.close()
        assert integrity_ok(database)


# --- the page mapper ----------------------------------------------------------------------------


@hypothesis_settings(FUZZ_EXAMPLES)
@given(document=hostile.JSON_VALUES)
def test_any_json_document_is_a_page_or_a_malformed_reply(document: Any) -> None:
    _count("page: any JSON")
    try:
        result = map_products_page(document)
    except MalformedReply:
        return
    assert isinstance(result, ProductPage)


@hypothesis_settings(FUZZ_EXAMPLES)
@given(
    items=st.lists(st.one_of(hostile.mutated_products(), hostile.JSON_VALUES), min_size=1, max_size=4),
    good_id=st.integers(min_value=51, max_value=60),
)
@example(items=[dict(hostile.product(1), name="\udc80")], good_id=51)
@example(items=[dict(hostile.product(1), id=10**20)], good_id=51)
@example(items=[dict(hostile.product(1), price=float("nan"))], good_id=51)
@example(items=[dict(hostile.product(1), date_modified="0001-01-01T00:00:00+01:00")], good_id=51)
def test_hostile_products_become_problems_and_the_rest_is_mirrored_exactly(
    items: list[Any], good_id: int
) -> None:
    _count("page: hostile products")
    good = hostile.product(good_id, 2)
    result = map_products_page(hostile.page([*items, good]))
    assert len(result.products) + len(result.problems) == len(items) + 1  # every item accounted for
    assert any(p.id == good_id for p in result.products)
    for product in result.products:
        assert_sane(product)
    _apply_and_read_back(result.products)


@hypothesis_settings(FUZZ_EXAMPLES)
@given(
    total=st.one_of(hostile.HUGE_INTS, st.integers(), hostile.SCALARS),
    total_pages=st.one_of(hostile.HUGE_INTS, st.integers(), hostile.SCALARS),
    current=st.one_of(hostile.HUGE_INTS, st.integers(), hostile.SCALARS),
)
def test_pagination_is_whole_and_consistent_or_refused(total: Any, total_pages: Any, current: Any) -> None:
    """A page that claims a trillion pages for five products would keep a sync paging forever."""
    _count("page: pagination")
    document = hostile.page([hostile.product(1)])
    document["meta"]["pagination"].update(total=total, total_pages=total_pages, current_page=current)
    try:
        result = map_products_page(document)
    except MalformedReply:
        return
    assert result.total >= 0 and result.page >= 0
    assert 0 <= result.total_pages <= max(1, result.total)


# --- reply bodies through the real client -------------------------------------------------------


def _client(body: bytes, content_type: str = "application/json") -> BigCommerceClient:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    return BigCommerceClient(
        "http://127.0.0.1:9", "fuzz", "token", transport=httpx.MockTransport(reply), retry=NO_RETRY
    )


BODIES = st.one_of(
    st.binary(max_size=300),
    st.builds(hostile.encode, hostile.JSON_VALUES),
    st.lists(hostile.mutated_products(), max_size=3).map(lambda items: hostile.encode(hostile.page(items))),
    st.builds(lambda n: hostile.deeply_nested(n), st.sampled_from([1_000, 200_000])),
    st.builds(lambda cut: hostile.encode(hostile.page([hostile.product(1)]))[:cut], st.integers(0, 200)),
    st.sampled_from([b"\xff\xfe\x00{", b'{"data": [], "meta": "\xc3\x28"}', b"<html>503</html>"]),
)


@hypothesis_settings(FUZZ_EXAMPLES // 2)
@given(body=BODIES)
@example(body=hostile.deeply_nested(200_000))
@example(body=b'{"time": 1e300}')
def test_any_reply_body_is_a_page_or_an_api_error(
    body: bytes, expected_warnings: list[logging.LogRecord]
) -> None:
    _count("client: reply bodies")
    client = _client(body)
    try:
        for call in (lambda: client.get_products_page(1), client.server_time):
            with contextlib.suppress(ApiError):
                call()
    finally:
        client.close()
    assert all(r.name.startswith("backorder_desktop") for r in expected_warnings)


# --- the feed parser ------------------------------------------------------------------------------


def _check_feed(data: bytes, format: str, sku_field: str = "sku", quantity_field: str = "quantity") -> None:
    try:
        report = parse_feed(data, format=format, sku_field=sku_field, quantity_field=quantity_field)
    except FeedError:
        return
    skus = [row.sku for row in report.rows]
    assert len(skus) == len(set(skus))  # duplicates are reported, never used
    for row in report.rows:
        assert row.sku and row.sku == row.sku.strip() and _clean_text(row.sku)
        assert STOCK_MIN <= row.quantity <= MAX_LEVEL
    assert len(report.rows) + len(report.problems) >= 1


@hypothesis_settings(FUZZ_EXAMPLES)
@given(data=st.binary(max_size=400), format=st.sampled_from(["csv", "json"]))
@example(data=hostile.deeply_nested(200_000), format="json")
@example(data=b"sku,quantity\n\xff\xfe,1\n", format="csv")
def test_any_bytes_are_a_feed_report_or_a_feed_error(data: bytes, format: str) -> None:
    _count("feed: bytes")
    _check_feed(data, format)


@hypothesis_settings(FUZZ_EXAMPLES)
@given(
    rows=st.lists(st.tuples(hostile.SCALARS, hostile.SCALARS), max_size=6),
    extra=hostile.JSON_VALUES,
)
@example(rows=[("\udc80", 1)], extra=None)
@example(rows=[("A", 10**400)], extra=None)
def test_hostile_json_feed_rows_are_reported_one_by_one(rows: list[tuple[Any, Any]], extra: Any) -> None:
    _count("feed: JSON rows")
    items: list[Any] = [{"sku": sku, "quantity": quantity, "extra": extra} for sku, quantity in rows]
    _check_feed(hostile.encode({"items": items}), "json")


@hypothesis_settings(FUZZ_EXAMPLES)
@given(
    cells=st.lists(st.tuples(hostile.NASTY_TEXT, hostile.NASTY_TEXT), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_hostile_csv_rows_are_reported_one_by_one(
    cells: list[tuple[str, str]], delimiter: str, newline: str
) -> None:
    _count("feed: CSV rows")
    lines = [f"sku{delimiter}quantity", *(f"{a}{delimiter}{b}" for a, b in cells)]
    _check_feed(newline.join(lines).encode("utf-8", "surrogatepass"), "csv")


# --- regressions of what the fuzzers found ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "\udc80"),  # a lone surrogate (valid JSON "\udc80"): SQLite cannot store it
        ("sku", "a\ud800"),
        ("id", 10**20),  # past SQLite's INTEGER
        ("id", -5),
        ("inventory_level", 10**30),
        ("price", float("nan")),  # the mirror's NOT NULL refused NaN: a whole page failed
        ("price", float("inf")),
        ("date_modified", "0001-01-01T00:00:00+01:00"),  # OverflowError, not ValueError
        ("base_variant_id", 2**64),
    ],
)
def test_a_product_with_an_impossible_value_is_a_problem_not_a_crash(field: str, value: Any) -> None:
    raw = dict(hostile.product(1), **{field: value})
    result = map_products_page(hostile.page([raw, hostile.product(2)]))
    assert [p.id for p in result.products] == [2]
    assert len(result.problems) == 1
    assert "product" in result.problems[0].title.lower()


@pytest.mark.parametrize(
    ("field", "value"),
    [("sku", "\udc80"), ("id", 2**63), ("inventory_level", -(10**20)), ("price", float("-inf"))],
)
def test_a_variant_with_an_impossible_value_is_a_problem_not_a_crash(field: str, value: Any) -> None:
    raw = hostile.product(1, 2)
    raw["variants"][1][field] = value
    result = map_products_page(hostile.page([raw]))
    assert result.products == ()
    assert len(result.problems) == 1


def test_a_page_claiming_more_pages_than_products_is_malformed() -> None:
    document = hostile.page([hostile.product(1)], total=5, total_pages=10**12)
    with pytest.raises(MalformedReply):
        map_products_page(document)


def test_a_server_time_out_of_range_is_a_malformed_reply() -> None:
    for seconds in (1e300, -1e300, float("nan"), float("inf"), 10**400):
        with pytest.raises(MalformedReply):
            map_server_time({"time": seconds})


def test_a_deeply_nested_reply_is_a_malformed_reply(expected_warnings: list[logging.LogRecord]) -> None:
    client = _client(hostile.deeply_nested(200_000))
    try:
        with pytest.raises(MalformedReply):
            client.get_products_page(1)
    finally:
        client.close()
    assert expected_warnings  # "retries did not help" is worth a look in the log


def test_a_feed_sku_that_is_not_text_is_a_row_problem() -> None:
    """A lone surrogate SKU (valid JSON) with a bad quantity became a problem whose text SQLite
    could not store, so the run that pulled the feed could not be recorded."""
    data = hostile.encode({"items": [{"sku": "\udc80", "quantity": "x"}, {"sku": "A-1", "quantity": 3}]})
    report = parse_feed(data, format="json", sku_field="sku", quantity_field="quantity")
    assert [(row.sku, row.quantity) for row in report.rows] == [("A-1", 3)]
    assert [(p.item, p.title) for p in report.problems] == [("item 1", "No SKU")]
    assert all(_clean_text(p.item + p.title + p.message) for p in report.problems)
