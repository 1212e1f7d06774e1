"""The BackOrder pane and what it shows in the products table: limits, incoming units, expected
dates and the shopper message edited for one product and for 40 in bulk (only touched fields
change), bad values shown beside their field with nothing changed, the preview, the *Available to
sell*, *Limit* and *Expected* columns, and the *Near limit*, *At limit* and *Date passed* filters —
over a real profile, the rules read back through the facade."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import shopper_date
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.ui.models.catalog_columns import HEADERS
from backorder_desktop.ui.models.catalog_columns import Column
from backorder_desktop.ui.pages.backorder_pane import MIXED
from backorder_desktop.ui.pages.variants_pane import AVAILABLE_COLUMN
from backorder_desktop.ui.pages.variants_pane import EXPECTED_COLUMN
from backorder_desktop.ui.pages.variants_pane import LIMIT_COLUMN
from tests.ui.conftest import wait_idle
from tests.ui.test_products_backordered import _cell
from tests.ui.test_products_backordered import _owe as _setup

pytestmark = pytest.mark.gui


def _select(qtbot, demo, first: int, last: int, items: int):
    products = demo.window.products
    products.select_rows(first, last)
    pane = products.backorder
    qtbot.waitUntil(lambda: pane.item_count == items and not pane.is_loading(), timeout=20_000)
    wait_idle(qtbot, demo)
    return pane


def _rules(demo, refs: list[str]) -> dict[str, BackorderRule]:
    return {view.sku: view.rule for view in demo.profile.backorder_rules(refs)}


def _apply(qtbot, demo, pane) -> None:
    pane.apply_button.click()
    wait_idle(qtbot, demo)


def test_the_pane_edits_one_product_and_the_columns_and_variants_show_it(qtbot, demo) -> None:
    products = demo.window.products
    model = products.model
    assert [HEADERS[c] for c in (Column.AVAILABLE, Column.LIMIT, Column.EXPECTED)] == [
        "Available to sell", "Limit", "Expected",
    ]  # fmt: skip
    _setup(qtbot, demo, [1, 10], {"SKU-00001": -3})
    pane = _select(qtbot, demo, 0, 0, items=1)
    assert pane.limit_edit.text() == "" and pane.limit_edit.placeholderText() == "No limit"
    assert pane.no_date.isChecked() and not pane.apply_button.isEnabled()

    day = date.today() + timedelta(days=12)
    qtbot.keyClicks(pane.limit_edit, "5")
    pane.date_edit.setDate(day)
    assert not pane.no_date.isChecked()
    pane.message_edit.clear()
    qtbot.keyClicks(pane.message_edit, "Ships by {date}")
    # The preview follows the template and the date as they are typed.
    assert pane.preview.text() == f"“Ships by {shopper_date(day)}”"
    pane.date_edit.setDate(day + timedelta(days=1))
    assert pane.preview.text() == f"“Ships by {shopper_date(day + timedelta(days=1))}”"
    assert pane.summary.text() == (
        "Apply changes the limit, expected date and message of 1 item; other fields are kept."
    )
    _apply(qtbot, demo, pane)
    expected = BackorderRule(limit=5, expected=day + timedelta(days=1), message="Ships by {date}")
    assert _rules(demo, ["1"]) == {"SKU-00001": expected}
    # The table shows what may still be sold (−3 + 5), the limit and the date.
    qtbot.waitUntil(lambda: _cell(model, 0, Column.LIMIT) == "5", timeout=20_000)
    assert _cell(model, 0, Column.AVAILABLE) == "2"
    assert _cell(model, 0, Column.EXPECTED) == expected.expected.isoformat()
    # The pane read the saved rule back: nothing left to apply.
    qtbot.waitUntil(lambda: pane.limit_edit.text() == "5" and not pane.touched, timeout=20_000)
    assert not pane.apply_button.isEnabled()

    # A product with stock per variant: the rule goes to each variant; one variant edited alone
    # through the facade shows in its row of the variants pane and in the product's sums.
    demo.profile.set_backorder_rules(["SKU-00010-0"], limit=4)
    demo.profile.set_backorder_rules(["SKU-00010-1", "SKU-00010-2"], limit=2)
    demo.refresh_after_change()
    wait_idle(qtbot, demo)
    products.select_rows(9, 9)
    variants = products.variants
    qtbot.waitUntil(lambda: variants.product is not None and variants.product.id == 10, timeout=20_000)
    qtbot.waitUntil(lambda: variants.table.item(0, LIMIT_COLUMN).text() == "4", timeout=20_000)
    cells = [
        (variants.table.item(r, AVAILABLE_COLUMN).text(), variants.table.item(r, LIMIT_COLUMN).text())
        for r in range(3)
    ]
    assert cells == [("5", "4"), ("3", "2"), ("3", "2")]  # each variant at 1 unit
    assert variants.table.item(0, EXPECTED_COLUMN).text() == ""
    assert _cell(model, 9, Column.LIMIT) == "8" and _cell(model, 9, Column.AVAILABLE) == "11"
    # Not a BackOrder product: nothing in the rule columns.
    assert _cell(model, 1, Column.LIMIT) == "" and _cell(model, 1, Column.AVAILABLE) == ""


def test_a_bulk_edit_of_40_products_changes_only_the_touched_fields(qtbot, demo) -> None:
    ids = list(range(1, 41))
    _setup(qtbot, demo, ids, {})
    demo.profile.set_backorder_rules(["1"], limit=7, message="Back soon")
    demo.profile.set_backorder_rules(["2"], limit=9, incoming=30)
    refs = [str(pid) for pid in ids]
    before = _rules(demo, refs)
    # Products 10, 20, 30 and 40 keep stock per variant (3 each): 36 + 12 items.
    pane = _select(qtbot, demo, 0, 39, items=48)
    assert pane.title.text() == "<b>BackOrder rules</b> · 40 products, 48 items"
    assert pane.limit_edit.text() == "" and pane.limit_edit.placeholderText() == MIXED
    assert pane.incoming_edit.placeholderText() == MIXED and pane.message_edit.placeholderText() == MIXED

    day = date.today() + timedelta(days=30)
    pane.date_edit.setDate(day)
    assert pane.touched == {"expected"}
    assert pane.summary.text() == "Apply changes the expected date of 48 items; other fields are kept."
    _apply(qtbot, demo, pane)
    after = _rules(demo, refs)
    assert after.keys() == before.keys() and len(after) == 48
    for sku, rule in after.items():
        assert rule.expected == day
        assert (rule.limit, rule.incoming, rule.message) == (
            before[sku].limit, before[sku].incoming, before[sku].message,
        ), sku  # fmt: skip
    assert after["SKU-00001"].limit == 7 and after["SKU-00002"].incoming == 30

    # Revert drops an edit not applied; nothing changes.
    qtbot.waitUntil(lambda: not pane.touched and not pane.is_loading(), timeout=20_000)
    qtbot.keyClicks(pane.incoming_edit, "12")
    assert pane.apply_button.isEnabled()
    pane.revert_button.click()
    assert not pane.touched and pane.incoming_edit.text() == "" and not pane.apply_button.isEnabled()
    assert _rules(demo, refs) == after


def test_a_bad_value_is_shown_beside_its_field_and_nothing_changes(qtbot, demo) -> None:
    _setup(qtbot, demo, [1, 2, 3], {})
    refs = ["1", "2", "3"]
    pane = _select(qtbot, demo, 0, 2, items=3)
    # Not a number: refused before asking the facade.
    qtbot.keyClicks(pane.incoming_edit, "lots")
    _apply(qtbot, demo, pane)
    assert set(pane.field_errors) == {"incoming"}
    assert "whole number" in pane.field_errors["incoming"]
    assert not pane.error_label.isHidden() and pane.error_label.text().startswith("Incoming units: ")
    assert pane.incoming_edit.property("problem") == pane.field_errors["incoming"]
    # The facade's checks: a negative limit, an unknown placeholder, a date in the past.
    pane.incoming_edit.clear()
    qtbot.keyClicks(pane.incoming_edit, "4")
    assert "incoming" not in pane.field_errors and not pane.incoming_edit.property("problem")
    qtbot.keyClicks(pane.limit_edit, "-2")
    qtbot.keyClicks(pane.message_edit, "Ships {soon}")
    pane.date_edit.setDate(date.today() - timedelta(days=3))
    _apply(qtbot, demo, pane)
    assert set(pane.field_errors) == {"limit", "expected", "message"}
    assert "not -2" in pane.field_errors["limit"]
    assert "{soon}" in pane.field_errors["message"]
    assert "in the past" in pane.field_errors["expected"]
    assert pane.preview.text().startswith("(cannot be shown: ")
    for name in ("Limit", "Expected date", "Message"):
        assert f"{name}: " in pane.error_label.text()
    assert all(rule == BackorderRule() for rule in _rules(demo, refs).values())

    # Fixed, the whole edit goes through (incoming 4 included).
    for edit in (pane.limit_edit, pane.message_edit):
        edit.clear()
    qtbot.keyClicks(pane.limit_edit, "6")
    qtbot.keyClicks(pane.message_edit, "{incoming} on the way")
    assert pane.preview.text() == "“4 on the way” (SKU-00001)"
    pane.no_date.setChecked(True)
    _apply(qtbot, demo, pane)
    assert not pane.field_errors and pane.error_label.isHidden()
    wanted = BackorderRule(limit=6, incoming=4, message="{incoming} on the way")
    assert set(_rules(demo, refs).values()) == {wanted}


def test_the_rule_filters_list_the_right_products_and_their_counts_follow(qtbot, demo) -> None:
    products = demo.window.products
    model = products.model
    levels = {"SKU-00001": -3, "SKU-00002": 0, "SKU-00003": -9, "SKU-00004": -1, "SKU-00010-1": -5}
    _setup(qtbot, demo, [1, 2, 3, 4, 5, 10], levels)
    profile = demo.profile
    profile.set_backorder_rules(["1"], limit=3)  # at its limit
    profile.set_backorder_rules(["2"], limit=10)  # 10 left: not near
    profile.set_backorder_rules(["3"], limit=10)  # 1 left of 10: near
    profile.set_backorder_rules(["SKU-00010-1"], limit=50)  # 45 left: not near
    # Product 4 was promised for yesterday and still owes a unit; product 5, also dated yesterday,
    # owes nothing. (A date cannot be set in the past: this one was set before and has passed.)
    yesterday = date.today() - timedelta(days=1)
    profile.parts.mirror.save_backorder_rules(
        {
            StockKey(4, None): BackorderRule(expected=yesterday),
            StockKey(5, None): BackorderRule(expected=yesterday),
        },
        by="test",
        at=datetime.now(UTC),
    )
    demo.refresh_after_change()
    wait_idle(qtbot, demo)

    def listed() -> list[int]:
        wait_idle(qtbot, demo)
        return [model.product_at(r).id for r in range(model.rowCount())]

    for box, ids in ((products.near_limit, [3]), (products.at_limit, [1]), (products.date_passed, [4])):
        box.setChecked(True)
        qtbot.waitUntil(lambda ids=ids: products.count_label.text() == f"{len(ids)} product", timeout=20_000)
        assert listed() == ids
        box.setChecked(False)
    qtbot.waitUntil(lambda: products.count_label.text() == "120 products", timeout=20_000)
    assert products.at_limit.text() == "At limit"

    # The counts follow the data: product 3 sells one more and reaches its limit; stock arrives
    # for product 1 and product 4.
    products.at_limit.setChecked(True)
    qtbot.waitUntil(lambda: products.count_label.text() == "1 product", timeout=20_000)
    profile.edit_stock("SKU-00003", AdjustmentKind.SET, -10, reason="sold")
    demo.refresh_after_change()
    qtbot.waitUntil(lambda: products.count_label.text() == "2 products", timeout=20_000)
    assert listed() == [1, 3]
    assert _cell(model, 0, Column.AVAILABLE) == "0" and _cell(model, 1, Column.AVAILABLE) == "0"
    profile.edit_stock("SKU-00001", AdjustmentKind.ADD, 5, reason="stock arrived")
    profile.edit_stock("SKU-00004", AdjustmentKind.ADD, 1, reason="stock arrived")
    demo.refresh_after_change()
    qtbot.waitUntil(lambda: products.count_label.text() == "1 product", timeout=20_000)
    assert listed() == [3]
    products.at_limit.setChecked(False)
    products.date_passed.setChecked(True)
    qtbot.waitUntil(lambda: products.count_label.text() == "0 products", timeout=20_000)
    # Filters combine with the others: near limit and a search.
    products.date_passed.setChecked(False)
    products.near_limit.setChecked(True)
    qtbot.waitUntil(lambda: products.count_label.text() == "0 products", timeout=20_000)
    profile.set_backorder_rules(["1"], limit=1)  # 2 on hand: 3 left of 1, not near
    profile.edit_stock("SKU-00001", AdjustmentKind.SET, 0, reason="sold")  # 1 left of 1: near
    demo.refresh_after_change()
    qtbot.waitUntil(lambda: products.count_label.text() == "1 product", timeout=20_000)
    assert listed() == [1]
    products.search_box.setText("00002")
    products.search_box.returnPressed.emit()
    qtbot.waitUntil(lambda: products.count_label.text() == "0 products", timeout=20_000)
