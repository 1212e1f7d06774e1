"""Backorder rules: limits, dates and shopper messages, refused whole when any part is wrong."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backorder_desktop.domain.backorder_rules import CLEAR
from backorder_desktop.domain.backorder_rules import KEEP
from backorder_desktop.domain.backorder_rules import MESSAGE_MAX
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import InvalidRule
from backorder_desktop.domain.backorder_rules import RuleEdit
from backorder_desktop.domain.backorder_rules import RuleState
from backorder_desktop.domain.backorder_rules import available_to_sell
from backorder_desktop.domain.backorder_rules import check_template
from backorder_desktop.domain.backorder_rules import date_passed
from backorder_desktop.domain.backorder_rules import edit_from_cells
from backorder_desktop.domain.backorder_rules import edited
from backorder_desktop.domain.backorder_rules import limit_reached
from backorder_desktop.domain.backorder_rules import near_limit
from backorder_desktop.domain.backorder_rules import render_message
from backorder_desktop.domain.backorder_rules import state
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import with_setting

TODAY = date(2026, 1, 10)


def test_the_message_is_filled_in_with_the_date_as_shoppers_read_it() -> None:
    rule = BackorderRule(incoming=40, expected=date(2026, 1, 12))
    assert render_message("Ships by {date}", rule) == "Ships by 12 January"
    assert render_message("{incoming} more arrive {date}", rule) == "40 more arrive 12 January"
    assert render_message("Ships by {date}", BackorderRule()) is None  # no date: no half sentence
    assert render_message("Made to order", BackorderRule()) == "Made to order"


@pytest.mark.parametrize("template", ["Ships {when}", "Ships {0}", "Ships {date", "Ships {date:%d}", "{}"])
def test_a_template_with_an_unknown_placeholder_or_a_stray_brace_is_refused(template: str) -> None:
    with pytest.raises(InvalidRule) as refused:
        check_template(template)
    assert "{date}" in refused.value.message and refused.value.kind is ErrorKind.USER


def test_a_message_longer_than_the_store_keeps_once_filled_in_is_refused() -> None:
    fits = "x" * (MESSAGE_MAX - len("30 September")) + "{date}"
    assert check_template(fits) == fits
    with pytest.raises(InvalidRule, match=f"at most {MESSAGE_MAX}. Shorten it by 1"):
        check_template("x" + fits)


@given(st.integers(0, 1000), st.integers(-2000, 2000))
def test_limit_reached_exactly_when_stock_is_at_or_below_minus_the_limit(limit: int, level: int) -> None:
    rule = BackorderRule(limit=limit)
    assert limit_reached(level, rule) == (level <= -limit)
    assert available_to_sell(level, rule) == max(0, level + limit)
    if near_limit(level, rule):  # near: not reached, at most 10 % (one unit at least) left
        assert 0 < level + limit <= max(1, -(-limit // 10))
    assert not limit_reached(level, BackorderRule()) and available_to_sell(level, BackorderRule()) is None


def test_near_limit_and_the_states_in_order_of_urgency() -> None:
    rule = BackorderRule(limit=20, expected=date(2026, 1, 5))
    assert state(-20, rule, TODAY) is RuleState.AT_LIMIT
    assert state(-18, rule, TODAY) is RuleState.DATE_PASSED  # near too, but the date is more urgent
    assert state(-18, BackorderRule(limit=20), TODAY) is RuleState.NEAR_LIMIT
    assert state(-17, BackorderRule(limit=20), TODAY) is RuleState.OK
    assert state(3, rule, TODAY) is RuleState.OK  # date passed with nothing owed
    assert date_passed(rule, TODAY, -1) and not date_passed(rule, date(2026, 1, 5), -1)


def test_an_edit_is_checked_whole_before_any_field_changes() -> None:
    rule = BackorderRule(limit=5, message="Soon")
    with pytest.raises(InvalidRule, match="give 0 to"):
        edited(rule, RuleEdit(limit=-1, message="Later"), TODAY)
    with pytest.raises(InvalidRule, match="in the past"):
        edited(rule, RuleEdit(limit=8, expected=date(2026, 1, 9)), TODAY)
    assert rule == BackorderRule(limit=5, message="Soon")  # values: nothing to half-apply
    assert edited(rule, RuleEdit(limit=None, incoming=3), TODAY) == BackorderRule(incoming=3, message="Soon")


def test_a_kept_date_may_pass_but_a_past_date_cannot_be_set() -> None:
    kept = BackorderRule(expected=date(2026, 1, 5))
    assert edited(kept, RuleEdit(expected=date(2026, 1, 5), limit=2), TODAY).limit == 2
    assert edited(kept, RuleEdit(expected=None), TODAY).expected is None
    with pytest.raises(InvalidRule, match=r"2026-01-04 is in the past \(today is 2026-01-10\)"):
        edited(kept, RuleEdit(expected=date(2026, 1, 4)), TODAY)


def test_stock_file_cells_blank_keeps_and_clear_clears() -> None:
    assert edit_from_cells({"limit": "", "incoming": " ", "expected": "", "message": ""}).is_empty()
    edit = edit_from_cells(
        {"limit": CLEAR.upper(), "incoming": "12", "expected": "2026-02-01", "message": CLEAR}
    )
    assert edit == RuleEdit(limit=None, incoming=12, expected=date(2026, 2, 1), message="")
    assert edit_from_cells({"limit": "4"}) == RuleEdit(limit=4, incoming=KEEP)
    for cells in ({"limit": "-3"}, {"incoming": "1.5"}, {"expected": "12/01/2026"}, {"message": "{x}"}):
        with pytest.raises(InvalidRule):
            edit_from_cells(cells)


def test_the_store_wide_message_is_a_checked_setting() -> None:
    assert Settings().backorder_message == "Ships by {date}"
    assert with_setting(Settings(), "backorder-message", " Back {date} ").backorder_message == "Back {date}"
    with pytest.raises(InvalidSetting, match=r"only \{date\} and \{incoming\}"):
        with_setting(Settings(), "backorder-message", "Back {when}")
