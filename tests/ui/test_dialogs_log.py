"""The log viewer, the crash dialog and the About box name the file the log lines really go to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.app import AppLauncher
from backorder_desktop.app import profile_paths_for
from backorder_desktop.logging_setup import LogHandles
from backorder_desktop.logging_setup import setup_logging
from backorder_desktop.ui.dialogs.about_dialog import about_facts
from backorder_desktop.ui.dialogs.crash_dialog import crash_report
from backorder_desktop.ui.dialogs.log_viewer import LogViewer
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


@pytest.fixture
def window_logging(home: str) -> Iterator[LogHandles]:
    """Logging as ``backorder-desktop --home HOME`` sets it up before the window opens."""
    handles = setup_logging(profile_paths_for(home).log_dir)
    try:
        yield handles
    finally:
        handles.close()


def test_the_log_viewer_shows_the_window_log_after_the_demo_is_opened_from_the_welcome_page(
    qtbot, home, window_logging, no_keyring_backend, make_controller
) -> None:
    controller = make_controller(AppLauncher(home))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    window = controller.window
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.is_showing_catalog, timeout=20_000)
    wait_idle(qtbot, controller, timeout=30_000)
    demo_logs = Path(controller.profile.info.log_dir)
    assert demo_logs != window_logging.log_file.parent  # the demo's own profile and log folder

    controller.show_log()
    viewer = window.findChild(LogViewer)
    assert viewer is not None
    qtbot.waitUntil(lambda: "demo store demo serving" in viewer.text.toPlainText(), timeout=20_000)
    assert viewer.path_label.text() == f"Log file: {window_logging.log_file}"
    assert str(window_logging.log_file) in crash_report(ValueError("x"), log_dir=str(demo_logs))
    assert dict(about_facts(controller.profile.info))["Log"] == str(window_logging.log_file)
    viewer.close()
