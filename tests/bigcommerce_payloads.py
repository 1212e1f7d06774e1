"""BigCommerce payloads for tests that map or fuzz what the API returns."""

from __future__ import annotations

from typing import Any


def product(pid: int, variants: int = 2) -> dict[str, Any]:
    """A well-formed product as ``/v3/catalog/products?include=variants`` returns it (``variants``
    0: a product without options, with its one base variant)."""
    raw: dict[str, Any] = {
        "id": pid,
        "name": f"Product {pid}",
        "sku": f"P-{pid}",
        "inventory_tracking": "variant" if variants else "product",
        "inventory_level": 5,
        "price": 12.5,
        "is_visible": True,
        "availability": "available",
        "date_modified": "2026-11-27T01:02:03+00:00",
        "base_variant_id": None if variants else pid * 100,
        "custom_url": {"url": "/x/"},  # not ours: ignored
        "variants": [
            {
                "id": pid * 100 + n,
                "product_id": pid,
                "sku": f"P-{pid}-{n}",
                "sku_id": n,
                "inventory_level": n,
                "price": None,
                "purchasing_disabled": False,
                "option_values": [
                    {"id": 1, "label": f"Colour {n}", "option_id": 9, "option_display_name": "Colour"},
                    {"id": 2, "label": "XL", "option_id": 10, "option_display_name": "Size"},
                ],
            }
            for n in range(1, variants + 1)
        ]
        or [
            {
                "id": pid * 100,
                "product_id": pid,
                "sku": f"P-{pid}",
                "sku_id": None,
                "inventory_level": 5,
                "price": 12.5,
                "option_values": [],
                "purchasing_disabled": False,
            },
        ],
    }
    return raw
