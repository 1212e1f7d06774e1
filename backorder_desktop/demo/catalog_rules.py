"""Catalog write rules: which stock a write touches, item checks for batches, uniqueness of names and SKUs."""

from __future__ import annotations

from typing import Any

from backorder_desktop.demo.errors import ConflictError
from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.errors import batch_error
from backorder_desktop.demo.events import Event
from backorder_desktop.demo.events import product_inventory_event
from backorder_desktop.demo.events import sku_inventory_event
from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.generator import TRACK_VARIANT
from backorder_desktop.demo.storage import Storage
from backorder_desktop.demo.validation import PRODUCT_FIELDS
from backorder_desktop.demo.validation import VARIANT_FIELDS
from backorder_desktop.demo.validation import clean_fields

StockKey = tuple[str, int]  # ("p", product id) or ("v", variant id)
INVALID_TITLE = "JSON data is missing or is invalid"


def stock_key_for_product(st: Storage, product_id: int) -> StockKey | None:
    """Where a product-level stock write lands, or ``None`` when the product does not hold stock itself."""
    tracking = st.cols.tracking[product_id - 1]
    if tracking == TRACK_PRODUCT:
        return ("p", product_id)
    if tracking == TRACK_VARIANT and st.is_simple(product_id):
        return ("v", st.cols.first_variant[product_id - 1])
    return None


def stock_key_for_variant(st: Storage, variant_id: int) -> StockKey | None:
    """Where a variant-level stock write lands (a base variant shares its product's stock)."""
    owner = st.cols.v_owner[variant_id - 1]
    tracking = st.cols.tracking[owner - 1]
    if tracking == TRACK_VARIANT:
        return ("v", variant_id)
    if tracking == TRACK_PRODUCT and st.is_simple(owner):
        return ("p", owner)
    return None


def stock_event(st: Storage, key: StockKey, method: str, value: int, *, order: bool = False) -> Event:
    """The inventory webhook for a change of ``key``: product events for products without options."""
    kind, ident = key
    if kind == "p":
        return product_inventory_event(ident, method, value, order=order)
    owner = st.cols.v_owner[ident - 1]
    if st.is_simple(owner):
        return product_inventory_event(owner, method, value, order=order)
    return sku_inventory_event(ident, owner, ident, method, value, order=order)


def _item_id(item: object) -> int | None:
    if not isinstance(item, dict):
        return None
    value = item.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def prepare_product(st: Storage, item: object, prefix: str) -> tuple[int, dict[str, Any]]:
    """Check one product update (``{"id": ..., fields}``); unknown fields are ignored as the API does."""
    product_id = _item_id(item)
    if product_id is None or not isinstance(item, dict):
        raise ValidationError(INVALID_TITLE, errors={f"{prefix}id": "id is required and must be an integer"})
    if not st.exists(product_id):
        raise NotFoundError(f"Product with id {product_id} not found")
    clean, errors = clean_fields(item, PRODUCT_FIELDS, prefix=prefix)
    if errors:
        raise ValidationError(INVALID_TITLE, errors=errors)
    return product_id, clean


def prepare_variant(st: Storage, items: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    """Check a variant batch; every invalid item becomes one entry of a ``batch_errors`` 422."""
    prepared: list[tuple[int, dict[str, Any]]] = []
    problems: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        variant_id = _item_id(item)
        if variant_id is None or not isinstance(item, dict):
            problems.append(
                batch_error(INVALID_TITLE, {"id": "id is required and must be an integer"}, f"{index}")
            )
            continue
        if not st.variant_exists(variant_id):
            problems.append(
                batch_error(f"Variant with id {variant_id} not found", {"id": "not found"}, f"{index}")
            )
            continue
        clean, errors = clean_fields(item, VARIANT_FIELDS)
        if errors:
            problems.append(batch_error(f"Variant with id {variant_id} is invalid", errors, f"{index}"))
            continue
        owner = st.cols.v_owner[variant_id - 1]
        for key, value in list(clean.items()):
            if value is None:  # null: back to the product's value (price) or to nothing
                if key == "inventory_level" or key == "inventory_warning_level":
                    del clean[key]
                elif key == "price":
                    clean[key] = st.cols.price[owner - 1] / 100
                else:
                    clean[key] = "" if VARIANT_FIELDS[key].kind == "str" else 0.0
        prepared.append((variant_id, clean))
    if problems:
        raise ValidationError(INVALID_TITLE, extra={"batch_errors": problems})
    return prepared


def _conflict(field: str, value: str) -> ConflictError:
    return ConflictError(
        f"The product {field} is a duplicate",
        errors={field: f"A product with {field} '{value}' already exists"},
    )


def check_product_unique(st: Storage, product_id: int, clean: dict[str, Any]) -> None:
    """409 when a new name or SKU belongs to another product (or, for a base variant, another variant)."""
    name = clean.get("name")
    if name is not None and st.find_product_by_name(name) not in (None, product_id):
        raise _conflict("name", name)
    sku = clean.get("sku")
    if sku:
        if st.find_product_by_sku(sku) not in (None, product_id):
            raise _conflict("sku", sku)
        owner_variants = st.variant_ids(product_id) if product_id and st.is_simple(product_id) else range(0)
        holder = st.find_variant_by_sku(sku)
        if holder is not None and holder not in owner_variants:
            raise _conflict("sku", sku)


def check_variant_unique(st: Storage, variant_id: int, clean: dict[str, Any]) -> None:
    """409 when a new variant SKU is already used by another variant or product."""
    sku = clean.get("sku")
    if not sku:
        return
    owner = st.cols.v_owner[variant_id - 1]
    if st.find_variant_by_sku(sku) not in (None, variant_id):
        raise _conflict("sku", sku)
    holder = st.find_product_by_sku(sku)
    if holder is not None and not (holder == owner and st.is_simple(owner)):
        raise _conflict("sku", sku)


def sku_in_use(st: Storage, sku: str) -> bool:
    """Whether any product or variant already has ``sku`` (for creating products)."""
    return st.find_product_by_sku(sku) is not None or st.find_variant_by_sku(sku) is not None
