"""The window's journeys over the real services and SQLite mirror, with a stand-in store (fakes.py)."""

from __future__ import annotations

import dataclasses
import logging
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.keys import feed_credential_key
from backorder_desktop.domain.keys import token_key
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.status import SyncState
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.domain.stock_policy import READ_ONLY_ERP
from backorder_desktop.ui.dialogs.connection_dialog import ConnectionDialog
from backorder_desktop.ui.error_router import OFFLINE_STATUS
from backorder_desktop.ui.error_router import Route
from backorder_desktop.ui.models.catalog_columns import Column
from tests.ui.conftest import wait_idle
from tests.ui.fakes import GOOD_TOKEN

pytestmark = pytest.mark.gui


def _stock_tooltip(controller, row: int = 0) -> str:
    model = controller.window.products.model
    return model.data(model.index(row, Column.STOCK), Qt.ItemDataRole.ToolTipRole)


def test_first_run_welcome_then_demo_fills_the_table(qtbot, fake_launcher, make_controller) -> None:
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=10_000):
        controller.start()
    window = controller.window
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.welcome, timeout=5000)
    assert window.isVisible()

    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, controller)
    assert window.is_showing_catalog() and window.demo_banner.isVisible()
    assert window.products.model.rowCount() == 120
    assert window.products.model.data(window.products.model.index(0, Column.NAME)) == "Product 00001"
    assert window.store_label.text() == "Demo store · 120 products"
    assert window.mode_label.text() == "Inventory managed in BigCommerce"
    assert window.products.count_label.text() == "120 products"
    assert fake_launcher.closed == 1  # the empty profile was closed when the demo replaced it


def test_sync_tooltip_shows_only_manual_syncs(qtbot, demo) -> None:
    window = demo.window
    assert window.sync_tooltip() == "No manual sync yet"  # the first sync was automatic
    assert window.automatic_label.text().startswith("Last automatic update: today")

    with qtbot.waitSignal(demo.manual_sync_finished, timeout=10_000) as blocker:
        qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    assert isinstance(blocker.args[0], SyncRun)
    wait_idle(qtbot, demo)
    tooltip = window.sync_tooltip()
    assert tooltip.startswith("Last manual sync: today ") and tooltip.endswith("(just now)")
    manual_at = window.last_manual_sync

    engine = demo.profile.parts.engine
    automatic = threading.Thread(target=lambda: engine.sync(kind=RunKind.AUTOMATIC, trigger="poll"))
    with qtbot.waitSignal(demo.status_refreshed, timeout=10_000):
        automatic.start()
        automatic.join()
    wait_idle(qtbot, demo)
    assert window.last_manual_sync == manual_at
    assert window.sync_tooltip() == tooltip
    runs = demo.window.history.model.runs
    assert [(r.kind, r.trigger) for r in runs[:2]] == [
        (RunKind.AUTOMATIC, "poll"),
        (RunKind.MANUAL, "button"),
    ]


def test_button_and_tray_share_one_sync(qtbot, demo, fake_launcher, caplog) -> None:
    caplog.set_level(logging.INFO, logger="backorder_desktop.services.sync_engine")
    hold = fake_launcher.store.hold = threading.Event()
    window, engine = demo.window, demo.profile.parts.engine
    finished: list[object] = []
    demo.manual_sync_finished.connect(finished.append)
    runs_before = len(fake_launcher.mirror.runs())
    qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(engine.is_running, timeout=5000)
    assert not window.sync_action.isEnabled()  # the button cannot start a second sync

    demo.tray.sync_action.trigger()  # the tray's "Sync now" joins the running sync
    qtbot.waitUntil(lambda: "joining it" in caplog.text, timeout=5000)
    hold.set()
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=10_000)
    wait_idle(qtbot, demo)
    assert finished[0].id == finished[1].id
    assert len(fake_launcher.mirror.runs()) == runs_before + 1  # one run for both
    assert window.sync_action.isEnabled()


def test_progress_bar_shows_pages(qtbot, demo, fake_launcher) -> None:
    window = demo.window
    fake_launcher.store.catalog.extend(fake_launcher.store.catalog[:0])
    with qtbot.waitSignal(demo.bridge.progress_changed, timeout=10_000):
        demo.run_automatic_sync("poll")
    assert window.progress.isVisible() or window.progress.format().endswith("pages")
    wait_idle(qtbot, demo)
    assert not window.progress.isVisible()


def test_settings_are_saved_and_reloaded(qtbot, demo, fake_launcher) -> None:
    page = demo.window.settings
    assert not page.erp_box.isVisible() or page.selected_mode() is InventorySource.BIGCOMMERCE
    page.mode_buttons[InventorySource.ERP].setChecked(True)
    assert not page.erp_box.isHidden()
    assert page.daily_time.time().toString("HH:mm") == "01:00"
    page.daily_time.setTime(page.daily_time.time().addSecs(90 * 60))
    page.erp_name.setText("Odoo")
    page.polling.setValue(15)
    page.start_minimised.setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status_label.text() == "Saved.", timeout=5000)
    stored = fake_launcher.mirror.load_settings()
    assert stored.inventory_source is InventorySource.ERP
    assert stored.daily_sync_time.strftime("%H:%M") == "02:30"
    assert (stored.erp_name, stored.polling_interval_minutes, stored.start_minimised) == ("Odoo", 15, True)

    page.erp_name.setText("changed, not saved")
    demo.load_settings()
    qtbot.waitUntil(lambda: page.erp_name.text() == "Odoo", timeout=5000)
    assert not page.save_button.isEnabled()
    wait_idle(qtbot, demo)
    assert demo.window.mode_label.text() == "Inventory managed in your ERP"


def test_erp_mode_makes_stock_read_only(qtbot, demo, fake_launcher) -> None:
    products = demo.window.products
    products.select_rows(0, 2)
    qtbot.mouseClick(products.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: products.model.data(products.model.index(0, Column.BACKORDER)) == "Yes", timeout=5000
    )
    assert demo.window.message_label.text() == "3 products assigned to BackOrder"
    assert fake_launcher.mirror.backorder_product_ids() == {1, 2, 3}

    demo.refresh_status()
    wait_idle(qtbot, demo)
    index = products.model.index(0, Column.STOCK)
    assert products.model.flags(index) & Qt.ItemFlag.ItemIsEditable  # bigcommerce mode, assigned
    assert products.model.setData(index, 40)
    qtbot.waitUntil(lambda: bool(demo.profile.outbox()), timeout=5000)  # the edit went through the facade
    (entry,) = demo.profile.outbox()
    assert entry.item.key.product_id == 1 and entry.item.level == 40

    fake_launcher.mirror.save_settings(
        dataclasses.replace(fake_launcher.mirror.load_settings(), inventory_source=InventorySource.ERP)
    )
    demo.refresh_status()
    wait_idle(qtbot, demo)
    assert not products.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert _stock_tooltip(demo).startswith(READ_ONLY_ERP)  # and that an edit still waits


def test_mode_switch_with_pending_changes_asks(qtbot, demo) -> None:
    page = demo.window.settings
    page.set_pending_changes(3)
    saved: list[tuple[dict, str]] = []
    page.save_requested.connect(lambda changes, action, _credential: saved.append((changes, action)))
    page.mode_buttons[InventorySource.ERP].setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    box = page.mode_question
    assert box is not None and box.isVisible()
    texts = [b.text() for b in box.buttons()]
    assert "Write them now" in texts and "Discard 3 changes" in texts
    assert "3 stock changes have not been written" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert saved == [] and page.selected_mode() is InventorySource.BIGCOMMERCE

    page.mode_buttons[InventorySource.ERP].setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    discard = next(b for b in page.mode_question.buttons() if b.text() == "Discard 3 changes")
    discard.click()
    assert saved == [({"inventory-source": "erp"}, "discard")]


def test_bad_token_opens_the_connection_dialog(qtbot, demo, fake_launcher) -> None:
    fake_launcher.secrets.values[token_key("demo")] = "revoked"
    with qtbot.waitSignal(demo.manual_sync_finished, timeout=10_000):
        qtbot.mouseClick(demo.window.sync_button, Qt.MouseButton.LeftButton)
    dialog = demo.flows.connection_dialog
    assert dialog is not None and dialog.isVisible()
    assert "BigCommerce refused the token" in dialog.reason_label.text()
    assert demo.router.last_route is Route.CONNECTION_DIALOG
    assert not [d for d in demo.router.open_dialogs() if isinstance(d, QMessageBox)]
    wait_idle(qtbot, demo)
    assert demo.tray.state is SyncState.PROBLEM
    dialog.reject()


def test_offline_shows_status_and_tray_state_without_a_dialog(qtbot, demo, fake_launcher) -> None:
    fake_launcher.store.error = Offline("Could not reach the store: no network.")
    with qtbot.waitSignal(demo.manual_sync_finished, timeout=10_000):
        qtbot.mouseClick(demo.window.sync_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, demo)
    assert demo.window.message_label.text() == OFFLINE_STATUS
    assert demo.tray.state is SyncState.OFFLINE
    assert demo.router.last_route is Route.STATUS
    assert demo.router.open_dialogs() == []

    fake_launcher.store.error = None  # back online: the next sync (the scheduler's retry, or a click) works
    with qtbot.waitSignal(demo.manual_sync_finished, timeout=10_000):
        qtbot.mouseClick(demo.window.sync_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, demo)
    assert demo.tray.state is SyncState.IDLE
    assert demo.window.message_label.text() == ""


def test_connect_a_store_from_the_welcome_page(qtbot, fake_launcher, make_controller) -> None:
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=10_000):
        controller.start()
    qtbot.mouseClick(controller.window.welcome.connect_button, Qt.MouseButton.LeftButton)
    dialog = controller.flows.connection_dialog
    assert dialog is not None and dialog.token.echoMode() == dialog.token.EchoMode.Password
    assert not dialog.api_url.isVisible()  # under "Advanced"
    dialog.store_hash.setText("abc123")
    dialog.token.setText("wrong")
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    assert "BigCommerce refused the token" in dialog.result_label.text()

    dialog.token.setText(GOOD_TOKEN)
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "Connected to Dana's Bikes (Plus)." in dialog.result_label.text()

    with qtbot.waitSignal(dialog.connected, timeout=20_000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, controller)
    assert fake_launcher.secrets.values[token_key("abc123")] == GOOD_TOKEN
    assert controller.window.is_showing_catalog() and not controller.window.demo_banner.isVisible()
    assert controller.window.products.model.rowCount() == 120
    assert controller.window.store_label.text() == "Dana's Bikes · 120 products"
    assert controller.window.windowTitle() == "Dana's Bikes — BackOrder Desktop"


def test_connection_dialog_closes_after_its_task_has_finished(qtbot, fake_launcher, runner) -> None:
    """Closing deletes the dialog: closed with a callback of its connect still queued, that callback
    touched deleted buttons ("Internal C++ object already deleted", seen once the real mirror
    made the connect slower)."""
    profile = fake_launcher.open_profile()
    dialog = ConnectionDialog(profile, runner, on_bug=lambda error: None, store_hash="abc123")
    qtbot.addWidget(dialog)
    dialog.open()
    tasks_when_closed: list[int] = []
    dialog.finished.connect(lambda _result: tasks_when_closed.append(runner.active_count()))
    dialog.token.setText(GOOD_TOKEN)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert tasks_when_closed == [0]
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.connect_button.isEnabled()
    profile.close()


def test_no_keyring_is_explained_in_the_dialog(qtbot, fake_launcher, make_controller) -> None:
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=10_000):
        controller.start()
    fake_launcher.secrets.error = KeyringUnavailable("No keyring service is running on this computer.")
    controller.flows.connect_store()
    dialog = controller.flows.connection_dialog
    dialog.store_hash.setText("abc123")
    dialog.token.setText(GOOD_TOKEN)
    with qtbot.waitSignal(dialog.check_finished, timeout=5000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    text = dialog.result_label.text()
    assert "No keyring available" in text and "install gnome-keyring" in text
    assert dialog.isVisible()
    dialog.reject()


def test_a_mode_switch_from_settings_discards_waiting_changes_when_told(qtbot, demo, fake_launcher) -> None:
    demo.profile.assign(["1"])
    demo.profile.edit_stock("SKU-00001", AdjustmentKind.SET, 40)
    assert len(demo.profile.outbox()) == 1
    demo.save_settings({"inventory-source": "erp"}, OutboxChoice.DISCARD)
    qtbot.waitUntil(lambda: demo.window.settings.status_label.text() == "Saved.", timeout=5000)
    assert fake_launcher.mirror.load_settings().inventory_source is InventorySource.ERP
    assert demo.profile.outbox() == []  # dropped, as asked, and recorded in the ledger
    assert demo.profile.stock_history(1)[0].reason == "discarded when switching to erp"
    wait_idle(qtbot, demo)


def test_the_pause_item_pauses_the_profiles_schedule(qtbot, demo) -> None:
    assert demo.tray.pause_action.isEnabled()  # a profile is open
    demo.tray.pause_action.trigger()
    qtbot.waitUntil(lambda: demo.profile.paused, timeout=5000)


def test_a_feed_address_holding_a_key_is_told_when_the_profile_opens(
    qtbot, fake_launcher, make_controller, expected_warnings
) -> None:
    older = fake_launcher.open_profile()  # as an older version left it: the key in the address
    mirror = older.parts.mirror
    secret_url = "https://erp.example/s.csv?key=k3y"
    mirror.save_settings(dataclasses.replace(mirror.load_settings(), feed_url=secret_url))
    older.close()
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=10_000):
        controller.start()
    qtbot.waitUntil(lambda: "has a key" in controller.window.message_label.text(), timeout=5000)
    assert "k3y" not in controller.window.message_label.text()
    wait_idle(qtbot, controller)
    assert [r.getMessage() for r in expected_warnings if "has a key" in r.getMessage()]  # logged once too
    assert not [r for r in expected_warnings if "k3y" in r.getMessage()]


def test_a_feed_credential_typed_in_settings_goes_to_the_keyring_and_never_shows_again(
    qtbot, demo, fake_launcher
) -> None:
    page = demo.window.settings
    page.mode_buttons[InventorySource.API].setChecked(True)
    page.feed_url.setText("https://erp.example/stock.csv")
    page.feed_credential.setText("correct horse battery")
    assert page.save_button.isEnabled()
    with qtbot.waitSignal(demo.status_refreshed, timeout=10_000):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status_label.text() == "Saved.", timeout=5000)
    assert fake_launcher.secrets.values[feed_credential_key("demo")] == "correct horse battery"
    assert page.feed_credential.text() == ""  # shown once as typed, then never again
    assert fake_launcher.mirror.load_settings().feed_url == "https://erp.example/stock.csv"
    wait_idle(qtbot, demo)
