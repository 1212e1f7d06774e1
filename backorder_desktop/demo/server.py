"""The demo store: a BigCommerce-compatible HTTP server on 127.0.0.1, started and stopped in-process.

    with DemoStore(DemoConfig(products=200, seed=1)) as store:
        httpx.get(store.base_url + "/v3/catalog/products", headers={"X-Auth-Token": store.token})

``store.catalog`` changes the catalog (as the merchant or an order would), ``store.faults`` and
``store.rate`` switch on failures and quotas, ``store.requests`` records what was served.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import zlib
from types import TracebackType
from typing import Any

from backorder_desktop.demo.catalog import Catalog
from backorder_desktop.demo.config import DemoConfig
from backorder_desktop.demo.context import FULL_SCOPES
from backorder_desktop.demo.context import NO_LOCATIONS_SCOPES
from backorder_desktop.demo.context import READ_SCOPES
from backorder_desktop.demo.context import RequestLog
from backorder_desktop.demo.context import Scopes
from backorder_desktop.demo.context import StoreContext
from backorder_desktop.demo.context import Tokens
from backorder_desktop.demo.delivery import DeliveryRecord
from backorder_desktop.demo.delivery import WebhookDispatcher
from backorder_desktop.demo.faults import Faults
from backorder_desktop.demo.hooks import HookRegistry
from backorder_desktop.demo.http_handler import DemoHTTPServer
from backorder_desktop.demo.inventory_settings import InventorySettings
from backorder_desktop.demo.orders import OrderBook
from backorder_desktop.demo.ratelimit import RateLimiter
from backorder_desktop.demo.shopper import ShopperThread
from backorder_desktop.demo.strict import StrictSwitches

__all__ = ["DemoConfig", "DemoStore"]

logger = logging.getLogger(__name__)
HOST = "127.0.0.1"


class DemoStore:
    """One demo store: catalog, tokens, quota, faults, webhooks and the HTTP server in front of them."""

    def __init__(self, config: DemoConfig | None = None, **overrides: Any) -> None:
        cfg = dataclasses.replace(config or DemoConfig(), **overrides)
        self.config = cfg
        store_id = 1_000_000 + zlib.crc32(cfg.store_hash.encode()) % 9_000_000
        hooks = HookRegistry(cfg.store_hash)
        strict = StrictSwitches()
        strict.turn_on(cfg.strict)
        catalog = Catalog(
            cfg.products,
            cfg.seed,
            inventory_delay_ms=cfg.inventory_delay_ms,
            strict=strict,
            locations=cfg.locations,
            native_backorders=cfg.native_backorders,
        )
        self._ctx = StoreContext(
            store_hash=cfg.store_hash,
            store_id=store_id,
            catalog=catalog,
            faults=Faults(
                cfg.seed,
                latency_ms=cfg.latency_ms,
                error_500_rate=cfg.error_500_rate,
                maintenance=cfg.maintenance,
                hang_rate=cfg.hang_rate,
                malformed_rate=cfg.malformed_rate,
                truncate_rate=cfg.truncate_rate,
                lose_reply_rate=cfg.lose_reply_rate,
                delete_while_paging=cfg.delete_while_paging,
            ),
            rate=RateLimiter(cfg.quota, cfg.window_s),
            tokens=Tokens(),
            hooks=hooks,
            dispatcher=WebhookDispatcher(
                hooks,
                store_hash=cfg.store_hash,
                store_id=store_id,
                retry_s=cfg.webhook_retry_s,
                timeout_s=cfg.webhook_timeout_s,
                strict=strict,
                time_scale=cfg.webhook_time_scale,
            ),
            requests=RequestLog(),
            orders=OrderBook(catalog, InventorySettings()),
            strict=strict,
        )
        self._ctx.tokens.add(cfg.token, FULL_SCOPES)
        for token in cfg.read_only_tokens:
            self._ctx.tokens.add(token, READ_SCOPES)
        for token in cfg.no_locations_tokens:
            self._ctx.tokens.add(token, NO_LOCATIONS_SCOPES)
        self._server: DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._shopper: ShopperThread | None = None
        self._stopped = False

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> DemoStore:
        """Bind 127.0.0.1 (``port=0``: a free port) and serve from a background thread."""
        if self._server is not None:
            return self
        if self._stopped:
            raise RuntimeError("a stopped demo store cannot be started again; make a new one")
        self._server = DemoHTTPServer((HOST, self.config.port), self._ctx)
        self._ctx.dispatcher.start()
        self._ctx.catalog.set_event_sink(self._ctx.dispatcher.emit)
        self._ctx.orders.set_event_sink(self._ctx.dispatcher.emit)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="demo-store-http",
            daemon=True,
        )
        self._thread.start()
        if self.config.orders_per_minute > 0:
            self._shopper = ShopperThread(self._ctx.orders, self.config.seed, self.config.orders_per_minute)
            self._shopper.start()
        logger.info("demo store %s serving %s", self.store_hash, self.api_url)
        return self

    def stop(self) -> None:
        """Stop serving: release held requests, close every connection, stop webhook delivery."""
        if self._stopped:
            return
        self._stopped = True
        self._ctx.stopping.set()
        if self._shopper is not None:
            self._shopper.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._ctx.catalog.set_event_sink(None)
        self._ctx.orders.set_event_sink(None)
        self._ctx.dispatcher.stop()
        self._ctx.catalog.close()
        logger.info("demo store %s stopped", self.store_hash)

    def __enter__(self) -> DemoStore:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- where and who ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the demo store is not started")
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        """The gateway root, like ``https://api.bigcommerce.com``."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """``{api_url}/stores/{store_hash}``; append ``/v3/catalog/products`` and so on."""
        return f"{self.api_url}/stores/{self.store_hash}"

    @property
    def store_hash(self) -> str:
        return self.config.store_hash

    @property
    def store_id(self) -> int:
        """The numeric store id (``/v2/store`` ``store_id``, webhook ``store_id``)."""
        return self._ctx.store_id

    @property
    def token(self) -> str:
        return self.config.token

    def add_token(self, token: str, scopes: Scopes) -> None:
        """Accept another token with ``scopes`` such as ``{"products": "read", "inventory": "modify"}``
        (resources: products, inventory, locations, information).

        A resource missing from ``scopes`` is a 403 even for reads; webhooks need no scope.
        """
        self._ctx.tokens.add(token, scopes)

    # --- the parts tests use ------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self._ctx.catalog

    @property
    def orders(self) -> OrderBook:
        """The store's orders (placed, edited, refunded in-process as a shopper or merchant would)."""
        return self._ctx.orders

    @property
    def faults(self) -> Faults:
        return self._ctx.faults

    @property
    def strict(self) -> StrictSwitches:
        """Where the store behaves as strictly (or strangely) as the live API: ``demo/strict.py``."""
        return self._ctx.strict

    @property
    def rate(self) -> RateLimiter:
        return self._ctx.rate

    @property
    def requests(self) -> RequestLog:
        return self._ctx.requests

    @property
    def hooks(self) -> HookRegistry:
        return self._ctx.hooks

    def stop_webhook_clock(self, at: int) -> None:
        """Every delivery from now on says ``created_at=at``: two changes to one product then share
        a ``hash``, as they do on BigCommerce within one second."""
        self._ctx.dispatcher.created_clock = lambda: at

    def blocked_domains(self) -> dict[str, float]:
        """Webhook destination domains blocked now (``webhook_domain_block``), with seconds left."""
        return self._ctx.dispatcher.blocked_domains()

    @property
    def webhook_log(self) -> list[DeliveryRecord]:
        """Every delivery attempt so far (hook id, scope, attempt, receiver status, ok)."""
        return self._ctx.dispatcher.log
