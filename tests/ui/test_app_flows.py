"""Issue 5's done-when flows on the real app: ``AppLauncher``, SQLite mirror, demo store over HTTP.

Stores are the test's own demo stores (``make_demo_store``) or the app's built-in one (``--demo``);
the keyring is keyring's ``fail`` backend, so no test touches a real keyring (tokens come from
``AppLauncher(env_token=…)``, as with ``BACKORDER_DESKTOP_TOKEN``).
"""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from backorder_desktop.app import AppLauncher
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.status import SyncState
from backorder_desktop.domain.stock_policy import READ_ONLY_ERP
from backorder_desktop.ui.error_router import OFFLINE_STATUS
from backorder_desktop.ui.error_router import Route
from backorder_desktop.ui.models.catalog_columns import Column
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _started(qtbot, make_controller, launcher):
    controller = make_controller(launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller)
    return controller


def test_first_run_demo_store_sync_fills_the_table(qtbot, home, no_keyring_backend, make_controller) -> None:
    controller = _started(qtbot, make_controller, AppLauncher(home))
    window = controller.window
    assert window.pages.currentWidget() is window.welcome
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.is_showing_catalog, timeout=20_000)
    wait_idle(qtbot, controller, timeout=30_000)
    model = window.products.model
    assert model.rowCount() == 2000
    assert model.data(model.index(0, Column.NAME)) not in (None, "Loading…")
    assert window.store_label.text() == "Demo store · 2,000 products"
    assert window.demo_banner.isVisible()
    runs = window.history.model.runs
    assert [(r.kind, r.trigger, r.outcome.value) for r in runs] == [(RunKind.AUTOMATIC, "first-sync", "ok")]


def test_sync_tooltip_changes_with_manual_syncs_only(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    controller = _started(qtbot, make_controller, AppLauncher(connected_home, env_token=demo_store.token))
    window = controller.window
    assert window.products.model.rowCount() == 200  # the first sync ran by itself
    assert window.sync_tooltip() == "No manual sync yet"

    with qtbot.waitSignal(controller.manual_sync_finished, timeout=20_000):
        qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, controller)
    tooltip = window.sync_tooltip()
    assert tooltip.startswith("Last manual sync: today ") and tooltip.endswith(" (just now)")

    engine = controller.profile.parts.engine
    automatic = threading.Thread(target=lambda: engine.sync(kind=RunKind.AUTOMATIC, trigger="poll"))
    with qtbot.waitSignal(controller.status_refreshed, timeout=20_000):
        automatic.start()
        automatic.join()
    wait_idle(qtbot, controller)
    assert window.sync_tooltip() == tooltip
    assert window.automatic_label.text().startswith("Last automatic update: today ")
    triggers = [(r.kind, r.trigger) for r in window.history.model.runs]
    assert triggers[:2] == [(RunKind.AUTOMATIC, "poll"), (RunKind.MANUAL, "button")]


def test_tray_sync_now_joins_the_running_sync(
    qtbot, connected_home, demo_store, make_controller, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="backorder_desktop.services.sync_engine")
    controller = _started(qtbot, make_controller, AppLauncher(connected_home, env_token=demo_store.token))
    runs_before = len(controller.window.history.model.runs)
    hold = threading.Event()
    # An engine-thread subscriber that waits: the sync stays in flight until the test releases it.
    unsubscribe = controller.profile.parts.events.subscribe("progress", lambda _progress: hold.wait(20))
    results: list[object] = []
    controller.manual_sync_finished.connect(results.append)
    try:
        qtbot.mouseClick(controller.window.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(controller.profile.parts.engine.is_running, timeout=10_000)
        assert not controller.window.sync_action.isEnabled()
        controller.tray.sync_action.trigger()
        qtbot.waitUntil(lambda: "joining it" in caplog.text, timeout=10_000)
    finally:
        hold.set()
        unsubscribe()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=20_000)
    wait_idle(qtbot, controller)
    assert results[0].id == results[1].id and results[0].trigger == "button"
    assert len(controller.window.history.model.runs) == runs_before + 1


def test_settings_saved_and_reloaded_and_erp_stock_is_read_only(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    launcher = AppLauncher(connected_home, env_token=demo_store.token)
    controller = _started(qtbot, make_controller, launcher)
    products = controller.window.products
    products.select_rows(0, 0)
    qtbot.mouseClick(products.assign_button, Qt.MouseButton.LeftButton)
    first = products.model.index(0, Column.BACKORDER)
    qtbot.waitUntil(lambda: products.model.data(first) == "Yes", timeout=10_000)

    page = controller.window.settings
    page.mode_buttons[InventorySource.ERP].setChecked(True)
    assert page.daily_time.time().toString("HH:mm") == "01:00"
    page.daily_time.setTime(page.daily_time.time().addSecs(90 * 60))
    page.erp_name.setText("Odoo")
    page.polling.setValue(10)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status_label.text() == "Saved.", timeout=10_000)
    wait_idle(qtbot, controller)
    stock = products.model.index(0, Column.STOCK)
    assert products.model.data(stock, Qt.ItemDataRole.ToolTipRole) == READ_ONLY_ERP
    assert not products.model.flags(stock) & Qt.ItemFlag.ItemIsEditable

    with qtbot.waitSignal(controller.finished, timeout=20_000):
        controller.quit()
    again = _started(qtbot, make_controller, launcher)
    page = again.window.settings
    qtbot.waitUntil(lambda: page.erp_name.text() == "Odoo", timeout=10_000)
    assert page.selected_mode() is InventorySource.ERP
    assert page.daily_time.time().toString("HH:mm") == "02:30"
    assert page.polling.value() == 10
    assert again.window.mode_label.text() == "Inventory managed in your ERP"


def test_bad_token_opens_the_connection_dialog(qtbot, connected_home, make_controller) -> None:
    controller = make_controller(AppLauncher(connected_home, env_token="not-the-token"))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()  # the first sync starts by itself and is refused
    qtbot.waitUntil(lambda: controller.flows.connection_dialog is not None, timeout=20_000)
    dialog = controller.flows.connection_dialog
    reason = dialog.reason_label.text()
    assert "BigCommerce refused the token" in reason
    assert "backorder-desktop" not in reason and "`" not in reason  # window words, not a command
    assert "paste it in the connection dialog" in reason
    assert dialog.store_hash.text() == "demo"
    assert controller.router.last_route is Route.CONNECTION_DIALOG
    wait_idle(qtbot, controller)
    assert controller.tray.state is SyncState.PROBLEM
    assert not [d for d in controller.router.open_dialogs() if isinstance(d, QMessageBox)]
    dialog.reject()


def test_offline_shows_in_status_and_tray_without_a_dialog(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    controller = _started(qtbot, make_controller, AppLauncher(connected_home, env_token=demo_store.token))
    demo_store.stop()
    with qtbot.waitSignal(controller.manual_sync_finished, timeout=60_000):
        qtbot.mouseClick(controller.window.sync_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, controller)
    assert controller.window.message_label.text() == OFFLINE_STATUS
    assert controller.tray.state is SyncState.OFFLINE
    assert controller.router.last_route is Route.STATUS
    assert controller.router.open_dialogs() == []


def test_inline_stock_edit_in_bigcommerce_mode_creates_an_outbox_entry(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    controller = _started(qtbot, make_controller, AppLauncher(connected_home, env_token=demo_store.token))
    products = controller.window.products
    model = products.model
    row = next(
        r
        for r in range(50)
        if model.product_at(r) is not None and model.product_at(r).inventory_tracking.value == "product"
    )
    product = model.product_at(row)
    products.select_rows(row, row)
    qtbot.mouseClick(products.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.data(model.index(row, Column.BACKORDER)) == "Yes", timeout=10_000)
    wait_idle(qtbot, controller)
    stock = model.index(row, Column.STOCK)
    assert model.flags(stock) & Qt.ItemFlag.ItemIsEditable

    assert model.setData(stock, product.inventory_level + 7)
    qtbot.waitUntil(lambda: controller.status is not None and controller.status.outbox == 1, timeout=10_000)
    wait_idle(qtbot, controller)

    assert model.data(model.index(row, Column.STOCK)) == f"{product.inventory_level + 7:,} (waiting)"
    entries = controller.profile.parts.stock.outbox()
    assert [(e.item.key.product_id, e.item.level) for e in entries] == [
        (product.id, product.inventory_level + 7)
    ]
