"""Ports: the Protocols that services depend on and adapters implement.

Services receive these through their constructors (wired in ``app.py``/``cli.py``); they never
import an adapter. Every method raises only ``domain.errors`` types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Protocol

# Annotations only: a command that opens the database need not create every domain type's class.
if TYPE_CHECKING:
    from collections.abc import Collection
    from collections.abc import Iterable
    from collections.abc import Mapping
    from collections.abc import Sequence
    from datetime import datetime

    from backorder_desktop.domain.backorder_rules import BackorderRule
    from backorder_desktop.domain.errors import BackorderError
    from backorder_desktop.domain.models import CatalogSummary
    from backorder_desktop.domain.models import InventorySource
    from backorder_desktop.domain.models import InventoryTracking
    from backorder_desktop.domain.models import ItemProblem
    from backorder_desktop.domain.models import Product
    from backorder_desktop.domain.models import ProductPage
    from backorder_desktop.domain.models import ProductQuery
    from backorder_desktop.domain.models import QuotaStatus
    from backorder_desktop.domain.models import StoreInfo
    from backorder_desktop.domain.orders import Order
    from backorder_desktop.domain.orders import OrderCount
    from backorder_desktop.domain.orders import OrderPage
    from backorder_desktop.domain.orders import OwedOrder
    from backorder_desktop.domain.orders import RestoreOn
    from backorder_desktop.domain.product_writes import LimitWrite
    from backorder_desktop.domain.product_writes import ProductWrite
    from backorder_desktop.domain.product_writes import StoreCount
    from backorder_desktop.domain.purchasing import PurchasingWrite
    from backorder_desktop.domain.runs import RunCounts
    from backorder_desktop.domain.runs import RunKind
    from backorder_desktop.domain.runs import RunOutcome
    from backorder_desktop.domain.runs import RunTrigger
    from backorder_desktop.domain.runs import SyncRun
    from backorder_desktop.domain.settings import Settings
    from backorder_desktop.domain.stock import Adjustment
    from backorder_desktop.domain.stock import AdjustmentKind
    from backorder_desktop.domain.stock import AdjustmentSource
    from backorder_desktop.domain.stock import OutboxEntry
    from backorder_desktop.domain.stock import StockItem
    from backorder_desktop.domain.stock import StockKey
    from backorder_desktop.domain.store_onhand import OnHandLevels


class Clock(Protocol):
    """Injectable time: ``now()`` is timezone-aware (UTC)."""

    def now(self) -> datetime: ...


class ProcessLock(Protocol):
    """A lock shared by every process on one profile: one sync at a time across the window,
    the CLI and the headless service."""

    def try_acquire(self) -> bool: ...

    def release(self) -> None: ...


class Leadership(Protocol):
    """Who leads a team's syncs: in team mode only the leading desktop pulls, pushes, reads orders
    and runs the daily job (``adapters/team/leader.py``). Both answers come from memory."""

    def is_leader(self) -> bool: ...

    def leader_name(self) -> str | None: ...


class SecretStore(Protocol):
    """Where tokens live: the OS keyring, or memory for one session. Never a plain file."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def backend_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Permissions:
    """What a token may do on the store, as probed by the client."""

    catalog_read: bool
    catalog_write: bool
    inventory_read: bool
    inventory_write: bool
    # Product-level stock writes look up the default location, which needs the Store Locations
    # scope (store_locations_read_only), not Inventory (bigcommerce-api-notes §1, §5.1).
    locations_read: bool = True

    def missing(self) -> list[str]:
        """Plain names of what is missing, for a message."""
        names = {
            "catalog_read": "read products",
            "catalog_write": "modify products",
            "inventory_read": "read inventory",
            "inventory_write": "modify inventory",
            "locations_read": "read store locations",
        }
        return [text for attr, text in names.items() if not getattr(self, attr)]


class CatalogSource(Protocol):
    """The store's catalog over its API (the BigCommerce client)."""

    def get_store(self) -> StoreInfo: ...

    def check_permissions(self) -> Permissions: ...

    def get_products_page(
        self,
        page: int,
        *,
        limit: int = 250,
        modified_since: datetime | None = None,
        ids: Sequence[int] | None = None,
        id_between: tuple[int, int] | None = None,
    ) -> ProductPage:
        """One page of products with variants, sorted by id ascending; ``id_between``: only the
        products whose id lies strictly between the two (``id:greater``, ``id:less``)."""
        ...

    def read_onhand(self, keys: Sequence[StockKey]) -> OnHandLevels:
        """On hand at the default location (the catalog's levels are on hand less safety stock),
        with each item's safety stock there; a key is absent when the store has no such item."""
        ...

    def get_catalog_summary(self) -> CatalogSummary: ...

    def server_time(self) -> datetime:
        """The store's clock (``/v2/time``), timezone-aware UTC: cursors use it, not ours."""
        ...

    def quota(self) -> QuotaStatus: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StockWrite:
    """An absolute stock value to write to the store."""

    key: StockKey
    level: int


@dataclass(frozen=True, slots=True)
class StockChange:
    """A change to write as a relative adjustment: ``quantity`` is added to whatever the store
    holds (negative removes), so a sale the app has not seen yet is kept. ``level`` is what the
    store holds afterwards if it still has the value last seen."""

    key: StockKey
    quantity: int
    level: int


@dataclass(frozen=True, slots=True)
class WriteFailure:
    key: StockKey
    reason: str  # the server's own words
    # The store takes relative adjustments for this item only after an absolute one (nothing
    # was applied): write its level as an absolute value instead.
    absolute_first: bool = False


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one write request did: items written, and items the store refused (with reasons)."""

    written: tuple[StockKey, ...]
    failed: tuple[WriteFailure, ...] = ()


class InventoryTarget(Protocol):
    """Stock reads, relative changes and absolute writes on the store (the BigCommerce client).

    Each write call is ONE request, so the caller always knows what was written before an error.
    Whole-request failures raise domain errors (Offline, AuthError, RateLimited …); per-item
    refusals (422 batch_errors, 207) come back in ``WriteResult.failed``.
    """

    VARIANT_BATCH: int  # 50: PUT /v3/catalog/variants
    PRODUCT_BATCH: int  # 2000: PUT /v3/inventory/adjustments/absolute
    ADJUST_BATCH: int  # 2000: POST /v3/inventory/adjustments/relative

    def read_stock_levels(self, keys: Sequence[StockKey]) -> OnHandLevels:
        """Current levels for the keys (product-level and variant-level), with their safety stock;
        absent when gone."""
        ...

    def write_variant_levels(self, writes: Sequence[StockWrite]) -> WriteResult:
        """At most ``VARIANT_BATCH`` variant-level values in one request."""
        ...

    def write_product_levels(self, writes: Sequence[StockWrite]) -> WriteResult:
        """At most ``PRODUCT_BATCH`` product-level values in one request."""
        ...

    def adjust_levels(self, changes: Sequence[StockChange]) -> WriteResult:
        """At most ``ADJUST_BATCH`` relative changes (product- and variant-level) in one request,
        never resent after a lost reply (it would apply twice)."""
        ...


class ProductWriteStore(Protocol):
    """The product writes outbox (SQLite): assign and unassign queue entries in their own
    transaction; the pusher sends them and records each confirmed one as it removes it."""

    def product_writes(self) -> list[ProductWrite]:
        """Waiting writes, refused ones left out."""
        ...

    def product_write_count(self) -> int:
        """Waiting writes, refused ones included."""
        ...

    def remembered_tracking(self) -> dict[int, InventoryTracking]:
        """Each BackOrder product's tracking mode before the app turned it off."""
        ...

    def product_write_attempted(self, product_id: int) -> None: ...

    def product_write_failed(self, product_id: int, reason: str) -> None: ...

    def product_write_gone(self, product_id: int) -> None:
        """The product no longer exists in the store: its write is dropped."""
        ...

    def product_write_done(self, write: ProductWrite, *, actor: str, at: datetime) -> bool:
        """Remove the entry and record it in the stock history, in one transaction (False: a
        newer wish replaced it meanwhile, still to be written)."""
        ...

    def outbox_settle_untracked(self) -> int:
        """Settle the waiting stock writes of products whose tracking the app turned off."""
        ...


class ProductTarget(Protocol):
    """Product fields on the store (the BigCommerce client): a BackOrder product's tracking."""

    def write_product_tracking(self, write: ProductWrite) -> None:
        """Set the product's tracking, then the levels ``write`` carries; idempotent. Raises
        ``NotFound`` when the product is gone, ``InvalidData`` when a value is refused, and the
        request errors (Offline …) of any call."""
        ...

    def write_purchasing(self, write: PurchasingWrite) -> None:
        """Switch an item's purchasing as ``write`` says (idempotent); raises as
        ``write_product_tracking``."""
        ...

    def write_backorder_limits(self, writes: Sequence[LimitWrite]) -> None:
        """Set BigCommerce's own backorder limit of each item at the default location (method
        ``native``; idempotent); raises as ``write_product_tracking``."""
        ...

    def write_backordered(self, owed: Mapping[StockKey, int]) -> None:
        """Set the units BigCommerce counts as backordered per item at the default location (method
        ``native``, when it takes the counting over from the app; idempotent); raises as
        ``write_product_tracking``."""
        ...

    def read_backorder_counts(self, keys: Sequence[StockKey]) -> dict[StockKey, StoreCount]:
        """What the store counts for ``keys`` (backordered units, available to sell, the limit);
        a key is absent when the store has no such item."""
        ...


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One usable row of a stock feed or import file."""

    line: int  # 1-based line (CSV) or item number (JSON), for messages
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class FeedReport:
    """A parsed feed: usable rows, and per-row problems (rows with problems are not in ``rows``)."""

    rows: tuple[FeedRow, ...]
    problems: tuple[ItemProblem, ...]
    total_rows: int


class StockFeed(Protocol):
    """The ERP's stock feed over HTTP(S) (``api`` mode).

    Feed-level failures raise ``FeedError`` (unreachable, 401, HTML instead of data, empty, too
    large, unparsable) with what to do; row-level problems are in the report.
    """

    def fetch(
        self, url: str, *, credential: str | None, format: str, sku_field: str, quantity_field: str
    ) -> FeedReport: ...


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What applying one batch of products to the mirror did."""

    created: int
    changed: int
    unchanged: int


class MirrorStore(Protocol):
    """The local mirror and the user's own data, in one SQLite database."""

    # --- catalog mirror ---
    def apply_products(
        self,
        products: Sequence[Product],
        *,
        pass_id: int | None,
        keep_backorder_stock: bool,
        at: datetime | None = None,
        safety_stock: Mapping[StockKey, int] | None = None,
    ) -> ApplyResult:
        """Upsert products and their variants in one transaction.

        With ``pass_id``, marks each product as seen in that full pass. With
        ``keep_backorder_stock``, the stock of BackOrder products (product and variants) is left
        as it is in the mirror; every other field is updated, and a move of their stock in the store
        (an order) is added to the ledger (``domain.stock.store_move``). Without it (``erp`` mode)
        the store's stock replaces theirs. ``at`` dates those ledger entries (default: now).
        ``safety_stock``: the items it names were read as on hand with these safety stocks (an
        item whose baseline is still the catalog's figure is re-based by them first).
        """
        ...

    def mark_seen(self, ids: Iterable[int], pass_id: int) -> None:
        """Count mirrored products as seen in a pass without changing them (products the store
        listed but whose data could not be used: they exist, so they are not removed)."""
        ...

    def unseen_product_ids(self, pass_id: int) -> list[int]:
        """Ids of mirrored products not seen in that full pass, ascending."""
        ...

    def remove_unseen(self, pass_id: int) -> int:
        """After a complete pass: delete products not seen in it; returns how many."""
        ...

    def delete_products(self, ids: Iterable[int]) -> int: ...

    def product_count(self) -> int: ...

    def variant_count(self) -> int: ...

    def get_product(self, product_id: int) -> Product | None: ...

    def search_products(
        self, query: str = "", *, backorder_only: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[Product]: ...

    def query_products(self, query: ProductQuery, *, limit: int, offset: int = 0) -> list[Product]:
        """A window of the products matching ``query``, in its order (for the window's table)."""
        ...

    def count_products(self, query: ProductQuery) -> int: ...

    def find_product_ids(self, refs: Iterable[str]) -> dict[str, int]:
        """Map product ids (as text) and product/variant SKUs to product ids; unknown refs absent."""
        ...

    # --- the connected store ---
    def set_store(self, info: StoreInfo, api_url: str) -> None: ...

    def get_store(self) -> tuple[StoreInfo, str] | None:
        """The connected store and its API URL (gateway root), or None."""
        ...

    # --- assignments (user data) ---
    def assign(self, product_ids: Iterable[int], *, by: str, at: datetime) -> int: ...

    def unassign(self, product_ids: Iterable[int], *, at: datetime | None = None) -> int: ...

    def backorder_product_ids(self) -> set[int]: ...

    # --- cursors and runs ---
    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str | None) -> None: ...

    def start_run(
        self, *, kind: RunKind, trigger: RunTrigger, mode: InventorySource, full: bool, at: datetime
    ) -> int: ...

    def finish_run(
        self,
        run_id: int,
        *,
        outcome: RunOutcome,
        counts: RunCounts,
        at: datetime,
        problems: Sequence[ItemProblem] = (),
        error: BackorderError | None = None,
    ) -> None: ...

    def runs(self, limit: int = 50) -> list[SyncRun]: ...

    def abandon_running_runs(self, *, at: datetime) -> int:
        """Mark runs left "running" by a killed process as failed (interrupted); returns how many."""
        ...

    def last_run(self, *, kind: RunKind | None = None, successful: bool = True) -> SyncRun | None: ...

    # --- settings (user data) ---
    def load_settings(self) -> Settings: ...

    def save_settings(self, settings: Settings) -> None: ...

    def close(self) -> None: ...


class StockStore(Protocol):
    """BackOrder products' stock: items, the ledger and the outbox (same database as the mirror).

    Every method is one transaction. ``InvalidStock`` says why an edit cannot be made.
    """

    def stock_items(self, product_ids: Iterable[int] | None = None) -> list[StockItem]: ...

    def find_stock_key(self, ref: str) -> StockKey:
        """The stock item of a SKU (variant SKU, or product SKU when it tracks by product)."""
        ...

    def adjust_stock(
        self,
        key: StockKey,
        kind: AdjustmentKind,
        quantity: int,
        *,
        source: AdjustmentSource,
        actor: str,
        at: datetime,
        reason: str = "",
        queue: bool = True,
    ) -> Adjustment: ...

    def stock_history(self, product_id: int, limit: int = 100) -> list[Adjustment]: ...

    def outbox_entries(self) -> list[OutboxEntry]: ...

    def outbox_count(self) -> int: ...

    def outbox_fold_reads(
        self,
        levels: Mapping[StockKey, int],
        *,
        at: datetime,
        trust: bool = False,
        safety_stock: Mapping[StockKey, int] | None = None,
    ) -> list[Adjustment]:
        """Fold the store's current values into waiting items before writing (sales are kept);
        ``safety_stock``: the levels are on hand, read with these safety stocks.
        ``trust``: the store has shown these values are current (it refused a change that assumed
        more stock), so they are folded in even within the settle window after our write."""
        ...

    def outbox_mark_sending(self, writes: Sequence[tuple[StockKey, int]]) -> None: ...

    def outbox_written(self, writes: Sequence[tuple[StockKey, int, int]], *, at: datetime) -> int:
        """(key, level, version) accepted by the store; returns how many entries are done."""
        ...

    def outbox_failed(self, failures: Sequence[tuple[StockKey, str]]) -> None: ...

    def outbox_discard(
        self, *, actor: str, at: datetime, reason: str, product_ids: Collection[int] | None = None
    ) -> int: ...


class OrderSource(Protocol):
    """The store's orders (``/v2/orders``), read with their lines."""

    def get_orders_page(self, modified_since: datetime, *, page: int = 1, limit: int = 250) -> OrderPage:
        """Orders modified at or after ``modified_since``, oldest change first (1-based ``page``);
        an empty page when there are no more."""
        ...

    def get_order(self, order_id: int) -> Order | None:
        """One order with its lines; None when the store has no such order."""
        ...


class OrderStore(Protocol):
    """Order lines of BackOrder products as counted into the ledger (same database as the mirror)."""

    def apply_orders(
        self,
        orders: Sequence[Order],
        *,
        restore_on: RestoreOn,
        at: datetime,
        cursor: tuple[str, str] | None = None,
    ) -> OrderCount:
        """Count ``orders`` into the ledger by the difference from what each line counted so far,
        and set ``cursor`` (name, value), all in one transaction."""
        ...

    def owed_orders(self, limit: int = 200) -> list[OwedOrder]:
        """Orders with counted BackOrder lines that wait for their goods, oldest first."""
        ...

    def orders_waiting(self) -> int: ...

    def backordered_units(self) -> int:
        """Units owed: the sum over BackOrder stock items of how far each is below zero."""
        ...

    def first_assignment(self) -> datetime | None:
        """When the earliest current BackOrder assignment was made (orders before it never count)."""
        ...


class BackorderRuleStore(Protocol):
    """Backorder rules per stock item: user data, saved in bulk in one transaction."""

    def backorder_rules(self, product_ids: Iterable[int] | None = None) -> dict[StockKey, BackorderRule]:
        """The rules kept (an item at the defaults has none), of these products or of all."""
        ...

    def save_backorder_rules(self, rules: Mapping[StockKey, BackorderRule], *, by: str, at: datetime) -> None:
        """Save every rule given, or none (a rule at the defaults removes the item's row)."""
        ...
