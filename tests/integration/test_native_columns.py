"""The window's BackOrder columns, filters and dashboard tiles under both backorder methods.

With the method ``native`` the app's level of a BackOrder item is on hand as the store holds it and
BigCommerce counts the units backordered; the columns (on hand, backordered, available to sell,
limit), the filters (backordered, near limit, at limit, date passed) and the dashboard's tiles read
the level less those units, so they show what the method ``app`` shows for the same units owed.
Checked over HTTP against a demo store in the backorders beta, with the store's own counts as the
reference, then again after switching to ``app`` (the app then counts the same units itself).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import httpx

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.integration.support import FAST_RETRY

MakeStore = Callable[..., DemoStore]
LIMIT = 5
# Units sold past on hand per product tracked as a whole, by role: at its limit, near it (within
# 10 % of 5: 1 left), owing a few, owing none; and a product tracked by variant with its first
# variant sold past on hand by 3 (its others owe none).
SOLD_PAST = {"at": LIMIT, "near": LIMIT - 1, "owing": 2, "none": 0}
VARIANT_SOLD_PAST = 3
Counts = dict[StockKey, dict[str, Any]]


class StepClock:
    """The profile's clock: moved only by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def _sync(context: Profile) -> None:
    run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    assert not run.problems, run.problems


def _api(store: DemoStore) -> httpx.Client:
    return httpx.Client(base_url=store.base_url, headers={"X-Auth-Token": store.token}, timeout=10.0)


def store_counts(store: DemoStore, roles: dict[str, int]) -> Counts:
    """What the store itself counts at its default location, per stock item as the app keys it."""
    with _api(store) as api:
        reply = api.get("/v3/inventory/items", params={"product_id:in": ",".join(map(str, roles.values()))})
    assert reply.status_code == 200, reply.text
    counted: Counts = {}
    for entry in reply.json()["data"]:
        (at,) = [loc for loc in entry["locations"] if loc["location_id"] == 1]
        pid = int(entry["identity"]["product_id"])
        key = (
            StockKey(pid, int(entry["identity"]["variant_id"])) if pid == roles["variants"] else StockKey(pid)
        )
        counted[key] = at
    return counted


def _identity(key: StockKey) -> dict[str, int]:
    return {"product_id": key.product_id} if key.variant_id is None else {"variant_id": key.variant_id}


def _sell(store: DemoStore, key: StockKey, quantity: int) -> None:
    line = {"product_id": key.product_id, "quantity": quantity}
    if key.variant_id is not None:
        line["variant_id"] = key.variant_id  # the catalog's variant: the store's identity for its item
    store.orders.place({"products": [line], "billing_address": {"zip": "78701"}, "status_id": 11})


def owing_world(home: str, store: DemoStore) -> tuple[Profile, dict[str, int]]:
    """A profile with the method native and five BackOrder products (``SOLD_PAST``'s tracked as a
    whole, one by variant), each item with a limit of 5 and an expected date already passed, sold
    past their on hand in the store."""
    clock = StepClock(datetime.now(UTC) - timedelta(days=5))
    context = open_profile(
        home, env_token=store.token, secret_store=MemorySecretStore(), client_options={"retry": FAST_RETRY},
        clock=clock,
    )  # fmt: skip
    context.parts.mirror.set_store(StoreInfo(store.store_hash, "Test", "Demo"), store.api_url)
    context.save_settings({"backorder-method": "native"})
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    sellable = [
        product
        for pid in store.catalog.product_ids()
        if (product := store.catalog.get_product(pid))["availability"] != "disabled"
        and all(not v["purchasing_disabled"] for v in product["variants"])
    ]
    whole = [p["id"] for p in sellable if p["inventory_tracking"] == "product"][: len(SOLD_PAST)]
    by_variant = next(
        p["id"] for p in sellable if p["inventory_tracking"] == "variant" and len(p["variants"]) > 1
    )
    roles = {**dict(zip(SOLD_PAST, whole, strict=True)), "variants": by_variant}
    context.assign([str(pid) for pid in roles.values()])
    # Set while the profile's clock is days behind, so the date has passed by the merchant's today.
    passed = date.today() - timedelta(days=2)
    context.set_backorder_rules([str(pid) for pid in roles.values()], limit=LIMIT, expected=passed)
    clock.at = datetime.now(UTC)
    _sync(context)
    counted = store_counts(store, roles)
    with _api(store) as api:
        settings = [{"identity": _identity(k), "safety_stock": 0} for k in counted]
        assert api.put("/v3/inventory/locations/1/items", json={"settings": settings}).status_code == 200
    for role, pid in roles.items():
        if role != "variants" and SOLD_PAST[role]:
            _sell(store, StockKey(pid), counted[StockKey(pid)]["total_inventory_onhand"] + SOLD_PAST[role])
    first = min(k for k in counted if k.product_id == by_variant)
    _sell(store, first, counted[first]["total_inventory_onhand"] + VARIANT_SOLD_PAST)
    clock.at = datetime.now(UTC)  # the merchant's time moves on past the sales
    _sync(context)  # an incremental pull, and what the store counts read back
    return context, roles


def _check_window(context: Profile, roles: dict[str, int], counted: Counts) -> None:
    """Each column's figure from the store's counts, each filter's members and each tile's count."""
    shown = {p.id: p for p in context.query_products(ProductQuery(backorder_only=True), limit=None)}
    assert sorted(shown) == sorted(roles.values())
    for role, pid in roles.items():
        if role == "variants":
            continue
        at, product = counted[StockKey(pid)], shown[pid]
        assert at["qty_backordered"] == SOLD_PAST[role]
        assert product.on_hand == at["total_inventory_onhand"] - at["qty_backordered"]
        assert product.backordered == at["qty_backordered"]
        assert product.available_to_sell == at["available_to_sell"]
        assert product.limit == LIMIT
    # Tracked by variant: each variant's figures, and the product's over them.
    product = shown[roles["variants"]]
    items = {k: at for k, at in counted.items() if k.product_id == product.id}
    assert sorted(at["qty_backordered"] for at in items.values())[-1] == VARIANT_SOLD_PAST
    assert {v.id for v in product.variants} == {k.variant_id for k in items}
    for variant in product.variants:
        at = items[StockKey(product.id, variant.id)]
        assert variant.on_hand == at["total_inventory_onhand"] - at["qty_backordered"]
        assert variant.backordered == at["qty_backordered"]
        assert variant.available_to_sell == at["available_to_sell"]
        assert variant.limit == LIMIT
    assert product.backordered == sum(at["qty_backordered"] for at in items.values())
    assert product.available_to_sell == sum(at["available_to_sell"] for at in items.values())
    assert product.limit == LIMIT * len(items)

    owing = {k.product_id for k, at in counted.items() if at["qty_backordered"] > 0}
    assert owing == set(roles.values()) - {roles["none"]}
    expected = {
        "backordered": (ProductQuery(backordered=True), owing),
        "near limit": (ProductQuery(near_limit=True), {roles["near"]}),
        "at limit": (ProductQuery(at_limit=True), {roles["at"]}),
        "date passed": (ProductQuery(date_passed=True), owing),  # passed for all; four still owe
    }
    for name, (query, members) in expected.items():
        assert {p.id for p in context.query_products(query, limit=None)} == members, name
        assert context.count_products(query) == len(members), name
    tiles = context.dashboard().counts
    assert tiles.units_backordered == sum(at["qty_backordered"] for at in counted.values())
    assert tiles.backordered_products == len(owing)
    assert (tiles.at_limit, tiles.near_limit, tiles.at_or_near_limit) == (1, 1, 2)
    assert tiles.date_passed == len(owing)
    assert context.status().backordered_units == tiles.units_backordered  # the status bar's figure


def test_columns_filters_and_tiles_read_the_units_the_store_counts_then_the_same_after_a_switch_to_app(
    home: str, make_demo_store: MakeStore
) -> None:
    store = make_demo_store(native_backorders=True)
    context, roles = owing_world(home, store)
    try:
        counted = store_counts(store, roles)
        assert all(at["total_inventory_onhand"] >= 0 for at in counted.values())  # the store's on hand
        _check_window(context, roles, counted)

        # The method app: the units the store counted become the app's to count (its level goes
        # below zero), and every figure stays what the store counted.
        context.switch_backorder_method("app")
        items = context.parts.mirror.stock_items(list(roles.values()))  # type: ignore[attr-defined]
        levels = {item.key: item.level for item in items}
        assert levels == {
            k: at["total_inventory_onhand"] - at["qty_backordered"] for k, at in counted.items()
        }
        _check_window(context, roles, counted)
        # The next sync reads the orders placed under the native method again (the orders overlap):
        # the units the store counted were handed over, so they are not counted a second time.
        _sync(context)
        items = context.parts.mirror.stock_items(list(roles.values()))  # type: ignore[attr-defined]
        assert {item.key: item.level for item in items} == levels
    finally:
        context.close()
