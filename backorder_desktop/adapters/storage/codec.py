"""Rows ↔ domain objects: column orders, time encoding, the content hash, the search text and the
natural sort keys.

Kept apart from the SQL so the hot path (``encode_product``) stays a few tuple builds per product.
Times are stored as ISO-8601 UTC text and come back as timezone-aware UTC datetimes; a naive
datetime given to the store is taken as UTC.
"""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from hashlib import blake2b
from typing import Any

from backorder_desktop.adapters.storage.natural_order import natural_key
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant

# Column orders of the rows below; the upsert statements are built from these names.
PRODUCT_COLUMNS = (
    "id",
    "name",
    "sku",
    "inventory_tracking",
    "inventory_level",
    "price",
    "is_visible",
    "availability",
    "date_modified",
    "base_variant_id",
    "search_text",
    "content_hash",
    "seen_pass",
    "name_key",
    "sku_key",
)
VARIANT_COLUMNS = (
    "id",
    "product_id",
    "sku",
    "inventory_level",
    "price",
    "option_label",
    "purchasing_disabled",
)
HASH_INDEX = PRODUCT_COLUMNS.index("content_hash")
# A product written with its stock kept (a BackOrder product under keep_backorder_stock) stores
# its hash xor this: the next pull with the stock kept finds it unchanged, while a pull that must
# write the stock (erp mode, or after unassigning) finds it changed and rewrites it.
KEPT_STOCK_SALT = 0x5A5A_5A5A_5A5A_5A5A

_TRACKING_TEXT = {tracking: str(tracking.value) for tracking in InventoryTracking}  # faster than .value
_TRACKING_BY_TEXT = {str(tracking.value): tracking for tracking in InventoryTracking}

ProductRowTuple = tuple[Any, ...]
VariantRowTuple = tuple[int, int, str, int | None, float | None, str, int]


def to_text(moment: datetime) -> str:
    """ISO-8601 in UTC; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC).isoformat()
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat()


def from_text(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def maybe_from_text(text: str | None) -> datetime | None:
    return None if text is None else from_text(text)


def encode_product(
    product: Product, pass_id: int | None
) -> tuple[ProductRowTuple, list[VariantRowTuple], int]:
    """The product's row, its variants' rows and its content hash (of what BigCommerce sent).

    The hash covers every stored field of the product and its variants, so an unchanged product
    can be skipped without a write. It must be stable across processes, so not ``hash()``:
    blake2b over ``marshal`` format 2 of the row values (ints, floats, str, None — about 3× faster
    than ``repr``; format 2 writes no identity-dependent references or interning marks). Should a
    future Python change that encoding, every product counts as changed once and is rewritten.
    """
    pid = product.id
    variants = [
        (
            v.id,
            pid,
            v.sku,
            v.inventory_level,
            None if v.price is None else float(v.price),
            v.option_label,
            1 if v.purchasing_disabled else 0,
        )
        for v in product.variants
    ]
    core = (
        pid,
        product.name,
        product.sku,
        _TRACKING_TEXT[product.inventory_tracking],
        product.inventory_level,
        float(product.price),
        1 if product.is_visible else 0,
        product.availability,
        to_text(product.date_modified),
        product.base_variant_id,
    )
    digest = blake2b(marshal.dumps((core, variants), 2), digest_size=8).digest()
    content_hash = int.from_bytes(digest, "big", signed=True)
    search_text = "\n".join([product.name, product.sku, *[v.sku for v in product.variants]]).casefold()
    keys = (natural_key(product.name), natural_key(product.sku))
    return (*core, search_text, content_hash, pass_id, *keys), variants, content_hash


def with_hash(row: ProductRowTuple, content_hash: int) -> ProductRowTuple:
    return (*row[:HASH_INDEX], content_hash, *row[HASH_INDEX + 1 :])


def decode_variant(row: Sequence[Any]) -> Variant:
    """A variant from ``VARIANT_COLUMNS``-ordered values (the dataclass's own field order).

    Positional on purpose: listing a whole catalog decodes hundreds of thousands of these.
    """
    return Variant(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))


def decode_product(row: Sequence[Any], variants: tuple[Variant, ...]) -> Product:
    """A product from the first ten ``PRODUCT_COLUMNS``-ordered values (up to base_variant_id)."""
    return Product(
        row[0],  # id
        row[1],  # name
        row[2],  # sku
        _TRACKING_BY_TEXT[row[3]],  # inventory_tracking (a dict: 20x faster than the enum call)
        row[4],  # inventory_level
        row[5],  # price
        bool(row[6]),  # is_visible
        row[7],  # availability
        from_text(row[8]),  # date_modified
        row[9],  # base_variant_id
        variants,
    )
