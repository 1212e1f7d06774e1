"""Field rules for product and variant writes: types, ranges and enums from the Catalog specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_STOCK = 2_147_483_647
READ_ONLY_PRODUCT_FIELDS = frozenset(
    {"id", "date_created", "date_modified", "calculated_price", "base_variant_id"}
)


@dataclass(frozen=True)
class Field:
    """How one writable field is checked."""

    kind: str  # "str" | "num" | "int" | "bool" | "int_list" | "str_list" | "enum" | "obj" | "date"
    minimum: float | None = None
    maximum: float | None = None
    min_len: int = 0
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    clamp: bool = False  # above ``maximum`` is clamped (Catalog API stock), not rejected


_MONEY = Field("num", minimum=0)
_SIZE = Field("num", minimum=0, maximum=9_999_999_999)
_TEXT = Field("str")
_SHORT = Field("str", max_len=255)
_FLAG = Field("bool")

PRODUCT_FIELDS: dict[str, Field] = {
    "name": Field("str", min_len=1, max_len=250),
    "type": Field("enum", choices=("physical", "digital")),
    "sku": Field("str", max_len=255),
    "description": _TEXT,
    "weight": _SIZE,
    "width": _SIZE,
    "depth": _SIZE,
    "height": _SIZE,
    "price": _MONEY,
    "cost_price": _MONEY,
    "retail_price": _MONEY,
    "sale_price": _MONEY,
    "map_price": Field("num"),
    "tax_class_id": Field("int", minimum=0, maximum=255),
    "product_tax_code": _SHORT,
    "categories": Field("int_list"),
    "brand_id": Field("int", minimum=0, maximum=1_000_000_000),
    "inventory_level": Field("int", minimum=0, maximum=MAX_STOCK, clamp=True),
    "inventory_warning_level": Field("int", minimum=0, maximum=MAX_STOCK, clamp=True),
    "inventory_tracking": Field("enum", choices=("none", "product", "variant")),
    "fixed_cost_shipping_price": _MONEY,
    "is_free_shipping": _FLAG,
    "is_visible": _FLAG,
    "is_featured": _FLAG,
    "related_products": Field("int_list"),
    "warranty": _TEXT,
    "bin_picking_number": _SHORT,
    "layout_file": Field("str", max_len=500),
    "upc": Field("str", max_len=14),
    "mpn": _TEXT,
    "gtin": Field("str", max_len=14),
    "search_keywords": _TEXT,
    "availability": Field("enum", choices=("available", "disabled", "preorder")),
    "availability_description": _SHORT,
    "gift_wrapping_options_type": Field("enum", choices=("any", "none", "list")),
    "gift_wrapping_options_list": Field("int_list"),
    "sort_order": Field("int", minimum=-2_147_483_648, maximum=2_147_483_647),
    "condition": Field("enum", choices=("New", "Used", "Refurbished")),
    "is_condition_shown": _FLAG,
    "order_quantity_minimum": Field("int", minimum=0, maximum=1_000_000_000),
    "order_quantity_maximum": Field("int", minimum=0, maximum=1_000_000_000),
    "page_title": _SHORT,
    "meta_keywords": Field("str_list"),
    "meta_description": _TEXT,
    "preorder_release_date": Field("date", nullable=True),
    "preorder_message": _SHORT,
    "is_preorder_only": _FLAG,
    "is_price_hidden": _FLAG,
    "price_hidden_label": Field("str", max_len=200),
    "custom_url": Field("obj"),
    "open_graph_type": Field(
        "enum", choices=("product", "album", "book", "drink", "food", "game", "movie", "song", "tv_show")
    ),
    "open_graph_title": _TEXT,
    "open_graph_description": _TEXT,
    "open_graph_use_meta_description": _FLAG,
    "open_graph_use_product_name": _FLAG,
    "open_graph_use_image": _FLAG,
}

_NULLABLE_MONEY = Field("num", minimum=0, nullable=True)
VARIANT_FIELDS: dict[str, Field] = {
    "sku": Field("str", min_len=1, max_len=255),
    "price": _NULLABLE_MONEY,
    "sale_price": _NULLABLE_MONEY,
    "retail_price": _NULLABLE_MONEY,
    "map_price": _NULLABLE_MONEY,
    "cost_price": _NULLABLE_MONEY,
    "weight": Field("num", minimum=0, nullable=True),
    "width": Field("num", minimum=0, nullable=True),
    "height": Field("num", minimum=0, nullable=True),
    "depth": Field("num", minimum=0, nullable=True),
    "is_free_shipping": _FLAG,
    "fixed_cost_shipping_price": _NULLABLE_MONEY,
    "purchasing_disabled": _FLAG,
    "purchasing_disabled_message": _SHORT,
    "image_url": _TEXT,
    "upc": Field("str", max_len=14, nullable=True),
    "mpn": Field("str", nullable=True),
    "gtin": Field("str", max_len=14, nullable=True),
    "bin_picking_number": Field("str", max_len=255, nullable=True),
    "inventory_level": Field("int", minimum=0, maximum=MAX_STOCK, clamp=True, nullable=True),
    "inventory_warning_level": Field("int", minimum=0, maximum=MAX_STOCK, clamp=True, nullable=True),
}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_value(spec: Field, value: Any) -> tuple[Any, str | None]:
    """Return ``(clean value, None)`` or ``(None, reason)`` for one field."""
    if value is None:
        return (None, None) if spec.nullable else (None, "must not be null")
    kind = spec.kind
    if kind in ("num", "int"):
        if not _is_number(value) or (kind == "int" and isinstance(value, float) and not value.is_integer()):
            return None, "must be an integer" if kind == "int" else "must be a number"
        number = int(value) if kind == "int" else float(value)
        if spec.minimum is not None and number < spec.minimum:
            return None, f"must be greater than or equal to {spec.minimum:g}"
        if spec.maximum is not None and number > spec.maximum:
            if spec.clamp:
                return int(spec.maximum), None
            return None, f"must be less than or equal to {spec.maximum:g}"
        return number, None
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, "must be a boolean")
    if kind in ("str", "date"):
        if not isinstance(value, str):
            return None, "must be a string"
        if len(value) < spec.min_len:
            return None, f"must be at least {spec.min_len} characters long"
        if spec.max_len is not None and len(value) > spec.max_len:
            return None, f"must be at most {spec.max_len} characters long"
        return value, None
    if kind == "enum":
        if value not in spec.choices:
            return None, "must be one of: " + ", ".join(spec.choices)
        return value, None
    if kind == "int_list":
        if not isinstance(value, list) or not all(_is_number(v) and float(v).is_integer() for v in value):
            return None, "must be an array of integers"
        return [int(v) for v in value], None
    if kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "must be an array of strings"
        return list(value), None
    if not isinstance(value, dict):
        return None, "must be an object"
    return dict(value), None


def clean_fields(
    body: dict[str, Any], specs: dict[str, Field], *, prefix: str = ""
) -> tuple[dict[str, Any], dict[str, str]]:
    """Keep the known writable fields of ``body`` (others are ignored, as the API does) and check them."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in body.items():
        spec = specs.get(key)
        if spec is None:
            continue
        checked, problem = check_value(spec, value)
        if problem is not None:
            errors[f"{prefix}{key}"] = f"{key} {problem}"
        else:
            clean[key] = checked
    return clean, errors
