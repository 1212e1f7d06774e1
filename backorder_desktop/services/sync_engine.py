"""The sync engine: full and incremental pulls from the store into the mirror, one at a time.

It fetches pages (concurrently, within the client's rate budget), applies each page in its own
transaction as it arrives, records every run with its counts and per-item problems, and never
removes anything unless a full pass was complete and its removals were confirmed.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime

from backorder_desktop.domain import store_onhand
from backorder_desktop.domain import sync_rules
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import SuspiciousCatalog
from backorder_desktop.domain.errors import SyncInProgress
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.models import ProductPage
from backorder_desktop.domain.ports import CatalogSource
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.ports import Leadership
from backorder_desktop.domain.ports import MirrorStore
from backorder_desktop.domain.ports import ProcessLock
from backorder_desktop.domain.pull_runner import PullRunner
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.status import SyncPhase
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.domain.status import SyncState
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.page_fetch import PAGE_LIMIT
from backorder_desktop.services.page_fetch import fetch_pages
from backorder_desktop.services.page_fetch import gaps_between_pages
from backorder_desktop.services.page_fetch import ids_within
from backorder_desktop.services.page_fetch import page_positions
from backorder_desktop.services.team import require_lead

logger = logging.getLogger(__name__)

CURSOR_LAST_PULL = "last_pull_started"
CURSOR_LAST_FULL = "last_full_pull_started"


@dataclass(slots=True)
class RunState:
    run_id: int
    full: bool
    kind: RunKind = RunKind.MANUAL
    counts: RunCounts = field(default_factory=RunCounts)
    problems: list[ItemProblem] = field(default_factory=list)
    pages_done: int = 0
    pages_total: int = 0
    backorder_ids: set[int] | None = None  # BackOrder products, asked once per run


class _Flight:
    """The running sync that later requests join (``joinable``: a pull, not a webhook fetch or task)."""

    def __init__(self, joinable: bool = True) -> None:
        self.done = threading.Event()
        self.run: SyncRun | None = None
        self.error: BaseException | None = None
        self.joinable = joinable


class SyncEngine:
    """Pulls the catalog into the mirror. Thread-safe: concurrent ``sync`` calls join one run."""

    def __init__(
        self,
        *,
        mirror: MirrorStore,
        source_factory: Callable[[], CatalogSource],
        clock: Clock,
        events: EventHub,
        process_lock: ProcessLock | None = None,
        after_pull: Callable[[InventorySource, RunState], None] | None = None,
        concurrency: int = 4,
        pull_runner: PullRunner | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        """``pull_runner``: run syncs (not webhook fetches or tasks) through it, in another process;
        this engine then records nothing itself for them and relays the runner's events.
        ``leadership`` (team mode): every run is refused unless this desktop leads the team's syncs
        (``AnotherDesktopSyncs``, naming the leader), before anything asks the store; a run whose
        desktop loses the lead stops at its next page, and before its push."""
        self._mirror = mirror
        self._source_factory = source_factory
        self._clock = clock
        self._events = events
        self._process_lock = process_lock
        self._after_pull = after_pull
        self._concurrency = max(1, concurrency)
        self._pull_runner = pull_runner
        self._leadership = leadership
        self.page_limit = PAGE_LIMIT  # products per page (the bench's quota row asks for fewer)
        self._lock = threading.Lock()
        self._flight: _Flight | None = None

    # --- public API ----------------------------------------------------------------------

    def sync(self, *, kind: RunKind, trigger: RunTrigger, full: bool = False) -> SyncRun:
        """Run one sync, or join the one already running; returns its recorded run.

        Raises the run's domain error (after recording it) when the run failed or was refused.
        """
        while True:
            with self._lock:
                flight = self._flight
                owner = flight is None
                if flight is None:
                    flight = self._flight = _Flight()
            if owner or flight.joinable:
                break
            flight.done.wait()  # a webhook fetch or task: wait for it, then pull ourselves
        if not owner:
            logger.info("a sync is already running; joining it (%s, %s)", kind, trigger)
            flight.done.wait()
            return self._flight_result(flight)
        runner = self._pull_runner
        if runner is not None:  # the runner's process takes the profile lock itself
            return self._own(flight, lambda: self._delegated(runner, kind, trigger, full), locked=False)
        return self._own(flight, lambda: self._run(kind=kind, trigger=trigger, full=full))

    def sync_products(self, ids: Sequence[int], *, trigger: RunTrigger = RunTrigger.WEBHOOK) -> SyncRun:
        """Fetch these products by id (``id:in`` batches) and apply them, as an automatic run; an id
        the store no longer has is deleted locally. Waits for a running sync instead of joining it
        (the change may be newer than that sync's pages)."""
        wanted = sorted({int(i) for i in ids})
        flight = self._exclusive_flight()
        return self._own(
            flight, lambda: self._recorded(RunKind.AUTOMATIC, trigger, False, self._by_ids(wanted))
        )

    def run_task(self, work: Callable[[RunState], None], *, kind: RunKind, trigger: RunTrigger) -> SyncRun:
        """Run other work that writes to the store (the ERP feed pull) one at a time with syncs,
        recorded as a run; ``work`` fills in the run's counts and problems."""
        flight = self._exclusive_flight()
        return self._own(flight, lambda: self._recorded(kind, trigger, False, lambda s, _keep: work(s)))

    def _exclusive_flight(self) -> _Flight:
        """A flight of our own (not joinable), after any running one has ended."""
        while True:
            with self._lock:
                running = self._flight
                if running is None:
                    flight = self._flight = _Flight(joinable=False)
                    return flight
            running.done.wait()

    def _own(self, flight: _Flight, body: Callable[[], SyncRun], *, locked: bool = True) -> SyncRun:
        """Run ``body`` as ``flight``'s owner: under the profile lock, then let joiners go."""
        lock = self._process_lock if locked else None
        try:
            self._check_lead()
            if lock is not None and not lock.try_acquire():
                raise SyncInProgress(
                    "Another window or command is syncing this profile. Try again when it has finished."
                )
            try:
                self._abandon_the_last_leaders_runs()
                flight.run = body()
            finally:
                if lock is not None:
                    lock.release()
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                self._flight = None
            flight.done.set()
        return flight.run

    def _check_lead(self) -> None:
        """In a team, only the leading desktop asks the store anything (``AnotherDesktopSyncs``)."""
        if self._leadership is not None:
            require_lead(self._leadership)

    def _abandon_the_last_leaders_runs(self) -> None:
        """In a team, a run still marked running is a former leader's (killed, or cut off from the
        database): only the leader may end it, and not at a desktop's start, which would end the
        running leader's own run (the profile's lock file is each desktop's)."""
        if self._leadership is not None:
            self._mirror.abandon_running_runs(at=self._clock.now())

    def is_running(self) -> bool:
        with self._lock:
            return self._flight is not None

    @staticmethod
    def _flight_result(flight: _Flight) -> SyncRun:
        if flight.error is not None:
            raise flight.error
        if flight.run is None:
            raise BugError("the sync we joined ended without a result")
        return flight.run

    # --- one run -------------------------------------------------------------------------

    def _run(self, *, kind: RunKind, trigger: RunTrigger, full: bool) -> SyncRun:
        if not full and self._mirror.get_cursor(CURSOR_LAST_PULL) is None:
            full = True  # nothing to be incremental from yet

        def pull(state: RunState, keep_stock: bool) -> None:
            source = self._source_factory()
            started = source.server_time()
            if full:
                self._full_pull(source, state, keep_stock)
                self._mirror.set_cursor(CURSOR_LAST_FULL, started.isoformat())
            else:
                since = sync_rules.incremental_since(_parse_time(self._mirror.get_cursor(CURSOR_LAST_PULL)))
                self._incremental_pull(source, state, keep_stock, since)
            self._mirror.set_cursor(CURSOR_LAST_PULL, started.isoformat())
            if self._after_pull is not None:
                self._check_lead()  # the new leader pushes what waits: never two desktops at once
                self._after_pull(mode, state)  # the outbox push (bigcommerce, api modes)

        mode = self._mirror.load_settings().inventory_source
        return self._recorded(kind, trigger, full, pull, mode=mode)

    def _delegated(self, runner: PullRunner, kind: RunKind, trigger: RunTrigger, full: bool) -> SyncRun:
        """A sync run by ``runner`` (which records it): relay its events as if it were ours."""
        self._events.emit_state(SyncState.SYNCING)
        ended = runner.run(
            kind=kind,
            trigger=trigger,
            full=full,
            on_started=lambda run_id: self._events.emit_run_started(run_id, kind.value, trigger),
            on_progress=self._events.emit_progress,
        )
        run = self._announce(ended.run_id, ended.error)
        if ended.error is not None:
            raise ended.error
        if run is None:
            raise BugError("the sync process ended without recording its run")
        return run

    def _by_ids(self, ids: list[int]) -> Callable[[RunState, bool], None]:
        def fetch(state: RunState, keep_stock: bool) -> None:
            source = self._source_factory()
            state.pages_total = max(1, -(-len(ids) // self.page_limit))
            for start in range(0, len(ids), self.page_limit):
                batch = ids[start : start + self.page_limit]
                page = source.get_products_page(1, limit=self.page_limit, ids=batch)
                self._apply(
                    source, state, page, pass_id=None, keep_stock=keep_stock, phase=SyncPhase.INCREMENTAL_PULL
                )
                gone = set(batch) - {product.id for product in page.products}
                # Asked by id and not returned: deleted in the store (unless some item of the reply
                # could not be read: then it may be one of them, and the next full pass decides).
                if gone and not page.problems:
                    state.counts.removed += self._mirror.delete_products(gone)

        return fetch

    def _recorded(
        self,
        kind: RunKind,
        trigger: RunTrigger,
        full: bool,
        work: Callable[[RunState, bool], None],
        *,
        mode: InventorySource | None = None,
    ) -> SyncRun:
        """Record a run around ``work(state, keep_backorder_stock)``, with its events and outcome."""
        mode = mode or self._mirror.load_settings().inventory_source
        run_id = self._mirror.start_run(
            kind=kind, trigger=trigger, mode=mode, full=full, at=self._clock.now()
        )
        state = RunState(run_id=run_id, full=full, kind=kind)
        self._events.emit_state(SyncState.SYNCING)
        self._events.emit_run_started(run_id, kind.value, trigger)
        keep_stock = sync_rules.pull_keeps_backorder_stock(mode)
        outcome = RunOutcome.FAILED
        error: BackorderError | None = None
        try:
            work(state, keep_stock)
            outcome = RunOutcome.PARTIAL if state.problems else RunOutcome.OK
        except SuspiciousCatalog as exc:
            outcome, error = RunOutcome.REFUSED, exc
        except BackorderError as exc:
            error = exc
        except Exception as exc:
            logger.exception("sync run %s failed with a bug", run_id)
            error = BugError(f"{type(exc).__name__}: {exc}. The log has the details.")
            error.__cause__ = exc
        run = self._finish(state, outcome, error)
        if error is not None:
            raise error
        return run

    def _finish(self, state: RunState, outcome: RunOutcome, error: BackorderError | None) -> SyncRun:
        self._mirror.finish_run(
            state.run_id,
            outcome=outcome,
            counts=state.counts,
            at=self._clock.now(),
            problems=state.problems,
            error=error,
        )
        run = self._announce(state.run_id, error)
        if run is None:
            raise BugError(f"sync run {state.run_id} was not recorded")
        c = run.counts
        if error is None:
            logger.info(
                "sync run %s: %s (seen %s, created %s, changed %s, removed %s)",
                *(run.id, outcome.value, c.seen, c.created, c.changed, c.removed),
            )
        else:
            logger.info("sync run %s: %s: %s", run.id, outcome.value, error)
        return run

    def _announce(self, run_id: int | None, error: BackorderError | None) -> SyncRun | None:
        """Tell subscribers how run ``run_id`` ended (as recorded); returns that run."""
        if error is None:
            self._events.emit_state(SyncState.IDLE)
        elif isinstance(error, Offline):
            self._events.emit_state(SyncState.OFFLINE)
        else:
            self._events.emit_state(SyncState.PROBLEM)
        if run_id is None:  # nothing recorded (a run stopped as the app closes: its database may be closed)
            return None
        run = next((r for r in self._mirror.runs(limit=5) if r.id == run_id), None)
        if run is None:
            return None
        self._events.emit_run_finished(run)
        return run

    # --- pulls ---------------------------------------------------------------------------

    def _full_pull(self, source: CatalogSource, state: RunState, keep_stock: bool) -> None:
        first = source.get_products_page(1, limit=self.page_limit)
        mirror_count = self._mirror.product_count()
        sync_rules.check_remote_total(mirror_count, first.total)
        state.pages_total = max(1, first.total_pages)
        self._apply(
            source, state, first, pass_id=state.run_id, keep_stock=keep_stock, phase=SyncPhase.FULL_PULL
        )
        for page in fetch_pages(
            source,
            range(2, state.pages_total + 1),
            self._concurrency,
            limit=self.page_limit,
            modified_since=None,
        ):
            self._apply(
                source, state, page, pass_id=state.run_id, keep_stock=keep_stock, phase=SyncPhase.FULL_PULL
            )
        self._confirm_removals(source, state, keep_stock, mirror_count)

    def _confirm_removals(
        self, source: CatalogSource, state: RunState, keep_stock: bool, mirror_count: int
    ) -> None:
        """Products unseen in the pass are re-asked by id: offset pages shift when products are
        deleted while we page, so a product can be missed without being gone."""
        unseen = self._mirror.unseen_product_ids(state.run_id)
        if not unseen:
            return
        sync_rules.check_removals(mirror_count, len(unseen))
        self._recheck(source, state, keep_stock, unseen, modified_since=None)
        state.counts.removed = self._mirror.remove_unseen(state.run_id)

    def _recheck(
        self,
        source: CatalogSource,
        state: RunState,
        keep_stock: bool,
        ids: Sequence[int],
        *,
        modified_since: datetime | None,
    ) -> None:
        """Ask ``ids`` again by id (``id:in`` batches, which no deletion can shift) and apply what
        comes back as seen in this run's pass."""
        if not ids:
            return
        self._progress(state, SyncPhase.VERIFYING)
        for start in range(0, len(ids), self.page_limit):
            batch = ids[start : start + self.page_limit]
            page = source.get_products_page(
                1, limit=self.page_limit, ids=batch, modified_since=modified_since
            )
            if page.products:
                self._apply_verified(source, state, page, keep_stock)

    def _incremental_pull(
        self, source: CatalogSource, state: RunState, keep_stock: bool, since: datetime
    ) -> None:
        """The products changed since ``since``, page by page; then the mirror's products that lie
        between two pages are re-asked by id. A product deleted while we page shifts the later
        pages, so a change can fall between two pages; the next pull asks from later than that
        change, so without the re-check it would stay stale until a full pull."""
        first = source.get_products_page(1, limit=self.page_limit, modified_since=since)
        state.pages_total = max(1, first.total_pages)
        seen: dict[int, tuple[int, int]] = {}  # product id -> the page (and request) it came on
        rest = fetch_pages(
            source,
            range(2, state.pages_total + 1),
            self._concurrency,
            limit=self.page_limit,
            modified_since=since,
        )
        least = first.total  # the listing's smallest size while it was read
        for page in itertools.chain([first], rest):
            self._apply(
                source,
                state,
                page,
                pass_id=state.run_id,
                keep_stock=keep_stock,
                phase=SyncPhase.INCREMENTAL_PULL,
            )
            seen.update(page_positions(page))
            least = min(least, page.total)
        shrank = least < first.total or len(seen) < first.total  # a deletion shifted later pages
        gaps = gaps_between_pages(seen, past_the_end=state.pages_total > 1 and shrank)
        if gaps and shrank:
            # A product the mirror does not hold yet (created since the last pull) can have shifted
            # into a gap too, and no re-ask by id knows it: list each gap's changes by id range.
            self._relist(source, state, keep_stock, gaps, modified_since=since)
        elif gaps:
            between = ids_within(self._mirror.unseen_product_ids(state.run_id), gaps)
            self._recheck(source, state, keep_stock, between, modified_since=since)

    def _relist(
        self,
        source: CatalogSource,
        state: RunState,
        keep_stock: bool,
        gaps: Sequence[tuple[int, int]],
        *,
        modified_since: datetime,
    ) -> None:
        """Ask the listing again for the changes strictly inside each of ``gaps`` (id ranges no
        deletion outside them can shift), and apply them as seen in this run's pass."""
        self._progress(state, SyncPhase.VERIFYING)
        for gap in gaps:
            number, pages = 1, 1
            while number <= pages:
                page = source.get_products_page(
                    number, limit=self.page_limit, modified_since=modified_since, id_between=gap
                )
                pages = page.total_pages
                number += 1
                if page.products or page.skipped_ids:
                    self._apply_verified(source, state, page, keep_stock)

    def _apply_verified(
        self, source: CatalogSource, state: RunState, page: ProductPage, keep_stock: bool
    ) -> None:
        """A page asked again to close a gap: applied as seen in this run's pass."""
        self._apply(
            source, state, page, pass_id=state.run_id, keep_stock=keep_stock, phase=SyncPhase.VERIFYING
        )

    def _apply(
        self,
        source: CatalogSource,
        state: RunState,
        page: ProductPage,
        *,
        pass_id: int | None,
        keep_stock: bool,
        phase: SyncPhase,
    ) -> None:
        self._check_lead()  # a desktop that lost the lead mid-run stops: the new leader pulls
        page, safety_stock = self._with_onhand(source, state, page)
        result = self._mirror.apply_products(
            page.products,
            pass_id=pass_id,
            keep_backorder_stock=keep_stock,
            at=self._clock.now(),
            safety_stock=safety_stock,
        )
        state.counts.seen += len(page.products)
        state.counts.created += result.created
        state.counts.changed += result.changed
        state.problems.extend(page.problems)
        if pass_id is not None and page.skipped_ids:
            self._mirror.mark_seen(page.skipped_ids, pass_id)
        if phase is not SyncPhase.VERIFYING:
            state.pages_done += 1
        self._progress(state, phase)

    def _with_onhand(
        self, source: CatalogSource, state: RunState, page: ProductPage
    ) -> tuple[ProductPage, dict[StockKey, int]]:
        """The page with its BackOrder products' levels read as on hand: the catalog's are on hand
        less safety stock, and the ledger compares them with the on hand it wrote. Other products
        keep the catalog's figure (one read per page, and only when BackOrder products are on it).
        Also the safety stock of each item read: an item made from the catalog's figure is re-based
        by it at this first on-hand read."""
        if state.backorder_ids is None:
            state.backorder_ids = self._mirror.backorder_product_ids()
        mine = [p for p in page.products if p.id in state.backorder_ids]
        keys = [key for product in mine for key in store_onhand.stock_keys(product)]
        if not keys:
            return page, {}
        levels = source.read_onhand(keys)
        products = tuple(
            store_onhand.with_onhand(p, levels) if p.id in state.backorder_ids else p for p in page.products
        )
        return replace(page, products=products), levels.safety_stock

    def _progress(self, state: RunState, phase: SyncPhase) -> None:
        self._events.emit_progress(
            SyncProgress(
                run_id=state.run_id,
                phase=phase,
                pages_done=state.pages_done,
                pages_total=state.pages_total,
                products_seen=state.counts.seen,
            )
        )


def _parse_time(text: str | None) -> datetime:
    if text is None:
        raise BugError("incremental pull without a cursor")
    return datetime.fromisoformat(text)
