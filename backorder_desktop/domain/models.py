"""Domain values: products, variants, store information and pages, as immutable dataclasses.

Field names follow BigCommerce's own (``inventory_level``, ``inventory_tracking`` …) so that
mapping, storage and JSON output never rename things.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from enum import StrEnum

from backorder_desktop.domain.errors import ErrorKind


class InventorySource(StrEnum):
    """Who owns the stock of BackOrder products (DESIGN §3)."""

    BIGCOMMERCE = "bigcommerce"
    ERP = "erp"
    API = "api"


class InventoryTracking(StrEnum):
    """Where BigCommerce keeps a product's stock."""

    NONE = "none"
    PRODUCT = "product"
    VARIANT = "variant"


@dataclass(frozen=True, slots=True)
class Variant:
    """One variant of a product; a product without options has one base variant."""

    id: int
    product_id: int
    sku: str
    inventory_level: int | None = None
    price: float | None = None
    option_label: str = ""  # "Red / XL"; empty for a base variant
    purchasing_disabled: bool = False
    # The app's level of a BackOrder stock item (below zero: units owed); None when the store
    # keeps this stock. Read with the catalog, never sent to or read from BigCommerce: equality
    # stays "the same as in the store".
    app_level: int | None = field(default=None, compare=False)
    # Its backorder rule (a BackOrder item only): units it may sell below zero (None: unlimited)
    # and the expected date. User data, not the store's: outside equality too.
    limit: int | None = field(default=None, compare=False)
    expected: date | None = field(default=None, compare=False)

    @property
    def available_to_sell(self) -> int | None:
        """Units it may still sell (on hand plus the limit, never below 0); None when unlimited."""
        if self.limit is None or self.app_level is None:
            return None
        return max(0, self.app_level + self.limit)

    @property
    def on_hand(self) -> int | None:
        """The level to show: the app's for a BackOrder item, the store's otherwise."""
        return self.app_level if self.app_level is not None else self.inventory_level

    @property
    def backordered(self) -> int | None:
        """Units owed (sold below zero); None when the app does not count this stock."""
        return None if self.app_level is None else max(0, -self.app_level)


@dataclass(frozen=True, slots=True)
class Product:
    """A catalog product with its variants, as the mirror keeps it."""

    id: int
    name: str
    sku: str
    inventory_tracking: InventoryTracking
    inventory_level: int
    price: float
    is_visible: bool
    availability: str  # available | disabled | preorder
    date_modified: datetime
    base_variant_id: int | None = None
    variants: tuple[Variant, ...] = field(default_factory=tuple)
    # For a BackOrder product, read with the catalog: the app's level (its own stock item, or the
    # sum of its variants' items, as BigCommerce sums variants) and the units owed over its items
    # (an item at 5 does not pay for one at -3: those three units are still owed). None otherwise.
    # Not the store's data, so not part of equality (a mirrored product equals the store's).
    app_level: int | None = field(default=None, compare=False)
    backordered: int | None = field(default=None, compare=False)
    # Its backorder rules over its items: the limit and units it may still sell (summed over its
    # items, None when one of them is unlimited) and the soonest expected date.
    limit: int | None = field(default=None, compare=False)
    available_to_sell: int | None = field(default=None, compare=False)
    expected: date | None = field(default=None, compare=False)

    @property
    def app_stock(self) -> tuple[object, ...]:
        """Every figure of the app's stock and rules this product carries (which equality leaves out)."""
        own = (self.app_level, self.backordered, self.limit, self.available_to_sell, self.expected)
        return (*own, *((v.app_level, v.limit, v.expected) for v in self.variants))

    @property
    def on_hand(self) -> int:
        """The level to show: the app's for a BackOrder product, the store's otherwise."""
        return self.app_level if self.app_level is not None else self.inventory_level


DEFAULT_API_URL = "https://api.bigcommerce.com"  # BigCommerce's API gateway (``--api-url`` changes it)


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What ``/v2/store`` tells about a store, for display and validation."""

    store_hash: str
    name: str
    plan_name: str
    domain: str = ""
    currency: str = ""


@dataclass(frozen=True, slots=True)
class ProductPage:
    """One page of ``/v3/catalog/products``, mapped to domain objects.

    ``problems`` lists items of the page that could not be mapped (missing required fields …):
    the rest of the page is still usable. ``skipped_ids`` are the ids of those products, where
    known: they exist in the store, so a full pass must not remove them from the mirror.
    """

    products: tuple[Product, ...]
    page: int
    total_pages: int
    total: int
    problems: tuple[ItemProblem, ...] = ()
    skipped_ids: tuple[int, ...] = ()
    # A page the client fetched as smaller requests: the first product id of each request after the
    # first. A deletion can shift products across these as across pages.
    splits: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemProblem:
    """A per-item problem found during a sync: data, not an exception (STYLE rule 23)."""

    item: str  # "product 123", "variant 45", "SKU ABC-1"
    title: str
    message: str
    kind: ErrorKind | None = None  # the error's kind, when an error caused it (a failed push …)


@dataclass(frozen=True, slots=True)
class CatalogSummary:
    """The counts of ``/v3/catalog/summary`` that we check a full pull against."""

    variant_count: int
    inventory_count: int


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """The store's shared API quota as last seen in ``X-Rate-Limit-*`` headers."""

    requests_left: int | None
    requests_quota: int | None
    time_reset_ms: int | None
    time_window_ms: int | None


class ProductSort(StrEnum):
    """Columns the product list can be sorted by."""

    ID = "id"
    NAME = "name"
    SKU = "sku"
    INVENTORY_LEVEL = "inventory_level"
    IS_VISIBLE = "is_visible"
    AVAILABILITY = "availability"
    DATE_MODIFIED = "date_modified"


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """A search over the mirror: text in name/SKU/variant SKU, filters, and an order."""

    text: str = ""
    backorder_only: bool = False
    visible: bool | None = None  # None: both
    out_of_stock: bool = False  # tracked products whose stock (or every variant's) is 0 or less
    backordered: bool = False  # BackOrder products with units owed (an item below zero)
    # BackOrder products with an item near its limit (within 10 %), at it, or owing units past
    # its expected date.
    near_limit: bool = False
    at_limit: bool = False
    date_passed: bool = False
    sort: ProductSort = ProductSort.NAME
    descending: bool = False
