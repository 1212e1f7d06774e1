"""The BigCommerce client: the ``CatalogSource`` and ``InventoryTarget`` ports over a store's REST API.

Builds the URLs and queries of the calls the mirror needs and hands each one to
:class:`~backorder_desktop.adapters.bigcommerce.transport.StoreTransport` (quota, retries,
errors) with the mapping that turns its JSON into domain objects. Every method raises only
``domain.errors`` types. One client per store; it is safe to call from several threads at once
(a full pull fetches pages with ~4 threads through one client).

Stock reads and writes (``InventoryTarget``) are delegated to
:class:`~backorder_desktop.adapters.bigcommerce.inventory.StoreInventory` over the same transport;
its PUTs of absolute values pass ``idempotent=True`` so they are retried like reads.
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from backorder_desktop.adapters.bigcommerce import backorder_limits
from backorder_desktop.adapters.bigcommerce import inventory
from backorder_desktop.adapters.bigcommerce import product_writes
from backorder_desktop.adapters.bigcommerce.hooks import StoreHooks
from backorder_desktop.adapters.bigcommerce.hooks import Webhook
from backorder_desktop.adapters.bigcommerce.inventory import StoreInventory
from backorder_desktop.adapters.bigcommerce.mapping import PRODUCT_FIELDS
from backorder_desktop.adapters.bigcommerce.mapping import map_catalog_summary
from backorder_desktop.adapters.bigcommerce.mapping import map_products_page
from backorder_desktop.adapters.bigcommerce.mapping import map_server_time
from backorder_desktop.adapters.bigcommerce.mapping import map_store
from backorder_desktop.adapters.bigcommerce.orders import StoreOrders
from backorder_desktop.adapters.bigcommerce.ratelimit import RateLimiter
from backorder_desktop.adapters.bigcommerce.ratelimit import TimeSource
from backorder_desktop.adapters.bigcommerce.shared_quota import SharedQuota
from backorder_desktop.adapters.bigcommerce.transport import RequestEvent
from backorder_desktop.adapters.bigcommerce.transport import RequestStats
from backorder_desktop.adapters.bigcommerce.transport import RetryPolicy
from backorder_desktop.adapters.bigcommerce.transport import StoreTransport
from backorder_desktop.adapters.http import DEFAULT_MAX_CONNECTIONS
from backorder_desktop.adapters.http import Timeouts
from backorder_desktop.adapters.http import make_http_client
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.errors import PermissionDenied
from backorder_desktop.domain.errors import ServerError
from backorder_desktop.domain.models import CatalogSummary
from backorder_desktop.domain.models import ProductPage
from backorder_desktop.domain.models import QuotaStatus
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.orders import Order
from backorder_desktop.domain.orders import OrderPage
from backorder_desktop.domain.ports import Permissions
from backorder_desktop.domain.ports import StockChange
from backorder_desktop.domain.ports import StockWrite
from backorder_desktop.domain.ports import WriteResult
from backorder_desktop.domain.product_writes import LimitWrite
from backorder_desktop.domain.product_writes import ProductWrite
from backorder_desktop.domain.product_writes import StoreCount
from backorder_desktop.domain.purchasing import PurchasingWrite
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.store_onhand import OnHandLevels

__all__ = ["DEFAULT_API_URL", "MAX_PAGE_SIZE", "BigCommerceClient"]

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.bigcommerce.com"
MAX_PAGE_SIZE = 250  # bigcommerce-api-notes §3.1
SMALLEST_FALLBACK_PAGE = 50  # pages are halved down to this when the larger ones keep failing

_STORE_HASH = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _ignore(_: Any) -> None:
    return None


class BigCommerceClient:
    """One connected store. ``api_url`` is the gateway root (``https://api.bigcommerce.com``)."""

    VARIANT_BATCH = inventory.VARIANT_BATCH  # 50 variant levels per PUT /v3/catalog/variants
    PRODUCT_BATCH = inventory.PRODUCT_BATCH  # 2,000 product levels per Inventory API adjustment
    ADJUST_BATCH = inventory.ADJUST_BATCH  # 2,000 relative changes per Inventory API adjustment

    def __init__(
        self,
        api_url: str,
        store_hash: str,
        token: str,
        *,
        headroom: float = 0.2,
        timeouts: Timeouts | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: TimeSource | None = None,
        limiter: RateLimiter | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        on_request: Callable[[RequestEvent], None] | None = None,
        shared_quota: str | Path | None = None,
    ) -> None:
        """``limiter``: share one store's quota between several clients of this process (then
        ``headroom``, ``clock`` and ``shared_quota`` come from it). ``shared_quota``: a file where
        the pacers of other processes of the profile (the window, its sync child) and this one
        tell each other what they saw and sent. ``on_request`` sees every attempt (tests, bench).
        """
        if not _STORE_HASH.fullmatch(store_hash):
            raise ValueError("a store hash is letters and digits only (the id in /stores/<hash>/)")
        if not token or token.strip() != token:
            raise ValueError("the access token is empty or has surrounding spaces")
        if not api_url.startswith(("http://", "https://")):
            raise ValueError("the API URL must start with http:// or https://")
        self.store_hash = store_hash
        self.api_url = api_url.rstrip("/")
        self._shared = (
            SharedQuota(shared_quota, store_hash) if shared_quota is not None and limiter is None else None
        )
        self.limiter = limiter or RateLimiter(headroom=headroom, clock=clock, shared=self._shared)
        self._http = make_http_client(
            base_url=f"{self.api_url}/stores/{store_hash}",
            token=token,
            timeouts=timeouts,
            transport=transport,
            max_connections=max_connections,
        )
        self._transport = StoreTransport(
            self._http,
            self.limiter,
            retry=retry or RetryPolicy(),
            secret=token,
            on_request=on_request,
        )
        self._inventory = StoreInventory(self._transport)
        self._page_cap = MAX_PAGE_SIZE  # lowered when the store keeps failing pages of a size
        self._hooks = StoreHooks(self._transport)
        self._orders = StoreOrders(self._transport)

    # --- CatalogSource ------------------------------------------------------------------------

    def get_store(self) -> StoreInfo:
        """``/v2/store``: validates the hash and token; name, plan, domain, currency."""
        return self._transport.call("GET", "/v2/store", map_store)

    def server_time(self) -> datetime:
        """``/v2/time``: the store's clock, aware UTC."""
        return self._transport.call("GET", "/v2/time", map_server_time)

    def check_permissions(self) -> Permissions:
        """What the token may do. Reads are probed with a GET of one item; writes with an
        *empty* batch, which changes nothing: a 403 means no, any other answer means yes.

        A 401 raises ``AuthError``; no network raises ``Offline`` (we cannot tell then).
        """
        return Permissions(
            # ``include_fields`` takes product fields only; ``id`` is not one of them (a 422).
            catalog_read=self._allowed(
                "GET", "/v3/catalog/products", params={"limit": "1", "include_fields": "name"}
            ),
            catalog_write=self._allowed("PUT", "/v3/catalog/variants", body=[]),
            inventory_read=self._allowed("GET", "/v3/inventory/items", params={"limit": "1"}),
            inventory_write=self._allowed("PUT", "/v3/inventory/adjustments/absolute", body={"items": []}),
            locations_read=self._allowed("GET", inventory.LOCATIONS, params={"limit": "1"}),
        )

    def get_products_page(
        self,
        page: int,
        *,
        limit: int = MAX_PAGE_SIZE,
        modified_since: datetime | None = None,
        ids: Sequence[int] | None = None,
        id_between: tuple[int, int] | None = None,
    ) -> ProductPage:
        """One page of products with variants, sorted by id ascending (1-based ``page``);
        ``id_between``: only ids strictly between the two (``id:greater``/``id:less``).

        A page of ``limit`` that keeps timing out at the gateway (504 after the retries) is
        fetched as two pages of half the size: the largest pages are the ones a gateway times
        out on, while smaller ones go through (notes §7 on 5xx). The smaller size is then kept
        for this client's later pages; the page numbers and counts are still those of ``limit``.
        """
        if page < 1:
            raise ValueError("pages are numbered from 1")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        if limit > self._page_cap and limit % 2 == 0:
            return self._in_halves(page, limit, modified_since, ids, id_between)
        try:
            return self._products_page(page, limit, modified_since, ids, id_between)
        except ServerError as error:
            # 504 only: the gateway gave up waiting for the page; any other failure is not the size's.
            if error.status != 504 or limit % 2 or limit // 2 < SMALLEST_FALLBACK_PAGE:
                raise
            logger.info(
                "pages of %d products keep failing (%s); asking for %d", limit, error.title, limit // 2
            )
            self._page_cap = min(self._page_cap, limit // 2)
            return self._in_halves(page, limit, modified_since, ids, id_between)

    def _in_halves(
        self,
        page: int,
        limit: int,
        modified_since: datetime | None,
        ids: Sequence[int] | None,
        id_between: tuple[int, int] | None,
    ) -> ProductPage:
        def half_page(number: int) -> ProductPage:
            return self.get_products_page(
                number, limit=limit // 2, modified_since=modified_since, ids=ids, id_between=id_between
            )

        first = half_page(2 * page - 1)
        parts = [first]
        if first.total_pages >= 2 * page:
            parts.append(half_page(2 * page))
        total = parts[-1].total
        splits = list(first.splits)
        if len(parts) == 2:
            second = parts[1]
            second_ids = [p.id for p in second.products] + list(second.skipped_ids)
            splits += [min(second_ids), *second.splits] if second_ids else []
        return ProductPage(
            products=tuple(p for part in parts for p in part.products),
            page=page,
            total_pages=math.ceil(total / limit),
            total=total,
            problems=tuple(p for part in parts for p in part.problems),
            skipped_ids=tuple(i for part in parts for i in part.skipped_ids),
            splits=tuple(splits),
        )

    def _products_page(
        self,
        page: int,
        limit: int,
        modified_since: datetime | None,
        ids: Sequence[int] | None,
        id_between: tuple[int, int] | None,
    ) -> ProductPage:
        params = {
            "include": "variants",
            "include_fields": ",".join(PRODUCT_FIELDS),
            "limit": str(limit),
            "page": str(page),
            "sort": "id",
            "direction": "asc",
        }
        if modified_since is not None:
            if modified_since.tzinfo is None:
                raise ValueError("modified_since must be timezone-aware")
            # Whole seconds, rounded down: ``:min`` is inclusive, so this can only widen the window.
            params["date_modified:min"] = modified_since.astimezone(UTC).replace(microsecond=0).isoformat()
        if ids is not None:
            if not ids:
                return ProductPage(products=(), page=page, total_pages=0, total=0)
            params["id:in"] = ",".join(str(int(i)) for i in ids)
        if id_between is not None:
            low, high = id_between
            params["id:greater"] = str(int(low))
            if high < sys.maxsize:
                params["id:less"] = str(int(high))
        return self._transport.call("GET", "/v3/catalog/products", map_products_page, params=params)

    def get_catalog_summary(self) -> CatalogSummary:
        """``/v3/catalog/summary``: the store's own variant and stock counts."""
        return self._transport.call("GET", "/v3/catalog/summary", map_catalog_summary)

    # --- InventoryTarget ------------------------------------------------------------------------

    def read_stock_levels(self, keys: Sequence[StockKey]) -> OnHandLevels:
        """Current levels (product- and variant-level); keys of deleted items are absent."""
        return self._inventory.read_stock_levels(keys)

    def read_onhand(self, keys: Sequence[StockKey]) -> OnHandLevels:
        """On hand at the default location (``CatalogSource``: what a pull compares for BackOrder items)."""
        return self._inventory.read_onhand(keys)

    def write_variant_levels(self, writes: Sequence[StockWrite]) -> WriteResult:
        """At most ``VARIANT_BATCH`` absolute variant levels in one request."""
        return self._inventory.write_variant_levels(writes)

    def write_product_levels(self, writes: Sequence[StockWrite]) -> WriteResult:
        """At most ``PRODUCT_BATCH`` absolute product levels in one request."""
        return self._inventory.write_product_levels(writes)

    def adjust_levels(self, changes: Sequence[StockChange]) -> WriteResult:
        """At most ``ADJUST_BATCH`` relative stock changes in one request."""
        return self._inventory.adjust_levels(changes)

    # --- OrderSource (/v2/orders, adapters/bigcommerce/orders.py) ------------------------------

    def write_product_tracking(self, write: ProductWrite) -> None:
        product_writes.write_tracking(self._transport, write)

    def write_purchasing(self, write: PurchasingWrite) -> None:
        product_writes.write_purchasing(self._transport, write)

    def write_backorder_limits(self, writes: Sequence[LimitWrite]) -> None:
        backorder_limits.write_limits(self._transport, self._inventory.default_location_id(), writes)

    def write_backordered(self, owed: Mapping[StockKey, int]) -> None:
        backorder_limits.write_backordered(self._transport, self._inventory.default_location_id(), owed)

    def read_backorder_counts(self, keys: Sequence[StockKey]) -> dict[StockKey, StoreCount]:
        return backorder_limits.read_counts(self._transport, self._inventory.default_location_id(), keys)

    def get_orders_page(self, modified_since: datetime, *, page: int = 1, limit: int = 250) -> OrderPage:
        """Orders changed at or after ``modified_since``, oldest change first, lines embedded."""
        return self._orders.get_orders_page(modified_since, page=page, limit=limit)

    def get_order(self, order_id: int) -> Order | None:
        return self._orders.get_order(order_id)

    # --- webhooks (/v3/hooks, adapters/bigcommerce/hooks.py) ----------------------------------

    def list_hooks(self) -> list[Webhook]:
        return self._hooks.list_hooks()

    def create_hook(
        self, *, scope: str, destination: str, headers: Mapping[str, str], is_active: bool = True
    ) -> Webhook:
        return self._hooks.create_hook(
            scope=scope, destination=destination, headers=headers, is_active=is_active
        )

    def update_hook(
        self,
        hook_id: int,
        *,
        is_active: bool | None = None,
        destination: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Webhook:
        return self._hooks.update_hook(hook_id, is_active=is_active, destination=destination, headers=headers)

    def delete_hook(self, hook_id: int) -> None:
        self._hooks.delete_hook(hook_id)

    def quota(self) -> QuotaStatus:
        """The store's shared quota as last seen in the reply headers."""
        return self.limiter.status()

    def close(self) -> None:
        self._http.close()
        if self._shared is not None:
            self._shared.close()

    # --- extras -------------------------------------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        """Requests sent, retries, 429s received and failed calls, since the client was made."""
        return self._transport.stats

    def __enter__(self) -> BigCommerceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:  # never the token
        return f"BigCommerceClient({self.api_url!r}, {self.store_hash!r})"

    def _allowed(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None
    ) -> bool:
        try:
            # An empty batch changes nothing, so sending it again is harmless: idempotent.
            self._transport.call(method, path, _ignore, params=params, json_body=body, idempotent=True)
        except PermissionDenied:
            return False
        except ApiError as error:
            # A write probe refused for another reason (an empty batch is invalid) passed the
            # permission check; a read probe must simply succeed.
            status = error.status or 0
            if method != "GET" and 400 <= status < 500 and status not in (401, 429):
                return True
            raise
        return True
