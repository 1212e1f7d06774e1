"""Settings on the real app (``AppLauncher``, SQLite, the demo store over HTTP): Test feed shows
the first rows, an empty feed is said plainly, stock files go out and come back in with a preview,
and the page fits the default window."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QScrollArea

from backorder_desktop.app import AppLauncher
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.ui.error_router import sync_notification
from tests.integration.test_feed import FeedServer
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.stop()


@pytest.fixture
def window(qtbot, connected_home, demo_store, make_controller):
    """The window on a profile connected to the demo store, after its first sync."""
    controller = make_controller(AppLauncher(connected_home, env_token=demo_store.token))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)
    controller.window.tabs.setCurrentWidget(controller.window.settings)
    return controller


def _assign_first(qtbot, controller, count: int) -> list[str]:
    """Assigns the first ``count`` products tracked per product; returns their SKUs."""
    profile = controller.profile
    products = [p for p in profile.products() if p.inventory_tracking.value == "product"][:count]
    profile.assign([p.sku for p in products])
    controller.refresh_after_change()
    wait_idle(qtbot, controller)
    return [p.sku for p in products]


def _test_feed(qtbot, page) -> list[list[str]]:
    """Presses Test feed; returns the preview's rows as shown."""
    page.test_feed_button.click()
    qtbot.waitUntil(page.test_feed_button.isEnabled, timeout=20_000)
    assert page.feed_result.text().startswith("Read "), page.feed_result.text()
    table = page.feed_preview
    assert table.isVisible()
    return [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]


def test_test_feed_shows_the_first_rows_of_the_typed_feed_and_changes_nothing(
    qtbot, window, demo_store
) -> None:
    page = window.window.settings
    page.mode_buttons[InventorySource.API].setChecked(True)
    assert page.feed_box.isVisible() and page.test_feed_button.isVisible()
    page.feed_url.setText(f"{demo_store.api_url}/feeds/stock.csv")  # typed, not saved
    rows = _test_feed(qtbot, page)
    assert len(rows) == 10 and rows[0][0] == "2"  # the CSV's first data line
    assert all(500 <= int(row[2]) <= 999 for row in rows)  # the demo ERP's quantities
    assert all(row[3] == "not a BackOrder SKU" for row in rows)
    assert "0 changes a pull would make" in page.feed_result.text()

    first_sku = rows[0][1]
    window.profile.assign([first_sku])
    rows = _test_feed(qtbot, page)
    assert rows[0][1] == first_sku and rows[0][3].replace(",", "").isdigit()
    assert all(row[3] == "not a BackOrder SKU" for row in rows[1:] if row[1][:8] != first_sku[:8])
    text = page.feed_result.text()
    assert "a pull would make" in text and "Nothing was changed." in text and "0 changes" not in text
    profile = window.profile
    assert profile.settings().inventory_source is InventorySource.BIGCOMMERCE  # nothing saved
    assert profile.outbox() == []


def test_an_empty_feed_is_said_plainly_in_settings_and_in_the_sync_notification(
    qtbot, window, feed_server, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="backorder_desktop.ui.tray")
    skus = _assign_first(qtbot, window, 25)
    profile = window.profile
    feed_server.body = ("sku,quantity\r\n" + "".join(f"{s},7\r\n" for s in skus)).encode()
    profile.save_settings({"inventory-source": "api", "feed-url": feed_server.url})
    profile.pull_feed()  # last time: 25 rows
    window.load_settings()
    wait_idle(qtbot, window)
    feed_server.body = b"sku,quantity\r\n"

    page = window.window.settings
    page.test_feed_button.click()
    qtbot.waitUntil(lambda: "Stock feed not used" in page.feed_result.text(), timeout=20_000)
    assert "0 rows" in page.feed_result.text() and not page.feed_preview.isVisible()
    assert window.router.open_dialogs() == []  # told where the feed's settings are

    with qtbot.waitSignal(window.manual_sync_finished, timeout=30_000) as blocker:
        window.request_sync(RunTrigger.BUTTON)
    run = blocker.args[0]
    title, message, problem = sync_notification(run)
    assert title == "Sync finished · Stock feed not used" and problem
    assert message.startswith(next(p.message for p in run.problems if p.item == "stock feed"))
    assert "0 rows" in message and "could not be synced" not in message
    assert f"notification not shown (no tray): {title}" in caplog.text  # what the window raised


def _choose_file(qtbot, page, path: Path) -> None:
    qtbot.waitUntil(lambda: page.file_dialog is not None and page.file_dialog.isVisible(), timeout=5000)
    page.file_dialog.fileSelected.emit(str(path))  # what choosing the file and OK emit
    page.file_dialog.close()


def test_export_then_import_with_its_preview_first(qtbot, window, tmp_path: Path) -> None:
    skus = _assign_first(qtbot, window, 3)
    page = window.window.settings
    exported = tmp_path / "stock.csv"
    page.export_button.click()
    _choose_file(qtbot, page, exported)
    qtbot.waitUntil(lambda: page.files_result.text().startswith("Exported"), timeout=20_000)
    assert page.files_result.text() == f"Exported the stock of 3 items to {exported}."
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    assert sorted(r["sku"] for r in rows) == sorted(skus)

    changed = rows[0]["sku"]
    new_level = int(rows[0]["quantity"]) + 11
    edited = tmp_path / "edited.csv"
    lines = ["sku,quantity", f"{changed},{new_level}", f"{rows[1]['sku']},{rows[1]['quantity']}", "NOPE-1,4"]
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.import_button.click()
    _choose_file(qtbot, page, edited)
    flow = window.stock_files
    qtbot.waitUntil(lambda: flow.preview_dialog is not None, timeout=20_000)
    dialog = flow.preview_dialog
    assert dialog.summary_label.text() == "Read 3 rows: 1 change would be applied, 1 unchanged."
    table = dialog.changes_table
    assert table.rowCount() == 1 and table.item(0, 0).text() == changed
    assert table.item(0, 2).text() == f"{new_level:,}"
    assert "NOPE-1" in dialog.notes_label.text()
    assert window.profile.outbox() == []  # nothing yet
    assert dialog.apply_button.text() == "Apply 1 change"

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: "1 change applied" in page.files_result.text(), timeout=20_000)
    wait_idle(qtbot, window)
    entries = window.profile.outbox()
    assert [(e.item.sku, e.item.level) for e in entries] == [(changed, new_level)]
    assert window.status is not None and window.status.outbox == 1


def _cut_off(page) -> list[str]:
    """Labels shorter than their wrapped text, and group boxes narrower than their contents."""
    problems = [
        label.text()[:40]
        for label in page.findChildren(QLabel)
        if label.isVisible() and label.wordWrap() and label.height() < label.heightForWidth(label.width())
    ]
    problems += [
        box.title()
        for box in page.findChildren(QGroupBox)
        if box.isVisible() and box.width() < box.minimumSizeHint().width()
    ]
    return problems


@pytest.mark.parametrize("mode", list(InventorySource))
def test_settings_fit_the_default_window_in_every_mode(qtbot, window, mode: InventorySource) -> None:
    main = window.window
    assert (main.width(), main.height()) == (1180, 760)  # the default size
    page = main.settings
    page.mode_buttons[mode].setChecked(True)
    qtbot.waitUntil(lambda: page.feed_box.isVisible() == (mode is InventorySource.API), timeout=5000)
    scroll = page.findChild(QScrollArea)
    assert not scroll.horizontalScrollBar().isVisible()
    assert _cut_off(page) == []
    boxes = [b for b in page.findChildren(QGroupBox) if b.isVisible()]
    left = min(b.geometry().left() for b in boxes)
    assert len({b.geometry().left() for b in boxes}) == 2 and left < 40  # two columns from the left edge
