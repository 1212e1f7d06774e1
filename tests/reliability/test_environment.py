"""Environment faults (issue 8, item 5): a newer database, a clock that jumps, the network dropping
mid-page. Each says what happened and loses nothing. A full disk: ``test_disk_full.py``.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import open_profile
from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import FAST_RETRY
from tests.integration.support import SHORT_TIMEOUTS
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def test_a_database_from_a_newer_version_is_refused_and_left_alone(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=30)
    make_context(store).close()
    database = Path(home) / "data" / "backorder.db"
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA user_version = 99")
    conn.close()  # the last connection: its WAL goes into the file
    before = database.read_bytes()
    result = run_cli(home, "status")
    assert result.code == 1
    assert result.stderr.startswith("Database from a newer version:")
    assert "Install the latest version of BackOrder Desktop" in result.stderr
    assert database.read_bytes() == before


class JumpingClock:
    """The system clock, shifted by whatever the test says (back and forth)."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


def test_a_clock_jumping_back_and_forth_loses_no_edit_and_no_sale(
    home: str, make_demo_store: MakeStore
) -> None:
    store = make_demo_store(products=60, seed=6)
    clock = JumpingClock()
    context = open_profile(
        home,
        env_token=store.token,
        secret_store=MemorySecretStore(),
        client_options={"retry": FAST_RETRY},
        clock=clock,
    )
    info = StoreInfo(store_hash=store.store_hash, name="T", plan_name="Demo")
    context.parts.mirror.set_store(info, store.api_url)
    try:
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        catalog = store.catalog
        tracking = {p: catalog.get_product(p)["inventory_tracking"] for p in catalog.product_ids()}
        pid = next(p for p, how in tracking.items() if how == "product")
        context.save_settings({"backorder-method": "native"})  # the store counts: the sales move its level
        context.parts.catalog.assign([str(pid)], by="dana")
        key = context.parts.mirror.stock_items()[0].key
        jumps = [timedelta(hours=-3), timedelta(days=2), timedelta(days=-400), timedelta()]
        for n, shift in enumerate(jumps):
            clock.shift = shift
            context.parts.stock.edit(key, AdjustmentKind.ADD, 10, actor="dana", reason=f"jump {n}")
            context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
            store.catalog.adjust_stock(product_id=pid, delta=-1)  # a sale after each jump
        clock.shift = timedelta(days=3)  # well past every settle window, whatever the jumps
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        item = context.parts.mirror.stock_items()[0]
        reasons = [a.reason for a in context.parts.stock.history(pid, limit=1000)]
        assert all(reasons.count(f"jump {n}") == 1 for n in range(4))
        assert store.catalog.get_product(pid)["inventory_level"] == item.level
        assert context.parts.stock.outbox_count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("fault", ["truncate", "hang"])
def test_the_network_dropping_mid_page_changes_nothing_and_the_next_sync_converges(
    fault: str, make_demo_store: MakeStore, make_context: MakeContext, expected_warnings: list[object]
) -> None:
    store = make_demo_store(products=700, seed=9)
    context = make_context(store, timeouts=SHORT_TIMEOUTS)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    before = mirror_snapshot(context)
    for pid in store.catalog.product_ids()[300:320]:
        store.catalog.update_product(pid, price=1.25)
    store.faults.add_rule(FaultRule(kind=fault, path_contains="catalog/products", after=1, count=None))  # type: ignore[arg-type]

    with pytest.raises(ApiError):
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)

    after_drop = mirror_snapshot(context)
    assert set(after_drop) == set(before)  # an incomplete pass removes nothing
    store.faults.clear()
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    assert mirror_snapshot(context) == store_snapshot(store)
    shutil.rmtree(Path(context.info.database_path).parent / "backups", ignore_errors=True)
