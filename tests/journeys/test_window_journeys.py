"""Journeys 1, 2, 3, 7 and 9 in the window: the real app (``AppLauncher``), the SQLite mirror,
the demo store over HTTP, keyring's ``fail`` backend (no keyring) unless a journey needs one."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMessageBox

from backorder_desktop.app import AppLauncher
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncState
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.services.profile import TokenSource
from backorder_desktop.ui.dialogs.crash_dialog import CrashDialog
from backorder_desktop.ui.error_router import Route
from backorder_desktop.ui.error_router import sync_notification
from backorder_desktop.ui.formatting import MODE_EXPLANATIONS
from tests.integration.cli_runner import run_cli
from tests.journeys.conftest import started
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


def test_journey_1_first_run_looks_at_the_demo_store(
    qtbot, home, no_keyring_backend, make_controller
) -> None:
    controller = started(qtbot, make_controller, AppLauncher(home))
    window = controller.window
    assert window.pages.currentWidget() is window.welcome
    assert window.welcome.connect_button.text() == "Connect your store"
    assert window.welcome.demo_button.text() == "Try it with a demo store"

    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.is_showing_catalog, timeout=20_000)
    wait_idle(qtbot, controller, timeout=60_000)
    assert window.products.model.rowCount() == 2000
    assert window.demo_banner.isVisible()
    status = controller.status
    assert (status.products, status.inventory_source) == (2000, InventorySource.BIGCOMMERCE)
    assert controller.profile.info.is_demo
    # Nothing done there touches the merchant's own profile: it still has no store.
    own = run_cli(home, "status", "--json", env=no_keyring_backend)
    assert own.code == 0 and own.json()["store_hash"] is None and own.json()["products"] == 0


def test_journey_2_connecting_a_store_without_a_keyring_for_this_session(
    qtbot, home, demo_store, no_keyring_backend, make_controller
) -> None:
    controller = started(qtbot, make_controller, AppLauncher(home))
    qtbot.mouseClick(controller.window.welcome.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.flows.connection_dialog is not None, timeout=20_000)
    dialog = controller.flows.connection_dialog
    dialog.store_hash.setText(demo_store.store_hash)
    dialog.token.setText(demo_store.token)
    dialog.advanced_button.setChecked(True)
    dialog.api_url.setText(demo_store.api_url)
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert "Connected to" in dialog.result_label.text()
    assert "Catalog: read and write. Inventory: read and write." in dialog.result_label.text()

    qtbot.waitUntil(dialog.connect_button.isEnabled, timeout=20_000)  # the test's task has ended
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    text = dialog.result_label.text()
    assert "No keyring available" in text and "install gnome-keyring" in text
    assert dialog.session_button.isVisible()
    qtbot.waitUntil(dialog.session_button.isEnabled, timeout=20_000)
    with qtbot.waitSignal(dialog.connected, timeout=20_000):
        qtbot.mouseClick(dialog.session_button, Qt.MouseButton.LeftButton)
    # The first full sync starts at once.
    qtbot.waitUntil(lambda: getattr(controller.status, "products", 0) == 200, timeout=60_000)
    wait_idle(qtbot, controller, timeout=30_000)
    assert controller.window.products.model.rowCount() == 200
    assert controller.status.token_source is TokenSource.SESSION
    runs = controller.profile.history()
    assert [(r.trigger, r.outcome.value) for r in runs] == [(RunTrigger.FIRST_SYNC, "ok")]


def test_journey_3_choosing_where_stock_comes_from(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    controller = started(qtbot, make_controller, AppLauncher(connected_home, env_token=demo_store.token))
    profile = controller.profile
    items = [p for p in profile.products() if p.inventory_tracking.value == "product"][:3]
    profile.save_settings({"backorder-method": "native"})  # the store counts: the switch writes its level
    profile.assign([p.sku for p in items])
    for product in items:
        profile.edit_stock(product.sku, AdjustmentKind.SET, 40)
    controller.refresh_after_change()
    wait_idle(qtbot, controller)
    page = controller.window.settings
    controller.window.tabs.setCurrentWidget(page)
    texts = [label.text() for label in page.findChildren(QLabel)]
    assert all(MODE_EXPLANATIONS[mode] in texts for mode in InventorySource)

    page.mode_buttons[InventorySource.ERP].setChecked(True)
    assert page.erp_box.isVisible() and page.daily_time.time().toString("HH:mm") == "01:00"
    assert any("For your reference only" in label.text() for label in page.erp_box.findChildren(QLabel))
    page.mode_buttons[InventorySource.API].setChecked(True)
    assert page.feed_box.isVisible() and not page.erp_box.isVisible()
    page.feed_url.setText(f"{demo_store.api_url}/feeds/stock.csv")
    page.test_feed_button.click()
    qtbot.waitUntil(page.test_feed_button.isEnabled, timeout=20_000)
    assert page.feed_result.text().startswith("Read ") and page.feed_preview.rowCount() == 10

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    question = page.mode_question
    assert question is not None
    labels = [button.text() for button in question.buttons()]
    assert "Write them now" in labels and "Discard 3 changes" in labels and "Cancel" in labels
    push = next(b for b in question.buttons() if b.text() == "Write them now")
    qtbot.mouseClick(push, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status_label.text() == "Saved.", timeout=30_000)
    assert profile.settings().inventory_source is InventorySource.API
    assert profile.outbox() == []
    written = {demo_store.catalog.get_product(p.id)["inventory_level"] for p in items}
    assert written == {40}


def test_journey_7_tray_sync_now_says_what_it_did(
    qtbot, connected_home, demo_store, make_controller, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="backorder_desktop.ui.tray")
    controller = started(qtbot, make_controller, AppLauncher(connected_home, env_token=demo_store.token))
    assert controller.window.sync_tooltip() == "No manual sync yet"
    for product_id in demo_store.catalog.product_ids()[:14]:
        demo_store.catalog.update_product(product_id, name=f"Changed in the ERP {product_id}")

    with qtbot.waitSignal(controller.manual_sync_finished, timeout=30_000) as blocker:
        controller.tray.sync_action.trigger()  # without opening the window
    run = blocker.args[0]
    assert (run.kind, run.trigger) == (RunKind.MANUAL, RunTrigger.TRAY)
    title, message, problem = sync_notification(run)
    assert (title, message, problem) == ("Sync finished", "14 products updated.", False)
    assert f"notification not shown (no tray): {title}" in caplog.text
    wait_idle(qtbot, controller)
    tooltip = controller.window.sync_tooltip()
    assert tooltip.startswith("Last manual sync: today ") and tooltip.endswith("(just now)")


def test_journey_9_something_goes_wrong(
    qtbot, connected_home, demo_store, make_controller, expected_warnings
) -> None:
    launcher = AppLauncher(connected_home, env_token=demo_store.token)
    controller = started(qtbot, make_controller, launcher)
    profile = controller.profile
    before = profile.status().products

    # The store in maintenance (503): told in the status bar, no dialog; the app retries later.
    posted: list[str] = []
    controller.router.status_posted.connect(posted.append)
    demo_store.faults.maintenance = True
    with qtbot.waitSignal(controller.manual_sync_finished, timeout=60_000):
        controller.request_sync(RunTrigger.BUTTON)
    demo_store.faults.maintenance = False
    assert controller.router.last_route is Route.STATUS
    assert any(text.startswith("Store unavailable") for text in posted)
    assert controller.router.open_dialogs() == []
    wait_idle(qtbot, controller)
    # The token revoked: the sync stops with the reason and a way to reconnect; local data stays.
    with qtbot.waitSignal(controller.finished, timeout=30_000):
        controller.quit()
    revoked = started(qtbot, make_controller, AppLauncher(connected_home, env_token="revoked-token"))
    revoked.request_sync(RunTrigger.BUTTON)
    qtbot.waitUntil(lambda: revoked.flows.connection_dialog is not None, timeout=30_000)
    dialog = revoked.flows.connection_dialog
    assert "BigCommerce refused the token" in dialog.reason_label.text()
    assert revoked.router.last_route is Route.CONNECTION_DIALOG
    wait_idle(qtbot, revoked)
    assert revoked.profile.status().products == before
    assert revoked.tray.state is SyncState.PROBLEM
    dialog.reject()

    # A bug: a dialog with a short explanation, a copyable report and where the log is.
    revoked.router.route(ZeroDivisionError("a bug of ours"))
    crash = next(d for d in revoked.router.open_dialogs() if isinstance(d, CrashDialog))
    assert "ZeroDivisionError: a bug of ours" in crash.report and revoked.profile.info.log_dir in crash.report
    assert not [d for d in revoked.router.open_dialogs() if isinstance(d, QMessageBox)]
    assert [r.levelname for r in expected_warnings] == ["ERROR"]
