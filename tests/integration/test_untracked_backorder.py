"""A product whose stock BigCommerce does not track, assigned to BackOrder, end to end over HTTP with
the demo store: assigning says so, a rule is refused in its own words and changes nothing, its order
lines say why they were not counted, and tracking turned on in the store later makes it a BackOrder
product like any other at the next sync."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.demo.conftest import client_for
from tests.demo.orders_helpers import FakeClock
from tests.demo.orders_helpers import item
from tests.demo.orders_helpers import placed
from tests.demo.orders_helpers import untracked
from tests.integration.cli_runner import run_cli
from tests.integration.support import synced_store
from tests.integration.support import tracked_by_product

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
TOLD = "track no stock in BigCommerce"


def _untracked_pair(store: DemoStore) -> list[dict[str, Any]]:
    """Two products without options whose stock the store does not track (the demo has one at
    least; a second is made so, as a merchant would in the control panel)."""
    first = untracked(store)
    other = next(
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "product" and p["base_variant_id"] and p["id"] != first["id"]
    )
    return [first, store.catalog.update_product(other["id"], inventory_tracking="none")]


def _rules(home: str, env: dict[str, str]) -> list[dict[str, Any]]:
    shown = run_cli(home, "backorder", "show", "--json", env=env)
    assert shown.code == 0, shown.stderr
    rules: list[dict[str, Any]] = shown.json()
    return rules


def test_assign_in_the_cli_says_which_products_track_no_stock_and_what_to_do(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store()
    pair = _untracked_pair(store)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    tracked = tracked_by_product(store)

    done = run_cli(home, "assign", *(str(p["id"]) for p in (*pair, tracked)), env=env)

    assert done.code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "3 of 3 products assigned to backorder."
    told = lines[1]
    skus = ", ".join(p["sku"] for p in sorted(pair, key=lambda p: p["id"]))
    assert told.startswith(f"2 of them {TOLD} ({skus})"), told
    assert "they always sell, so there is nothing to count or limit" in told
    assert "Turn on inventory tracking for them in BigCommerce, then sync." in told
    again = run_cli(home, "assign", str(pair[0]["id"]), env=env)  # already assigned: still told
    assert again.stdout.splitlines()[1].startswith(f"It tracks no stock in BigCommerce ({pair[0]['sku']})")
    quiet = run_cli(home, "assign", str(tracked["id"]), env=env)
    assert quiet.stdout.splitlines() == ["0 of 1 product assigned to backorder."]


def test_the_facade_reports_how_many_assigned_products_track_no_stock_with_a_few_skus(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store()
    pair = _untracked_pair(store)
    tracked = tracked_by_product(store)
    more = [  # untracked too: seven in all, more than a report names
        store.catalog.update_product(p["id"], inventory_tracking="none")
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "product" and p["id"] not in (pair[1]["id"], tracked["id"])
    ][:5]
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    report = context.assign([str(p["id"]) for p in (*pair, *more, tracked)])

    assert (report.changed, report.matched, report.untracked) == (8, 8, 7)
    first = [p["sku"] for p in sorted((*pair, *more), key=lambda p: p["id"])][:5]
    assert list(report.untracked_skus) == first
    assert report.untracked_named() == f"{', '.join(first)} and 2 more"
    assert context.assign([str(tracked["id"])]).untracked == 0
    assert context.unassign([str(pair[0]["id"])]).untracked == 0  # told when assigning only


def test_a_rule_for_an_untracked_product_is_refused_in_its_own_words_and_changes_nothing(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = synced_store(make_demo_store, make_context)
    product, tracked = untracked(store), tracked_by_product(store)
    assert run_cli(home, "assign", str(product["id"]), str(tracked["id"]), env=env).code == 0
    before = _rules(home, env)

    refused = run_cli(home, "backorder", "set", product["sku"], tracked["sku"], "--limit", "3", env=env)

    assert refused.code == 1
    assert "not in BackOrder" not in refused.stderr, refused.stderr  # it is: the old words misled
    assert product["sku"] in refused.stderr
    assert "does not track" in refused.stderr
    assert "turn inventory tracking on for it in BigCommerce, then sync" in refused.stderr
    assert "Nothing was changed" in refused.stderr
    assert _rules(home, env) == before  # the tracked product's rule was not set either


def test_an_order_line_of_an_untracked_product_says_why_it_was_not_counted(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = synced_store(make_demo_store, make_context)
    product = untracked(store)
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    with client_for(store) as api:
        order = placed(api, item(product, 2))

    pulled = run_cli(home, "orders", "--pull", env=env)

    assert pulled.code == 0, pulled.stderr
    told = next(line for line in pulled.stderr.splitlines() if f"order #{order['id']}" in line)
    assert "Order line not counted" in told
    assert f"{product['sku']} tracks no stock in BigCommerce" in told, told
    assert "Turn on inventory tracking for it in BigCommerce, then sync" in told
    assert pulled.stdout == ""  # nothing waits for stock: nothing was counted
    assert "without stock kept by the app" not in told  # the old words did not say why


def test_tracking_turned_on_in_the_store_makes_it_a_backorder_product_at_the_next_sync(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = synced_store(make_demo_store, make_context)
    product = untracked(store)
    pid = product["id"]
    assert run_cli(home, "assign", str(pid), env=env).code == 0
    with client_for(store) as api:
        before = placed(api, item(product, 4))  # sold while the store counted nothing
    store.catalog.update_product(pid, inventory_tracking="product")  # the merchant turns it on,
    store.catalog.update_product(pid, inventory_level=7)  # then counts the shelf

    synced = run_cli(home, "sync", env=env)

    assert synced.code == 0, synced.stdout + synced.stderr
    # With the app method (the default) it is handed over as at assignment: the store stops
    # counting it, so it sells past zero, and the app keeps its 7.
    assert store.catalog.get_product(pid)["inventory_tracking"] == "none"
    shown = {row["sku"]: row for row in _rules(home, env)}
    assert shown[product["sku"]]["inventory_level"] == 7
    done = run_cli(home, "backorder", "set", product["sku"], "--limit", "3", env=env)
    assert done.code == 0, done.stderr
    assert _rules(home, env)[0]["limit"] == 3

    store.orders.clock = FakeClock(time.time() + 3600)  # orders dated after the handover
    with client_for(store) as api:
        placed(api, item(store.catalog.get_product(pid), 9))  # past what it has: it sells
    store.orders.update(before["id"], {"status_id": 2})  # shipped: changed, yet not counted now
    pulled = run_cli(home, "orders", "--pull", env=env)
    assert pulled.code == 0, pulled.stderr
    assert "not counted" not in pulled.stderr
    shown = {row["sku"]: row for row in _rules(home, env)}
    assert shown[product["sku"]]["inventory_level"] == -2  # the 7 counted, less the 9 sold since
