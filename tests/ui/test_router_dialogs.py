"""The error router's routes, the crash dialog, the log viewer, the About box and the wording helpers."""

from __future__ import annotations

import sys
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from backorder_desktop import __version__
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.errors import Maintenance
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.ui.dialogs.about_dialog import AboutDialog
from backorder_desktop.ui.dialogs.crash_dialog import CrashDialog
from backorder_desktop.ui.dialogs.log_viewer import LogViewer
from backorder_desktop.ui.error_router import RECONNECT_ADVICE
from backorder_desktop.ui.error_router import ErrorRouter
from backorder_desktop.ui.error_router import Route
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_duration
from backorder_desktop.ui.formatting import sync_button_tooltip
from backorder_desktop.ui.formatting import time_ago
from tests.recorded_runs import recorded_run

pytestmark = pytest.mark.gui

NOW = datetime(2025, 3, 4, 10, 14, tzinfo=UTC)


@pytest.fixture
def router(qtbot, tmp_path):
    router = ErrorRouter()
    router.log_dir = str(tmp_path)
    yield router
    for dialog in router.open_dialogs():
        dialog.close()


def test_user_errors_become_a_message_box_with_title_and_message(qtbot, router) -> None:
    with qtbot.waitSignal(router.message_shown, timeout=1000) as blocker:
        route = router.route(InvalidSetting("polling-interval must be between 1 and 1440 minutes, not 0."))
    assert route is Route.MESSAGE_BOX
    assert blocker.args == ["Invalid setting", "polling-interval must be between 1 and 1440 minutes, not 0."]
    boxes = [d for d in router.open_dialogs() if isinstance(d, QMessageBox)]
    assert len(boxes) == 1 and boxes[0].isVisible() and boxes[0].windowTitle() == "Invalid setting"


def test_rate_limits_and_maintenance_only_reach_the_status_bar(qtbot, router) -> None:
    posted: list[str] = []
    router.status_posted.connect(posted.append)
    assert router.route(RateLimited("The store's API quota is used up; retrying in 20 s.")) is Route.STATUS
    assert router.route(Maintenance("The store is in maintenance; the app retries later.")) is Route.STATUS
    assert posted[0].startswith("Rate limited · ") and posted[1].startswith("Store unavailable · ")
    assert router.open_dialogs() == []


def test_a_bug_opens_the_crash_dialog_with_a_copyable_report(qtbot, router, expected_warnings) -> None:
    reports: list[str] = []
    router.crash_reported.connect(reports.append)
    try:
        raise ZeroDivisionError("a bug of ours")
    except ZeroDivisionError:
        router.handle_uncaught(*sys.exc_info())
    assert router.last_route is Route.CRASH_DIALOG
    dialog = next(d for d in router.open_dialogs() if isinstance(d, CrashDialog))
    assert "ZeroDivisionError: a bug of ours" in dialog.report
    assert f"BackOrder Desktop {__version__}" in dialog.report
    assert router.log_dir in dialog.report
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.report
    assert reports == [dialog.report]
    assert [r.levelname for r in expected_warnings] == ["ERROR"]


def test_a_failed_automatic_run_is_routed_and_notified(qtbot, router) -> None:
    notes: list[tuple[str, str, bool]] = []
    router.notifier = lambda title, message, problem: notes.append((title, message, problem))
    run = recorded_run(
        error_title="Disk full",
        error_message="Could not save the sync: the disk is full. Nothing was lost.",
        error_kind=ErrorKind.DISK_FULL,
    )
    router.route_failed_run(run)
    assert notes == [("Sync failed: Disk full", run.error_message, True)]


def test_log_viewer_shows_the_end_of_the_log(qtbot, tmp_path) -> None:
    from backorder_desktop.ui.workers import BackgroundRunner

    runner = BackgroundRunner()
    (tmp_path / "backorder-desktop.log").write_text("first line\nINFO the last line\n", encoding="utf-8")
    viewer = LogViewer(str(tmp_path), runner)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: "the last line" in viewer.text.toPlainText(), timeout=5000)
    assert "backorder-desktop.log" in viewer.path_label.text()
    viewer.close()
    qtbot.waitUntil(runner.is_idle, timeout=5000)


def test_about_box_lists_version_paths_and_keyring(qtbot, fake_launcher) -> None:
    profile = fake_launcher.open_demo()
    about = AboutDialog(profile.info, profile.status().keyring_backend)
    qtbot.addWidget(about)
    facts = dict(about.facts)
    assert facts["Version"] == __version__
    assert facts["Keyring"] == "memory (tests)"
    assert facts["Log"] == profile.info.log_dir and facts["Database"] == profile.info.database_path


def test_wording_in_the_users_terms() -> None:
    assert sync_button_tooltip(None) == "No manual sync yet"
    text = sync_button_tooltip(NOW - timedelta(seconds=20), NOW)
    assert text.startswith("Last manual sync: ") and text.endswith("(just now)")
    assert time_ago(NOW - timedelta(minutes=5), NOW) == "5 minutes ago"
    assert time_ago(NOW - timedelta(hours=1, minutes=3), NOW) == "1 hour ago"
    assert time_ago(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert format_count(120000) in ("120,000", "120.000", "120 000", "120\u202f000", "120\xa0000")
    assert format_duration(timedelta(seconds=185)) == "3 min 05 s"
    assert format_duration(timedelta(seconds=0.4)) == "0.4 s"


def test_a_background_run_refused_for_its_token_reopens_the_connection(qtbot, router) -> None:
    asked: list[object] = []
    router.reconnect_requested.connect(asked.append)
    run = recorded_run(
        error_title="BigCommerce refused the token",
        error_message="The token was revoked. Connect again with a new token.",
        error_kind=ErrorKind.AUTH,
    )
    router.route_failed_run(run)
    assert router.last_route is Route.CONNECTION_DIALOG
    assert asked and asked[0].message == run.error_message


def _recorded(kind: ErrorKind, title: str) -> SyncRun:
    return recorded_run(error_kind=kind, error_title=title, error_message="No connection to BigCommerce.")


def test_recorded_runs_are_routed_by_their_kind_not_their_title(qtbot, router) -> None:
    offline: list[bool] = []
    asked: list[object] = []
    notes: list[tuple[str, str, bool]] = []
    router.offline_detected.connect(lambda: offline.append(True))
    router.reconnect_requested.connect(asked.append)
    router.notifier = lambda title, message, problem: notes.append((title, message, problem))

    router.route_failed_run(_recorded(ErrorKind.OFFLINE, "Proxy unreachable"))  # its own words
    assert (router.last_route, offline, notes) == (Route.STATUS, [True], [])  # offline: no notification

    router.route_failed_run(_recorded(ErrorKind.AUTH, "Token expired"))
    assert router.last_route is Route.CONNECTION_DIALOG
    assert [(type(e).__name__, e.title) for e in asked] == [("AuthError", "Token expired")]

    router.last_route = None
    router.route_failed_run(_recorded(ErrorKind.USER, "Offline"))  # a look-alike title: status only
    assert (router.last_route, offline, len(asked)) == (None, [True], 1)
    assert notes == [
        ("Sync failed: Token expired", RECONNECT_ADVICE, True),  # the window's words for a refused token
        ("Sync failed: Offline", "No connection to BigCommerce.", True),
    ]
