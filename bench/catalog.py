"""Generated catalogs of domain ``Product`` objects for the write benchmark (no store involved)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant

PAGE = 250
WORDS = "Cotton Linen Wool Classic Slim Retro Urban Alpine Coastal Vintage Sport Organic".split()  # noqa: SIM905
ITEMS = "Shirt Hoodie Jacket Scarf Mug Lamp Chair Backpack Bottle Sneaker Watch Blanket".split()  # noqa: SIM905
COLOURS = ["Red", "Blue", "Green", "Black", "White", "Grey", "Navy", "Olive"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]


def generate(count: int, seed: int) -> list[Product]:
    """A catalog like a real store's: most products have options, some only a base variant."""
    rng = random.Random(seed)
    base_time = datetime(2025, 1, 1, tzinfo=UTC)
    products: list[Product] = []
    variant_id = 1_000_000
    for pid in range(1, count + 1):
        n = rng.randint(1, 10)
        tracking = InventoryTracking.VARIANT if n > 1 else rng.choice(list(InventoryTracking))
        sku = f"SKU-{pid:06d}"
        variants = []
        for index in range(n):
            variant_id += 1
            label = "" if n == 1 else f"{COLOURS[index % len(COLOURS)]} / {SIZES[index % len(SIZES)]}"
            variants.append(
                Variant(
                    id=variant_id,
                    product_id=pid,
                    sku=sku if n == 1 else f"{sku}-{index + 1}",
                    inventory_level=rng.randint(0, 500),
                    price=round(rng.uniform(5, 300), 2),
                    option_label=label,
                    purchasing_disabled=rng.random() < 0.05,
                )
            )
        products.append(
            Product(
                id=pid,
                name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(ITEMS)} {pid}",
                sku=sku,
                inventory_tracking=tracking,
                inventory_level=rng.randint(0, 1000),
                price=round(rng.uniform(5, 300), 2),
                is_visible=rng.random() < 0.9,
                availability=rng.choice(["available", "available", "preorder", "disabled"]),
                date_modified=base_time + timedelta(minutes=pid),
                base_variant_id=variants[0].id if n == 1 else None,
                variants=tuple(variants),
            )
        )
    return products


def change_some(products: Sequence[Product], share: float, seed: int) -> list[Product]:
    """A copy where ``share`` of the products have a new price and one variant a new stock level."""
    rng = random.Random(seed)
    out = []
    for product in products:
        if rng.random() < share:
            variants = list(product.variants)
            variants[0] = dataclasses.replace(variants[0], inventory_level=rng.randint(0, 500))
            product = dataclasses.replace(
                product,
                price=product.price + 1,
                date_modified=product.date_modified + timedelta(days=1),
                variants=tuple(variants),
            )
        out.append(product)
    return out


def pages(products: Sequence[Product], size: int = PAGE) -> list[Sequence[Product]]:
    return [products[i : i + size] for i in range(0, len(products), size)]


def row_count(products: Sequence[Product]) -> int:
    """Rows the mirror writes for ``products``: one per product and one per variant."""
    return len(products) + sum(len(p.variants) for p in products)
