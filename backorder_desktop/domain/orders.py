"""The store's orders as the app counts them (backorder method ``app``).

With tracking off in BigCommerce nobody else counts a BackOrder product's sales: the app reads the
orders and enters their lines in the ledger. Counting is by *state*, not by event: for each order
line the app keeps how many units it has counted so far, and whenever the order is seen again (a
poll, a webhook, the same change twice, a restart after a crash) the ledger moves by the difference
between what the line counts now and what was counted. Seeing an order twice therefore moves
nothing, and a cancel, a refund or an edited quantity moves exactly the difference.

Statuses are BigCommerce's ``/v2/order_statuses`` (bigcommerce-api-notes §6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from enum import IntEnum
from enum import StrEnum

from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.stock import StockKey

__all__ = [
    "ORDERS_CURSOR",
    "ORDERS_OVERLAP",
    "WAITING_STATUSES",
    "Order",
    "OrderCount",
    "OrderLine",
    "OrderPage",
    "OrderStatus",
    "OwedOrder",
    "RestoreOn",
    "counted_units",
    "line_reason",
]


class OrderStatus(IntEnum):
    INCOMPLETE = 0  # an abandoned checkout: not a sale
    PENDING = 1
    SHIPPED = 2
    PARTIALLY_SHIPPED = 3
    REFUNDED = 4
    CANCELLED = 5
    DECLINED = 6  # the payment was declined: not a sale
    AWAITING_PAYMENT = 7
    AWAITING_PICKUP = 8
    AWAITING_SHIPMENT = 9
    COMPLETED = 10
    AWAITING_FULFILLMENT = 11
    MANUAL_VERIFICATION_REQUIRED = 12
    DISPUTED = 13
    PARTIALLY_REFUNDED = 14

    @classmethod
    def of(cls, value: int) -> OrderStatus | None:
        """The status for a number, None for one this version does not know (counted as a sale)."""
        try:
            return cls(value)
        except ValueError:
            return None

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


# Orders that still wait for their goods: the worklist when stock arrives.
WAITING_STATUSES = frozenset(
    {
        OrderStatus.PENDING,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.AWAITING_PICKUP,
        OrderStatus.AWAITING_SHIPMENT,
        OrderStatus.AWAITING_FULFILLMENT,
        OrderStatus.MANUAL_VERIFICATION_REQUIRED,
        OrderStatus.PARTIALLY_REFUNDED,
    }
)


class RestoreOn(StrEnum):
    """When a line's units go back to stock (the setting *restore stock on*)."""

    CANCEL = "cancel"
    REFUND = "refund"
    BOTH = "both"  # the default
    NEVER = "never"

    @property
    def on_cancel(self) -> bool:
        return self in (RestoreOn.CANCEL, RestoreOn.BOTH)

    @property
    def on_refund(self) -> bool:
        return self in (RestoreOn.REFUND, RestoreOn.BOTH)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order (``/v2/orders/{id}/products``); ``id`` is stable: lines are keyed by it."""

    id: int
    order_id: int
    product_id: int
    variant_id: int | None
    sku: str
    name: str
    quantity: int
    quantity_refunded: int = 0
    quantity_shipped: int = 0


@dataclass(frozen=True, slots=True)
class Order:
    """An order with its lines, as read from the store."""

    id: int
    status_id: int
    date_created: datetime
    date_modified: datetime
    customer: str
    lines: tuple[OrderLine, ...]

    @property
    def status(self) -> OrderStatus | None:
        return OrderStatus.of(self.status_id)


def counted_units(line: OrderLine, status_id: int, restore_on: RestoreOn) -> int:
    """How many of ``line``'s units count against stock while its order has ``status_id``.

    Incomplete and declined orders are no sale. A cancelled or refunded order gives its units back
    when *restore stock on* says so; refunded units of any other order (a partial refund) likewise.
    A status this version does not know counts as a sale: owing a unit too many is seen and fixed
    by the merchant, selling one unit too many is not.
    """
    status = OrderStatus.of(status_id)
    quantity = max(0, line.quantity)
    if status in (OrderStatus.INCOMPLETE, OrderStatus.DECLINED):
        return 0
    if status is OrderStatus.CANCELLED:
        return 0 if restore_on.on_cancel else quantity
    if status is OrderStatus.REFUNDED:
        return 0 if restore_on.on_refund else quantity
    if restore_on.on_refund:
        return max(0, quantity - max(0, line.quantity_refunded))
    return quantity


def line_reason(order_id: int, line: OrderLine, units: int) -> str:
    """The ledger's words for a line's move: "order #1234, 2 × SKU"."""
    return f"order #{order_id}, {units} × {line.sku or line.name}"


@dataclass(frozen=True, slots=True)
class OwedOrder:
    """An order that waits for stock of BackOrder products (oldest first in the worklist)."""

    order_id: int
    status_id: int
    date_created: datetime
    customer: str
    lines: tuple[tuple[StockKey, str, int], ...]  # (item, SKU, units counted)

    @property
    def units(self) -> int:
        return sum(units for _key, _sku, units in self.lines)


# The cursors-table bookmark of the orders read so far: the ``date_modified`` of the last order read.
ORDERS_CURSOR = "orders_modified"
# Each read starts this far before the cursor. BigCommerce's order dates have whole seconds, so
# orders of the cursor's own second may not all have been seen; an order committed a little after
# its ``date_modified`` (a slow checkout, a replica behind) would be missed without it; and the
# store's clock and ours may differ. The product pull re-reads 5 minutes for the same reasons;
# orders are cheaper to read again (250 a request, and counting by state makes a re-read move
# nothing), so the same window costs about one request more per sync.
ORDERS_OVERLAP = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of orders with their lines (``/v2/orders``, lines embedded); ``problems`` are the
    orders or lines that could not be read (reported, never counted)."""

    orders: tuple[Order, ...]
    problems: tuple[ItemProblem, ...] = ()
    size: int = 0  # how many orders the store sent, readable or not: a short page is the last


@dataclass
class OrderCount:
    """What applying orders did: orders and lines seen, ledger entries written, units moved."""

    orders: int = 0
    lines: int = 0  # BackOrder lines stored or updated
    entries: int = 0  # ledger entries written
    units_sold: int = 0  # units taken (sold, edited up)
    units_restored: int = 0  # units given back (cancel, refund, edited down, line removed)
    problems: list[ItemProblem] = field(default_factory=list)

    def add(self, other: OrderCount) -> None:
        self.orders += other.orders
        self.lines += other.lines
        self.entries += other.entries
        self.units_sold += other.units_sold
        self.units_restored += other.units_restored
        self.problems.extend(other.problems)
