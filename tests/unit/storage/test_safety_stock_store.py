"""A stock item made from the catalog's figure (on hand less safety stock) is re-based by the safety
stock at its first on-hand read, once, on a real SQLite file (and on PostgreSQL:
tests/team/test_safety_stock_pg_store.py): by a pull or by a push's re-read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product

KEY = StockKey(1)
LATER = T0 + timedelta(hours=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMirrorStore]:
    mirror = open_mirror(tmp_path / "profile" / "mirror.sqlite3")
    _pull(mirror, 8, safety_stock=None)  # not on backorder: the catalog's figure, 10 less 2 kept back
    mirror.save_settings(replace(mirror.load_settings(), backorder_method=BackorderMethod.NATIVE))
    try:
        yield mirror
    finally:
        mirror.close()


def _pull(store: SqliteMirrorStore, level: int, *, safety_stock: int | None = 2) -> None:
    """A pull of product 1 showing ``level``: on hand read with ``safety_stock``, or the catalog's."""
    store.apply_products(
        [make_product(1, stock=level)],
        pass_id=None,
        keep_backorder_stock=True,
        at=LATER,
        safety_stock=None if safety_stock is None else {KEY: safety_stock},
    )


def _levels(store: SqliteMirrorStore) -> tuple[int, int]:
    (item,) = store.stock_items([1])
    return item.level, item.store_level


def _moves(store: SqliteMirrorStore) -> list[tuple[str, int]]:
    return [(a.kind.value, a.quantity) for a in store.stock_history(1) if a.source is AdjustmentSource.STORE]


def _set(store: SqliteMirrorStore, level: int) -> None:
    store.adjust_stock(KEY, AdjustmentKind.SET, level, source=AdjustmentSource.PERSON, actor="dana", at=T0)


def test_a_pull_re_bases_an_untouched_item_once(store: SqliteMirrorStore) -> None:
    store.assign([1], by="dana", at=T0)
    assert _levels(store) == (8, 8)
    _pull(store, 10)
    assert _levels(store) == (10, 10)
    _pull(store, 10)  # the second read is on hand like the baseline now: nothing moves
    assert _levels(store) == (10, 10)
    assert _moves(store) == []


def test_a_push_re_read_keeps_an_edit_and_counts_only_stock_really_added(store: SqliteMirrorStore) -> None:
    store.assign([1], by="dana", at=T0)
    _set(store, 30)
    moves = store.outbox_fold_reads({KEY: 15}, at=LATER, safety_stock={KEY: 2})
    assert [(m.kind.value, m.quantity) for m in moves] == [("add", 5)]
    assert _levels(store) == (35, 15)


def test_a_read_without_its_safety_stock_leaves_the_item_to_the_first_on_hand_read(
    store: SqliteMirrorStore,
) -> None:
    store.assign([1], by="dana", at=T0)
    _pull(store, 8, safety_stock=None)  # the catalog's figure again (not read on hand)
    assert _levels(store) == (8, 8)
    _pull(store, 10)
    assert (_levels(store), _moves(store)) == ((10, 10), [])


def test_assigned_again_before_a_pull_the_on_hand_level_is_kept(store: SqliteMirrorStore) -> None:
    store.assign([1], by="dana", at=T0)
    _pull(store, 10)
    store.unassign([1], at=LATER)
    store.assign([1], by="dana", at=LATER)
    _pull(store, 10)
    assert (_levels(store), _moves(store)) == ((10, 10), [])


def test_assigned_again_after_a_pull_showed_the_catalog_figure_it_is_re_based_again(
    store: SqliteMirrorStore,
) -> None:
    store.assign([1], by="dana", at=T0)
    _pull(store, 10)
    store.unassign([1], at=LATER)
    _pull(store, 8, safety_stock=None)
    store.assign([1], by="dana", at=LATER)
    assert _levels(store) == (8, 8)
    _pull(store, 10)
    assert (_levels(store), _moves(store)) == ((10, 10), [])
