"""The shopper simulator: places orders, cancels some, refunds some (fully and partly) and edits a few.

``Shopper(store.orders, seed=7).run(500)`` acts 500 times in-process, with no waiting: the same seed
and the same catalog give the same orders, cancels, refunds and edits (the random choices come from
one ``random.Random(seed)``; only dates depend on the clock). ``demo-store --orders-per-minute N``
runs one in a :class:`ShopperThread` so that an app can be watched working against the store.

Everything goes through the order book's own checks, so a shopper meets the store's rules: an order
for more than a tracked item may sell (its stock, plus what its backorder limit still allows with
native backorders on), or for an item that cannot be bought, is refused (the store's 409) and logged
as ``refused``.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backorder_desktop.demo.errors import ApiError
from backorder_desktop.demo.order_model import AWAITING_FULFILLMENT
from backorder_desktop.demo.order_model import CANCELLED
from backorder_desktop.demo.order_model import DECLINED
from backorder_desktop.demo.order_model import INCOMPLETE
from backorder_desktop.demo.order_model import REFUNDED
from backorder_desktop.demo.orders import OrderBook
from backorder_desktop.demo.orders import OrderSummary

logger = logging.getLogger(__name__)

# What one step does, with its weight.
ACTIONS: tuple[tuple[str, int], ...] = (
    ("order", 70),
    ("cancel", 8),
    ("refund", 6),
    ("partial_refund", 8),
    ("edit", 8),
)
# Statuses a new order gets: mostly paid, a few waiting for payment, some abandoned checkouts.
NEW_STATUSES: tuple[tuple[int, int], ...] = ((AWAITING_FULFILLMENT, 80), (7, 8), (INCOMPLETE, 7), (1, 5))
_CLOSED = frozenset({INCOMPLETE, REFUNDED, CANCELLED, DECLINED})
PICK_TRIES = 20


@dataclass(frozen=True)
class ShopperAction:
    """One step: ``kind`` is an ACTIONS name or ``refused``; ``detail`` says what was done or why not."""

    kind: str
    order_id: int | None
    detail: str


def _remaining(summary: OrderSummary) -> list[tuple[int, int]]:
    """``(line id, units not refunded yet)`` for lines with some left."""
    return [(line_id, qty - refunded) for line_id, qty, refunded in summary.lines if qty > refunded]


class Shopper:
    """A seeded shopper (and merchant) acting on one store's orders, one :meth:`step` at a time."""

    def __init__(
        self,
        orders: OrderBook,
        *,
        seed: int,
        product_ids: Sequence[int] | None = None,
        max_lines: int = 3,
        max_quantity: int = 3,
    ) -> None:
        self._orders = orders
        self.random = random.Random(seed)
        self._products = sorted(product_ids) if product_ids is not None else None
        self._max_lines = max_lines
        self._max_quantity = max_quantity
        self.log: list[ShopperAction] = []

    def run(self, steps: int) -> list[ShopperAction]:
        return [self.step() for _ in range(steps)]

    def step(self) -> ShopperAction:
        """Do one thing; when there is nothing to cancel, refund or edit yet, place an order instead."""
        names = [name for name, _ in ACTIONS]
        kind = self.random.choices(names, weights=[w for _, w in ACTIONS])[0]
        action = None if kind == "order" else self._on_an_order(kind)
        if action is None:
            action = self._place()
        self.log.append(action)
        return action

    # --- placing ------------------------------------------------------------------------------

    def _product_ids(self) -> list[int]:
        return self._products if self._products is not None else self._orders.catalog.product_ids()

    def _place(self) -> ShopperAction:
        rnd = self.random
        candidates = self._product_ids()
        if not candidates:
            return ShopperAction("refused", None, "the catalog is empty")
        items: list[dict[str, Any]] = []
        for _ in range(rnd.randint(1, self._max_lines)):
            product = self._orders.catalog.get_product(rnd.choice(candidates))
            item: dict[str, Any] = {
                "product_id": product["id"],
                "quantity": rnd.randint(1, self._max_quantity),
            }
            if product["base_variant_id"] is None:
                item["variant_id"] = rnd.choice(product["variants"])["id"]
            items.append(item)
        status = rnd.choices([s for s, _ in NEW_STATUSES], weights=[w for _, w in NEW_STATUSES])[0]
        body = {"products": items, "billing_address": {"zip": "78701"}, "status_id": status}
        try:
            order = self._orders.place(body)
        except ApiError as exc:
            return ShopperAction("refused", None, f"order: {exc.title}")
        return ShopperAction("order", order.id, f"{len(items)} lines, status {status}")

    # --- acting on an order -------------------------------------------------------------------

    def _eligible(self, kind: str, summary: OrderSummary) -> bool:
        left = _remaining(summary)
        if summary.status_id in _CLOSED or not left:
            return False
        if kind == "partial_refund":
            return sum(r for _, r in left) >= 2
        if kind == "edit":  # orders nothing was refunded of yet
            return all(refunded == 0 for _, _, refunded in summary.lines)
        return True

    def _on_an_order(self, kind: str) -> ShopperAction | None:
        """Act on a random order that ``kind`` fits (a few tries, so a step costs the same at any
        number of orders); None when none was found."""
        ids = self._orders.order_ids()
        for _ in range(PICK_TRIES if ids else 0):
            summary = self._orders.summary(self.random.choice(ids))
            if self._eligible(kind, summary):
                break
        else:
            return None
        try:
            return getattr(self, f"_{kind}")(summary)  # type: ignore[no-any-return]
        except ApiError as exc:
            return ShopperAction("refused", summary.id, f"{kind}: {exc.title}")

    def _cancel(self, summary: OrderSummary) -> ShopperAction:
        self._orders.update(summary.id, {"status_id": CANCELLED})
        return ShopperAction("cancel", summary.id, "status Cancelled")

    def _refund(self, summary: OrderSummary) -> ShopperAction:
        items = [{"item_type": "PRODUCT", "item_id": i, "quantity": q} for i, q in _remaining(summary)]
        self._orders.refund(summary.id, {"items": items, "payments": []})
        return ShopperAction("refund", summary.id, f"{sum(q for _, q in _remaining(summary))} units")

    def _partial_refund(self, summary: OrderSummary) -> ShopperAction:
        remaining = _remaining(summary)
        total = sum(q for _, q in remaining)
        line_id, left = self.random.choice(remaining)
        most = left if total > left else left - 1  # partial: something stays unrefunded
        quantity = self.random.randint(1, most)
        item = {"item_type": "PRODUCT", "item_id": line_id, "quantity": quantity, "reason": "Changed mind"}
        self._orders.refund(summary.id, {"items": [item], "payments": []})
        return ShopperAction("partial_refund", summary.id, f"{quantity} of line {line_id}")

    def _edit(self, summary: OrderSummary) -> ShopperAction:
        line_id, quantity, _ = self.random.choice(summary.lines)
        new = quantity + 1 if quantity == 1 else quantity + self.random.choice((-1, 1))
        self._orders.update(summary.id, {"products": [{"id": line_id, "quantity": new}]})
        return ShopperAction("edit", summary.id, f"line {line_id}: {quantity} -> {new}")


class ShopperThread:
    """Runs a :class:`Shopper` at ``per_minute`` steps a minute until stopped (``demo-store``)."""

    def __init__(self, orders: OrderBook, seed: int, per_minute: float) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.shopper = Shopper(orders, seed=seed)
        self._interval = 60.0 / per_minute
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-store-shopper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                action = self.shopper.step()
            except Exception:  # a bug must not end the simulation silently
                logger.exception("shopper step failed")
                continue
            logger.info("shopper: %s %s (%s)", action.kind, action.order_id or "", action.detail)
