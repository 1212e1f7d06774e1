"""The purchasing rule: disabled at the limit, on a passed date only when chosen, written only on change."""

from __future__ import annotations

from datetime import date

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.purchasing import PurchasingWrite
from backorder_desktop.domain.purchasing import Wanted
from backorder_desktop.domain.purchasing import Why
from backorder_desktop.domain.purchasing import in_push_order
from backorder_desktop.domain.purchasing import needs_write
from backorder_desktop.domain.purchasing import wanted
from backorder_desktop.domain.stock import StockKey

TODAY = date(2026, 12, 10)
RULE = BackorderRule(limit=3, expected=date(2026, 12, 1))


def _wanted(level: int, *, on_date: bool = False) -> Wanted:
    return wanted(level, RULE, default_message="Ships by {date}", today=TODAY, disable_on_date_passed=on_date)


def test_disabled_at_the_limit_with_the_shopper_message_and_enabled_above_it() -> None:
    assert _wanted(-3) == Wanted(True, Why.LIMIT, "Ships by 1 December")
    assert _wanted(-2).disabled is False


def test_a_passed_date_with_units_owed_disables_only_when_the_merchant_chose_so() -> None:
    assert _wanted(-1).disabled is False
    assert _wanted(-1, on_date=True) == Wanted(True, Why.DATE, "Ships by 1 December")
    assert _wanted(0, on_date=True).disabled is False  # nothing owed


def test_a_write_is_needed_only_when_the_state_or_a_disabled_message_changes() -> None:
    assert not needs_write(_wanted(0), None, None)  # never touched: no enable
    assert needs_write(_wanted(-3), None, None)
    assert not needs_write(_wanted(-3), True, "Ships by 1 December")
    assert needs_write(_wanted(-3), True, "Ships by 2 December")
    assert needs_write(_wanted(0), True, "Ships by 1 December")


def test_disables_go_first_and_enables_last() -> None:
    on = PurchasingWrite(StockKey(1, 10), "A", False, Why.STOCK)
    off = PurchasingWrite(StockKey(2, 20), "B", True, Why.LIMIT)
    assert in_push_order([on, off]) == ([off], [on])
