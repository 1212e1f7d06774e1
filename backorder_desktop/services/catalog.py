"""The catalog facade: status, listings, assignments, settings and history, as plain data.

The CLI and the window call this (and the sync engine); neither touches the mirror directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import shown_text
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.services.credentials import TokenSource

if TYPE_CHECKING:  # a listing or a search imports neither the stock service nor team mode's
    from collections.abc import Iterable
    from typing import Protocol

    from backorder_desktop.domain.notifications import Notification
    from backorder_desktop.domain.ports import Clock
    from backorder_desktop.domain.ports import MirrorStore
    from backorder_desktop.domain.stock import StockItem
    from backorder_desktop.services.team import TeamLead

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything ``status`` shows; ``as_json`` gives the keys of DESIGN §7."""

    store_hash: str | None
    store_name: str | None
    api_url: str | None
    inventory_source: InventorySource
    products: int
    variants: int
    backorder_products: int
    outbox: int
    last_manual_sync: datetime | None
    last_automatic_sync: datetime | None
    next_scheduled_run: datetime | None
    keyring_backend: str | None
    next_scheduled_job: str | None = None  # what the next scheduled run will do
    token_source: TokenSource | None = None  # where the store's token comes from (None: no store)
    backordered_units: int = 0  # units owed: sum over BackOrder items of how far each is below 0
    orders_waiting: int = 0  # orders with counted BackOrder lines that wait for their goods
    notifications: tuple[Notification, ...] = ()  # unread ones, newest first
    # Product writes waiting for the store (tracking, purchasing, limits): `outbox` counts stock alone.
    product_writes: int = 0
    team: TeamLead | None = None  # team mode: who leads the team's syncs (None: not in a team)

    def as_json(self) -> dict[str, object]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "store_hash": self.store_hash,
            "store_name": self.store_name,
            "api_url": self.api_url,
            "inventory_source": self.inventory_source.value,
            "products": self.products,
            "variants": self.variants,
            "backorder_products": self.backorder_products,
            "outbox": self.outbox,
            "product_writes_waiting": self.product_writes,
            "last_manual_sync": iso(self.last_manual_sync),
            "last_automatic_sync": iso(self.last_automatic_sync),
            "next_scheduled_run": iso(self.next_scheduled_run),
            "next_scheduled_job": self.next_scheduled_job,
            "keyring_backend": self.keyring_backend,
            "token": self.token_source.value if self.token_source is not None else None,
            "backordered_units": self.backordered_units,
            "orders_waiting": self.orders_waiting,
            "notifications": [notification.as_json() for notification in self.notifications],
        } | ({"team": self.team.as_json()} if self.team is not None else {})


@dataclass(frozen=True, slots=True)
class AssignReport:
    changed: int
    matched: int
    unknown: tuple[str, ...]
    # Assigned products the store tracks no stock for: they always sell and have no stock items,
    # so the app has nothing to count or limit until tracking is turned on in BigCommerce.
    untracked: int = 0
    untracked_skus: tuple[str, ...] = ()  # the first few of them (their ids when without a SKU)

    def untracked_named(self) -> str:
        """The untracked products named, and how many more there are: "A-1, B-2 and 3 more"."""
        more = self.untracked - len(self.untracked_skus)
        return ", ".join(self.untracked_skus) + (f" and {more:,} more" if more > 0 else "")


if TYPE_CHECKING:  # the ports are types here only: a status imports none of them

    class CatalogMirror(MirrorStore, Protocol):
        """The mirror, and the stock items it keeps (one database)."""

        def stock_items(self, product_ids: Iterable[int] | None = None) -> list[StockItem]: ...


_UNTRACKED_SHOWN = 5  # SKUs named in a report; the count says how many there are


class CatalogService:
    """Reads and user edits of the mirror that are not syncs."""

    def __init__(
        self,
        *,
        mirror: CatalogMirror,
        clock: Clock,
        keyring_backend: Callable[[], str | None],
        outbox_size: Callable[[], int] = lambda: 0,
        settings_saved: Callable[[], object] = lambda: None,
    ) -> None:
        self._mirror = mirror
        self._clock = clock
        self._keyring_backend = keyring_backend
        self._outbox_size = outbox_size
        self._settings_saved = settings_saved  # the scheduler rebuilds its jobs at once

    def status(self) -> StatusReport:
        store = self._mirror.get_store()
        manual = self._mirror.last_run(kind=RunKind.MANUAL, successful=True)
        automatic = self._mirror.last_run(kind=RunKind.AUTOMATIC, successful=True)
        return StatusReport(
            store_hash=store[0].store_hash if store else None,
            store_name=store[0].name if store else None,
            api_url=store[1] if store else None,
            inventory_source=self._mirror.load_settings().inventory_source,
            products=self._mirror.product_count(),
            variants=self._mirror.variant_count(),
            backorder_products=len(self._mirror.backorder_product_ids()),
            outbox=self._outbox_size(),
            last_manual_sync=manual.finished_at if manual else None,
            last_automatic_sync=automatic.finished_at if automatic else None,
            next_scheduled_run=None,  # the scheduler's, filled in by the Profile facade
            keyring_backend=self._keyring_backend(),
            next_scheduled_job=None,
        )

    def last_manual_sync(self) -> datetime | None:
        run = self._mirror.last_run(kind=RunKind.MANUAL, successful=True)
        return run.finished_at if run else None

    def products(
        self, query: str = "", *, backorder_only: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[Product]:
        return self._mirror.search_products(query, backorder_only=backorder_only, limit=limit, offset=offset)

    def query(self, query: ProductQuery, *, limit: int, offset: int = 0) -> list[Product]:
        """A window of products for the table (call it off the GUI thread)."""
        return self._mirror.query_products(query, limit=limit, offset=offset)

    def count(self, query: ProductQuery) -> int:
        return self._mirror.count_products(query)

    def backorder_ids(self) -> set[int]:
        return self._mirror.backorder_product_ids()

    def assign(self, refs: Sequence[str], *, by: str) -> AssignReport:
        """Assign products (by id or product/variant SKU) to backorder; a product's variants follow."""
        found = self._mirror.find_product_ids(refs)
        unknown = tuple(ref for ref in refs if ref not in found)
        ids = set(found.values())
        changed = self._mirror.assign(ids, by=by, at=self._clock.now())
        untracked = sorted(ids - {item.key.product_id for item in self._mirror.stock_items(ids)})
        named = (self._mirror.get_product(pid) for pid in untracked[:_UNTRACKED_SHOWN])
        return AssignReport(
            changed=changed,
            matched=len(ids),
            unknown=unknown,
            untracked=len(untracked),
            untracked_skus=tuple(p.sku or str(p.id) for p in named if p is not None),
        )

    def product_ids(self, refs: Sequence[str]) -> set[int]:
        """The products that ids or product/variant SKUs name (refs that name none are left out)."""
        return set(self._mirror.find_product_ids(refs).values())

    def unassign(self, refs: Sequence[str]) -> AssignReport:
        found = self._mirror.find_product_ids(refs)
        unknown = tuple(ref for ref in refs if ref not in found)
        changed = self._mirror.unassign(set(found.values()), at=self._clock.now())
        return AssignReport(changed=changed, matched=len(set(found.values())), unknown=unknown)

    def history(self, limit: int = 50) -> list[SyncRun]:
        return self._mirror.runs(limit=limit)

    def settings(self) -> Settings:
        return self._mirror.load_settings()

    def settings_text(self) -> dict[str, str]:
        """The settings as text to show: an address's password or key is masked."""
        return shown_text(self._mirror.load_settings())

    def set_setting(self, name: str, text: str) -> Settings:
        """Validate and save one setting (``InvalidSetting`` says what is allowed)."""
        current = self._mirror.load_settings()
        settings = with_setting(current, name, text)
        waiting = self._outbox_size()
        if settings.inventory_source is not current.inventory_source and waiting:
            from backorder_desktop.services.stock import OutboxNotEmpty

            raise OutboxNotEmpty(waiting)  # the stock service's switch_mode asks what to do
        self._mirror.save_settings(settings)
        logger.info("setting %s changed", name)
        self._settings_saved()
        return settings
