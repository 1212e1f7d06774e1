"""Pictures of the past as values: one stock item's level over time with its marked events, and the
sync runs on a time axis.

The store reads them out of the ledger and the runs table in SQL (``adapters/storage/history_reads.py``),
the service (``services/stock_history.py``) puts a window around them, and the window draws them
(``ui/charts/``). Pure values and small rules, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey


class EventKind(StrEnum):
    """What a marked event on a stock chart was."""

    ORDER = "order"  # an order took units
    RESTORE = "restore"  # an order gave units back (cancelled, refunded, edited down)
    EDIT = "edit"  # a merchant's edit in the window or the CLI, or a discard
    IMPORT = "import"  # a CSV import
    FEED = "feed"  # the ERP feed (api mode)
    STORE = "store"  # a move seen in BigCommerce: the ERP (erp mode), another app, a native order
    TRACKING = "tracking"  # the app turned the product's tracking off or back on
    PUSH = "push"  # a run wrote the item's waiting change to BigCommerce


def event_kind(adjustment: Adjustment) -> EventKind:
    """The kind of mark a ledger entry gets."""
    source = adjustment.source
    if source is AdjustmentSource.ORDER:
        return EventKind.RESTORE if adjustment.kind is AdjustmentKind.ADD else EventKind.ORDER
    return {
        AdjustmentSource.PERSON: EventKind.EDIT,
        AdjustmentSource.IMPORT: EventKind.IMPORT,
        AdjustmentSource.FEED: EventKind.FEED,
        AdjustmentSource.STORE: EventKind.STORE,
        AdjustmentSource.TRACKING: EventKind.TRACKING,
    }[source]


@dataclass(frozen=True, slots=True)
class StockPoint:
    """The level from ``at`` until the next point (the chart is a step line)."""

    at: datetime
    level: int


@dataclass(frozen=True, slots=True)
class PushMark:
    """A run that wrote stock to BigCommerce after this item had a change waiting."""

    run_id: int
    at: datetime  # when the run finished
    written: int  # stock values the run wrote (all items)


@dataclass(frozen=True, slots=True)
class LedgerWindow:
    """One item's ledger between two moments, as the store reads it.

    ``points`` are every entry's level after it, in time order — or, when the window holds more
    than the store was asked for (``decimated``), each time bucket's highest, lowest and last
    level. ``events`` are the entries themselves (the newest ones when decimated).
    """

    before: int | None  # the level at the window's start (the last entry before it); None: none
    now: int | None  # the item's level now (kept item, else its last entry); None: never known
    points: tuple[StockPoint, ...]
    events: tuple[Adjustment, ...]
    pushes: tuple[PushMark, ...]
    entries: int  # ledger entries in the window
    decimated: bool


@dataclass(frozen=True, slots=True)
class ChartEvent:
    """A marked event: a ledger entry, or a push (``adjustment`` None)."""

    kind: EventKind
    at: datetime
    level: int  # where on the line it sits: the level after it
    adjustment: Adjustment | None = None
    push: PushMark | None = None


@dataclass(frozen=True, slots=True)
class StockChart:
    """One stock item's chart: the step line, its events, the limit band and the expected date."""

    key: StockKey
    sku: str
    name: str
    items: tuple[tuple[StockKey, str], ...]  # the product's items (key, SKU), for a picker
    start: datetime
    end: datetime
    points: tuple[StockPoint, ...]  # from ``start`` to ``end``: the first at start, the last at end
    events: tuple[ChartEvent, ...]
    level: int  # the level now
    limit: int | None  # units it may sell below zero (None: no limit): the band is 0 to -limit
    expected: date | None
    entries: int
    decimated: bool


class TimelineLane(StrEnum):
    """A row of the sync timeline."""

    MANUAL = "manual"
    AUTOMATIC = "automatic"
    DAILY = "daily"
    FEED = "feed"


DAILY_TRIGGERS = frozenset({RunTrigger.DAILY, RunTrigger.DAILY_CATCH_UP, RunTrigger.CATCH_UP})
CATCH_UP_TRIGGERS = frozenset({RunTrigger.DAILY_CATCH_UP, RunTrigger.CATCH_UP})
FAILED_OUTCOMES = frozenset({RunOutcome.FAILED, RunOutcome.REFUSED})


def lane_of(kind: RunKind, trigger: RunTrigger) -> TimelineLane:
    if trigger in DAILY_TRIGGERS:
        return TimelineLane.DAILY
    if trigger is RunTrigger.FEED:
        return TimelineLane.FEED
    return TimelineLane.MANUAL if kind is RunKind.MANUAL else TimelineLane.AUTOMATIC


@dataclass(frozen=True, slots=True)
class RunSpan:
    """One run as the timeline reads it from the runs table."""

    id: int
    kind: RunKind
    trigger: RunTrigger
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    error_title: str | None = None


@dataclass(frozen=True, slots=True)
class RunBar:
    """A run drawn as a bar from ``start`` to ``end`` in its lane."""

    run: RunSpan
    lane: TimelineLane
    start: datetime
    end: datetime  # finished, or now for a run still going
    failed: bool
    missed_slot: datetime | None = None  # a catch-up: the daily time it made up for

    @property
    def caught_up(self) -> bool:
        return self.missed_slot is not None


@dataclass(frozen=True, slots=True)
class SyncTimeline:
    start: datetime
    end: datetime
    bars: tuple[RunBar, ...]
    daily_slots: tuple[datetime, ...]  # the daily sync's times in the window (ERP mode), UTC
    missed_slots: tuple[datetime, ...]  # daily times no on-time run served


class StockHistoryStore(Protocol):
    """What the charts read (``SqliteMirrorStore`` has it)."""

    def stock_chart_items(self, product_id: int) -> tuple[str, list[tuple[StockKey, str]]]:
        """The product's name and its stock items with their SKUs (items no longer kept but in the
        ledger too); ("", []) for an unknown product."""
        ...

    def backorder_rules(self, product_ids: Iterable[int] | None = None) -> dict[StockKey, BackorderRule]: ...

    def ledger_window(
        self, key: StockKey, start: datetime, end: datetime, *, max_points: int, max_events: int
    ) -> LedgerWindow: ...

    def run_spans(self, start: datetime, end: datetime) -> list[RunSpan]:
        """Runs that overlap the window, oldest first."""
        ...


def level_at(points: Sequence[StockPoint], moment: datetime, default: int) -> int:
    """The step line's level at ``moment``."""
    level = default
    for point in points:
        if point.at > moment:
            break
        level = point.level
    return level
