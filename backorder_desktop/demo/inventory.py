"""Inventory API: adjustments, items per location with their settings, and what an order may take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backorder_desktop.demo.catalog_rules import StockKey
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.generator import TRACK_VARIANT
from backorder_desktop.demo.locations import DEFAULT_LOCATION_ID
from backorder_desktop.demo.locations import location_dict
from backorder_desktop.demo.storage import MAX_STOCK
from backorder_desktop.demo.storage import Storage

MAX_ADJUSTMENTS = 2000
MAX_SETTINGS = 2000  # PUT /inventory/locations/{id}/items: "Limit of 2000 items for payload length"
_IDENTIFIERS = ("sku", "variant_id", "product_id")


def _invalid(errors: dict[str, str]) -> ValidationError:
    return ValidationError("Payload contains invalid fields", errors=errors, problem=True)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_shape(body: object, *, native: bool, relative: bool) -> list[dict[str, Any]]:
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
        _check_identity(item, where, errors)
        if not _is_int(item.get("location_id")):
            errors[f"{where}.location_id"] = "location_id is required and must be an integer"
        _check_quantities(item, where, errors, native=native, relative=relative)
    if errors:
        raise _invalid(errors)
    return items


def _check_identity(item: dict[str, Any], where: str, errors: dict[str, str]) -> None:
    given = [name for name in _IDENTIFIERS if name in item]
    if len(given) != 1:
        errors[where] = "exactly one of sku, variant_id or product_id is required"
    elif given[0] == "sku" and not isinstance(item["sku"], str):
        errors[f"{where}.sku"] = "sku must be a string"
    elif given[0] != "sku" and not _is_int(item[given[0]]):
        errors[f"{where}.{given[0]}"] = f"{given[0]} must be an integer"


def _check_quantities(
    item: dict[str, Any], where: str, errors: dict[str, str], *, native: bool, relative: bool
) -> None:
    """``quantity`` is required, except that with native backorders an item may move only
    ``qty_backordered`` (notes §6.1); without them ``qty_backordered`` is not part of the API and is
    ignored like any unknown field."""
    backordered = native and "qty_backordered" in item
    if backordered and not _is_int(item["qty_backordered"]):
        errors[f"{where}.qty_backordered"] = "qty_backordered must be an integer"
    if "quantity" not in item and backordered:
        return
    if not _is_int(item.get("quantity")):
        errors[f"{where}.quantity"] = "quantity is required and must be an integer"
    elif native and relative and item["quantity"] == 0:
        # The beta guide: a relative item with "quantity": 0 is refused; leave quantity out instead.
        errors[f"{where}.quantity"] = "quantity must not be 0; leave it out to move only qty_backordered"


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
) -> list[Adjustment]:
    """Check an adjustment request; returns what each item changes, in order.

    Nothing is applied when any item is wrong: the 422 title lists every problem in brackets, as the
    spec's example does ("[Item with variant_id 106 is tracked by product, please update stock by
    product id]").
    """
    book = st.locations
    items = _check_shape(body, native=book.native_backorders, relative=relative)
    problems: list[str] = []
    projected: dict[tuple[int, StockKey], int] = {}
    owed: dict[tuple[int, StockKey], int] = {}
    resolved: list[Adjustment] = []
    for item in items:
        key, owner, ident, problem = _resolve_one(st, item)
        location_id = int(item["location_id"])
        if not book.exists(location_id):
            problem = f"Location with id {location_id} not found"
        if problem is not None or key is None:
            problems.append(problem or f"Item with {ident} not found")
            continue
        at = (location_id, key)
        new: int | None = None
        if "quantity" in item:
            quantity = int(item["quantity"])
            current = projected.get(at, _onhand_written(st, location_id, key, column))
            new = current + quantity if relative else quantity
            safety = book.safety_stock(key, location_id)
            problem = _onhand_problem(ident, current, quantity, new, relative, safety)
            if problem is not None:
                problems.append(problem)
                continue
            projected[at] = new
        backordered: int | None = None
        if book.native_backorders and "qty_backordered" in item:
            moved = int(item["qty_backordered"])
            before = owed.get(at, book.backordered(key, location_id))
            backordered = before + moved if relative else moved
            if backordered < 0:
                problems.append(f"Item with {ident} cannot have negative qty_backordered ({before}+{moved})")
                continue
            owed[at] = backordered
        resolved.append(Adjustment(location_id, key, owner, new, int(item.get("quantity", 0)), backordered))
    if problems:
        raise ValidationError("[" + ", ".join(problems) + "]", errors={}, problem=True)
    return resolved


def _onhand_problem(
    ident: str, current: int, quantity: int, new: int, relative: bool, safety_stock: int
) -> str | None:
    if new < 0:
        return f"Item with {ident} cannot have negative stock ({current} + {quantity})"
    if new > MAX_STOCK:
        return f"Item with {ident} cannot have more than {MAX_STOCK} in stock"
    if relative and quantity < 0 and new < safety_stock:
        # Notes §5.1: a relative adjustment fails when the result would fall below safety stock.
        return f"Item with {ident} cannot go below its safety stock of {safety_stock} ({current}{quantity:+})"
    return None


def _onhand_written(
    st: Storage, location_id: int, key: StockKey, column: Callable[[Storage, StockKey], int]
) -> int:
    if location_id == DEFAULT_LOCATION_ID:
        return column(st, key)
    return st.locations.other_onhand(location_id, key)


@dataclass(frozen=True)
class Adjustment:
    """One checked adjustment item: the new on hand (None: untouched) and qty_backordered (None: same)."""

    location_id: int
    key: StockKey
    owner: int
    onhand: int | None
    value: int  # the quantity as sent (the webhook's value)
    backordered: int | None


def apply_adjustment(st: Storage, adjustment: Adjustment) -> bool:
    """Apply what is not the default location's on hand; True when the caller must write that."""
    book = st.locations
    if adjustment.backordered is not None:
        book.set_backordered(adjustment.key, adjustment.backordered, adjustment.location_id)
    if adjustment.onhand is None:
        return False
    if adjustment.location_id != DEFAULT_LOCATION_ID:
        book.set_other_onhand(adjustment.location_id, adjustment.key, adjustment.onhand)
        return False
    return True


# --- items and their settings per location ------------------------------------------------------


def item_key(st: Storage, variant_id: int) -> StockKey:
    """Where a variant's stock and settings live (its product's for a product tracked by product)."""
    owner = st.cols.v_owner[variant_id - 1]
    if st.cols.tracking[owner - 1] == TRACK_PRODUCT:
        return ("p", owner)
    return ("v", variant_id)


def _onhand_visible(st: Storage, location_id: int, variant_id: int) -> int:
    owner = st.cols.v_owner[variant_id - 1]
    tracking = st.cols.tracking[owner - 1]
    if location_id != DEFAULT_LOCATION_ID:
        return st.locations.other_onhand(location_id, item_key(st, variant_id)) if tracking else 0
    if tracking == TRACK_VARIANT:
        return st.variant_raw_stock(variant_id)
    if tracking == TRACK_PRODUCT:
        return st.hidden.get(("p", owner), st.cols.stock[owner - 1])
    return 0


def _identity(st: Storage, variant_id: int, *, sku_id: bool) -> dict[str, Any]:
    identity: dict[str, Any] = {
        "sku": st.variant_sku(variant_id),
        "variant_id": variant_id,
        "product_id": st.cols.v_owner[variant_id - 1],
    }
    if sku_id:
        found = st.sku_id(variant_id)
        if found is not None:
            identity["sku_id"] = found
    return identity


def _at_location(st: Storage, location_id: int, variant_id: int) -> dict[str, Any]:
    """Quantities and settings of one item at one location, as both items endpoints report them."""
    book = st.locations
    key = item_key(st, variant_id)
    setting = book.settings(location_id, key)
    onhand = _onhand_visible(st, location_id, variant_id)
    warning = setting.warning_level
    if warning is None:
        warning = st.text(st.cols.v_owner[variant_id - 1]).warning_level
    settings: dict[str, Any] = {
        "safety_stock": setting.safety_stock,
        "is_in_stock": setting.is_in_stock,
        "warning_level": warning,
        "bin_picking_number": setting.bin_picking_number,
    }
    out: dict[str, Any] = {
        "available_to_sell": book.available_to_sell(location_id, key, onhand),
        "total_inventory_onhand": onhand,
        "settings": settings,
    }
    if book.native_backorders:
        settings["backorder_limit"] = setting.backorder_limit
        out["qty_backordered"] = book.backordered(key, location_id)
        if setting.backorder_message_id is not None:
            out["backorder_message"] = backorder_message(setting.backorder_message_id)
    return out


def backorder_message(message_id: int) -> dict[str, Any]:
    """The demo's backorder message ``message_id`` (the beta spec's ``backorder_message`` object)."""
    return {
        "id": message_id,
        "name": f"Backorder notice {message_id}",
        "message": "This item is on backorder and will ship when it is back in stock.",
        "is_default": False,
        "created_at": "2026-03-04T00:00:00Z",
        "updated_at": "2026-03-04T00:00:00Z",
    }


def item_dict(st: Storage, variant_id: int, location_ids: list[int] | None = None) -> dict[str, Any]:
    """One ``/inventory/items`` entry: a variant with its stock at each location (or those asked for).

    A product tracked by product reports the product's stock on each of its variants' items.
    """
    locations = []
    for location_id in st.locations.ids() if location_ids is None else location_ids:
        place = location_dict(location_id)
        at = _at_location(st, location_id, variant_id)
        message = at.pop("backorder_message", None)
        entry = {
            "location_id": location_id,
            "location_code": place["code"],
            "location_name": place["label"],
            **at,
            "location_enabled": True,
        }
        if message is not None:
            entry["backorder_message"] = message
        locations.append(entry)
    return {"identity": _identity(st, variant_id, sku_id=True), "locations": locations}


def location_item_dict(st: Storage, location_id: int, variant_id: int) -> dict[str, Any]:
    """One ``/inventory/locations/{id}/items`` entry."""
    return {"identity": _identity(st, variant_id, sku_id=False), **_at_location(st, location_id, variant_id)}


_SETTING_NAMES = ("safety_stock", "is_in_stock", "warning_level", "bin_picking_number")
_BACKORDER_SETTINGS = ("backorder_limit", "backorder_message_id")


def update_location_settings(st: Storage, location_id: int, body: object) -> None:
    """``PUT /inventory/locations/{id}/items``: every entry is checked before any is applied.

    Without native backorders, ``backorder_limit`` and ``backorder_message_id`` are unknown fields
    (ignored; an entry with nothing else is refused like an empty one, as the official spec's 422
    example says).
    """
    book = st.locations
    if not book.exists(location_id):
        raise ValidationError(f"Location with id {location_id} not found", errors={}, problem=True)
    if not isinstance(body, dict) or not isinstance(body.get("settings"), list):
        raise _invalid({"settings": "settings is required and must be an array"})
    entries: list[Any] = body["settings"]
    if len(entries) > MAX_SETTINGS:
        raise _invalid({"settings": f"Limit of {MAX_SETTINGS} items per request exceeded ({len(entries)})"})
    names = _SETTING_NAMES + (_BACKORDER_SETTINGS if book.native_backorders else ())
    errors: dict[str, str] = {}
    problems: list[str] = []
    changes: list[tuple[StockKey, dict[str, Any]]] = []
    for index, entry in enumerate(entries):
        where = f"setting.{index}"
        identity = entry.get("identity") if isinstance(entry, dict) else None
        if not isinstance(identity, dict):
            errors[f"{where}.identity"] = "identity is required and must be an object"
            continue
        _check_identity(identity, f"{where}.identity", errors)
        given = {name: entry[name] for name in names if name in entry}
        if not given.keys() - {"bin_picking_number"}:
            listed = "warning_level, is_in_stock or safety_stock"
            if book.native_backorders:
                listed = "warning_level, is_in_stock, safety_stock or backorder_limit"
            errors[f"{where}.settings"] = f"At least one setting must be specified: {listed}"
            continue
        clean = _clean_settings(given, where, errors)
        if f"{where}.identity" in errors or clean is None:
            continue
        key, _owner, ident, problem = _resolve_one(st, identity)
        if problem is not None or key is None:
            problems.append(problem or f"Item with {ident} not found")
            continue
        changes.append((key, clean))
    if errors:
        raise _invalid(errors)
    if problems:
        raise ValidationError("[" + ", ".join(problems) + "]", errors={}, problem=True)
    for key, clean in changes:
        book.update_settings(location_id, key, **clean)


def _clean_settings(given: dict[str, Any], where: str, errors: dict[str, str]) -> dict[str, Any] | None:
    clean: dict[str, Any] = {}
    before = len(errors)
    for name in ("safety_stock", "warning_level", "backorder_limit"):
        if name not in given:
            continue
        value = given[name]
        if value is None and name == "backorder_limit":
            value = 0  # the beta treats a null limit as none
        if not _is_int(value) or value < 0:
            errors[f"{where}.{name}"] = f"{name} must be an integer of 0 or more"
        clean[name] = value
    if "is_in_stock" in given:
        if not isinstance(given["is_in_stock"], bool):
            errors[f"{where}.is_in_stock"] = "is_in_stock must be a boolean"
        clean["is_in_stock"] = given["is_in_stock"]
    if "bin_picking_number" in given:
        if not isinstance(given["bin_picking_number"], str):
            errors[f"{where}.bin_picking_number"] = "bin_picking_number must be a string"
        clean["bin_picking_number"] = given["bin_picking_number"]
    if "backorder_message_id" in given:
        message_id = given["backorder_message_id"]
        if message_id is not None and (not _is_int(message_id) or message_id < 1):
            errors[f"{where}.backorder_message_id"] = "backorder_message_id must be null or an id above 0"
        clean["backorder_message_id"] = message_id
    return clean if len(errors) == before else None


# --- what an order may take (the orders code calls these under the catalog's lock) --------------


def sellable(st: Storage, key: StockKey) -> int:
    """Units an order may take now from ``key`` at the default location: on hand above the safety
    stock, plus what the backorder limit still allows with native backorders on."""
    return st.locations.sellable(key, _column_of(st, key))


def take(st: Storage, key: StockKey, units: int) -> int:
    """Sell ``units`` of ``key``: on hand first, then backordered up to the limit.

    Returns the on-hand move (0 or negative) for the order's catalog move; the backordered part is
    recorded at once. Raises :class:`~backorder_desktop.demo.locations.OutOfStock` (nothing changed)
    beyond :func:`sellable`.
    """
    return -st.locations.take(key, units, _column_of(st, key))


def give_back(st: Storage, key: StockKey, units: int) -> int:
    """Units of a cancelled sale return: backordered ones first; returns the on-hand move (≥ 0)."""
    return st.locations.give_back(key, units)


def _column_of(st: Storage, key: StockKey) -> int:
    kind, ident = key
    return st.cols.stock[ident - 1] if kind == "p" else st.cols.v_stock[ident - 1]
