"""A BackOrder product assigned while the store tracked no stock for it, seen tracked by a later
pull, on a real SQLite file (and on PostgreSQL: tests/team/test_tracking_handover_pg_store.py): with
the method app it is handed over as assigning a tracked product does, its orders counting from the
pull on; with the method native the store keeps counting it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import WriteReason
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

LATER = T0 + timedelta(hours=1, microseconds=250_000)
NONE, PRODUCT = InventoryTracking.NONE, InventoryTracking.PRODUCT


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMirrorStore]:
    mirror = open_mirror(tmp_path / "profile" / "mirror.sqlite3")
    _pull(mirror, NONE, at=T0)
    mirror.assign([1], by="dana", at=T0)
    try:
        yield mirror
    finally:
        mirror.close()


def _pull(store: SqliteMirrorStore, tracking: InventoryTracking, *, at: datetime = LATER) -> None:
    store.apply_products(
        [make_product(1, tracking=tracking, stock=7)], pass_id=None, keep_backorder_stock=True, at=at
    )


def test_an_untracked_product_has_nothing_to_hand_over_until_the_store_tracks_it(
    store: SqliteMirrorStore,
) -> None:
    assert (store.stock_items([1]), store.product_writes(), store.remembered_tracking()) == ([], [], {})
    _pull(store, NONE)
    assert (store.stock_items([1]), store.product_writes(), store.remembered_tracking()) == ([], [], {})
    assert store.first_assignment() == T0


def test_tracked_now_it_is_handed_over_once_and_its_orders_count_from_the_pull_on(
    store: SqliteMirrorStore,
) -> None:
    _pull(store, PRODUCT)

    (item,) = store.stock_items([1])
    assert (item.key, item.level) == (StockKey(1), 7)
    (write,) = store.product_writes()
    assert (write.product_id, write.tracking, write.reason) == (1, NONE, WriteReason.ASSIGN)
    assert store.remembered_tracking() == {1: PRODUCT}
    # Order dates are whole seconds: the count starts at the next one after the pull.
    assert store.first_assignment() == LATER.replace(microsecond=0) + timedelta(seconds=1)

    _pull(store, PRODUCT, at=LATER + timedelta(minutes=5))  # seen again before the write: once
    assert len(store.product_writes()) == 1
    assert store.first_assignment() == LATER.replace(microsecond=0) + timedelta(seconds=1)


def test_with_the_native_method_the_store_keeps_counting_it(store: SqliteMirrorStore) -> None:
    store.save_settings(replace(store.load_settings(), backorder_method=BackorderMethod.NATIVE))

    _pull(store, PRODUCT)

    assert [i.level for i in store.stock_items([1])] == [7]
    assert (store.product_writes(), store.remembered_tracking()) == ([], {})
    assert store.first_assignment() == T0
