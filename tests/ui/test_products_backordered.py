"""What is owed, in the products table: *On hand* (the app's level of a BackOrder product, below
zero when units were sold on backorder), *Backordered* (the units owed) per product and per
variant, and the *Backordered* filter — over a real profile, the stock moved through the facade."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.ui.models.catalog_columns import HEADERS
from backorder_desktop.ui.models.catalog_columns import Column
from backorder_desktop.ui.pages.variants_pane import BACKORDERED_COLUMN
from backorder_desktop.ui.pages.variants_pane import STOCK_COLUMN
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _cell(model, row: int, column: Column) -> str:
    return model.data(model.index(row, column))


def _owe(qtbot, demo, product_ids: list[int], levels: dict[str, int]) -> None:
    """Assign the products and set these SKUs' levels, as a merchant (or the orders) would."""
    profile = demo.profile
    profile.assign([str(pid) for pid in product_ids])
    for sku, level in levels.items():
        profile.edit_stock(sku, AdjustmentKind.SET, level, reason="sold on backorder")
    demo.refresh_after_change()
    wait_idle(qtbot, demo)


def test_a_negative_level_shows_on_hand_and_its_units_owed(qtbot, demo) -> None:
    products = demo.window.products
    model = products.model
    assert HEADERS[Column.STOCK] == "On hand" and HEADERS[Column.BACKORDERED] == "Backordered"
    # Product 1 keeps its stock as a whole; product 10 per variant (3 variants at 1 unit each).
    _owe(qtbot, demo, [1, 10], {"SKU-00001": -3, "SKU-00010-0": -2, "SKU-00010-1": 5})
    qtbot.waitUntil(lambda: _cell(model, 0, Column.STOCK) == "-3 (waiting)", timeout=20_000)
    assert _cell(model, 0, Column.BACKORDERED) == "3"
    # A variant at 5 does not pay for one at -2: on hand sums (−2 + 5 + 1), the owed units do not.
    assert model.product_at(9).name == "Product 00010"
    assert _cell(model, 9, Column.STOCK) == "4 (waiting)"
    assert _cell(model, 9, Column.BACKORDERED) == "2"
    # Not a BackOrder product: the store's level, nothing counted as owed.
    assert _cell(model, 1, Column.STOCK) == "14" and _cell(model, 1, Column.BACKORDERED) == ""
    # The status bar says how many units are owed in all: 3 + 2.
    window = demo.window
    qtbot.waitUntil(lambda: window.state_chip.text().endswith(" · 5 backordered"), timeout=20_000)
    assert window.status_panel.details.owed_label.text() == "5 units backordered"
    align = Qt.ItemDataRole.TextAlignmentRole
    assert model.data(model.index(0, Column.BACKORDERED), align) == model.data(
        model.index(0, Column.STOCK), align
    )

    products.select_rows(9, 9)
    pane = products.variants
    qtbot.waitUntil(lambda: pane.table.rowCount() == 3, timeout=20_000)
    rows = [
        (pane.table.item(r, 0).text(), pane.table.item(r, STOCK_COLUMN).text(),
         pane.table.item(r, BACKORDERED_COLUMN).text())
        for r in range(3)
    ]  # fmt: skip
    assert rows == [("SKU-00010-0", "-2", "2"), ("SKU-00010-1", "5", "0"), ("SKU-00010-2", "1", "0")]
    products.select_rows(0, 0)  # a product kept as a whole shows its level on its base variant
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1, timeout=20_000)
    assert pane.table.item(0, STOCK_COLUMN).text() == "-3"
    assert pane.table.item(0, BACKORDERED_COLUMN).text() == "3"
    products.select_rows(1, 1)
    qtbot.waitUntil(lambda: pane.product is not None and pane.product.id == 2, timeout=20_000)
    assert pane.table.item(0, STOCK_COLUMN).text() == "14"
    assert pane.table.item(0, BACKORDERED_COLUMN).text() == ""


def test_the_backordered_filter_lists_products_owing_units_and_its_count_follows(qtbot, demo) -> None:
    products = demo.window.products
    model = products.model
    # Product 2 is a BackOrder product with stock: not backordered. Product 3 is not one at all.
    _owe(qtbot, demo, [1, 2, 10], {"SKU-00001": -3, "SKU-00010-2": -1})
    products.backordered.setChecked(True)
    assert model.query.backordered
    qtbot.waitUntil(lambda: products.count_label.text() == "2 products", timeout=20_000)
    wait_idle(qtbot, demo)
    assert [model.product_at(r).id for r in range(model.rowCount())] == [1, 10]

    # Stock arrives for product 1: it leaves the list, and the count says so.
    demo.profile.edit_stock("SKU-00001", AdjustmentKind.ADD, 5, reason="stock arrived")
    demo.refresh_after_change()
    qtbot.waitUntil(lambda: products.count_label.text() == "1 product", timeout=20_000)
    wait_idle(qtbot, demo)
    assert model.product_at(0).id == 10

    # With the other filters: a search narrows it further; unticked, everything is back.
    products.search_box.setText("00001")
    products.search_box.returnPressed.emit()
    qtbot.waitUntil(lambda: products.count_label.text() == "0 products", timeout=20_000)
    products.backordered.setChecked(False)
    qtbot.waitUntil(lambda: products.count_label.text() == "1 product", timeout=20_000)
    products.search_box.setText("")
    products.search_box.returnPressed.emit()
    qtbot.waitUntil(lambda: products.count_label.text() == "120 products", timeout=20_000)
