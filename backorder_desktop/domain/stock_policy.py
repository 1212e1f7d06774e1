"""Who may edit a product's stock, the stock it may hold, and the words that say why not (DESIGN §3).

Stock of BackOrder products is editable only in ``bigcommerce`` mode; everywhere else it is
read-only, and the reason says where the stock comes from. The stock service refuses an edit with
these words, and the window's stock cells show them as tooltips. ``STOCK_MIN``..``STOCK_MAX`` is the
one range every way in accepts (the window's editor, ``stock set``, imports and the ERP feed).
"""

from __future__ import annotations

from dataclasses import dataclass

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product

# BigCommerce's own 32-bit range (bigcommerce-api-notes §3.1: it reports levels in it). Below 0 is
# what a BackOrder product owes its shoppers: -3 means three units sold on backorder.
STOCK_MIN = -(2**31)
STOCK_MAX = 2**31 - 1
STOCK_RANGE_TEXT = f"from {STOCK_MIN:,} to {STOCK_MAX:,} (below 0: units sold on backorder)"


def stock_out_of_range(level: int) -> str | None:
    """Why ``level`` cannot be a stock level (None: it can)."""
    if STOCK_MIN <= level <= STOCK_MAX:
        return None
    return f"{level:,} is not a possible stock level: stock can be {STOCK_RANGE_TEXT}."


def level_for_store(level: int) -> int:
    """The level BigCommerce is given for a local one: the store holds no negative stock (its API
    refuses it), so units owed stay in the app and the store is told 0."""
    return max(0, level)


READ_ONLY_ERP = "Stock comes from your ERP through BigCommerce: change it there"
READ_ONLY_API = "Stock comes from your ERP's feed: change it there; the next feed pull sets it here"
READ_ONLY_REASONS = {InventorySource.ERP: READ_ONLY_ERP, InventorySource.API: READ_ONLY_API}
READ_ONLY_NOT_BACKORDER = (
    "Stock of products not assigned to BackOrder comes from BigCommerce. "
    "Assign the product to BackOrder to manage its stock here."
)
READ_ONLY_NOT_TRACKED = "BigCommerce does not track stock for this product"
READ_ONLY_PER_VARIANT = "This product's stock is kept per variant: edit it in the variants below"
READ_ONLY_UNAVAILABLE = "Stock can be edited once your catalog is open"
EDITABLE = "Double-click to set the stock; it is written to BigCommerce when you are online"


def read_only_reason(mode: InventorySource) -> str | None:
    """Why BackOrder stock cannot be edited by hand in ``mode`` (None: it can)."""
    return READ_ONLY_REASONS.get(mode)


@dataclass(frozen=True, slots=True)
class StockPolicy:
    """The mode of the profile, and whether a profile is open to take edits."""

    mode: InventorySource = InventorySource.BIGCOMMERCE
    editing_available: bool = False

    def product_stock(self, product: Product, *, is_backorder: bool) -> tuple[bool, str]:
        """(editable, tooltip) for a product row's stock cell."""
        if not is_backorder:
            return False, READ_ONLY_NOT_BACKORDER
        if self.mode is InventorySource.ERP:
            return False, READ_ONLY_ERP
        if self.mode is InventorySource.API:
            return False, READ_ONLY_API
        if product.inventory_tracking is InventoryTracking.NONE:
            return False, READ_ONLY_NOT_TRACKED
        if product.inventory_tracking is InventoryTracking.VARIANT:
            return False, READ_ONLY_PER_VARIANT
        if not self.editing_available:
            return False, READ_ONLY_UNAVAILABLE
        return True, EDITABLE

    def variant_stock(self, product: Product, *, is_backorder: bool) -> tuple[bool, str]:
        """(editable, tooltip) for a variant's stock in the detail pane."""
        if not is_backorder:
            return False, READ_ONLY_NOT_BACKORDER
        if self.mode is InventorySource.ERP:
            return False, READ_ONLY_ERP
        if self.mode is InventorySource.API:
            return False, READ_ONLY_API
        if product.inventory_tracking is not InventoryTracking.VARIANT:
            return False, (
                READ_ONLY_NOT_TRACKED
                if product.inventory_tracking is InventoryTracking.NONE
                else "This product's stock is kept for the whole product: edit it in the table"
            )
        if not self.editing_available:
            return False, READ_ONLY_UNAVAILABLE
        return True, EDITABLE
