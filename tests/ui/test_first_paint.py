"""The window's first paint reads the database alone: the Dashboard's figures, the table's first
rows and its count come before the tray, the launcher's background start (integrity check,
schedule, webhooks) and a first sync (its child process). Real ``AppLauncher``, SQLite file and
demo store over HTTP; order of events only, no time bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from backorder_desktop.app import AppLauncher
from backorder_desktop.app import open_profile
from backorder_desktop.domain.errors import DatabaseCorrupt
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.profile import Profile
from tests.adapters.storage.test_open_check import damage_a_middle_page
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui
DEMO_PRODUCTS = 200  # the demo_store fixture's catalog


class RecordingLauncher(AppLauncher):
    """The app's launcher, noting when the window asks it to start a profile's background work."""

    def __init__(self, home: str, token: str, events: list[str]) -> None:
        super().__init__(home, env_token=token)
        self.events = events

    def start_background(self, profile: Profile) -> None:
        self.events.append("background")  # on a worker: list.append is atomic
        super().start_background(profile)
        self.events.append("background started")


def _synced(home: str, token: str) -> Path:
    """Fill the profile at ``home`` with the demo store's products; returns its database file."""
    filled = open_profile(home, env_token=token)
    try:
        assert filled.sync(trigger=RunTrigger.CLI).outcome is RunOutcome.OK
        return Path(filled.info.database_path)
    finally:
        filled.close()


def _record(controller, events: list[str]) -> None:
    window = controller.window
    model = window.products.model
    model.query_answered.connect(lambda _s: events.append("rows"))
    model.count_changed.connect(lambda count: events.append("count") if count else None)
    window.dashboard.shown.connect(lambda: events.append("dashboard"))
    controller.tray.shown.connect(lambda: events.append("tray"))

    def adopted(_profile: object) -> None:
        controller.bridge.state_changed.connect(
            lambda state: events.append("syncing") if state is SyncState.SYNCING else None
        )

    controller.profile_adopted.connect(adopted)


def test_the_first_rows_count_and_figures_are_painted_before_tray_and_background_start(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    _synced(connected_home, demo_store.token)
    events: list[str] = []
    controller = make_controller(RecordingLauncher(connected_home, demo_store.token, events), tray=True)
    _record(controller, events)

    controller.start()
    qtbot.waitUntil(lambda: {"tray", "background"} <= set(events), timeout=20_000)
    wait_idle(qtbot, controller)

    painted = [events.index(what) for what in ("rows", "count", "dashboard")]
    started = [events.index(what) for what in ("tray", "background")]
    assert max(painted) < min(started), events
    assert controller.window.products.model.rowCount() == DEMO_PRODUCTS
    assert controller.window.isVisible() and controller.window.dashboard.has_chart()
    assert "syncing" not in events  # a profile with products starts no sync of its own
    assert controller.profile is not None and controller.profile.next_run() is not None  # scheduled


def test_a_first_sync_starts_only_after_the_empty_window_is_painted(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    events: list[str] = []
    controller = make_controller(RecordingLauncher(connected_home, demo_store.token, events))
    _record(controller, events)

    controller.start()
    qtbot.waitUntil(lambda: "syncing" in events and "background" in events, timeout=20_000)
    wait_idle(qtbot, controller, timeout=30_000)

    assert events.index("rows") < events.index("syncing"), events
    assert events.index("dashboard") < events.index("syncing"), events
    assert events.index("rows") < events.index("background"), events
    assert controller.window.products.model.rowCount() == DEMO_PRODUCTS  # the first sync filled it


def test_a_database_damaged_since_its_last_check_is_told_after_the_first_paint_and_nothing_starts(
    qtbot, connected_home, demo_store, make_controller
) -> None:
    damage_a_middle_page(_synced(connected_home, demo_store.token))
    events: list[str] = []
    controller = make_controller(RecordingLauncher(connected_home, demo_store.token, events))
    told: list[str] = []
    controller.router.message_shown.connect(lambda title, _message: told.append(title))

    controller.start()
    qtbot.waitUntil(lambda: "background" in events and DatabaseCorrupt.title in told, timeout=20_000)
    wait_idle(qtbot, controller)

    assert "background started" not in events  # the check refused it: no schedule, no webhooks
    assert controller.profile is not None and controller.window.isVisible()
