"""The tray icon (states, menu, waiting for a tray), closing to the tray, pages and --screenshot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from backorder_desktop.domain.status import SyncState
from backorder_desktop.ui.application import run_window
from backorder_desktop.ui.models.catalog_columns import Column
from backorder_desktop.ui.tray import PAUSE_UNAVAILABLE
from backorder_desktop.ui.tray import TrayIcon
from tests.ui.conftest import wait_idle
from tests.ui.fakes import FakeLauncher
from tests.ui.xserver import x_display_with_tray

pytestmark = pytest.mark.gui
TRAY_CLOSE_CHILD = Path(__file__).with_name("tray_close_child.py")
CHILD_TIMEOUT_S = 180  # a bound against hanging only; the child gives up after 120 s by itself


def test_tray_waits_for_a_tray_then_shows(qtbot, caplog) -> None:
    available = [False]
    tray = TrayIcon(tray_available=lambda: available[0])
    caplog.set_level("INFO", logger="backorder_desktop.ui.tray")
    tray.start()
    assert not tray.is_shown() and tray._retry.isActive()
    available[0] = True
    with qtbot.waitSignal(tray.shown, timeout=10_000):
        tray._retry.setInterval(10)
    assert tray.is_shown() and not tray._retry.isActive()
    assert "tray icon shown" in caplog.text
    tray.stop()


def test_tray_states_tooltips_and_menu(qtbot) -> None:
    tray = TrayIcon(tray_available=lambda: False)
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "Sync now",
        "Open BackOrder Desktop",
        "Pause automatic updates",
        "Quit",
    ]
    assert not tray.pause_action.isEnabled() and tray.pause_action.toolTip() == PAUSE_UNAVAILABLE
    icons = {}
    for state in SyncState:
        tray.set_state(state, "Demo store · 120 products")
        icons[state] = tray.icon.icon().cacheKey()
        assert tray.icon.toolTip().endswith("\nDemo store · 120 products")
    assert len(set(icons.values())) == 4
    tray.set_state(SyncState.OFFLINE)
    assert tray.tooltip() == "BackOrder Desktop · Offline · retrying by itself"
    tray.set_state(SyncState.SYNCING)
    assert tray.sync_action.text() == "Syncing…"
    assert not tray.notify("Sync finished", "no tray, no notification")


@pytest.mark.xvfb
def test_closing_the_window_keeps_the_app_in_the_tray(tmp_path: Path) -> None:
    """On a real X display with a tray host (the offscreen platform has no tray): the icon shows,
    closing the window hides it and keeps the app and its profile, the tray's Open brings it back.
    A tray that never shows fails the test."""
    with x_display_with_tray() as env:
        env.update(
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            HOME=str(tmp_path),
            XDG_RUNTIME_DIR=str(tmp_path),
        )
        child = subprocess.run(
            [sys.executable, str(TRAY_CLOSE_CHILD), str(tmp_path / "home")],
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
        )
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report == {
        "tray_shown": True,
        "hidden": True,
        "quitting": False,
        "finished": False,
        "profile_kept": True,
        "shown_again": True,
    }, child.stderr[-3000:]


def test_without_a_tray_closing_the_window_quits(qtbot, fake_launcher, make_controller) -> None:
    controller = make_controller(fake_launcher, tray=False)
    with qtbot.waitSignal(controller.profile_adopted, timeout=10_000):
        controller.start(start_demo=True)
    wait_idle(qtbot, controller)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.window.close()
    assert fake_launcher.closed == 1


def test_search_box_and_variants_pane(qtbot, fake_launcher, make_controller) -> None:
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=10_000):
        controller.start(start_demo=True)
    wait_idle(qtbot, controller)
    products = controller.window.products
    with qtbot.waitSignal(products.model.query_answered, timeout=5000):
        qtbot.keyClicks(products.search_box, "SKU-0001")
    assert products.model.rowCount() == 10 and products.count_label.text() == "10 products"
    products.select_rows(0, 0)  # Product 00010: three variants
    assert products.model.data(products.model.index(0, Column.NAME)) == "Product 00010"
    assert products.variants.table.rowCount() == 3
    assert products.variants.table.item(0, 1).text() == "Size 0"
    assert "not assigned to BackOrder" in products.variants.table.item(0, 2).toolTip()
    with qtbot.waitSignal(products.model.query_answered, timeout=5000):
        products.out_of_stock.setChecked(True)
    with qtbot.waitSignal(products.model.query_answered, timeout=5000):
        products.search_box.clear()
        qtbot.keyClick(products.search_box, Qt.Key.Key_Return)
    assert products.model.query.out_of_stock and products.model.query.text == ""


@pytest.mark.parametrize("page", [None, "history", "settings"])
def test_screenshot_saves_the_window_once_idle(qtbot, tmp_path, page) -> None:
    target = tmp_path / "shots" / f"{page or 'products'}.png"
    code = run_window(FakeLauncher(str(tmp_path)), screenshot=str(target), start_demo=True, page=page)
    assert code == 0
    image = QImage(str(target))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 500
