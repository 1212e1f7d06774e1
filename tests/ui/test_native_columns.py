"""With the method ``native``, the window shows the units BigCommerce counts as backordered: the
dashboard's tiles, the lists their clicks open, and the products table's columns, over a demo store
in the backorders beta whose own counts are the reference (``tests/integration/test_native_columns.py``
builds the world)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.app import AppLauncher
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.models.catalog_columns import Column
from tests.integration.test_native_columns import owing_world
from tests.integration.test_native_columns import store_counts
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


@pytest.fixture
def world(make_demo_store, home, no_keyring_backend):
    """The owing world with the method native, its profile closed again: the window opens it."""
    store = make_demo_store(native_backorders=True)
    context, roles = owing_world(home, store)
    counted = store_counts(store, roles)
    context.close()
    return home, store, roles, counted


def test_the_tiles_and_the_lists_they_open_show_the_units_the_store_counts(
    qtbot, world, make_controller
) -> None:
    home, store, roles, counted = world
    controller = make_controller(AppLauncher(home, env_token=store.token))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)
    window, page = controller.window, controller.window.dashboard
    qtbot.waitUntil(lambda: page.dashboard is not None and not page.is_loading(), timeout=20_000)

    owed = sum(at["qty_backordered"] for at in counted.values())
    assert owed > 0
    tiles = page.tiles
    assert tiles["backordered_tile"].value() == format_count(owed)
    assert tiles["limit_tile"].value() == format_count(2)  # one at its limit, one near it
    assert tiles["date_passed_tile"].value() == format_count(len(roles) - 1)  # all but the one owing none
    qtbot.waitUntil(
        lambda: window.state_chip.text().endswith(f" · {format_count(owed)} backordered"), timeout=20_000
    )

    products = window.products
    model = products.model
    qtbot.mouseClick(tiles["backordered_tile"], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is products
    qtbot.waitUntil(lambda: model.rowCount() == len(roles) - 1, timeout=20_000)
    wait_idle(qtbot, controller)
    for row in range(model.rowCount()):
        pid = model.product_at(row).id
        items = [at for key, at in counted.items() if key.product_id == pid]
        cells = [
            model.data(model.index(row, column))
            for column in (Column.STOCK, Column.BACKORDERED, Column.AVAILABLE)
        ]
        assert cells == [
            format_count(sum(at["total_inventory_onhand"] - at["qty_backordered"] for at in items)),
            format_count(sum(at["qty_backordered"] for at in items)),
            format_count(sum(at["available_to_sell"] for at in items)),
        ], pid

    qtbot.mouseClick(page.tiles["limit_tile"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=20_000)
    wait_idle(qtbot, controller)
    assert model.product_at(0).id == roles["at"]
    at_limit = counted[StockKey(roles["at"])]
    assert model.data(model.index(0, Column.BACKORDERED)) == format_count(at_limit["qty_backordered"])
    assert model.data(model.index(0, Column.AVAILABLE)) == format_count(0)
