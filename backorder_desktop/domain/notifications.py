"""Notifications: what the merchant is told, and the rule that each occurrence is told once.

Pure values and rules, no I/O. A ``Notification`` has a de-duplication ``key``: the kind, what it
is about (a stock item, a run, a batch of orders) and the occurrence. The store keeps keys unique,
so the window, the sync child and ``service`` can all check the same thing and the merchant is told
once. An occurrence is what makes a second telling right:

- limit reached: the item's *episode*. It ends when the item is below its limit again (a re-enable,
  stock added, a higher limit); reaching the limit after that is episode n + 1, a new key.
- expected date passed: the date itself. A new date that passes is a new occurrence.
- purchasing disabled / re-enabled: what did it (the caller's ``occurrence``, e.g. the store write).
- orders arrived: the newest order already told (``mark``); at most one per ``ORDERS_WINDOW``,
  the orders of the hour batched into one count ("12 backorders in the last hour").
- sync failed: the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from enum import StrEnum

from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.settings import SETTING_NAMES
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import StockKey

ORDERS_WINDOW = timedelta(hours=1)


class NotificationKind(StrEnum):
    LIMIT_REACHED = "limit-reached"
    PURCHASING_DISABLED = "disabled"
    PURCHASING_ENABLED = "re-enabled"
    DATE_PASSED = "date-passed"
    ORDERS_ARRIVED = "orders"
    SYNC_FAILED = "sync-failed"

    @property
    def setting(self) -> str:
        """The setting that switches this kind on or off (``notify-orders`` …)."""
        return f"notify-{self.value}"

    @property
    def label(self) -> str:
        """What the Settings checkbox and the CLI call it."""
        return _LABELS[self]

    @property
    def is_problem(self) -> bool:
        """Shown with a warning icon: something stopped or went wrong."""
        return self in (NotificationKind.SYNC_FAILED, NotificationKind.PURCHASING_DISABLED)


_LABELS = {
    NotificationKind.LIMIT_REACHED: "A product reaches its backorder limit",
    NotificationKind.PURCHASING_DISABLED: "Purchasing is disabled in the store",
    NotificationKind.PURCHASING_ENABLED: "Purchasing is enabled again",
    NotificationKind.DATE_PASSED: "An expected date passes with units owed",
    NotificationKind.ORDERS_ARRIVED: "Orders for BackOrder products arrive (once an hour at most)",
    NotificationKind.SYNC_FAILED: "A sync fails",
}


@dataclass(frozen=True, slots=True)
class Notification:
    """One thing the merchant was told. ``subject`` is what it is about (an item as ``item_subject``
    gives it, a run id, "orders"); ``mark`` how far a batch reaches (orders: the newest order id)."""

    id: int
    kind: NotificationKind
    key: str
    title: str
    text: str
    at: datetime
    read: bool = False
    subject: str = ""
    mark: int = 0
    ended: bool = False  # the condition that fired it is over: the next one is a new occurrence

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "title": self.title,
            "text": self.text,
            "at": self.at.isoformat(),
            "read": self.read,
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class NewNotification:
    """What ``notify`` is asked to record (the store gives it its id)."""

    kind: NotificationKind
    key: str
    title: str
    text: str
    at: datetime
    subject: str = ""
    mark: int = 0


def item_subject(item: StockKey) -> str:
    """A stock item as a notification's subject: ``7`` or ``7/70``."""
    return str(item.product_id) if item.variant_id is None else f"{item.product_id}/{item.variant_id}"


def occurrence_key(kind: NotificationKind, subject: str, occurrence: object) -> str:
    """The de-duplication key: one notification per kind, subject and occurrence."""
    return f"{kind.value}:{subject}:{occurrence}"


def next_episode(previous: Notification | None, episodes: int) -> int | None:
    """The episode of a condition that holds now, or None when its current one was told already:
    ``previous`` is the item's latest notification of the kind, ``episodes`` how many it has had."""
    if previous is not None and not previous.ended:
        return None
    return episodes


@dataclass(frozen=True, slots=True)
class ArrivedOrder:
    """An order with BackOrder lines, as the orders batch counts it."""

    order_id: int
    created: datetime
    units: int


def orders_due(last: Notification | None, now: datetime) -> bool:
    """Whether an orders batch may be told now: at most one per ``ORDERS_WINDOW``."""
    return last is None or now - last.at >= ORDERS_WINDOW


def orders_text(orders: list[ArrivedOrder], now: datetime) -> tuple[str, str]:
    """Title and text of an orders batch: "12 backorders in the last hour" (or since when)."""
    units = sum(order.units for order in orders)
    first = min(order.created for order in orders)
    title = f"{counted(len(orders), 'backorder')} " + (
        "in the last hour" if now - first <= ORDERS_WINDOW else f"since {first.astimezone():%d %b %H:%M}"
    )
    text = f"{counted(len(orders), 'order')} for BackOrder products, {counted(units, 'unit')} in all."
    return title, text


def kind_enabled(settings: Settings, kind: NotificationKind) -> bool:
    """Whether the merchant wants this kind (``notify-<kind>`` in the settings)."""
    return bool(getattr(settings, SETTING_NAMES[kind.setting]))
