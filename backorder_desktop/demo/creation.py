"""``POST /catalog/products``: check a new product (and its ``variants`` array) and add it to the catalog."""

from __future__ import annotations

from typing import Any

from backorder_desktop.demo.catalog_rules import INVALID_TITLE
from backorder_desktop.demo.catalog_rules import check_product_unique
from backorder_desktop.demo.catalog_rules import sku_in_use
from backorder_desktop.demo.errors import ConflictError
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.events import Event
from backorder_desktop.demo.events import product_event
from backorder_desktop.demo.events import sku_event
from backorder_desktop.demo.generator import TRACKING_CODES
from backorder_desktop.demo.generator import OptionDef
from backorder_desktop.demo.generator import ProductText
from backorder_desktop.demo.storage import Storage
from backorder_desktop.demo.validation import PRODUCT_FIELDS
from backorder_desktop.demo.validation import VARIANT_FIELDS
from backorder_desktop.demo.validation import clean_fields

REQUIRED = ("name", "type", "weight", "price")
_TEXT_FIELDS = ("name", "sku", "description", "weight", "width", "height", "depth")


def _check_variants(raw: object, product_price: float) -> tuple[list[dict[str, Any]], dict[str, str]]:
    if raw is None:
        return [], {}
    if not isinstance(raw, list):
        return [], {"variants": "variants must be an array"}
    variants: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            errors[f"variants.{index}"] = "must be an object"
            continue
        clean, problems = clean_fields(item, VARIANT_FIELDS, prefix=f"variants.{index}.")
        errors.update(problems)
        if not isinstance(item.get("sku"), str) or not item["sku"]:
            errors[f"variants.{index}.sku"] = "sku is required"
        values = item.get("option_values", [])
        if not isinstance(values, list) or not all(
            isinstance(v, dict)
            and isinstance(v.get("option_display_name"), str)
            and isinstance(v.get("label"), str)
            for v in values
        ):
            errors[f"variants.{index}.option_values"] = "option_values need option_display_name and label"
            values = []
        clean["option_values"] = [(v["option_display_name"], v["label"]) for v in values]
        clean.setdefault("price", product_price)
        variants.append(clean)
    if len(variants) > 1 and any(not v["option_values"] for v in variants):
        errors["variants"] = "every variant of a product with several variants needs option_values"
    return variants, errors


def _options(
    variants: list[dict[str, Any]], first_option_id: int
) -> tuple[tuple[OptionDef, ...], tuple[tuple[tuple[int, int], ...], ...]]:
    names: dict[str, list[str]] = {}
    for variant in variants:
        for display, label in variant["option_values"]:
            labels = names.setdefault(display, [])
            if label not in labels:
                labels.append(label)
    options: list[OptionDef] = []
    for index, (display, labels) in enumerate(names.items()):
        option_id = first_option_id + index
        options.append(
            OptionDef(option_id, display, tuple((option_id * 100 + k, lab) for k, lab in enumerate(labels)))
        )
    order = list(names)
    values = tuple(
        tuple(
            (order.index(display), names[display].index(label)) for display, label in variant["option_values"]
        )
        for variant in variants
    )
    return tuple(options), values


def create_product(st: Storage, body: object, now: int) -> tuple[int, list[Event]]:
    """Validate ``body`` and append the product; returns its id and the events to deliver."""
    if not isinstance(body, dict):
        raise ValidationError(INVALID_TITLE, errors={"body": "the request body must be a product object"})
    clean, errors = clean_fields(body, PRODUCT_FIELDS)
    for name in REQUIRED:
        if name not in body:
            errors[name] = f"{name} is required"
    variants, variant_errors = _check_variants(body.get("variants"), float(clean.get("price", 0.0)))
    errors.update(variant_errors)
    if errors:
        raise ValidationError(INVALID_TITLE, errors=errors)
    sku = str(clean.get("sku", ""))
    check_product_unique(st, 0, {"name": clean["name"], "sku": sku})
    skus = [str(v["sku"]) for v in variants] if variants and variants[0]["option_values"] else [sku]
    for variant_sku in skus:
        if variant_sku and (
            skus.count(variant_sku) > 1 or (variant_sku != sku and sku_in_use(st, variant_sku))
        ):
            raise ConflictError(
                "The variant sku is a duplicate", errors={"sku": f"SKU '{variant_sku}' is in use"}
            )
    options: tuple[OptionDef, ...] = ()
    values: tuple[tuple[tuple[int, int], ...], ...] = ((),)
    if variants and variants[0]["option_values"]:
        # Option ids far above generated ones (product id * 2 + n), unique per created product.
        options, values = _options(variants, 900_000_000 + (len(st.cols.price) + 1) * 16)
    text = ProductText(
        name=clean["name"],
        sku=sku,
        description=str(clean.get("description", "")),
        brand_id=int(clean.get("brand_id", 0)),
        category_id=(clean.get("categories") or [0])[0],
        weight=float(clean["weight"]),
        width=float(clean.get("width", 0.0)),
        height=float(clean.get("height", 0.0)),
        depth=float(clean.get("depth", 0.0)),
        sale_ratio=0.0,
        cost_ratio=0.0,
        total_sold=0,
        reviews_count=0,
        reviews_rating_sum=0,
        is_featured=bool(clean.get("is_featured", False)),
        warning_level=int(clean.get("inventory_warning_level", 0)),
        options=options,
        variant_skus=tuple(skus),
        variant_values=values,
    )
    price_cents = round(float(clean["price"]) * 100)
    stocks = (
        [(round(float(v["price"]) * 100), int(v.get("inventory_level") or 0)) for v in variants]
        if options
        else []
    )
    product_id = st.append_product(
        text,
        tracking=TRACKING_CODES[clean.get("inventory_tracking", "none")],
        visible=bool(clean.get("is_visible", True)),
        price_cents=price_cents,
        stock=int(clean.get("inventory_level", 0)),
        variants=stocks or [(price_cents, 0)],
        now=now,
    )
    overrides = {k: v for k, v in clean.items() if k not in _TEXT_FIELDS and k not in ("price", "is_visible")}
    overrides.pop("inventory_level", None)
    overrides.pop("inventory_tracking", None)
    overrides.setdefault("categories", [])
    overrides.setdefault("sale_price", 0.0)
    overrides.setdefault("cost_price", 0.0)
    if overrides:
        st.set_product_fields(product_id, overrides)
    events = [product_event("created", product_id)]
    if options:
        for offset, variant in enumerate(variants):
            variant_id = st.cols.first_variant[product_id - 1] + offset
            rest = {
                k: v
                for k, v in variant.items()
                if k not in ("sku", "price", "inventory_level", "option_values")
            }
            if rest:
                st.set_variant_fields(variant_id, rest)
            events.append(sku_event("created", variant_id, product_id, variant_id))
    return product_id, events
