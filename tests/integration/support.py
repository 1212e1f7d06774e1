"""Helpers for integration tests: a profile wired to a demo store, and mirror-vs-store checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.adapters.http import Timeouts
from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile

FAST_RETRY = RetryPolicy(
    attempts=3, initial_delay_s=0.01, max_delay_s=0.05, jitter=0.0, rate_limit_attempts=6
)
SHORT_TIMEOUTS = Timeouts(connect=2.0, read=1.0, write=2.0, pool=5.0)


def connect_context(home: str | Path, store: DemoStore, **client_options: Any) -> Profile:
    """A profile connected to ``store`` (token for this process only, as BACKORDER_DESKTOP_TOKEN)."""
    options: dict[str, Any] = {"retry": FAST_RETRY}
    options.update(client_options)
    context = open_profile(
        home, env_token=store.token, secret_store=MemorySecretStore(), client_options=options
    )
    context.parts.mirror.set_store(
        StoreInfo(store_hash=store.store_hash, name="Test", plan_name="Demo"), store.api_url
    )
    return context


def store_snapshot(store: DemoStore) -> dict[int, tuple[Any, ...]]:
    """Every product of the store as (name, sku, price, level, tracking, sorted variants)."""
    out: dict[int, tuple[Any, ...]] = {}
    for pid in store.catalog.product_ids():
        p = store.catalog.get_product(pid)
        variants = tuple(sorted((v["id"], v["sku"], v["inventory_level"]) for v in p["variants"]))
        out[pid] = (
            p["name"],
            p["sku"],
            float(p["price"]),
            p["inventory_level"],
            p["inventory_tracking"],
            variants,
        )
    return out


def mirror_snapshot(context: Profile) -> dict[int, tuple[Any, ...]]:
    """The mirror in the same shape as ``store_snapshot``."""
    out: dict[int, tuple[Any, ...]] = {}
    for p in context.parts.mirror.search_products(""):
        variants = tuple(sorted((v.id, v.sku, v.inventory_level) for v in p.variants))
        out[p.id] = (p.name, p.sku, float(p.price), p.inventory_level, p.inventory_tracking.value, variants)
    return out


def integrity_ok(database: Path) -> bool:
    with sqlite3.connect(database) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def tracked_by_product(store: DemoStore) -> dict[str, Any]:
    """The first product of ``store`` whose stock is tracked on the product (not its variants)."""
    return next(
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "product"
    )


def synced_store(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> tuple[DemoStore, dict[str, str]]:
    """A demo store fully synced into the profile, and the environment that gives a command its token."""
    store = make_demo_store()
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    return store, {"BACKORDER_DESKTOP_TOKEN": store.token}
