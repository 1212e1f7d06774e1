"""BigCommerce JSON → domain objects, strictly: wrong data is reported, never guessed at.

A reply whose envelope is wrong (not an object, no ``data`` list, no pagination) raises
``MalformedReply``: the whole page is unusable and the caller retries it. A single product with a
missing or wrong-typed required field (or a bad variant) becomes an ``ItemProblem`` and the rest of
the page is still used. Unknown fields are ignored. Types are checked exactly (``True`` is not an
int here, and ``"12"`` is not a number) because a mirror that silently coerces hides API changes.

This runs once per product of every page (250 products with up to 30 variants each), so the
product loop is written flat, with local checks instead of helper calls per field.
"""

from __future__ import annotations

import math
from datetime import UTC
from datetime import datetime
from typing import Any

from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.models import CatalogSummary
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductPage
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.models import Variant

__all__ = [
    "PRODUCT_FIELDS",
    "map_catalog_summary",
    "map_product",
    "map_products_page",
    "map_server_time",
    "map_store",
    "parse_datetime",
]

# The product fields we map: sent as ``include_fields`` to keep pages small (``id`` always comes).
PRODUCT_FIELDS = (
    "name",
    "sku",
    "inventory_tracking",
    "inventory_level",
    "price",
    "is_visible",
    "availability",
    "date_modified",
    "base_variant_id",
)

_TRACKING = {t.value: t for t in InventoryTracking}
_MISSING: Any = object()
# What a mirror can keep (found by fuzzing): ids a SQLite INTEGER holds, levels in
# BigCommerce's own 32-bit range, finite prices, text without lone surrogates ("\udc80" is
# valid JSON but not UTF-8, and SQLite refuses it). Anything else is a per-item problem.
_MAX_ID = 2**63 - 1
_MIN_LEVEL = -(2**31)
_MAX_LEVEL = 2**31 - 1


def _is_text(value: Any) -> bool:
    if type(value) is not str:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_id(value: Any) -> bool:
    return type(value) is int and 0 < value <= _MAX_ID


def _is_level(value: Any) -> bool:
    return type(value) is int and _MIN_LEVEL <= value <= _MAX_LEVEL


def _price(value: Any) -> float | None:
    """A JSON number as a finite float, or None (NaN, infinite, too large, or not a number)."""
    if type(value) is int:
        value = float(value) if abs(value) < 2**1000 else math.inf
    return value if type(value) is float and math.isfinite(value) else None


class _Bad(Exception):
    """Internal: one product cannot be mapped; ``str()`` says why, in plain words."""


def _describe(value: Any) -> str:
    if value is _MISSING:
        return "missing"
    if value is None:
        return "empty (null)"
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'…' if len(text) > 40 else ''}"


def _fail(field: str, expected: str, value: Any) -> _Bad:
    return _Bad(f"“{field}” should be {expected} but is {_describe(value)}")


def parse_datetime(text: str) -> datetime:
    """An ISO-8601 timestamp as BigCommerce writes it → aware UTC (no offset means UTC)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedReply(f"BigCommerce's {what} was not a JSON object.")
    return data


def map_product(raw: Any) -> Product:
    """One product of a ``/v3/catalog/products?include=variants`` page; raises ``_Bad``."""
    if type(raw) is not dict:
        raise _Bad(f"the item is {_describe(raw)}, not a product object")
    get = raw.get
    pid = get("id", _MISSING)
    if not _is_id(pid):
        raise _fail("id", "a positive whole number", pid)
    name = get("name", _MISSING)
    if not _is_text(name):
        raise _fail("name", "text", name)
    sku = get("sku", _MISSING)
    if sku is None:
        sku = ""  # products without a SKU: nothing identifies them by it anyway
    elif not _is_text(sku):
        raise _fail("sku", "text", sku)
    tracking_text = get("inventory_tracking", _MISSING)
    tracking = _TRACKING.get(tracking_text) if type(tracking_text) is str else None
    if tracking is None:
        raise _fail("inventory_tracking", "none, product or variant", tracking_text)
    level = get("inventory_level", _MISSING)
    if not _is_level(level):
        raise _fail("inventory_level", "a whole number in BigCommerce's range", level)
    raw_price = get("price", _MISSING)
    price = _price(raw_price)
    if price is None:
        raise _fail("price", "a number", raw_price)
    visible = get("is_visible", _MISSING)
    if type(visible) is not bool:
        raise _fail("is_visible", "true or false", visible)
    availability = get("availability", _MISSING)
    if not _is_text(availability):
        raise _fail("availability", "text", availability)
    modified_text = get("date_modified", _MISSING)
    if type(modified_text) is not str:
        raise _fail("date_modified", "a date and time", modified_text)
    try:
        modified = parse_datetime(modified_text)
    except (ValueError, OverflowError):  # year 1 with an offset overflows when made UTC
        raise _fail("date_modified", "an ISO-8601 date and time", modified_text) from None
    base_id = get("base_variant_id")
    if base_id is not None and not _is_id(base_id):
        raise _fail("base_variant_id", "a whole number or null", base_id)
    raw_variants = get("variants", _MISSING)
    if type(raw_variants) is not list:
        raise _fail("variants", "a list (include=variants)", raw_variants)
    return Product(
        id=pid,
        name=name,
        sku=sku,
        inventory_tracking=tracking,
        inventory_level=level,
        price=price,
        is_visible=visible,
        availability=availability,
        date_modified=modified,
        base_variant_id=base_id,
        variants=_variants(raw_variants, pid),
    )


def _variants(raw_variants: list[Any], product_id: int) -> tuple[Variant, ...]:
    """The variants of one product: a fast path for well-formed ones, ``_variant`` for the rest.

    Most of a page's mapping time is here (7,500 variants for 250 products × 30), so the common
    case takes no helper calls and builds ``Variant`` positionally; anything unusual goes through
    ``_variant``, which converts what is allowed (int prices, null SKUs) or says what is wrong.
    """
    out: list[Variant] = []
    append = out.append
    for raw in raw_variants:
        try:
            vid = raw["id"]
            owner = raw["product_id"]
            sku = raw["sku"]
            get = raw.get
            level = get("inventory_level")
            price = get("price")
            disabled = get("purchasing_disabled", False)
            options = get("option_values")
            label = " / ".join([o["label"] for o in options]) if options else ""
        except (KeyError, TypeError, AttributeError):
            append(_variant(raw, product_id))
            continue
        if (
            type(vid) is int
            and 0 < vid <= _MAX_ID
            and type(owner) is int
            and owner == product_id
            and type(sku) is str
            and sku.isascii()
            and (level is None or (type(level) is int and _MIN_LEVEL <= level <= _MAX_LEVEL))
            and (price is None or (type(price) is float and math.isfinite(price)))
            and type(disabled) is bool
            and (not options or type(options) is list)
            and label.isascii()
        ):
            # Positional, in Variant's field order: id, product_id, sku, inventory_level, price,
            # option_label, purchasing_disabled (test_mapping checks every one of them).
            append(Variant(vid, product_id, sku, level, price, label, disabled))
        else:
            append(_variant(raw, product_id))
    return tuple(out)


def _variant(raw: Any, product_id: int) -> Variant:
    if type(raw) is not dict:
        raise _Bad(f"a variant is {_describe(raw)}, not a variant object")
    get = raw.get
    vid = get("id", _MISSING)
    if not _is_id(vid):
        raise _fail("variants[].id", "a positive whole number", vid)
    where = f"variant {vid}: "
    owner = get("product_id", _MISSING)
    if owner != product_id or type(owner) is not int:
        raise _Bad(where + f"“product_id” should be {product_id} but is {_describe(owner)}")
    sku = get("sku", _MISSING)
    if sku is None:
        sku = ""
    elif not _is_text(sku):
        raise _Bad(where + str(_fail("sku", "text", sku)))
    level = get("inventory_level")
    if level is not None and not _is_level(level):
        raise _Bad(where + str(_fail("inventory_level", "a whole number in range, or null", level)))
    raw_price = get("price")
    price = None if raw_price is None else _price(raw_price)
    if raw_price is not None and price is None:
        raise _Bad(where + str(_fail("price", "a number or null", raw_price)))
    disabled = get("purchasing_disabled", False)
    if type(disabled) is not bool:
        raise _Bad(where + str(_fail("purchasing_disabled", "true or false", disabled)))
    options = get("option_values")
    label = ""
    if options:
        if type(options) is not list:
            raise _Bad(where + str(_fail("option_values", "a list", options)))
        try:
            labels = [o["label"] for o in options]
        except (TypeError, KeyError):
            raise _Bad(where + "an option value has no “label”") from None
        if not all(_is_text(x) for x in labels):
            raise _Bad(where + "an option value's “label” is not text")
        label = " / ".join(labels)
    return Variant(
        id=vid,
        product_id=product_id,
        sku=sku,
        inventory_level=level,
        price=price,
        option_label=label,
        purchasing_disabled=disabled,
    )


def _problem(raw: Any, index: int, page: int, reason: str) -> ItemProblem:
    pid = raw.get("id") if isinstance(raw, dict) else None
    item = f"product {pid}" if type(pid) is int else f"item {index + 1} of page {page}"
    return ItemProblem(
        item=item,
        title="Product skipped: unexpected data from BigCommerce",
        message=(
            f"Its {reason}. It was left as it was in the mirror; the next sync tries it again. "
            "If it persists, check the product in the store's control panel."
        ),
    )


def _int_field(obj: dict[str, Any], key: str, what: str, *, signed: bool = False) -> int:
    value = obj.get(key)
    if type(value) is not int or (value < 0 and not signed):
        raise MalformedReply(f"BigCommerce's {what} had no valid “{key}” ({_describe(value)}).")
    return value


def map_products_page(data: Any) -> ProductPage:
    """A ``/v3/catalog/products`` reply → ``ProductPage``; bad products become problems."""
    body = _object(data, "product list")
    items = body.get("data")
    if not isinstance(items, list):
        raise MalformedReply("BigCommerce's product list had no “data” list.")
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    if not isinstance(pagination, dict):
        raise MalformedReply("BigCommerce's product list had no “meta.pagination”.")
    what = "product list pagination"
    page = _int_field(pagination, "current_page", what)
    total_pages = _int_field(pagination, "total_pages", what)
    total = _int_field(pagination, "total", what)
    if total_pages > max(1, total):  # every page but a lone empty one holds a product
        raise MalformedReply(f"BigCommerce's {what} claimed {total_pages:,} pages for {total:,} products.")
    products: list[Product] = []
    problems: list[ItemProblem] = []
    skipped: list[int] = []
    for index, raw in enumerate(items):
        try:
            products.append(map_product(raw))
        except _Bad as bad:
            problems.append(_problem(raw, index, page, str(bad)))
            pid = raw.get("id") if isinstance(raw, dict) else None
            if type(pid) is int and 0 < pid < 2**63:
                skipped.append(pid)
    return ProductPage(
        products=tuple(products),
        page=page,
        total_pages=total_pages,
        total=total,
        problems=tuple(problems),
        skipped_ids=tuple(skipped),
    )


def map_store(data: Any) -> StoreInfo:
    """``/v2/store`` (a flat object) → ``StoreInfo``."""
    body = _object(data, "store information")
    store_hash = body.get("id")
    name = body.get("name")
    if type(store_hash) is not str or not store_hash or type(name) is not str:
        raise MalformedReply("BigCommerce's store information had no store id or name.")

    def text(key: str) -> str:
        value = body.get(key)
        return value if type(value) is str else ""

    return StoreInfo(
        store_hash=store_hash,
        name=name,
        plan_name=text("plan_name"),
        domain=text("domain"),
        currency=text("currency"),
    )


def map_server_time(data: Any) -> datetime:
    """``/v2/time`` → aware UTC datetime."""
    seconds = _object(data, "server time").get("time")
    if type(seconds) is not int and type(seconds) is not float:
        raise MalformedReply("BigCommerce's server time had no “time” number.")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):  # NaN, infinite, or past the year 9999
        raise MalformedReply("BigCommerce's server time was not a possible time.") from None


def map_catalog_summary(data: Any) -> CatalogSummary:
    """``/v3/catalog/summary`` → the counts a full pull is checked against."""
    inner = _object(data, "catalog summary").get("data")
    if not isinstance(inner, dict):
        raise MalformedReply("BigCommerce's catalog summary had no “data” object.")
    what = "catalog summary"
    return CatalogSummary(
        variant_count=_int_field(inner, "variant_count", what),
        inventory_count=_int_field(inner, "inventory_count", what, signed=True),
    )
