"""Pure sync rules: the mode table of DESIGN §3 and the safety valves of a full pull."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from backorder_desktop.domain.errors import SuspiciousCatalog
from backorder_desktop.domain.models import InventorySource

# A remote catalog this much smaller than the mirror is refused rather than applied.
SHRINK_LIMIT = 0.5
# Below this many mirrored products, shrinking is ordinary (a new store, a test catalog).
SHRINK_MIN_MIRROR = 20
# Incremental pulls ask from this long before the last successful pull began, so a change
# committed while that pull ran is never missed; re-reading a few products is harmless.
INCREMENTAL_OVERLAP = timedelta(minutes=5)


def pull_keeps_backorder_stock(mode: InventorySource) -> bool:
    """True when a pull must leave BackOrder products' stock alone (``bigcommerce`` and ``api``)."""
    return mode is not InventorySource.ERP


def check_remote_total(mirror_count: int, remote_total: int) -> None:
    """Refuse a full pull whose catalog is empty or far smaller than the mirror."""
    if mirror_count == 0:
        return
    if remote_total == 0:
        raise SuspiciousCatalog(
            f"BigCommerce returned no products, but {mirror_count:,} are mirrored here. Nothing was "
            "changed. If the store really is empty now, check it in the BigCommerce control panel "
            "and run a full sync again."
        )
    if mirror_count >= SHRINK_MIN_MIRROR and remote_total < mirror_count * SHRINK_LIMIT:
        raise SuspiciousCatalog(
            f"BigCommerce returned {remote_total:,} products, but {mirror_count:,} are mirrored here. "
            "Nothing was removed. If so many products were really deleted, check the store and run "
            "a full sync again."
        )


def check_removals(mirror_count: int, to_remove: int) -> None:
    """Refuse to remove more than the shrink limit of the mirror in one pass."""
    if mirror_count >= SHRINK_MIN_MIRROR and to_remove > mirror_count * SHRINK_LIMIT:
        raise SuspiciousCatalog(
            f"A full sync would remove {to_remove:,} of {mirror_count:,} products. Nothing was "
            "removed. Check the store and run a full sync again."
        )


def incremental_since(last_pull_started: datetime) -> datetime:
    """The ``date_modified:min`` of the next incremental pull."""
    return last_pull_started - INCREMENTAL_OVERLAP
