"""Inventory API: checking absolute/relative adjustments, and the items and locations it reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backorder_desktop.demo.catalog_rules import StockKey
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.generator import TRACK_VARIANT
from backorder_desktop.demo.storage import MAX_STOCK
from backorder_desktop.demo.storage import Storage

MAX_ADJUSTMENTS = 2000
DEFAULT_LOCATION_ID = 1
_IDENTIFIERS = ("sku", "variant_id", "product_id")

DEFAULT_LOCATION: dict[str, Any] = {
    "id": DEFAULT_LOCATION_ID,
    "code": "BC-LOCATION-1",
    "label": "Default location",
    "description": "The store's default location",
    "managed_by_external_source": False,
    "type_id": "PHYSICAL",
    "enabled": True,
    "storefront_visibility": True,
    "time_zone": "Etc/UTC",
    "address": {
        "address1": "1 Demo Street",
        "address2": "",
        "city": "Austin",
        "state": "Texas",
        "zip": "78701",
        "email": "warehouse@demo-store.example",
        "phone": "555-0100",
        "geo_coordinates": {"latitude": 30.2672, "longitude": -97.7431},
        "country_code": "US",
    },
    "operating_hours": {
        day: {"open": day not in ("saturday", "sunday"), "opening": "09:00", "closing": "17:00"}
        for day in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
    },
    "special_hours": [],
    "created_at": "2023-01-01T00:00:00Z",
    "updated_at": "2023-01-01T00:00:00Z",
}


def _invalid(errors: dict[str, str]) -> ValidationError:
    return ValidationError("Payload contains invalid fields", errors=errors, problem=True)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_shape(body: object) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise _invalid({"items": "items is required and must be an array"})
    items: list[Any] = body["items"]
    if "reason" in body and not isinstance(body["reason"], str):
        raise _invalid({"reason": "reason must be a string"})
    if len(items) > MAX_ADJUSTMENTS:  # the spec gives only 422 for this API (no 413)
        raise _invalid({"items": f"Limit of {MAX_ADJUSTMENTS} items per request exceeded ({len(items)})"})
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        where = f"items.{index}"
        if not isinstance(item, dict):
            errors[where] = "must be an object"
            continue
        given = [name for name in _IDENTIFIERS if name in item]
        if len(given) != 1:
            errors[where] = "exactly one of sku, variant_id or product_id is required"
        elif given[0] == "sku" and not isinstance(item["sku"], str):
            errors[f"{where}.sku"] = "sku must be a string"
        elif given[0] != "sku" and not _is_int(item[given[0]]):
            errors[f"{where}.{given[0]}"] = f"{given[0]} must be an integer"
        if not _is_int(item.get("location_id")):
            errors[f"{where}.location_id"] = "location_id is required and must be an integer"
        if not _is_int(item.get("quantity")):
            errors[f"{where}.quantity"] = "quantity is required and must be an integer"
    if errors:
        raise _invalid(errors)
    return items


def _resolve_one(st: Storage, item: dict[str, Any]) -> tuple[StockKey | None, int, str, str | None]:
    """``(stock key, owner product, identity text, problem)`` for one adjustment item."""
    if "product_id" in item:
        product_id = int(item["product_id"])
        ident = f"product_id {product_id}"
        if not st.exists(product_id):
            return None, 0, ident, f"Item with {ident} not found"
        tracking = st.cols.tracking[product_id - 1]
        if tracking == TRACK_PRODUCT:
            return ("p", product_id), product_id, ident, None
        if tracking == TRACK_VARIANT and st.is_simple(product_id):
            return ("v", st.cols.first_variant[product_id - 1]), product_id, ident, None
        if tracking == TRACK_VARIANT:
            problem = f"Item with {ident} is tracked by variant, please update stock by variant id or sku"
            return None, product_id, ident, problem
        return (
            None,
            product_id,
            ident,
            f"Item with {ident} does not track inventory, please enable inventory tracking",
        )
    if "variant_id" in item:
        variant_id: int | None = int(item["variant_id"])
        ident = f"variant_id {variant_id}"
    else:
        ident = f"sku {item['sku']}"
        variant_id = st.find_variant_by_sku(str(item["sku"]))
    if variant_id is None or not st.variant_exists(variant_id):
        return None, 0, ident, f"Item with {ident} not found"
    owner = st.cols.v_owner[variant_id - 1]
    tracking = st.cols.tracking[owner - 1]
    if tracking == TRACK_VARIANT:
        return ("v", variant_id), owner, ident, None
    if tracking == TRACK_PRODUCT:
        return (
            None,
            owner,
            ident,
            f"Item with {ident} is tracked by product, please update stock by product id",
        )
    return None, owner, ident, f"Item with {ident} does not track inventory, please enable inventory tracking"


def resolve_adjustments(
    st: Storage, body: object, *, relative: bool, column: Callable[[Storage, StockKey], int]
) -> list[tuple[StockKey, int, int, int]]:
    """Check an adjustment request; returns ``(key, product id, new stock, webhook value)`` per item.

    Nothing is applied when any item is wrong: the 422 title lists every problem in brackets, as the
    spec's example does ("[Item with variant_id 106 is tracked by product, please update stock by
    product id]").
    """
    items = _check_shape(body)
    problems: list[str] = []
    projected: dict[StockKey, int] = {}
    resolved: list[tuple[StockKey, int, int, int]] = []
    for item in items:
        key, owner, ident, problem = _resolve_one(st, item)
        if item["location_id"] != DEFAULT_LOCATION_ID:
            problem = f"Location with id {item['location_id']} not found"
        if problem is not None or key is None:
            problems.append(problem or f"Item with {ident} not found")
            continue
        quantity = int(item["quantity"])
        current = projected.get(key, column(st, key))
        new = current + quantity if relative else quantity
        if new < 0:
            problems.append(f"Item with {ident} cannot have negative stock ({current} + {quantity})")
            continue
        if new > MAX_STOCK:
            problems.append(f"Item with {ident} cannot have more than {MAX_STOCK} in stock")
            continue
        projected[key] = new
        resolved.append((key, owner, new, quantity))
    if problems:
        raise ValidationError("[" + ", ".join(problems) + "]", errors={}, problem=True)
    return resolved


def item_dict(st: Storage, variant_id: int) -> dict[str, Any]:
    """One ``/inventory/items`` entry: a variant with its stock at the default location.

    A product tracked by product reports the product's stock on each of its variants' items.
    """
    owner = st.cols.v_owner[variant_id - 1]
    tracking = st.cols.tracking[owner - 1]
    if tracking == TRACK_VARIANT:
        onhand = st.variant_raw_stock(variant_id)
    elif tracking == TRACK_PRODUCT:
        onhand = st.hidden.get(("p", owner), st.cols.stock[owner - 1])
    else:
        onhand = 0
    identity: dict[str, Any] = {
        "sku": st.variant_sku(variant_id),
        "variant_id": variant_id,
        "product_id": owner,
    }
    sku_id = st.sku_id(variant_id)
    if sku_id is not None:
        identity["sku_id"] = sku_id
    return {
        "identity": identity,
        "locations": [
            {
                "location_id": DEFAULT_LOCATION_ID,
                "location_code": DEFAULT_LOCATION["code"],
                "location_name": DEFAULT_LOCATION["label"],
                "available_to_sell": onhand,
                "total_inventory_onhand": onhand,
                "location_enabled": True,
                "settings": {
                    "safety_stock": 0,
                    "is_in_stock": True,
                    "warning_level": st.text(owner).warning_level,
                    "bin_picking_number": "",
                },
            }
        ],
    }
