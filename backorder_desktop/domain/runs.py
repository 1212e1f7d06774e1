"""Sync runs as values: who started one, how it ended, what it counted, and its recorded error.

The engine records them through ``MirrorStore`` (``domain/ports.py``); the history page, the CLI,
the scheduler's retry rule and the error router read them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem


class RunKind(StrEnum):
    """Who asked for a sync run."""

    MANUAL = "manual"
    AUTOMATIC = "automatic"


class RunTrigger(StrEnum):
    """What started a run; the history keeps its value, and ``ui/formatting`` names it."""

    CLI = "cli"  # ``backorder-desktop sync``
    BUTTON = "button"  # the window's Sync button
    TRAY = "tray"  # the tray menu's "Sync now"
    SETTINGS = "settings"  # a sync before changing the inventory source
    FIRST_SYNC = "first-sync"  # right after connecting a store
    REBUILD = "rebuild"  # ``repair --rebuild``
    WEBHOOK = "webhook"  # products a store notification named
    POLL = "poll"  # the scheduler's regular incremental update
    DAILY = "daily"  # the daily full sync (ERP mode), on time
    DAILY_CATCH_UP = "daily-catch-up"  # the daily full sync, after a missed time
    CATCH_UP = "catch-up"  # older histories' name for a caught-up daily sync
    RETRY = "retry"  # after a run failed for a passing reason
    OUTBOX_RETRY = "outbox-retry"  # after a pull's push of waiting changes failed
    FEED = "feed"  # the ERP feed pull (api mode)
    WEBHOOK_HEALTH = "webhook-health"  # the scheduler's webhook check (records no run)


class RunOutcome(StrEnum):
    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # finished, with per-item problems
    FAILED = "failed"  # nothing or only a consistent part applied; see error
    REFUSED = "refused"  # a safety valve stopped it (suspicious catalog …)


@dataclass(slots=True)
class RunCounts:
    seen: int = 0
    created: int = 0
    changed: int = 0
    removed: int = 0
    written: int = 0  # stock values written to the store (outbox pushes)


@dataclass(frozen=True, slots=True)
class SyncRun:
    """One recorded sync run (history)."""

    id: int
    kind: RunKind
    trigger: RunTrigger
    mode: InventorySource
    full: bool
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    counts: RunCounts
    error_title: str | None = None
    error_message: str | None = None
    error_kind: ErrorKind | None = None  # what the error was: retries and the window's routes use it
    problems: tuple[ItemProblem, ...] = field(default_factory=tuple)
