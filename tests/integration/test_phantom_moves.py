"""Phantom store moves: a stock item made anew must not take a stale read for a sale. Through the
real command, against the demo store over HTTP.

Unassigned and assigned again while the store has not yet shown our last write (BigCommerce's
inventory writes are asynchronous: the demo's ``inventory_delay_ms``): the new item still waits to
see that write, so the store's old value read in between is not a sale.
"""

from __future__ import annotations

from collections.abc import Callable

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
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
