"""Stock reads, relative changes and absolute writes of the BigCommerce client against the demo
store over HTTP.

Reads match the catalog; writes show in reads (after the store's asynchronous delay when it has
one); relative changes keep a sale the client never saw; an item the store refuses fails alone
with the store's words; a write whose reply is lost is never resent (the pusher re-reads first).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import PermissionDenied
from backorder_desktop.domain.ports import InventoryTarget
from backorder_desktop.domain.ports import StockChange
from backorder_desktop.domain.ports import StockWrite
from backorder_desktop.domain.ports import WriteResult
from backorder_desktop.domain.stock import StockKey
from tests.demo.conftest import tracked_by

FAST = RetryPolicy(attempts=3, initial_delay_s=0.01, max_delay_s=0.05)
MakeStore = Callable[..., DemoStore]


def _client(store: DemoStore, token: str | None = None, **kwargs: Any) -> BigCommerceClient:
    kwargs.setdefault("retry", FAST)
    return BigCommerceClient(store.api_url, store.store_hash, token or store.token, **kwargs)


def _variant_keys(product: dict[str, Any]) -> list[StockKey]:
    return [StockKey(product["id"], v["id"]) for v in product["variants"]]


def _store_level(store: DemoStore, key: StockKey) -> int:
    if key.variant_id is None:
        return int(store.catalog.get_product(key.product_id)["inventory_level"])
    return int(store.catalog.get_variant(key.variant_id)["inventory_level"])


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Check ``condition`` until it holds (the store's timer applies delayed stock on its own)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        pause.wait(0.02)


# --- reads --------------------------------------------------------------------------------------


def test_the_client_is_an_inventory_target() -> None:
    target: InventoryTarget = BigCommerceClient("http://127.0.0.1:9", "demo", "t")
    assert (target.VARIANT_BATCH, target.PRODUCT_BATCH, target.ADJUST_BATCH) == (50, 2000, 2000)


def test_reads_match_the_catalog_across_chunks_and_pages(make_demo_store: MakeStore) -> None:
    store = make_demo_store(products=600)
    products = [store.catalog.get_product(p) for p in store.catalog.product_ids()]
    by_product = [StockKey(p["id"]) for p in products if p["inventory_tracking"] == "product"]
    by_variant = [k for p in products if p["inventory_tracking"] == "variant" for k in _variant_keys(p)]
    store.catalog.delete_product(by_product[0].product_id)
    gone = [by_product[0], StockKey(99_999), StockKey(by_variant[0].product_id, 99_999_999)]
    with _client(store) as client:
        levels = client.read_stock_levels([*by_product, *by_variant, *gone])
    expected = {k: _store_level(store, k) for k in [*by_product[1:], *by_variant]}
    assert levels == expected
    # More than 250 variant-tracked products: on hand is read in ``product_id:in`` chunks of 250.
    assert len({k.product_id for k in by_variant}) > 250
    assert store.requests.count("GET", "inventory/items?product_id:in=") > len(products) // 250
    assert client.stats.failures == 0


def test_a_level_no_longer_tracked_that_way_is_absent(demo_store: DemoStore) -> None:
    """The merchant switched tracking in the store: the old level is not read as a stock move."""
    now_by_variant = tracked_by(demo_store, "product", with_options=True)
    now_by_product = tracked_by(demo_store, "variant", with_options=True)
    kept = StockKey(tracked_by(demo_store, "product", with_options=False)["id"])
    demo_store.catalog.update_product(now_by_variant["id"], inventory_tracking="variant")
    demo_store.catalog.update_product(now_by_product["id"], inventory_tracking="product")
    keys = [StockKey(now_by_variant["id"]), *_variant_keys(now_by_product), kept]
    with _client(demo_store) as client:
        assert client.read_stock_levels(keys) == {kept: _store_level(demo_store, kept)}
    assert demo_store.requests.count("GET", "catalog/variants") == 0  # no owner tracks by variant


def test_reading_nothing_sends_nothing(demo_store: DemoStore) -> None:
    with _client(demo_store) as client:
        assert client.read_stock_levels([]) == {}
    assert len(demo_store.requests) == 0


# --- writes -------------------------------------------------------------------------------------


def test_variant_and_product_writes_show_in_reads(demo_store: DemoStore) -> None:
    variants = _variant_keys(tracked_by(demo_store, "variant", with_options=True))[:3]
    product = StockKey(tracked_by(demo_store, "product", with_options=True)["id"])
    simple = StockKey(tracked_by(demo_store, "product", with_options=False)["id"])
    with _client(demo_store) as client:
        first = client.write_variant_levels([StockWrite(k, 100 + i) for i, k in enumerate(variants)])
        second = client.write_product_levels([StockWrite(product, 7), StockWrite(simple, 0)])
        third = client.write_product_levels([StockWrite(product, 8)])
        levels = client.read_stock_levels([*variants, product, simple])
    assert (first.written, first.failed) == (tuple(variants), ())
    assert (second.written, second.failed) == ((product, simple), ())
    assert third.written == (product,)
    assert levels == {variants[0]: 100, variants[1]: 101, variants[2]: 102, product: 8, simple: 0}
    # The default location was asked for once, with is_default=true, and then remembered.
    assert demo_store.requests.count("GET", "inventory/locations?is_default=true") == 1
    assert demo_store.requests.count("PUT", "inventory/adjustments/absolute") == 2


def test_with_an_asynchronous_store_writes_show_only_after_its_delay(make_demo_store: MakeStore) -> None:
    store = make_demo_store(inventory_delay_ms=1500)
    variant = _variant_keys(tracked_by(store, "variant", with_options=True))[0]
    product = StockKey(tracked_by(store, "product", with_options=True)["id"])
    before = {variant: _store_level(store, variant), product: _store_level(store, product)}
    with _client(store) as client:
        started = time.monotonic()
        client.write_variant_levels([StockWrite(variant, before[variant] + 5)])
        client.write_product_levels([StockWrite(product, before[product] + 6)])
        assert client.read_stock_levels([variant, product]) == before  # accepted, not applied yet
        _wait_for(lambda: client.read_stock_levels([variant, product])[product] != before[product])
        assert time.monotonic() - started >= 1.4
        assert client.read_stock_levels([variant, product]) == {
            variant: before[variant] + 5,
            product: before[product] + 6,
        }


def test_a_negative_variant_level_fails_alone_with_the_stores_reason(demo_store: DemoStore) -> None:
    demo_store.strict.partial_batches = False  # the all-or-nothing 422; test_strict_store.py has the 207
    good, bad = _variant_keys(tracked_by(demo_store, "variant", with_options=True))[:2]
    good_before = _store_level(demo_store, good)
    with _client(demo_store) as client:
        result = client.write_variant_levels([StockWrite(good, good_before + 3), StockWrite(bad, -3)])
        # The store applied nothing of that batch: the good item is sent again on its own.
        assert _store_level(demo_store, good) == good_before
        again = client.write_variant_levels([StockWrite(good, good_before + 3)])
    assert result.written == ()
    (failure,) = result.failed
    assert failure.key == bad
    assert f"Variant with id {bad.variant_id} is invalid" in failure.reason
    assert "inventory_level must be greater than or equal to 0" in failure.reason
    assert again.written == (good,) and _store_level(demo_store, good) == good_before + 3


def test_refused_product_levels_fail_alone_with_the_stores_reason(demo_store: DemoStore) -> None:
    good = StockKey(tracked_by(demo_store, "product", with_options=True)["id"])
    negative = StockKey(tracked_by(demo_store, "product", with_options=False)["id"])
    by_variant = StockKey(tracked_by(demo_store, "variant", with_options=True)["id"])
    writes = [StockWrite(good, 12), StockWrite(negative, -1), StockWrite(by_variant, 4)]
    with _client(demo_store) as client:
        result = client.write_product_levels(writes)
    assert result.written == ()
    reasons = {f.key: f.reason for f in result.failed}
    assert set(reasons) == {negative, by_variant}
    assert reasons[negative].startswith(f"Item with product_id {negative.product_id} cannot have negative")
    assert reasons[by_variant] == (
        f"Item with product_id {by_variant.product_id} is tracked by variant, "
        "please update stock by variant id or sku"
    )
    assert _store_level(demo_store, good) != 12  # a 422 applies nothing; the caller resends it


def test_an_unknown_variant_fails_alone(demo_store: DemoStore) -> None:
    good = _variant_keys(tracked_by(demo_store, "variant", with_options=True))[0]
    missing = StockKey(good.product_id, 99_999_999)
    with _client(demo_store) as client:
        result = client.write_variant_levels([StockWrite(good, 5), StockWrite(missing, 5)])
    assert result.written == ()
    assert [(f.key, "not found" in f.reason) for f in result.failed] == [(missing, True)]


def test_oversize_or_wrong_batches_are_refused_before_any_request(demo_store: DemoStore) -> None:
    variant = _variant_keys(tracked_by(demo_store, "variant", with_options=True))[0]
    product = StockKey(tracked_by(demo_store, "product", with_options=False)["id"])
    with _client(demo_store) as client:
        with pytest.raises(ValueError, match="at most 50"):
            client.write_variant_levels([StockWrite(StockKey(1, v), 1) for v in range(1, 52)])
        with pytest.raises(ValueError, match="at most 2000"):
            client.write_product_levels([StockWrite(StockKey(p), 1) for p in range(1, 2002)])
        with pytest.raises(ValueError, match="not a variant-level"):
            client.write_variant_levels([StockWrite(product, 1)])
        with pytest.raises(ValueError, match="not a product-level"):
            client.write_product_levels([StockWrite(variant, 1)])
        with pytest.raises(ValueError, match="twice"):
            client.write_variant_levels([StockWrite(variant, 1), StockWrite(variant, 2)])
        assert client.write_variant_levels([]).written == ()
    assert len(demo_store.requests) == 0


def test_a_read_only_token_is_permission_denied(make_demo_store: MakeStore) -> None:
    store = make_demo_store(read_only_tokens=("ro-token",))
    variant = _variant_keys(tracked_by(store, "variant", with_options=True))[0]
    product = StockKey(tracked_by(store, "product", with_options=False)["id"])
    before = (_store_level(store, variant), _store_level(store, product))
    with _client(store, token="ro-token") as client:
        assert client.read_stock_levels([variant, product]) == {variant: before[0], product: before[1]}
        with pytest.raises(PermissionDenied, match="may not modify products"):
            client.write_variant_levels([StockWrite(variant, 1)])
        with pytest.raises(PermissionDenied, match="may not modify inventory"):
            client.write_product_levels([StockWrite(product, 1)])
    assert (_store_level(store, variant), _store_level(store, product)) == before


@pytest.mark.parametrize(
    "api", ["catalog/variants", "inventory/adjustments/absolute", "inventory/adjustments/relative"]
)
def test_a_write_whose_reply_is_lost_is_not_resent(demo_store: DemoStore, api: str) -> None:
    """Resent, a relative change would apply twice and an absolute value would undo a sale made
    in between; the pusher re-reads at its next push and decides from what the store shows."""
    if api == "catalog/variants":
        key = _variant_keys(tracked_by(demo_store, "variant", with_options=True))[0]
    else:
        key = StockKey(tracked_by(demo_store, "product", with_options=False)["id"])
    before = _store_level(demo_store, key)
    demo_store.faults.add_rule(FaultRule(kind="lose_reply", path_contains=api))
    with _client(demo_store) as client, pytest.raises(Offline):
        if api.endswith("relative"):
            client.adjust_levels([StockChange(key, quantity=20, level=before + 20)])
        elif key.variant_id:
            client.write_variant_levels([StockWrite(key, before + 20)])
        else:
            client.write_product_levels([StockWrite(key, before + 20)])
    assert demo_store.requests.count(path_contains=api, status=0) == 1  # applied, reply lost
    assert demo_store.requests.count(path_contains=api) == 1  # and never sent again
    assert _store_level(demo_store, key) == before + 20


# --- relative changes -----------------------------------------------------------------------------


def test_relative_changes_of_both_kinds_go_in_one_request_and_keep_an_unseen_sale(
    demo_store: DemoStore,
) -> None:
    variant = _variant_keys(tracked_by(demo_store, "variant", with_options=True))[0]
    product = StockKey(tracked_by(demo_store, "product", with_options=False)["id"])
    seen = {key: _store_level(demo_store, key) for key in (variant, product)}
    demo_store.catalog.adjust_stock(variant_id=variant.variant_id, delta=-1)  # a sale we did not see
    changes = [
        StockChange(variant, quantity=4, level=seen[variant] + 4),
        StockChange(product, quantity=-2, level=seen[product] - 2),
    ]
    with _client(demo_store) as client:
        result = client.adjust_levels(changes)
    assert result == WriteResult(written=(variant, product))
    assert _store_level(demo_store, variant) == seen[variant] - 1 + 4
    assert _store_level(demo_store, product) == seen[product] - 2
    assert demo_store.requests.count(method="POST", path_contains="adjustments/relative") == 1


def test_a_relative_change_below_zero_fails_alone_and_the_rest_are_for_sending_again(
    demo_store: DemoStore,
) -> None:
    first, second = _variant_keys(tracked_by(demo_store, "variant", with_options=True))[:2]
    low = _store_level(demo_store, first)
    changes = [
        StockChange(first, quantity=-(low + 1), level=-1),
        StockChange(second, quantity=1, level=_store_level(demo_store, second) + 1),
    ]
    with _client(demo_store) as client:
        result = client.adjust_levels(changes)
    assert result.written == ()  # the store applies nothing of a refused request
    assert [(f.key, f.absolute_first) for f in result.failed] == [(first, False)]
    assert "negative stock" in result.failed[0].reason


def test_wrong_changes_are_refused_before_any_request(demo_store: DemoStore) -> None:
    key = StockKey(tracked_by(demo_store, "product", with_options=False)["id"])
    with _client(demo_store) as client:
        with pytest.raises(ValueError, match="non-zero"):
            client.adjust_levels([StockChange(key, quantity=0, level=5)])
        with pytest.raises(ValueError, match="twice"):
            client.adjust_levels([StockChange(key, 1, 6), StockChange(key, 2, 7)])
        with pytest.raises(ValueError, match="at most 2000"):
            client.adjust_levels([StockChange(StockKey(i), 1, 1) for i in range(1, 2002)])
        assert client.adjust_levels([]) == WriteResult(written=())
    assert len(demo_store.requests) == 0


# --- replies the demo store does not give ----------------------------------------------------------


def _mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> BigCommerceClient:
    return BigCommerceClient(
        "http://store.test", "demo", "mock-token", retry=FAST, transport=httpx.MockTransport(handler)
    )


def test_a_207_fails_the_items_it_names_and_the_rest_are_written() -> None:
    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        body = {
            "data": [{"id": 11}],
            "batch_errors": [{"status": 422, "title": "Inventory was not saved", "instance": "1"}],
        }
        return httpx.Response(207, json=body)

    with _mock_client(handler) as client:
        result = client.write_variant_levels([StockWrite(StockKey(1, 11), 3), StockWrite(StockKey(1, 12), 4)])
    assert sent == [[{"id": 11, "inventory_level": 3}, {"id": 12, "inventory_level": 4}]]
    assert result.written == (StockKey(1, 11),)
    assert [(f.key, f.reason) for f in result.failed] == [(StockKey(1, 12), "Inventory was not saved")]


def test_a_207_that_names_no_item_fails_them_all() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"data": [], "errors": {"status": 207, "title": "Inventory update failed", "type": "x"}}
        return httpx.Response(207, json=body)

    keys = [StockKey(1, 11), StockKey(1, 12)]
    with _mock_client(handler) as client:
        result = client.write_variant_levels([StockWrite(k, 3) for k in keys])
    assert result.written == ()
    assert [(f.key, f.reason) for f in result.failed] == [(k, "title: Inventory update failed") for k in keys]


def test_a_422_that_names_no_item_is_raised() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/locations"):
            return httpx.Response(200, json={"data": [{"id": 4, "is_default": True}], "meta": {}})
        assert json.loads(request.content)["items"][0]["location_id"] == 4  # not assumed to be 1
        return httpx.Response(422, json={"status": 422, "title": "[Location with id 4 is disabled]"})

    with _mock_client(handler) as client, pytest.raises(InvalidData, match="Location with id 4"):
        client.write_product_levels([StockWrite(StockKey(5), 1)])


def test_no_default_location_is_said_plainly() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [], "meta": {}})

    with _mock_client(handler) as client, pytest.raises(ApiError, match="no default inventory location"):
        client.write_product_levels([StockWrite(StockKey(5), 1)])


def test_a_relative_422_marks_the_items_that_need_an_absolute_adjustment_first() -> None:
    """The inventory spec's example: "Items with identity: [product_id 113] requires absolute
    adjustment before relative". Nothing applied; the items named so want their level written."""
    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/inventory/locations"):
            return httpx.Response(200, json={"data": [{"id": 4, "is_default": True}]})
        sent.append(json.loads(request.content))
        title = (
            "Items with identity: [product_id 113, variant_id 9] requires absolute adjustment before relative"
        )
        return httpx.Response(422, json={"status": 422, "title": title, "errors": {}})

    product, variant, other = StockKey(113), StockKey(7, 9), StockKey(8, 113)
    changes = [StockChange(product, 3, 10), StockChange(variant, -1, 2), StockChange(other, 2, 2)]
    with _mock_client(handler) as client:
        result = client.adjust_levels(changes)
    assert result.written == ()
    assert [(f.key, f.absolute_first) for f in result.failed] == [(variant, True), (product, True)]
    assert "requires absolute adjustment" in result.failed[0].reason
    assert sent == [
        {
            "reason": "backorder-desktop",
            "items": [
                {"location_id": 4, "product_id": 113, "quantity": 3},
                {"location_id": 4, "variant_id": 9, "quantity": -1},
                {"location_id": 4, "variant_id": 113, "quantity": 2},
            ],
        }
    ]
