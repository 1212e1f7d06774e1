"""Webhook events the catalog raises: scope names and ``data`` objects as the callback schemas give them."""

from __future__ import annotations

from typing import Any

Event = tuple[str, dict[str, Any]]

ABSOLUTE = "absolute"
RELATIVE = "relative"


def product_event(kind: str, product_id: int) -> Event:
    """``store/product/{created,updated,deleted}``."""
    return f"store/product/{kind}", {"type": "product", "id": product_id}


def sku_event(kind: str, variant_id: int, product_id: int, sku_id: int) -> Event:
    """``store/sku/{created,updated,deleted}``; ``id`` is the v2 SKU id."""
    return f"store/sku/{kind}", {
        "type": "sku",
        "id": sku_id,
        "sku": {"product_id": product_id, "variant_id": variant_id},
    }


def product_inventory_event(product_id: int, method: str, value: int, *, order: bool = False) -> Event:
    """``store/product/inventory/updated`` (or ``.../order/updated`` when an order moved the stock)."""
    scope = "store/product/inventory/order/updated" if order else "store/product/inventory/updated"
    return scope, {
        "type": "product",
        "id": product_id,
        "inventory": {"product_id": product_id, "method": method, "value": value},
    }


def sku_inventory_event(
    variant_id: int, product_id: int, sku_id: int, method: str, value: int, *, order: bool = False
) -> Event:
    """``store/sku/inventory/updated`` (or ``.../order/updated``)."""
    scope = "store/sku/inventory/order/updated" if order else "store/sku/inventory/updated"
    return scope, {
        "type": "sku",
        "id": sku_id,
        "inventory": {"product_id": product_id, "variant_id": variant_id, "method": method, "value": value},
    }


def scope_matches(subscription: str, scope: str) -> bool:
    """Exact scopes, and wildcards such as ``store/product/*`` (every scope below that prefix)."""
    if subscription.endswith("/*"):
        return scope.startswith(subscription[:-1])
    return subscription == scope
