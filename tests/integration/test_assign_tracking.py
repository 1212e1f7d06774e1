"""Assigning opens a product to backorders (method ``app``), end to end over HTTP with the demo
store: tracking off in the store and a sale beyond stock goes through; unassigning turns the
remembered mode back on with the app's level, never below zero; offline, the write waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.demo.conftest import client_for
from tests.demo.orders_helpers import item
from tests.demo.orders_helpers import place

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def _find(store: DemoStore, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for pid in store.catalog.product_ids():
        product = store.catalog.get_product(pid)
        if product["availability"] != "disabled" and wanted(product):
            return product
    raise AssertionError("the demo catalog has no such product")


def _simple_tracked(product: dict[str, Any]) -> bool:
    return product["inventory_tracking"] == "product" and product["base_variant_id"] is not None


def _by_variant(product: dict[str, Any]) -> bool:
    usable = [v for v in product["variants"] if not v["purchasing_disabled"]]
    return product["inventory_tracking"] == "variant" and len(usable) >= 2


def _synced(
    make_demo_store: MakeStore, make_context: MakeContext, **config: Any
) -> tuple[DemoStore, Profile]:
    store = make_demo_store(**config)
    context = make_context(store)
    context.save_settings({"backorder-method": "app"})
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    return store, context


def _sync(context: Profile) -> None:
    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    assert not run.problems, run.problems


def _tracking_notes(context: Profile, product_id: int) -> list[str]:
    history = context.parts.stock.history(product_id)
    return [a.reason for a in history if a.source is AdjustmentSource.TRACKING]


def test_assign_turns_tracking_off_in_the_store_and_a_sale_beyond_stock_goes_through(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context = _synced(make_demo_store, make_context)
    product = _find(store, _simple_tracked)
    pid, on_hand = product["id"], product["inventory_level"]

    context.assign([str(pid)])
    assert store.catalog.get_product(pid)["inventory_tracking"] == "product"  # nothing sent yet
    _sync(context)

    assert store.catalog.get_product(pid)["inventory_tracking"] == "none"
    assert context.parts.mirror.product_write_count() == 0  # type: ignore[attr-defined]
    assert _tracking_notes(context, pid) == [
        f"BackOrder took over: tracking off in BigCommerce, {on_hand} on hand to start"
    ]
    with client_for(store) as api:
        reply = place(api, item(store.catalog.get_product(pid), on_hand + 5))
    assert reply.status_code == 200, reply.text

    _sync(context)  # the pull sees tracking none: the item keeps its key and level
    items = context.parts.mirror.stock_items([pid])  # type: ignore[attr-defined]
    assert [i.key for i in items] == [StockKey(pid)]
    shown = context.parts.mirror.get_product(pid)
    assert shown is not None and shown.inventory_tracking.value == "product"  # the remembered mode
    assert len(_tracking_notes(context, pid)) == 1  # recorded once


def test_unassign_turns_the_remembered_mode_back_on_with_the_level_never_below_zero(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context = _synced(make_demo_store, make_context)
    product = _find(store, _by_variant)
    pid = product["id"]
    owed, kept = product["variants"][0], product["variants"][1]
    context.assign([str(pid)])
    _sync(context)
    assert store.catalog.get_product(pid)["inventory_tracking"] == "none"
    context.parts.stock.edit(owed["sku"], AdjustmentKind.REMOVE, owed["inventory_level"] + 3, actor="dana")
    context.parts.stock.edit(kept["sku"], AdjustmentKind.SET, 4, actor="dana")

    context.unassign([str(pid)], outbox=OutboxChoice.PUSH)
    _sync(context)

    after = store.catalog.get_product(pid)
    assert after["inventory_tracking"] == "variant"
    levels = {v["id"]: v["inventory_level"] for v in after["variants"]}
    assert (levels[owed["id"]], levels[kept["id"]]) == (0, 4)
    notes = _tracking_notes(context, pid)
    assert "left BackOrder: tracking back on in BigCommerce with 0; 3 still owed" in notes
    assert "left BackOrder: tracking back on in BigCommerce with 4" in notes
    assert context.parts.mirror.product_write_count() == 0  # type: ignore[attr-defined]


def test_an_assign_made_offline_waits_and_is_written_when_the_store_is_back(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context = _synced(make_demo_store, make_context, seed=5)
    product = _find(store, _simple_tracked)
    pid, port = product["id"], store.port
    store.stop()

    context.assign([str(pid)])
    with pytest.raises(Offline):
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    assert context.parts.mirror.product_write_count() == 1  # type: ignore[attr-defined]
    waiting = context.status()  # the tracking write is told apart from stock changes
    assert (waiting.product_writes, waiting.outbox) == (1, 0)
    assert waiting.as_json()["product_writes_waiting"] == 1

    back = make_demo_store(seed=5, port=port)  # the same store, reachable again
    _sync(context)
    assert context.status().product_writes == 0

    assert back.catalog.get_product(pid)["inventory_tracking"] == "none"
    assert context.parts.mirror.product_write_count() == 0  # type: ignore[attr-defined]
    assert len(_tracking_notes(context, pid)) == 1


def test_tracking_turned_back_on_by_someone_else_is_turned_off_again_and_recorded(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context = _synced(make_demo_store, make_context)
    product = _find(store, _simple_tracked)
    pid = product["id"]
    context.assign([str(pid)])
    _sync(context)
    level = context.parts.mirror.stock_items([pid])[0].level  # type: ignore[attr-defined]

    store.catalog.update_product(pid, inventory_tracking="product", inventory_level=level + 50)  # an ERP
    _sync(context)

    assert store.catalog.get_product(pid)["inventory_tracking"] == "none"
    assert context.parts.mirror.stock_items([pid])[0].level == level  # type: ignore[attr-defined]
    assert _tracking_notes(context, pid)[0] == (
        f"tracking was turned back on in BigCommerce: turned off again, the app keeps {level}"
    )


def test_with_the_native_method_tracking_stays_on_and_the_store_counts(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    # A store in BigCommerce's backorders beta: the app writes each item's limit there.
    store, context = _synced(make_demo_store, make_context, native_backorders=True)
    context.save_settings({"backorder-method": "native"})
    product = _find(store, _simple_tracked)
    pid = product["id"]

    context.assign([str(pid)])
    context.parts.stock.edit(product["sku"], AdjustmentKind.SET, 7, actor="dana")
    _sync(context)

    after = store.catalog.get_product(pid)
    assert (after["inventory_tracking"], after["inventory_level"]) == ("product", 7)
    assert _tracking_notes(context, pid) == ["backorder limit cleared in BigCommerce (BackOrder rule)"]
    context.unassign([str(pid)])
    assert context.parts.mirror.product_write_count() == 0  # type: ignore[attr-defined]
