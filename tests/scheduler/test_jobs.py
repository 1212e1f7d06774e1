"""Polling, the feed pull, retries with backoff, pausing, other processes and settings: what the
scheduler runs when, on a test clock; and the real-time half (APScheduler) once, briefly."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.services.catalog import CatalogService
from backorder_desktop.services.feed import ApplyReport
from backorder_desktop.services.schedule_rules import CURSOR_DAILY
from backorder_desktop.services.scheduler import JobKind
from tests.scheduler.conftest import BERLIN
from tests.scheduler.conftest import Kit
from tests.scheduler.conftest import local

MakeKit = Callable[..., Kit]
START = local(BERLIN, 2026, 6, 1, 9, 0)


def _feed_pulls() -> tuple[list[datetime], Callable[[], ApplyReport]]:
    pulls: list[datetime] = []

    def pull() -> ApplyReport:
        pulls.append(datetime.now(UTC))
        return ApplyReport(rows=3)

    return pulls, pull


def test_polling_runs_at_its_interval_and_follows_the_setting(make_kit: MakeKit) -> None:
    kit = make_kit(START, settings={"polling-interval": "5"})
    ran = kit.run_until(START + timedelta(minutes=30))
    assert [at[-5:] for at, trigger in ran if trigger == "poll"] == [
        "09:05", "09:10", "09:15", "09:20", "09:25", "09:30"
    ]  # fmt: skip
    kit.set("polling-interval", "15")
    ran = kit.run_until(START + timedelta(minutes=75))
    assert [at[-5:] for at, _ in ran] == ["09:45", "10:00", "10:15"]


def test_a_manual_sync_pushes_the_next_poll_back(make_kit: MakeKit) -> None:
    kit = make_kit(START, settings={"polling-interval": "10"})
    kit.clock.advance(timedelta(minutes=8))
    kit.engine.sync(kind=RunKind.MANUAL, trigger="button")
    ran = kit.run_until(START + timedelta(minutes=25))
    assert [at[-5:] for at, _ in ran] == ["09:18"]


def test_the_feed_job_exists_only_in_api_mode_at_its_frequency(make_kit: MakeKit) -> None:
    pulls, pull = _feed_pulls()
    kit = make_kit(START, settings={"feed-url": "https://erp.example/stock.csv"}, feed_pull=pull)
    assert JobKind.FEED not in [job.kind for job in kit.scheduler.jobs()]
    kit.run_until(START + timedelta(hours=2))
    assert pulls == []

    kit.set("inventory-source", "api")
    kit.set("feed-interval", "30")
    assert JobKind.FEED in [job.kind for job in kit.scheduler.jobs()]
    ran = kit.run_until(START + timedelta(hours=4))
    feed = [at[-5:] for at, trigger in ran if trigger == "feed"]
    assert feed == ["11:01", "11:31", "12:01", "12:31"]
    assert len(pulls) == 4
    assert [run.counts.seen for run in kit.mirror.runs() if run.trigger == "feed"][:1] == [3]

    kit.set("inventory-source", "erp")
    kit.run_until(START + timedelta(hours=6))
    assert len(pulls) == 4


def test_the_feed_interval_survives_a_restart(make_kit: MakeKit) -> None:
    _pulls, pull = _feed_pulls()
    settings = {"inventory-source": "api", "feed-url": "https://erp.example/f.csv", "feed-interval": "60"}
    kit = make_kit(START, settings=settings, feed_pull=pull)
    assert [c.trigger for c in kit.scheduler.run_due()] == ["feed"]  # never pulled: at once
    kit.clock.advance(timedelta(minutes=20))
    kit.restart(feed_pull=pull)
    assert kit.scheduler.run_due() == []
    ran = kit.run_until(START + timedelta(minutes=61))
    assert [at[-5:] for at, _ in ran] == ["10:00"]


def test_offline_runs_are_retried_with_backoff_then_polling_resumes(make_kit: MakeKit) -> None:
    kit = make_kit(START, settings={"polling-interval": "60"})
    kit.engine.fail_with = Offline("No connection to BigCommerce.")
    kit.clock.advance(timedelta(minutes=60))
    assert [c.trigger for c in kit.scheduler.run_due()] == ["poll"]
    ran = kit.run_until(START + timedelta(minutes=70), step=timedelta(seconds=5))
    gaps = [at[-5:] for at, _ in ran]
    # 30 s, 1, 2, 4 and then at most 5 minutes apart: 10:00:30, 10:01:30, 10:03:30, 10:07:30
    assert [t for _, t in ran] == ["retry"] * len(ran)
    assert gaps == ["10:00", "10:01", "10:03", "10:07"]
    kit.engine.fail_with = None
    ran = kit.run_until(START + timedelta(minutes=140), step=timedelta(seconds=30))
    assert [trigger for _, trigger in ran] == ["retry", "poll"]  # back on the interval once it worked


def test_changes_not_written_offline_are_retried(make_kit: MakeKit) -> None:
    kit = make_kit(START, settings={"polling-interval": "60"})
    kit.engine.problems = [ItemProblem("waiting changes", Offline.title, "No connection.", Offline.kind)]
    kit.clock.advance(timedelta(minutes=60))
    kit.scheduler.run_due()
    ran = kit.run_until(START + timedelta(minutes=62), step=timedelta(seconds=10))
    assert [trigger for _, trigger in ran] == ["outbox-retry", "outbox-retry"]
    kit.engine.problems = []
    ran = kit.run_until(START + timedelta(minutes=100), step=timedelta(seconds=10))
    assert [trigger for _, trigger in ran] == ["outbox-retry"]


def test_a_sync_held_by_another_process_is_skipped_quietly(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 55), settings={"inventory-source": "erp"})
    kit.scheduler.run_due()
    kit.engine.refuse = True  # the CLI is syncing this profile
    kit.run_until(local(BERLIN, 2026, 6, 1, 1, 3))
    assert kit.engine.calls == []
    assert kit.mirror.get_cursor(CURSOR_DAILY) == local(BERLIN, 2026, 5, 31, 1, 0).isoformat()
    kit.engine.refuse = False  # it finished: the daily run happens now, once
    ran = kit.run_until(local(BERLIN, 2026, 6, 1, 2, 0))
    assert ran == [("2026-06-01 01:04", "daily")]


def test_pausing_stops_polling_and_resuming_polls_at_once(make_kit: MakeKit) -> None:
    kit = make_kit(START, settings={"polling-interval": "5"})
    kit.scheduler.set_paused(True)
    assert kit.run_until(START + timedelta(minutes=30)) == []
    assert kit.scheduler.describe() == "paused"
    kit.scheduler.set_paused(False)
    assert [c.trigger for c in kit.scheduler.run_due()] == ["poll"]


def test_no_store_connected_means_nothing_runs(make_kit: MakeKit, tmp_path: Path) -> None:
    kit = make_kit(START, settings={"polling-interval": "5"}, connected=lambda: False)
    assert kit.run_until(START + timedelta(minutes=30)) == []
    assert kit.scheduler.next_run() is None


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("daily-sync-time", "25:00", "HH:MM"),
        ("daily-sync-time", "1 am", "HH:MM"),
        ("polling-interval", "0", "between 1 and"),
        ("polling-interval", "often", "whole number"),
        ("feed-interval", "2", "between 5 and"),
        ("webhook-port", "80", "between 1024 and 65535"),
        ("webhook-bind", "everywhere", "IP address"),
        ("webhook-public-url", "http://shop.example/hooks", "only to https"),
        ("webhook-public-url", "https://shop.example:8443/hooks", "port 443"),
    ],
)
def test_an_invalid_time_or_frequency_is_refused_with_the_reason(
    make_kit: MakeKit, name: str, text: str, reason: str
) -> None:
    kit = make_kit(START)
    catalog = CatalogService(
        mirror=kit.mirror,
        clock=kit.clock,
        keyring_backend=lambda: None,
        settings_saved=kit.scheduler.reschedule,
    )
    before = kit.scheduler.jobs()
    with pytest.raises(InvalidSetting) as refused:
        catalog.set_setting(name, text)
    assert reason in refused.value.message
    assert kit.scheduler.jobs() == before


def test_a_bad_time_in_the_settings_file_is_refused_and_the_default_kept(
    make_kit: MakeKit, tmp_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 30), settings={"inventory-source": "erp"})
    with sqlite3.connect(tmp_path / "mirror.db") as raw:
        raw.execute("UPDATE settings SET value = '26:61' WHERE key = 'daily-sync-time'")
    kit.scheduler.reschedule()
    kit.run_until(local(BERLIN, 2026, 6, 1, 1, 30))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily")]  # the default time
    assert any("26:61" in r.getMessage() and "HH:MM" in r.getMessage() for r in expected_warnings)


def test_settings_saved_by_another_process_are_picked_up(make_kit: MakeKit) -> None:
    kit = make_kit(START, settings={"polling-interval": "60"})
    settings: Settings = with_setting(kit.mirror.load_settings(), "polling-interval", "5")
    kit.mirror.save_settings(settings)  # the CLI, without telling this scheduler
    ran = kit.run_until(START + timedelta(minutes=8))
    assert [at[-5:] for at, _ in ran] == ["09:05"]


def test_next_run_says_what_it_will_do(make_kit: MakeKit) -> None:
    kit = make_kit(START, settings={"inventory-source": "erp", "polling-interval": "1440"})
    upcoming = kit.scheduler.next_run()
    assert upcoming is not None and upcoming.kind is JobKind.DAILY
    assert upcoming.at == local(BERLIN, 2026, 6, 2, 1, 0)
    assert upcoming.description == "daily full sync (ERP mode)"


def test_apscheduler_ticks_in_real_time_and_runs_jobs_off_the_callers_thread(make_kit: MakeKit) -> None:
    """The production half, briefly: start() ticks at once (no waiting for a schedule) and runs a due
    job on APScheduler's worker; shutdown() waits for it."""
    kit = make_kit(local(BERLIN, 2026, 6, 1, 9, 0), settings={"inventory-source": "erp"})
    kit.mirror.set_cursor(CURSOR_DAILY, local(BERLIN, 2026, 5, 30, 1, 0).isoformat())  # missed yesterday
    ran = threading.Event()
    threads: list[str] = []
    kit.events.subscribe(
        "run_finished", lambda run: (threads.append(threading.current_thread().name), ran.set())
    )
    kit.scheduler.start()
    assert ran.wait(10)
    kit.scheduler.shutdown()
    assert kit.daily_runs() == [("2026-06-01 09:00", "daily-catch-up")]
    assert threads and threads[0] != threading.current_thread().name


def test_a_shutdown_between_running_a_one_shot_job_and_removing_it_is_not_an_error() -> None:
    """APScheduler's loop runs a due one-shot job, then removes it; a shutdown() in between (the app
    quitting just as a scheduled sync was handed over) made that removal raise in its thread."""
    from apscheduler.schedulers.base import STATE_PAUSED
    from apscheduler.schedulers.base import STATE_STOPPED

    from backorder_desktop.services.steady_scheduler import MAX_WAIT_S
    from backorder_desktop.services.steady_scheduler import SteadyScheduler

    ran = threading.Event()
    aps = SteadyScheduler(timezone=UTC)
    aps.add_job(ran.set, next_run_time=datetime.now(UTC), id="once")
    aps.start(paused=True)  # the job is in its store; the loop does not run it while paused
    try:
        aps.state = STATE_STOPPED  # as shutdown() leaves it, with the loop still mid-iteration
        assert aps._process_jobs() == MAX_WAIT_S
        assert ran.wait(10)  # the job itself was handed over and ran
    finally:
        aps.state = STATE_PAUSED
        aps.shutdown()  # stops its loop and executors


def test_apscheduler_wakes_up_when_the_wall_clock_was_set_back(make_kit: MakeKit) -> None:
    """APScheduler waits for a wall-clock time; after the clock is set back that time is far away.
    The scheduler's subclass sees the jump (wall vs steady clock) and pulls the tick back to now."""
    from apscheduler.triggers.interval import IntervalTrigger

    from backorder_desktop.services.steady_scheduler import SteadyScheduler

    ticks: list[datetime] = []
    ticked = threading.Event()
    aps = SteadyScheduler(timezone=UTC)

    def tick() -> None:
        ticks.append(datetime.now(UTC))
        ticked.set()

    far = datetime.now(UTC) + timedelta(hours=1)  # as if set 1 h ahead before the clock went back
    aps.add_job(tick, IntervalTrigger(seconds=3600, timezone=UTC), id="tick", next_run_time=far)
    aps._steady_seen = (datetime.now(UTC) + timedelta(hours=1), time.monotonic())
    aps.start()
    try:
        assert ticked.wait(10)
    finally:
        aps.shutdown()
    assert len(ticks) == 1
