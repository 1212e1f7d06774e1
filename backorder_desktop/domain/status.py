"""Sync state and progress: plain values that drive the tray icon, the status bar and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SyncState(StrEnum):
    """What the app is doing, as a state machine (never derived from log text)."""

    IDLE = "idle"
    SYNCING = "syncing"
    PROBLEM = "problem"
    OFFLINE = "offline"


class SyncPhase(StrEnum):
    FULL_PULL = "full pull"
    INCREMENTAL_PULL = "incremental pull"
    VERIFYING = "verifying"
    FINISHING = "finishing"


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """Progress of the running sync: pages done out of pages known so far."""

    run_id: int
    phase: SyncPhase
    pages_done: int
    pages_total: int
    products_seen: int

    @property
    def fraction(self) -> float:
        if self.pages_total <= 0:
            return 0.0
        return min(1.0, self.pages_done / self.pages_total)
