"""The daily full sync (erp mode): at the set local time, once a day, DST days included; missed runs
caught up once at start and after a wake-up; a clock set back never repeats one. Time is a test clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from backorder_desktop.services.schedule_rules import CURSOR_DAILY
from backorder_desktop.services.scheduler import JobKind
from tests.scheduler.conftest import BERLIN
from tests.scheduler.conftest import Kit
from tests.scheduler.conftest import local

MakeKit = Callable[..., Kit]
ERP = {"inventory-source": "erp"}


def _daily_job(kit: Kit) -> datetime:
    return next(job.at for job in kit.scheduler.jobs() if job.kind is JobKind.DAILY)


def test_daily_fires_at_0100_local_and_moves_when_the_setting_changes(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 0), settings=ERP)
    assert [job.kind for job in kit.scheduler.jobs()] == [JobKind.DAILY, JobKind.POLL]
    assert kit.scheduler.next_run().at == local(BERLIN, 2026, 6, 1, 1, 0)  # type: ignore[union-attr]

    kit.run_until(local(BERLIN, 2026, 6, 1, 12, 0))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily")]

    kit.set("daily-sync-time", "02:30")  # at noon: today's 02:30 is past, so the next is tomorrow's
    assert _daily_job(kit) == local(BERLIN, 2026, 6, 2, 2, 30)
    kit.run_until(local(BERLIN, 2026, 6, 3, 0, 0))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily"), ("2026-06-02 02:30", "daily")]


def test_the_daily_job_exists_only_in_erp_mode(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 0))
    assert [job.kind for job in kit.scheduler.jobs()] == [JobKind.POLL]
    kit.run_until(local(BERLIN, 2026, 6, 2, 0, 0), step=timedelta(minutes=5))
    assert kit.daily_runs() == []

    kit.set("inventory-source", "erp")  # switching mode never runs a slot that is already past
    assert JobKind.DAILY in [job.kind for job in kit.scheduler.jobs()]
    kit.run_until(local(BERLIN, 2026, 6, 2, 1, 30), step=timedelta(minutes=5))
    assert kit.daily_runs() == [("2026-06-02 01:00", "daily")]

    kit.set("inventory-source", "bigcommerce")
    kit.run_until(local(BERLIN, 2026, 6, 4, 0, 0), step=timedelta(minutes=5))
    assert len(kit.daily_runs()) == 1


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # spring forward (02:00 → 03:00): 02:30 does not exist that night and runs at 03:30 new time
        (BERLIN, (2026, 3, 29), "02:30", "2026-03-29 03:30"),
        (BERLIN, (2026, 3, 29), "01:00", "2026-03-29 01:00"),
        (BERLIN, (2026, 3, 29), "03:00", "2026-03-29 03:00"),
        # fall back (03:00 → 02:00): 02:30 happens twice that night and runs at the first one
        (BERLIN, (2026, 10, 25), "02:30", "2026-10-25 02:30"),
        (BERLIN, (2026, 10, 25), "01:00", "2026-10-25 01:00"),
        (ZoneInfo("America/New_York"), (2026, 3, 8), "02:30", "2026-03-08 03:30"),
        (ZoneInfo("America/New_York"), (2026, 11, 1), "01:30", "2026-11-01 01:30"),
    ],
)
def test_a_dst_change_day_has_exactly_one_daily_run(
    make_kit: MakeKit, zone: ZoneInfo, day: tuple[int, int, int], at: str, expected: str
) -> None:
    kit = make_kit(
        local(zone, *day, 0, 0) - timedelta(hours=12), zone=zone, settings={**ERP, "daily-sync-time": at}
    )
    kit.run_until(local(zone, *day, 0, 0) + timedelta(hours=36), step=timedelta(minutes=5))
    runs = [run for run in kit.daily_runs() if run[0].startswith(expected[:10])]
    assert runs == [(expected, "daily")]
    first_occurrence = local(zone, *day, 1, 30, fold=0) if expected.endswith("01:30") else None
    if first_occurrence is not None:  # the repeated 01:30 in New York: the first one, not the second
        assert kit.engine.calls[0][2] == first_occurrence


def test_a_missed_run_is_caught_up_once_at_start(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 50), settings=ERP)
    kit.run_until(local(BERLIN, 2026, 6, 1, 2, 0))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily")]

    kit.scheduler.shutdown()  # the app is closed over night and started at 09:12 next day
    kit.clock.advance(local(BERLIN, 2026, 6, 2, 9, 12) - kit.clock.now())
    scheduler = kit.restart()
    ran = [claim.trigger for claim in scheduler.run_due()]
    assert ran == ["daily-catch-up"]
    kit.run_until(local(BERLIN, 2026, 6, 2, 23, 0))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily"), ("2026-06-02 09:12", "daily-catch-up")]
    history = [(run.trigger, run.full) for run in kit.mirror.runs() if run.full]
    assert history == [("daily-catch-up", True), ("daily", True)]  # recorded so, newest first

    kit.run_until(local(BERLIN, 2026, 6, 3, 1, 5))  # and the next night it runs on time again
    assert kit.daily_runs()[-1] == ("2026-06-03 01:00", "daily")


def test_several_missed_days_are_caught_up_by_one_run(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 50), settings=ERP)
    kit.run_until(local(BERLIN, 2026, 6, 1, 1, 10))
    kit.scheduler.shutdown()
    kit.clock.advance(timedelta(days=6))
    kit.restart()
    kit.run_until(kit.clock.now() + timedelta(hours=3))
    assert [trigger for _, trigger in kit.daily_runs()] == ["daily", "daily-catch-up"]


def test_a_missed_run_is_caught_up_once_after_a_wake_up(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 0), settings=ERP)
    kit.run_until(local(BERLIN, 2026, 6, 1, 0, 30))
    kit.clock.suspend(timedelta(hours=7, minutes=15))  # asleep from 00:30 to 07:45
    claims = kit.scheduler.run_due()
    # The wake-up is seen (the wall clock moved 7 h, the steady one did not): catch-up, no extra poll.
    assert [claim.trigger for claim in claims] == ["daily-catch-up"]
    assert kit.scheduler.run_due() == []
    kit.run_until(local(BERLIN, 2026, 6, 1, 23, 0))
    assert kit.daily_runs() == [("2026-06-01 07:45", "daily-catch-up")]
    assert [run.trigger for run in kit.mirror.runs() if run.full] == ["daily-catch-up"]


def test_a_wake_up_polls_at_once(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 9, 0), settings={"polling-interval": "30"})
    kit.run_until(local(BERLIN, 2026, 6, 1, 9, 10))
    assert kit.engine.calls == []
    kit.clock.suspend(timedelta(hours=2))
    assert [claim.trigger for claim in kit.scheduler.run_due()] == ["poll"]


def test_a_clock_set_back_never_runs_a_day_twice(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 50), settings={**ERP, "polling-interval": "10"})
    kit.run_until(local(BERLIN, 2026, 6, 1, 1, 30))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily")]
    polls = len(kit.engine.calls)

    kit.clock.set_back(timedelta(hours=2))  # 23:30 the evening before, again
    kit.run_until(local(BERLIN, 2026, 6, 1, 1, 30))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily")]
    assert len(kit.engine.calls) - polls >= 10  # polling went on through the repeated hours

    kit.clock.set_back(timedelta(days=30))  # far back: still no repeat, no crash
    kit.run_until(kit.clock.now() + timedelta(hours=3))
    assert kit.daily_runs() == [("2026-06-01 01:00", "daily")]


def test_a_cursor_left_by_a_clock_far_ahead_is_reset_without_a_run(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 12, 0), settings=ERP)
    kit.mirror.set_cursor(CURSOR_DAILY, local(BERLIN, 2030, 1, 1, 1, 0).isoformat())
    assert kit.scheduler.run_due() == []
    kit.run_until(local(BERLIN, 2026, 6, 2, 1, 5))
    assert kit.daily_runs() == [("2026-06-02 01:00", "daily")]


def test_a_daily_run_missed_while_paused_runs_on_resume(make_kit: MakeKit) -> None:
    kit = make_kit(local(BERLIN, 2026, 6, 1, 0, 0), settings=ERP)
    kit.scheduler.run_due()
    kit.scheduler.set_paused(True)
    assert kit.scheduler.next_run() is None
    kit.run_until(local(BERLIN, 2026, 6, 1, 8, 0))
    assert kit.engine.calls == []
    kit.scheduler.set_paused(False)
    assert [c.trigger for c in kit.scheduler.run_due()] == ["daily-catch-up"]
