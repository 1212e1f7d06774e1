"""Whether shoppers may buy a BackOrder stock item, as its rule and level say (backorder method ``app``).

Pure rules, no I/O. With tracking off the store never stops a sale by itself, so the app switches
purchasing off in the store when an item reaches its limit (``level <= -limit``) and on again when
stock returns; with the setting ``disable-on-date-passed`` an expected date passed with units owed
switches it off too. A variant-level item is switched with the variant's ``purchasing_disabled`` (and
its ``purchasing_disabled_message``), a product-level one with the product's ``availability``; the
shopper message goes to the product's ``availability_description`` either way.

Each switch is a ``PurchasingWrite`` in the product writes outbox: disables are written before any
other push (so the window in which a shopper can buy beyond the limit ends at the first write),
enables after the stock. The store keeps what the app last wrote; a pull showing something else
there means the merchant changed it, and the app leaves it (``held``) until the rule's wish
changes again: a rule never fights the merchant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import date_passed
from backorder_desktop.domain.backorder_rules import limit_reached
from backorder_desktop.domain.backorder_rules import render_message
from backorder_desktop.domain.stock import StockKey


class Why(StrEnum):
    """What the rule says about an item (recorded with the write, told in its notification)."""

    LIMIT = "limit reached"
    DATE = "expected date passed"
    STOCK = "stock returned"  # at neither: shoppers may buy it (again)
    LEFT = "left BackOrder"  # no longer ruled by the app: enabled if the app had disabled it


@dataclass(frozen=True, slots=True)
class Wanted:
    """An item's wanted purchasing state and the message shoppers read (None: leave it as it is)."""

    disabled: bool
    why: Why
    message: str | None = None


@dataclass(frozen=True, slots=True)
class PurchasingWrite:
    """One item's purchasing as the outbox holds it: ``variant`` is False for a product-level item
    (written as the product's availability)."""

    key: StockKey
    sku: str
    disabled: bool
    why: Why
    message: str | None = None
    attempts: int = 0

    @property
    def variant(self) -> bool:
        return self.key.variant_id is not None


@dataclass(frozen=True, slots=True)
class PurchasingRecord:
    """An item's purchasing as the app keeps it: the last wish (``pending``: not written yet), what
    the store last confirmed (``written`` None: never written, the app never touched it), and
    whether the merchant's own change holds it (until the wish differs from ``held_wish``)."""

    disabled: bool
    message: str | None
    pending: bool
    written: bool | None
    written_message: str | None
    held: bool
    held_wish: bool | None


def wanted(
    level: int, rule: BackorderRule, *, default_message: str, today: date, disable_on_date_passed: bool
) -> Wanted:
    """The state an item in BackOrder should have in the store."""
    message = render_message(rule.message or default_message, rule)
    if limit_reached(level, rule):
        return Wanted(True, Why.LIMIT, message)
    if disable_on_date_passed and date_passed(rule, today, level):
        return Wanted(True, Why.DATE, message)
    return Wanted(False, Why.STOCK, message)


def needs_write(want: Wanted, last_written: bool | None, last_message: str | None) -> bool:
    """Whether the store must be told: the state differs from what the app last wrote (never
    written counts as enabled: an item the app never disabled needs no enable), or the message
    changed on an item the app keeps disabled."""
    written = bool(last_written)
    if want.disabled != written:
        return True
    return want.disabled and want.message is not None and want.message != last_message


def in_push_order(writes: Iterable[PurchasingWrite]) -> tuple[list[PurchasingWrite], list[PurchasingWrite]]:
    """Disables (written before anything else of a push), then enables (after the stock)."""
    ordered = sorted(writes, key=lambda w: (w.key.product_id, w.key.variant_id or 0))
    return [w for w in ordered if w.disabled], [w for w in ordered if not w.disabled]


def note(write: PurchasingWrite) -> str:
    """The stock history's record of a confirmed write."""
    field = "purchasing" if write.variant else "availability"
    state = "disabled" if write.disabled else "enabled again"
    said = f"{field} {state} in BigCommerce ({write.why})"
    return f"{said}; shoppers read '{write.message}'" if write.disabled and write.message else said


def merchant_note(disabled_in_store: bool) -> str:
    """The stock history's record of a change the merchant made in the store, left as it is."""
    state = "disabled" if disabled_in_store else "enabled"
    return f"purchasing {state} in BigCommerce by someone else: left as it is until the rule changes"
