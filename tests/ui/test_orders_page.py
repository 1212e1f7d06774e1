"""The Orders tab over the real app: a demo store over HTTP takes orders, a sync reads them, and the
tab lists those that wait for stock of BackOrder products, oldest first, with their lines."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.app import AppLauncher
from backorder_desktop.ui.application import PAGES
from backorder_desktop.ui.pages.orders_page import CUSTOMER
from backorder_desktop.ui.pages.orders_page import DATE
from backorder_desktop.ui.pages.orders_page import LINES
from backorder_desktop.ui.pages.orders_page import ORDER
from backorder_desktop.ui.pages.orders_page import STATUS
from backorder_desktop.ui.pages.orders_page import UNITS
from tests.demo.conftest import find_product
from tests.demo.orders_helpers import BILLING
from tests.demo.orders_helpers import FakeClock
from tests.demo.orders_helpers import item
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _started(qtbot, make_controller, home: str, token: str):
    controller = make_controller(AppLauncher(home, env_token=token))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)  # the first sync runs by itself
    return controller


def _sync(qtbot, controller) -> None:
    with qtbot.waitSignal(controller.manual_sync_finished, timeout=30_000):
        controller.window.sync_action.trigger()
    wait_idle(qtbot, controller)


def _plain_products(store, count: int) -> list[dict]:
    """Products without options whose stock BigCommerce tracks, with room for a few orders."""
    found: list[dict] = []
    while len(found) < count:
        taken = {p["id"] for p in found}
        found.append(
            find_product(
                store,
                lambda p, taken=taken: (
                    p["id"] not in taken
                    and p["inventory_tracking"] == "product"
                    and p["base_variant_id"] is not None
                    and p["inventory_level"] >= 10
                ),
            )
        )
    return found


def _place(store, *lines: dict) -> int:
    order = store.orders.place({"products": list(lines), "billing_address": BILLING, "status_id": 11})
    return int(order.id)


def test_orders_waiting_for_stock_are_listed_oldest_first_with_their_lines(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    controller = _started(qtbot, make_controller, connected_home, demo_store.token)
    window, page = controller.window, controller.window.orders
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20_000)
    # Nothing owed yet: the tab says what it is for.
    assert page.stack.currentWidget() is page.empty_label
    assert "No orders are waiting for stock" in page.empty_label.text()
    assert "oldest first" in page.empty_label.text()
    assert page.count_label.text() == "No orders waiting for stock"
    assert window.tabs.tabText(window.tabs.indexOf(page)) == "Orders"

    shirt, mug = _plain_products(demo_store, 2)
    controller.profile.parts.catalog.set_setting("backorder-method", "app")  # the app counts the orders
    controller.profile.assign([str(shirt["id"]), str(mug["id"])])
    # The store dates its orders: the second order placed is the oldest (its clock was set back),
    # so the list's order is the dates', not the order numbers'.
    clock = demo_store.orders.clock = FakeClock(time.time() + 3600)
    first = _place(demo_store, item(shirt, 2))
    clock.advance(-600)
    oldest = _place(demo_store, item(shirt, 1), item(mug, 3))
    clock.advance(1200)
    newest = _place(demo_store, item(mug, 1))
    _sync(qtbot, controller)

    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=20_000)
    assert [o.order_id for o in model.orders] == [oldest, first, newest]
    assert page.stack.currentWidget() is page.table
    cells = [model.data(model.index(0, column)) for column in (ORDER, STATUS, LINES, UNITS)]
    assert cells == [f"#{oldest}", "Awaiting fulfillment", f"{shirt['sku']} × 1, {mug['sku']} × 3", "4"]
    assert model.data(model.index(0, CUSTOMER)) == model.orders[0].customer != ""
    assert model.data(model.index(0, DATE)) != ""
    assert page.count_label.text() == "3 orders waiting for stock · 7 units, oldest first"
    qtbot.waitUntil(lambda: window.tabs.tabText(window.tabs.indexOf(page)) == "Orders (3)", timeout=20_000)
    assert controller.profile.status().orders_waiting == 3
    assert "3 orders waiting for stock" in window.status_panel.details.owed_label.text()

    # Enter on an order shows its lines.
    page.table.setFocus()
    page.table.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.lines_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == f"Order #{oldest}"
    lines = [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text()) for r in range(2)]
    assert dialog.table.rowCount() == 2 and lines == [(shirt["sku"], "1"), (mug["sku"], "3")]
    dialog.close()

    # Cancelled in the store: after the next sync it no longer waits.
    demo_store.orders.update(oldest, {"status_id": 5})
    _sync(qtbot, controller)
    qtbot.waitUntil(lambda: [o.order_id for o in model.orders] == [first, newest], timeout=20_000)
    assert page.count_label.text() == "2 orders waiting for stock · 3 units, oldest first"
    # The selection follows the order, not the row.
    page.table.setCurrentIndex(model.index(1, 0))
    page.refresh()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20_000)
    assert page.selected_order() is not None and page.selected_order().order_id == newest


def test_the_orders_tab_sits_after_products_where_a_screenshot_asks_for_it(demo) -> None:
    tabs = demo.window.tabs
    names = [tabs.tabText(i).split(" (")[0].lower() for i in range(tabs.count())]
    assert names == list(PAGES)  # --screenshot --page picks the tab by this order
    assert tabs.widget(PAGES.index("orders")) is demo.window.orders
