"""Product fields the app writes to BigCommerce: a BackOrder product's inventory tracking.

With the backorder method ``app``, assigning turns the product's tracking off in the store (so
the store never blocks a sale at zero and the app counts the orders), and unassigning turns the
remembered mode back on with the app's level, never below zero (units owed stay in the app). Each
such write waits in its own small outbox; setting a field twice is harmless, so a write whose
reply was lost is simply sent again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from enum import StrEnum

from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.stock import StockKey

BACKORDER_METHOD = "backorder-method"  # the setting a method switch changes (it migrates products)


class BackorderMethod(StrEnum):
    """How a BackOrder product sells below zero (DESIGN §3b)."""

    APP = "app"  # tracking off in the store; the app counts the orders
    # BigCommerce's backorders (beta): tracking stays on, the store sells below zero up to the
    # limit the app writes per item at the default location, and counts the sales (the app folds
    # them in as store moves). Dates, messages and notifications stay the app's.
    NATIVE = "native"


class WriteReason(StrEnum):
    """Why a product write was queued (its record in the stock history says it)."""

    ASSIGN = "assign"  # tracking off: the app takes over the product's stock
    UNASSIGN = "unassign"  # tracking back on, with the app's level
    REDISABLE = "re-disable"  # someone (an ERP) turned tracking back on: off again
    TO_NATIVE = "to native"  # method switched to native: tracking back on, the store counts
    TO_APP = "to app"  # method switched to app: tracking off, the app counts


@dataclass(frozen=True, slots=True)
class ProductWrite:
    """One product's wanted tracking, with the levels to write with it (variant id, or 0 for the
    product's own level); the levels are already what the store may hold (never below zero)."""

    product_id: int
    tracking: InventoryTracking
    reason: WriteReason
    levels: Mapping[int, int] = field(default_factory=dict)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime | None = None


def owed_units(write: ProductWrite) -> dict[StockKey, int]:
    """The units owed per item of ``write`` (the app's levels below zero; 0 for the others), which
    BigCommerce counts as backordered once the method native takes the counting over."""
    return {
        StockKey(write.product_id, vid or None): max(0, -level) for vid, level in sorted(write.levels.items())
    }


@dataclass(frozen=True, slots=True)
class LimitWrite:
    """One stock item's backorder limit at the store's default location (method ``native``):
    ``limit`` None is no limit; 0 is none below zero (what leaving BackOrder writes)."""

    key: StockKey
    sku: str
    limit: int | None
    reason: str = ""
    attempts: int = 0


def limit_note(write: LimitWrite) -> str:
    """The stock history's record of a confirmed limit. No limit in the rules is written as none
    (null): the beta has no documented "unlimited", and the store then sells to zero only."""
    said = "backorder limit cleared" if write.limit is None else f"backorder limit {write.limit} written"
    return f"{said} in BigCommerce ({write.reason})" if write.reason else f"{said} in BigCommerce"


@dataclass(frozen=True, slots=True)
class MethodSwitch:
    """What switching the backorder method changes, before it is applied (a preview)."""

    current: BackorderMethod
    wanted: BackorderMethod
    tracking_on: int = 0  # products whose tracking goes back on in the store
    tracking_off: int = 0  # products whose tracking goes off
    limits_written: int = 0  # items whose limit is written to the store
    limits_cleared: int = 0  # items whose limit in the store goes back to 0
    pending_stock: int = 0  # waiting writes that must be pushed (or discarded) first
    pending_products: int = 0

    @property
    def changes(self) -> bool:
        return self.current is not self.wanted

    @property
    def blocked(self) -> bool:
        return self.changes and (self.pending_stock > 0 or self.pending_products > 0)

    def waiting(self) -> str:
        """What must be written first, in words ("2 stock changes and 1 product write wait …")."""
        waits = []
        if self.pending_stock:
            waits.append(counted(self.pending_stock, "stock change"))
        if self.pending_products:
            waits.append(counted(self.pending_products, "product write"))
        return f"{' and '.join(waits)} wait to be written to BigCommerce"

    def summary(self) -> str:
        """What will change, in words (the preview a switch shows first)."""
        if not self.changes:
            return f"The backorder method is already {self.current.value}: nothing changes."
        parts: list[str] = []
        if self.wanted is BackorderMethod.NATIVE:
            parts.append(f"{counted(self.tracking_on, 'product')}: tracking back on in BigCommerce")
            parts.append(f"{counted(self.limits_written, 'item')}: backorder limit written")
        else:
            parts.append(f"{counted(self.limits_cleared, 'item')}: backorder limit cleared in BigCommerce")
            parts.append(f"{counted(self.tracking_off, 'product')}: tracking off, the app counts the orders")
        return (
            f"Switching the backorder method from {self.current.value} to {self.wanted.value}: "
            + "; ".join(parts)
            + "."
        )


@dataclass(frozen=True, slots=True)
class StoreCount:
    """What BigCommerce counts for an item at the default location (method ``native``)."""

    qty_backordered: int
    available_to_sell: int
    limit: int | None = None
    on_hand: int | None = None  # total_inventory_onhand there (None: not reported)


class MethodSwitchBlocked(UserFacingError):
    """A backorder method switch asked while writes wait: switching then would leave some written
    the old way and some the new. Nothing changed."""

    title = "Backorder method not changed"

    def __init__(self, switch: MethodSwitch) -> None:
        super().__init__(
            f"{switch.waiting()}, so the backorder method is still {switch.current.value}. "
            "Write them first (or discard the stock changes), then switch again.",
            remedy=Remedy.CHOOSE_OUTBOX,
        )
        self.switch = switch
