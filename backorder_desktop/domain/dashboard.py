"""What the dashboard shows: the morning's figures, the units owed day by day, the next deliveries.

Plain values; the SQL that counts them is ``adapters/storage/dashboard_reads.py`` and the service
``services/dashboard.py``. ``owed_by_day`` turns the ledger's per-day moves into the level of units
owed at the end of each day, counted back from today's level (the ledger's entries each carry the
level before and after, so a day's move of the units owed is a sum the database does).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime

CHART_DAYS = (30, 90)  # the chart's two spans; the longer one is read, the shorter is its tail
ARRIVALS_DAYS = 7  # "expected in the next 7 days", today included
NEXT_ARRIVALS_LISTED = 8


@dataclass(frozen=True, slots=True)
class DayOwed:
    """Units owed to customers at the end of one local day (now, for today)."""

    day: date
    units: int


@dataclass(frozen=True, slots=True)
class ExpectedArrival:
    """A BackOrder stock item with an expected date from today on."""

    product_id: int
    variant_id: int | None
    name: str
    sku: str
    expected: date
    incoming: int
    owed: int  # units owed on this item now (0 when its level is not below zero)


@dataclass(frozen=True, slots=True)
class DashboardCounts:
    """The tiles' figures; each product count is what the matching Products filter lists."""

    backorder_products: int
    units_backordered: int
    backordered_products: int  # products with units owed (the Backordered filter)
    orders_waiting: int
    at_limit: int
    near_limit: int
    at_or_near_limit: int  # products with an item at or near its limit (one product counted once)
    arriving_soon: int  # products with an expected date in the next ``ARRIVALS_DAYS`` days
    date_passed: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard page shows, read in one call."""

    counts: DashboardCounts
    owed_by_day: tuple[DayOwed, ...]  # oldest first, ``max(CHART_DAYS)`` days ending today
    next_arrivals: tuple[ExpectedArrival, ...]
    today: date
    read_at: datetime

    def last_days(self, days: int) -> tuple[DayOwed, ...]:
        return self.owed_by_day[-days:]


def owed_by_day(owed_now: int, moves: Mapping[date, int], days: Sequence[date]) -> tuple[DayOwed, ...]:
    """Units owed at the end of each of ``days`` (ascending, the last one today): today's level
    ``owed_now`` less every later day's ``moves`` (how much the day's entries raised the units owed)."""
    result: list[DayOwed] = []
    level = owed_now
    for day in reversed(days):
        result.append(DayOwed(day, level))
        level -= moves.get(day, 0)
    return tuple(reversed(result))


@dataclass(frozen=True, slots=True)
class QuotaMeter:
    """The store's API quota as this profile's processes last saw it, and this app's part of it.

    ``left`` of ``quota`` requests per ``window_s`` seconds is the store's, shared by every app on
    it; ``sent_by_app`` is what this app's processes sent in the last ``window_s`` seconds;
    ``reserve`` is what this app leaves for the other apps (it waits rather than go below it)."""

    left: int
    quota: int | None
    window_s: float | None
    resets_at: datetime
    sent_by_app: int
    reserve: int
    headroom: float  # the reserve as a share of the quota

    def is_current(self, now: datetime) -> bool:
        """False once the window it describes is over (the store has refilled the quota since)."""
        return self.resets_at > now
