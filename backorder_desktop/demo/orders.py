"""The demo store's orders: placed, edited, cancelled and refunded as on BigCommerce, moving catalog stock.

Every change is one step under the order book's lock and the catalog's (``Catalog.order_change``), so
a stock check and the stock it takes cannot be split by another order. Stock follows
``/v3/settings/inventory`` (notes §5.3, §6.3):

- ``update_stock_behavior``: ``order_placed`` takes an order's units when it is placed (Incomplete,
  status 0, takes none until it moves on); ``order_completed_or_shipped`` when it first reaches
  Shipped, Partially Shipped or Completed.
- ``refund_order_stock_adjustment``: a merchant's Cancelled, Refunded or Declined status gives the
  units back (and a later status takes them again). Refunds made through the payment API never do.
- ``edit_order_stock_adjustment``: an edited quantity moves stock by the difference.

Only tracked items move (the stock a product or variant tracks, as ``Catalog.adjust_stock`` finds
it); an untracked one can always be bought. A tracked item cannot be ordered beyond its stock (409
``OutOfStock``), a product with ``availability: disabled`` or a variant with ``purchasing_disabled``
not at all (409). Every change moves the order's ``date_modified`` and raises ``store/order/*`` events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backorder_desktop.demo.catalog import Catalog
from backorder_desktop.demo.catalog import EventSink
from backorder_desktop.demo.catalog_rules import StockKey
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.events import Event
from backorder_desktop.demo.inventory import give_back
from backorder_desktop.demo.inventory import sellable
from backorder_desktop.demo.inventory import take
from backorder_desktop.demo.inventory_settings import InventorySettings
from backorder_desktop.demo.order_changes import check_new_order
from backorder_desktop.demo.order_changes import check_refund
from backorder_desktop.demo.order_changes import check_update
from backorder_desktop.demo.order_changes import line_for
from backorder_desktop.demo.order_changes import stock_key
from backorder_desktop.demo.order_model import INCOMPLETE
from backorder_desktop.demo.order_model import PARTIALLY_REFUNDED
from backorder_desktop.demo.order_model import REFUNDED
from backorder_desktop.demo.order_model import RESTOCKING_STATUSES
from backorder_desktop.demo.order_model import SHIPPING_STATUSES
from backorder_desktop.demo.order_model import Order
from backorder_desktop.demo.order_model import OrderLine
from backorder_desktop.demo.order_model import Refund
from backorder_desktop.demo.storage import Storage

FIRST_ORDER_ID = 100
Move = tuple[StockKey, int, int]  # (stock key, product id, delta)


class OutOfStock(ApiError):
    """409: a tracked item ordered beyond its stock; ``details`` as notes §6.1 give them."""

    status = 409

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message, status=409, errors=details)
        self.details = details


@dataclass(frozen=True)
class OrderFilter:
    """The filters of ``GET /v2/orders`` and ``/v2/orders/count`` (bounds inclusive; dates in Unix s)."""

    min_id: int | None = None
    max_id: int | None = None
    status_id: int | None = None
    min_date_created: int | None = None
    max_date_created: int | None = None
    min_date_modified: int | None = None
    max_date_modified: int | None = None

    def matches(self, order: Order) -> bool:
        return (
            _within(order.id, self.min_id, self.max_id)
            and (self.status_id is None or order.status_id == self.status_id)
            and _within(order.date_created, self.min_date_created, self.max_date_created)
            and _within(order.date_modified, self.min_date_modified, self.max_date_modified)
        )


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True)
class OrderSummary:
    """What the shopper simulator picks orders by."""

    id: int
    status_id: int
    lines: tuple[tuple[int, int, int], ...]  # (line id, quantity, quantity refunded)


class OrderBook:
    """Every order and refund of one store (thread-safe)."""

    def __init__(
        self, catalog: Catalog, settings: InventorySettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.clock = clock  # what dates orders; tests set a fake clock
        self._lock = threading.RLock()
        self._orders: dict[int, Order] = {}
        self._refunds: dict[int, Refund] = {}
        self._next_order = FIRST_ORDER_ID
        self._next_line = 1
        self._next_refund = 1
        self._sink: EventSink | None = None

    def set_event_sink(self, sink: EventSink | None) -> None:
        self._sink = sink

    def _emit(self, events: list[Event]) -> None:
        sink = self._sink
        if sink is not None:
            for scope, data in events:
                sink(scope, data)

    def _touch(self, order: Order) -> None:
        order.date_modified = max(order.date_modified, int(self.clock()))

    # --- reads --------------------------------------------------------------------------------

    def select(self, where: OrderFilter, sort: str = "id", descending: bool = False) -> list[Order]:
        """Matching orders in ``sort`` order (ties by id); treat them as read-only."""
        with self._lock:
            found = [o for o in self._orders.values() if where.matches(o)]
        found.sort(key=lambda o: (getattr(o, sort), o.id), reverse=descending)
        return found

    def render(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` (which reads orders) while no order changes."""
        with self._lock:
            return fn()

    def get(self, order_id: int) -> Order:
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                raise NotFoundError("The requested resource was not found.")
            return order

    def refunds(
        self, order_ids: list[int] | None = None, refund_ids: list[int] | None = None
    ) -> list[Refund]:
        with self._lock:
            return [
                r
                for r in sorted(self._refunds.values(), key=lambda r: r.id)
                if (order_ids is None or r.order_id in order_ids)
                and (refund_ids is None or r.id in refund_ids)
            ]

    def order_ids(self) -> list[int]:
        with self._lock:
            return list(self._orders)

    def summary(self, order_id: int) -> OrderSummary:
        with self._lock:
            return _summary(self.get(order_id))

    def summaries(self) -> list[OrderSummary]:
        with self._lock:
            return [_summary(o) for o in sorted(self._orders.values(), key=lambda o: o.id)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._orders)

    # --- stock --------------------------------------------------------------------------------

    def _commits(self, status_id: int) -> bool:
        if self.settings.effective("update_stock_behavior") == "order_placed":
            return status_id != INCOMPLETE and status_id not in RESTOCKING_STATUSES
        return status_id in SHIPPING_STATUSES

    def _sync(self, st: Storage, lines: list[OrderLine], moves: list[Move], *, strict: bool) -> None:
        """Make each line hold its counted units: take what it lacks, give back what it holds beyond.

        Units are taken from on hand first and, with native backorders, then backordered up to the
        item's limit (``inventory.take``); the line keeps how many of its units are backordered.
        ``strict``: a tracked item short of what it may sell is a 409 (an order or edit); otherwise a
        status change takes what may still be sold, never beyond (the store refuses negative stock).
        """
        wanted = OrderBook._wanted(st, lines)
        if strict:
            OrderBook._check_wanted(st, wanted)
        by_key: dict[StockKey, list[tuple[OrderLine, int]]] = {}
        for line, key, want in wanted:
            by_key.setdefault(key, []).append((line, want))
        for key, items in by_key.items():
            self._move_key(st, key, items, moves, strict=strict)

    def _move_key(
        self,
        st: Storage,
        key: StockKey,
        items: list[tuple[OrderLine, int]],
        moves: list[Move],
        *,
        strict: bool,
    ) -> None:
        """One item's lines: the store moves by their net only (the catalog applies ``moves`` after the
        change, so the item is taken or given back once); each line keeps its own units."""
        net = sum(want for _, want in items)
        total = net if strict or net <= 0 else min(net, sellable(st, key))
        owner = items[0][0].product_id
        released = 0  # backordered units of lines that give units back
        for line, want in items:
            if want < 0:
                freed = min(line.backordered, -want)
                line.backordered -= freed
                released += freed
                line.taken += want
        if total > 0:
            from_stock = -take(st, key, total)
            backordered = released + total - from_stock
            if from_stock:
                moves.append((key, owner, -from_stock))
        else:
            to_stock = give_back(st, key, -total) if total < 0 else 0
            settled = -total - to_stock  # the store settles backordered units before adding stock
            backordered = max(0, released - settled)
            if settled > released:  # units back on hand went to other orders' backordered units
                self._settle_others(st, key, settled - released, [line for line, _ in items])
            if to_stock:
                moves.append((key, owner, to_stock))
        budget = total + sum(-want for _, want in items if want < 0)
        for line, want in items:
            if want > 0 and budget > 0:
                give = min(want, budget)
                budget -= give
                line.taken += give
                on_backorder = min(give, backordered)
                backordered -= on_backorder
                line.backordered += on_backorder

    @staticmethod
    def _wanted(st: Storage, lines: list[OrderLine]) -> list[tuple[OrderLine, StockKey, int]]:
        """Each tracked line with what it lacks (below 0: what it holds beyond its counted units)."""
        found = []
        for line in lines:
            key = stock_key(st, line.product_id, line.variant_id)
            if key is not None:
                found.append((line, key, line.counted - line.taken))
        return found

    @staticmethod
    def _check_wanted(st: Storage, wanted: list[tuple[OrderLine, StockKey, int]]) -> None:
        needed: dict[StockKey, int] = {}
        for _line, key, want in wanted:
            needed[key] = needed.get(key, 0) + want
        short = [(k, n) for k, n in needed.items() if n > 0 and n > sellable(st, k)]
        if short:
            raise out_of_stock(st, short)

    @staticmethod
    def _check(st: Storage, lines: list[OrderLine]) -> None:
        """409 when ``lines`` could not all be taken now (nothing is taken)."""
        OrderBook._check_wanted(st, OrderBook._wanted(st, lines))

    def _settle_others(self, st: Storage, key: StockKey, units: int, exclude: list[OrderLine]) -> None:
        """``units`` of other orders' backordered units of ``key`` are now on hand: oldest order first."""
        skip = {id(line) for line in exclude}
        for order in sorted(self._orders.values(), key=lambda o: o.id):
            for line in order.lines:
                if units <= 0:
                    return
                if id(line) in skip or not line.backordered:
                    continue
                if stock_key(st, line.product_id, line.variant_id) == key:
                    settled = min(units, line.backordered)
                    line.backordered -= settled
                    units -= settled

    def _give_back(self, st: Storage, lines: list[OrderLine], moves: list[Move]) -> None:
        by_key: dict[StockKey, list[tuple[OrderLine, int]]] = {}
        for line in lines:
            key = stock_key(st, line.product_id, line.variant_id)
            if key is not None and line.taken:
                by_key.setdefault(key, []).append((line, -line.taken))
            elif key is None:
                line.taken = 0
        for key, items in by_key.items():
            self._move_key(st, key, items, moves, strict=False)

    def _status_moves(
        self, st: Storage, order: Order, new: int, moves: list[Move], *, by_refund: bool
    ) -> None:
        restock = self.settings.effective("refund_order_stock_adjustment") and not by_refund
        if not order.committed and self._commits(new):
            order.committed = True
            self._sync(st, order.lines, moves, strict=False)
        elif order.committed and not order.restocked and new in RESTOCKING_STATUSES and restock:
            order.restocked = True
            self._give_back(st, order.lines, moves)
        elif order.restocked and new not in RESTOCKING_STATUSES:
            order.restocked = False
            self._sync(st, order.lines, moves, strict=False)
        order.status_id = new

    # --- changes ------------------------------------------------------------------------------

    def place(self, body: object) -> Order:
        """``POST /v2/orders``: the new order, its units taken as the settings say."""
        new = check_new_order(body)
        with self._lock:
            now = int(self.clock())
            order = Order(self._next_order, INCOMPLETE, now, now, new.billing_address, [], new.staff_notes)
            order.customer_message = new.customer_message

            def change(st: Storage) -> list[Move]:
                lines = [
                    line_for(st, item, order.id, self._next_line + i, f"products.{i}")
                    for i, item in enumerate(new.products)
                ]
                # A tracked item cannot be bought beyond its stock, whenever its units are taken.
                self._check(st, lines)
                order.lines = lines
                moves: list[Move] = []
                self._status_moves(st, order, new.status_id, moves, by_refund=False)
                return moves

            self.catalog.order_change(change)
            self._orders[order.id] = order
            self._next_order += 1
            self._next_line += len(order.lines)
        self._emit([("store/order/created", {"type": "order", "id": order.id})])
        return order

    def update(self, order_id: int, body: object) -> Order:
        """``PUT /v2/orders/{id}``: status, staff notes, billing address and line edits."""
        edit = check_update(body)
        with self._lock:
            order = self.get(order_id)
            before = order.status_id
            adjust = bool(self.settings.effective("edit_order_stock_adjustment"))
            added: list[OrderLine] = []

            def change(st: Storage) -> list[Move]:
                by_id = {line.id: line for line in order.lines}
                edits = [item for item in edit.products if "id" in item]
                for item in edits:
                    if item["id"] not in by_id:
                        raise ApiError(f"The order product with id {item['id']} was not found.", status=400)
                for index, item in enumerate(edit.products):
                    if "id" not in item:
                        added.append(
                            line_for(st, item, order.id, self._next_line + len(added), f"products.{index}")
                        )
                self._check(st, added)
                edited = [_copy(by_id[item["id"]]) for item in edits]
                for item, line in zip(edits, edited, strict=True):
                    line.quantity = item["quantity"]
                    if adjust:
                        line.counted = item["quantity"]
                moves: list[Move] = []
                if order.committed and not order.restocked:
                    self._sync(st, edited + added, moves, strict=True)
                for line in edited:
                    by_id[line.id].__dict__.update(line.__dict__)
                order.lines = [line for line in order.lines if line.quantity > 0] + added
                if edit.status_id is not None and edit.status_id != order.status_id:
                    self._status_moves(st, order, edit.status_id, moves, by_refund=False)
                return moves

            self.catalog.order_change(change)
            self._next_line += len(added)
            if edit.staff_notes is not None:
                order.staff_notes = edit.staff_notes
            if edit.customer_message is not None:
                order.customer_message = edit.customer_message
            if edit.billing_address is not None:
                order.billing_address = {**order.billing_address, **edit.billing_address}
            self._touch(order)
            after = order.status_id
        self._emit(_update_events(order_id, before, after))
        return order

    def refund(self, order_id: int, body: object) -> Refund:
        """``POST /v3/orders/{id}/payment_actions/refunds``: items back to the shopper's money, not to
        stock (notes §6.3); the order becomes Refunded or Partially Refunded."""
        with self._lock:
            order = self.get(order_id)
            wanted = check_refund(
                body, {line.id: line.quantity - line.quantity_refunded for line in order.lines}
            )
            before = order.status_id
            prices = {line.id: line.price_cents for line in order.lines}
            amount = sum(prices[line_id] * qty for line_id, qty, _reason in wanted)
            refund = Refund(
                id=self._next_refund,
                order_id=order_id,
                created=int(self.clock()),
                reason=str(body.get("reason", "")) if isinstance(body, dict) else "",
                items=[
                    {
                        "item_type": "PRODUCT",
                        "item_id": line_id,
                        "quantity": qty,
                        "reason": reason,
                        "requested_amount": None,  # PRODUCT items: the amount follows the quantity
                    }
                    for line_id, qty, reason in wanted
                ],
                amount_cents=amount,
                provider_id="custom",
            )
            for line in order.lines:
                line.quantity_refunded += sum(q for line_id, q, _ in wanted if line_id == line.id)
            fully = all(line.quantity_refunded >= line.quantity for line in order.lines)
            new_status = REFUNDED if fully else PARTIALLY_REFUNDED

            def change(st: Storage) -> list[Move]:
                moves: list[Move] = []
                self._status_moves(st, order, new_status, moves, by_refund=True)
                return moves

            self.catalog.order_change(change)
            order.refunded_cents += amount
            self._refunds[refund.id] = refund
            self._next_refund += 1
            self._touch(order)
        events: list[Event] = [
            (
                "store/order/refund/created",
                {"type": "order", "id": order_id, "refund": {"refund_id": refund.id}},
            )
        ]
        self._emit(events + _update_events(order_id, before, new_status))
        return refund


def _summary(order: Order) -> OrderSummary:
    lines = tuple((line.id, line.quantity, line.quantity_refunded) for line in order.lines)
    return OrderSummary(order.id, order.status_id, lines)


def _copy(line: OrderLine) -> OrderLine:
    return OrderLine(**{**line.__dict__, "option_values": list(line.option_values)})


def _update_events(order_id: int, before: int, after: int) -> list[Event]:
    events: list[Event] = [("store/order/updated", {"type": "order", "id": order_id})]
    if before != after:
        status = {"previous_status_id": before, "new_status_id": after}
        events.append(("store/order/statusUpdated", {"type": "order", "id": order_id, "status": status}))
    return events


def out_of_stock(st: Storage, short: list[tuple[StockKey, int]]) -> OutOfStock:
    """409 ``OutOfStock`` with the body of notes §6.1 (``available_quantity_for_backorder`` with
    native backorders on)."""
    errors = []
    native = st.locations.native_backorders
    for (kind, ident), wanted in short:
        for_backorder = st.locations.for_backorder((kind, ident))
        available = sellable(st, (kind, ident)) - for_backorder
        product_id = ident if kind == "p" else st.cols.v_owner[ident - 1]
        message = f"Only {available} in stock, {wanted} ordered"
        errors.append(
            {
                "type": "OutOfStock",
                "product_id": product_id,
                **({"variant_id": ident} if kind == "v" else {}),
                "location_id": 1,
                "available_quantity": available,
                **({"available_quantity_for_backorder": for_backorder} if native else {}),
                "message": f"{message}, {for_backorder} more on backorder" if native else message,
            }
        )
    return OutOfStock(
        "Quantities of one or more products are out of stock. Please reduce the quantity and try again.",
        {"errors": errors},
    )
