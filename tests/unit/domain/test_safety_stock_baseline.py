"""The first on-hand read of an item made from the catalog's figure (``store_onhand.on_hand_baseline``)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock import store_move
from backorder_desktop.domain.stock_policy import STOCK_MAX
from backorder_desktop.domain.store_onhand import on_hand_baseline

KEY = StockKey(7, 70)
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _item(level: int, store_level: int) -> StockItem:
    return StockItem(key=KEY, sku="BIKE-7-S", level=level, store_level=store_level)


def test_an_untouched_level_moves_with_its_baseline_to_on_hand() -> None:
    rebased = on_hand_baseline(_item(8, 8), 10, 2, untouched=True)
    assert (rebased.level, rebased.store_level) == (10, 10)


def test_a_level_set_before_the_read_stays_as_set() -> None:
    rebased = on_hand_baseline(_item(30, 8), 10, 2, untouched=False)
    assert (rebased.level, rebased.store_level) == (30, 10)
    assert store_move(rebased, 10, now=NOW)[1] is None  # the safety stock is no move


def test_stock_added_meanwhile_stays_a_move() -> None:
    rebased = on_hand_baseline(_item(30, 8), 15, 2, untouched=False)
    moved, adjustment = store_move(rebased, 15, now=NOW)
    assert adjustment is not None and (adjustment.kind.value, adjustment.quantity) == ("add", 5)
    assert moved.level == 35


@pytest.mark.parametrize(("onhand", "baseline"), [(0, 0), (1, 1), (2, 2), (9, 2)])
def test_a_catalog_figure_of_0_is_on_hand_up_to_the_safety_stock(onhand: int, baseline: int) -> None:
    assert on_hand_baseline(_item(0, 0), onhand, 2, untouched=True).store_level == baseline


def test_the_baseline_never_passes_the_largest_level() -> None:
    rebased = on_hand_baseline(_item(STOCK_MAX, STOCK_MAX), STOCK_MAX, 2, untouched=True)
    assert (rebased.level, rebased.store_level) == (STOCK_MAX, STOCK_MAX)
