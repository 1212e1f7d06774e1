"""The dashboard's figures: one read of the local database, no network.

Days are the merchant's local days (the profile's zone): the chart's points are the units owed at
the end of each of the last 90 days, today's being now; the database sums each day's moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from typing import Protocol

from backorder_desktop.domain.dashboard import CHART_DAYS
from backorder_desktop.domain.dashboard import NEXT_ARRIVALS_LISTED
from backorder_desktop.domain.dashboard import Dashboard
from backorder_desktop.domain.dashboard import DashboardCounts
from backorder_desktop.domain.dashboard import ExpectedArrival
from backorder_desktop.domain.dashboard import owed_by_day
from backorder_desktop.domain.ports import Clock

DayBounds = tuple[date, datetime, datetime]


class DashboardStore(Protocol):
    def dashboard_reads(
        self, today: date, days: Sequence[DayBounds], arrivals: int
    ) -> tuple[DashboardCounts, dict[date, int], list[ExpectedArrival]]: ...


def day_bounds(today: date, count: int, zone: tzinfo) -> list[DayBounds]:
    """The last ``count`` local days up to ``today``, each with its start and end as moments
    (a day of a clock change is 23 or 25 hours long)."""
    days = [today - timedelta(days=back) for back in range(count - 1, -1, -1)]
    return [
        (day, datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone))
        for day in days
    ]


class DashboardService:
    def __init__(self, *, store: DashboardStore, clock: Clock, zone: tzinfo) -> None:
        self._store = store
        self._clock = clock
        self._zone = zone

    def dashboard(self) -> Dashboard:
        now = self._clock.now()
        today = now.astimezone(self._zone).date()
        days = day_bounds(today, max(CHART_DAYS), self._zone)
        counts, moves, arrivals = self._store.dashboard_reads(today, days, NEXT_ARRIVALS_LISTED)
        return Dashboard(
            counts=counts,
            owed_by_day=owed_by_day(counts.units_backordered, moves, [day for day, _, _ in days]),
            next_arrivals=tuple(arrivals),
            today=today,
            read_at=now,
        )
