"""The product writes outbox on a real SQLite file: assign and unassign queue the store's tracking,
the last wish wins, a confirmed write is recorded once, and pulls keep the app's stock items."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import WriteReason
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

LATER = T0 + timedelta(hours=1)
NONE, PRODUCT, VARIANT = InventoryTracking.NONE, InventoryTracking.PRODUCT, InventoryTracking.VARIANT


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMirrorStore]:
    mirror = open_mirror(tmp_path / "profile" / "mirror.sqlite3")
    mirror.apply_products(
        [make_product(1, stock=2), make_product(2, variants=3, stock=0), make_product(3, tracking=NONE)],
        pass_id=None,
        keep_backorder_stock=True,
    )
    mirror.save_settings(replace(mirror.load_settings(), backorder_method=BackorderMethod.APP))
    try:
        yield mirror
    finally:
        mirror.close()


def _notes(store: SqliteMirrorStore, product_id: int) -> list[str]:
    return [a.reason for a in store.stock_history(product_id) if a.source is AdjustmentSource.TRACKING]


def _add(store: SqliteMirrorStore, quantity: int) -> None:
    store.adjust_stock(
        StockKey(1), AdjustmentKind.ADD, quantity, source=AdjustmentSource.PERSON, actor="dana", at=T0
    )


def test_assign_remembers_the_mode_and_queues_tracking_off_once(store: SqliteMirrorStore) -> None:
    store.assign([1, 2, 3], by="dana", at=T0)
    store.assign([1], by="dana", at=LATER)  # already assigned: nothing more to write

    assert store.remembered_tracking() == {1: PRODUCT, 2: VARIANT}  # 3 tracks nothing
    writes = store.product_writes()
    assert [(w.product_id, w.tracking, w.reason) for w in writes] == [
        (1, NONE, WriteReason.ASSIGN),
        (2, NONE, WriteReason.ASSIGN),
    ]


def test_the_native_method_leaves_tracking_alone(store: SqliteMirrorStore) -> None:
    store.save_settings(replace(store.load_settings(), backorder_method=BackorderMethod.NATIVE))
    store.assign([1, 2], by="dana", at=T0)
    assert store.remembered_tracking() == {} and store.product_write_count() == 0


def test_the_last_wish_wins_and_keeps_units_owed_in_the_levels(store: SqliteMirrorStore) -> None:
    store.assign([2], by="dana", at=T0)
    store.adjust_stock(
        StockKey(2, 201), AdjustmentKind.SET, -3, source=AdjustmentSource.ORDER, actor="shop", at=T0
    )
    store.unassign([2], at=LATER)

    [write] = store.product_writes()
    assert (write.tracking, write.reason) == (VARIANT, WriteReason.UNASSIGN)
    assert dict(write.levels) == {201: -3, 202: 2, 203: 3}  # the pusher sends max(0, level)


def test_a_confirmed_write_is_recorded_once_and_a_newer_wish_stays(store: SqliteMirrorStore) -> None:
    store.assign([1], by="dana", at=T0)
    [write] = store.product_writes()

    assert store.product_write_done(write, actor="dana", at=LATER)
    assert not store.product_write_done(write, actor="dana", at=LATER)  # sent again after a crash
    assert _notes(store, 1) == ["BackOrder took over: tracking off in BigCommerce, 2 on hand to start"]

    store.unassign([1], at=LATER)
    [restore] = store.product_writes()
    assert not store.product_write_done(write, actor="dana", at=LATER)  # the old wish: not removed
    assert store.product_writes() == [restore]


def test_a_pull_showing_tracking_off_keeps_the_items_and_the_mode(store: SqliteMirrorStore) -> None:
    store.assign([2], by="dana", at=T0)
    store.product_write_done(store.product_writes()[0], actor="dana", at=T0)
    store.adjust_stock(
        StockKey(2, 201), AdjustmentKind.REMOVE, 4, source=AdjustmentSource.ORDER, actor="shop", at=T0
    )
    untracked = replace(make_product(2, variants=3, stock=50), inventory_tracking=NONE)

    store.apply_products([untracked], pass_id=None, keep_backorder_stock=True, at=LATER)

    items = {item.key: item.level for item in store.stock_items([2])}
    assert items == {StockKey(2, 201): -3, StockKey(2, 202): 2, StockKey(2, 203): 3}
    shown = store.get_product(2)
    assert shown is not None and shown.inventory_tracking is VARIANT
    assert {v.id: v.inventory_level for v in shown.variants} == {201: -3, 202: 2, 203: 3}
    assert store.product_write_count() == 0


def test_tracking_turned_back_on_by_someone_else_is_queued_off_again(store: SqliteMirrorStore) -> None:
    store.assign([1], by="dana", at=T0)
    store.product_write_done(store.product_writes()[0], actor="dana", at=T0)

    store.apply_products([make_product(1, stock=60)], pass_id=None, keep_backorder_stock=True, at=LATER)

    [write] = store.product_writes()
    assert (write.tracking, write.reason) == (NONE, WriteReason.REDISABLE)
    assert [item.level for item in store.stock_items([1])] == [2]  # not the store's 60
    store.product_write_done(write, actor="dana", at=LATER)
    said = "tracking was turned back on in BigCommerce: turned off again, the app keeps 2"
    assert _notes(store, 1)[0] == said


def test_waiting_stock_writes_settle_only_once_tracking_is_off(store: SqliteMirrorStore) -> None:
    store.assign([1], by="dana", at=T0)
    _add(store, 5)

    assert store.outbox_settle_untracked() == 0  # tracking is not off yet: the store still counts
    store.product_write_done(store.product_writes()[0], actor="dana", at=LATER)

    assert store.outbox_count() == 0  # settled with the record: the store no longer counts them
    [item] = store.stock_items([1])
    assert (item.level, item.store_level) == (7, 7)
    _add(store, 1)
    assert store.outbox_settle_untracked() == 1 and store.outbox_count() == 0
