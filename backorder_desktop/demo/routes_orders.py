"""Orders (v2), refunds (v3 payment actions) and ``/v3/settings/inventory`` endpoints.

v2 collections answer ``204 No Content`` when nothing matches, as the live API does (notes §6.3);
``limit`` above 250 is served as 250. Dates in filters are RFC-2822, ISO-8601 or Unix seconds.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

from backorder_desktop.demo.context import Reply
from backorder_desktop.demo.context import Request
from backorder_desktop.demo.context import StoreContext
from backorder_desktop.demo.context import json_reply
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.errors import invalid_query
from backorder_desktop.demo.order_model import STATUSES
from backorder_desktop.demo.order_model import line_dict
from backorder_desktop.demo.order_model import order_dict
from backorder_desktop.demo.order_model import refund_dict
from backorder_desktop.demo.order_model import status_dict
from backorder_desktop.demo.orders import OrderFilter
from backorder_desktop.demo.params import Query
from backorder_desktop.demo.params import pagination
from backorder_desktop.demo.routes_catalog import path_id

V2_PAGE_MAX = 250
ORDER_INCLUDES = frozenset({"consignments", "consignments.line_items", "fees"})
SORT_FIELDS = ("id", "customer_id", "date_created", "date_modified", "status_id", "channel_id", "external_id")
# Sort fields every demo order has the same value of are served in id order.
_SORTED_BY = {"date_created": "date_created", "date_modified": "date_modified", "status_id": "status_id"}


def _when(query: Query, name: str) -> int | None:
    raw = query.text(name)
    if raw is None:
        return None
    try:
        return query.timestamp(name)
    except ApiError:
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            raise invalid_query(name, "must be an RFC-2822 or ISO-8601 date-time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return int(parsed.timestamp())


def _filter(query: Query) -> OrderFilter:
    return OrderFilter(
        min_id=query.integer("min_id"),
        max_id=query.integer("max_id"),
        status_id=query.integer("status_id"),
        min_date_created=_when(query, "min_date_created"),
        max_date_created=_when(query, "max_date_created"),
        min_date_modified=_when(query, "min_date_modified"),
        max_date_modified=_when(query, "max_date_modified"),
    )


def _sort(query: Query) -> tuple[str, bool]:
    raw = query.text("sort")
    if raw is None:
        return "id", False
    name, _, direction = raw.partition(":")
    if name not in SORT_FIELDS or direction not in ("", "asc", "desc"):
        raise invalid_query("sort", "must be a field of " + ", ".join(SORT_FIELDS) + ", with :asc or :desc")
    return _SORTED_BY.get(name, "id"), direction == "desc"


def _include(query: Query) -> frozenset[str]:
    values = query.enum_list("include", ORDER_INCLUDES) or []
    structure = query.enum("consignment_structure", ("object",))
    if structure is None:  # the array structure of old is not imitated: consignments stay a link
        values = [v for v in values if not v.startswith("consignments")]
    return frozenset(values)


def _base(ctx: StoreContext, req: Request) -> str:
    return f"http://{req.headers.get('Host', '127.0.0.1')}/stores/{ctx.store_hash}"


def _v2_list(rows: list[Any]) -> Reply:
    return json_reply(rows) if rows else Reply(204)


def list_orders(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    """``GET /v2/orders``: one page; ``include=consignments.line_items`` embeds every order's lines."""
    query = req.query
    where, (sort, descending) = _filter(query), _sort(query)
    page, limit = query.paging(max_limit=None, clamp_to=V2_PAGE_MAX)
    include, base = _include(query), _base(ctx, req)

    def page_of_orders() -> list[dict[str, Any]]:
        chunk = ctx.orders.select(where, sort, descending)[(page - 1) * limit : page * limit]
        return [order_dict(order, base, include) for order in chunk]

    return _v2_list(ctx.orders.render(page_of_orders))


def count_orders(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    """``GET /v2/orders/count``: the matching orders per status, and in all."""
    orders = ctx.orders.select(_filter(req.query))
    per_status = {status_id: 0 for status_id in STATUSES}
    for order in orders:
        per_status[order.status_id] += 1
    statuses = []
    for status_id in sorted(STATUSES, key=lambda s: STATUSES[s][2]):
        row = status_dict(status_id)
        row["sort_order"] = row.pop("order")
        statuses.append({**row, "count": per_status[status_id]})
    return json_reply({"statuses": statuses, "count": len(orders)})


def create_order(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    order = ctx.orders.place(req.json())
    include, base = _include(req.query), _base(ctx, req)
    return json_reply(ctx.orders.render(lambda: order_dict(order, base, include)))


def get_order(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    order = ctx.orders.get(path_id(params[0], "order_id"))
    include, base = _include(req.query), _base(ctx, req)
    return json_reply(ctx.orders.render(lambda: order_dict(order, base, include)))


def update_order(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    order_id = path_id(params[0], "order_id")
    ctx.orders.get(order_id)  # 404 before looking at the body
    order = ctx.orders.update(order_id, req.json())
    base = _base(ctx, req)
    return json_reply(ctx.orders.render(lambda: order_dict(order, base)))


def order_products(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    """``GET /v2/orders/{id}/products``: the order's lines, 50 a page by default."""
    order = ctx.orders.get(path_id(params[0], "order_id"))
    page, limit = req.query.paging(max_limit=None, clamp_to=V2_PAGE_MAX)
    rows = ctx.orders.render(lambda: [line_dict(line) for line in order.lines])
    return _v2_list(rows[(page - 1) * limit : page * limit])


def order_statuses(_ctx: StoreContext, _req: Request, _params: list[str]) -> Reply:
    return json_reply([status_dict(status_id) for status_id in sorted(STATUSES)])


def order_status(_ctx: StoreContext, _req: Request, params: list[str]) -> Reply:
    status_id = path_id(params[0], "status_id")
    if status_id not in STATUSES:
        raise NotFoundError("The requested resource was not found.")
    return json_reply(status_dict(status_id))


# --- v3 refunds ---------------------------------------------------------------------------------


def _refund_page(req: Request, refunds: list[Any]) -> Reply:
    query = req.query
    page, limit = query.paging(max_limit=V2_PAGE_MAX)
    data = [refund_dict(r) for r in refunds[(page - 1) * limit : page * limit]]
    meta = pagination(query, total=len(refunds), count=len(data), page=page, limit=limit)
    return json_reply({"data": data, "meta": {"pagination": meta}})


def list_refunds(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    """``GET /v3/orders/payment_actions/refunds`` (``order_id:in``, ``id:in``), by refund id."""
    query = req.query
    return _refund_page(req, ctx.orders.refunds(query.int_list("order_id:in"), query.int_list("id:in")))


def order_refunds(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    order_id = path_id(params[0], "order_id")
    ctx.orders.get(order_id)
    return _refund_page(req, ctx.orders.refunds([order_id]))


def create_refund(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    order_id = path_id(params[0], "order_id")
    ctx.orders.get(order_id)
    refund = ctx.orders.refund(order_id, req.json())
    return json_reply({"data": refund_dict(refund), "meta": {}}, status=201)


def get_refund(ctx: StoreContext, _req: Request, params: list[str]) -> Reply:
    found = ctx.orders.refunds(refund_ids=[path_id(params[0], "refund_id")])
    if not found:
        raise NotFoundError("The requested resource was not found.")
    return json_reply({"data": refund_dict(found[0]), "meta": {}})


# --- /v3/settings/inventory -----------------------------------------------------------------------


def inventory_settings(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    channel = req.query.integer("channel_id", minimum=1)
    return json_reply({"data": ctx.orders.settings.read(channel), "meta": {}})


def update_inventory_settings(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    channel = req.query.integer("channel_id", minimum=1)
    return json_reply({"data": ctx.orders.settings.update(req.json(), channel), "meta": {}})
