"""Strict switches: where the live API is stricter or stranger than the demo store by default.

Each switch imitates one behaviour of BigCommerce that a kind fake would hide; its docstring names
the behaviour and where it is documented (sections of ``docs/bigcommerce-api-notes.md``, or a spec
of ``bigcommerce-openapi/``). They are off by default in a demo store (``demo-store``, the window's
demo), and on under the "strict" preset (``DemoConfig(strict=STRICT_ALL)``, all but ``NOT_IN_PRESET``),
which is what the test suite's stores run (``tests/fixtures_demo.py``). Every switch can be changed
while the store serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields

__all__ = ["NOT_IN_PRESET", "SAFETY_STOCK", "STRICT_ALL", "StrictSwitches"]

SAFETY_STOCK = 2  # units every item keeps back under the ``safety_stock`` switch


@dataclass
class StrictSwitches:
    """The switches of one store (``store.strict``)."""

    v2_error_list: bool = False
    """v2 endpoints answer errors as a JSON array ``[{"status": 403, "message": "…"}]``, not v3's
    ``{"status", "title", "type"}`` object (notes §6.1, the orders v2 409 body; orders.v2.oas2.yml
    ``ErrorResponse``)."""

    largest_page_fails: bool = False
    """A product list with variants at the largest page size (``limit=250``, ``include=variants``,
    with or without ``id:in``) holding more than half a page of products fails with a 504 while
    smaller pages work: it is the reply most likely to time out at the gateway (notes §7 "5xx",
    §3.1 on ``limit``; the retry advice of §9). The client must fall back to smaller pages."""

    stock_moves_keep_date_modified: bool = False
    """A stock change (an Inventory API adjustment, a Catalog ``inventory_level`` write, an order)
    does not move the product's ``date_modified``, so a ``date_modified:min`` pull does not see it
    (notes §12 question 2, "[unverified]": built as the worse case)."""

    partial_batches: bool = False
    """``PUT /v3/catalog/variants`` saves what it can and answers **207** with ``errors`` naming the
    items whose inventory was refused, instead of refusing the whole batch (notes §3.2, §4.1, §9:
    "207 Partial success ... inventory ... did not [save]")."""

    real_webhook_schedule: bool = False
    """Failed deliveries are retried 60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400 and
    86400 s after the failure, then the hook is deactivated (notes §8.4). The store's
    ``webhook_time_scale`` shrinks these seconds for tests."""

    webhook_domain_block: bool = False
    """A destination domain whose deliveries succeed less than 90 % of the time, once 100 were sent
    in a sliding 2-minute window, is blocked for 3 minutes; its events wait in the retry queue
    (notes §8.4 "Blocklisting"). Scaled by ``webhook_time_scale`` too."""

    events_out_of_order: bool = False
    """Deliveries are not in the order of the changes: events raised close together are sent
    newest first (notes §8.4, "Duplicates happen", and the retry queue: a retried event arrives
    after later ones; deliveries carry ids only, never the order of changes, §8.3)."""

    several_locations: bool = False
    """The store has a second location, a warehouse holding some stock of every tracked item:
    ``/v3/inventory/items`` lists both, and the catalog's ``inventory_level`` counts the default
    location only (notes §5.1 on locations and their plan caps, §5.2 "Catalog reads versus
    locations"; locations.v3.yml). A client must not take the warehouse's units for its own."""

    safety_stock: bool = False
    """Every item keeps a safety stock of ``SAFETY_STOCK`` units at the default location unless a
    setting says otherwise: the catalog's ``inventory_level`` is available to sell (on hand less
    safety stock, never below zero), relative adjustments may not go below it (notes §5.1, §5.2;
    inventory.v3.yml ``ItemResponse.available_to_sell``). A client comparing a catalog read with
    the on hand it wrote sees a sale that never happened."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def turn_on(self, names: tuple[str, ...]) -> None:
        for name in names:
            if name not in self.names():
                raise ValueError(f"unknown strict switch {name!r}; use one of {', '.join(self.names())}")
            setattr(self, name, True)

    def on(self) -> tuple[str, ...]:
        return tuple(name for name in self.names() if getattr(self, name))


# Out of the preset: with safety stock, the catalog no longer shows what a client wrote, and tests
# throughout the suite compare the two; the tests of safety stock turn it on themselves.
NOT_IN_PRESET: tuple[str, ...] = ("safety_stock",)
STRICT_ALL: tuple[str, ...] = tuple(name for name in StrictSwitches.names() if name not in NOT_IN_PRESET)
