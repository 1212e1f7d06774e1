"""BackOrder stock end to end against the demo store: offline edits, the outbox, sales kept,
lost replies, asynchronous inventory writes, the erp mode and mode switching."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import InvalidStock
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.stock import OutboxNotEmpty

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def _variant_tracked(store: DemoStore) -> dict:  # type: ignore[type-arg]
    for pid in store.catalog.product_ids():
        product = store.catalog.get_product(pid)
        if product["inventory_tracking"] == "variant" and len(product["variants"]) >= 3:
            return product
    raise AssertionError("the demo catalog has no variant-tracked product with 3 variants")


def _product_tracked(store: DemoStore) -> dict:  # type: ignore[type-arg]
    for pid in store.catalog.product_ids():
        product = store.catalog.get_product(pid)
        if product["inventory_tracking"] == "product":
            return product
    raise AssertionError("the demo catalog has no product-tracked product")


def _ready(
    make_demo_store: MakeStore, make_context: MakeContext, **config: object
) -> tuple[DemoStore, Profile, dict]:  # type: ignore[type-arg]
    store = make_demo_store(**config)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    product = _variant_tracked(store)
    context.save_settings({"backorder-method": "native"})  # the store counts: pushes write its level
    report = context.parts.catalog.assign([str(product["id"])], by="dana")
    assert report.changed == 1
    return store, context, product


def _store_level(store: DemoStore, variant_id: int) -> int:
    return int(store.catalog.get_variant(variant_id)["inventory_level"])


def test_sales_between_an_offline_edit_and_its_push_are_kept(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, product = _ready(make_demo_store, make_context)
    variant = product["variants"][0]
    sku, vid, before = variant["sku"], variant["id"], variant["inventory_level"]

    context.parts.stock.edit(sku, AdjustmentKind.SET, before + 20, actor="dana")  # counted a delivery
    assert context.parts.stock.outbox_count() == 1
    store.catalog.adjust_stock(variant_id=vid, delta=-2)  # two sold in the store meanwhile

    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")

    assert run.counts.written == 1
    assert _store_level(store, vid) == before + 20 - 2  # the edit and the sales, not the edit alone
    assert context.parts.stock.outbox_count() == 0
    history = context.parts.stock.history(product["id"])
    assert [(a.source, a.kind, a.quantity) for a in history[:2]] == [
        (AdjustmentSource.STORE, AdjustmentKind.REMOVE, 2),
        (AdjustmentSource.PERSON, AdjustmentKind.SET, before + 20),
    ]


def test_pulls_never_overwrite_backorder_stock_but_bring_names_and_prices(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, product = _ready(make_demo_store, make_context)
    variant = product["variants"][1]
    context.parts.stock.edit(variant["sku"], AdjustmentKind.SET, 500, actor="dana")
    store.catalog.update_product(product["id"], name="Renamed in the store", price=12.5)

    context.parts.engine.sync(kind=RunKind.AUTOMATIC, trigger="poll")  # an automatic pull: no push
    context.parts.engine.sync(kind=RunKind.AUTOMATIC, trigger="poll")

    mirrored = context.parts.mirror.get_product(product["id"])
    assert mirrored is not None
    assert mirrored.name == "Renamed in the store"
    assert mirrored.price == 12.5
    assert {v.id: v.inventory_level for v in mirrored.variants}[variant["id"]] == 500


def test_a_push_right_after_a_write_is_not_undone_by_a_stale_read(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    """BigCommerce applies inventory writes asynchronously: a pull that still sees the old value
    must not put it back, nor count it as a sale."""
    store, context, product = _ready(make_demo_store, make_context, inventory_delay_ms=60_000)
    variant = product["variants"][0]
    context.parts.stock.edit(variant["sku"], AdjustmentKind.SET, 77, actor="dana")

    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    assert _store_level(store, variant["id"]) == variant["inventory_level"]  # not applied yet
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    mirrored = {v.id: v.inventory_level for v in context.parts.mirror.get_product(product["id"]).variants}  # type: ignore[union-attr]
    assert mirrored[variant["id"]] == 77
    assert [a.source for a in context.parts.stock.history(product["id"])] == [AdjustmentSource.PERSON]


def test_a_push_whose_reply_is_lost_applies_once(
    make_demo_store: MakeStore, make_context: MakeContext, expected_warnings: list[logging.LogRecord]
) -> None:
    store, context, product = _ready(make_demo_store, make_context)
    variant = product["variants"][0]
    context.parts.stock.edit(variant["sku"], AdjustmentKind.SET, 40, actor="dana")
    store.faults.add_rule(
        FaultRule(
            kind="lose_reply", path_contains="inventory/adjustments/relative", method="POST", count=None
        )
    )

    with pytest.raises(ApiError):
        context.parts.stock.push()  # written in the store, but no reply ever came

    assert _store_level(store, variant["id"]) == 40
    store.faults.clear()
    store.catalog.adjust_stock(variant_id=variant["id"], delta=-1)  # a sale after the lost write

    report = context.parts.stock.push()

    assert report.written == 1
    assert _store_level(store, variant["id"]) == 39  # 40 once, minus the sale — not 40 + sale undone
    assert context.parts.stock.outbox_count() == 0


def test_product_level_stock_goes_through_the_inventory_api(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store()
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    product = _product_tracked(store)
    context.save_settings({"backorder-method": "native"})  # the store counts: pushes write its level
    context.parts.catalog.assign([product["sku"]], by="dana")
    context.parts.stock.edit(product["sku"], AdjustmentKind.ADD, 5, actor="dana")

    report = context.parts.stock.push()

    assert report.written == 1
    assert store.catalog.get_product(product["id"])["inventory_level"] == product["inventory_level"] + 5
    assert store.requests.count(method="POST", path_contains="inventory/adjustments/relative") == 1


def test_edits_are_refused_with_the_reason(make_demo_store: MakeStore, make_context: MakeContext) -> None:
    _store, context, product = _ready(make_demo_store, make_context)
    sku = product["variants"][0]["sku"]
    with pytest.raises(InvalidStock, match="not a possible stock level"):
        context.parts.stock.edit(sku, AdjustmentKind.REMOVE, 2**32, actor="dana")
    with pytest.raises(InvalidStock, match="quantity of 0 or more"):
        context.parts.stock.edit(sku, AdjustmentKind.ADD, -1, actor="dana")
    other = next(p for p in context.parts.catalog.products() if p.id != product["id"] and p.variants)
    with pytest.raises(InvalidStock, match="not a BackOrder product"):
        context.parts.stock.edit(other.variants[0].sku, AdjustmentKind.SET, 1, actor="dana")
    context.parts.catalog.set_setting("inventory-source", "erp")
    with pytest.raises(InvalidStock, match="ERP through BigCommerce"):
        context.parts.stock.edit(sku, AdjustmentKind.SET, 1, actor="dana")
    assert context.parts.stock.outbox_count() == 0


def test_erp_mode_follows_the_store(make_demo_store: MakeStore, make_context: MakeContext) -> None:
    store, context, product = _ready(make_demo_store, make_context)
    context.parts.catalog.set_setting("inventory-source", "erp")
    variant = product["variants"][2]
    store.catalog.update_variant(variant["id"], inventory_level=321)

    # A stock move leaves the product's date_modified alone (the strict store, as the live one may),
    # so an incremental pull would not see it: a full pull reads every level.
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    mirrored = {v.id: v.inventory_level for v in context.parts.mirror.get_product(product["id"]).variants}  # type: ignore[union-attr]
    assert mirrored[variant["id"]] == 321
    assert context.parts.stock.history(product["id"])[0].level_after == 321


@pytest.mark.parametrize("choice", [None, "push", "discard"])
def test_switching_mode_with_waiting_changes(
    choice: str | None, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, context, product = _ready(make_demo_store, make_context)
    variants = product["variants"][:3]
    for v in variants:
        context.parts.stock.edit(v["sku"], AdjustmentKind.ADD, 3, actor="dana")
    assert context.parts.stock.outbox_count() == 3

    if choice is None:
        with pytest.raises(OutboxNotEmpty) as info:
            context.parts.stock.switch_mode("erp", outbox=None, actor="dana")
        assert "3 stock changes are waiting" in info.value.message
        with pytest.raises(OutboxNotEmpty):
            context.parts.catalog.set_setting("inventory-source", "erp")
        assert context.parts.catalog.settings().inventory_source.value == "bigcommerce"
        assert context.parts.stock.outbox_count() == 3
        return
    context.parts.stock.switch_mode("erp", outbox=choice, actor="dana")
    assert context.parts.catalog.settings().inventory_source.value == "erp"
    assert context.parts.stock.outbox_count() == 0
    levels = [_store_level(store, v["id"]) for v in variants]
    expected = (
        [v["inventory_level"] + 3 for v in variants]
        if choice == "push"
        else [v["inventory_level"] for v in variants]
    )
    assert levels == expected
