"""Phantom store moves: a stock item made anew must not take a stale read for a sale. Through the
real command, against the demo store over HTTP.

Unassigned and assigned again while the store has not yet shown our last write (BigCommerce's
inventory writes are asynchronous: the demo's ``inventory_delay_ms``): the new item still waits to
see that write, so the store's old value read in between is not a sale.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.test_store_moves import _variant_tracked
from tests.integration.test_store_moves import _wait_for_level

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]

# Long enough that the commands between the two pushes run before the first write shows up; the
# test checks that this held rather than trusting it.
DELAY_MS = 8_000


def _history(home: str, product_id: int, env: dict[str, str]) -> list[tuple[str, str, int, int]]:
    history = run_cli(home, "stock", "history", str(product_id), "--json", env=env).json()
    return [(h["source"], h["kind"], h["quantity"], h["level_after"]) for h in history]


def _ok(home: str, *args: str, env: dict[str, str]) -> None:
    result = run_cli(home, *args, env=env)
    assert result.code == 0, f"{' '.join(args)}: {result.stderr}"


def test_a_write_still_unseen_at_unassign_is_awaited_by_the_item_assigned_again(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(inventory_delay_ms=DELAY_MS)
    product = _variant_tracked(store)
    variant = product["variants"][0]
    sku, vid, pid = variant["sku"], variant["id"], str(product["id"])
    store.catalog.update_variant(vid, inventory_level=39)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    _ok(home, "settings", "set", "backorder-method", "native", env=env)
    _ok(home, "assign", pid, env=env)

    _ok(home, "stock", "set", sku, "22", env=env)
    _ok(home, "outbox", "--push", env=env)
    _ok(home, "unassign", pid, env=env)
    _ok(home, "assign", pid, env=env)
    _ok(home, "stock", "set", sku, "17", env=env)
    _ok(home, "outbox", "--push", env=env)
    assert store.catalog.get_variant(vid)["inventory_level"] == 39, (
        "the first write showed before the second push read the store: this machine was too slow "
        f"for the {DELAY_MS} ms window, so the stale read this test is about did not happen"
    )

    assert _wait_for_level(store, vid, 17) == 17
    _ok(home, "sync", env=env)

    assert store.catalog.get_variant(vid)["inventory_level"] == 17
    mine = _history(home, product["id"], env)
    assert mine == [("person", "set", 17, 17), ("person", "set", 22, 22)], f"a phantom store move: {mine}"
    assert run_cli(home, "status", "--json", env=env).json()["outbox"] == 0


def test_an_item_assigned_again_after_a_stale_pull_starts_at_the_write_the_store_took(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    """Written, unassigned, then pulled while the store still showed the old value: the mirror's
    copy is that stale read. Assigned again once the write shows, the item is at the written level
    (the store's), not the stale one; no store move is made of it, and the next push writes nothing."""
    store = make_demo_store(inventory_delay_ms=60_000)
    base, offset = time.time(), [0.0]
    store.catalog._clock = lambda: base + offset[0]  # the store's clock moves only when told
    product = _variant_tracked(store)
    pid, vid = product["id"], product["variants"][0]["id"]
    store.catalog.update_variant(vid, inventory_level=1)
    context = make_context(store)
    context.save_settings({"backorder-method": "native"})
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.parts.catalog.assign([str(pid)], by="test")
    key = StockKey(pid, vid)

    context.parts.stock.edit(key, AdjustmentKind.SET, 27, actor="test", reason="counted")
    context.parts.stock.push()
    context.parts.catalog.unassign([str(pid)])
    offset[0] += 1
    store.catalog.update_product(pid, price=9.25)  # the next incremental pull reads the product
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=False)
    stale = context.parts.mirror.get_product(pid)
    assert stale is not None
    assert {v.id: v.inventory_level for v in stale.variants}[vid] == 1, "the pull did not read the old value"
    offset[0] += 61  # the write shows
    assert store.catalog.get_variant(vid)["inventory_level"] == 27

    context.parts.catalog.assign([str(pid)], by="test")
    assert {i.key: i.level for i in context.parts.mirror.stock_items()}[key] == 27
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.parts.stock.push()

    assert {i.key: i.level for i in context.parts.mirror.stock_items()}[key] == 27
    assert store.catalog.get_variant(vid)["inventory_level"] == 27
    moves = [a for a in context.parts.stock.history(pid, limit=100) if a.key == key]
    assert [(a.source, a.level_after) for a in moves] == [(AdjustmentSource.PERSON, 27)], moves
