"""Inventory API reads and settings: items at every location, one location's items, the locations."""

from __future__ import annotations

import uuid
from typing import Any

from backorder_desktop.demo.context import Reply
from backorder_desktop.demo.context import Request
from backorder_desktop.demo.context import StoreContext
from backorder_desktop.demo.context import json_reply
from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.inventory import item_dict
from backorder_desktop.demo.inventory import location_item_dict
from backorder_desktop.demo.locations import DEFAULT_LOCATION_ID
from backorder_desktop.demo.locations import location_dict
from backorder_desktop.demo.params import Query
from backorder_desktop.demo.params import pagination
from backorder_desktop.demo.queries import select_items
from backorder_desktop.demo.queries import variant_ids_in_order
from backorder_desktop.demo.routes_catalog import path_id
from backorder_desktop.demo.storage import Storage

ITEMS_PAGE_MAX = 1000  # "Limit of 1000 items for payload length" (inventory spec)


def _wanted_locations(st: Storage, query: Query) -> list[int]:
    """The locations ``location_id:in`` / ``location_code:in`` name (all of them when neither is given)."""
    ids = query.int_list("location_id:in")
    codes = query.str_list("location_code:in")
    return [
        location_id
        for location_id in st.locations.ids()
        if (ids is None or location_id in ids)
        and (codes is None or location_dict(location_id)["code"] in codes)
    ]


def _page_of_items(st: Storage, query: Query, page: int, limit: int) -> tuple[int, list[int]]:
    selected = select_items(st, query)
    if selected is None:
        return st.variant_total(), variant_ids_in_order(st, (page - 1) * limit, limit)
    return len(selected), selected[(page - 1) * limit : page * limit]


def inventory_items(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    """``GET /v3/inventory/items``: each item with its stock at every location (or the ones filtered)."""
    query = req.query
    page, limit = query.paging(max_limit=None, clamp_to=ITEMS_PAGE_MAX)
    with ctx.catalog.reading() as st:
        at = _wanted_locations(st, query)
        if at:
            total, chunk = _page_of_items(st, query, page, limit)
        else:
            total, chunk = 0, []
        data = [item_dict(st, v, at) for v in chunk]
    meta = pagination(query, total=total, count=len(data), page=page, limit=limit)
    return json_reply({"data": data, "meta": {"pagination": meta}})


def location_items(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    """``GET /v3/inventory/locations/{id}/items``; an unknown location is a 404 (inventory.v3.yml)."""
    location_id = path_id(params[0], "location_id")
    query = req.query
    page, limit = query.paging(max_limit=None, clamp_to=ITEMS_PAGE_MAX)
    with ctx.catalog.reading() as st:
        if not st.locations.exists(location_id):
            raise NotFoundError(f"Location with id {location_id} not found")
        total, chunk = _page_of_items(st, query, page, limit)
        data = [location_item_dict(st, location_id, v) for v in chunk]
    meta = pagination(query, total=total, count=len(data), page=page, limit=limit)
    return json_reply({"data": data, "meta": {"pagination": meta}})


def update_location_items(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    """``PUT /v3/inventory/locations/{id}/items``: 200 or 422 only (the spec has no 404 here)."""
    ctx.catalog.update_location_items(path_id(params[0], "location_id"), req.json())
    return json_reply({"transaction_id": str(uuid.uuid4())})


def locations(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    """``GET /v3/inventory/locations``: location 1 is the default one (``is_default``)."""
    query = req.query
    page, limit = query.paging(max_limit=None)
    is_default = query.boolean("is_default")
    active = query.boolean("is_active")
    with ctx.catalog.reading() as st:
        at = _wanted_locations(st, query)
    rows: list[dict[str, Any]] = [
        location_dict(location_id)
        for location_id in at
        if (is_default is None or is_default == (location_id == DEFAULT_LOCATION_ID)) and active is not False
    ]
    data = rows[(page - 1) * limit : page * limit]
    meta = pagination(query, total=len(rows), count=len(data), page=page, limit=limit)
    return json_reply({"data": data, "meta": {"pagination": meta}})
