"""Store orders into the stock ledger: read since the orders cursor, count each BackOrder line once.

With the backorder method ``app`` BigCommerce does not track a BackOrder product's stock, so nobody
but this app counts its sales. :class:`OrderService` reads the orders changed since the cursor (with
``ORDERS_OVERLAP`` before it), oldest change first, 250 with their lines a request, and hands each
page to the store, which counts it and moves the cursor in one transaction (``orders_store.py``).
It runs in every inventory mode: on each sync after the product pull (the engine's ``after_pull``
hook, before the outbox push so the push writes the counted levels) and for a ``store/order/*``
webhook (one order, fetched by id).

Pages are read by keyset rather than by page number: each request starts at the ``date_modified``
of the last order read. An order changed while the pages are read moves to the end of the listing;
with page numbers every order after it would shift one place back and the first of the next page
would be skipped. Orders of the boundary second come again at the head of the next request and are
skipped as already read (counting them again would move nothing anyway).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.orders import ORDERS_CURSOR
from backorder_desktop.domain.orders import ORDERS_OVERLAP
from backorder_desktop.domain.orders import OrderCount
from backorder_desktop.domain.orders import OwedOrder
from backorder_desktop.domain.settings import Settings
from backorder_desktop.services.events import EventHub

# Annotations only: a status or a stock edit never imports the engine, nor makes the ports' classes.
if TYPE_CHECKING:
    from typing import Protocol

    from backorder_desktop.domain.ports import Clock
    from backorder_desktop.domain.ports import Leadership
    from backorder_desktop.domain.ports import MirrorStore
    from backorder_desktop.domain.ports import OrderSource
    from backorder_desktop.domain.ports import OrderStore
    from backorder_desktop.services.sync_engine import RunState

    class _Store(MirrorStore, OrderStore, Protocol):
        """The profile's database: cursors and settings (mirror) and counted order lines."""


__all__ = ["ORDERS_PAGE", "OrderService", "orders_after_pull"]

logger = logging.getLogger(__name__)

ORDERS_PAGE = 250  # the most /v2/orders gives in one request (bigcommerce-api-notes §6.3)
MAX_PAGES = 100_000  # a store answering the same page forever must not hold a sync forever


class OrderService:
    """Reads the store's orders and counts their BackOrder lines into the ledger. Thread-safe: one
    read at a time in this process; another process's reads are safe by the store's transactions."""

    def __init__(
        self,
        *,
        store: _Store,
        source_factory: Callable[[], OrderSource],
        clock: Clock,
        settings: Callable[[], Settings] | None = None,
        events: EventHub | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        self._store = store
        self._events = events
        self._leadership = leadership  # team mode: only the leading desktop reads orders
        self._source_factory = source_factory
        self._clock = clock
        self._settings = settings or store.load_settings
        self._lock = threading.Lock()

    def start(self) -> datetime | None:
        """Where the next read starts: ``ORDERS_OVERLAP`` before the cursor, never before the first
        assignment (earlier orders never count); None when no product is a BackOrder product."""
        first = self._store.first_assignment()
        if first is None:
            return None
        text = self._store.get_cursor(ORDERS_CURSOR)
        since = datetime.fromisoformat(text) if text else first
        return max(since, first) - ORDERS_OVERLAP

    def ingest(self, *, page_size: int = ORDERS_PAGE) -> OrderCount:
        """Count every order changed since the cursor. ``ApiError``s propagate (the cursor stays
        where the last counted page left it). In a team, a desktop that does not lead is refused
        (``AnotherDesktopSyncs``): the leader reads the orders for everyone."""
        if self._leadership is not None:
            from backorder_desktop.services.team import require_lead  # team mode's: a status counts no order

            require_lead(self._leadership)
        with self._lock:
            total = OrderCount()
            since = self.start()
            if since is None:
                return total
            source = self._source_factory()
            restore_on = self._settings().restore_stock_on
            read: set[tuple[int, datetime]] = set()  # orders of the boundary second already read
            page = 1
            for _ in range(MAX_PAGES):
                result = source.get_orders_page(since, page=page, limit=page_size)
                total.problems.extend(result.problems)
                fresh = [o for o in result.orders if (o.id, o.date_modified) not in read]
                if fresh:
                    last = max(o.date_modified for o in fresh)
                    cursor = (ORDERS_CURSOR, last.isoformat())
                    at = self._clock.now()
                    total.add(self._store.apply_orders(fresh, restore_on=restore_on, at=at, cursor=cursor))
                    read.update((o.id, o.date_modified) for o in fresh)
                if result.size < page_size:
                    break
                newest = max((o.date_modified for o in result.orders), default=since)
                if newest > since:
                    since, page = newest, 1
                else:  # a whole page of one second: page on within it
                    page += 1
            return total

    def ingest_order(self, order_id: int) -> OrderCount:
        """Count one order now (a ``store/order/*`` webhook); the cursor is left to the polls.
        In a team, a desktop that does not lead leaves it to the leader (its own hook, or its next
        poll): only the leader spends the store's quota on orders."""
        if self._leadership is not None and not self._leadership.is_leader():
            return OrderCount()
        with self._lock:
            if self._store.first_assignment() is None:
                return OrderCount()
            order = self._source_factory().get_order(order_id)
            if order is None:
                return OrderCount()
            restore_on = self._settings().restore_stock_on
            count = self._store.apply_orders([order], restore_on=restore_on, at=self._clock.now())
        if count.lines and self._events is not None:
            # Outside a sync's run nothing else tells the window (a run's end refreshes it).
            self._events.emit_orders_changed(count)
        return count

    def owed_orders(self, limit: int = 200) -> list[OwedOrder]:
        return self._store.owed_orders(limit)

    def orders_waiting(self) -> int:
        return self._store.orders_waiting()

    def backordered_units(self) -> int:
        return self._store.backordered_units()


def orders_after_pull(
    orders: OrderService, then: Callable[[InventorySource, RunState], None]
) -> Callable[[InventorySource, RunState], None]:
    """The engine's ``after_pull`` hook: count the orders (in every mode), then ``then`` (the feed
    and the outbox push). A failed read is a problem of the run, not a failure of its pull."""

    def hook(mode: InventorySource, state: RunState) -> None:
        try:
            count = orders.ingest()
        except BackorderError as exc:
            state.problems.append(ItemProblem("orders", exc.title, exc.message, exc.kind))
        else:
            state.problems.extend(count.problems[:100])
            if count.entries:
                logger.info(
                    "orders: %d read, %d ledger entries (%d units sold, %d given back)",
                    count.orders,
                    count.entries,
                    count.units_sold,
                    count.units_restored,
                )
        then(mode, state)

    return hook
