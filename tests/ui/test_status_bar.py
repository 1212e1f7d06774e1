"""The status bar: a few short fields whose texts always fit, details in a popover, and problems
that leave it as soon as a later sync succeeds."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QToolButton

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.settings import secret_in_feed_url_message
from backorder_desktop.domain.status import SyncState
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.ui.error_router import OFFLINE_STATUS
from backorder_desktop.ui.main_window import DEFAULT_SIZE
from backorder_desktop.ui.main_window import MINIMUM_SIZE
from backorder_desktop.ui.status_bar import MESSAGE_FALLBACK
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui

RATE_LIMITED = "Rate limited · BigCommerce asked the app to slow down; it goes on by itself in a minute."
LONG_WARNING = secret_in_feed_url_message("https://erp.example.com/exports/stock-levels.csv?api_key=k3y")


def _cut_texts(window) -> list[str]:
    """Every visible status-bar text that does not fit its widget (empty when all fit)."""
    cut: list[str] = []
    for label in window.statusBar().findChildren(QLabel):
        if label.isVisible() and label.text():
            room = label.contentsRect().width() - 2 * label.margin()
            if label.fontMetrics().horizontalAdvance(label.text()) > room:
                cut.append(f"{label.objectName()}: {label.text()!r} in {room} px")
    for button in window.statusBar().findChildren(QToolButton):
        if button.isVisible() and button.width() < button.sizeHint().width():
            cut.append(f"{button.objectName()}: {button.text()!r} in {button.width()} px")
    return cut


def test_every_status_bar_text_fits_at_the_default_and_the_minimum_size(qtbot, demo) -> None:
    window = demo.window
    window.show()
    qtbot.waitExposed(window)
    # The longest each field can be: a problem with many changes waiting, a long job name, a
    # message of two sentences.
    window.set_sync_state(SyncState.PROBLEM)
    window.set_outbox(12_345)
    window.set_next_run(datetime.now(UTC) + timedelta(days=3), "daily full sync (ERP mode)")
    window.set_message(LONG_WARNING)
    window.set_quota(123_456, 150_000)
    for size in (DEFAULT_SIZE, MINIMUM_SIZE):
        window.resize(*size)
        qtbot.waitUntil(lambda size=size: (window.width(), window.height()) == size, timeout=5000)
        _settle_layouts()
        assert _cut_texts(window) == []
        assert window.state_chip.text() == "Sync problem · 12,345 waiting"
        assert window.next_run_label.isVisible() and window.statusBar().isAncestorOf(window.next_run_label)
    # Too long for the bar: a pointer to the popover, and the whole text in the tooltip.
    shown = window.status_panel.message
    assert shown.text() == MESSAGE_FALLBACK
    assert shown.toolTip() == LONG_WARNING and window.message_label.text() == LONG_WARNING

    window.set_message(RATE_LIMITED, problem=True)
    _settle_layouts()
    assert _cut_texts(window) == [] and shown.text() in (RATE_LIMITED, "Rate limited")
    window.resize(*DEFAULT_SIZE)
    qtbot.waitUntil(lambda: window.width() == DEFAULT_SIZE[0], timeout=5000)
    _settle_layouts()
    assert _cut_texts(window) == [] and shown.text() == RATE_LIMITED


def _settle_layouts() -> None:
    """Deliver the layout requests a resize or a new text posted (each may post another)."""
    for _ in range(5):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def test_the_chip_opens_the_details_with_what_the_bar_leaves_out(qtbot, demo) -> None:
    window = demo.window
    window.show()
    window.set_quota(120, 150)
    window.state_chip.click()
    details = window.status_panel.details
    qtbot.waitUntil(details.isVisible, timeout=5000)
    assert window.store_label.isVisible() and window.store_label.text() == "Demo store · 120 products"
    assert window.mode_label.text() == "Inventory managed in BigCommerce"
    assert window.automatic_label.text().startswith("Last automatic update: today")
    assert details.manual_label.text() == "No manual sync yet"
    assert window.quota_label.text() == "API quota left: 120 of 150"
    assert window.outbox_label.text() == "No changes waiting"
    assert not window.message_label.isVisible()  # nothing to say
    details.hide()
    assert window.state_chip.text() == "Up to date"
    assert window.windowTitle() == "Demo store — BackOrder Desktop"


def test_waiting_changes_show_on_the_chip(qtbot, demo) -> None:
    demo.profile.assign(["1"])
    demo.profile.edit_stock("SKU-00001", AdjustmentKind.SET, 40)
    with qtbot.waitSignal(demo.status_refreshed, timeout=20_000):
        demo.refresh_status()
    assert demo.window.state_chip.text() == "Up to date · 1 waiting"
    wait_idle(qtbot, demo)


def _automatic_retry(engine) -> threading.Thread:
    """A sync as the profile's scheduler runs it: on its own thread, nobody in the window waiting."""

    def run() -> None:
        with contextlib.suppress(BackorderError):  # recorded with the run, reported by its events
            engine.sync(kind=RunKind.AUTOMATIC, trigger=RunTrigger.RETRY)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_offline_leaves_the_status_bar_when_a_later_automatic_sync_succeeds(
    qtbot, demo, fake_launcher
) -> None:
    window, engine = demo.window, demo.profile.parts.engine
    window.set_message("3 products assigned to BackOrder")  # a notice, not a problem
    fake_launcher.store.error = Offline("Could not reach the store: no network.")
    _automatic_retry(engine).join()
    qtbot.waitUntil(lambda: window.message_label.text() == OFFLINE_STATUS, timeout=20_000)
    qtbot.waitUntil(lambda: window.state_chip.text() == "Offline", timeout=20_000)
    assert demo.tray.state is SyncState.OFFLINE

    fake_launcher.store.error = None  # the network is back: the scheduler's retry succeeds
    _automatic_retry(engine).join()
    qtbot.waitUntil(lambda: window.state_chip.text() == "Up to date", timeout=20_000)
    qtbot.waitUntil(lambda: window.message_label.text() == "", timeout=20_000)
    assert demo.tray.state is SyncState.IDLE
    wait_idle(qtbot, demo)


def test_a_notice_stays_after_a_successful_sync(qtbot, demo) -> None:
    window = demo.window
    window.set_message("3 products assigned to BackOrder")
    _automatic_retry(demo.profile.parts.engine).join()
    with qtbot.waitSignal(demo.status_refreshed, timeout=20_000):
        pass
    wait_idle(qtbot, demo)
    assert window.message_label.text() == "3 products assigned to BackOrder"
