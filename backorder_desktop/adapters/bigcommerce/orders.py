"""The store's orders (``/v2/orders``) with their lines, mapped to ``domain.orders``.

One request reads 250 orders with every line embedded
(``include=consignments.line_items&consignment_structure=object``, bigcommerce-api-notes §6.3);
an empty result is ``204 No Content``. Requests go through the client's ``StoreTransport`` (the
store's quota, retries, v2 error bodies). An order that cannot be read whole (a missing field, a
malformed line) is reported as a problem and not counted at all: counting some of its lines would
take the others for removed and give their units back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.errors import NotFound
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.orders import Order
from backorder_desktop.domain.orders import OrderLine
from backorder_desktop.domain.orders import OrderPage

__all__ = ["ORDERS", "StoreOrders", "map_order", "map_orders_page"]

ORDERS = "/v2/orders"
EMBED_LINES = {"include": "consignments.line_items", "consignment_structure": "object"}
_CONSIGNMENTS = ("shipping", "pickups", "downloads")
_MAX_ID = 2**63


class _Bad(Exception):
    """Internal: one order cannot be read; the message says why."""


def _int(raw: dict[str, Any], name: str, *, optional: bool = False) -> int:
    value = raw.get(name)
    if optional and value is None:
        return 0
    if type(value) is not int or not 0 <= value < _MAX_ID:
        raise _Bad(f"its {name} is {value!r}, not a whole number")
    return value


def _date(raw: dict[str, Any], name: str) -> datetime:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"it has no {name}")
    try:
        moment = parsedate_to_datetime(value)  # v2 dates are RFC 2822
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _Bad(f"its {name} '{value[:40]}' is not a date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def map_line(raw: Any, order_id: int) -> OrderLine:
    """An ``orderProducts`` object → ``OrderLine``; ``_Bad`` when it cannot be counted."""
    if not isinstance(raw, dict):
        raise _Bad("a line is not an object")
    quantity = _int(raw, "quantity")
    variant = _int(raw, "variant_id", optional=True)
    sku, name = raw.get("sku"), raw.get("name")
    return OrderLine(
        id=_int(raw, "id"),
        order_id=order_id,
        product_id=_int(raw, "product_id", optional=True),
        variant_id=variant or None,
        sku=sku if isinstance(sku, str) else "",
        name=name if isinstance(name, str) else "",
        quantity=quantity,
        quantity_refunded=_int(raw, "quantity_refunded", optional=True),
        quantity_shipped=_int(raw, "quantity_shipped", optional=True),
    )


def _embedded_lines(raw: dict[str, Any]) -> Iterator[Any] | None:
    """The lines in the order's consignments; None when they are not embedded (a link)."""
    consignments = raw.get("consignments")
    if not isinstance(consignments, dict) or "url" in consignments:
        return None

    def walk() -> Iterator[Any]:
        for kind in _CONSIGNMENTS:
            for consignment in consignments.get(kind) or ():
                items = consignment.get("line_items") if isinstance(consignment, dict) else None
                if not isinstance(items, list):
                    raise _Bad(f"a {kind} consignment has no line_items list")
                yield from items

    return walk()


def _customer(raw: dict[str, Any]) -> str:
    address = raw.get("billing_address")
    if not isinstance(address, dict):
        return ""
    parts = [address.get("first_name"), address.get("last_name")]
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    email = address.get("email")
    return name or (email if isinstance(email, str) else "")


def map_order(raw: Any, lines: list[Any] | None = None) -> Order:
    """An ``order_Resp`` with embedded consignments (or with ``lines`` read separately) → ``Order``."""
    if not isinstance(raw, dict):
        raise _Bad("it is not an object")
    order_id = _int(raw, "id")
    if lines is None:
        embedded = _embedded_lines(raw)
        if embedded is None:
            raise _Bad("its lines were not embedded")
        lines = list(embedded)
    return Order(
        id=order_id,
        status_id=_int(raw, "status_id"),
        date_created=_date(raw, "date_created"),
        date_modified=_date(raw, "date_modified"),
        customer=_customer(raw),
        lines=tuple(map_line(line, order_id) for line in lines),
    )


def _problem(raw: Any, index: int, why: str) -> ItemProblem:
    order_id = raw.get("id") if isinstance(raw, dict) else None
    item = f"order #{order_id}" if type(order_id) is int else f"order {index + 1} of a page"
    return ItemProblem(
        item,
        "Order not read",
        f"BigCommerce sent this order in a form the app cannot count ({why}); its lines are not "
        "counted. If it keeps happening, please report it with the log.",
    )


def map_orders_page(data: Any) -> OrderPage:
    """A ``/v2/orders`` reply (a list; None for 204) → ``OrderPage``; bad orders become problems."""
    if data is None:
        return OrderPage(orders=())
    if not isinstance(data, list):
        raise MalformedReply("BigCommerce's order list was not a list.")
    orders: list[Order] = []
    problems: list[ItemProblem] = []
    for index, raw in enumerate(data):
        try:
            orders.append(map_order(raw))
        except _Bad as bad:
            problems.append(_problem(raw, index, str(bad)))
    return OrderPage(orders=tuple(orders), problems=tuple(problems), size=len(data))


class StoreOrders:
    """``OrderSource`` over a store's transport."""

    def __init__(self, transport: StoreTransport) -> None:
        self._transport = transport

    def get_orders_page(self, modified_since: datetime, *, page: int = 1, limit: int = 250) -> OrderPage:
        if modified_since.tzinfo is None:
            raise ValueError("modified_since must be timezone-aware")
        if page < 1 or not 1 <= limit <= 250:
            raise ValueError("pages are numbered from 1 and hold 1 to 250 orders")
        params = {
            # Whole seconds, rounded down: the filter is inclusive, so this can only widen it.
            "min_date_modified": modified_since.astimezone(UTC).replace(microsecond=0).isoformat(),
            "sort": "date_modified:asc",
            "page": str(page),
            "limit": str(limit),
            **EMBED_LINES,
        }
        return self._transport.call("GET", ORDERS, map_orders_page, params=params)

    def get_order(self, order_id: int) -> Order | None:
        """One order with its lines (one request), None when the store has no such order."""
        path = f"{ORDERS}/{int(order_id)}"
        try:
            raw = self._transport.call("GET", path, lambda data: data, params=EMBED_LINES)
        except NotFound:
            return None
        try:
            return map_order(raw)
        except _Bad as bad:
            raise MalformedReply(
                f"BigCommerce sent order #{order_id} in a form the app cannot count ({bad})."
            ) from None
