"""Schedule rules: daily slots in local time (DST-aware), the missed-run rule, and when to retry.

Pure functions over time and settings, apart from the daily cursor (the slot that last ran) that
``daily_claim`` reads and settles. ``services/scheduler.py`` applies them at each tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import Maintenance
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.errors import ServerError
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import Settings

if TYPE_CHECKING:  # the ports are annotations here: a status never makes their classes
    from backorder_desktop.domain.ports import MirrorStore

CURSOR_DAILY = "scheduler_daily_slot"  # the daily slot (UTC instant) that last ran or was settled
CURSOR_FEED = "scheduler_feed_last"  # when the feed was last pulled by the scheduler
CLOCK_JUMP_S = 90.0  # wall clock vs steady clock drift beyond this: a wake-up, or a clock set back
DAILY_ON_TIME = timedelta(minutes=10)  # a daily run later than this after its slot is a catch-up
FAR_AHEAD = timedelta(hours=36)  # a cursor this far in the future was written by a wrong clock
# ``stock.push_after_pull`` records a failed push as a problem of the run with this item name.
PUSH_PROBLEM_ITEM = "waiting changes"
RETRYABLE_KINDS: frozenset[ErrorKind | None] = frozenset(
    error.kind for error in (Offline, RateLimited, Maintenance, ServerError, MalformedReply)
)


class JobKind(StrEnum):
    POLL = "poll"
    DAILY = "daily"
    FEED = "feed"
    RETRY = "retry"
    WEBHOOK_HEALTH = "webhook-health"


DESCRIPTIONS: dict[JobKind, str] = {
    JobKind.POLL: "incremental update (changes since the last sync)",
    JobKind.DAILY: "daily full sync (ERP mode)",
    JobKind.FEED: "ERP feed pull",
    JobKind.RETRY: "retry after a connection problem",
    JobKind.WEBHOOK_HEALTH: "webhook check",
}


@dataclass(frozen=True, slots=True)
class NextRun:
    """When a job runs next, and what it will do."""

    at: datetime
    kind: JobKind

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.kind]


@dataclass(frozen=True, slots=True)
class Claim:
    """A job taken for running now: its history trigger, whether it pulls everything, its slot."""

    kind: JobKind
    trigger: RunTrigger
    full: bool = False
    slot: datetime | None = None  # the daily slot it serves


def parse_cursor(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def daily_slot(day: date, at: time, zone: tzinfo) -> datetime:
    """``at`` on local ``day`` as a UTC instant. A time in a spring-forward gap keeps the offset from
    before it (02:30 → 03:30 new time); a repeated fall-back time is its first occurrence (fold=0)."""
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def latest_slot(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The most recent slot at or before ``now``."""
    today = now.astimezone(zone).date()
    for offset in (1, 0, -1, -2):
        slot = daily_slot(today + timedelta(days=offset), at, zone)
        if slot <= now:
            return slot
    return daily_slot(today - timedelta(days=3), at, zone)


def next_slot(after: datetime, at: time, zone: tzinfo) -> datetime:
    """The first slot strictly after ``after``."""
    day = after.astimezone(zone).date()
    for offset in (-1, 0, 1, 2):
        slot = daily_slot(day + timedelta(days=offset), at, zone)
        if slot > after:
            return slot
    return daily_slot(day + timedelta(days=3), at, zone)


def daily_claim(
    mirror: MirrorStore, now: datetime, settings: Settings, zone: tzinfo, *, settle: bool = False
) -> Claim | None:
    """The daily run due at ``now``, if any: the latest slot, when it is later than the cursor.

    Each slot runs once (the cursor is compared by value, so a clock set back never repeats one);
    however many were missed, one run catches up. No cursor yet (first start in this mode), a
    cursor from a clock that was far ahead, or ``settle`` (the time or mode just changed): the
    latest slot is recorded as done and nothing runs now.
    """
    slot = latest_slot(now, settings.daily_sync_time, zone)
    cursor = parse_cursor(mirror.get_cursor(CURSOR_DAILY))
    if cursor is None or cursor > now + FAR_AHEAD or (settle and slot > cursor):
        mirror.set_cursor(CURSOR_DAILY, slot.isoformat())
        return None
    if settle or slot <= cursor:
        return None
    trigger = RunTrigger.DAILY if now - slot <= DAILY_ON_TIME else RunTrigger.DAILY_CATCH_UP
    return Claim(JobKind.DAILY, trigger, full=True, slot=slot)


def next_daily(cursor: datetime | None, now: datetime, settings: Settings, zone: tzinfo) -> datetime:
    """When the daily run is next due (in the past when one is waiting to catch up)."""
    at = settings.daily_sync_time
    if cursor is None or cursor > now + FAR_AHEAD:
        return next_slot(now, at, zone)
    return next_slot(cursor, at, zone)


def retry_after(run: SyncRun) -> Claim | None:
    """The retry a finished run calls for: a run that failed for a passing reason (offline, the
    store busy …), or a pull whose push of waiting changes did. None otherwise."""
    if run.trigger is RunTrigger.FEED:
        return None  # the feed has its own interval
    if run.outcome is RunOutcome.FAILED and run.error_kind in RETRYABLE_KINDS:
        return Claim(JobKind.RETRY, RunTrigger.RETRY, full=run.full)
    if run.outcome in (RunOutcome.OK, RunOutcome.PARTIAL) and any(
        p.item == PUSH_PROBLEM_ITEM and p.kind in RETRYABLE_KINDS for p in run.problems
    ):
        return Claim(JobKind.RETRY, RunTrigger.OUTBOX_RETRY)
    return None
