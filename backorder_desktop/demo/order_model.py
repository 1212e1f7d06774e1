"""Orders of the demo store as data, and their API shapes (orders.v2.oas2.yml, orders.v3.yml refunds).

Money is kept in cents and written as the v2 API writes it (``"12.5000"``); dates are Unix seconds,
written as RFC-2822 in v2 replies (``"Tue, 05 Mar 2019 21:40:11 +0000"``) and RFC-3339 in v3 ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from email.utils import format_datetime
from typing import Any

# id -> (name, description, sort order in the control panel); orders.v2 ``/order_statuses``.
STATUSES: dict[int, tuple[str, str, int]] = {
    0: (
        "Incomplete",
        "An incomplete order happens when a shopper reached the payment page, but did not "
        "complete the transaction.",
        0,
    ),
    1: ("Pending", "Customer started the checkout process, but did not complete it.", 1),
    2: (
        "Shipped",
        "Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action.",
        8,
    ),
    3: (
        "Partially Shipped",
        "Only some items in the order have been shipped, due to some products being "
        "pre-order only or other reasons.",
        6,
    ),
    4: ("Refunded", "Seller has used the Refund action.", 11),
    5: ("Cancelled", "Seller has cancelled an order, due to a stock inconsistency or other reasons.", 9),
    6: (
        "Declined",
        "Seller has marked the order as declined for lack of manual payment, or other reasons.",
        10,
    ),
    7: (
        "Awaiting Payment",
        "Customer has completed checkout process, but payment has yet to be confirmed.",
        2,
    ),
    8: (
        "Awaiting Pickup",
        "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
        5,
    ),
    9: (
        "Awaiting Shipment",
        "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
        4,
    ),
    10: (
        "Completed",
        "Client has paid for their digital product and their file(s) are available for download.",
        7,
    ),
    11: (
        "Awaiting Fulfillment",
        "Customer has completed the checkout process and payment has been confirmed.",
        3,
    ),
    12: (
        "Manual Verification Required",
        "Order is on hold while some aspect needs to be manually confirmed.",
        13,
    ),
    13: (
        "Disputed",
        "Customer has initiated a dispute resolution process for the PayPal transaction that "
        "paid for the order.",
        12,
    ),
    14: ("Partially Refunded", "Seller has partially refunded the order.", 14),
}
INCOMPLETE, SHIPPED, PARTIALLY_SHIPPED, REFUNDED, CANCELLED, DECLINED = 0, 2, 3, 4, 5, 6
COMPLETED, AWAITING_FULFILLMENT, PARTIALLY_REFUNDED = 10, 11, 14
# Statuses a merchant sets to give the units back (when refund_order_stock_adjustment is on).
RESTOCKING_STATUSES = frozenset({REFUNDED, CANCELLED, DECLINED})
# Statuses that take stock under update_stock_behavior = order_completed_or_shipped.
SHIPPING_STATUSES = frozenset({SHIPPED, PARTIALLY_SHIPPED, COMPLETED})

DEFAULT_BILLING: dict[str, Any] = {
    "first_name": "Sam",
    "last_name": "Shopper",
    "company": "",
    "street_1": "2 Demo Lane",
    "street_2": "",
    "city": "Austin",
    "state": "Texas",
    "zip": "78701",
    "country": "United States",
    "country_iso2": "US",
    "phone": "555-0101",
    "email": "sam@shopper.example",
}


def money(cents: int) -> str:
    return f"{cents / 100:.4f}"


def rfc2822(ts: int) -> str:
    return format_datetime(dt.datetime.fromtimestamp(ts, dt.UTC))


def rfc3339(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class OrderLine:
    """One order line (``/orders/{id}/products`` entry); ``id`` is stable and unique in the store."""

    id: int
    order_id: int
    product_id: int  # 0 for a custom product
    variant_id: int | None
    name: str
    sku: str
    price_cents: int
    quantity: int
    counted: int  # the quantity the store's stock follows (edits move it only with edit adjustment on)
    taken: int = 0  # units this line holds out of the catalog's stock now
    backordered: int = 0  # of those, units sold beyond on hand (native backorders)
    quantity_refunded: int = 0
    option_values: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Refund:
    """One refund (``/v3/orders/payment_actions/refunds`` entry)."""

    id: int
    order_id: int
    created: int
    reason: str
    items: list[dict[str, Any]]
    amount_cents: int
    provider_id: str


@dataclass
class Order:
    id: int
    status_id: int
    date_created: int
    date_modified: int
    billing_address: dict[str, Any]
    lines: list[OrderLine]
    staff_notes: str = ""
    customer_message: str = ""
    committed: bool = False  # the order has taken stock (placed, or shipped: update_stock_behavior)
    restocked: bool = False  # a merchant's cancel/refund status gave the units back
    refunded_cents: int = 0
    date_shipped: int | None = None

    def subtotal_cents(self) -> int:
        return sum(line.price_cents * line.quantity for line in self.lines)

    def items_total(self) -> int:
        return sum(line.quantity for line in self.lines)


def status_dict(status_id: int) -> dict[str, Any]:
    name, description, order = STATUSES[status_id]
    return {
        "id": status_id,
        "name": name,
        "system_label": name,
        "custom_label": name,
        "system_description": description,
        "order": order,
    }


def _link(base: str, resource: str) -> dict[str, str]:
    return {"url": f"{base}/v2{resource}", "resource": resource}


def line_dict(line: OrderLine) -> dict[str, Any]:
    """An ``orderProducts`` object (that schema allows no other property), with the backorders beta's
    ``quantity_backordered`` when some of the line's units are backordered (notes §6.1)."""
    total = line.price_cents * line.quantity
    extra = {"quantity_backordered": line.backordered} if line.backordered else {}
    return {
        **extra,
        "id": line.id,
        "order_id": line.order_id,
        "product_id": line.product_id,
        "variant_id": line.variant_id or 0,
        "order_pickup_method_id": 0,
        "order_address_id": line.order_id,
        "name": line.name,
        "name_customer": line.name,
        "name_merchant": line.name,
        "sku": line.sku,
        "upc": "",
        "type": "physical",
        "base_price": money(line.price_cents),
        "price_ex_tax": money(line.price_cents),
        "price_inc_tax": money(line.price_cents),
        "price_tax": money(0),
        "base_total": money(total),
        "total_ex_tax": money(total),
        "total_inc_tax": money(total),
        "total_tax": money(0),
        "discounted_total_inc_tax": money(total),
        "quantity": line.quantity,
        "base_cost_price": money(0),
        "cost_price_inc_tax": money(0),
        "cost_price_ex_tax": money(0),
        "cost_price_tax": money(0),
        "weight": "1.0000",
        "width": "1.0000",
        "height": "1.0000",
        "depth": "1.0000",
        "is_refunded": line.quantity_refunded >= line.quantity > 0,
        "quantity_refunded": line.quantity_refunded,
        "refund_amount": money(0),
        "return_id": 0,
        "wrapping_id": 0,
        "wrapping_name": None,
        "base_wrapping_cost": money(0),
        "wrapping_cost_ex_tax": money(0),
        "wrapping_cost_inc_tax": money(0),
        "wrapping_cost_tax": money(0),
        "wrapping_message": "",
        "quantity_shipped": 0,
        "event_name": None,
        "event_date": None,
        "fixed_shipping_cost": money(0),
        "ebay_item_id": "",
        "ebay_transaction_id": "",
        "option_set_id": None,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "bin_picking_number": "",
        "external_id": None,
        "brand": "",
        "applied_discounts": [],
        "product_options": [
            {
                "id": index + 1,
                "option_id": value["option_id"],
                "order_product_id": line.id,
                "product_option_id": value["option_id"],
                "display_name": value["option_display_name"],
                "display_value": value["label"],
                "value": str(value["id"]),
                "type": "Multiple choice",
                "name": value["option_display_name"],
                "display_style": "",
            }
            for index, value in enumerate(line.option_values)
        ],
        "configurable_fields": [],
        "gift_certificate_id": None,
    }


def consignments_dict(order: Order, base: str, *, with_lines: bool) -> dict[str, Any]:
    """``include=consignments[.line_items]&consignment_structure=object``: one shipping consignment."""
    address = {k: v for k, v in order.billing_address.items() if k != "form_fields"}
    lines: list[dict[str, Any]] = [
        line_dict(line) if with_lines else _link(base, f"/orders/{order.id}/products/{line.id}")
        for line in order.lines
    ]
    shipping = {
        "id": order.id,
        **address,
        "form_fields": [],
        "line_items": lines,
        "items_total": order.items_total(),
        "items_shipped": 0,
        "shipping_method": "Free Shipping",
        "base_cost": 0.0,
        "cost_ex_tax": 0.0,
        "cost_inc_tax": 0.0,
        "cost_tax": 0.0,
        "cost_tax_class_id": 0,
        "base_handling_cost": 0.0,
        "handling_cost_ex_tax": 0.0,
        "handling_cost_inc_tax": 0.0,
        "handling_cost_tax": 0.0,
        "handling_cost_tax_class_id": 0,
        "shipping_zone_id": 1,
        "shipping_zone_name": "United States",
        "shipping_quotes": _link(
            base, f"/orders/{order.id}/consignments/shipping/{order.id}/shipping_quotes"
        ),
    }
    return {"pickups": [], "shipping": [shipping], "downloads": [], "email": {"gift_certificates": []}}


def order_dict(order: Order, base: str, include: frozenset[str] = frozenset()) -> dict[str, Any]:
    """An ``order_Resp`` object; ``base`` is the store's API root (``…/stores/{hash}``) for links."""
    subtotal = money(order.subtotal_cents())
    payment_status = (
        "refunded"
        if order.status_id == REFUNDED
        else "partially refunded"
        if order.refunded_cents
        else "captured"
    )
    data: dict[str, Any] = {
        "id": order.id,
        "customer_id": 0,
        "date_created": rfc2822(order.date_created),
        "date_modified": rfc2822(order.date_modified),
        "date_shipped": rfc2822(order.date_shipped) if order.date_shipped else "",
        "status_id": order.status_id,
        "status": STATUSES[order.status_id][0],
        "custom_status": STATUSES[order.status_id][0],
        "subtotal_ex_tax": subtotal,
        "subtotal_inc_tax": subtotal,
        "subtotal_tax": money(0),
        "base_shipping_cost": money(0),
        "shipping_cost_ex_tax": money(0),
        "shipping_cost_inc_tax": money(0),
        "shipping_cost_tax": money(0),
        "shipping_cost_tax_class_id": 0,
        "base_handling_cost": money(0),
        "handling_cost_ex_tax": money(0),
        "handling_cost_inc_tax": money(0),
        "handling_cost_tax": money(0),
        "handling_cost_tax_class_id": 0,
        "base_wrapping_cost": money(0),
        "wrapping_cost_ex_tax": money(0),
        "wrapping_cost_inc_tax": money(0),
        "wrapping_cost_tax": money(0),
        "wrapping_cost_tax_class_id": 0,
        "total_ex_tax": subtotal,
        "total_inc_tax": subtotal,
        "total_tax": money(0),
        "is_tax_inclusive_pricing": False,
        "items_total": order.items_total(),
        "items_shipped": 0,
        "payment_method": "Manual",
        "payment_provider_id": "",
        "payment_status": payment_status,
        "refunded_amount": money(order.refunded_cents),
        "order_is_digital": False,
        "store_credit_amount": money(0),
        "gift_certificate_amount": money(0),
        "ip_address": "",
        "ip_address_v6": "",
        "geoip_country": "United States",
        "geoip_country_iso2": "US",
        "currency_id": 1,
        "currency_code": "USD",
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": "USD",
        "store_default_currency_code": "USD",
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "staff_notes": order.staff_notes,
        "customer_message": order.customer_message,
        "discount_amount": money(0),
        "coupon_discount": money(0),
        "shipping_address_count": 1,
        "is_deleted": False,
        "ebay_order_id": "0",
        "cart_id": "",
        "billing_address": {**order.billing_address, "form_fields": []},
        "is_email_opt_in": False,
        "credit_card_type": None,
        "order_source": "external",
        "channel_id": 1,
        "external_source": None,
        "external_id": None,
        "external_merchant_id": None,
        "tax_provider_id": "",
        "customer_locale": "en",
        "external_order_id": "",
        "products": _link(base, f"/orders/{order.id}/products"),
        "shipping_addresses": _link(base, f"/orders/{order.id}/shipping_addresses"),
        "coupons": _link(base, f"/orders/{order.id}/coupons"),
        "consignments": _link(base, f"/orders/{order.id}/consignments"),
    }
    if "consignments" in include or "consignments.line_items" in include:
        data["consignments"] = consignments_dict(order, base, with_lines="consignments.line_items" in include)
    if "fees" in include:
        data["fees"] = []
    return data


def refund_dict(refund: Refund) -> dict[str, Any]:
    """A ``Refund`` object (orders.v3)."""
    amount = round(refund.amount_cents / 100, 2)
    return {
        "id": refund.id,
        "order_id": refund.order_id,
        "user_id": 0,
        "created": rfc3339(refund.created),
        "reason": refund.reason,
        "total_amount": amount,
        "total_tax": 0.0,
        "uses_merchant_override_values": False,
        "items": refund.items,
        "payments": [
            {
                "id": refund.id,
                "provider_id": refund.provider_id,
                "amount": amount,
                "offline": True,
                "is_declined": False,
                "declined_message": "",
            }
        ],
    }
