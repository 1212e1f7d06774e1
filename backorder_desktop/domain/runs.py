"""Sync runs as values: who started one, how it ended, what it counted, and its recorded error.

The engine records them through ``MirrorStore`` (``domain/ports.py``); the history page, the CLI,
the scheduler's retry rule and the error router read them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem


class RunKind(StrEnum):
    """Who asked for a sync run."""

    MANUAL = "manual"
    AUTOMATIC = "automatic"


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
    trigger: str  # "cli", "button", "tray", "poll", "daily", "webhook", "catch-up" …
    mode: InventorySource
    full: bool
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    counts: RunCounts
    error_title: str | None = None
    error_message: str | None = None
    problems: tuple[ItemProblem, ...] = field(default_factory=tuple)
