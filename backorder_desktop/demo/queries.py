"""List endpoints: filter, sort and page products, variants and inventory items over the catalog state."""

from __future__ import annotations

import operator
from bisect import bisect_left
from bisect import bisect_right
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from backorder_desktop.demo.params import Query
from backorder_desktop.demo.storage import Storage

PRODUCT_FIELDS = frozenset(
    [
        "name",
        "type",
        "sku",
        "description",
        "weight",
        "width",
        "depth",
        "height",
        "price",
        "cost_price",
        "retail_price",
        "sale_price",
        "map_price",
        "tax_class_id",
        "product_tax_code",
        "calculated_price",
        "categories",
        "brand_id",
        "option_set_id",
        "option_set_display",
        "inventory_level",
        "inventory_warning_level",
        "inventory_tracking",
        "reviews_rating_sum",
        "reviews_count",
        "total_sold",
        "fixed_cost_shipping_price",
        "is_free_shipping",
        "is_visible",
        "is_featured",
        "related_products",
        "warranty",
        "bin_picking_number",
        "layout_file",
        "upc",
        "mpn",
        "gtin",
        "date_last_imported",
        "search_keywords",
        "availability",
        "availability_description",
        "condition",
        "is_condition_shown",
        "order_quantity_minimum",
        "order_quantity_maximum",
        "page_title",
        "meta_keywords",
        "meta_description",
        "date_created",
        "date_modified",
        "view_count",
        "preorder_release_date",
        "preorder_message",
        "is_preorder_only",
        "is_price_hidden",
        "price_hidden_label",
        "custom_url",
        "base_variant_id",
        "open_graph_type",
        "open_graph_title",
        "open_graph_description",
        "open_graph_use_meta_description",
        "open_graph_use_product_name",
        "open_graph_use_image",
    ]
)
SORTS = (
    "id",
    "name",
    "sku",
    "price",
    "date_modified",
    "date_last_imported",
    "inventory_level",
    "is_visible",
    "total_sold",
    "calculated_price",
)

Predicate = Callable[[int], bool]


def _id_range(live: Iterable[int], query: Query) -> list[int]:
    ids = list(live) if not isinstance(live, list) else live
    low = query.integer("id:min")
    high = query.integer("id:max")
    greater = query.integer("id:greater")
    less = query.integer("id:less")
    start = 0
    end = len(ids)
    if low is not None:
        start = max(start, bisect_left(ids, low))
    if greater is not None:
        start = max(start, bisect_right(ids, greater))
    if high is not None:
        end = min(end, bisect_right(ids, high))
    if less is not None:
        end = min(end, bisect_left(ids, less))
    return ids[start:end] if start < end else []


def _stock_check(st: Storage, test: Callable[[int, int], bool], bound: int) -> Predicate:
    return lambda p: test(st.product_stock(p), bound)


def _product_predicates(st: Storage, query: Query) -> list[Predicate]:
    cols = st.cols
    checks: list[Predicate] = []
    visible = query.boolean("is_visible")
    if visible is not None:
        flag = 1 if visible else 0
        checks.append(lambda p: cols.visible[p - 1] == flag)
    since = query.timestamp("date_modified:min")
    if since is not None:
        checks.append(lambda p: cols.modified[p - 1] >= since)
    until = query.timestamp("date_modified:max")
    if until is not None:
        checks.append(lambda p: cols.modified[p - 1] <= until)
    day = query.timestamp("date_modified")
    if day is not None:
        day_start = day - day % 86400
        checks.append(lambda p: day_start <= cols.modified[p - 1] < day_start + 86400)
    price = query.number("price")
    if price is not None:
        cents = round(price * 100)
        checks.append(lambda p: cols.price[p - 1] == cents)
    not_in = query.int_list("id:not_in")
    if not_in:
        excluded = set(not_in)
        checks.append(lambda p: p not in excluded)
    stock_bounds: tuple[tuple[str, Callable[[int, int], bool]], ...] = (
        ("inventory_level", operator.eq),
        ("inventory_level:min", operator.ge),
        ("inventory_level:max", operator.le),
        ("inventory_level:greater", operator.gt),
        ("inventory_level:less", operator.lt),
    )
    for op, test in stock_bounds:
        bound = query.integer(op)
        if bound is not None:
            checks.append(_stock_check(st, test, bound))
    levels = query.int_list("inventory_level:in")
    if levels is not None:
        wanted = set(levels)
        checks.append(lambda p: st.product_stock(p) in wanted)
    skus = query.str_list("sku:in")
    if skus is not None:
        wanted_skus = set(skus)
        checks.append(lambda p: st.product_sku(p) in wanted_skus)
    keyword = query.text("keyword") or query.text("name:like")
    if keyword:
        needle = keyword.lower().strip("%")
        checks.append(lambda p: needle in st.product_name(p).lower() or needle in st.product_sku(p).lower())
    brand = query.integer("brand_id")
    if brand is not None:
        checks.append(lambda p: int(st.p_over.get(p, {}).get("brand_id", st.text(p).brand_id)) == brand)
    return checks


def _sort_key(st: Storage, sort: str) -> Callable[[int], Any]:
    cols = st.cols
    keys: dict[str, Callable[[int], Any]] = {
        "name": lambda p: st.product_name(p),
        "sku": lambda p: st.product_sku(p),
        "price": lambda p: cols.price[p - 1],
        "calculated_price": lambda p: cols.price[p - 1],
        "date_modified": lambda p: cols.modified[p - 1],
        "inventory_level": lambda p: st.product_stock(p),
        "is_visible": lambda p: cols.visible[p - 1],
        "total_sold": lambda p: st.text(p).total_sold,
    }
    return keys.get(sort, lambda p: p)


def select_products(st: Storage, query: Query) -> list[int]:
    """Ids of the products matching the list filters, in the requested order."""
    candidates: list[int]
    single = query.integer("id")
    if single is not None:
        candidates = [single] if st.exists(single) else []
    elif query.has("sku"):
        found = st.find_product_by_sku(query.text("sku") or "")
        candidates = [found] if found is not None else []
    elif query.has("name"):
        found = st.find_product_by_name(query.text("name") or "")
        candidates = [found] if found is not None else []
    else:
        candidates = st.live.tolist()
    wanted = query.int_list("id:in")
    if wanted is not None:
        keep = set(wanted)
        candidates = [p for p in candidates if p in keep]
    candidates = _id_range(candidates, query)
    checks = _product_predicates(st, query)
    if checks:
        candidates = [p for p in candidates if all(check(p) for check in checks)]
    sort = query.enum("sort", SORTS) or "id"
    descending = query.enum("direction", ("asc", "desc")) == "desc"
    if sort not in ("id", "date_last_imported"):
        key = _sort_key(st, sort)
        candidates.sort(key=lambda p: (key(p), p), reverse=descending)
    elif descending:
        candidates.reverse()
    return candidates


def variant_ids_in_order(st: Storage, offset: int, count: int) -> list[int]:
    """``count`` live variant ids starting at position ``offset`` of the whole catalog (by id)."""
    cum = st.cumulative_variants()
    live = st.live
    cols = st.cols
    index = bisect_right(cum, offset)
    result: list[int] = []
    while index < len(live) and len(result) < count:
        product_id = live[index]
        nvar = cols.nvar[product_id - 1]
        skip = max(0, offset - (cum[index] - nvar))
        first = cols.first_variant[product_id - 1]
        result.extend(range(first + skip, first + min(nvar, skip + count - len(result))))
        index += 1
    return result


def select_variants(st: Storage, query: Query, *, product_ids: list[int] | None = None) -> list[int] | None:
    """Ids of matching variants, or ``None`` when unfiltered (the caller pages the whole catalog)."""
    if product_ids is None:
        product_ids = query.int_list("product_id:in")
    candidates: list[int] | None = None
    if product_ids is not None:
        candidates = [v for p in sorted(set(product_ids)) if st.exists(p) for v in st.variant_ids(p)]
    single = query.integer("id")
    if single is not None:
        matched = [single] if st.variant_exists(single) else []
        candidates = matched if candidates is None else [v for v in candidates if v in matched]
    sku = query.text("sku")
    if sku is not None:
        found = st.find_variant_by_sku(sku)
        matched = [found] if found is not None else []
        candidates = matched if candidates is None else [v for v in candidates if v in matched]
    upc = query.text("upc")
    if upc:
        matched = sorted(
            v for v, over in st.v_over.items() if over.get("upc") == upc and st.variant_exists(v)
        )
        candidates = matched if candidates is None else [v for v in candidates if v in set(matched)]
    return candidates


def select_items(st: Storage, query: Query) -> list[int] | None:
    """Variant ids for ``/inventory/items`` filters, or ``None`` when unfiltered (locations apart)."""
    candidates: list[int] | None = None
    product_ids = query.int_list("product_id:in")
    if product_ids is not None:
        candidates = [v for p in sorted(set(product_ids)) if st.exists(p) for v in st.variant_ids(p)]
    variant_ids = query.int_list("variant_id:in")
    if variant_ids is not None:
        wanted = sorted(v for v in set(variant_ids) if st.variant_exists(v))
        candidates = wanted if candidates is None else [v for v in candidates if v in set(wanted)]
    skus = query.str_list("sku:in")
    if skus is not None:
        found = {st.find_variant_by_sku(s) for s in skus} - {None}
        by_sku = sorted(v for v in found if v is not None)
        candidates = by_sku if candidates is None else [v for v in candidates if v in found]
    return candidates
