"""Notifications in the window, over the real app (``AppLauncher``, SQLite, the demo store over
HTTP, the sync child): orders a sync counts are told once from the tray (counted with a
``QSignalSpy`` on the tray's own ``message_shown``), not again after another sync or a restart; the
status popover lists them until "Mark all read"; without a tray the status bar says it; a kind
switched off in Settings is saved through the profile and not told."""

from __future__ import annotations

import time

import pytest
from PySide6.QtTest import QSignalSpy

from backorder_desktop.app import AppLauncher
from backorder_desktop.domain.notifications import NotificationKind
from tests.demo.orders_helpers import FakeClock
from tests.demo.orders_helpers import item
from tests.ui.conftest import wait_idle
from tests.ui.test_orders_page import _place
from tests.ui.test_orders_page import _plain_products
from tests.ui.test_orders_page import _started
from tests.ui.test_orders_page import _sync

pytestmark = pytest.mark.gui

ORDERS_TITLE = "2 backorders in the last hour"


def _titles(spy: QSignalSpy) -> list[str]:
    return [str(spy.at(i)[0]) for i in range(spy.count())]


def _two_orders(controller, demo_store) -> dict:
    """Two orders for two products just assigned (dated after the assignment); returns one."""
    shirt, mug = _plain_products(demo_store, 2)
    controller.profile.parts.catalog.set_setting("backorder-method", "app")  # the app counts the orders
    controller.profile.assign([str(shirt["id"]), str(mug["id"])])
    demo_store.orders.clock = FakeClock(time.time() + 3600)
    _place(demo_store, item(shirt, 2))
    _place(demo_store, item(mug, 1))
    return shirt


def _quit(qtbot, controller) -> None:
    with qtbot.waitSignal(controller.finished, timeout=30_000):
        controller.quit()


def test_orders_a_sync_counts_are_told_once_from_the_tray_and_listed_until_read(
    qtbot, connected_home, demo_store, make_controller, caplog
) -> None:
    caplog.set_level("INFO", logger="backorder_desktop.ui.controller")
    controller = make_controller(AppLauncher(connected_home, env_token=demo_store.token), tray=True)
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)
    assert controller.tray.is_shown()
    spy = QSignalSpy(controller.tray.message_shown)
    _two_orders(controller, demo_store)

    _sync(qtbot, controller)  # counted in the sync child: its notification is read after the run
    qtbot.waitUntil(lambda: ORDERS_TITLE in _titles(spy), timeout=20_000)
    _sync(qtbot, controller)
    controller.refresh_after_change()
    wait_idle(qtbot, controller)
    assert _titles(spy).count(ORDERS_TITLE) == 1
    assert caplog.text.count(f"notification shown (tray): {ORDERS_TITLE}") == 1

    details = controller.window.status_panel.details
    qtbot.waitUntil(lambda: details.notifications_title.text() == "Notifications · 1 unread", timeout=20_000)
    assert "• today " in details.notifications_list.text()
    assert details.notifications_list.text().endswith(ORDERS_TITLE)
    assert not details.mark_read_button.isHidden()

    # A restart does not show it again: the profile remembers what the window has shown.
    _quit(qtbot, controller)
    again = _started(qtbot, make_controller, connected_home, demo_store.token)
    details = again.window.status_panel.details
    qtbot.waitUntil(lambda: details.notifications_title.text() == "Notifications · 1 unread", timeout=20_000)
    assert caplog.text.count(f"notification shown (status bar): {ORDERS_TITLE}") == 0
    assert ORDERS_TITLE not in again.window.status_panel.message.full_text()

    details.mark_read_button.click()
    qtbot.waitUntil(lambda: details.notifications_title.text() == "Notifications", timeout=20_000)
    assert details.mark_read_button.isHidden()
    assert not details.notifications_list.text().startswith("•")
    assert again.profile.notifications(unread_only=True) == []


def test_without_a_tray_the_status_bar_tells_it_and_a_kind_switched_off_is_not_told(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    controller = _started(qtbot, make_controller, connected_home, demo_store.token)  # no tray
    assert not controller.tray.is_shown()
    page = controller.window.settings
    orders_box = page.notify_boxes[NotificationKind.ORDERS_ARRIVED]
    assert orders_box.text() == NotificationKind.ORDERS_ARRIVED.label
    assert all(box.isChecked() for box in page.notify_boxes.values())  # all on by default

    orders_box.setChecked(False)
    page.save_button.click()
    qtbot.waitUntil(lambda: page.status_label.text() == "Saved.", timeout=20_000)
    assert controller.profile.settings().notify_orders is False
    assert not orders_box.isChecked() and not page.save_button.isEnabled()
    shirt = _two_orders(controller, demo_store)
    _sync(qtbot, controller)
    assert controller.profile.notifications() == []

    orders_box.setChecked(True)
    page.save_button.click()
    qtbot.waitUntil(lambda: controller.profile.settings().notify_orders is True, timeout=20_000)
    wait_idle(qtbot, controller)
    demo_store.orders.clock = FakeClock(time.time() + 7200)
    _place(demo_store, item(shirt, 1))
    _sync(qtbot, controller)
    message = controller.window.status_panel.message
    qtbot.waitUntil(lambda: "backorder" in message.full_text(), timeout=20_000)
    assert message.full_text().startswith("3 backorders in the last hour · 3 orders for BackOrder products")
