"""Through the window (pytest-qt, the real app over the demo store): runs of the scheduler are
automatic, so the Sync button's "last manual sync" never moves for them, while the window's
"last automatic update" does; the tray's pause item drives the scheduler."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.app import AppLauncher
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.schedule_rules import CURSOR_DAILY
from tests.ui.conftest import make_controller  # noqa: F401 (the fixture)
from tests.ui.conftest import wait_idle

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support", "systemTrayWindowChanged"),
]


def _in_thread(work) -> None:
    """Run ``work`` off the GUI thread, as APScheduler's worker would, and wait for it."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not errors, errors


def test_automatic_runs_never_change_the_last_manual_sync(
    qtbot,
    connected_home,
    demo_store,
    make_controller,  # noqa: F811
) -> None:
    controller = make_controller(AppLauncher(connected_home, env_token=demo_store.token))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller)
    window, profile = controller.window, controller.profile
    scheduler = profile.parts.scheduler
    assert scheduler is not None and scheduler.running
    assert controller.tray.pause_action.isEnabled()  # the pause handler is the scheduler's

    with qtbot.waitSignal(controller.manual_sync_finished, timeout=20_000):
        qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, controller)
    tooltip = window.sync_tooltip()
    assert tooltip.startswith("Last manual sync: today ")
    manual = profile.parts.catalog.last_manual_sync()

    # A poll: the scheduler's clock moved past the interval (as a tick would find it).
    with qtbot.waitSignal(controller.status_refreshed, timeout=20_000):
        _in_thread(lambda: scheduler.run_due(datetime.now(UTC) + timedelta(minutes=6)))
    # A daily run missed last night, in erp mode: caught up by the scheduler.
    profile.parts.catalog.set_setting("inventory-source", "erp")
    _in_thread(lambda: _miss_yesterday(profile))
    qtbot.waitUntil(lambda: _triggers(controller)[:1] == ["daily-catch-up"], timeout=30_000)
    wait_idle(qtbot, controller)

    assert {"poll", "daily-catch-up"} <= set(_triggers(controller))
    assert window.sync_tooltip() == tooltip
    assert profile.parts.catalog.last_manual_sync() == manual
    assert window.automatic_label.text().startswith("Last automatic update: today ")
    runs = controller.window.history.model.runs
    assert all(r.kind is RunKind.AUTOMATIC for r in runs if r.trigger in ("poll", "daily-catch-up"))

    controller.tray.pause_action.trigger()  # the tray's "Pause automatic updates"
    qtbot.waitUntil(lambda: scheduler.paused, timeout=10_000)
    assert scheduler.next_run() is None


def _miss_yesterday(profile) -> None:
    """The daily cursor (the last slot that ran) says three days ago: yesterday's 01:00 was missed
    (the computer was off). The next tick, or this ``run_due``, catches it up."""
    last_ran = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    with sqlite3.connect(profile.info.database_path) as raw:
        raw.execute("INSERT OR REPLACE INTO cursors (name, value) VALUES (?, ?)", (CURSOR_DAILY, last_ran))
    profile.parts.scheduler.run_due()


def _triggers(controller) -> list[str]:
    return [run.trigger for run in controller.window.history.model.runs]
