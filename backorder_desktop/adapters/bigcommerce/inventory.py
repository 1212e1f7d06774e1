"""Stock on the store: reads of tracked levels, relative changes, absolute writes (``InventoryTarget``).

:class:`StoreInventory` builds the calls and
:class:`~backorder_desktop.adapters.bigcommerce.client.BigCommerceClient` delegates to it.
Reads are batched, paged GETs (retried as reads): each product's tracking from the Catalog, the
level from the Inventory API (on hand at the default location, ``onhand``: the Catalog's level is on
hand less safety stock). Each write is ONE request:

* relative changes go through the Inventory API, ``POST /v3/inventory/adjustments/relative``
  (2,000 items per request, product- and variant-level alike, notes §5.1). They are what a push
  sends: a change is added to whatever the store holds, so a sale that lands between our re-read
  and our write is kept (an absolute value would put the sold unit back: the oversell of sync
  tools). BigCommerce's inventory guide advises them for order-driven changes;
* absolute variant-level values go through ``PUT /v3/catalog/variants`` (at most 50 per request);
* absolute product-level values go through ``PUT /v3/inventory/adjustments/absolute`` (2,000 per
  request where the Catalog's product batch takes 10, notes §3.2, §5.1).

The Inventory API needs the default location's id, asked once (``is_default=true``, never assumed
to be 1). Absolute writes are only for items whose last write's reply was lost (a resent relative
change could apply twice) or that the store takes no relative change for yet ("requires absolute
adjustment before relative"); the pusher sends them right after its re-read.

No stock write is resent by the transport after a lost reply or a 5xx (``idempotent=False``): a
relative change would apply twice, and an absolute value resent after a sale landed would undo
it. The pusher marks items as sent before the request, re-reads them at its next push and
decides from what the store shows. Both APIs apply stock asynchronously (notes §5.2): a read
right after a write may still show the old value.

Refusals per item: a 207 (some items saved) names the refused items in its body; a 422 is raised by
the transport as ``InvalidData`` whose ``reasons`` and message carry the server's words. The demo
store (like BigCommerce, as far as the specs say) applies NOTHING of a 422 batch, so the result is
``written=()`` with the named items in ``failed``; the items not named were not written either and
the caller sends them again. A 422 that names none of the items sent is re-raised as it is.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

from backorder_desktop.adapters.bigcommerce import onhand
from backorder_desktop.adapters.bigcommerce.errors import malformed
from backorder_desktop.adapters.bigcommerce.errors import server_reasons
from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.ports import StockChange
from backorder_desktop.domain.ports import StockWrite
from backorder_desktop.domain.ports import WriteFailure
from backorder_desktop.domain.ports import WriteResult
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.store_onhand import OnHandLevels

__all__ = ["ADJUST_BATCH", "IDS_PER_READ", "PRODUCT_BATCH", "VARIANT_BATCH", "WRITE_REASON", "StoreInventory"]

VARIANT_BATCH = 50  # PUT /v3/catalog/variants (notes §4.1; over 50 is a 413)
PRODUCT_BATCH = 2000  # PUT /v3/inventory/adjustments/absolute (notes §5.1)
ADJUST_BATCH = 2000  # POST /v3/inventory/adjustments/relative (notes §5.1)
IDS_PER_READ = 250  # ids in one ``id:in`` / ``product_id:in`` filter; also the page size
WRITE_REASON = "backorder-desktop"  # shown in the store's inventory history

PRODUCTS = "/v3/catalog/products"
VARIANTS = "/v3/catalog/variants"
ABSOLUTE = "/v3/inventory/adjustments/absolute"
RELATIVE = "/v3/inventory/adjustments/relative"
LOCATIONS = "/v3/inventory/locations"

_POSITION = re.compile(r"^items\.(\d+)(?:\.|$)")
# "[Item with product_id 7 not found, Item with product_id 9 is tracked by variant, please …]"
_INVENTORY_ITEM = re.compile(
    r"Item with (product_id|variant_id) (\d+)\b(.*?)(?=, Item with |, Location with |\]|”|$)"
)
# "Items with identity: [product_id 113] requires absolute adjustment before relative" (inventory spec)
_ABSOLUTE_FIRST = re.compile(r"\[([^\]]*)\][^\[]*?requires absolute adjustment", re.IGNORECASE)
_IDENTITY = re.compile(r"\b(product_id|variant_id) (\d+)\b")
_VARIANT_ID = re.compile(r"\b(?:[Vv]ariant with id|variant_id|[Vv]ariant) (\d+)\b")


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _page_parser(path: str) -> Callable[[Any], tuple[list[dict[str, Any]], int]]:
    """A parser of one list page: its objects (with an int ``id``) and ``total_pages``."""

    def parse(data: Any) -> tuple[list[dict[str, Any]], int]:
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise malformed("GET", path, "not a list of items (no “data” array)")
        meta = data.get("meta")
        pagination = meta.get("pagination") if isinstance(meta, dict) else None
        pages = pagination.get("total_pages") if isinstance(pagination, dict) else None
        if not isinstance(pages, int) or isinstance(pages, bool):
            raise malformed("GET", path, "without the page count (meta.pagination.total_pages)")
        items = [item for item in data["data"] if isinstance(item, dict)]
        if len(items) != len(data["data"]) or any(
            not isinstance(i.get("id"), int) or isinstance(i.get("id"), bool) for i in items
        ):
            raise malformed("GET", path, "a list with items that have no numeric id")
        return items, pages

    return parse


class StoreInventory:
    """Stock reads, relative changes and absolute writes through one store's transport. Thread-safe."""

    def __init__(self, transport: StoreTransport) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._location_id: int | None = None

    # --- reads --------------------------------------------------------------------------------

    def read_stock_levels(self, keys: Sequence[StockKey]) -> OnHandLevels:
        """On hand of ``keys`` at the default location. A key is absent when its product or variant
        is gone, or when its product no longer tracks stock that way (a product key needs
        ``inventory_tracking`` "product", a variant key "variant"): the level read then is not the
        one the app keeps. The catalog says how each product tracks; the level itself comes from
        the Inventory API, since the catalog's is on hand less safety stock (``onhand``)."""
        wanted = set(keys)
        tracking: dict[int, Any] = {}
        for chunk in _chunks(sorted({k.product_id for k in wanted}), IDS_PER_READ):
            params = {"id:in": ",".join(map(str, chunk)), "include_fields": "inventory_tracking"}
            for item in self._pages(PRODUCTS, params):
                tracking[item["id"]] = item.get("inventory_tracking")
        kept = [
            k
            for k in wanted
            if tracking.get(k.product_id) == ("product" if k.variant_id is None else "variant")
        ]
        return self.read_onhand(sorted(kept))

    def read_onhand(self, keys: Sequence[StockKey]) -> OnHandLevels:
        """On hand of ``keys`` at the default location, whatever their tracking, with their safety
        stock there (``onhand``)."""
        if not keys:
            return OnHandLevels()
        return onhand.read_onhand(self._transport, self.default_location_id(), keys)

    def _pages(self, path: str, params: dict[str, str]) -> Iterable[dict[str, Any]]:
        parse = _page_parser(path)
        page = 1
        while True:
            query = {**params, "limit": str(IDS_PER_READ), "page": str(page)}
            items, total_pages = self._transport.call("GET", path, parse, params=query)
            yield from items
            if page >= total_pages or not items:
                return
            page += 1

    # --- writes -------------------------------------------------------------------------------

    def write_variant_levels(self, writes: Sequence[StockWrite]) -> WriteResult:
        """At most ``VARIANT_BATCH`` variant levels in ONE ``PUT /v3/catalog/variants``."""
        _check(writes, VARIANT_BATCH, variant=True)
        if not writes:
            return WriteResult(written=())
        body = [{"id": w.key.variant_id, "inventory_level": w.level} for w in writes]

        def parse(data: Any) -> WriteResult:
            # 200: all saved. 207: saved except the items its errors name (a 2xx, so parsed here).
            reasons = server_reasons(data) if isinstance(data, dict) else {}
            failed = _attribute(reasons, "", writes, variant=True)
            said = [f"{k}: {v}" for k, v in reasons.items() if k not in ("status", "type")]
            if said and not failed:
                # Something was not saved but we cannot tell what: claiming "written" could lose
                # an edit, while a failed absolute value is safe to send again.
                failed = {w.key: ["; ".join(said)] for w in writes}
            return _result(writes, failed, applied=True)

        try:
            return self._transport.call("PUT", VARIANTS, parse, json_body=body, idempotent=False)
        except InvalidData as error:
            return _refused(error, writes, variant=True)

    def write_product_levels(self, writes: Sequence[StockWrite]) -> WriteResult:
        """At most ``PRODUCT_BATCH`` product levels in ONE Inventory API absolute adjustment."""
        _check(writes, PRODUCT_BATCH, variant=False)
        if not writes:
            return WriteResult(written=())
        location = self.default_location_id()
        body = {
            "reason": WRITE_REASON,
            "items": [
                {"location_id": location, "product_id": w.key.product_id, "quantity": w.level} for w in writes
            ],
        }

        parse = _transaction("PUT", ABSOLUTE, [w.key for w in writes])
        try:
            return self._transport.call("PUT", ABSOLUTE, parse, json_body=body, idempotent=False)
        except InvalidData as error:
            return _refused(error, writes, variant=False)

    def adjust_levels(self, changes: Sequence[StockChange]) -> WriteResult:
        """At most ``ADJUST_BATCH`` relative changes, product- and variant-level, in ONE Inventory
        API relative adjustment. Items the store takes no relative change for yet come back failed
        with ``absolute_first`` (nothing of such a 422 was applied)."""
        writes = _check_changes(changes)
        if not changes:
            return WriteResult(written=())
        location = self.default_location_id()
        body = {
            "reason": WRITE_REASON,
            "items": [{"location_id": location, **_identity(c.key), "quantity": c.quantity} for c in changes],
        }

        parse = _transaction("POST", RELATIVE, [c.key for c in changes])
        try:
            return self._transport.call("POST", RELATIVE, parse, json_body=body, idempotent=False)
        except InvalidData as error:
            return _refused_changes(error, writes)

    def default_location_id(self) -> int:
        """The id of the store's default inventory location (asked once, then kept)."""
        with self._lock:
            if self._location_id is not None:
                return self._location_id

        def parse(data: Any) -> int | None:
            rows = data.get("data") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise malformed("GET", LOCATIONS, "not a list of locations (no “data” array)")
            for row in rows:
                if isinstance(row, dict) and isinstance(row.get("id"), int) and row.get("is_default", True):
                    return int(row["id"])
            return None

        found = self._transport.call("GET", LOCATIONS, parse, params={"is_default": "true"})
        if found is None:
            raise ApiError(
                "The store reports no default inventory location, so stock cannot be written to it. "
                "Check the locations in the store's control panel (Inventory › Locations)."
            )
        with self._lock:
            self._location_id = found
        return found


def _check(writes: Sequence[StockWrite], limit: int, *, variant: bool) -> None:
    """Programming errors, raised before any request: too many items, wrong keys, repeats."""
    if len(writes) > limit:
        raise ValueError(f"at most {limit} stock values per request, not {len(writes)}")
    seen: set[StockKey] = set()
    for write in writes:
        if (write.key.variant_id is not None) != variant:
            kind = "variant-level" if variant else "product-level"
            raise ValueError(f"{write.key.label()} is not a {kind} stock key")
        if not isinstance(write.level, int) or isinstance(write.level, bool):
            raise ValueError(f"the level of {write.key.label()} must be an int, not {write.level!r}")
        if write.key in seen:
            raise ValueError(f"{write.key.label()} appears twice in one write")
        seen.add(write.key)


def _transaction(method: str, path: str, keys: Sequence[StockKey]) -> Callable[[Any], WriteResult]:
    """The parser of an Inventory API adjustment's reply: a transaction id, every item applied."""

    def parse(data: Any) -> WriteResult:
        if not isinstance(data, dict):
            raise malformed(method, path, "not a JSON object (expected a transaction id)")
        return WriteResult(written=tuple(keys))

    return parse


def _check_changes(changes: Sequence[StockChange]) -> list[StockWrite]:
    """Programming errors, raised before any request; the changes as the items they name."""
    if len(changes) > ADJUST_BATCH:
        raise ValueError(f"at most {ADJUST_BATCH} stock changes per request, not {len(changes)}")
    seen: set[StockKey] = set()
    for change in changes:
        if not isinstance(change.quantity, int) or isinstance(change.quantity, bool) or change.quantity == 0:
            # BigCommerce refuses a relative item of 0 (notes §6.1); an unchanged item needs no write.
            raise ValueError(
                f"the change of {change.key.label()} must be a non-zero int, not {change.quantity!r}"
            )
        if change.key in seen:
            raise ValueError(f"{change.key.label()} appears twice in one write")
        seen.add(change.key)
    return [StockWrite(c.key, c.level) for c in changes]


def _identity(key: StockKey) -> dict[str, int]:
    return {"product_id": key.product_id} if key.variant_id is None else {"variant_id": key.variant_id}


def _refused_changes(error: InvalidData, writes: Sequence[StockWrite]) -> WriteResult:
    """A 422 of a relative adjustment applied nothing: the items it names failed, those it names as
    needing an absolute adjustment first marked so; the rest are for the caller to send again."""
    # Positions (``items.N``) count in the whole request; ids are matched per kind of item.
    positional = {k: v for k, v in error.reasons.items() if _POSITION.match(k)}
    named = _attribute(positional, "", writes, variant=False)
    others = {k: v for k, v in error.reasons.items() if k not in positional}
    for variant in (False, True):
        kind = [w for w in writes if (w.key.variant_id is not None) == variant]
        for key, reasons in _attribute(others, error.message, kind, variant=variant).items():
            named.setdefault(key, []).extend(r for r in reasons if r not in named[key])
    first: set[StockKey] = set()
    by_ident = {
        (
            "product_id" if w.key.variant_id is None else "variant_id",
            w.key.variant_id or w.key.product_id,
        ): w.key
        for w in writes
    }
    for match in _ABSOLUTE_FIRST.finditer(error.message):
        for ident in _IDENTITY.finditer(match.group(1)):
            found = by_ident.get((ident.group(1), int(ident.group(2))))
            if found is not None:
                first.add(found)
                named.setdefault(found, []).append(error.message)
    if not named:
        raise error
    failures = tuple(
        WriteFailure(k, "; ".join(r), absolute_first=k in first) for k, r in sorted(named.items())
    )
    return WriteResult(written=(), failed=failures)


def _attribute(
    reasons: dict[str, str], message: str, writes: Sequence[StockWrite], *, variant: bool
) -> dict[StockKey, list[str]]:
    """Which items sent the server's words name: by position (``items.N…``) or by id in the text."""
    by_id = {(w.key.variant_id if variant else w.key.product_id): w.key for w in writes}
    named: dict[StockKey, list[str]] = {}

    def add(key: StockKey, reason: str) -> None:
        if reason not in named.setdefault(key, []):
            named[key].append(reason)

    for label, text in reasons.items():
        position = _POSITION.match(label)
        if position is not None and int(position.group(1)) < len(writes):
            add(writes[int(position.group(1))].key, text)
            continue
        for match in _VARIANT_ID.finditer(f"{label} {text}") if variant else ():
            key = by_id.get(int(match.group(1)))
            if key is not None:
                add(key, text)
    for match in _INVENTORY_ITEM.finditer(message):
        ident = int(match.group(2))
        if (match.group(1) == "variant_id") == variant and ident in by_id:
            add(by_id[ident], match.group(0).strip())
    return named


def _result(writes: Sequence[StockWrite], failed: dict[StockKey, list[str]], *, applied: bool) -> WriteResult:
    failures = tuple(WriteFailure(k, "; ".join(r)) for k, r in sorted(failed.items()))
    written = tuple(w.key for w in writes if w.key not in failed) if applied else ()
    return WriteResult(written=written, failed=failures)


def _refused(error: InvalidData, writes: Sequence[StockWrite], *, variant: bool) -> WriteResult:
    """A 409/422 applied nothing: the items it names failed; the others are for the caller to resend."""
    named = _attribute(error.reasons, error.message, writes, variant=variant)
    if not named:
        raise error
    return _result(writes, named, applied=False)
