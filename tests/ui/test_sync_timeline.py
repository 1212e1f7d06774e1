"""The History page's sync timeline: one bar per run of the runs table in its row (manual, automatic,
daily, feed), failures red, the daily times in ERP mode with a missed one joined to its catch-up,
and hovering a bar names its run — over the window's real demo profile."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from PySide6.QtCore import QPointF

from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock_history import TimelineLane
from backorder_desktop.ui.charts.stock_chart import epoch_ms
from backorder_desktop.ui.charts.sync_timeline import FAILED
from backorder_desktop.ui.charts.sync_timeline import OK
from backorder_desktop.ui.charts.sync_timeline import PROBLEMS
from backorder_desktop.ui.charts.sync_timeline import row_of
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui

RECORDED = (
    # kind, trigger, outcome, hours ago
    (RunKind.AUTOMATIC, RunTrigger.POLL, RunOutcome.FAILED, 50),
    (RunKind.AUTOMATIC, RunTrigger.DAILY_CATCH_UP, RunOutcome.OK, 30),
    (RunKind.MANUAL, RunTrigger.FEED, RunOutcome.REFUSED, 20),
    (RunKind.MANUAL, RunTrigger.BUTTON, RunOutcome.PARTIAL, 10),
    (RunKind.AUTOMATIC, RunTrigger.DAILY, RunOutcome.OK, 5),
)
LANES = {
    RunTrigger.POLL: TimelineLane.AUTOMATIC,
    RunTrigger.DAILY_CATCH_UP: TimelineLane.DAILY,
    RunTrigger.DAILY: TimelineLane.DAILY,
    RunTrigger.FEED: TimelineLane.FEED,
    RunTrigger.BUTTON: TimelineLane.MANUAL,
}


def _record(profile) -> None:
    mirror = profile.parts.mirror
    now = datetime.now(UTC)
    for kind, trigger, outcome, hours in RECORDED:
        at = now - timedelta(hours=hours)
        run_id = mirror.start_run(kind=kind, trigger=trigger, mode=InventorySource.ERP, full=False, at=at)
        failed = outcome in (RunOutcome.FAILED, RunOutcome.REFUSED)
        mirror.finish_run(
            run_id,
            outcome=outcome,
            counts=RunCounts(),
            at=at + timedelta(minutes=3),
            problems=[],
            error=Offline("The store could not be reached.") if failed else None,
        )


def test_the_timeline_draws_a_bar_per_run_of_the_runs_table(qtbot, demo) -> None:
    profile = demo.profile
    profile.save_settings({"inventory-source": "erp"})
    _record(profile)
    window = demo.window
    window.tabs.setCurrentWidget(window.history)
    demo.load_history()
    view = window.history.timeline
    qtbot.waitUntil(lambda: view.shown is not None and len(view.shown.bars) >= len(RECORDED), timeout=20_000)
    wait_idle(qtbot, demo)
    timeline = view.shown
    assert timeline is not None
    runs = [r for r in profile.history(limit=500) if r.started_at >= timeline.start]
    expected = []
    for run in runs:
        group = FAILED if run.outcome in (RunOutcome.FAILED, RunOutcome.REFUSED) else OK
        group = PROBLEMS if run.outcome is RunOutcome.PARTIAL else group
        lane = LANES.get(
            run.trigger, TimelineLane.MANUAL if run.kind is RunKind.MANUAL else TimelineLane.AUTOMATIC
        )
        expected.append((lane, group, max(epoch_ms(run.started_at), epoch_ms(timeline.start))))
    assert view.drawn_bars() == sorted(expected, key=lambda bar: bar[2])
    recorded = [
        bar for bar in view.drawn_bars() if bar[2] >= epoch_ms(datetime.now(UTC) - timedelta(hours=51))
    ]
    assert [(lane, group) for lane, group, _ in recorded[:5]] == [
        (TimelineLane.AUTOMATIC, FAILED),
        (TimelineLane.DAILY, OK),
        (TimelineLane.FEED, FAILED),
        (TimelineLane.MANUAL, PROBLEMS),
        (TimelineLane.DAILY, OK),
    ]

    # The daily times: the missed ones hollow, the catch-up joined to the time it made up for.
    assert len(view.slots.points()) + len(view.missed.points()) == len(timeline.daily_slots) >= 13
    catch_up = next(b for b in timeline.bars if b.run.trigger is RunTrigger.DAILY_CATCH_UP)
    assert catch_up.missed_slot is not None
    assert view.links() == [(epoch_ms(catch_up.missed_slot), epoch_ms(catch_up.start))]
    assert epoch_ms(catch_up.missed_slot) in [p.x() for p in view.missed.points()]

    failed = next(b for b in timeline.bars if b.run.trigger is RunTrigger.FEED)
    area = view.areas[TimelineLane.FEED, FAILED]
    area.hovered.emit(QPointF(epoch_ms(failed.start) + 1000, row_of(TimelineLane.FEED)), True)
    assert view.hover_text.startswith("Feed sync (") and "Offline" in view.hover_text
    view.areas[TimelineLane.DAILY, OK].hovered.emit(
        QPointF(epoch_ms(catch_up.start), row_of(TimelineLane.DAILY)), True
    )
    assert "Caught up the daily sync missed at" in view.hover_text


def test_the_timeline_takes_the_dark_palette(qtbot) -> None:
    from PySide6.QtGui import QColor
    from PySide6.QtGui import QPalette

    from backorder_desktop.ui.charts.sync_timeline import SyncTimelineView

    view = SyncTimelineView()
    qtbot.addWidget(view)
    light_ok = view.areas[TimelineLane.DAILY, OK].brush().color()
    dark = QPalette(view.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    view.setPalette(dark)
    assert view.colours.dark and view.chart().backgroundBrush().color() == QColor("#1e1e1e")
    assert view.areas[TimelineLane.DAILY, OK].brush().color() == view.colours.accent != light_ok
    assert view.areas[TimelineLane.FEED, FAILED].brush().color() == view.colours.failure
    assert view.lane_axis.categoriesLabels() == ["Feed", "Daily", "Automatic", "Manual"]
