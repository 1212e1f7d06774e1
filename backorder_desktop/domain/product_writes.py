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

from backorder_desktop.domain.models import InventoryTracking


class BackorderMethod(StrEnum):
    """How a BackOrder product sells below zero (DESIGN §3b)."""

    APP = "app"  # tracking off in the store; the app counts the orders
    # Tracking stays on and the store counts the sales (the app folds them in as store moves).
    # BigCommerce's backorders beta would sell below zero up to a limit the app does not write
    # yet, so the store stops at zero, as with a limit of 0.
    NATIVE = "native"


class WriteReason(StrEnum):
    """Why a product write was queued (its record in the stock history says it)."""

    ASSIGN = "assign"  # tracking off: the app takes over the product's stock
    UNASSIGN = "unassign"  # tracking back on, with the app's level
    REDISABLE = "re-disable"  # someone (an ERP) turned tracking back on: off again


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
