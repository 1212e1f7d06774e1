"""The product writes pusher: a BackOrder product's tracking, written before any stock.

Assign queues "tracking off" and unassign "tracking back on, with the app's levels" (storage does
both in the assignment's own transaction, so they work offline). A push sends each waiting write
(setting fields: sending one again after a lost reply or a crash is harmless) and, once the store
confirms, removes it and records it in the stock history in one transaction: never recorded
twice. Stock writes of products whose tracking is off are then settled locally (the store does
not count them; their level is written when they leave BackOrder).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.errors import NotFound
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import LimitWrite
from backorder_desktop.domain.product_writes import MethodSwitch
from backorder_desktop.domain.product_writes import MethodSwitchBlocked
from backorder_desktop.domain.product_writes import ProductWrite
from backorder_desktop.domain.product_writes import StoreCount
from backorder_desktop.domain.product_writes import WriteReason
from backorder_desktop.domain.product_writes import owed_units
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock_policy import level_for_store

# The store's ports for the type checker only: a status never makes their classes.
if TYPE_CHECKING:
    from typing import Protocol

    from backorder_desktop.domain.ports import Clock
    from backorder_desktop.domain.ports import ProductTarget
    from backorder_desktop.domain.ports import ProductWriteStore

    class LimitStore(ProductWriteStore, Protocol):
        """The product writes outbox with BigCommerce's own backorder limits (method ``native``)."""

        def limits_evaluate(self, at: datetime) -> int: ...
        def limits_waiting(self) -> list[LimitWrite]: ...
        def limit_attempted(self, key: StockKey) -> None: ...
        def limit_failed(self, key: StockKey, reason: str) -> None: ...
        def limit_gone(self, key: StockKey) -> None: ...
        def limit_written(self, write: LimitWrite, *, actor: str, at: datetime) -> bool: ...
        def native_items(self) -> list[StockKey]: ...
        def save_backorder_counts(self, counts: dict[StockKey, StoreCount], *, at: datetime) -> int: ...
        def backorder_counts(self) -> dict[StockKey, tuple[int | None, int | None, int | None]]: ...
        def preview_method_switch(self, target: BackorderMethod) -> MethodSwitch: ...
        def switch_backorder_method(
            self, target: BackorderMethod, *, actor: str, at: datetime
        ) -> MethodSwitch: ...


logger = logging.getLogger(__name__)

_WHAT = {
    WriteReason.ASSIGN: "Tracking not turned off",
    WriteReason.REDISABLE: "Tracking not turned off",
    WriteReason.UNASSIGN: "Tracking not turned back on",
    WriteReason.TO_APP: "Tracking not turned off",
    WriteReason.TO_NATIVE: "Tracking not turned back on",
}


@dataclass(slots=True)
class ProductPushReport:
    written: int = 0
    failed: int = 0
    problems: list[ItemProblem] = field(default_factory=list)


class ProductWritePusher:
    """Sends the product writes outbox (see the module docstring)."""

    def __init__(
        self,
        *,
        store: LimitStore,
        clock: Clock,
        target_factory: Callable[[], ProductTarget],
        actor: Callable[[], str],
    ) -> None:
        self._store = store
        self._clock = clock
        self._target_factory = target_factory
        # Asked at each write: a display name changed while the profile is open applies at once.
        self._actor = actor

    def waiting(self) -> int:
        """Product writes waiting, refused ones included, and the limits to write."""
        return self._store.product_write_count() + self.follow_rules()

    def follow_rules(self) -> int:
        """Queue the limits the backorder rules ask of the store now (method native; offline too);
        returns how many limits wait."""
        return self._store.limits_evaluate(self._clock.now())

    def push(self) -> ProductPushReport:
        """Write every waiting product write, with the limits: cleared ones before, set ones after
        (a limit counts only where the store tracks the item); raises the request error (offline …)
        that stopped it, with what was confirmed before recorded."""
        report = ProductPushReport()
        writes = self._store.product_writes()
        limits = self._store.limits_evaluate(self._clock.now())
        if writes or limits:
            target = self._target_factory()
            waiting = self._store.limits_waiting() if limits else []
            # Limits cleared go while the store still tracks the item (a switch to app turns it off
            # next; an untracked item takes no limit); limits set once tracking is back on.
            cleared = [w for w in waiting if w.limit == 0]
            if cleared:
                self._send_limits(target, cleared, report)
            for write in writes:
                self._send(target, write, report)
            wanted = [w for w in waiting if w.limit != 0]
            if wanted:
                self._send_limits(target, wanted, report)
        self.settle_untracked()
        if writes or limits:
            logger.info("product writes: %s written, %s failed", report.written, report.failed)
        return report

    def preview_switch(self, target: BackorderMethod) -> MethodSwitch:
        """What switching the backorder method to ``target`` would change (nothing is changed)."""
        return self._store.preview_method_switch(target)

    def switch(self, target: BackorderMethod) -> MethodSwitch:
        """Switch the backorder method: the setting and the writes that migrate the BackOrder
        products (tracking and limits) in one transaction; the next push writes them. Raises
        ``MethodSwitchBlocked`` (nothing changed) while stock changes or product writes wait."""
        if target is BackorderMethod.APP and self.preview_switch(target).changes:
            try:  # the units the store counts as backordered become the app's: read them fresh
                self.read_counts()
            except BackorderError as exc:  # offline …: the last read stands
                logger.info("backorder counts not read before the switch: %s", exc.title)
        switch = self._store.switch_backorder_method(target, actor=self._actor(), at=self._clock.now())
        if switch.blocked:
            raise MethodSwitchBlocked(switch)
        if switch.changes:
            logger.info("backorder method: %s -> %s", switch.current, switch.wanted)
        return switch

    def read_counts(self) -> int:
        """Read what the store counts for the items whose limit the app writes (method native):
        units backordered and available to sell, and on hand, folded into the items' levels as a
        pull's read is (an order's stock move need not reach an incremental pull). Returns how
        many were read."""
        keys = self._store.native_items()
        if not keys:
            return 0
        counts = self._target_factory().read_backorder_counts(keys)
        self._store.save_backorder_counts(counts, at=self._clock.now())
        return len(counts)

    def counts(self) -> dict[StockKey, StoreCount]:
        """What the store counted for each item whose limit the app wrote, as last read (method
        native): items never read are left out."""
        return {
            key: StoreCount(qty_backordered=backordered, available_to_sell=available, limit=limit)
            for key, (limit, backordered, available) in self._store.backorder_counts().items()
            if backordered is not None and available is not None
        }

    def _send_limits(
        self, target: ProductTarget, writes: Sequence[LimitWrite], report: ProductPushReport
    ) -> None:
        """All in batches; when the store refuses a batch, one by one, so only the refused item fails
        (a store outside the beta refuses them all: one problem says so, not one per item)."""
        for write in writes:
            self._store.limit_attempted(write.key)
        try:
            target.write_backorder_limits(writes)
        except (NotFound, InvalidData) as exc:
            if len(writes) > 1 and isinstance(exc, InvalidData) and not self._in_beta(target, writes[0]):
                for write in writes:
                    self._store.limit_failed(write.key, exc.message)
                report.failed += len(writes)
                what = f"{counted(len(writes), 'backorder limit')} not written"
                report.problems.append(ItemProblem("backorder limits", what, exc.message))
                return
            if len(writes) > 1:
                for write in writes:
                    self._send_limits(target, [write], report)
                return
            write = writes[0]
            if isinstance(exc, NotFound):
                self._store.limit_gone(write.key)  # deleted in the store: no limit to keep
                return
            self._store.limit_failed(write.key, exc.message)
            report.failed += 1
            what = "Backorder limit not written"
            report.problems.append(ItemProblem(write.sku or write.key.label(), what, exc.message))
            return
        at = self._clock.now()
        report.written += sum(self._store.limit_written(w, actor=self._actor(), at=at) for w in writes)

    @staticmethod
    def _in_beta(target: ProductTarget, write: LimitWrite) -> bool:
        """Whether the store reports backorder limits at all (a store in BigCommerce's beta does)."""
        counts = target.read_backorder_counts([write.key])
        return any(count.limit is not None for count in counts.values())

    def settle_untracked(self) -> int:
        """Waiting stock writes of products whose tracking is off are settled in the app."""
        return self._store.outbox_settle_untracked()

    def _send(self, target: ProductTarget, write: ProductWrite, report: ProductPushReport) -> None:
        self._store.product_write_attempted(write.product_id)
        levels = {vid: level_for_store(level) for vid, level in write.levels.items()}
        try:
            target.write_product_tracking(replace(write, levels=levels))
            if write.reason is WriteReason.TO_NATIVE:
                target.write_backordered(owed_units(write))  # the store counts the units owed from now
        except NotFound:
            self._store.product_write_gone(write.product_id)  # deleted in the store: nothing to track
            return
        except InvalidData as exc:
            self._store.product_write_failed(write.product_id, exc.message)
            report.failed += 1
            item = f"product {write.product_id}"
            report.problems.append(ItemProblem(item, _WHAT[write.reason], exc.message))
            return
        if self._store.product_write_done(write, actor=self._actor(), at=self._clock.now()):
            report.written += 1
