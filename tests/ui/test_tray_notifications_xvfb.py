"""Notifications on the real tray: a sync the tray starts counts orders for BackOrder products in the
sync child, and the window shows the notification once from the tray host's icon; a second start of
the app (another sync, on the same profile) does not show it again.

The app runs as a subprocess on a private Xvfb display with openbox and trayer
(``tests/ui/xserver.py``), on a profile connected to a demo store served from this process, with the
store's token given for the run; ``BACKORDER_DESKTOP_TEST_TRAY_ACTION=sync`` makes it press the
tray's "Sync now", wait until what the sync told has been shown, and quit. The log says what the
tray showed (``tray message shown: …``) and which notifications (``notification shown (tray): …``).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from backorder_desktop.app import open_profile
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from tests.demo.orders_helpers import FakeClock
from tests.demo.orders_helpers import item
from tests.ui.test_orders_page import _place
from tests.ui.test_orders_page import _plain_products
from tests.ui.xserver import x_display_with_tray

pytestmark = [pytest.mark.gui, pytest.mark.xvfb]

RUN_TIMEOUT_S = 120  # a bound against hanging only
TITLE = "2 backorders in the last hour"


def _prepared(store, home: Path) -> None:
    """Connect a profile to ``store`` (token not kept), sync it, and assign two products."""
    profile = open_profile(home, env_token=store.token)
    try:
        profile.connect(store.store_hash, store.api_url, store.token, remember=False)
        profile.sync(kind=RunKind.MANUAL, trigger=RunTrigger.BUTTON)
        shirt, mug = _plain_products(store, 2)
        profile.parts.catalog.set_setting("backorder-method", "app")  # the app counts their orders
        profile.assign([str(shirt["id"]), str(mug["id"])])
    finally:
        profile.close()
    store.orders.clock = FakeClock(time.time() + 3600)  # placed after the assignment
    _place(store, item(shirt, 2))
    _place(store, item(mug, 1))


def _run_window(home: Path, env: dict[str, str]) -> str:
    """One start of the app: tray "Sync now", then quit; returns the whole log so far."""
    app = subprocess.run(
        [sys.executable, "-m", "backorder_desktop", "--home", str(home)],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    log_files = list(home.rglob("backorder-desktop.log"))
    log = log_files[0].read_text(encoding="utf-8") if log_files else ""
    assert app.returncode == 0, f"exit {app.returncode}\n{app.stderr[-2000:]}\n{log[-3000:]}"
    assert log.count("test hook: tray sync finished: ok") >= 1
    return log


def test_a_notification_a_tray_sync_makes_is_shown_once_on_the_real_tray(tmp_path: Path, demo_store) -> None:
    home = tmp_path / "home"
    _prepared(demo_store, home)
    with x_display_with_tray() as env:
        env.update(
            BACKORDER_DESKTOP_TEST_TRAY_ACTION="sync",
            BACKORDER_DESKTOP_TOKEN=demo_store.token,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            HOME=str(tmp_path),
            XDG_RUNTIME_DIR=str(tmp_path),
        )
        first = _run_window(home, env)
        assert "tray icon shown" in first
        assert first.count(f"notification shown (tray): {TITLE}") == 1, first[-3000:]
        assert first.count(f"tray message shown: {TITLE}") == 1

        second = _run_window(home, env)  # another start, another sync: nothing new to tell
    assert second.count("test hook: tray sync finished: ok") == 2
    assert second.count(f"notification shown (tray): {TITLE}") == 1
    assert second.count(f"tray message shown: {TITLE}") == 1
    assert second.count("notification shown") == 1
