"""``erp`` mode's fold of a read (``store_owned``): BigCommerce's value replaces the app's, except a
read older than the app's own write that the store does not show yet."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from backorder_desktop.domain.stock import SETTLE_TIME
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock import store_owned

WRITTEN_AT = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
# Written 21 just before the switch to erp; the store still shows the old 38.
AWAITING = StockItem(
    key=StockKey(15, 65), sku="S", level=21, store_level=21, awaiting_level=21, awaiting_since=WRITTEN_AT
)


def test_a_read_of_the_old_value_inside_the_settle_window_is_not_adopted() -> None:
    item, adjustment = store_owned(AWAITING, 38, now=WRITTEN_AT + timedelta(seconds=30))
    assert adjustment is None
    assert item == AWAITING


def test_the_written_value_shown_ends_the_wait() -> None:
    item, adjustment = store_owned(AWAITING, 21, now=WRITTEN_AT + timedelta(seconds=30))
    assert adjustment is None
    assert (item.level, item.store_level, item.awaiting_level) == (21, 21, None)


def test_after_the_settle_window_the_store_s_value_is_adopted() -> None:
    item, adjustment = store_owned(AWAITING, 38, now=WRITTEN_AT + SETTLE_TIME + timedelta(seconds=1))
    assert adjustment is not None and adjustment.kind is AdjustmentKind.SET and adjustment.quantity == 38
    assert (item.level, item.store_level, item.awaiting_level) == (38, 38, None)


def test_nothing_awaited_a_differing_read_replaces_the_level() -> None:
    item, adjustment = store_owned(StockItem(StockKey(3), "P", 5, 5), 9, now=WRITTEN_AT)
    assert adjustment is not None and (adjustment.level_before, adjustment.level_after) == (5, 9)
    assert item.level == 9
