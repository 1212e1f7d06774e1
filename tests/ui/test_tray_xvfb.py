"""The tray on a real X display: the icon is shown by a tray host, and its "Sync now" runs a sync.

The app runs as a subprocess (``python -m backorder_desktop --demo``) on a private Xvfb display
with openbox and trayer; the test hook ``BACKORDER_DESKTOP_TEST_TRAY_ACTION=sync`` makes it trigger
the tray menu's "Sync now" once the icon is shown and the catalog is idle, then quit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.xserver import x_display_with_tray

pytestmark = [pytest.mark.gui, pytest.mark.xvfb]

RUN_TIMEOUT_S = 90


def test_tray_icon_is_shown_and_sync_now_runs_a_sync(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with x_display_with_tray() as env:
        env.update(
            BACKORDER_DESKTOP_TEST_TRAY_ACTION="sync",
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            HOME=str(tmp_path),
            XDG_RUNTIME_DIR=str(tmp_path),
        )
        app = subprocess.run(
            [sys.executable, "-m", "backorder_desktop", "--home", str(home), "--demo"],
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    log_files = list(home.rglob("backorder-desktop.log"))
    log = log_files[0].read_text(encoding="utf-8") if log_files else ""
    assert app.returncode == 0, f"exit {app.returncode}\n{app.stderr[-2000:]}\n{log[-3000:]}"
    assert "tray icon shown" in log
    assert "manual sync requested (tray)" in log
    assert "test hook: tray sync finished: ok" in log
    placed = re.search(r"tray icon at (-?\d+),(-?\d+) size (\d+)x(\d+) showing (\d+) colours", log)
    assert placed, log[-3000:]
    width, height, colours = (int(placed.group(i)) for i in (3, 4, 5))
    assert width > 0 and height > 0
    assert colours > 1  # something is drawn where the tray host put the icon
