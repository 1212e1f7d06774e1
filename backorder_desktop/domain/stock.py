"""Stock of BackOrder products: keys, ledger adjustments, and reconciling with the store's values.

Pure rules, no I/O. A stock item is one tracked level in BigCommerce: the product's own level
when it tracks by product, or one variant's level when it tracks by variant. The local level is
derived from the ledger; ``store_level`` is the last value seen from (or written to) the store,
so a difference in a later read is a move made in the store (an order) and is kept, not undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from enum import StrEnum

from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.stock_policy import STOCK_MAX
from backorder_desktop.domain.stock_policy import STOCK_MIN
from backorder_desktop.domain.stock_policy import stock_out_of_range

MAX_LEVEL = STOCK_MAX
# After a push, reads may show the old value for a while (inventory writes are asynchronous);
# until the store shows the written value, or this long has passed, a differing read is stale.
SETTLE_TIME = timedelta(minutes=10)


class InvalidStock(UserFacingError):
    """A stock edit that cannot be applied; the message says why."""

    title = "Stock not changed"


class AdjustmentKind(StrEnum):
    SET = "set"
    ADD = "add"
    REMOVE = "remove"


class AdjustmentSource(StrEnum):
    PERSON = "person"  # an edit in the window or the CLI
    FEED = "feed"  # the ERP feed (api mode)
    IMPORT = "import"  # a CSV import
    STORE = "store"  # a move seen in BigCommerce's level: the ERP in erp mode, or another app
    ORDER = "order"  # a line of a store order (backorder method app): sold, given back, edited
    TRACKING = "tracking"  # the app turned the product's tracking in BigCommerce off or back on


@dataclass(frozen=True, slots=True, order=True)
class StockKey:
    """One tracked level: ``variant_id`` None means the product's own level."""

    product_id: int
    variant_id: int | None = None

    def label(self) -> str:
        if self.variant_id is None:
            return f"product {self.product_id}"
        return f"variant {self.variant_id} of product {self.product_id}"


@dataclass(frozen=True, slots=True)
class StockItem:
    """A BackOrder stock item as the app keeps it."""

    key: StockKey
    sku: str
    level: int  # derived from the ledger: what the app shows and pushes
    store_level: int  # last value seen from or written to the store
    awaiting_level: int | None = None  # written, not yet seen back in a read
    awaiting_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One ledger entry."""

    key: StockKey
    kind: AdjustmentKind
    quantity: int
    level_before: int
    level_after: int
    source: AdjustmentSource
    actor: str
    at: datetime
    reason: str = ""
    id: int | None = None


class OutboxChoice(StrEnum):
    """What to do with waiting changes when the inventory source changes: nothing is dropped
    without being asked."""

    PUSH = "push"  # write them to BigCommerce first
    DISCARD = "discard"  # drop them; the items go back to the store's last value


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting to be written
    SENDING = "sending"  # written, reply not (yet) received: may or may not have applied
    FAILED = "failed"  # the store refused it; retried only after a new edit


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A stock item whose local level is not yet written to BigCommerce."""

    item: StockItem
    version: int  # the item's version: a write completes the entry only if it is unchanged
    state: OutboxState
    attempts: int
    last_error: str | None
    sent_level: int | None
    created_at: datetime


def adjusted_level(level: int, kind: AdjustmentKind, quantity: int) -> int:
    """The level after one adjustment, or ``InvalidStock`` saying why not."""
    if quantity < 0 and kind is not AdjustmentKind.SET:
        raise InvalidStock(f"Give a quantity of 0 or more to {kind.value}, not {quantity}.")
    if kind is AdjustmentKind.SET:
        result = quantity
    elif kind is AdjustmentKind.ADD:
        result = level + quantity
    else:
        result = level - quantity
    problem = stock_out_of_range(result)
    if problem is not None:
        raise InvalidStock(f"{problem} It is {level:,} now.")
    return result


def store_move(
    item: StockItem, incoming: int, *, now: datetime, actor: str = "BigCommerce"
) -> tuple[StockItem, Adjustment | None]:
    """Fold a value read from the store into an item (``bigcommerce`` and ``api`` modes).

    A read that differs from the last value seen is a move in the store (an order …): it becomes
    a ledger adjustment and is added to the local level, so a sale is never undone by our next
    push. Right after a push the store may still show the old value: such reads are ignored until
    the written value shows up or ``SETTLE_TIME`` passes.
    """
    baseline = item.store_level
    if item.awaiting_level is not None:
        if incoming == item.awaiting_level:
            return replace(item, store_level=incoming, awaiting_level=None, awaiting_since=None), None
        since = item.awaiting_since or now
        if now - since < SETTLE_TIME:
            return item, None
        baseline = item.awaiting_level
        item = replace(item, store_level=baseline, awaiting_level=None, awaiting_since=None)
    delta = incoming - baseline
    if delta == 0:
        return replace(item, store_level=incoming), None
    level = max(STOCK_MIN, min(STOCK_MAX, item.level + delta))
    adjustment = Adjustment(
        key=item.key,
        kind=AdjustmentKind.ADD if delta > 0 else AdjustmentKind.REMOVE,
        quantity=abs(delta),
        level_before=item.level,
        level_after=level,
        source=AdjustmentSource.STORE,
        actor=actor,
        at=now,
        reason="changed in BigCommerce (e.g. an order)",
    )
    return replace(item, level=level, store_level=incoming), adjustment


def store_owned(item: StockItem, incoming: int, *, now: datetime) -> tuple[StockItem, Adjustment | None]:
    """``erp`` mode: BigCommerce owns the stock; a differing read replaces the local level."""
    if incoming == item.level and incoming == item.store_level:
        return item, None
    adjustment = None
    if incoming != item.level:
        adjustment = Adjustment(
            key=item.key,
            kind=AdjustmentKind.SET,
            quantity=incoming,
            level_before=item.level,
            level_after=incoming,
            source=AdjustmentSource.STORE,
            actor="BigCommerce",
            at=now,
            reason="from BigCommerce (inventory managed in your ERP)",
        )
    return replace(
        item, level=incoming, store_level=incoming, awaiting_level=None, awaiting_since=None
    ), adjustment


def after_lost_reply(item: StockItem, sent: int, current: int) -> int:
    """The baseline to reconcile from when a write's reply was lost and the store now shows
    ``current``: if it shows what we sent, the write applied; otherwise pick the reading that
    needs the smaller store move, preferring decreases (orders) over increases."""
    if current == sent:
        return sent
    moves = {item.store_level: current - item.store_level, sent: current - sent}

    def cost(baseline: int) -> tuple[int, int]:
        move = moves[baseline]
        return (0 if move <= 0 else 1, abs(move))

    return min(moves, key=cost)
