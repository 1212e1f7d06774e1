"""Being told, headless: through the real CLI over the demo store and its shopper, orders for
BackOrder products give one batched notification, a second sync none, a failed sync one, a limit
reached one; ``status --json`` lists the unread ones and ``notifications --mark-read`` reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.shopper import Shopper
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import synced_store
from tests.integration.test_orders_ledger import _tracked

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def _world(
    make_demo_store: MakeStore, make_context: MakeContext, home: str, products: int
) -> tuple[DemoStore, dict[str, str], list[int]]:
    """A synced profile with ``products`` BackOrder products sold the app's way (tracking off)."""
    store, env = synced_store(make_demo_store, make_context)
    ids = [pid for pid in store.catalog.product_ids() if _tracked(store.catalog.get_product(pid))][:products]
    assert run_cli(home, "settings", "set", "backorder-method", "app", env=env).code == 0
    assert run_cli(home, "assign", *map(str, ids), env=env).code == 0
    assert run_cli(home, "sync", env=env).code == 0  # tracking off in the store
    return store, env, ids


def _unread(home: str, env: dict[str, str]) -> list[dict[str, Any]]:
    status = run_cli(home, "status", "--json", env=env)
    assert status.code == 0, status.stderr
    listed: list[dict[str, Any]] = status.json()["notifications"]
    return listed


def test_orders_are_told_once_batched_then_a_failed_sync_and_a_limit_each_once(
    make_demo_store: MakeStore, make_context: MakeContext, home: str
) -> None:
    store, env, ids = _world(make_demo_store, make_context, home, 5)
    shopper = Shopper(store.orders, seed=5, product_ids=ids)
    placed = {a.order_id for a in shopper.run(12) if a.kind == "order" and a.order_id}
    assert run_cli(home, "sync", env=env).code == 0

    told = _unread(home, env)
    assert [n["kind"] for n in told] == ["orders"]
    waiting = run_cli(home, "orders", "--json", env=env).json()
    assert told[0]["title"].endswith(" in the last hour")
    assert told[0]["title"].startswith(f"{len({o['order_id'] for o in waiting})} backorder")
    assert placed

    shopper.run(5)  # more orders within the hour: held for the next batch
    assert run_cli(home, "sync", env=env).code == 0
    assert [n["id"] for n in _unread(home, env)] == [told[0]["id"]]

    store.faults.maintenance = True
    assert run_cli(home, "sync", env=env).code == 1
    assert run_cli(home, "sync", env=env).code == 1
    store.faults.maintenance = False
    failed = [n for n in _unread(home, env) if n["kind"] == "sync-failed"]
    assert len(failed) == 2  # one per failed run, never twice for one
    assert len({n["key"] for n in failed}) == 2

    # A limit reached is told once, however many syncs see it.
    sku = run_cli(home, "backorder", "show", "--json", env=env).json()[0]["sku"]
    assert run_cli(home, "backorder", "set", sku, "--limit", "0", env=env).code == 0
    assert run_cli(home, "stock", "set", sku, "-1", env=env).code == 0
    for _ in range(2):
        assert run_cli(home, "sync", env=env).code == 0
    limits = [n for n in _unread(home, env) if n["kind"] == "limit-reached"]
    assert [n["title"] for n in limits] == [f"{sku}: backorder limit reached"]

    listed = run_cli(home, "notifications", "--mark-read", env=env)
    assert listed.code == 0 and f"{sku}: backorder limit reached" in listed.stdout
    assert _unread(home, env) == []
    everything = run_cli(home, "notifications", "--all", "--json", env=env).json()
    # With the method app the limit also disables purchasing in the store: told once too.
    disabled = [n for n in everything if n["kind"] == "disabled"]
    assert [n["title"] for n in disabled] == [f"{sku}: purchasing disabled"]
    assert len(everything) == 5 and all(n["read"] for n in everything)


def test_a_kind_switched_off_in_settings_is_not_told(
    make_demo_store: MakeStore, make_context: MakeContext, home: str
) -> None:
    store, env, ids = _world(make_demo_store, make_context, home, 3)
    assert run_cli(home, "settings", "set", "notify-orders", "off", env=env).code == 0
    Shopper(store.orders, seed=2, product_ids=ids).run(6)
    assert run_cli(home, "sync", env=env).code == 0
    assert _unread(home, env) == []
    assert "No unread notifications." in run_cli(home, "notifications", env=env).stdout
