"""Scheduler test kit: a time machine the test moves (wall and steady clocks), a recording engine over
the real SQLite mirror, and a scheduler wired to both. Nothing here waits in real time.

``TimeMachine.advance`` is time passing (both clocks move), ``suspend`` is the computer asleep (only
the wall clock moves, as CLOCK_MONOTONIC stands still in suspend), ``set_back`` a clock set back.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.storage.mirror_store import open_mirror
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import SyncInProgress
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.scheduler import SyncScheduler
from backorder_desktop.services.sync_engine import RunState

BERLIN = ZoneInfo("Europe/Berlin")


def local(zone: tzinfo, *args: int, fold: int = 0) -> datetime:
    """A local wall time in ``zone`` as an aware UTC instant."""
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


class TimeMachine:
    """The ``Clock`` port and a steady counter, both moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.wall = start.astimezone(UTC)
        self.steady = 10_000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.steady

    def advance(self, delta: timedelta) -> None:
        self.wall += delta
        self.steady += delta.total_seconds()

    def suspend(self, delta: timedelta) -> None:
        self.wall += delta

    def set_back(self, delta: timedelta) -> None:
        self.wall -= delta
        self.steady += 1.0


@dataclass
class RecordingEngine:
    """Stands in for ``SyncEngine``: each run is recorded in the mirror's history (as the engine
    records it) and announced on the event hub; ``fail_with``/``problems``/``refuse`` shape it."""

    mirror: SqliteMirrorStore
    clock: TimeMachine
    events: EventHub
    calls: list[tuple[str, bool, datetime]] = field(default_factory=list)
    fail_with: BackorderError | None = None
    problems: list[ItemProblem] = field(default_factory=list)
    refuse: bool = False

    def sync(self, *, kind: RunKind, trigger: str, full: bool = False) -> SyncRun:
        return self._record(kind, trigger, full)

    def run_task(self, work: Callable[[RunState], None], *, kind: RunKind, trigger: str) -> SyncRun:
        state = RunState(run_id=0, full=False)
        work(state)
        return self._record(kind, trigger, False, state.counts)

    def _record(self, kind: RunKind, trigger: str, full: bool, counts: RunCounts | None = None) -> SyncRun:
        if self.refuse:
            raise SyncInProgress("Another window or command is syncing this profile.")
        now = self.clock.now()
        self.calls.append((trigger, full, now))
        mode = self.mirror.load_settings().inventory_source
        run_id = self.mirror.start_run(kind=kind, trigger=trigger, mode=mode, full=full, at=now)
        error = self.fail_with
        outcome = RunOutcome.FAILED if error else (RunOutcome.PARTIAL if self.problems else RunOutcome.OK)
        self.mirror.finish_run(
            run_id,
            outcome=outcome,
            counts=counts or RunCounts(),
            at=now,
            problems=self.problems,
            error=error,
        )
        run = self.mirror.runs(limit=1)[0]
        self.events.emit_run_finished(run)
        if error is not None:
            raise error
        return run


@dataclass
class Kit:
    clock: TimeMachine
    mirror: SqliteMirrorStore
    engine: RecordingEngine
    events: EventHub
    scheduler: SyncScheduler
    zone: tzinfo

    def set(self, name: str, value: str) -> None:
        """Save one setting, as the window does, and tell the scheduler."""
        self.mirror.save_settings(with_setting(self.mirror.load_settings(), name, value))
        self.scheduler.reschedule()

    def run_until(self, end: datetime, step: timedelta = timedelta(minutes=1)) -> list[tuple[str, str]]:
        """Tick every ``step`` until ``end``; returns (local "YYYY-MM-DD HH:MM", trigger) per job run."""
        ran: list[tuple[str, str]] = []
        while self.clock.now() < end:
            self.clock.advance(step)
            for claim in self.scheduler.run_due():
                ran.append((self.clock.now().astimezone(self.zone).strftime("%Y-%m-%d %H:%M"), claim.trigger))
        return ran

    def daily_runs(self) -> list[tuple[str, str]]:
        """(local time, trigger) of every full run the engine was asked for."""
        return [
            (at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M"), trigger)
            for trigger, full, at in self.engine.calls
            if full
        ]

    def restart(self, **options: Any) -> SyncScheduler:
        """A new scheduler on the same profile (the app closed and started again)."""
        self.scheduler.shutdown()
        self.scheduler = _scheduler(self, **options)
        return self.scheduler


def _scheduler(kit: Kit, **options: Any) -> SyncScheduler:
    return SyncScheduler(
        engine=kit.engine,  # type: ignore[arg-type]
        mirror=kit.mirror,
        clock=kit.clock,
        events=kit.events,
        zone=kit.zone,
        monotonic=kit.clock.monotonic,
        **options,
    )


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[SqliteMirrorStore]:
    store = open_mirror(tmp_path / "mirror.db")
    store.set_store(StoreInfo(store_hash="demo", name="Test", plan_name="Demo"), "http://127.0.0.1:9")
    yield store
    store.close()


@pytest.fixture
def make_kit(mirror: SqliteMirrorStore) -> Iterator[Callable[..., Kit]]:
    """``make_kit(start, zone=BERLIN, settings={...}, **scheduler options)``."""
    made: list[Kit] = []

    def make(
        start: datetime, *, zone: tzinfo = BERLIN, settings: dict[str, str] | None = None, **options: Any
    ) -> Kit:
        chosen = mirror.load_settings()
        for name, value in {"polling-interval": "1440", **(settings or {})}.items():
            chosen = with_setting(chosen, name, value)
        mirror.save_settings(chosen)
        clock = TimeMachine(start)
        events = EventHub()
        engine = RecordingEngine(mirror, clock, events)
        kit = Kit(clock, mirror, engine, events, None, zone)  # type: ignore[arg-type]
        kit.scheduler = _scheduler(kit, **options)
        made.append(kit)
        return kit

    yield make
    for kit in made:
        kit.scheduler.shutdown()
