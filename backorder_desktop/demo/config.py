"""Settings of one demo store: catalog size and seed, credentials, quota, latency and fault switches."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backorder_desktop.demo.locations import MAX_LOCATIONS
from backorder_desktop.demo.strict import StrictSwitches

_STORE_HASH = re.compile(r"^[a-z0-9]{1,32}$")


@dataclass(frozen=True)
class DemoConfig:
    """Everything a :class:`~backorder_desktop.demo.server.DemoStore` is started with.

    ``quota=None`` means unlimited (the headers then report a large quota). The fault switches are
    the initial values of ``store.faults``; they can be changed while the store is serving.
    """

    products: int = 2000
    seed: int = 1
    store_hash: str = "demo"
    token: str = "demo-token"  # noqa: S105 - the demo store's published demo credential
    port: int = 0
    latency_ms: int = 0
    quota: int | None = None
    window_s: float = 30.0
    read_only_tokens: tuple[str, ...] = ()
    no_locations_tokens: tuple[str, ...] = ()  # every scope but Store Locations
    inventory_delay_ms: int = 0
    webhook_retry_s: tuple[float, ...] = (1.0, 2.0, 5.0)
    webhook_timeout_s: float = 5.0
    error_500_rate: float = 0.0
    maintenance: bool = False
    hang_rate: float = 0.0
    malformed_rate: float = 0.0
    truncate_rate: float = 0.0
    lose_reply_rate: float = 0.0
    delete_while_paging: bool = False
    strict: tuple[str, ...] = ()  # names of StrictSwitches to turn on (STRICT_ALL: the preset)
    webhook_time_scale: float = 1.0  # the real retry schedule's seconds times this (tests: tiny)
    orders_per_minute: float = 0.0  # the shopper simulator's pace while serving (0: no shopper)
    locations: int = 1  # inventory locations; 1 is the default, the others start with nothing on hand
    # BigCommerce's backorders beta (notes §6.1, inventory.v3.backorders-beta.yml): backorder_limit and
    # backorder_message_id per location item, qty_backordered in adjustments and item reads, available
    # to sell = on hand + limit − backordered. Off: those fields are absent, as in the official spec.
    native_backorders: bool = False

    def __post_init__(self) -> None:
        if self.products < 0:
            raise ValueError("products must not be negative")
        if not _STORE_HASH.match(self.store_hash):
            raise ValueError("store_hash must be 1-32 lowercase letters or digits")
        if not self.token:
            raise ValueError("token must not be empty")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be 0-65535")
        if self.quota is not None and self.quota < 0:
            raise ValueError("quota must not be negative")
        if self.window_s <= 0:
            raise ValueError("window_s must be positive")
        if self.latency_ms < 0 or self.inventory_delay_ms < 0:
            raise ValueError("latency_ms and inventory_delay_ms must not be negative")
        unknown = set(self.strict) - set(StrictSwitches.names())
        if unknown:
            raise ValueError(
                f"unknown strict switches {sorted(unknown)}; use {', '.join(StrictSwitches.names())}"
            )
        if not 1 <= self.locations <= MAX_LOCATIONS:
            raise ValueError(f"locations must be 1-{MAX_LOCATIONS}")
        if self.orders_per_minute < 0:
            raise ValueError("orders_per_minute must not be negative")
        if self.webhook_time_scale <= 0:
            raise ValueError("webhook_time_scale must be positive")
        for name in ("error_500_rate", "hang_rate", "malformed_rate", "truncate_rate", "lose_reply_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
