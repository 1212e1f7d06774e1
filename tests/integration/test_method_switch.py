"""Switching the backorder method through the real CLI over a demo store in BigCommerce's backorders beta:
the switch is shown first and applied with --yes, it is refused while writes wait (nothing half
applied), and it migrates the BackOrder products through the product writes both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import tracked_by_product

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
METHOD = "backorder-method"


def _beta_store(home: str, make_demo_store: MakeStore, make_context: MakeContext) -> tuple[
    DemoStore, dict[str, str], list[dict[str, Any]]
]:  # fmt: skip
    """A beta store synced into ``home``, with a product tracked by variant and one by product."""
    store = make_demo_store(native_backorders=True)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    by_variant = next(
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "variant" and len(p["variants"]) >= 2
    )
    return store, {"BACKORDER_DESKTOP_TOKEN": store.token}, [by_variant, tracked_by_product(store)]


def _method(home: str, env: dict[str, str]) -> str:
    shown = run_cli(home, "settings", "show", "--json", env=env)
    assert shown.code == 0, shown.stderr
    return str(shown.json()[METHOD])


def _tracking(store: DemoStore, products: list[dict[str, Any]]) -> list[str]:
    return [store.catalog.get_product(p["id"])["inventory_tracking"] for p in products]


def _owed(home: str, env: dict[str, str], product: dict[str, Any]) -> tuple[int, int | None]:
    """A product's level as its rules read it, and the units BigCommerce counts as backordered."""
    shown = run_cli(home, "backorder", "show", product["sku"], "--json", env=env)
    assert shown.code == 0, shown.stderr
    (item,) = shown.json()
    store = item.get("store")
    return item["inventory_level"], None if store is None else store["qty_backordered"]


def _limits(store: DemoStore, product: dict[str, Any]) -> list[int]:
    book = store.catalog._st.locations
    if product["inventory_tracking"] == "product":
        return [book.settings(1, ("p", product["id"])).backorder_limit]
    return [book.settings(1, ("v", v["id"])).backorder_limit for v in product["variants"]]


def test_a_switch_is_shown_first_refused_while_writes_wait_and_migrates_both_ways(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env, products = _beta_store(home, make_demo_store, make_context)
    modes = _tracking(store, products)
    assert run_cli(home, "settings", "set", METHOD, "app", env=env).code == 0  # nothing assigned: no preview
    assert run_cli(home, "assign", *(str(p["id"]) for p in products), env=env).code == 0

    # Tracking off waits to be written: a switch now would leave the store half one way.
    shown = run_cli(home, "settings", "set", METHOD, "native", env=env)
    assert shown.code == 1
    assert "2 products: tracking back on in BigCommerce" in shown.stdout
    assert "run the command again with --yes" in shown.stderr
    refused = run_cli(home, "settings", "set", METHOD, "native", "--yes", env=env)
    assert refused.code == 1
    assert refused.stderr.startswith("Backorder method not changed: 2 product writes wait")
    assert "--push-outbox" in refused.stderr and "--discard-outbox" in refused.stderr
    assert _method(home, env) == "app" and _tracking(store, products) == modes

    # Written first, then switched: tracking comes back on with the app's levels, and the limits;
    # the units owed are handed to BigCommerce's backordered count.
    assert run_cli(home, "backorder", "set", str(products[0]["id"]), "--limit", "4", env=env).code == 0
    assert run_cli(home, "stock", "set", products[1]["sku"], "-2", env=env).code == 0
    done = run_cli(home, "settings", "set", METHOD, "native", "--yes", "--push-outbox", env=env)
    assert done.code == 0, done.stderr
    assert _tracking(store, products) == ["none", "none"]  # the app method's writes went first
    assert _method(home, env) == "native"
    assert run_cli(home, "sync", env=env).code == 0
    assert _tracking(store, products) == modes
    assert set(_limits(store, products[0])) == {4}
    shown = run_cli(home, "backorder", "show", str(products[0]["id"]), "--json", env=env)
    assert shown.code == 0, shown.stderr
    assert {item["store"]["backorder_limit"] for item in shown.json()} == {4}  # read back from the store
    history = run_cli(home, "stock", "history", products[1]["sku"], env=env)
    assert "method switched to native: tracking back on in BigCommerce with 0, 2 owed" in history.stdout
    assert store.catalog._st.locations.backordered(("p", products[1]["id"])) == 2
    assert _owed(home, env, products[1]) == (-2, 2)  # the store counts the 2 owed; the rules read them

    # And back: tracking off again, the limits cleared in the store.
    back = run_cli(home, "settings", "set", METHOD, "app", env=env)
    assert back.code == 1 and "2 products: tracking off" in back.stdout
    assert run_cli(home, "settings", "set", METHOD, "app", "--yes", env=env).code == 0
    assert run_cli(home, "sync", env=env).code == 0
    assert _tracking(store, products) == ["none", "none"]
    assert set(_limits(store, products[0])) == {0}
    assert _method(home, env) == "app"
    assert _owed(home, env, products[1])[0] == -2  # the app counts the units owed again


def test_bad_switches_are_refused_with_what_to_do_and_change_nothing(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env, products = _beta_store(home, make_demo_store, make_context)
    assert run_cli(home, "settings", "set", METHOD, "native", env=env).code == 0  # nothing assigned yet
    product = products[1]
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    assert run_cli(home, "sync", env=env).code == 0

    unknown = run_cli(home, "settings", "set", METHOD, "sometimes", "--yes", env=env)
    assert unknown.code == 1 and "app" in unknown.stderr and "native" in unknown.stderr

    # A stock change waits: refused until it is written or discarded.
    assert run_cli(home, "stock", "set", product["sku"], "9", env=env).code == 0
    refused = run_cli(home, "settings", "set", METHOD, "app", "--yes", env=env)
    assert refused.code == 1 and "1 stock change wait" in refused.stderr, refused.stderr
    assert _method(home, env) == "native" and _tracking(store, [product]) == ["product"]

    discarded = run_cli(home, "settings", "set", METHOD, "app", "--yes", "--discard-outbox", env=env)
    assert discarded.code == 0, discarded.stderr
    assert _method(home, env) == "app"
    assert run_cli(home, "sync", env=env).code == 0
    assert _tracking(store, [product]) == ["none"]
    assert store.catalog.get_product(product["id"])["inventory_level"] != 9  # the discarded change
