"""The dashboard's reads on ``SqliteMirrorStore``: its figures in one read transaction, all in SQL.

The product counts are the Products filters' own counts (``catalog_reads.count_products``), so a
tile's figure is the length of the list its click opens. The chart's per-day moves come from the
ledger: each entry carries the item's level before and after, so how it moved the units owed is
``max(0, -after) - max(0, -before)``; triggers keep those sums per UTC quarter hour in
``owed_moves`` (migration 14), and a local day is a range of its rows, summed by the database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

from backorder_desktop.adapters.storage.catalog_reads import OwedLevel
from backorder_desktop.adapters.storage.catalog_reads import count_products
from backorder_desktop.adapters.storage.catalog_reads import owed_level
from backorder_desktop.adapters.storage.catalog_reads import owed_now
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.adapters.storage.orders_store import orders_waiting
from backorder_desktop.domain.models import ProductQuery

if TYPE_CHECKING:  # built by the dashboard's reads only: a command's start never imports them
    from backorder_desktop.domain.dashboard import DashboardCounts
    from backorder_desktop.domain.dashboard import ExpectedArrival

DayBounds = tuple[date, datetime, datetime]  # a local day and its start and end as moments

# A BackOrder item with a rule, and its product; ``{}`` is the condition on the rule ``r``. CROSS
# JOIN keeps SQLite on the few rules first (without statistics it scanned every stock item).
_RULED = (
    "FROM backorder_rules AS r "
    "CROSS JOIN backorder_assignments AS a ON a.product_id = r.product_id "
    "CROSS JOIN stock_items AS s ON s.product_id = r.product_id AND s.variant_id = r.variant_id "
    "CROSS JOIN products AS p ON p.id = r.product_id{join} WHERE {cond}"
)
_ARRIVING = "SELECT COUNT(DISTINCT r.product_id) " + _RULED.format(
    join="", cond="r.expected >= ? AND r.expected <= ?"
)
# ``{join}`` and ``{level}``: the item's level as the app counts it (``OwedLevel``), per query.
_NEXT_ARRIVALS = (
    "SELECT r.product_id, r.variant_id, p.name, s.sku, r.expected, r.incoming, {level} "
    + _RULED.format(join="{join}", cond="r.expected >= ?")
    + " ORDER BY r.expected, p.name_key, r.product_id, r.variant_id LIMIT ?"
)
# One row per day: the range of its quarter hours in ``owed_moves`` (slots 'YYYY-MM-DDTHH:MM', UTC).
_OWED_MOVES = (
    "SELECT json_extract(b.value, '$[0]'), (SELECT COALESCE(SUM(moved), 0) FROM owed_moves "
    "WHERE slot >= json_extract(b.value, '$[1]') AND slot < json_extract(b.value, '$[2]')) "
    "FROM json_each(?) AS b"
)


def dashboard_counts(conn: sqlite3.Connection, today: date, owed: OwedLevel | None = None) -> DashboardCounts:
    from backorder_desktop.domain.dashboard import ARRIVALS_DAYS
    from backorder_desktop.domain.dashboard import DashboardCounts

    owed = owed or owed_level(conn)
    at_limit = count_products(conn, ProductQuery(at_limit=True), owed)
    near_limit = count_products(conn, ProductQuery(near_limit=True), owed)
    both = 0
    if at_limit and near_limit:  # a product with one item at its limit and another near it
        both = count_products(conn, ProductQuery(at_limit=True, near_limit=True), owed)
    last = today + timedelta(days=ARRIVALS_DAYS - 1)
    return DashboardCounts(
        backorder_products=count_products(conn, ProductQuery(backorder_only=True), owed),
        units_backordered=owed_now(conn, owed),
        backordered_products=count_products(conn, ProductQuery(backordered=True), owed),
        orders_waiting=orders_waiting(conn),
        at_limit=at_limit,
        near_limit=near_limit,
        at_or_near_limit=at_limit + near_limit - both,
        arriving_soon=int(conn.execute(_ARRIVING, (today.isoformat(), last.isoformat())).fetchone()[0]),
        date_passed=count_products(conn, ProductQuery(date_passed=True), owed),
    )


def owed_moves(conn: sqlite3.Connection, days: Sequence[DayBounds]) -> dict[date, int]:
    """How much each day's ledger entries raised the units owed (negative: they fell)."""
    bounds = json.dumps([[day.isoformat(), _slot(start), _slot(end)] for day, start, end in days])
    return {date.fromisoformat(str(day)): int(moved) for day, moved in conn.execute(_OWED_MOVES, (bounds,))}


def _slot(moment: datetime) -> str:
    """A day's boundary as an ``owed_moves`` slot: local midnights fall on quarter hours in UTC."""
    return to_text(moment)[:16]


def next_arrivals(
    conn: sqlite3.Connection, today: date, limit: int, owed: OwedLevel | None = None
) -> list[ExpectedArrival]:
    from backorder_desktop.domain.dashboard import ExpectedArrival

    owed = owed or owed_level(conn)
    sql = owed.fill(_NEXT_ARRIVALS)
    rows = conn.execute(sql, (today.isoformat(), limit)).fetchall()
    return [
        ExpectedArrival(
            product_id=int(pid),
            variant_id=int(vid) or None,
            name=str(name),
            sku=str(sku),
            expected=date.fromisoformat(str(expected)),
            incoming=int(incoming),
            owed=max(0, -int(level)),
        )
        for pid, vid, name, sku, expected, incoming, level in rows
    ]


class DashboardReadMethods:
    """Mixed into ``SqliteMirrorStore``: the dashboard's figures read in one snapshot."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def dashboard_reads(
        self, today: date, days: Sequence[DayBounds], arrivals: int
    ) -> tuple[DashboardCounts, dict[date, int], list[ExpectedArrival]]:
        """The tiles' counts (units owed now among them), each day's move of the units owed, and
        the next ``arrivals`` expected dates."""
        with self._reading() as conn:
            owed = owed_level(conn)
            counts = dashboard_counts(conn, today, owed)
            return counts, owed_moves(conn, days), next_arrivals(conn, today, arrivals, owed)
