"""Stock by location: the store's locations, each item's settings there, and the backorders beta.

The default location's on-hand stock stays in the catalog's columns (what catalog writes, orders and
the asynchronous Inventory API move); other locations' on hand, every per-location setting and the
native backorders beta's backordered units live here, sparse: an item nobody configured has the
defaults. Not thread-safe: it is part of :class:`~backorder_desktop.demo.storage.Storage`, which the
catalog's lock guards.

Live behaviour imitated (``docs/bigcommerce-api-notes.md``): available to sell = on hand − safety
stock (§5.2); with native backorders on, + backorder limit − backordered units (§6.1, the beta guide:
"ATS = on hand + limit − backordered").
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from backorder_desktop.demo.strict import SAFETY_STOCK
from backorder_desktop.demo.strict import StrictSwitches

StockKey = tuple[str, int]  # as catalog_rules.StockKey: ("p", product id) or ("v", variant id)
DEFAULT_LOCATION_ID = 1
MAX_LOCATIONS = 100  # the Enterprise plan's cap (notes §5.1)

_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


@dataclass(frozen=True)
class ItemSettings:
    """One item's settings at one location (``settings`` of the location items endpoints)."""

    safety_stock: int = 0
    is_in_stock: bool = True
    warning_level: int | None = None  # None: the product's own inventory_warning_level
    bin_picking_number: str = ""
    backorder_limit: int = 0  # native backorders beta only
    backorder_message_id: int | None = None  # native backorders beta only; None: the default message


DEFAULTS = ItemSettings()
_STRICT_DEFAULTS = ItemSettings(safety_stock=SAFETY_STOCK)


def location_dict(location_id: int) -> dict[str, Any]:
    """One ``/v3/inventory/locations`` entry (locations.v3.yml); location 1 is the default one."""
    default = location_id == DEFAULT_LOCATION_ID
    return {
        "id": location_id,
        "code": "BC-LOCATION-1" if default else f"WAREHOUSE-{location_id}",
        "label": "Default location" if default else f"Warehouse {location_id}",
        "description": "The store's default location" if default else f"Demo warehouse number {location_id}",
        "managed_by_external_source": False,
        "type_id": "PHYSICAL",
        "enabled": True,
        "storefront_visibility": default,
        "time_zone": "Etc/UTC",
        "address": {
            "address1": f"{location_id} Demo Street",
            "address2": "",
            "city": "Austin",
            "state": "Texas",
            "zip": "78701",
            "email": f"warehouse{location_id}@demo-store.example",
            "phone": "555-0100",
            "geo_coordinates": {"latitude": 30.2672, "longitude": -97.7431},
            "country_code": "US",
        },
        "operating_hours": {
            day: {"open": day not in ("saturday", "sunday"), "opening": "09:00", "closing": "17:00"}
            for day in _DAYS
        },
        "special_hours": [],
        "created_at": "2023-01-01T00:00:00Z",
        "updated_at": "2023-01-01T00:00:00Z",
    }


class OutOfStock(ValueError):
    """An order asked for more than may be sold now (the caller answers 409 OutOfStock)."""

    def __init__(self, wanted: int, on_hand: int, for_backorder: int) -> None:
        super().__init__(f"{wanted} wanted, {on_hand} available on hand, {for_backorder} for backorder")
        self.wanted = wanted
        self.available_quantity = on_hand
        self.available_quantity_for_backorder = for_backorder


class Locations:
    """The store's locations (ids 1…count, 1 the default) and what each holds besides the catalog."""

    def __init__(
        self, count: int = 1, *, native_backorders: bool = False, strict: StrictSwitches | None = None
    ) -> None:
        if not 1 <= count <= MAX_LOCATIONS:
            raise ValueError(f"locations must be 1-{MAX_LOCATIONS}")
        self._count = count
        self.native_backorders = native_backorders
        self._strict = strict or StrictSwitches()
        self._settings: dict[tuple[int, StockKey], ItemSettings] = {}
        self._onhand: dict[tuple[int, StockKey], int] = {}  # locations other than the default
        self._backordered: dict[tuple[int, StockKey], int] = {}

    @property
    def count(self) -> int:
        """Locations the store has now (the ``several_locations`` switch makes it at least two)."""
        return max(self._count, 2) if self._strict.several_locations else self._count

    def ids(self) -> range:
        return range(1, self.count + 1)

    def exists(self, location_id: int) -> bool:
        return 1 <= location_id <= self.count

    # --- settings -----------------------------------------------------------------------------

    def settings(self, location_id: int, key: StockKey) -> ItemSettings:
        found = self._settings.get((location_id, key))
        if found is not None:
            return found
        if self._strict.safety_stock and location_id == DEFAULT_LOCATION_ID:
            return _STRICT_DEFAULTS
        return DEFAULTS

    def update_settings(self, location_id: int, key: StockKey, **changes: Any) -> None:
        self._settings[(location_id, key)] = replace(self.settings(location_id, key), **changes)

    def has_settings(self) -> bool:
        """Whether any item may keep stock back (catalog reads skip the look-ups while none may)."""
        return bool(self._settings) or self._strict.safety_stock

    def safety_stock(self, key: StockKey, location_id: int = DEFAULT_LOCATION_ID) -> int:
        return self.settings(location_id, key).safety_stock

    # --- quantities ---------------------------------------------------------------------------

    def other_onhand(self, location_id: int, key: StockKey) -> int:
        """On hand at a location other than the default one (the default's is the catalog's). The
        ``several_locations`` switch's warehouse starts with a few units of every item."""
        found = self._onhand.get((location_id, key))
        if found is not None:
            return found
        return 3 + key[1] % 5 if self._strict.several_locations and location_id > self._count else 0

    def set_other_onhand(self, location_id: int, key: StockKey, value: int) -> None:
        self._onhand[(location_id, key)] = value

    def backordered(self, key: StockKey, location_id: int = DEFAULT_LOCATION_ID) -> int:
        return self._backordered.get((location_id, key), 0)

    def set_backordered(self, key: StockKey, value: int, location_id: int = DEFAULT_LOCATION_ID) -> None:
        self._backordered[(location_id, key)] = value

    def available_to_sell(self, location_id: int, key: StockKey, onhand: int) -> int:
        """What the location may sell: on hand − safety stock (+ limit − backordered with backorders on)."""
        setting = self.settings(location_id, key)
        ats = onhand - setting.safety_stock
        if self.native_backorders:
            ats += setting.backorder_limit - self.backordered(key, location_id)
        return ats

    def for_backorder(self, key: StockKey) -> int:
        """Units the default location may still sell beyond its on hand (0 without native backorders)."""
        if not self.native_backorders:
            return 0
        return max(0, self.settings(DEFAULT_LOCATION_ID, key).backorder_limit - self.backordered(key))

    def sellable(self, key: StockKey, onhand: int) -> int:
        """How many units an order may take now at the default location (never below 0)."""
        from_stock = max(0, onhand - self.safety_stock(key))
        return from_stock + self.for_backorder(key)

    def take(self, key: StockKey, units: int, onhand: int) -> int:
        """Sell ``units``: on hand first (down to the safety stock), then backordered up to the limit.

        Returns the units taken from on hand (the caller moves the catalog's stock by minus that);
        the rest is recorded as backordered here. Raises :class:`OutOfStock` (nothing changed) when
        ``units`` is more than :meth:`sellable`.
        """
        if units < 0:
            raise ValueError("units must not be negative")
        from_stock = max(0, onhand - self.safety_stock(key))
        if units > from_stock + self.for_backorder(key):
            raise OutOfStock(units, from_stock, self.for_backorder(key))
        taken = min(units, from_stock)
        if units > taken:
            self.set_backordered(key, self.backordered(key) + units - taken)
        return taken

    def give_back(self, key: StockKey, units: int) -> int:
        """Units of a cancelled or refunded sale come back: backordered ones first (they were never on
        hand). Returns the units to add to on hand."""
        if units < 0:
            raise ValueError("units must not be negative")
        owed = self.backordered(key)
        settled = min(owed, units)
        if settled:
            self.set_backordered(key, owed - settled)
        return units - settled
