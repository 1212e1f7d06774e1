"""A product's inventory tracking on the store (``ProductTarget``), with the levels that go with it.

``PUT /v3/catalog/products/{id}`` sets ``inventory_tracking`` (and a product-level
``inventory_level`` in the same request, after the mode: notes §3.2); variant levels follow in
``PUT /v3/catalog/variants`` batches. Every request sets fields to values, so resending one after a
lost reply is harmless: the transport may retry them.
"""

from __future__ import annotations

from typing import Any

from backorder_desktop.adapters.bigcommerce.inventory import PRODUCTS
from backorder_desktop.adapters.bigcommerce.inventory import VARIANT_BATCH
from backorder_desktop.adapters.bigcommerce.inventory import VARIANTS
from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.product_writes import ProductWrite
from backorder_desktop.domain.purchasing import PurchasingWrite


def _ignore(_: Any) -> None:
    return None


def write_tracking(transport: StoreTransport, write: ProductWrite) -> None:
    """Set ``write``'s tracking, then its levels. Raises ``NotFound`` when the product is gone and
    ``InvalidData`` when the store refuses a value."""
    body: dict[str, Any] = {"inventory_tracking": write.tracking.value}
    if write.tracking is InventoryTracking.PRODUCT and 0 in write.levels:
        body["inventory_level"] = write.levels[0]
    transport.call("PUT", f"{PRODUCTS}/{write.product_id}", _ignore, json_body=body, idempotent=True)
    if write.tracking is not InventoryTracking.VARIANT:
        return
    rows = [{"id": vid, "inventory_level": level} for vid, level in sorted(write.levels.items()) if vid]
    for start in range(0, len(rows), VARIANT_BATCH):
        reply = transport.call(
            "PUT", VARIANTS, lambda data: data, json_body=rows[start : start + VARIANT_BATCH], idempotent=True
        )
        errors = reply.get("errors") if isinstance(reply, dict) else None
        if errors:  # a 207: some levels were not saved
            raise InvalidData(f"BigCommerce did not save every variant level: {errors}")


def write_purchasing(transport: StoreTransport, write: PurchasingWrite) -> None:
    """Switch an item's purchasing: a variant's ``purchasing_disabled`` (with the shopper message as
    its ``purchasing_disabled_message``), or a product-level item's ``availability``; the message goes
    to the product's ``availability_description``. Raises ``NotFound`` when the product or variant is
    gone and ``InvalidData`` when the store refuses a value."""
    body: dict[str, Any] = {}
    if write.message is not None:
        body["availability_description"] = write.message
    if write.variant:
        row: dict[str, Any] = {"id": write.key.variant_id, "purchasing_disabled": write.disabled}
        if write.message is not None:
            row["purchasing_disabled_message"] = write.message
        reply = transport.call("PUT", VARIANTS, lambda data: data, json_body=[row], idempotent=True)
        errors = reply.get("errors") if isinstance(reply, dict) else None
        if errors:
            raise InvalidData(f"BigCommerce did not save the variant's purchasing: {errors}")
    else:
        body["availability"] = "disabled" if write.disabled else "available"
    if body:
        path = f"{PRODUCTS}/{write.key.product_id}"
        transport.call("PUT", path, _ignore, json_body=body, idempotent=True)
