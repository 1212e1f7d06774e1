"""Safety stock and a second location: the store's catalog shows available to sell, the app counts on hand.

BigCommerce's catalog ``inventory_level`` is the default location's on hand less its safety stock
(notes §5.2), and stock at other locations is not in it. The app writes on hand (relative
adjustments), so a BackOrder item's level is compared with on hand at the default location: a
merchant who sets a safety stock of 5 must not see a "sale" of 5, and a second warehouse's units
are not the app's. Over HTTP, with the demo store's locations and safety stock switched on.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.demo.orders_helpers import item
from tests.demo.orders_helpers import placed
from tests.integration.cli_runner import run_cli
from tests.integration.test_store_moves import _variant_tracked

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def _onhand(store: DemoStore, variant_id: int, location_id: int = 1) -> int:
    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}) as api:
        reply = api.get("/v3/inventory/items", params={"variant_id:in": variant_id})
        (found,) = reply.json()["data"]
    (at,) = [at for at in found["locations"] if at["location_id"] == location_id]
    onhand: int = at["total_inventory_onhand"]
    return onhand


def test_safety_stock_and_a_second_location_are_not_store_moves(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(locations=2, native_backorders=True)
    product = _variant_tracked(store)
    variant = product["variants"][0]
    sku, vid = variant["sku"], variant["id"]
    store.catalog.update_variant(vid, inventory_level=38)
    # Twenty units in the second warehouse: the store's, not the default location's.
    store.catalog.adjust_inventory(
        {"items": [{"location_id": 2, "variant_id": vid, "quantity": 20}]}, relative=False
    )
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    # The store keeps counting (native): its level is what the pushes write and the pulls compare.
    assert run_cli(home, "settings", "set", "backorder-method", "native", env=env).code == 0
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    # The item's first on-hand read: its baseline, made from the catalog's figure, is on hand from
    # here. (A safety stock changed before this read would be taken for the one kept back when the
    # catalog's figure was read: the read says only the safety stock of now.)
    assert run_cli(home, "sync", "--full", env=env).code == 0

    # The merchant keeps five back in the control panel: the catalog now shows 33.
    store.catalog.update_location_items(
        1, {"settings": [{"identity": {"variant_id": vid}, "safety_stock": 5}]}
    )
    assert store.catalog.get_variant(vid)["inventory_level"] == 33

    assert run_cli(home, "stock", "set", sku, "30", env=env).code == 0
    pushed = run_cli(home, "outbox", "--push", env=env)
    assert pushed.code == 0, pushed.stderr
    assert _onhand(store, vid) == 30
    # A full pass (a stock move leaves date_modified alone in the strict store, as it may live):
    # it sees the written 30, so what moves next is a sale, not a late write.
    assert run_cli(home, "sync", "--full", env=env).code == 0

    with httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}) as api:
        placed(api, item(product, 3))
    assert _onhand(store, vid) == 27
    synced = run_cli(home, "sync", "--full", env=env)
    assert synced.code == 0, synced.stderr

    history = run_cli(home, "stock", "history", str(product["id"]), "--json", env=env).json()
    mine = [(h["source"], h["kind"], h["quantity"]) for h in history if h["variant_id"] == vid]
    store_moves = [entry for entry in mine if entry[0] == "store"]
    assert store_moves == [("store", "remove", 3)], f"only the order moved the store; the ledger says {mine}"
    assert ("person", "set", 30) in mine
    newest = next(h for h in history if h["variant_id"] == vid)
    assert newest["level_after"] == 27 == _onhand(store, vid)
    assert _onhand(store, vid, location_id=2) == 20
    assert run_cli(home, "status", "--json", env=env).json()["outbox"] == 0


def _kept_back(store: DemoStore, vid: int, *, onhand: int, safety_stock: int) -> None:
    """On hand ``onhand`` at the default location, ``safety_stock`` of it kept back there."""
    store.catalog.update_variant(vid, inventory_level=onhand)
    store.catalog.update_location_items(
        1, {"settings": [{"identity": {"variant_id": vid}, "safety_stock": safety_stock}]}
    )
    assert _onhand(store, vid) == onhand
    assert store.catalog.get_variant(vid)["inventory_level"] == max(0, onhand - safety_stock)  # the catalog's


def _assigned_with_safety_stock(
    home: str, store: DemoStore, make_context: MakeContext, method: str, onhand: int = 10
) -> tuple[dict[str, object], str, int, dict[str, str]]:
    """A product whose variant has ``onhand``, 2 kept back (the catalog and so the mirror show 8 of
    10), assigned with the backorder ``method``; nothing pulled or pushed since."""
    product = _variant_tracked(store)
    variant = product["variants"][0]
    _kept_back(store, variant["id"], onhand=onhand, safety_stock=2)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    assert run_cli(home, "settings", "set", "backorder-method", method, env=env).code == 0
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    return product, variant["sku"], variant["id"], env


def _store_moves(home: str, product_id: object, vid: int, env: dict[str, str]) -> list[tuple[str, int]]:
    history = run_cli(home, "stock", "history", str(product_id), "--json", env=env).json()
    return [(h["kind"], h["quantity"]) for h in history if h["variant_id"] == vid and h["source"] == "store"]


def test_an_edit_made_before_the_first_on_hand_read_is_written_as_set_not_raised_by_the_safety_stock(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(native_backorders=True)
    product, sku, vid, env = _assigned_with_safety_stock(home, store, make_context, "native")

    assert run_cli(home, "stock", "set", sku, "30", env=env).code == 0
    pushed = run_cli(home, "outbox", "--push", env=env)
    assert pushed.code == 0, pushed.stderr

    assert _onhand(store, vid) == 30, "the two units kept back were taken for stock added in the store"
    assert _store_moves(home, product["id"], vid, env) == []
    assert run_cli(home, "status", "--json", env=env).json()["outbox"] == 0


def test_stock_added_in_the_store_before_the_first_on_hand_read_is_a_move_the_safety_stock_is_not(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(native_backorders=True)
    product, sku, vid, env = _assigned_with_safety_stock(home, store, make_context, "native")
    store.catalog.adjust_inventory(
        {"items": [{"location_id": 1, "variant_id": vid, "quantity": 5}]}, relative=True
    )
    assert _onhand(store, vid) == 15

    assert run_cli(home, "stock", "set", sku, "30", env=env).code == 0
    pushed = run_cli(home, "outbox", "--push", env=env)
    assert pushed.code == 0, pushed.stderr

    # The five units came after the person's 30 was based on the store's figure: they are kept.
    assert _store_moves(home, product["id"], vid, env) == [("add", 5)]
    assert _onhand(store, vid) == 35


def test_an_untouched_item_takes_on_hand_at_its_first_pull_and_an_edit_then_counts_from_it(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(native_backorders=True)
    product, sku, vid, env = _assigned_with_safety_stock(home, store, make_context, "native")

    assert run_cli(home, "sync", "--full", env=env).code == 0
    rows = [line.split(",") for line in run_cli(home, "export", env=env).stdout.splitlines()]
    (mine,) = [dict(zip(rows[0], row, strict=False)) for row in rows[1:] if row[0] == sku]
    assert (mine["quantity"], mine["store_quantity"]) == ("10", "10")  # on hand, what later reads compare
    assert run_cli(home, "stock", "add", sku, "1", env=env).code == 0
    pushed = run_cli(home, "outbox", "--push", env=env)
    assert pushed.code == 0, pushed.stderr

    assert _onhand(store, vid) == 11, "one unit added to 10 on hand"
    assert _store_moves(home, product["id"], vid, env) == []


def test_with_the_method_app_a_pull_before_tracking_is_off_takes_no_safety_stock_for_a_move(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store()
    product, sku, vid, env = _assigned_with_safety_stock(home, store, make_context, "app")
    assert run_cli(home, "stock", "set", sku, "30", env=env).code == 0

    # The pull reads the store still tracking (the write turning it off waits): its on hand is the
    # item's first on-hand read. The sync then turns tracking off; the app counts from here.
    synced = run_cli(home, "sync", "--full", env=env)
    assert synced.code == 0, synced.stderr
    assert store.catalog.get_product(product["id"])["inventory_tracking"] == "none"
    assert _store_moves(home, product["id"], vid, env) == []

    # Leaving BackOrder, the product is tracked again with the app's level: the person's 30.
    assert run_cli(home, "unassign", str(product["id"]), env=env).code == 0
    pushed = run_cli(home, "outbox", "--push", env=env)
    assert pushed.code == 0, pushed.stderr
    assert store.catalog.get_product(product["id"])["inventory_tracking"] == "variant"
    assert _onhand(store, vid) == 30


def test_a_product_assigned_again_before_any_pull_keeps_its_on_hand_baseline(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(native_backorders=True)
    product, sku, vid, env = _assigned_with_safety_stock(home, store, make_context, "native")
    assert run_cli(home, "sync", "--full", env=env).code == 0  # the item's level is on hand: 10

    # Unassigned and assigned again at once: the mirror still shows the app's level, on hand, not a
    # catalog figure less safety stock that the next read would re-base.
    assert run_cli(home, "unassign", str(product["id"]), env=env).code == 0
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    assert run_cli(home, "stock", "set", sku, "30", env=env).code == 0
    pushed = run_cli(home, "outbox", "--push", env=env)
    assert pushed.code == 0, pushed.stderr

    assert _onhand(store, vid) == 30
    assert _store_moves(home, product["id"], vid, env) == []


def test_on_hand_below_the_safety_stock_shown_as_0_in_the_catalog_is_no_move_either(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(native_backorders=True)
    product, sku, vid, env = _assigned_with_safety_stock(home, store, make_context, "native", onhand=1)

    assert run_cli(home, "stock", "set", sku, "30", env=env).code == 0
    pushed = run_cli(home, "outbox", "--push", env=env)
    assert pushed.code == 0, pushed.stderr

    # The catalog's 0 said "2 or fewer on hand": the one read is that, not a sale from 2.
    assert _store_moves(home, product["id"], vid, env) == []
    assert _onhand(store, vid) == 30
