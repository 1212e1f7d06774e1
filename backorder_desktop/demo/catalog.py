"""The demo store's catalog: thread-safe reads and writes, date_modified bumps, events, delayed stock.

Every public method takes the catalog lock. Writes bump ``date_modified`` and raise webhook events
(handed to the event sink after the lock is released). With ``inventory_delay_ms`` > 0, stock
written through the API becomes visible to reads only after that delay, as BigCommerce's
asynchronous Inventory API does; in-process writes (tests acting as the merchant or as an order)
are immediate.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backorder_desktop.demo.catalog_rules import StockKey
from backorder_desktop.demo.catalog_rules import check_product_unique
from backorder_desktop.demo.catalog_rules import check_variant_unique
from backorder_desktop.demo.catalog_rules import prepare_product
from backorder_desktop.demo.catalog_rules import prepare_variant
from backorder_desktop.demo.catalog_rules import stock_event
from backorder_desktop.demo.catalog_rules import stock_key_for_product
from backorder_desktop.demo.catalog_rules import stock_key_for_variant
from backorder_desktop.demo.creation import create_product
from backorder_desktop.demo.errors import NotFoundError
from backorder_desktop.demo.errors import ValidationError
from backorder_desktop.demo.events import ABSOLUTE
from backorder_desktop.demo.events import RELATIVE
from backorder_desktop.demo.events import Event
from backorder_desktop.demo.events import product_event
from backorder_desktop.demo.events import sku_event
from backorder_desktop.demo.inventory import apply_adjustment
from backorder_desktop.demo.inventory import resolve_adjustments
from backorder_desktop.demo.inventory import update_location_settings
from backorder_desktop.demo.locations import Locations
from backorder_desktop.demo.render import product_dict
from backorder_desktop.demo.render import variant_dict
from backorder_desktop.demo.storage import Storage
from backorder_desktop.demo.strict import StrictSwitches

EventSink = Callable[[str, dict[str, Any]], None]
_Pending = tuple[float, int, StockKey, int, int, list[Event]]


class Catalog:
    """A generated catalog that the HTTP handlers and the tests read and change concurrently."""

    def __init__(
        self,
        products: int,
        seed: int,
        *,
        inventory_delay_ms: int = 0,
        clock: Callable[[], float] = time.time,
        strict: StrictSwitches | None = None,
        locations: int = 1,
        native_backorders: bool = False,
    ) -> None:
        self.strict = strict or StrictSwitches()
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._st = Storage(products, seed)
        self._st.locations = Locations(locations, native_backorders=native_backorders, strict=self.strict)
        self._clock = clock
        self.inventory_delay_ms = inventory_delay_ms
        self._sink: EventSink | None = None
        self._pending: list[_Pending] = []
        self._pending_count: dict[StockKey, int] = {}
        self._seq = itertools.count()
        self._timer: threading.Thread | None = None
        self._closed = False

    # --- plumbing ---------------------------------------------------------------------------

    def set_event_sink(self, sink: EventSink | None) -> None:
        """Where events go (the webhook dispatcher); ``None`` drops them."""
        self._sink = sink

    def close(self) -> None:
        """Stop the delayed-stock timer (pending writes stay invisible)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._timer is not None:
            self._timer.join(timeout=5)

    def _now(self) -> int:
        return int(self._clock())

    def _emit(self, events: list[Event]) -> None:
        sink = self._sink
        if sink is not None:
            for scope, data in events:
                sink(scope, data)

    @contextmanager
    def reading(self) -> Iterator[Storage]:
        """Hold the lock and see the state as of now (delayed writes that are due become visible)."""
        events: list[Event] = []
        try:
            with self._lock:
                events = self._settle_locked()
                yield self._st
        finally:
            self._emit(events)

    @contextmanager
    def _writing(self) -> Iterator[list[Event]]:
        events: list[Event] = []
        with self._lock:
            events.extend(self._settle_locked())
            yield events
        self._emit(events)

    # --- delayed stock ----------------------------------------------------------------------

    def _write_stock(
        self, key: StockKey, product_id: int, new: int, event: Event, delayed: bool
    ) -> list[Event]:
        st = self._st
        kind, ident = key
        column = st.cols.stock if kind == "p" else st.cols.v_stock
        old = column[ident - 1]
        column[ident - 1] = new
        st.version += 1
        if delayed and self.inventory_delay_ms > 0:
            st.hidden.setdefault(key, old)
            self._pending_count[key] = self._pending_count.get(key, 0) + 1
            due = self._clock() + self.inventory_delay_ms / 1000
            heapq.heappush(self._pending, (due, next(self._seq), key, new, product_id, [event]))
            if self._timer is None and not self._closed:
                self._timer = threading.Thread(
                    target=self._run_timer, name="demo-store-stock-delay", daemon=True
                )
                self._timer.start()
            self._cond.notify_all()
            return []
        self._touch_for_stock(product_id, self._now())
        return [event]

    def _touch_for_stock(self, product_id: int, now: int) -> None:
        if not self.strict.stock_moves_keep_date_modified:
            self._st.touch(product_id, now)

    def _settle_locked(self) -> list[Event]:
        if not self._pending:
            return []
        st = self._st
        now = self._clock()
        events: list[Event] = []
        while self._pending and self._pending[0][0] <= now:
            _due, _seq, key, new, product_id, evs = heapq.heappop(self._pending)
            left = self._pending_count[key] - 1
            if left:
                self._pending_count[key] = left
                st.hidden[key] = new
            else:
                del self._pending_count[key]
                st.hidden.pop(key, None)
            st.version += 1
            if st.exists(product_id):
                self._touch_for_stock(product_id, int(now))
                events.extend(evs)
        return events

    def _run_timer(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                if self._pending:
                    wait = self._pending[0][0] - self._clock()
                    if wait > 0:
                        self._cond.wait(wait)
                else:
                    self._cond.wait()
                events = self._settle_locked()
            self._emit(events)

    # --- reads --------------------------------------------------------------------------------

    def product_ids(self) -> list[int]:
        with self.reading() as st:
            return list(st.live)

    def product_count(self) -> int:
        with self.reading() as st:
            return len(st.live)

    def variant_count(self) -> int:
        with self.reading() as st:
            return st.variant_total()

    def get_product(self, product_id: int) -> dict[str, Any]:
        """The product in API shape, with its ``variants``."""
        with self.reading() as st:
            if not st.exists(product_id):
                raise NotFoundError(f"Product with id {product_id} not found")
            return product_dict(st, product_id, frozenset({"variants"}))

    def get_variant(self, variant_id: int) -> dict[str, Any]:
        with self.reading() as st:
            if not st.variant_exists(variant_id):
                raise NotFoundError(f"Variant with id {variant_id} not found")
            return variant_dict(st, variant_id)

    # --- writes ------------------------------------------------------------------------------

    def set_date_modified(self, product_id: int, unix_seconds: int) -> None:
        """Set a product's ``date_modified`` as is (a store whose clock is wrong: tests only)."""
        with self._writing():
            if not self._st.exists(product_id):
                raise NotFoundError(f"Product with id {product_id} not found")
            self._st.cols.modified[product_id - 1] = int(unix_seconds)
            self._st._bump()

    def _update_product_locked(self, product_id: int, clean: dict[str, Any], delayed: bool) -> list[Event]:
        st = self._st
        simple = st.is_simple(product_id)
        base = st.cols.first_variant[product_id - 1]
        stock = clean.pop("inventory_level", None)
        fields = bool(clean)  # tracking too: any field besides stock moves date_modified
        if "inventory_tracking" in clean:
            st.set_product_fields(product_id, {"inventory_tracking": clean.pop("inventory_tracking")})
        if simple and "sku" in clean:
            st.set_variant_fields(base, {"sku": clean["sku"]})
        if simple and "price" in clean:
            st.set_variant_fields(base, {"price": clean["price"]})
        if clean:
            st.set_product_fields(product_id, clean)
        if fields or stock is None or not self.strict.stock_moves_keep_date_modified:
            st.touch(product_id, self._now())
        events = [product_event("updated", product_id)]
        key = stock_key_for_product(st, product_id)
        if stock is not None and key is not None and stock != _column(st, key):
            events += self._write_stock(
                key, product_id, stock, stock_event(st, key, ABSOLUTE, stock), delayed
            )
        return events

    def _update_variant_locked(self, variant_id: int, clean: dict[str, Any], delayed: bool) -> list[Event]:
        st = self._st
        owner = st.cols.v_owner[variant_id - 1]
        simple = st.is_simple(owner)
        stock = clean.pop("inventory_level", None)
        if simple and "sku" in clean:
            st.set_product_fields(owner, {"sku": clean["sku"]})
        if clean:
            st.set_variant_fields(variant_id, clean)
        if clean or stock is None or not self.strict.stock_moves_keep_date_modified:
            st.touch(owner, self._now())
        events = [
            product_event("updated", owner) if simple else sku_event("updated", variant_id, owner, variant_id)
        ]
        key = stock_key_for_variant(st, variant_id)
        if stock is not None and key is not None and stock != _column(st, key):
            events += self._write_stock(key, owner, stock, stock_event(st, key, ABSOLUTE, stock), delayed)
        return events

    def update_product(self, product_id: int, **fields: Any) -> dict[str, Any]:
        """Change a product as the merchant would in the control panel; returns it in API shape."""
        self.update_products([{"id": product_id, **fields}], delayed=False)
        return self.get_product(product_id)

    def update_variant(self, variant_id: int, **fields: Any) -> dict[str, Any]:
        """Change a variant (immediately, stock included); returns it in API shape."""
        self.update_variants([{"id": variant_id, **fields}], delayed=False)
        return self.get_variant(variant_id)

    def update_products(self, items: list[dict[str, Any]], *, delayed: bool = True) -> list[int]:
        """Batch update (all or nothing); raises 404/409/422 errors before changing anything."""
        with self._writing() as events:
            prepared = [prepare_product(self._st, item, f"{index}.") for index, item in enumerate(items)]
            for product_id, clean in prepared:
                check_product_unique(self._st, product_id, clean)
            for product_id, clean in prepared:
                events += self._update_product_locked(product_id, clean, delayed)
            return [product_id for product_id, _ in prepared]

    def update_variants(self, items: list[dict[str, Any]], *, delayed: bool = True) -> list[int]:
        """Batch update of variants (all or nothing); invalid items raise a ``batch_errors`` 422."""
        with self._writing() as events:
            prepared = prepare_variant(self._st, items)
            for variant_id, clean in prepared:
                check_variant_unique(self._st, variant_id, clean)
            for variant_id, clean in prepared:
                events += self._update_variant_locked(variant_id, clean, delayed)
            return [variant_id for variant_id, _ in prepared]

    def delete_product(self, product_id: int) -> None:
        """Delete one product and its variants (raises ``NotFoundError`` for an unknown id)."""
        self.delete_products([product_id], missing_ok=False)

    def delete_products(self, product_ids: list[int], *, missing_ok: bool = True) -> list[int]:
        with self._writing() as events:
            st = self._st
            deleted: list[int] = []
            for product_id in product_ids:
                if not st.exists(product_id):
                    if missing_ok:
                        continue
                    raise NotFoundError(f"Product with id {product_id} not found")
                if not st.is_simple(product_id):
                    events.extend(sku_event("deleted", v, product_id, v) for v in st.variant_ids(product_id))
                st.delete(product_id)
                events.append(product_event("deleted", product_id))
                deleted.append(product_id)
            return deleted

    def create_product(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /catalog/products``: one product, optionally with a ``variants`` array."""
        with self._writing() as events:
            product_id, created = create_product(self._st, body, self._now())
            events += created
            return product_dict(self._st, product_id, frozenset({"variants"}))

    def adjust_stock(
        self, *, product_id: int | None = None, variant_id: int | None = None, delta: int
    ) -> None:
        """An order (or a return): move stock by ``delta`` now; fires the ``inventory/order`` events."""
        if (product_id is None) == (variant_id is None):
            raise ValueError("give exactly one of product_id or variant_id")
        with self._writing() as events:
            st = self._st
            if variant_id is not None:
                if not st.variant_exists(variant_id):
                    raise NotFoundError(f"Variant with id {variant_id} not found")
                owner = st.cols.v_owner[variant_id - 1]
                # An order for a variant of a product tracked by product moves the product's stock.
                key = stock_key_for_variant(st, variant_id) or stock_key_for_product(st, owner)
            else:
                owner = product_id or 0
                if not st.exists(owner):
                    raise NotFoundError(f"Product with id {product_id} not found")
                key = stock_key_for_product(st, owner)
            if key is None:
                raise ValidationError(f"Product {owner} does not track inventory this way")
            new = _column(st, key) + delta
            if new < 0:
                raise ValidationError(f"Not enough stock: {_column(st, key)} on hand, {-delta} ordered")
            event = stock_event(st, key, RELATIVE, delta, order=True)
            events += self._write_stock(key, owner, new, event, delayed=False)

    def order_change(self, change: Callable[[Storage], list[tuple[StockKey, int, int]]]) -> None:
        """An order's change, atomic with the stock it reads.

        ``change`` checks the catalog (raising leaves everything as it was) and returns the stock moves
        ``(key, product id, delta)``; they are applied at once as order moves (``inventory/order``
        events, ``date_modified`` as the strict switch says).
        """
        with self._writing() as events:
            st = self._st
            for key, owner, delta in change(st):
                event = stock_event(st, key, RELATIVE, delta, order=True)
                events += self._write_stock(key, owner, _column(st, key) + delta, event, delayed=False)

    def adjust_inventory(self, items: object, *, relative: bool) -> None:
        """Inventory API adjustments (absolute or relative); all items are checked before any is applied."""
        with self._writing() as events:
            st = self._st
            for item in resolve_adjustments(st, items, relative=relative, column=_column):
                if apply_adjustment(st, item) and item.onhand is not None:
                    event = stock_event(st, item.key, RELATIVE if relative else ABSOLUTE, item.value)
                    events += self._write_stock(item.key, item.owner, item.onhand, event, delayed=True)

    def update_location_items(self, location_id: int, body: object) -> None:
        """``PUT /inventory/locations/{id}/items``: per-location settings, all checked before any is set."""
        with self._writing():
            update_location_settings(self._st, location_id, body)
            self._st.version += 1


def _column(st: Storage, key: StockKey) -> int:
    """The latest written stock behind ``key`` (including writes not visible yet)."""
    kind, ident = key
    return st.cols.stock[ident - 1] if kind == "p" else st.cols.v_stock[ident - 1]
