"""Checking order requests (v2 create/update bodies, v3 refund bodies) and resolving their catalog items.

Bad input is a 400 with the v2 wording ("The field 'products' is invalid"); an item the catalog does
not sell is a 409. Nothing here changes state: ``orders.OrderBook`` applies what these return.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeGuard

from backorder_desktop.demo.catalog_rules import StockKey
from backorder_desktop.demo.catalog_rules import stock_key_for_product
from backorder_desktop.demo.catalog_rules import stock_key_for_variant
from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.order_model import DEFAULT_BILLING
from backorder_desktop.demo.order_model import STATUSES
from backorder_desktop.demo.order_model import OrderLine
from backorder_desktop.demo.render import variant_dict
from backorder_desktop.demo.storage import Storage

MAX_QUANTITY = 2_147_483_647


def bad_field(name: str, why: str = "") -> ApiError:
    return ApiError(f"The field '{name}' is invalid." + (f" {why}" if why else ""), status=400)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class NewOrder:
    products: list[dict[str, Any]]
    billing_address: dict[str, Any]
    status_id: int
    staff_notes: str
    customer_message: str


@dataclass(frozen=True)
class OrderEdit:
    products: list[dict[str, Any]] = field(default_factory=list)
    status_id: int | None = None
    staff_notes: str | None = None
    customer_message: str | None = None
    billing_address: dict[str, Any] | None = None


def _status(body: dict[str, Any]) -> int | None:
    value = body.get("status_id")
    if value is None:
        return None
    if not _is_int(value) or value not in STATUSES:
        raise bad_field("status_id", f"Use one of {min(STATUSES)}-{max(STATUSES)} (/v2/order_statuses).")
    return int(value)


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 65535:
        raise bad_field(name, "It must be a string of at most 65,535 characters.")
    return value


def _address(body: dict[str, Any], *, required: bool) -> dict[str, Any] | None:
    value = body.get("billing_address")
    if value is None:
        if required:
            raise ApiError("The field 'billing_address' cannot be blank.", status=400)
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise bad_field("billing_address", "It must be an object of strings.")
    if required and len(str(value.get("zip", ""))) < 2:
        raise bad_field("billing_address.zip", "The ZIP code must be two or more characters.")
    return {**DEFAULT_BILLING, **value} if required else dict(value)


def _product_item(item: object, where: str, *, editing: bool) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise bad_field(where, "Each product must be an object.")
    quantity = item.get("quantity")
    if editing and "id" in item:
        if not _is_int(item["id"]) or not _is_int(quantity) or not 0 <= quantity <= MAX_QUANTITY:
            raise bad_field(f"{where}.quantity", "An order product needs its id and a quantity of 0 or more.")
        return {"id": item["id"], "quantity": quantity}
    if not _is_int(quantity) or not 1 <= quantity <= MAX_QUANTITY:
        raise bad_field(f"{where}.quantity", "The quantity must be a whole number of 1 or more.")
    if "product_id" in item:
        if not _is_int(item["product_id"]):
            raise bad_field(f"{where}.product_id")
        if item.get("variant_id") is not None and not _is_int(item["variant_id"]):
            raise bad_field(f"{where}.variant_id")
        return {"product_id": item["product_id"], "variant_id": item.get("variant_id"), "quantity": quantity}
    name, price = item.get("name"), item.get("price_inc_tax", item.get("price_ex_tax"))
    if (
        not isinstance(name, str)
        or not name
        or not isinstance(price, (int, float))
        or isinstance(price, bool)
    ):
        raise bad_field(where, "Give product_id, or name and price_inc_tax for a custom product.")
    return {
        "name": name,
        "price_cents": round(float(price) * 100),
        "sku": str(item.get("sku", "")),
        "quantity": quantity,
    }


def check_new_order(body: object) -> NewOrder:
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object.", status=400)
    products = body.get("products")
    if not isinstance(products, list) or not products:
        raise ApiError("The field 'products' cannot be blank.", status=400)
    items = [_product_item(p, f"products.{i}", editing=False) for i, p in enumerate(products)]
    address = _address(body, required=True)
    assert address is not None
    status = _status(body)
    return NewOrder(
        items,
        address,
        1 if status is None else status,  # an API order is Pending unless given a status
        _text(body, "staff_notes") or "",
        _text(body, "customer_message") or "",
    )


def check_update(body: object) -> OrderEdit:
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object.", status=400)
    products = body.get("products", [])
    if not isinstance(products, list):
        raise bad_field("products", "It must be an array.")
    return OrderEdit(
        [_product_item(p, f"products.{i}", editing=True) for i, p in enumerate(products)],
        _status(body),
        _text(body, "staff_notes"),
        _text(body, "customer_message"),
        _address(body, required=False),
    )


def check_refund(body: object, refundable: dict[int, int]) -> list[tuple[int, int, str]]:
    """``(order line id, quantity, reason)`` per PRODUCT item; 422 for anything this order cannot refund."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list) or not body["items"]:
        raise ValidationError("JSON data is missing or is invalid", errors={"items": "items is required"})
    if not isinstance(body.get("payments", []), list):
        raise ValidationError("JSON data is missing or is invalid", errors={"payments": "must be an array"})
    wanted: dict[int, int] = {}
    reasons: dict[int, str] = {}
    errors: dict[str, str] = {}
    for index, item in enumerate(body["items"]):
        where = f"items.{index}"
        if not isinstance(item, dict) or item.get("item_type") != "PRODUCT":
            errors[where] = "the demo store refunds order products (item_type PRODUCT) only"
            continue
        line_id, quantity = item.get("item_id"), item.get("quantity")
        if not _is_int(line_id) or line_id not in refundable:
            errors[f"{where}.item_id"] = f"order product {line_id} is not on this order"
        elif not _is_int(quantity) or quantity < 1:
            errors[f"{where}.quantity"] = "quantity must be 1 or more"
        else:
            wanted[line_id] = wanted.get(line_id, 0) + quantity
            reasons[line_id] = str(item.get("reason", ""))
            if wanted[line_id] > refundable[line_id]:
                errors[f"{where}.quantity"] = (
                    f"only {refundable[line_id]} of order product {line_id} can be refunded"
                )
    if errors:
        raise ValidationError("The refund cannot be processed", errors=errors)
    return [(line_id, qty, reasons[line_id]) for line_id, qty in wanted.items()]


# --- the catalog side -----------------------------------------------------------------------


def stock_key(st: Storage, product_id: int, variant_id: int | None) -> StockKey | None:
    """The stock an order line moves (as ``Catalog.adjust_stock`` finds it), or None when untracked."""
    if not product_id or not st.exists(product_id):
        return None
    if variant_id is not None and st.variant_exists(variant_id):
        return stock_key_for_variant(st, variant_id) or stock_key_for_product(st, product_id)
    return stock_key_for_product(st, product_id)


def stock_of(st: Storage, key: StockKey) -> int:
    """The latest stock written behind ``key`` (what an order can take)."""
    kind, ident = key
    return st.cols.stock[ident - 1] if kind == "p" else st.cols.v_stock[ident - 1]


def _refused(message: str) -> ApiError:
    return ApiError(message, status=409)


def line_for(st: Storage, item: dict[str, Any], order_id: int, line_id: int, where: str) -> OrderLine:
    """A new order line for ``item``; 400 for an unknown product, 409 for one that cannot be bought."""
    quantity = int(item["quantity"])
    if "product_id" not in item:  # a custom product: no catalog, no stock
        return OrderLine(
            line_id, order_id, 0, None, item["name"], item["sku"], item["price_cents"], quantity, quantity
        )
    product_id = int(item["product_id"])
    if not st.exists(product_id):
        raise bad_field(f"{where}.product_id", f"Product with id {product_id} was not found.")
    variant_id = item.get("variant_id")
    variants = st.variant_ids(product_id)
    if variant_id is None:
        if not st.is_simple(product_id):
            raise bad_field(f"{where}.variant_id", f"Product {product_id} has options: give the variant_id.")
        variant_id = variants.start
    elif variant_id not in variants:
        raise bad_field(
            f"{where}.variant_id", f"Variant {variant_id} is not a variant of product {product_id}."
        )
    name = st.product_name(product_id)
    if st.p_over.get(product_id, {}).get("availability") == "disabled":
        raise _refused(f"The product '{name}' is not available for purchase (availability: disabled).")
    variant = variant_dict(st, variant_id)
    if variant["purchasing_disabled"]:
        raise _refused(f"The product '{name}' ({variant['sku']}) cannot be purchased (purchasing disabled).")
    return OrderLine(
        id=line_id,
        order_id=order_id,
        product_id=product_id,
        variant_id=variant_id,
        name=name,
        sku=str(variant["sku"]),
        price_cents=round(float(variant["price"]) * 100),
        quantity=quantity,
        counted=quantity,
        option_values=list(variant["option_values"]),
    )
