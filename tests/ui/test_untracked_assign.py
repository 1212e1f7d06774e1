"""The window's assign result names the products whose stock BigCommerce does not track (the real
app on the demo store over HTTP)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.demo.orders_helpers import untracked
from tests.ui.conftest import wait_idle


def test_assigning_an_untracked_product_says_it_tracks_no_stock_and_what_to_do(
    qtbot, connected_window, demo_store
) -> None:
    sku = untracked(demo_store)["sku"]
    window = connected_window.window
    products = window.products
    window.tabs.setCurrentWidget(products)
    products.search_box.setText(sku)
    products.search_box.returnPressed.emit()
    qtbot.waitUntil(lambda: products.count_label.text() == "1 product", timeout=20_000)
    products.select_rows(0, 0)

    qtbot.mouseClick(products.assign_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "assigned" in window.message_label.text(), timeout=20_000)
    assert window.message_label.text() == (
        f"1 product assigned to BackOrder. It tracks no stock in BigCommerce ({sku}), so there is "
        "nothing to count or limit: turn on inventory tracking for it there, then sync"
    )
    wait_idle(qtbot, connected_window)
