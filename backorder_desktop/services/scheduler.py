"""The scheduler: polling, the daily full sync, the feed pull and retries, each at its time, one at a time.

Time is injected: the ``Clock`` port (wall time, aware UTC) and ``monotonic`` (a steady counter).
What is due is computed from them by ``run_due()``, which tests call with a fake clock, so no test
waits for a schedule. In production an APScheduler ``BackgroundScheduler`` calls the same code: one
"tick" job every few seconds (``max_instances=1``, ``coalesce``, a ``misfire_grace_time``) claims the
due jobs and hands them to a one-thread executor, so a tick never waits behind a sync and two
scheduled jobs never overlap; the engine's single flight covers manual syncs and other processes.
APScheduler's own triggers are not used for the daily time: they cannot be driven by a fake clock,
and the daily job needs a missed-run rule of its own.

Missed runs: the daily slot that last ran is a mirror cursor. A later slot that is already past runs
once ("daily-catch-up" when late), whether the app was closed, asleep or paused then. A slot is a
local date at the set local time (zoneinfo): on a spring-forward day a time in the gap runs at the
offset before it (02:30 → 03:30), on a fall-back day at its first occurrence. A wall clock that
moves ahead of the steady clock is a wake-up (poll at once); one set back re-bases the due times in
memory and never runs a recorded slot again.
"""

from __future__ import annotations

import logging
import threading
import time as _time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo
from typing import TYPE_CHECKING
from typing import Any

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import SyncInProgress
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import Settings
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.schedule_rules import CLOCK_JUMP_S
from backorder_desktop.services.schedule_rules import CURSOR_DAILY
from backorder_desktop.services.schedule_rules import CURSOR_FEED
from backorder_desktop.services.schedule_rules import Claim
from backorder_desktop.services.schedule_rules import JobKind
from backorder_desktop.services.schedule_rules import NextRun
from backorder_desktop.services.schedule_rules import daily_claim
from backorder_desktop.services.schedule_rules import next_daily
from backorder_desktop.services.schedule_rules import parse_cursor
from backorder_desktop.services.schedule_rules import retry_after

if TYPE_CHECKING:  # annotations only: a status or a stock edit never imports the engine
    from backorder_desktop.domain.ports import Clock
    from backorder_desktop.domain.ports import Leadership
    from backorder_desktop.domain.ports import MirrorStore
    from backorder_desktop.services.feed import ApplyReport
    from backorder_desktop.services.sync_engine import RunState
    from backorder_desktop.services.sync_engine import SyncEngine

__all__ = ["JobKind", "NextRun", "SyncScheduler"]

logger = logging.getLogger(__name__)

TICK_SECONDS = 15.0
MISFIRE_GRACE_S = 7 * 24 * 3600  # a tick late after a sleep still runs (once: coalesced)
SETTINGS_CHECK_S = 60.0  # settings changed by another process are picked up this often
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=5)
HEALTH_EVERY = timedelta(hours=6)
_NOT_PULLS = (RunTrigger.WEBHOOK, RunTrigger.FEED)  # runs that do not pull the catalog (nor write the outbox)


class SyncScheduler:
    """Automatic runs of one profile. ``start()`` runs them in real time; ``run_due()`` runs what is
    due now (tests, ``service --once``); ``reschedule()`` after settings change."""

    def __init__(
        self,
        *,
        engine: SyncEngine,
        mirror: MirrorStore,
        clock: Clock,
        events: EventHub,
        zone: tzinfo,
        monotonic: Callable[[], float] = _time.monotonic,
        feed_pull: Callable[[], ApplyReport] | None = None,
        health_check: Callable[[], object] | None = None,
        connected: Callable[[], bool] = lambda: True,
        tick_seconds: float = TICK_SECONDS,
        leadership: Leadership | None = None,
    ) -> None:
        self._engine = engine
        self._mirror = mirror
        self._clock = clock
        self._zone = zone
        self._monotonic = monotonic
        self._feed_pull = feed_pull
        self._health_check = health_check
        self._connected = connected  # no store connected: nothing to run
        self._tick_seconds = tick_seconds
        self._leadership = leadership  # team mode: only the leading desktop runs the schedule
        self._lock = threading.RLock()
        self._settings: Settings | None = None
        self._paused = False
        self._due: dict[JobKind, datetime] = {}
        self._retry: Claim | None = None
        self._retry_delay = RETRY_FIRST
        self._busy: set[JobKind] = set()
        self._steady: tuple[datetime, float] | None = None
        self._settings_checked = monotonic()
        self._aps: Any = None
        self._dispatched = 0
        self._unsubscribe = events.subscribe("run_finished", self._on_run_finished)
        with self._lock:  # the settings as of now: a later save is compared with them
            self._apply_settings(mirror.load_settings(), clock.now())

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Run jobs in real time on APScheduler's threads until ``shutdown``."""
        # Imported here: a command that only reads the schedule (``status``) never loads APScheduler.
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.triggers.interval import IntervalTrigger

        from backorder_desktop.services.steady_scheduler import SteadyScheduler

        with self._lock:
            if self._aps is not None:
                return
            aps = SteadyScheduler(
                timezone=UTC,
                executors={"default": ThreadPoolExecutor(1), "jobs": ThreadPoolExecutor(1)},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
                daemon=True,
            )
            aps.add_job(
                self._tick,
                IntervalTrigger(seconds=self._tick_seconds, timezone=UTC),
                id="tick",
                next_run_time=datetime.now(UTC),
            )
            aps.start()
            self._aps = aps
        logger.info("scheduler started: %s", self.describe())

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop ticking; with ``wait``, let a running job end first."""
        with self._lock:
            aps, self._aps = self._aps, None
        self._unsubscribe()
        if aps is not None:
            aps.shutdown(wait=wait)
            logger.info("scheduler stopped")

    @property
    def running(self) -> bool:
        return self._aps is not None

    # --- what callers use -----------------------------------------------------------------

    def run_due(self, at: datetime | None = None) -> list[Claim]:
        """Run every job due at ``at`` (default: the clock's now) in this thread; returns them."""
        claims = self._claim(at or self._clock.now())
        for claim in claims:
            self._execute(claim)
        return claims

    def reschedule(self) -> NextRun | None:
        """Settings were saved: rebuild the jobs from them at once (a job due now starts)."""
        now = self._clock.now()
        with self._lock:
            self._apply_settings(self._mirror.load_settings(), now)
        if self.running:
            self._dispatch(self._claim(now))
        return self.next_run()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume automatic runs (the tray). A daily run missed while paused runs on resume."""
        now = self._clock.now()
        with self._lock:
            if paused == self._paused:
                return
            self._paused = paused
            if not paused:
                self._due[JobKind.POLL] = now  # fresh data after a pause
        logger.info("automatic updates %s", "paused" if paused else "resumed")
        if not paused and self.running:
            self._dispatch(self._claim(now))

    @property
    def paused(self) -> bool:
        return self._paused

    def jobs(self) -> list[NextRun]:
        """The scheduled jobs with their next run, soonest first (none while paused)."""
        now = self._clock.now()
        with self._lock:
            settings = self._current(now)
            if self._paused or not self._connected() or not self._leads():
                return []
            out = [NextRun(self._due[JobKind.POLL], JobKind.POLL)]
            if settings.inventory_source is InventorySource.ERP:
                cursor = parse_cursor(self._mirror.get_cursor(CURSOR_DAILY))
                out.append(NextRun(max(now, next_daily(cursor, now, settings, self._zone)), JobKind.DAILY))
            if self._feed_active(settings):
                out.append(NextRun(self._feed_due(now, settings), JobKind.FEED))
            if self._retry is not None:
                out.append(NextRun(self._due[JobKind.RETRY], JobKind.RETRY))
            if self._health_active(settings):
                out.append(NextRun(self._due.get(JobKind.WEBHOOK_HEALTH, now), JobKind.WEBHOOK_HEALTH))
        return sorted(out, key=lambda job: job.at)

    def next_run(self) -> NextRun | None:
        """The next sync-like run and what it will do (``status``, the window); None when paused."""
        runs = [job for job in self.jobs() if job.kind is not JobKind.WEBHOOK_HEALTH]
        return runs[0] if runs else None

    def describe(self) -> str:
        if self._paused:
            return "paused"
        jobs = self.jobs()
        if not jobs:
            return "nothing scheduled (no store connected)"
        return "; ".join(f"{job.description} at {job.at.isoformat(timespec='seconds')}" for job in jobs)

    # --- claiming: what is due now ----------------------------------------------------------

    def _current(self, now: datetime) -> Settings:
        if self._settings is None:
            self._apply_settings(self._mirror.load_settings(), now)
        if self._settings is None:  # for the type checker: _apply_settings set it
            raise RuntimeError("settings not loaded")
        return self._settings

    def _claim(self, now: datetime) -> list[Claim]:
        with self._lock:
            settings = self._current(now)
            self._observe_clock(now, settings)
            if self._monotonic() - self._settings_checked >= SETTINGS_CHECK_S:
                self._settings_checked = self._monotonic()
                fresh = self._mirror.load_settings()
                if fresh != settings:
                    logger.info("settings changed elsewhere; rebuilding the schedule")
                    self._apply_settings(fresh, now)
                    settings = fresh
            if self._paused or not self._connected() or not self._leads():
                return []
            claims: list[Claim] = []
            daily = None
            if settings.inventory_source is InventorySource.ERP and JobKind.DAILY not in self._busy:
                daily = daily_claim(self._mirror, now, settings, self._zone)
            retry_due = self._retry is not None and now >= self._due[JobKind.RETRY]
            poll_due = now >= self._due[JobKind.POLL]
            if daily is not None:
                claims.append(daily)  # a full sync: it serves a due poll or retry as well
                self._retry, self._due[JobKind.POLL] = None, now + self._interval(settings)
            elif retry_due and self._retry is not None and not self._busy & {JobKind.RETRY, JobKind.POLL}:
                claims.append(self._retry)
                self._retry, self._due[JobKind.POLL] = None, now + self._interval(settings)
            elif poll_due and JobKind.POLL not in self._busy:
                claims.append(Claim(JobKind.POLL, RunTrigger.POLL))
                self._due[JobKind.POLL] = now + self._interval(settings)
            feed_free = self._feed_active(settings) and JobKind.FEED not in self._busy
            if feed_free and now >= self._feed_due(now, settings):
                self._mirror.set_cursor(CURSOR_FEED, now.isoformat())
                claims.append(Claim(JobKind.FEED, RunTrigger.FEED))
            health_free = self._health_active(settings) and JobKind.WEBHOOK_HEALTH not in self._busy
            if health_free and now >= self._due.setdefault(JobKind.WEBHOOK_HEALTH, now):
                self._due[JobKind.WEBHOOK_HEALTH] = now + HEALTH_EVERY
                claims.append(Claim(JobKind.WEBHOOK_HEALTH, RunTrigger.WEBHOOK_HEALTH))
            self._busy.update(claim.kind for claim in claims)
            return claims

    def _apply_settings(self, fresh: Settings, now: datetime) -> None:
        old, self._settings = self._settings, fresh
        interval = self._interval(fresh)
        if old is None:
            last = self._mirror.last_run(successful=True)
            ended = last.finished_at if last is not None else None
            # Never synced: the window's first sync comes first. Else poll once the interval is over.
            due = now + interval if ended is None else min(max(ended + interval, now), now + interval)
            self._due[JobKind.POLL] = due
        else:  # the same last poll, with the new interval
            last_poll = self._due[JobKind.POLL] - self._interval(old)
            self._due[JobKind.POLL] = max(now, min(last_poll, now) + interval)
        if fresh.inventory_source is InventorySource.ERP:
            moved = old is None or old.inventory_source is not InventorySource.ERP
            if not moved and old is not None and old.daily_sync_time != fresh.daily_sync_time:
                moved = True
            if moved and old is not None:
                # A new time (or mode) takes effect from its next slot: changing it never runs one now.
                daily_claim(self._mirror, now, fresh, self._zone, settle=True)
        if old is not None:
            logger.info("schedule rebuilt: %s", self.describe())

    def _observe_clock(self, now: datetime, settings: Settings) -> None:
        """Compare the wall clock with the steady one: ahead is a wake-up, behind a clock set back."""
        steady = self._monotonic()
        if self._steady is not None:
            wall, mono = self._steady
            drift = (now - wall).total_seconds() - (steady - mono)
            if drift > CLOCK_JUMP_S:
                logger.info("woke up (the clock moved %.0f s more than the time that passed)", drift)
                self._due[JobKind.POLL] = now
                if self._retry is not None:
                    self._due[JobKind.RETRY], self._retry_delay = now, RETRY_FIRST
            elif drift < -CLOCK_JUMP_S:
                logger.info("the clock was set back by %.0f s; nothing recorded runs again", -drift)
                periods = {JobKind.POLL: self._interval(settings), JobKind.WEBHOOK_HEALTH: HEALTH_EVERY}
                for kind, due in self._due.items():
                    self._due[kind] = min(due, now + periods.get(kind, self._retry_delay))
                feed_last = parse_cursor(self._mirror.get_cursor(CURSOR_FEED))
                if feed_last is not None and feed_last > now:
                    self._mirror.set_cursor(CURSOR_FEED, now.isoformat())
        self._steady = (now, steady)

    def _feed_active(self, settings: Settings) -> bool:
        return (
            settings.inventory_source is InventorySource.API
            and bool(settings.feed_url)
            and self._feed_pull is not None
        )

    def _health_active(self, settings: Settings) -> bool:
        return bool(settings.webhook_public_url) and self._health_check is not None

    def _feed_due(self, now: datetime, settings: Settings) -> datetime:
        last = parse_cursor(self._mirror.get_cursor(CURSOR_FEED))
        if last is None:
            return now
        return min(last, now) + timedelta(minutes=settings.feed_interval_minutes)

    def _leads(self) -> bool:
        """Whether this desktop runs the schedule: always alone; in a team, while it leads (a missed
        daily slot stays due, and the desktop that leads next runs it)."""
        return self._leadership is None or self._leadership.is_leader()

    @staticmethod
    def _interval(settings: Settings) -> timedelta:
        return timedelta(minutes=settings.polling_interval_minutes)

    # --- running ----------------------------------------------------------------------------

    def _tick(self) -> None:
        self._dispatch(self._claim(self._clock.now()))

    def _dispatch(self, claims: list[Claim]) -> None:
        aps = self._aps
        for claim in claims:
            if aps is None:
                self._release(claim)
                continue
            self._dispatched += 1  # a fresh id each time: APScheduler counts instances per id
            aps.add_job(self._execute, args=(claim,), executor="jobs", id=f"{claim.kind}-{self._dispatched}")

    def _execute(self, claim: Claim) -> None:
        try:
            if claim.kind is JobKind.DAILY:
                run = self._engine.sync(kind=RunKind.AUTOMATIC, trigger=claim.trigger, full=True)
                if run.full and claim.slot is not None:  # (joining a running incremental pull is not it)
                    self._mirror.set_cursor(CURSOR_DAILY, claim.slot.isoformat())
            elif claim.kind in (JobKind.POLL, JobKind.RETRY):
                self._engine.sync(kind=RunKind.AUTOMATIC, trigger=claim.trigger, full=claim.full)
            elif claim.kind is JobKind.FEED:
                self._engine.run_task(self._feed_work, kind=RunKind.AUTOMATIC, trigger=claim.trigger)
            elif self._health_check is not None:
                self._health_check()
        except SyncInProgress:
            logger.info("%s skipped: another window or command is syncing this profile", claim.trigger)
        except BackorderError as exc:  # recorded in the history by the engine; retries follow
            logger.info("%s did not finish: %s: %s", claim.trigger, exc.title, exc.message)
            if claim.kind is JobKind.DAILY and claim.slot is not None:
                self._mirror.set_cursor(CURSOR_DAILY, claim.slot.isoformat())
        except Exception:
            logger.exception("scheduled %s failed with a bug", claim.trigger)
        finally:
            self._release(claim)

    def _release(self, claim: Claim) -> None:
        with self._lock:
            self._busy.discard(claim.kind)

    def _feed_work(self, state: RunState) -> None:
        if self._feed_pull is None:
            return
        from backorder_desktop.services.feed import count_pull  # the feed's module: only when it pulls

        count_pull(self._feed_pull(), state)

    def _on_run_finished(self, run: SyncRun) -> None:
        """Any run (manual ones too): push the next poll back, or plan a retry with backoff."""
        now = self._clock.now()
        with self._lock:
            if self._settings is None:
                return
            retry = retry_after(run)
            if run.outcome in (RunOutcome.OK, RunOutcome.PARTIAL) and run.trigger not in _NOT_PULLS:
                ended = run.finished_at or now
                self._due[JobKind.POLL] = max(self._due[JobKind.POLL], ended + self._interval(self._settings))
            if retry is None:
                if run.outcome in (RunOutcome.OK, RunOutcome.PARTIAL) and run.trigger not in _NOT_PULLS:
                    self._retry, self._retry_delay = None, RETRY_FIRST
                return
            full = retry.full or (self._retry is not None and self._retry.full)
            self._retry = Claim(JobKind.RETRY, retry.trigger, full=full)
            self._due[JobKind.RETRY] = now + self._retry_delay
            logger.info("%s: next try in %s", run.error_title or "changes not written", self._retry_delay)
            self._retry_delay = min(RETRY_MAX, self._retry_delay * 2)
