"""Store moves: a value read back before our last write shows up is stale, not a sale (through the
real command, with BigCommerce's asynchronous inventory writes); a sale that lands while a push is
under way is kept, whatever moment it lands at."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.store_moves_proxy import StoreMovesProxy

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]

# Long enough that both pushes below (four short commands) run before the first write shows up;
# the test checks that this held rather than trusting it.
DELAY_MS = 6_000


def _variant_tracked(store: DemoStore) -> dict[str, Any]:
    for pid in store.catalog.product_ids():
        product = store.catalog.get_product(pid)
        if product["inventory_tracking"] == "variant" and len(product["variants"]) >= 2:
            return product
    raise AssertionError("the demo catalog has no variant-tracked product with options")


def _wait_for_level(store: DemoStore, variant_id: int, level: int, timeout: float = 60.0) -> int:
    """Poll the store until a delayed write shows (a bound against hanging only); the level seen."""
    ticker = threading.Event()
    deadline = time.monotonic() + timeout
    seen = int(store.catalog.get_variant(variant_id)["inventory_level"])
    while seen != level and time.monotonic() < deadline:
        ticker.wait(0.05)
        seen = int(store.catalog.get_variant(variant_id)["inventory_level"])
    return seen


def test_a_stale_read_between_two_pushes_is_not_a_store_move(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(inventory_delay_ms=DELAY_MS)
    product = _variant_tracked(store)
    variant = product["variants"][0]
    sku, vid = variant["sku"], variant["id"]
    store.catalog.update_variant(vid, inventory_level=38)  # the merchant's count, shown at once
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    # The store keeps counting: its level is what these pushes write and re-read.
    assert run_cli(home, "settings", "set", "backorder-method", "native", env=env).code == 0
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0

    for level in (10, 12):
        edited = run_cli(home, "stock", "set", sku, str(level), env=env)
        assert edited.code == 0, edited.stderr
        pushed = run_cli(home, "outbox", "--push", env=env)
        assert pushed.code == 0, pushed.stderr
    assert store.catalog.get_variant(vid)["inventory_level"] == 38, (
        "the first write showed before the second push read the store: this machine was too slow "
        f"for the {DELAY_MS} ms window, so the stale read this test is about did not happen"
    )

    assert _wait_for_level(store, vid, 12) == 12
    synced = run_cli(home, "sync", env=env)
    assert synced.code == 0, synced.stderr

    assert store.catalog.get_variant(vid)["inventory_level"] == 12
    history = run_cli(home, "stock", "history", str(product["id"]), "--json", env=env).json()
    assert [(h["source"], h["kind"], h["quantity"]) for h in history] == [
        ("person", "set", 12),
        ("person", "set", 10),
    ]
    status = run_cli(home, "status", "--json", env=env).json()
    assert status["outbox"] == 0


# --- a push and a sale at the same time: relative changes keep the sale --------------------------

RELATIVE = "inventory/adjustments/relative"


def _assigned(
    make_demo_store: MakeStore, make_context: MakeContext
) -> tuple[DemoStore, Profile, dict[str, Any]]:
    # The store counts (the native method: pushes write its level); a store in BigCommerce's
    # backorders beta, as that method is for, so the limits written at assign are taken.
    store = make_demo_store(native_backorders=True)
    product = _variant_tracked(store)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.save_settings({"backorder-method": "native"})
    assert context.parts.catalog.assign([str(product["id"])], by="dana").changed == 1
    context.parts.product_writes.push()  # the limits assign wrote: the pushes below write stock alone
    return store, context, product


def _through(context: Profile, store: DemoStore, proxy: StoreMovesProxy) -> None:
    """From now on the profile reaches the store through ``proxy``."""
    info = StoreInfo(store_hash=store.store_hash, name="Test", plan_name="Demo")
    context.parts.mirror.set_store(info, proxy.api_url)


def _is_stock_write(method: str, path: str) -> bool:
    return method != "GET" and ("inventory/adjustments" in path or "catalog/variants" in path)


def _level(store: DemoStore, variant_id: int) -> int:
    return int(store.catalog.get_variant(variant_id)["inventory_level"])


def test_a_sale_landing_between_the_re_read_and_the_write_is_kept(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, product = _assigned(make_demo_store, make_context)
    variant = product["variants"][0]
    before = variant["inventory_level"]
    context.parts.stock.edit(variant["sku"], AdjustmentKind.ADD, 5, actor="dana")  # a delivery
    sold: list[str] = []

    def sale_before_the_write(method: str, path: str) -> None:
        if _is_stock_write(method, path) and not sold:
            store.catalog.adjust_stock(variant_id=variant["id"], delta=-2)  # an order, just now
            sold.append(path)
        return None

    with StoreMovesProxy(store.api_url, sale_before_the_write) as proxy:
        _through(context, store, proxy)
        report = context.parts.stock.push()

    assert sold and RELATIVE in sold[0]
    assert (report.written, report.store_moves) == (1, 0)  # the re-read came before the sale
    assert _level(store, variant["id"]) == before + 5 - 2  # the delivery added, the sale kept
    assert store.requests.count(path_contains="adjustments/absolute") == 0
    assert store.requests.count(method="PUT", path_contains="catalog/variants") == 0


def test_after_a_lost_reply_the_next_push_re_reads_and_writes_the_level_once(
    make_demo_store: MakeStore, make_context: MakeContext, expected_warnings: list[logging.LogRecord]
) -> None:
    """The change applied but its reply was lost: resending it would apply it twice, so nothing is
    resent at once; the next push re-reads (seeing a sale made since) and writes the level as an
    absolute value, right after that re-read."""
    store, context, product = _assigned(make_demo_store, make_context)
    variant = product["variants"][0]
    before = variant["inventory_level"]
    context.parts.stock.edit(variant["sku"], AdjustmentKind.ADD, 7, actor="dana")
    store.faults.add_rule(FaultRule(kind="lose_reply", path_contains=RELATIVE, method="POST"))

    with pytest.raises(ApiError):
        context.parts.stock.push()

    assert store.requests.count(method="POST", path_contains=RELATIVE) == 1  # not resent
    assert _level(store, variant["id"]) == before + 7
    store.catalog.adjust_stock(variant_id=variant["id"], delta=-1)  # a sale before the retry

    report = context.parts.stock.push()

    assert report.written == 1
    assert _level(store, variant["id"]) == before + 7 - 1  # applied once, the sale kept
    assert store.requests.count(method="POST", path_contains=RELATIVE) == 1
    assert store.requests.count(method="PUT", path_contains="catalog/variants") == 1  # absolute, once
    assert context.parts.stock.outbox_count() == 0
    history = context.parts.stock.history(product["id"])
    assert [(a.source, a.kind, a.quantity) for a in history[:2]] == [
        (AdjustmentSource.STORE, AdjustmentKind.REMOVE, 1),
        (AdjustmentSource.PERSON, AdjustmentKind.ADD, 7),
    ]


def test_an_item_the_store_takes_no_relative_change_for_yet_is_written_as_a_level(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    """BigCommerce refuses a relative adjustment for an item that never had an absolute one
    (inventory spec, 422 "requires absolute adjustment before relative"); the push then writes that
    item's level, and the others' changes still go as relative ones."""
    store, context, product = _assigned(make_demo_store, make_context)
    first, second = product["variants"][:2]
    context.parts.stock.edit(first["sku"], AdjustmentKind.SET, 30, actor="dana")
    context.parts.stock.edit(second["sku"], AdjustmentKind.ADD, 3, actor="dana")
    refusals: list[str] = []

    def refuse_the_first_relative(method: str, path: str) -> tuple[int, Any] | None:
        if method == "POST" and RELATIVE in path and not refusals:
            refusals.append(path)
            items = f"[variant_id {first['id']}]"
            title = f"Items with identity: {items} requires absolute adjustment before relative"
            return 422, {
                "status": 422,
                "title": title,
                "type": "https://developer.bigcommerce.com",
                "errors": {},
            }
        return None

    with StoreMovesProxy(store.api_url, refuse_the_first_relative) as proxy:
        _through(context, store, proxy)
        report = context.parts.stock.push()

    assert (report.written, report.failed) == (2, 0)
    assert _level(store, first["id"]) == 30
    assert _level(store, second["id"]) == second["inventory_level"] + 3
    assert store.requests.count(method="POST", path_contains=RELATIVE) == 1  # the second item, resent
    assert store.requests.count(method="PUT", path_contains="catalog/variants") == 1  # the first one
    assert context.parts.stock.outbox_count() == 0


def test_a_sale_taken_for_a_stale_read_is_folded_in_when_the_store_refuses_the_change(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    """Right after our write, a read that differs is taken for the store's old value (it applies
    writes asynchronously). If it was a sale, a decrease sent on top can take the store below 0,
    which it refuses: that refusal shows the read was current, so it is folded in as the sale it
    was and the change sent again (units owed stay in the app; the store is told 0)."""
    store, context, product = _assigned(make_demo_store, make_context)
    variant = product["variants"][0]
    store.catalog.update_variant(variant["id"], inventory_level=10)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.parts.stock.edit(variant["sku"], AdjustmentKind.SET, 8, actor="dana")
    assert context.parts.stock.push().written == 1
    store.catalog.adjust_stock(variant_id=variant["id"], delta=-6)  # sold right after our write
    context.parts.stock.edit(variant["sku"], AdjustmentKind.REMOVE, 8, actor="dana")  # 8 → 0

    report = context.parts.stock.push()

    assert (report.written, report.failed, report.store_moves) == (1, 0, 1)
    assert _level(store, variant["id"]) == 0
    assert context.parts.stock.outbox_count() == 0
    history = context.parts.stock.history(product["id"])
    assert (history[0].source, history[0].kind, history[0].quantity) == (
        AdjustmentSource.STORE,
        AdjustmentKind.REMOVE,
        6,
    )
    assert history[0].level_after == -6  # six units owed to shoppers
