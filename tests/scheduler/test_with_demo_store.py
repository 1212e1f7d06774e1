"""The scheduler over the real engine, SQLite mirror and demo store (HTTP on loopback): polling
picks up a change made in the store, a missed daily run is recorded as a catch-up, and the
``service`` and ``status`` commands show and run the same schedule."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import IO

import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.schedule_rules import CURSOR_DAILY
from backorder_desktop.services.schedule_rules import latest_slot
from backorder_desktop.services.scheduler import SyncScheduler
from tests.integration.cli_runner import run_cli
from tests.integration.support import connect_context
from tests.scheduler.conftest import BERLIN
from tests.scheduler.conftest import TimeMachine


@pytest.fixture
def context(home: str, demo_store: DemoStore) -> Iterator[Profile]:
    made = connect_context(home, demo_store)
    made.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")
    yield made
    made.close()


def _scheduler(context: Profile, clock: TimeMachine) -> SyncScheduler:
    return SyncScheduler(
        engine=context.parts.engine,
        mirror=context.parts.mirror,
        clock=clock,
        events=context.parts.events,
        zone=BERLIN,
        monotonic=clock.monotonic,
    )


def test_polling_picks_up_a_product_changed_in_the_store(context: Profile, demo_store: DemoStore) -> None:
    clock = TimeMachine(datetime.now(UTC))
    scheduler = _scheduler(context, clock)
    try:
        product_id = demo_store.catalog.product_ids()[17]
        demo_store.catalog.update_product(product_id, name="Renamed In The Control Panel")
        assert scheduler.run_due() == []  # not due yet: the manual sync just ran
        clock.advance(timedelta(minutes=5))
        assert [claim.trigger for claim in scheduler.run_due()] == ["poll"]
    finally:
        scheduler.shutdown()
    product = context.parts.mirror.get_product(product_id)
    assert product is not None and product.name == "Renamed In The Control Panel"
    run = context.parts.mirror.runs(limit=1)[0]
    assert (run.kind, run.trigger, run.full, run.counts.changed) == (RunKind.AUTOMATIC, "poll", False, 1)


def test_a_missed_daily_run_is_recorded_as_a_catch_up(context: Profile, home: str) -> None:
    context.parts.catalog.set_setting("inventory-source", "erp")
    clock = TimeMachine(datetime.now(UTC))
    two_days_ago = latest_slot(clock.now(), context.parts.mirror.load_settings().daily_sync_time, BERLIN)
    context.parts.mirror.set_cursor(CURSOR_DAILY, (two_days_ago - timedelta(days=2)).isoformat())
    scheduler = _scheduler(context, clock)
    try:
        assert [claim.trigger for claim in scheduler.run_due()] == ["daily-catch-up"]
        assert scheduler.run_due() == []
    finally:
        scheduler.shutdown()
    run = context.parts.mirror.runs(limit=1)[0]
    assert (run.kind, run.trigger, run.full, run.outcome.value) == (
        RunKind.AUTOMATIC,
        "daily-catch-up",
        True,
        "ok",
    )
    assert context.parts.mirror.get_cursor(CURSOR_DAILY) == two_days_ago.isoformat()
    history = run_cli(home, "history", "--json", env={"BACKORDER_DESKTOP_TOKEN": "unused"}).json()
    assert [(h["kind"], h["trigger"]) for h in history[:1]] == [("automatic", "daily-catch-up")]


def test_status_shows_the_next_run_and_what_it_will_do(context: Profile, home: str) -> None:
    # Set in the computer's zone too: a mode switch settles the daily slot in the zone of the process
    # that makes it, and a slot settled in UTC would leave Berlin's 01:00 to catch up between 00:00
    # and 01:00 UTC.
    berlin = {"TZ": "Europe/Berlin"}  # the computer's zone: the daily time is local time
    run_cli(home, "settings", "set", "inventory-source", "erp", env=berlin)
    run_cli(home, "settings", "set", "polling-interval", "1440", env=berlin)
    status = run_cli(home, "status", "--json", env=berlin).json()
    assert status["next_scheduled_job"] == "daily full sync (ERP mode)"
    at = datetime.fromisoformat(status["next_scheduled_run"])
    assert at.astimezone(BERLIN).strftime("%H:%M") == "01:00"
    text = run_cli(home, "status", env=berlin).stdout
    assert "Next scheduled run: " in text and ", daily full sync (ERP mode)" in text


def _lines(stream: IO[str]) -> tuple[queue.Queue[str], threading.Thread]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return lines, thread


def _wait_for(lines: queue.Queue[str], needle: str, seen: list[str], timeout: float = 30.0) -> str:
    while True:
        line = lines.get(timeout=timeout)
        seen.append(line)
        if needle in line:
            return line


def test_service_runs_headless_and_stops_on_sigterm(
    context: Profile, home: str, demo_store: DemoStore
) -> None:
    context.parts.catalog.set_setting("inventory-source", "erp")
    slot = latest_slot(datetime.now(UTC), context.parts.mirror.load_settings().daily_sync_time, BERLIN)
    # missed: runs at once
    context.parts.mirror.set_cursor(CURSOR_DAILY, (slot - timedelta(days=3)).isoformat())
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    env.update(BACKORDER_DESKTOP_TOKEN=demo_store.token, TZ="Europe/Berlin")
    seen: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "backorder_desktop", "--home", home, "service"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    ) as process:
        lines, pump = _lines(process.stdout)  # type: ignore[arg-type]
        try:
            _wait_for(lines, "Service running for demo", seen)
            _wait_for(lines, "Next scheduled run:", seen)
            ran = _wait_for(lines, "automatic/daily-catch-up full ok", seen)
            assert "200 seen" in ran
            process.send_signal(signal.SIGTERM)
            _wait_for(lines, "Service stopped.", seen)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            pump.join(10)
    history = context.parts.mirror.runs(limit=1)
    assert [(r.trigger, r.full) for r in history] == [("daily-catch-up", True)]


def test_service_once_runs_what_is_due_and_exits(context: Profile, home: str, demo_store: DemoStore) -> None:
    context.parts.catalog.set_setting("inventory-source", "erp")
    context.parts.mirror.set_cursor(CURSOR_DAILY, (datetime.now(UTC) - timedelta(days=5)).isoformat())
    result = run_cli(home, "service", "--once", env={"BACKORDER_DESKTOP_TOKEN": demo_store.token})
    assert result.code == 0, result.stderr
    assert "automatic/daily-catch-up full ok" in result.stdout
    assert "1 scheduled job was due." in result.stdout
    again = run_cli(home, "service", "--once", env={"BACKORDER_DESKTOP_TOKEN": demo_store.token})
    assert "0 scheduled jobs were due." in again.stdout
