"""Being told: record what the merchant should know once per occurrence, and announce it.

``NotificationService.notify(kind, key, title, text)`` records a notification unless its kind is
switched off in the settings or its key was recorded already (by this process, the sync child or
``service``: the store's unique key decides), and returns it, or None. A new one is logged and
emitted on the event hub (``notified``): the window's tray shows it, ``service`` logs it. The window
also reads what its sync child recorded after each run (``Profile.notifications``), so nothing
depends on which process noticed first.

What is checked, and when (``check`` runs after every sync's pull, orders and push):

- limit reached: an item at ``level <= -limit``, once per episode (``domain/notifications.py``);
- expected date passed with units owed, once per date;
- orders for BackOrder products arrived, batched: at most one notification an hour, counting the
  orders since the last one;
- sync failed: each failed run (the hub's ``run_finished``).

Purchasing disabled / re-enabled are told by whoever switches it (``purchasing_changed``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING
from typing import Protocol

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import date_passed
from backorder_desktop.domain.backorder_rules import limit_reached
from backorder_desktop.domain.backorder_rules import shopper_date
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.events import EventHub

# Annotations only: a status or a stock edit never imports the engine. The notifications' own
# domain is imported by the methods that tell or check: a status only lists what was told.
if TYPE_CHECKING:
    from backorder_desktop.domain.notifications import ArrivedOrder
    from backorder_desktop.domain.notifications import NewNotification
    from backorder_desktop.domain.notifications import Notification
    from backorder_desktop.domain.notifications import NotificationKind
    from backorder_desktop.domain.ports import Clock
    from backorder_desktop.services.sync_engine import RunState

logger = logging.getLogger(__name__)

ORDERS_SUBJECT = "orders"
SHOWN_CURSOR = "notifications-shown"  # the newest notification the window has shown


class NotificationStore(Protocol):
    """The profile's database: notifications, and what the checks read."""

    def add_notification(self, new: NewNotification) -> Notification | None: ...

    def notifications(
        self, *, unread_only: bool = False, after_id: int = 0, limit: int = 200
    ) -> list[Notification]: ...

    def latest_notification(
        self, kind: NotificationKind, subject: str
    ) -> tuple[Notification | None, int]: ...

    def end_notifications(self, kind: NotificationKind, subjects: Iterable[str]) -> None: ...

    def open_notification_subjects(self, kind: NotificationKind) -> set[str]: ...

    def mark_notifications_read(self, ids: Iterable[int] | None = None) -> int: ...

    def orders_after(self, order_id: int) -> list[ArrivedOrder]: ...

    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str | None) -> None: ...

    def load_settings(self) -> Settings: ...

    def stock_items(self, product_ids: Iterable[int] | None = None) -> list[StockItem]: ...

    def backorder_rules(self, product_ids: Iterable[int] | None = None) -> dict[StockKey, BackorderRule]: ...

    def native_owed(self) -> dict[StockKey, int]:
        """Units BigCommerce counts as backordered (method native; the level there is on hand)."""
        ...


class NotificationService:
    """Records and checks notifications. Thread-safe: every write is one store transaction, and the
    store's unique key makes a race between threads or processes tell an occurrence once."""

    def __init__(self, *, store: NotificationStore, clock: Clock, events: EventHub | None = None) -> None:
        self._store = store
        self._clock = clock
        self._events = events
        self._showing = threading.Lock()

    # --- telling ------------------------------------------------------------------------------

    def notify(
        self, kind: NotificationKind, key: str, title: str, text: str, *, subject: str = "", mark: int = 0
    ) -> Notification | None:
        """Tell the merchant, once per ``key``: the new notification, or None when its kind is
        switched off or this key was told already."""
        from backorder_desktop.domain.notifications import NewNotification
        from backorder_desktop.domain.notifications import kind_enabled

        if not kind_enabled(self._store.load_settings(), kind):
            return None
        new = NewNotification(kind, key, title, text, self._clock.now(), subject=subject, mark=mark)
        told = self._store.add_notification(new)
        if told is not None:
            logger.info("notification: %s: %s", told.title, told.text)
            if self._events is not None:
                self._events.emit_notified(told)
        return told

    def purchasing_changed(
        self, item: StockKey, sku: str, *, enabled: bool, occurrence: object, why: str = ""
    ) -> Notification | None:
        """Purchasing of ``item`` was disabled (``enabled`` False) or enabled again in the store;
        ``occurrence`` names this switch (e.g. the store write that made it), ``why`` says what
        led to it ("limit reached", "stock added")."""
        from backorder_desktop.domain.notifications import NotificationKind
        from backorder_desktop.domain.notifications import item_subject
        from backorder_desktop.domain.notifications import occurrence_key

        kind = NotificationKind.PURCHASING_ENABLED if enabled else NotificationKind.PURCHASING_DISABLED
        subject = item_subject(item)
        title = f"{sku}: purchasing {'enabled again' if enabled else 'disabled'}"
        text = (
            f"Shoppers can buy {sku} again" if enabled else f"Shoppers can no longer buy {sku} in the store"
        ) + (f" ({why})." if why else ".")
        return self.notify(kind, occurrence_key(kind, subject, occurrence), title, text, subject=subject)

    def sync_finished(self, run: SyncRun) -> None:
        """The hub's ``run_finished``: a failed run is told (once, whichever process sees it)."""
        if run.outcome is not RunOutcome.FAILED:
            return
        from backorder_desktop.domain.notifications import NotificationKind
        from backorder_desktop.domain.notifications import occurrence_key

        kind = NotificationKind.SYNC_FAILED
        title = f"Sync failed: {run.error_title or 'unknown error'}"
        text = run.error_message or "The sync stopped; it is retried at the next scheduled run."
        self.notify(kind, occurrence_key(kind, "run", run.id), title, text, subject=f"run {run.id}")

    # --- checking -----------------------------------------------------------------------------

    def check(self) -> list[Notification]:
        """Everything that may need telling after a sync: limits, dates, orders. Returns the new ones."""
        told = self.check_items()
        orders = self.check_orders()
        return told + ([orders] if orders is not None else [])

    def check_items(self) -> list[Notification]:
        """Items at their limit (once per episode) and expected dates passed with units owed."""
        rules = self._store.backorder_rules()
        if not rules:
            return []
        from backorder_desktop.domain.notifications import NotificationKind
        from backorder_desktop.domain.notifications import item_subject

        today = self._clock.now().astimezone().date()
        told: list[Notification] = []
        below: list[str] = []
        open_ = self._store.open_notification_subjects(NotificationKind.LIMIT_REACHED)
        owed = self._store.native_owed()
        for item in self._store.stock_items({key.product_id for key in rules}):
            rule = rules.get(item.key)
            if rule is None:
                continue
            if item.key in owed:  # method native: the store counts the units owed
                item = replace(item, level=item.level - owed[item.key])
            subject = item_subject(item.key)
            if limit_reached(item.level, rule):
                if subject not in open_:  # its episode was told already
                    told += self._limit_reached(item, rule)
            elif subject in open_:
                below.append(subject)
            if date_passed(rule, today, item.level):
                told += self._date_passed(item, rule, today)
        if below:  # their episodes are over: reaching the limit again is told again
            self._store.end_notifications(NotificationKind.LIMIT_REACHED, below)
        return told

    def check_orders(self) -> Notification | None:
        """Orders for BackOrder products counted since the last batch told, if an hour has passed."""
        from backorder_desktop.domain.notifications import NotificationKind
        from backorder_desktop.domain.notifications import occurrence_key
        from backorder_desktop.domain.notifications import orders_due
        from backorder_desktop.domain.notifications import orders_text

        kind = NotificationKind.ORDERS_ARRIVED
        last, _ = self._store.latest_notification(kind, ORDERS_SUBJECT)
        mark = last.mark if last is not None else 0
        arrived = self._store.orders_after(mark)
        now = self._clock.now()
        if not arrived or not orders_due(last, now):
            return None
        title, text = orders_text(arrived, now)
        newest = max(order.order_id for order in arrived)
        # Keyed by where the batch starts: two processes counting the same batch tell it once.
        key = occurrence_key(kind, ORDERS_SUBJECT, mark)
        return self.notify(kind, key, title, text, subject=ORDERS_SUBJECT, mark=newest)

    def _limit_reached(self, item: StockItem, rule: BackorderRule) -> list[Notification]:
        from backorder_desktop.domain.notifications import NotificationKind
        from backorder_desktop.domain.notifications import item_subject
        from backorder_desktop.domain.notifications import next_episode
        from backorder_desktop.domain.notifications import occurrence_key

        kind = NotificationKind.LIMIT_REACHED
        subject = item_subject(item.key)
        episode = next_episode(*self._store.latest_notification(kind, subject))
        if episode is None:
            return []
        title = f"{item.sku}: backorder limit reached"
        text = (
            f"{item.sku} has {counted(-item.level, 'unit')} on backorder, its limit of {rule.limit}; "
            "it may sell no more until stock arrives or the limit is raised."
        )
        told = self.notify(kind, occurrence_key(kind, subject, episode), title, text, subject=subject)
        return [told] if told is not None else []

    def _date_passed(self, item: StockItem, rule: BackorderRule, today: date) -> list[Notification]:
        from backorder_desktop.domain.notifications import NotificationKind
        from backorder_desktop.domain.notifications import item_subject
        from backorder_desktop.domain.notifications import occurrence_key

        kind = NotificationKind.DATE_PASSED
        subject = item_subject(item.key)
        assert rule.expected is not None  # date_passed said so
        title = f"{item.sku}: expected date passed"
        text = (
            f"{item.sku} was expected by {shopper_date(rule.expected)} and {counted(-item.level, 'unit')} "
            "are still owed. Give it the date the supplier now promises."
        )
        key = occurrence_key(kind, subject, rule.expected.isoformat())
        told = self.notify(kind, key, title, text, subject=subject)
        return [told] if told is not None else []

    # --- reading ------------------------------------------------------------------------------

    def notifications(self, *, unread_only: bool = False, limit: int = 200) -> list[Notification]:
        return self._store.notifications(unread_only=unread_only, limit=limit)

    def mark_read(self, ids: Iterable[int] | None = None) -> int:
        return self._store.mark_notifications_read(ids)

    def take_unshown(self, limit: int = 200) -> list[Notification]:
        """The unread notifications the window has not shown yet, oldest first, now counted as
        shown: each is shown once, across restarts, whichever process recorded it. Shown is not
        read: the unread ones stay listed (``notifications``, ``status``) until the merchant reads
        them. The mark is a cursor: a rebuild forgets it, and the unread ones are shown once more."""
        with self._showing:  # two callers at once must not both take the same ones
            after = int(self._store.get_cursor(SHOWN_CURSOR) or 0)
            new = self._store.notifications(unread_only=True, after_id=after, limit=limit)
            if new:
                self._store.set_cursor(SHOWN_CURSOR, str(max(n.id for n in new)))
        return sorted(new, key=lambda n: n.id)


def notifications_after_pull(
    notifier: NotificationService, then: Callable[[InventorySource, RunState], None]
) -> Callable[[InventorySource, RunState], None]:
    """The engine's ``after_pull`` hook: ``then`` (orders, feed, push), then the checks. A failed
    check is a problem of the run, not a failure of its pull."""

    def hook(mode: InventorySource, state: RunState) -> None:
        then(mode, state)
        try:
            notifier.check()
        except BackorderError as exc:
            state.problems.append(ItemProblem("notifications", exc.title, exc.message, exc.kind))

    return hook
