"""Catalog endpoints: products (list, create, batch update, delete), one product, variants, summary."""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from backorder_desktop.demo.context import Reply
from backorder_desktop.demo.context import Request
from backorder_desktop.demo.context import StoreContext
from backorder_desktop.demo.context import json_reply
from backorder_desktop.demo.errors import STATUS_DOCS
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.errors import invalid_query
from backorder_desktop.demo.errors import too_many_items
from backorder_desktop.demo.fastjson import product_json
from backorder_desktop.demo.fastjson import untouched
from backorder_desktop.demo.generator import CUSTOM_FAMILY
from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.params import Query
from backorder_desktop.demo.params import pagination
from backorder_desktop.demo.queries import PRODUCT_FIELDS
from backorder_desktop.demo.queries import select_products
from backorder_desktop.demo.queries import select_variants
from backorder_desktop.demo.queries import variant_ids_in_order
from backorder_desktop.demo.render import PRODUCT_INCLUDES
from backorder_desktop.demo.render import iso
from backorder_desktop.demo.render import product_dict
from backorder_desktop.demo.render import select_fields
from backorder_desktop.demo.render import variant_dict
from backorder_desktop.demo.storage import MAX_STOCK
from backorder_desktop.demo.storage import Storage
from backorder_desktop.demo.words import CATEGORY_NAMES
from backorder_desktop.demo.words import FAMILIES

logger = logging.getLogger(__name__)

MAX_PRODUCT_BATCH = 10
MAX_VARIANT_BATCH = 50
MAX_DELETE = 250
LARGEST_PAGE = 250
VARIANT_PAGE_MAX = 250  # the variants spec gives no maximum; 250 as for products (notes §2)
_DELETE_FILTERS = ("id:in", "id", "sku", "name")
_UNSUPPORTED_DELETE_FILTERS = (
    "price", "weight", "condition", "brand_id", "date_modified", "date_last_imported", "is_visible",
    "is_featured", "inventory_level", "total_sold", "type", "categories", "keyword",
)  # fmt: skip


def path_id(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise invalid_query(name, "must be integer") from None


def _product_view(query: Query) -> tuple[frozenset[str], list[str] | None, list[str] | None]:
    include = frozenset(query.enum_list("include", PRODUCT_INCLUDES) or ())
    include_fields = query.enum_list("include_fields", PRODUCT_FIELDS)
    exclude_fields = query.str_list("exclude_fields")
    return include, include_fields, exclude_fields


def _render_products(st: Storage, ids: list[int], query: Query) -> list[dict[str, Any]]:
    include, include_fields, exclude_fields = _product_view(query)
    keep = tuple(name for name in include if name != "primary_image")
    return [select_fields(product_dict(st, p, include), include_fields, exclude_fields, keep) for p in ids]


def _products_json(st: Storage, ids: list[int], query: Query) -> str:
    """The products as a JSON array; untouched generated products take the fast serialiser."""
    include, include_fields, exclude_fields = _product_view(query)
    fast = not include_fields and not exclude_fields and include <= {"variants"}
    with_variants = "variants" in include
    keep = tuple(name for name in include if name != "primary_image")
    parts = [
        product_json(st, p, with_variants)
        if fast and untouched(st, p)
        else _dumps(select_fields(product_dict(st, p, include), include_fields, exclude_fields, keep))
        for p in ids
    ]
    return "[" + ",".join(parts) + "]"


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def list_products(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    query = req.query
    page, limit = query.paging()
    include, _fields, _excluded = _product_view(query)  # 422 for bad include / include_fields first
    heavy = ctx.strict.largest_page_fails and limit >= LARGEST_PAGE and "variants" in include
    if ctx.faults.take_delete_while_paging(req.method, req.full_path, page):
        with ctx.catalog.reading() as st:
            first = select_products(st, query)[:1]
        logger.info("fault: deleting product %s while a client is paging", first)
        ctx.catalog.delete_products(first)
    with ctx.catalog.reading() as st:
        ids = select_products(st, query)
        chunk = ids[(page - 1) * limit : page * limit]
        # The heavy reply times out: the largest page, well filled, with every variant of every
        # product. A page of a few changed products is light at any limit.
        if heavy and len(chunk) > LARGEST_PAGE // 2:
            raise ApiError("Gateway Timeout: the page took too long to build", status=504)
        data = _products_json(st, chunk, query)
    meta = pagination(query, total=len(ids), count=len(chunk), page=page, limit=limit)
    return Reply(200, f'{{"data":{data},"meta":{{"pagination":{_dumps(meta)}}}}}'.encode())


def create_product(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    body = req.json()
    product = ctx.catalog.create_product(body)
    include_fields = req.query.enum_list("include_fields", PRODUCT_FIELDS)
    return json_reply({"data": select_fields(product, include_fields, None, ("variants",)), "meta": {}})


def update_products(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    body = req.json()
    if not isinstance(body, list):
        raise ValidationError(
            "JSON data is missing or is invalid", errors={"body": "must be an array of products"}
        )
    if len(body) > MAX_PRODUCT_BATCH:
        raise too_many_items(MAX_PRODUCT_BATCH)
    ids = ctx.catalog.update_products(body)
    with ctx.catalog.reading() as st:
        data = _render_products(st, [p for p in ids if st.exists(p)], req.query)
    return json_reply({"data": data, "meta": {}})


def delete_products(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    query = req.query
    for name in _UNSUPPORTED_DELETE_FILTERS:
        if query.has(name):
            raise ValidationError(f"The demo store does not delete by the filter {name}; use id:in")
    if not any(query.has(name) for name in _DELETE_FILTERS):
        raise ValidationError("To delete products you must include a filter, for example ?id:in=1,2,3")
    with ctx.catalog.reading() as st:
        ids = select_products(st, query)[:MAX_DELETE]
    ctx.catalog.delete_products(ids)
    return Reply(204)


def get_product(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    product_id = path_id(params[0], "product_id")
    with ctx.catalog.reading() as st:
        if not st.exists(product_id):
            raise NotFoundError(f"Product with id {product_id} not found")
        data = _render_products(st, [product_id], req.query)[0]
    return json_reply({"data": data, "meta": {}})


def update_product(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    product_id = path_id(params[0], "product_id")
    body = req.json()
    if not isinstance(body, dict):
        raise ValidationError(
            "JSON data is missing or is invalid", errors={"body": "must be a product object"}
        )
    ctx.catalog.update_products([{**body, "id": product_id}])
    return get_product(ctx, req, params)


def delete_product(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    ctx.catalog.delete_product(path_id(params[0], "product_id"))
    return Reply(204)


def _variant_view(query: Query) -> tuple[list[str] | None, list[str] | None]:
    return query.str_list("include_fields"), query.str_list("exclude_fields")


def product_variants(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    product_id = path_id(params[0], "product_id")
    query = req.query
    page, limit = query.paging(max_limit=None, clamp_to=VARIANT_PAGE_MAX)
    include_fields, exclude_fields = _variant_view(query)
    with ctx.catalog.reading() as st:
        if not st.exists(product_id):
            raise NotFoundError(f"Product with id {product_id} not found")
        ids = list(st.variant_ids(product_id))
        data = [
            select_fields(variant_dict(st, v), include_fields, exclude_fields)
            for v in ids[(page - 1) * limit : page * limit]
        ]
    meta = pagination(query, total=len(ids), count=len(data), page=page, limit=limit)
    return json_reply({"data": data, "meta": {"pagination": meta}})


def list_variants(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    query = req.query
    page, limit = query.paging(max_limit=None, clamp_to=VARIANT_PAGE_MAX)
    include_fields, exclude_fields = _variant_view(query)
    with ctx.catalog.reading() as st:
        selected = select_variants(st, query)
        if selected is None:
            total = st.variant_total()
            chunk = variant_ids_in_order(st, (page - 1) * limit, limit)
        else:
            total = len(selected)
            chunk = selected[(page - 1) * limit : page * limit]
        data = [select_fields(variant_dict(st, v), include_fields, exclude_fields) for v in chunk]
    meta = pagination(query, total=total, count=len(data), page=page, limit=limit)
    return json_reply({"data": data, "meta": {"pagination": meta}})


def update_variants(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    body = req.json()
    if not isinstance(body, list):
        raise ValidationError(
            "JSON data is missing or is invalid", errors={"body": "must be an array of variants"}
        )
    if len(body) > MAX_VARIANT_BATCH:
        raise too_many_items(MAX_VARIANT_BATCH)
    refused: dict[str, str] = {}
    if ctx.strict.partial_batches:
        body, refused = _without_refused_stock(body)
    ids = ctx.catalog.update_variants(body)
    with ctx.catalog.reading() as st:
        data = [variant_dict(st, v) for v in ids if st.variant_exists(v)]
    if refused:
        errors = {"status": 422, "title": "Inventory was not saved", "type": STATUS_DOCS, "errors": refused}
        return json_reply({"data": data, "errors": errors, "meta": {}}, status=207)
    return json_reply({"data": data, "meta": {}})


def _without_refused_stock(items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """The batch with each out-of-range ``inventory_level`` taken out (the rest of its item is
    still saved), and why, by item position: what a 207 names."""
    kept: list[Any] = []
    refused: dict[str, str] = {}
    for index, item in enumerate(items):
        level = item.get("inventory_level") if isinstance(item, dict) else None
        if isinstance(level, int) and not isinstance(level, bool) and not 0 <= level <= MAX_STOCK:
            refused[f"items.{index}.inventory_level"] = (
                f"Variant with id {item.get('id')}: inventory_level must be between 0 and {MAX_STOCK}"
            )
            item = {k: v for k, v in item.items() if k != "inventory_level"}
        kept.append(item)
    return kept, refused


def summary(ctx: StoreContext, _req: Request, _params: list[str]) -> Reply:
    with ctx.catalog.reading() as st:
        data = catalog_summary(st)
    return json_reply({"data": data, "meta": {}})


def catalog_summary(st: Storage) -> dict[str, Any]:
    """``GET /catalog/summary`` over the live catalog (``lowest_variant_price`` is a string, per spec)."""
    cols = st.cols
    count = 0
    stock_total = 0
    value_cents = 0
    price_sum = 0
    low: int | None = None
    high = 0
    oldest: int | None = None
    newest = 0
    categories: Counter[int] = Counter()
    for product_id in st.live:
        i = product_id - 1
        family = cols.family[i]
        categories[
            FAMILIES[family].category_id if family != CUSTOM_FAMILY else st.text(product_id).category_id
        ] += 1
        created = cols.created[i]
        oldest = created if oldest is None else min(oldest, created)
        newest = max(newest, created)
        for variant_id in st.variant_ids(product_id):
            cents = cols.v_price[variant_id - 1]
            stock = st.variant_stock(variant_id)
            count += 1
            price_sum += cents
            low = cents if low is None else min(low, cents)
            high = max(high, cents)
            stock_total += stock
            value_cents += stock * cents
        if cols.tracking[i] == TRACK_PRODUCT and not st.is_simple(product_id):
            stock_total += st.product_stock(product_id)
            value_cents += st.product_stock(product_id) * cols.price[i]
    primary = categories.most_common(1)[0][0] if categories else 0
    return {
        "inventory_count": stock_total,
        "inventory_value": value_cents / 100,
        "variant_count": count,
        "highest_variant_price": high / 100,
        "average_variant_price": round(price_sum / count / 100, 8) if count else 0.0,
        "lowest_variant_price": f"{(low or 0) / 100:g}",
        "oldest_variant_date": iso(oldest or 0),
        "newest_variant_date": iso(newest),
        "primary_category_id": primary,
        "primary_category_name": CATEGORY_NAMES.get(primary, ""),
    }
