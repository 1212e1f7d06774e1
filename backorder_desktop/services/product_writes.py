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
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.errors import NotFound
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.ports import ProductTarget
from backorder_desktop.domain.ports import ProductWriteStore
from backorder_desktop.domain.product_writes import ProductWrite
from backorder_desktop.domain.product_writes import WriteReason
from backorder_desktop.domain.stock_policy import level_for_store

logger = logging.getLogger(__name__)

_WHAT = {
    WriteReason.ASSIGN: "Tracking not turned off",
    WriteReason.REDISABLE: "Tracking not turned off",
    WriteReason.UNASSIGN: "Tracking not turned back on",
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
        store: ProductWriteStore,
        clock: Clock,
        target_factory: Callable[[], ProductTarget],
        actor: str,
    ) -> None:
        self._store = store
        self._clock = clock
        self._target_factory = target_factory
        self._actor = actor

    def waiting(self) -> int:
        return self._store.product_write_count()

    def push(self) -> ProductPushReport:
        """Write every waiting product write; raises the request error (offline …) that stopped
        it, with what was confirmed before recorded."""
        report = ProductPushReport()
        writes = self._store.product_writes()
        if writes:
            target = self._target_factory()
            for write in writes:
                self._send(target, write, report)
        self.settle_untracked()
        if writes:
            logger.info("product writes: %s written, %s failed", report.written, report.failed)
        return report

    def settle_untracked(self) -> int:
        """Waiting stock writes of products whose tracking is off are settled in the app."""
        return self._store.outbox_settle_untracked()

    def _send(self, target: ProductTarget, write: ProductWrite, report: ProductPushReport) -> None:
        self._store.product_write_attempted(write.product_id)
        levels = {vid: level_for_store(level) for vid, level in write.levels.items()}
        try:
            target.write_product_tracking(replace(write, levels=levels))
        except NotFound:
            self._store.product_write_gone(write.product_id)  # deleted in the store: nothing to track
            return
        except InvalidData as exc:
            self._store.product_write_failed(write.product_id, exc.message)
            report.failed += 1
            item = f"product {write.product_id}"
            report.problems.append(ItemProblem(item, _WHAT[write.reason], exc.message))
            return
        if self._store.product_write_done(write, actor=self._actor, at=self._clock.now()):
            report.written += 1
