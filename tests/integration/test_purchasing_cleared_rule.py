"""A limit cleared before its disable was written leaves purchasing alone in the store."""

from __future__ import annotations

from collections.abc import Callable

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.services.profile import Profile

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def test_a_limit_cleared_before_its_disable_was_written_disables_nothing(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=20, seed=5)
    context = make_context(store)
    context.save_settings({"backorder-method": "app"})
    context.sync(trigger=RunTrigger.CLI, full=True)
    product = next(
        store.catalog.get_product(pid)
        for pid in store.catalog.product_ids()
        if store.catalog.get_product(pid)["inventory_tracking"] == "variant"
    )
    pid = product["id"]
    context.assign([str(pid)])
    context.push_now()
    for item in context.parts.mirror.stock_items([pid]):  # type: ignore[attr-defined]
        context.edit_stock(item.key, AdjustmentKind.SET, 0)
    context.set_backorder_rules([str(pid)], limit=0)  # at its limit: a disable is wished
    context.set_backorder_rules([str(pid)], clear=["limit"])  # and cleared before any push

    context.push_now()

    variants = store.catalog.get_product(pid)["variants"]
    assert [v["id"] for v in variants if v["purchasing_disabled"]] == []
    assert context.parts.stock.product_writes_waiting() == 0
