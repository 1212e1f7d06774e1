"""BackOrder stock: edits by mode, and the outbox pusher that writes them to BigCommerce.

Edits are ledger adjustments plus an outbox entry, so they work with no network at all. A push
first re-reads the store's current values and folds any move since the last value seen (an
order) into the local level, then writes absolute values: variant levels 50 per request,
product levels through the Inventory API. Absolute values make a resent request harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Protocol
from typing import TypeVar

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.ports import InventoryTarget
from backorder_desktop.domain.ports import MirrorStore
from backorder_desktop.domain.ports import StockChange
from backorder_desktop.domain.ports import StockStore
from backorder_desktop.domain.ports import StockWrite
from backorder_desktop.domain.ports import WriteResult
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import InvalidStock
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.domain.stock import OutboxEntry
from backorder_desktop.domain.stock import OutboxState
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock_policy import level_for_store
from backorder_desktop.domain.stock_policy import read_only_reason
from backorder_desktop.services.product_writes import ProductWritePusher
from backorder_desktop.services.purchasing import PurchasingReport
from backorder_desktop.services.purchasing import PurchasingService

if TYPE_CHECKING:  # annotations only: a status or a stock edit never imports the engine
    from backorder_desktop.services.sync_engine import RunState

logger = logging.getLogger(__name__)


class _Sent(Protocol):
    """What a write sends for one item: a ``StockWrite`` or a ``StockChange``."""

    @property
    def key(self) -> StockKey: ...

    @property
    def level(self) -> int: ...


W = TypeVar("W", bound=_Sent)


class OutboxNotEmpty(UserFacingError):
    """A mode switch, or removing products from BackOrder, was asked while changes wait to be
    written; ``count`` says how many. Each front end asks, in its own words, for an
    ``OutboxChoice``."""

    title = "Changes waiting"

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{count:,} stock change{'s are' if count != 1 else ' is'} waiting to be written to BigCommerce. "
            "Choose whether to write them first or to discard them.",
            remedy=Remedy.CHOOSE_OUTBOX,
        )
        self.count = count


class Store(MirrorStore, StockStore, Protocol):
    """The one database that holds both the mirror and the stock ledger."""


@dataclass(slots=True)
class PushReport:
    """What one push did."""

    written: int = 0
    failed: int = 0
    store_moves: int = 0
    problems: list[ItemProblem] = field(default_factory=list)


class StockService:
    """Stock edits and the outbox pusher for one profile."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        target_factory: Callable[[], InventoryTarget],
        products: ProductWritePusher | None = None,
        purchasing: PurchasingService | None = None,
        may_push: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._target_factory = target_factory
        self._products = products  # a BackOrder product's tracking, written before its stock
        # Purchasing switched by the backorder rules: disables before anything, enables last.
        self._purchasing = purchasing
        # Team mode: raises unless this desktop leads (two desktops pushing the shared outbox at
        # once could apply a change twice); asked only when a push starts.
        self._may_push = may_push

    # --- edits ---------------------------------------------------------------------------

    def edit(
        self,
        ref: str | StockKey,
        kind: AdjustmentKind,
        quantity: int,
        *,
        actor: str,
        reason: str = "",
        source: AdjustmentSource = AdjustmentSource.PERSON,
    ) -> Adjustment:
        """Record an edit (works offline); it is written to BigCommerce by the next push."""
        mode = self._store.load_settings().inventory_source
        allowed = (
            mode is InventorySource.API
            if source is AdjustmentSource.FEED
            else mode is InventorySource.BIGCOMMERCE
        )
        if not allowed:
            raise InvalidStock(read_only_reason(mode) or f"Stock cannot be changed from the {source} here.")
        key = ref if isinstance(ref, StockKey) else self._store.find_stock_key(ref)
        adjustment = self._store.adjust_stock(
            key, kind, quantity, source=source, actor=actor, at=self._clock.now(), reason=reason
        )
        self.follow_rules()  # queued now, so an offline edit's switch waits with it
        return adjustment

    def history(self, product_id: int, limit: int = 100) -> list[Adjustment]:
        return self._store.stock_history(product_id, limit)

    def outbox(self) -> list[OutboxEntry]:
        return self._store.outbox_entries()

    def outbox_count(self) -> int:
        return self._store.outbox_count()

    def pending_product_ids(self) -> set[int]:
        """Products with a change waiting to be written (marked in the window's table)."""
        return {entry.item.key.product_id for entry in self._store.outbox_entries()}

    def discard(
        self,
        *,
        actor: str,
        reason: str = "discarded waiting changes",
        product_ids: Collection[int] | None = None,
    ) -> int:
        """Drop the waiting changes (of ``product_ids`` only, when given); the items go back to the
        store's last value, and the stock history records each one as discarded."""
        return self._store.outbox_discard(
            actor=actor, at=self._clock.now(), reason=reason, product_ids=product_ids
        )

    def settle_waiting(
        self, product_ids: Collection[int], outbox: OutboxChoice | None, *, actor: str, reason: str
    ) -> None:
        """Before products leave BackOrder, their waiting changes are written first or discarded, as
        ``outbox`` says; ``OutboxNotEmpty`` when some wait and it says neither (nothing is dropped
        without being asked)."""
        wanted = set(product_ids)
        if self._products is not None:
            self._products.settle_untracked()  # moot while the store does not count them
        waiting = [e for e in self._store.outbox_entries() if e.item.key.product_id in wanted]
        if not waiting:
            return
        if outbox is None:
            raise OutboxNotEmpty(len(waiting))
        if outbox == OutboxChoice.DISCARD:
            self.discard(actor=actor, reason=reason, product_ids=wanted)
            return
        report = self.push()
        left = [e for e in self._store.outbox_entries() if e.item.key.product_id in wanted]
        if left:
            raise _still_waiting(len(left), len(waiting), report, "Nothing was removed from BackOrder.")

    def switch_mode(self, text: str, *, outbox: OutboxChoice | None, actor: str) -> Settings:
        """Change the inventory source. With changes waiting, ``outbox`` must say what to do with
        them: "push" writes them first (and the switch waits until all are written), "discard"
        drops them; nothing is dropped silently."""
        settings = self._store.load_settings()
        updated = with_setting(settings, "inventory-source", text)
        if updated.inventory_source is settings.inventory_source:
            return settings
        waiting = self._store.outbox_count()
        if waiting and outbox is None:
            raise OutboxNotEmpty(waiting)
        if waiting and outbox == OutboxChoice.PUSH:
            report = self.push()
            left = self._store.outbox_count()
            if left:
                raise _still_waiting(left, waiting, report, "The inventory source was not changed.")
        elif waiting:
            self.discard(actor=actor, reason=f"discarded when switching to {updated.inventory_source.value}")
        self._store.save_settings(updated)
        logger.info("inventory source: %s -> %s", settings.inventory_source, updated.inventory_source)
        return updated

    # --- push ----------------------------------------------------------------------------

    def push(self) -> PushReport:
        """Write waiting changes to BigCommerce. Raises the domain error that stopped it (offline,
        bad token …); what was written before that stays written and recorded.

        Each item's change since the store's last value is sent as a relative adjustment, so a sale
        landing between our re-read and our write is kept. An item whose last write's reply was
        lost gets its level as an absolute value instead (that write may have applied: resending
        the change could apply it twice), sent first, right after the re-read, so that only a
        sale within that one round trip could be undone."""
        if self._may_push is not None:
            self._may_push()
        report = self.push_products(enables=False)
        self._push_stock(report)
        self._push_purchasing(report, disables=False)
        return report

    def _push_stock(self, report: PushReport) -> None:
        waiting = [e for e in self._store.outbox_entries() if e.state is not OutboxState.FAILED]
        if not waiting:
            return
        target = self._target_factory()
        uncertain = {e.item.key for e in waiting if e.state is OutboxState.SENDING}
        ready = self._fold_current(target, {e.item.key for e in waiting}, report, trust=False)
        self._write_absolute([e for e in ready if e.item.key in uncertain], target, report)
        relative = [e for e in ready if e.item.key not in uncertain]
        absolute_first, short = self._write_changes(relative, target, report, hold_short=True)
        if short:
            # The store holds less than these changes assumed: a sale made since our last write
            # that a read within the settle window was taken for the old value. The refusal shows
            # the read was current: fold it in and send the changes again.
            ready = self._fold_current(target, {e.item.key for e in short}, report, trust=True)
            more, _ = self._write_changes(ready, target, report, hold_short=False)
            absolute_first += more
        self._write_absolute(absolute_first, target, report)
        logger.info(
            "push: %s written, %s failed, %s store moves folded in",
            report.written,
            report.failed,
            report.store_moves,
        )

    def product_writes_waiting(self) -> int:
        tracking = self._products.waiting() if self._products is not None else 0
        return tracking + (self._purchasing.waiting() if self._purchasing is not None else 0)

    def read_backorder_counts(self) -> int:
        """With the method native: read what the store counts for the BackOrder items (units
        backordered, available to sell). Returns how many were read."""
        return self._products.read_counts() if self._products is not None else 0

    def follow_rules(self) -> int:
        """Queue the purchasing switches the backorder rules ask for now (an edit, an import, the
        feed or orders moved a level); the next push writes them. Returns how many were queued."""
        return self._purchasing.evaluate().queued if self._purchasing is not None else 0

    def push_products(self, *, enables: bool = True) -> PushReport:
        """Write the waiting product writes only: purchasing disables first, then tracking (off or
        back on), then (``enables``) purchasing enables; a push does this first, its enables last."""
        report = PushReport()
        self.follow_rules()
        self._push_purchasing(report, disables=True)
        if self._products is not None:
            done = self._products.push()
            report.written += done.written
            report.failed += done.failed
            report.problems += done.problems
        if enables:
            self._push_purchasing(report, disables=False)
        return report

    def _push_purchasing(self, report: PushReport, *, disables: bool) -> None:
        if self._purchasing is None:
            return
        done: PurchasingReport = (
            self._purchasing.push_disables() if disables else self._purchasing.push_enables()
        )
        report.written += done.written
        report.failed += done.failed
        report.problems += done.problems

    def _fold_current(
        self, target: InventoryTarget, keys: set[StockKey], report: PushReport, *, trust: bool
    ) -> list[OutboxEntry]:
        """Re-read ``keys`` and fold the store's values into them (sales since the last value seen
        are kept); returns their entries, ready to write. An item the store no longer has fails."""
        current = target.read_stock_levels(sorted(keys))
        gone = sorted(keys - current.keys())
        if gone:
            message = (
                "The product or variant no longer exists in BigCommerce, or no longer tracks stock this way."
            )
            self._store.outbox_failed([(key, message) for key in gone])
            report.failed += len(gone)
            report.problems.extend(ItemProblem(key.label(), "Not written", message) for key in gone)
        moves = self._store.outbox_fold_reads(
            {key: level for key, level in current.items() if key in keys},
            at=self._clock.now(),
            trust=trust,
            safety_stock=current.safety_stock,
        )
        report.store_moves += len(moves)
        return [
            e
            for e in self._store.outbox_entries()
            if e.state is not OutboxState.FAILED and e.item.key in keys
        ]

    def _write_changes(
        self, entries: Sequence[OutboxEntry], target: InventoryTarget, report: PushReport, *, hold_short: bool
    ) -> tuple[list[OutboxEntry], list[OutboxEntry]]:
        """Send the entries' changes as relative adjustments; returns those the store wants as
        absolute values first, and (``hold_short``) the decreases it refused, not marked failed."""
        unchanged = [e for e in entries if not _change(e).quantity]
        if unchanged:  # the store already holds these levels (a move folded in brought them there)
            self._store.outbox_written(
                [(e.item.key, _store_level(e), e.version) for e in unchanged], at=self._clock.now()
            )
        changed = [e for e in entries if _change(e).quantity]
        hold = _decrease if hold_short else None
        return self._write(changed, target.ADJUST_BATCH, target.adjust_levels, _change, report, hold=hold)

    def _write_absolute(
        self, entries: Sequence[OutboxEntry], target: InventoryTarget, report: PushReport
    ) -> None:
        variants = [e for e in entries if e.item.key.variant_id is not None]
        products = [e for e in entries if e.item.key.variant_id is None]
        self._write(variants, target.VARIANT_BATCH, target.write_variant_levels, _absolute, report)
        self._write(products, target.PRODUCT_BATCH, target.write_product_levels, _absolute, report)

    def _write(
        self,
        entries: Sequence[OutboxEntry],
        batch: int,
        send: Callable[[Sequence[W]], WriteResult],
        make: Callable[[OutboxEntry], W],
        report: PushReport,
        *,
        hold: Callable[[OutboxEntry], bool] | None = None,
    ) -> tuple[list[OutboxEntry], list[OutboxEntry]]:
        """Send ``entries`` in requests of ``batch``; returns those the store wants written as an
        absolute value first, and the refused ones that ``hold`` keeps back (not marked failed)."""
        later: list[OutboxEntry] = []
        held: list[OutboxEntry] = []
        for start in range(0, len(entries), batch):
            chunk = list(entries[start : start + batch])
            while chunk:
                chunk, first, kept = self._write_chunk(chunk, send, make, report, hold)
                later += first
                held += kept
        return later, held

    def _write_chunk(
        self,
        chunk: list[OutboxEntry],
        send: Callable[[Sequence[W]], WriteResult],
        make: Callable[[OutboxEntry], W],
        report: PushReport,
        hold: Callable[[OutboxEntry], bool] | None,
    ) -> tuple[list[OutboxEntry], list[OutboxEntry], list[OutboxEntry]]:
        """One request; returns the entries to send again (a refused batch may apply nothing, so
        the items it did not name go again, without the refused ones), those to write as
        absolute values, and the refused ones ``hold`` keeps back."""
        writes = [make(e) for e in chunk]
        # Marked before sending: a reply lost to a crash or the network is known as such.
        self._store.outbox_mark_sending([(w.key, w.level) for w in writes])
        result = send(writes)
        versions = {w.key: (w.level, e.version) for w, e in zip(writes, chunk, strict=True)}
        done = [(key, *versions[key]) for key in result.written]
        report.written += len(done)
        self._store.outbox_written(done, at=self._clock.now())
        first = {f.key for f in result.failed if f.absolute_first}
        by_key = {e.item.key: e for e in chunk}
        kept = {
            f.key for f in result.failed if hold is not None and hold(by_key[f.key]) and f.key not in first
        }
        refused = [f for f in result.failed if f.key not in first and f.key not in kept]
        answered = set(result.written) | {f.key for f in result.failed}
        again = [e for e in chunk if e.item.key not in answered]
        if refused:
            self._store.outbox_failed([(f.key, f.reason) for f in refused])
            report.failed += len(refused)
            report.problems.extend(
                ItemProblem(f.key.label(), "BigCommerce refused the stock value", f.reason) for f in refused
            )
        return again, [e for e in chunk if e.item.key in first], [e for e in chunk if e.item.key in kept]


def _store_level(entry: OutboxEntry) -> int:
    """The level the store is to hold for an entry's item."""
    return level_for_store(entry.item.level)


def _change(entry: OutboxEntry) -> StockChange:
    """The item's change since the store's last value, as a relative adjustment."""
    level = _store_level(entry)
    return StockChange(entry.item.key, quantity=level - entry.item.store_level, level=level)


def _decrease(entry: OutboxEntry) -> bool:
    return _change(entry).quantity < 0


def _absolute(entry: OutboxEntry) -> StockWrite:
    return StockWrite(entry.item.key, _store_level(entry))


def _still_waiting(left: int, waiting: int, report: PushReport, outcome: str) -> UserFacingError:
    return UserFacingError(
        f"{left:,} of {counted(waiting, 'change')} could not be written ({report.failed:,} refused). "
        f"{outcome} The waiting changes list says why each was refused.",
        title="Changes still waiting",
        remedy=Remedy.SEE_OUTBOX,
    )


def push_after_pull(stock: StockService) -> Callable[[InventorySource, RunState], None]:
    """The engine's ``after_pull`` hook: a sync in ``bigcommerce`` or ``api`` mode flushes the
    outbox. A failed push (offline …) is a problem of the run, not a failure of its pull."""

    def hook(mode: InventorySource, state: RunState) -> None:
        try:
            stock.follow_rules()  # the levels this sync moved may have reached a limit
        except BackorderError as exc:
            state.problems.append(ItemProblem("backorder rules", exc.title, exc.message, exc.kind))
        try:
            stock.read_backorder_counts()  # native backorders: what the store counts now
        except BackorderError as exc:
            state.problems.append(ItemProblem("backorder counts", exc.title, exc.message, exc.kind))
        stock_waits = mode is not InventorySource.ERP and stock.outbox_count() > 0
        if not stock_waits and stock.product_writes_waiting() == 0:
            return
        try:
            # Tracking is the store's in every mode: it is written even when stock is not.
            report = stock.push() if stock_waits else stock.push_products()
        except BackorderError as exc:
            state.problems.append(ItemProblem("waiting changes", exc.title, exc.message, exc.kind))
            return
        state.counts.written += report.written
        state.problems.extend(report.problems)

    return hook
