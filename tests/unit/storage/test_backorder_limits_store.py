"""Native backorder limits and the method switch on a real SQLite file: the limits wanted follow the rules
and the assignments, a confirmed limit is recorded once, and a switch is previewed, refused while
writes wait, and otherwise applied whole with its tracking writes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import WriteReason
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

LATER = T0 + timedelta(hours=1)
APP, NATIVE = BackorderMethod.APP, BackorderMethod.NATIVE


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMirrorStore]:
    mirror = open_mirror(tmp_path / "profile" / "mirror.sqlite3")
    mirror.apply_products(
        [make_product(1, stock=2), make_product(2, variants=2, stock=0)],
        pass_id=None,
        keep_backorder_stock=True,
    )
    mirror.save_settings(replace(mirror.load_settings(), backorder_method=NATIVE))
    mirror.assign([1, 2], by="dana", at=T0)
    try:
        yield mirror
    finally:
        mirror.close()


def _wanted(store: SqliteMirrorStore) -> dict[StockKey, int | None]:
    return {w.key: w.limit for w in store.limits_waiting()}


def test_the_limits_wanted_follow_the_rules_and_a_confirmed_one_is_recorded_once(
    store: SqliteMirrorStore,
) -> None:
    store.save_backorder_rules({StockKey(1): BackorderRule(limit=5)}, by="dana", at=T0)
    assert store.limits_evaluate(T0) == 3
    wanted = _wanted(store)
    assert wanted[StockKey(1)] == 5 and [v for k, v in wanted.items() if k.product_id == 2] == [None, None]

    write = next(w for w in store.limits_waiting() if w.key == StockKey(1))
    store.save_backorder_rules({StockKey(1): BackorderRule(limit=8)}, by="dana", at=LATER)
    store.limits_evaluate(LATER)
    assert not store.limit_written(write, actor="dana", at=LATER)  # a newer wish replaced it
    newer = next(w for w in store.limits_waiting() if w.key == StockKey(1))
    assert newer.limit == 8
    assert store.limit_written(newer, actor="dana", at=LATER)
    assert not store.limit_written(newer, actor="dana", at=LATER)  # a resend after a crash
    notes = [a.reason for a in store.stock_history(1) if a.source is AdjustmentSource.TRACKING]
    assert notes == ["backorder limit 8 written in BigCommerce (BackOrder rule)"]
    assert store.limits_evaluate(LATER) == 2  # the other two still wait

    store.unassign([1], at=LATER)
    store.limits_evaluate(LATER)
    assert _wanted(store)[StockKey(1)] == 0  # left BackOrder: the store stops at zero again


def test_a_switch_is_refused_while_writes_wait_and_otherwise_applied_whole(store: SqliteMirrorStore) -> None:
    store.adjust_stock(
        StockKey(1), AdjustmentKind.ADD, 3, source=AdjustmentSource.PERSON, actor="dana", at=T0
    )  # a stock change waits
    blocked = store.switch_backorder_method(APP, actor="dana", at=T0)
    assert blocked.blocked and blocked.pending_stock == 1
    assert store.load_settings().backorder_method is NATIVE
    assert store.product_write_count() == 0 and store.remembered_tracking() == {}

    store.outbox_discard(actor="dana", at=T0, reason="discarded to switch")
    preview = store.preview_method_switch(APP)
    assert (preview.tracking_off, preview.blocked) == (2, False)
    done = store.switch_backorder_method(APP, actor="dana", at=T0)
    assert done.changes and store.load_settings().backorder_method is APP
    assert store.remembered_tracking() == {1: InventoryTracking.PRODUCT, 2: InventoryTracking.VARIANT}
    assert {(w.product_id, w.reason) for w in store.product_writes()} == {
        (1, WriteReason.TO_APP),
        (2, WriteReason.TO_APP),
    }
    assert store.preview_method_switch(NATIVE).blocked  # the tracking writes wait now
