"""BigCommerce's own backorders (beta, method ``native``): limits written and counts read, at one location.

``PUT /v3/inventory/locations/{id}/items`` sets each item's ``backorder_limit`` (notes §6.1: the
beta guide's field, absent from the specs, so **unverified on a live store**): setting a field to
a value, so a request resent after a lost reply is harmless. ``GET /v3/inventory/items`` reads back
what the store counts per location: ``qty_backordered`` (units sold beyond on hand),
``available_to_sell`` and the limit (``settings.backorder_limit``). Unknown fields are ignored and a
missing count reads as nothing backordered, so a store outside the beta still answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from backorder_desktop.adapters.bigcommerce.errors import malformed
from backorder_desktop.adapters.bigcommerce.inventory import ABSOLUTE
from backorder_desktop.adapters.bigcommerce.inventory import LOCATIONS
from backorder_desktop.adapters.bigcommerce.inventory import WRITE_REASON
from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.product_writes import LimitWrite
from backorder_desktop.domain.product_writes import StoreCount
from backorder_desktop.domain.stock import StockKey

ITEMS = "/v3/inventory/items"
SETTINGS_BATCH = 50  # items per request: small enough that one refused item names itself quickly
IDS_PER_READ = 50
ITEMS_PER_PAGE = 250
# A store outside the beta takes no backorder_limit: its refusal names only the other settings.
OUTSIDE_BETA = (
    "If BigCommerce's backorders (beta) are not enabled for this store, enable them in the control "
    "panel, or switch the backorder method to app."
)


def _identity(key: StockKey) -> dict[str, int]:
    return {"product_id": key.product_id} if key.variant_id is None else {"variant_id": key.variant_id}


def write_limits(transport: StoreTransport, location_id: int, writes: Sequence[LimitWrite]) -> None:
    """Set the limit of each of ``writes`` at ``location_id`` (None: no limit). Raises
    ``InvalidData`` when the store refuses one (the whole batch: the caller sends them one by one
    to find it) and ``NotFound`` when an item is gone."""
    path = f"{LOCATIONS}/{location_id}/items"
    for start in range(0, len(writes), SETTINGS_BATCH):
        rows = [
            {"identity": _identity(w.key), "backorder_limit": w.limit}
            for w in writes[start : start + SETTINGS_BATCH]
        ]
        try:
            reply = transport.call(
                "PUT", path, lambda data: data, json_body={"settings": rows}, idempotent=True
            )
        except InvalidData as exc:
            raise InvalidData(
                f"{exc.message} {OUTSIDE_BETA}", title=exc.title, status=exc.status, reasons=exc.reasons
            ) from exc
        errors = reply.get("errors") if isinstance(reply, dict) else None
        if errors:
            raise InvalidData(f"BigCommerce did not save every backorder limit: {errors}")


def write_backordered(transport: StoreTransport, location_id: int, owed: Mapping[StockKey, int]) -> None:
    """Set each item's ``qty_backordered`` at ``location_id`` (an absolute adjustment without
    ``quantity``: on hand is left as it is, notes §6.1): the units the app counted as owed when the
    store takes the counting over. Setting a value, so a resend after a lost reply is harmless."""
    items = [
        {"location_id": location_id, **_identity(k), "qty_backordered": n} for k, n in sorted(owed.items())
    ]
    for start in range(0, len(items), SETTINGS_BATCH):
        body = {"reason": WRITE_REASON, "items": items[start : start + SETTINGS_BATCH]}
        try:
            transport.call("PUT", ABSOLUTE, lambda data: data, json_body=body, idempotent=True)
        except InvalidData as exc:
            raise InvalidData(
                f"{exc.message} {OUTSIDE_BETA}", title=exc.title, status=exc.status, reasons=exc.reasons
            ) from exc


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_counts(
    transport: StoreTransport, location_id: int, keys: Sequence[StockKey]
) -> dict[StockKey, StoreCount]:
    """What the store counts for ``keys`` at ``location_id``; a key is absent when the store has no
    such item. A product-level key reads its product's first item (each variant reports the
    product's stock)."""
    wanted = set(keys)
    found: dict[StockKey, StoreCount] = {}
    by_variant = sorted({k.variant_id for k in wanted if k.variant_id is not None})
    by_product = sorted({k.product_id for k in wanted if k.variant_id is None})
    for name, ids in (("variant_id:in", by_variant), ("product_id:in", by_product)):
        for start in range(0, len(ids), IDS_PER_READ):
            chunk = ids[start : start + IDS_PER_READ]
            params = {name: ",".join(map(str, chunk)), "location_id:in": str(location_id)}
            for item in _items(transport, params):
                key, count = _item_count(item, location_id, product_level=name == "product_id:in")
                if key is not None and count is not None and key in wanted and key not in found:
                    found[key] = count
    return found


def _items(transport: StoreTransport, params: dict[str, str]) -> list[Any]:
    """Every page of ``/v3/inventory/items`` for ``params`` (products with many variants fill more
    than one)."""
    items: list[Any] = []
    page, pages = 1, 1
    while page <= pages:
        query = {**params, "page": str(page), "limit": str(ITEMS_PER_PAGE)}
        data = transport.call("GET", ITEMS, lambda data: data, params=query)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise malformed("GET", ITEMS, "not a list of items (no “data” array)")
        items += data["data"]
        meta = data.get("meta")
        pagination = meta.get("pagination") if isinstance(meta, dict) else None
        total = pagination.get("total_pages") if isinstance(pagination, dict) else None
        pages = total if isinstance(total, int) and not isinstance(total, bool) else page
        page += 1
    return items


def _item_count(
    item: Any, location_id: int, *, product_level: bool
) -> tuple[StockKey | None, StoreCount | None]:
    identity = item.get("identity") if isinstance(item, dict) else None
    if not isinstance(identity, dict):
        return None, None
    product_id, variant_id = _count(identity.get("product_id")), _count(identity.get("variant_id"))
    if product_id is None:
        return None, None
    key = StockKey(product_id) if product_level else StockKey(product_id, variant_id)
    for location in item.get("locations") or []:
        if not isinstance(location, dict) or location.get("location_id") != location_id:
            continue
        found = location.get("settings")
        settings: dict[str, Any] = found if isinstance(found, dict) else {}
        available = _count(location.get("available_to_sell"))
        return key, StoreCount(
            qty_backordered=_count(location.get("qty_backordered")) or 0,
            available_to_sell=available if available is not None else 0,
            limit=_count(settings.get("backorder_limit")),
            on_hand=_count(location.get("total_inventory_onhand")),
        )
    return key, None
