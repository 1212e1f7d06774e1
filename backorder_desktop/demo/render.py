"""API shapes: turn the compact catalog state into product and variant objects as the specs define them."""

from __future__ import annotations

import time
from typing import Any

from backorder_desktop.demo.generator import TRACKING_NAMES
from backorder_desktop.demo.storage import Storage
from backorder_desktop.demo.storage import option_values_of

# The sub-resources ``include=`` accepts on products (spec: IncludeParamBase).
PRODUCT_INCLUDES = frozenset(
    {
        "bulk_pricing_rules",
        "channels",
        "custom_fields",
        "images",
        "modifiers",
        "options",
        "parent_relations",
        "primary_image",
        "reviews",
        "variants",
        "videos",
    }
)
_EMPTY_LIST_INCLUDES = (
    "bulk_pricing_rules",
    "custom_fields",
    "images",
    "modifiers",
    "parent_relations",
    "videos",
)


def iso(ts: int) -> str:
    """UTC ISO-8601 as BigCommerce writes it: ``2026-11-27T01:02:03+00:00``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


def calculated(price: float, sale: float) -> float:
    return sale if 0 < sale < price else price


def slug(name: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def product_dict(st: Storage, product_id: int, include: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A product as ``GET /v3/catalog/products/{id}`` returns it (``include`` adds sub-resources)."""
    cols = st.cols
    i = product_id - 1
    text = st.text(product_id)
    price = cols.price[i] / 100
    sale = round(price * text.sale_ratio, 2) if text.sale_ratio else 0.0
    simple = not text.options
    first_variant = cols.first_variant[i]
    data: dict[str, Any] = {
        "id": product_id,
        "name": text.name,
        "type": "physical",
        "sku": text.sku,
        "description": text.description,
        "weight": text.weight,
        "width": text.width,
        "depth": text.depth,
        "height": text.height,
        "price": price,
        "cost_price": round(price * text.cost_ratio, 2),
        "retail_price": 0.0,
        "sale_price": sale,
        "map_price": 0,
        "tax_class_id": 0,
        "product_tax_code": "",
        "calculated_price": calculated(price, sale),
        "categories": [text.category_id],
        "brand_id": text.brand_id,
        "inventory_level": st.product_stock(product_id),
        "inventory_warning_level": text.warning_level,
        "inventory_tracking": TRACKING_NAMES[cols.tracking[i]],
        "reviews_rating_sum": text.reviews_rating_sum,
        "reviews_count": text.reviews_count,
        "total_sold": text.total_sold,
        "fixed_cost_shipping_price": 0.0,
        "is_free_shipping": False,
        "is_visible": bool(cols.visible[i]),
        "is_featured": text.is_featured,
        "related_products": [],
        "warranty": "",
        "bin_picking_number": "",
        "layout_file": "product.html",
        "upc": "",
        "mpn": "",
        "gtin": "",
        "search_keywords": "",
        "availability": "available",
        "availability_description": "",
        "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [],
        "sort_order": 0,
        "condition": "New",
        "is_condition_shown": False,
        "order_quantity_minimum": 0,
        "order_quantity_maximum": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "date_created": iso(cols.created[i]),
        "date_modified": iso(cols.modified[i]),
        "view_count": 0,
        "preorder_release_date": None,
        "preorder_message": "",
        "is_preorder_only": False,
        "is_price_hidden": False,
        "price_hidden_label": "",
        "custom_url": {"url": f"/{slug(text.name)}/", "is_customized": False},
        "base_variant_id": first_variant if simple else None,
        "open_graph_type": "product",
        "open_graph_title": "",
        "open_graph_description": "",
        "open_graph_use_meta_description": True,
        "open_graph_use_product_name": True,
        "open_graph_use_image": True,
    }
    over = st.p_over.get(product_id)
    if over:
        data.update(over)
        if "name" in over and "custom_url" not in over:
            data["custom_url"] = {"url": f"/{slug(str(over['name']))}/", "is_customized": False}
        data["calculated_price"] = calculated(data["price"], float(data["sale_price"]))
    if include:
        _add_includes(st, product_id, data, include)
    return data


def _add_includes(st: Storage, product_id: int, data: dict[str, Any], include: frozenset[str]) -> None:
    for name in _EMPTY_LIST_INCLUDES:
        if name in include:
            data[name] = []
    if "channels" in include:
        data["channels"] = [1]
    if "reviews" in include:
        data["reviews"] = []
    if "options" in include:
        data["options"] = options_of(st, product_id)
    if "variants" in include:
        data["variants"] = [variant_dict(st, v) for v in st.variant_ids(product_id)]


def options_of(st: Storage, product_id: int) -> list[dict[str, Any]]:
    """The product's variant options (``include=options``)."""
    return [
        {
            "id": option.option_id,
            "product_id": product_id,
            "display_name": option.display_name,
            "type": "rectangles" if option.display_name == "Size" else "dropdown",
            "sort_order": index,
            "config": {},
            "option_values": [
                {"id": value_id, "label": label, "sort_order": k, "is_default": False, "value_data": None}
                for k, (value_id, label) in enumerate(option.values)
            ],
        }
        for index, option in enumerate(st.text(product_id).options)
    ]


def variant_dict(st: Storage, variant_id: int) -> dict[str, Any]:
    """A variant as ``GET /v3/catalog/variants`` and ``include=variants`` return it."""
    cols = st.cols
    owner = cols.v_owner[variant_id - 1]
    text = st.text(owner)
    index = variant_id - cols.first_variant[owner - 1]
    price = cols.v_price[variant_id - 1] / 100
    sale = round(price * text.sale_ratio, 2) if text.sale_ratio else 0.0
    simple = not text.options
    data: dict[str, Any] = {
        "id": variant_id,
        "product_id": owner,
        "sku": text.variant_skus[index],
        "sku_id": None if simple else variant_id,
        "price": price,
        "calculated_price": calculated(price, sale),
        "sale_price": sale,
        "retail_price": 0.0,
        "map_price": 0.0,
        "weight": text.weight,
        "calculated_weight": text.weight,
        "width": text.width,
        "height": text.height,
        "depth": text.depth,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": 0.0,
        "purchasing_disabled": False,
        "purchasing_disabled_message": "",
        "image_url": "",
        "cost_price": round(price * text.cost_ratio, 2),
        "upc": "",
        "mpn": "",
        "gtin": "",
        "inventory_level": st.variant_stock(variant_id),
        "inventory_warning_level": text.warning_level,
        "bin_picking_number": "",
        "option_values": option_values_of(text, index),
    }
    over = st.v_over.get(variant_id)
    if over:
        data.update(over)
        data["calculated_price"] = calculated(data["price"], float(data["sale_price"]))
    return data


def select_fields(
    data: dict[str, Any],
    include_fields: list[str] | None,
    exclude_fields: list[str] | None,
    keep: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Apply ``include_fields`` / ``exclude_fields``: ``id`` (and ``keep``) always stay."""
    if include_fields:
        wanted = {"id", *include_fields, *keep}
        data = {k: v for k, v in data.items() if k in wanted}
    if exclude_fields:
        dropped = set(exclude_fields) - {"id", *keep}
        data = {k: v for k, v in data.items() if k not in dropped}
    return data
