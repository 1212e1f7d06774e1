"""The store follows the backorder rules: purchasing switched off at the limit and on when stock returns.

``PurchasingService.evaluate`` compares each ruled item of a product whose stock the app holds
(backorder method ``app``: tracking off) with what the app last wrote, and queues a write where
they differ (``domain/purchasing.py``); items the app disabled that are no longer ruled (the
product left BackOrder, the limit was cleared) are enabled again. With the method ``native`` the
store stops each item at its limit itself: only an expected date passed with units owed (that the
store counts) disables, when the merchant chose so. It runs right after orders are
counted (each sync, each order webhook) and before each push, so an item that reached its limit is
disabled by the next write to the store: the window in which shoppers can buy beyond the limit is
the time until the app counts the order that reached it (one poll interval, seconds with webhooks).

``push_disables`` runs before anything else a push writes and ``push_enables`` after the stock;
each write is confirmed, recorded and shown in the mirror in one transaction (exactly once), and
told (``NotificationService.purchasing_changed``). A write that cannot be sent (offline) waits.

A pull that shows an item switched otherwise than the app last wrote is the merchant's own change:
it is recorded in the stock history and held (never overwritten) until the rule's wish changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.errors import NotFound
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.ports import ProductTarget
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.purchasing import PurchasingRecord
from backorder_desktop.domain.purchasing import PurchasingWrite
from backorder_desktop.domain.purchasing import Wanted
from backorder_desktop.domain.purchasing import Why
from backorder_desktop.domain.purchasing import in_push_order
from backorder_desktop.domain.purchasing import needs_write
from backorder_desktop.domain.purchasing import wanted
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey

logger = logging.getLogger(__name__)


class PurchasingStore(Protocol):
    """The profile's database: rules, stock items, the mirror's view and the purchasing outbox."""

    def load_settings(self) -> Settings: ...
    def backorder_rules(self, product_ids: Iterable[int] | None = None) -> dict[StockKey, BackorderRule]: ...
    def stock_items(self, product_ids: Iterable[int] | None = None) -> list[StockItem]: ...
    def remembered_tracking(self) -> dict[int, InventoryTracking]: ...
    def native_owed(self) -> dict[StockKey, int]: ...
    def purchasing_records(self) -> dict[StockKey, PurchasingRecord]: ...
    def purchasing_seen(self, keys: Iterable[StockKey]) -> dict[StockKey, bool]: ...
    def queue_purchasing(self, writes: Iterable[PurchasingWrite], *, at: datetime) -> None: ...
    def purchasing_waiting(self) -> list[PurchasingWrite]: ...
    def purchasing_waiting_count(self) -> int: ...
    def purchasing_attempted(self, key: StockKey) -> None: ...
    def purchasing_failed(self, key: StockKey, reason: str) -> None: ...
    def purchasing_gone(self, key: StockKey) -> None: ...
    def purchasing_written(self, write: PurchasingWrite, *, actor: str, at: datetime) -> bool: ...
    def purchasing_held(
        self, key: StockKey, *, in_store: bool, wish: bool, actor: str, at: datetime
    ) -> None: ...


class Teller(Protocol):
    """``NotificationService.purchasing_changed``."""

    def purchasing_changed(
        self, item: StockKey, sku: str, *, enabled: bool, occurrence: object, why: str = ""
    ) -> object: ...


@dataclass(slots=True)
class PurchasingReport:
    queued: int = 0
    written: int = 0
    failed: int = 0
    held: int = 0
    problems: list[ItemProblem] = field(default_factory=list)


class PurchasingService:
    """Evaluates the rules into the purchasing outbox and sends it (see the module docstring)."""

    def __init__(
        self,
        *,
        store: PurchasingStore,
        clock: Clock,
        target_factory: Callable[[], ProductTarget],
        actor: Callable[[], str],
        teller: Teller | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._target_factory = target_factory
        # Asked at each write: a display name changed while the profile is open applies at once.
        self._actor = actor
        self._teller = teller

    def waiting(self) -> int:
        return self._store.purchasing_waiting_count()

    def evaluate(self) -> PurchasingReport:
        """Queue a write for each item whose wished state differs from what the store was told."""
        report = PurchasingReport()
        settings = self._store.load_settings()
        records = self._store.purchasing_records()
        wishes = self._wishes(settings)
        sent = {w.key for w in self._store.purchasing_waiting() if w.attempts}
        for key, kept in records.items():
            if key in wishes or kept.held:
                continue
            if kept.written:
                wishes[key] = ("", Wanted(False, Why.LEFT))  # the app disabled it: enabled again
            elif kept.pending and kept.written is None and key not in sent:
                # No longer ruled (its limit cleared, it left BackOrder) before its wish was ever
                # sent: the store never heard of it, so nothing is to be undone there.
                self._store.purchasing_gone(key)
            elif kept.pending:
                wishes[key] = ("", Wanted(False, Why.LEFT))  # a disable may have reached the store
        now = self._clock.now()
        seen = self._store.purchasing_seen(k for k, r in records.items() if r.written is not None)
        queued: list[PurchasingWrite] = []
        for key, (sku, want) in sorted(wishes.items()):
            record = records.get(key)
            if record is not None and self._merchant_changed(key, record, seen.get(key), want, now):
                report.held += 1
                continue
            if record is not None and record.held and record.held_wish == want.disabled:
                continue  # the merchant's change stands until the rule wishes otherwise
            if (
                record is not None
                and record.pending
                and (record.disabled, record.message)
                == (
                    want.disabled,
                    want.message,
                )
            ):
                continue
            last, last_message = (
                (record.written, record.written_message) if record is not None else (None, None)
            )
            if record is not None and record.held:
                last = not want.disabled  # the hold ends: the new wish is written
            if needs_write(want, last, last_message) or (record is not None and record.pending):
                queued.append(PurchasingWrite(key, sku, want.disabled, want.why, want.message))
        if queued:
            self._store.queue_purchasing(queued, at=now)
            report.queued = len(queued)
        return report

    def _wishes(self, settings: Settings) -> dict[StockKey, tuple[str, Wanted]]:
        """Method app: the items whose stock the app holds (tracking off), by limit and date. Method
        native: the store stops each item at its limit itself; the app still disables one whose
        expected date passed with units owed (the store counts them), when the merchant chose so."""
        native = settings.backorder_method is BackorderMethod.NATIVE
        if native and not settings.disable_on_date_passed:
            return {}
        held_by_app = None if native else set(self._store.remembered_tracking())
        rules = {
            k: replace(r, limit=None) if native else r
            for k, r in self._store.backorder_rules(held_by_app).items()
            if held_by_app is None or k.product_id in held_by_app
        }
        if not rules:
            return {}
        owed = self._store.native_owed() if native else {}
        today = self._clock.now().astimezone().date()
        return {
            item.key: (
                item.sku,
                wanted(
                    item.level - owed.get(item.key, 0),
                    rules[item.key],
                    default_message=settings.backorder_message,
                    today=today,
                    disable_on_date_passed=settings.disable_on_date_passed,
                ),
            )
            for item in self._store.stock_items({k.product_id for k in rules})
            if item.key in rules
        }

    def _merchant_changed(
        self, key: StockKey, record: PurchasingRecord, in_store: bool | None, want: Wanted, now: datetime
    ) -> bool:
        """A pull shows the item otherwise than the app last wrote (and nothing of ours waits):
        someone else switched it. Recorded and held once; True when it was seen just now."""
        if record.pending or record.held or record.written is None or in_store is None:
            return False
        if in_store == record.written:
            return False
        self._store.purchasing_held(key, in_store=in_store, wish=want.disabled, actor=self._actor(), at=now)
        logger.info("purchasing of %s changed in the store by someone else: left as it is", key.label())
        return True

    def push_disables(self) -> PurchasingReport:
        """Write the waiting disables: before anything else of a push."""
        return self._push(disables=True)

    def push_enables(self) -> PurchasingReport:
        """Write the waiting enables: after the stock."""
        return self._push(disables=False)

    def _push(self, *, disables: bool) -> PurchasingReport:
        report = PurchasingReport()
        first, then = in_push_order(self._store.purchasing_waiting())
        writes = first if disables else then
        if not writes:
            return report
        target = self._target_factory()
        for write in writes:
            self._send(target, write, report)
        logger.info("purchasing: %s written, %s failed", report.written, report.failed)
        return report

    def _send(self, target: ProductTarget, write: PurchasingWrite, report: PurchasingReport) -> None:
        self._store.purchasing_attempted(write.key)
        try:
            target.write_purchasing(write)
        except NotFound:
            self._store.purchasing_gone(write.key)  # deleted in the store: nothing to switch
            return
        except InvalidData as exc:
            self._store.purchasing_failed(write.key, exc.message)
            report.failed += 1
            what = "Purchasing not disabled" if write.disabled else "Purchasing not enabled again"
            report.problems.append(ItemProblem(write.key.label(), what, exc.message))
            return
        at = self._clock.now()
        if self._store.purchasing_written(write, actor=self._actor(), at=at):
            report.written += 1
            if self._teller is not None:
                self._teller.purchasing_changed(
                    write.key, write.sku or write.key.label(), enabled=not write.disabled,
                    occurrence=at.isoformat(), why=write.why.value,
                )  # fmt: skip
