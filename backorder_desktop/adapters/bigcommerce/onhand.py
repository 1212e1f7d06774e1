"""On-hand stock at the default location, read from the Inventory API (``GET /v3/inventory/items``).

The Catalog API's ``inventory_level`` is the default location's *available to sell*: on hand less
the item's safety stock (notes §5.2; the spec of inventory.v3.yml). The app writes on-hand stock
(relative adjustments add to it), so comparing what it wrote with a catalog read would take every
unit of safety stock for a sale. Stock the app compares with what it wrote is therefore read here:
``total_inventory_onhand`` at the default location, by ``product_id:in`` (ids of 250 at most, so
the URL stays short), up to 1,000 items a page (the spec's payload limit), each request paced by
the transport like every other. The same reply gives each item's safety stock at that location
(``locations[].settings.safety_stock``): an item whose baseline is still the catalog's figure is
re-based by it at this first read (``domain/store_onhand.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backorder_desktop.adapters.bigcommerce.errors import malformed
from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.store_onhand import OnHandLevels

ITEMS = "/v3/inventory/items"
ITEMS_PER_PAGE = 1000  # "Limit of 1000 items for payload length" (inventory.v3.yml)
PRODUCTS_PER_READ = 250


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _parse(data: Any) -> tuple[list[Any], int]:
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise malformed("GET", ITEMS, "not a list of items (no “data” array)")
    meta = data.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    pages = _int(pagination.get("total_pages")) if isinstance(pagination, dict) else None
    if pages is None:
        raise malformed("GET", ITEMS, "without the page count (meta.pagination.total_pages)")
    return data["data"], pages


def _safety_stock(location: dict[str, Any]) -> int:
    """The location's safety stock for the item: 0 when the store reports none (its default)."""
    settings = location.get("settings")
    found = _int(settings.get("safety_stock")) if isinstance(settings, dict) else None
    return max(0, found or 0)


def _onhand_at(item: Any, location_id: int) -> tuple[int | None, int | None, int | None, int]:
    """``(product id, variant id, on hand at the location, safety stock there)`` of one item
    (None where unreadable)."""
    identity = item.get("identity") if isinstance(item, dict) else None
    if not isinstance(identity, dict):
        return None, None, None, 0
    product_id, variant_id = _int(identity.get("product_id")), _int(identity.get("variant_id"))
    for location in item.get("locations") or []:
        if isinstance(location, dict) and location.get("location_id") == location_id:
            onhand = _int(location.get("total_inventory_onhand"))
            return product_id, variant_id, onhand, _safety_stock(location)
    return product_id, variant_id, None, 0


def read_onhand(transport: StoreTransport, location_id: int, keys: Sequence[StockKey]) -> OnHandLevels:
    """On hand at ``location_id`` for ``keys``, with each one's safety stock there; a key is
    absent when the store has no such item.

    A product-level key reads its product's first item: each variant of a product tracked by
    product reports the product's stock.
    """
    wanted = set(keys)
    found = OnHandLevels()
    products = sorted({k.product_id for k in wanted})
    for start in range(0, len(products), PRODUCTS_PER_READ):
        chunk = products[start : start + PRODUCTS_PER_READ]
        page = 1
        while True:
            params = {
                "product_id:in": ",".join(map(str, chunk)),
                "location_id:in": str(location_id),
                "limit": str(ITEMS_PER_PAGE),
                "page": str(page),
            }
            items, pages = transport.call("GET", ITEMS, _parse, params=params)
            for item in items:
                product_id, variant_id, onhand, safety_stock = _onhand_at(item, location_id)
                if product_id is None or onhand is None:
                    continue
                for key in (StockKey(product_id, variant_id), StockKey(product_id)):
                    if key in wanted and key not in found:
                        found[key] = onhand
                        found.safety_stock[key] = safety_stock
            if page >= pages or not items:
                break
            page += 1
    return found
