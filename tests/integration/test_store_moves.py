"""Store moves through the real command: with BigCommerce's asynchronous inventory writes, a value
read back before the last write shows up is stale, not a sale, and is never pushed back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]

# Long enough that both pushes below (four short commands) run before the first write shows up;
# the test checks that this held rather than trusting it.
DELAY_MS = 6_000


def _variant_tracked(store: DemoStore) -> dict[str, Any]:
    for pid in store.catalog.product_ids():
        product = store.catalog.get_product(pid)
        if product["inventory_tracking"] == "variant" and len(product["variants"]) >= 2:
            return product
    raise AssertionError("the demo catalog has no variant-tracked product with options")


def _wait_for_level(store: DemoStore, variant_id: int, level: int, timeout: float = 60.0) -> int:
    """Poll the store until a delayed write shows (a bound against hanging only); the level seen."""
    ticker = threading.Event()
    deadline = time.monotonic() + timeout
    seen = int(store.catalog.get_variant(variant_id)["inventory_level"])
    while seen != level and time.monotonic() < deadline:
        ticker.wait(0.05)
        seen = int(store.catalog.get_variant(variant_id)["inventory_level"])
    return seen


def test_a_stale_read_between_two_pushes_is_not_a_store_move(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(inventory_delay_ms=DELAY_MS)
    product = _variant_tracked(store)
    variant = product["variants"][0]
    sku, vid = variant["sku"], variant["id"]
    store.catalog.update_variant(vid, inventory_level=38)  # the merchant's count, shown at once
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0

    for level in (10, 12):
        edited = run_cli(home, "stock", "set", sku, str(level), env=env)
        assert edited.code == 0, edited.stderr
        pushed = run_cli(home, "outbox", "--push", env=env)
        assert pushed.code == 0, pushed.stderr
        assert pushed.stdout.startswith("1 written, 0 refused, 0 sales kept."), pushed.stdout
    assert store.catalog.get_variant(vid)["inventory_level"] == 38, (
        "the first write showed before the second push read the store: this machine was too slow "
        f"for the {DELAY_MS} ms window, so the stale read this test is about did not happen"
    )

    assert _wait_for_level(store, vid, 12) == 12
    synced = run_cli(home, "sync", env=env)
    assert synced.code == 0, synced.stderr

    assert store.catalog.get_variant(vid)["inventory_level"] == 12
    history = run_cli(home, "stock", "history", str(product["id"]), "--json", env=env).json()
    assert [(h["source"], h["kind"], h["quantity"]) for h in history] == [
        ("person", "set", 12),
        ("person", "set", 10),
    ]
    status = run_cli(home, "status", "--json", env=env).json()
    assert status["outbox"] == 0
