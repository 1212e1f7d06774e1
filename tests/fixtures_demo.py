"""Demo store fixtures: a fresh store per test, over real HTTP on loopback.

``demo_store`` is a started store with 200 products (seed 1, no quota, no latency).
``make_demo_store(**overrides)`` starts stores with other :class:`DemoConfig` values; every store a
test starts is stopped at teardown, even when the test fails.

Every store a test starts has every strict switch of ``demo/strict.py`` on (the "strict" preset,
with the real webhook schedule shrunk 10,000 times), so the suite meets a store as strict as the
live one. A test of a lenient behaviour says so: its own ``strict=`` (``strict=()``, or
``strict_except(...)``), or ``store.strict.<switch> = False`` with the reason.
``BACKORDER_DEMO_STRICT=0`` starts the stores lenient, to tell whether a failure comes from a switch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from backorder_desktop.demo.server import DemoConfig
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.demo.strict import STRICT_ALL

STRICT = os.environ.get("BACKORDER_DEMO_STRICT", "1") != "0"
DEFAULT_TEST_CONFIG = DemoConfig(
    products=200,
    seed=1,
    store_hash="demo",
    token="demo-token",
    port=0,
    strict=STRICT_ALL if STRICT else (),
    webhook_time_scale=1e-4 if STRICT else 1.0,
)


def strict_except(*names: str) -> tuple[str, ...]:
    """The preset's switches but ``names``: for a test of what those switches hide."""
    unknown = set(names) - set(STRICT_ALL)
    if unknown:
        raise ValueError(f"unknown strict switches {sorted(unknown)}")
    return tuple(name for name in DEFAULT_TEST_CONFIG.strict if name not in names)


@pytest.fixture
def make_demo_store() -> Iterator[Callable[..., DemoStore]]:
    """Start demo stores with ``DemoConfig`` overrides (200 products, seed 1 by default)."""
    started: list[DemoStore] = []

    def make(**overrides: Any) -> DemoStore:
        store = DemoStore(DEFAULT_TEST_CONFIG, **overrides)
        store.start()
        started.append(store)
        return store

    yield make
    for store in reversed(started):
        store.stop()


@pytest.fixture
def demo_store(make_demo_store: Callable[..., DemoStore]) -> DemoStore:
    """A started demo store: 200 products, seed 1, no quota, no latency."""
    return make_demo_store()


@pytest.fixture
def connected_home(home: str, demo_store: DemoStore, no_keyring_backend: dict[str, str]) -> str:
    """A profile connected to ``demo_store`` (200 products), no token stored: tests give it as
    ``BACKORDER_DESKTOP_TOKEN`` would (``AppLauncher(env_token=…)``)."""
    return remember_store(home, demo_store)


def remember_store(home: str, store: DemoStore) -> str:
    """Connect the profile at ``home`` to ``store`` without keeping its token; returns ``home``."""
    from backorder_desktop.app import open_profile
    from backorder_desktop.domain.models import StoreInfo

    context = open_profile(home)
    try:
        info = StoreInfo(store_hash=store.store_hash, name="Dana's Bikes", plan_name="Plus")
        context.parts.mirror.set_store(info, store.api_url)
    finally:
        context.close()
    return home
