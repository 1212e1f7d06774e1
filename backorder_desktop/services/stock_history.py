"""A stock item's chart and the sync timeline: a time window around what the store reads in SQL.

The store returns one item's ledger window (reduced in SQL when long) and the runs that overlap a
window; this service adds what the pictures need besides: the level at the window's edges, the
events as marks on the line, the item's limit and expected date, and the daily sync's times with
the ones no on-time run served.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo

from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock_history import CATCH_UP_TRIGGERS
from backorder_desktop.domain.stock_history import FAILED_OUTCOMES
from backorder_desktop.domain.stock_history import ChartEvent
from backorder_desktop.domain.stock_history import EventKind
from backorder_desktop.domain.stock_history import LedgerWindow
from backorder_desktop.domain.stock_history import RunBar
from backorder_desktop.domain.stock_history import StockChart
from backorder_desktop.domain.stock_history import StockHistoryStore
from backorder_desktop.domain.stock_history import StockPoint
from backorder_desktop.domain.stock_history import SyncTimeline
from backorder_desktop.domain.stock_history import TimelineLane
from backorder_desktop.domain.stock_history import event_kind
from backorder_desktop.domain.stock_history import lane_of
from backorder_desktop.domain.stock_history import level_at
from backorder_desktop.services.schedule_rules import DAILY_ON_TIME
from backorder_desktop.services.schedule_rules import daily_slot

MAX_POINTS = 1500  # more than a chart's width in pixels: a longer window is reduced in SQL
MAX_EVENTS = 400  # marks beyond this would cover the line; the newest are kept
CHART_DAYS = 90
TIMELINE_DAYS = 14


class UnknownProduct(UserFacingError):
    title = "Unknown product"


class StockHistoryService:
    """Reads for the stock chart and the sync timeline; nothing here writes."""

    def __init__(
        self,
        *,
        store: StockHistoryStore,
        clock: Clock,
        settings: Callable[[], Settings],
        zone: tzinfo,
    ) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._zone = zone

    def chart(
        self,
        product_id: int,
        variant_id: int | None = None,
        *,
        days: int = CHART_DAYS,
        max_points: int = MAX_POINTS,
        sku: str = "",
    ) -> StockChart:
        """The chart of one of the product's stock items over the last ``days``: ``variant_id``'s,
        else the item with this ``sku``, else the product's own or its first variant's."""
        name, items = self._store.stock_chart_items(product_id)
        if not name:
            raise UnknownProduct(f"No product has the id {product_id}.")
        wanted = StockKey(product_id, variant_id)
        keys = [key for key, _ in items]
        by_sku = [key for key, item_sku in items if sku and item_sku.casefold() == sku.casefold()]
        if variant_id is None and by_sku:
            wanted = by_sku[0]
        key = wanted if wanted in keys or not keys or variant_id is not None else keys[0]
        sku = dict(items).get(key, "")
        end = self._clock.now()
        start = end - timedelta(days=max(1, days))
        window = self._store.ledger_window(key, start, end, max_points=max_points, max_events=MAX_EVENTS)
        rule = self._store.backorder_rules([product_id]).get(key)
        points = _line(window, start, end)
        return StockChart(
            key=key,
            sku=sku,
            name=name,
            items=tuple(items),
            start=start,
            end=end,
            points=points,
            events=_events(window, points),
            level=points[-1].level,
            limit=None if rule is None else rule.limit,
            expected=None if rule is None else rule.expected,
            entries=window.entries,
            decimated=window.decimated,
        )

    def timeline(self, *, days: int = TIMELINE_DAYS) -> SyncTimeline:
        """The runs of the last ``days`` as bars; in ERP mode the daily sync's times, with those
        no run served on time (and the catch-up that made up for each)."""
        end = self._clock.now()
        start = end - timedelta(days=max(1, days))
        spans = self._store.run_spans(start, end)
        settings = self._settings()
        slots: list[datetime] = []
        if settings.inventory_source is InventorySource.ERP:
            day = start.astimezone(self._zone).date()
            while (slot := daily_slot(day, settings.daily_sync_time, self._zone)) <= end:
                if slot >= start:
                    slots.append(slot)
                day += timedelta(days=1)
        on_time = [s.started_at for s in spans if s.trigger is RunTrigger.DAILY]
        missed = [s for s in slots if not any(s <= at <= s + DAILY_ON_TIME for at in on_time)]
        bars = []
        for span in spans:
            missed_slot = None
            if span.trigger in CATCH_UP_TRIGGERS:
                missed_slot = max((s for s in missed if s <= span.started_at), default=None)
            bars.append(
                RunBar(
                    run=span,
                    lane=lane_of(span.kind, span.trigger),
                    start=span.started_at,
                    end=span.finished_at or end,
                    failed=span.outcome in FAILED_OUTCOMES,
                    missed_slot=missed_slot,
                )
            )
        return SyncTimeline(
            start=start, end=end, bars=tuple(bars), daily_slots=tuple(slots), missed_slots=tuple(missed)
        )


def _line(window: LedgerWindow, start: datetime, end: datetime) -> tuple[StockPoint, ...]:
    """The step line from ``start`` to ``end``: the level before the window, each point, and the
    level now at the end."""
    if window.before is not None:
        first = window.before
    elif window.events:
        first = window.events[0].level_before
    elif window.points:
        first = window.points[0].level
    else:
        first = window.now or 0
    inner = list(window.points)
    last = inner[-1].level if inner else first
    return (StockPoint(start, first), *inner, StockPoint(end, last))


def _events(window: LedgerWindow, points: tuple[StockPoint, ...]) -> tuple[ChartEvent, ...]:
    marks = [ChartEvent(event_kind(a), a.at, a.level_after, adjustment=a) for a in window.events]
    for push in window.pushes:
        level = level_at(points, push.at, points[0].level)
        marks.append(ChartEvent(EventKind.PUSH, push.at, level, push=push))
    marks.sort(key=lambda mark: mark.at)
    return tuple(marks)


__all__ = ["StockHistoryService", "TimelineLane", "UnknownProduct"]
