"""The crash harness's world: a demo store, a profile with BackOrder items, and what must hold.

A ``World`` keeps the facts a crash cannot change: the stock each BackOrder item started with,
every order placed in the store, and every edit the harness made (each with a unique reason, or
a unique imported value). From these and the ledger it checks, after any kill:

- the chain of each item's ledger is unbroken (each entry starts where the previous one ended,
  the first at the starting stock, the last at the item's level);
- each acknowledged edit is in the ledger exactly once, each killed one at most once;
- an item with no waiting change holds in the store exactly its local level plus the orders the
  app has not seen yet (orders placed minus the store moves in the ledger): its edits were
  written once, and no sale was undone or counted twice. "Holds" counts writes the store took but
  does not show yet (a store with asynchronous inventory writes);
- the store moves in the ledger move no more units than the orders did: a value read before our
  own write showed up is never taken for a sale (and undone later).

After the next complete run, the mirror equals the store and nothing is waiting.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol

from backorder_desktop.adapters.secrets import KeyringSecretStore
from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import SETTLE_TIME
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import OutboxState
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.domain.stock_policy import level_for_store
from backorder_desktop.services.profile import Profile
from tests.integration.support import FAST_RETRY
from tests.integration.support import integrity_ok
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot

if TYPE_CHECKING:
    from tests.reliability.crash_zygote import WarmChildren

CHILD_TIMEOUT_S = 60


@dataclass
class ChildResult:
    killed: bool
    code: int | None
    counts: dict[str, int] | None
    stderr: str


class Killable(Protocol):
    """What a harness that kills a child itself needs of it (as ``subprocess.Popen`` has it)."""

    def send_signal(self, sig: int) -> None: ...

    def poll(self) -> int | None: ...

    def wait(self) -> int | None: ...


class _ForkedChild:
    """A child of the warm helper as ``Killable``: its pid comes once it is forked (a signal sent
    earlier waits for it), and a signal after it ended goes nowhere."""

    def __init__(self) -> None:
        self._pid = 0
        self._code: int | None = None
        self._forked = threading.Event()
        self._ended = threading.Event()

    def forked(self, pid: int) -> None:
        self._pid = pid
        self._forked.set()

    def ended(self, code: int) -> None:
        self._code = code
        self._ended.set()
        self._forked.set()

    def send_signal(self, sig: int) -> None:
        self._forked.wait(CHILD_TIMEOUT_S)
        if self._pid and not self._ended.is_set():
            with suppress(ProcessLookupError):  # it ended on its own meanwhile
                os.kill(self._pid, sig)

    def poll(self) -> int | None:
        return self._code if self._ended.is_set() else None

    def wait(self) -> int | None:
        self._ended.wait()
        return self._code


@dataclass
class World:
    store: DemoStore
    home: Path
    rng: random.Random
    initial: dict[StockKey, int] = field(default_factory=dict)
    skus: dict[StockKey, str] = field(default_factory=dict)
    orders: Counter[StockKey] = field(default_factory=Counter)
    order_volume: Counter[StockKey] = field(default_factory=Counter)  # units moved by orders, either way
    acked_tags: set[str] = field(default_factory=set)
    maybe_tags: set[str] = field(default_factory=set)
    acked_imports: set[tuple[StockKey, int]] = field(default_factory=set)
    maybe_imports: set[tuple[StockKey, int]] = field(default_factory=set)
    protected: set[int] = field(default_factory=set)  # BackOrder products: never deleted
    serial: int = 0
    children: WarmChildren | None = None  # started by the first ``run_child``; ``close`` ends it
    started: Counter[str] = field(default_factory=Counter)  # children and contexts: the work done
    children_env: dict[str, str] = field(default_factory=dict)  # what the children run with
    team_url: str | None = None  # a team profile's database (``make_team``): its password is in the keyring

    @property
    def database(self) -> Path:
        return self.home / "data" / "backorder.db"

    def context(self, clock: Clock | None = None) -> Profile:
        self.started["contexts"] += 1
        context = open_profile(
            self.home,
            env_token=self.store.token,
            # A team profile's password is in the keyring, where the children find it too.
            secret_store=KeyringSecretStore() if self.team_url else MemorySecretStore(),
            client_options={"retry": FAST_RETRY},
            clock=clock,
        )
        context.parts.mirror.set_store(
            StoreInfo(store_hash=self.store.store_hash, name="Harness", plan_name="Demo"), self.store.api_url
        )
        return context

    def next_tag(self) -> str:
        self.serial += 1
        return f"harness-{self.serial}"

    # --- the child process ----------------------------------------------------------------

    def run_child(
        self,
        *args: str,
        kill_at: str = "",
        on_start: Callable[[Killable], None] | None = None,
    ) -> ChildResult:
        """The real CLI in a child forked from a warm helper (``crash_zygote``: the command imported
        once, each child its own process with fresh state); killed as ``kill_at`` says
        (``crash_child``) or by ``on_start``, which gets the child before it is forked."""
        if self.children is None:
            from tests.reliability.crash_zygote import WarmChildren  # here: it imports this module

            self.children = WarmChildren(self.home, self.store.token)
            self.children_env = self.children.child_env()
        self.started["children"] += 1
        child = _ForkedChild()
        if on_start is not None:
            on_start(child)
        code = -1
        try:
            result = self.children.run(*args, kill_at=kill_at, on_pid=child.forked)
            code = result.code if result.code is not None else -1
        finally:
            child.ended(code)
        return result

    def close(self) -> None:
        """Ends the warm helper (if a child was run)."""
        if self.children is not None:
            self.children.close()
            self.children = None

    # --- setting up --------------------------------------------------------------------------

    def setup(self, *, variant_products: int = 3, product_products: int = 3, last: bool = False) -> None:
        """Assign a few products of each tracking to BackOrder: the first ones, or with ``last``
        the last ones (a deletion while paging takes the first product of a listing)."""
        context = self.context()
        try:
            # The store keeps counting (tracking stays on): what ``check`` compares with our levels.
            context.save_settings({"backorder-method": "native"})
            context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
            by_kind: dict[str, list[int]] = {"variant": [], "product": []}
            ids = self.store.catalog.product_ids()
            for pid in reversed(ids) if last else ids:
                raw = self.store.catalog.get_product(pid)
                tracking = raw["inventory_tracking"]
                if tracking in by_kind and (tracking == "product" or len(raw["variants"]) >= 2):
                    by_kind[tracking].append(pid)
            chosen = by_kind["variant"][:variant_products] + by_kind["product"][:product_products]
            context.parts.catalog.assign([str(pid) for pid in chosen], by="harness")
            for item in context.parts.mirror.stock_items():
                self.initial[item.key] = item.level
                self.skus[item.key] = item.sku
            self.protected = set(chosen)
        finally:
            context.close()

    def make_team(self, url: str) -> None:
        """The profile set up moved into the team database at ``url`` (with a password, which
        ``team create`` keeps in the keyring): from now on every context and child opens that."""
        from tests.reliability.team_backend import assert_on_team
        from tests.reliability.team_backend import make_team

        self.team_url = url  # first: ``team create`` keeps the password in the store the context has
        make_team(self.context(), url, self.home)
        assert_on_team(self.context(), url).close()

    # --- what happens between runs ------------------------------------------------------------

    def store_level(self, key: StockKey) -> int:
        """The level the store holds, including writes it does not show yet (asynchronous writes):
        what it will show once they apply."""
        with self.store.catalog.reading() as st:
            if key.variant_id is not None:
                return int(st.cols.v_stock[key.variant_id - 1])
            return int(st.cols.stock[key.product_id - 1])

    def wait_until_writes_show(self, timeout: float = 60.0) -> None:
        """Poll until the store shows every stock write it took (a bound against hanging only)."""
        ticker = threading.Event()
        deadline = time.monotonic() + timeout
        while True:
            with self.store.catalog.reading() as st:
                if not st.hidden:
                    return
            assert time.monotonic() < deadline, "the store never showed its stock writes"
            ticker.wait(0.02)

    def place_order(self, key: StockKey) -> None:
        """An order (or, when the shelf is empty, a return) placed in the store."""
        amount = self.rng.randint(1, 3)
        delta = -amount if self.store_level(key) >= amount else amount
        if key.variant_id is not None:
            self.store.catalog.adjust_stock(variant_id=key.variant_id, delta=delta)
        else:
            self.store.catalog.adjust_stock(product_id=key.product_id, delta=delta)
        self.orders[key] += delta
        self.order_volume[key] += abs(delta)

    def change_catalog(self) -> None:
        """What merchants do in the control panel: rename, reprice, delete, create."""
        catalog = self.store.catalog
        ids = catalog.product_ids()
        for _ in range(self.rng.randint(1, 4)):
            pid = self.rng.choice(ids)
            action = self.rng.choice(["rename", "price", "delete", "create"])
            if action == "rename":
                catalog.update_product(pid, name=f"Renamed {self.next_tag()}")
            elif action == "price":
                catalog.update_product(pid, price=round(self.rng.uniform(1, 500), 2))
            elif action == "delete" and pid not in self.protected and len(ids) > 50:
                catalog.delete_product(pid)
                ids.remove(pid)
            elif action == "create":
                tag = self.next_tag()
                catalog.create_product(
                    {"name": f"New {tag}", "type": "physical", "weight": 1, "price": 9.5, "sku": tag}
                )

    def local_edits(self, context: Profile, count: int) -> None:
        """Acknowledged edits (the call returned): each must be in the ledger exactly once."""
        levels = {item.key: item.level for item in context.parts.mirror.stock_items()}
        for _ in range(count):
            key = self.rng.choice(sorted(levels))
            tag = self.next_tag()
            kind, quantity = self.edit_for(levels[key])
            adjustment = context.parts.stock.edit(key, kind, quantity, actor="harness", reason=tag)
            self.acked_tags.add(tag)
            levels[key] = adjustment.level_after

    def edit_for(self, level: int) -> tuple[AdjustmentKind, int]:
        kind = self.rng.choice(list(AdjustmentKind))
        if kind is AdjustmentKind.SET:
            return kind, self.rng.randint(0, 300)
        if kind is AdjustmentKind.REMOVE and level >= 1:
            return kind, self.rng.randint(1, min(level, 5))
        return AdjustmentKind.ADD, self.rng.randint(1, 20)

    def import_file(self) -> tuple[Path, set[tuple[StockKey, int]]]:
        """A CSV setting every BackOrder item to a value used nowhere else."""
        self.serial += 1
        rows = {key: 10_000 + self.serial * 100 + n for n, key in enumerate(sorted(self.skus))}
        path = self.home / f"import-{self.serial}.csv"
        path.write_text("sku,quantity\n" + "".join(f"{self.skus[k]},{v}\n" for k, v in rows.items()))
        return path, set(rows.items())

    # --- what must hold -----------------------------------------------------------------------

    def check(self, *, converged: bool, settled: bool = False, deleted_after_read: bool = False) -> None:
        """``converged``: after a clean run. Store moves made after our last write to an item and
        before any read confirmed that write wait for the settle window (``domain.stock``) or the
        next push of that item; ``settled`` says the window has passed, so none may wait.
        ``deleted_after_read``: the run was an incremental pull or products were deleted while it
        paged, so the mirror may still hold products the store no longer has (the next full pull
        removes them); every product the store has must be mirrored as it is."""
        if self.team_url is None:  # a team database's consistency is the server's; its reads are below
            assert integrity_ok(self.database), "PRAGMA integrity_check failed after a kill"
        context = self.context()
        try:
            unseen = self._check_ledger(context, converged=converged, settled=settled)
            if converged:
                assert context.parts.stock.outbox_count() == 0, "changes still waiting after a clean run"
                self.wait_until_writes_show()
                mirror = derived_masked(mirror_snapshot(context), self.protected)
                store = derived_masked(_minus(store_snapshot(self.store), unseen), self.protected)
                compared = store.keys() if deleted_after_read else mirror.keys() | store.keys()
                wrong = sorted(k for k in compared if mirror.get(k) != store.get(k))
                assert not wrong, "mirror != store: " + "; ".join(
                    f"{pid}: mirror {mirror.get(pid)} store {store.get(pid)}" for pid in wrong[:3]
                )
        finally:
            context.close()

    def _check_ledger(self, context: Profile, *, converged: bool, settled: bool) -> dict[StockKey, int]:
        """Checks the ledger; returns the store moves not in it yet (within the settle window)."""
        waiting_moves: dict[StockKey, int] = {}
        items = {item.key: item for item in context.parts.mirror.stock_items()}
        assert set(items) == set(self.initial), "a BackOrder stock item was lost"
        waiting = {e.item.key: e.state for e in context.parts.stock.outbox()}
        reasons: Counter[str] = Counter()
        imported: Counter[tuple[StockKey, int]] = Counter()
        for pid in {key.product_id for key in items}:
            history = sorted(context.parts.stock.history(pid, limit=1_000_000), key=lambda a: a.id or 0)
            for key in {a.key for a in history} | {k for k in items if k.product_id == pid}:
                chain = [a for a in history if a.key == key]
                level = self.initial[key]
                for entry in chain:
                    assert entry.level_before == level, f"{key.label()}: the ledger's chain is broken"
                    level = entry.level_after
                    reasons[entry.reason] += entry.reason.startswith("harness-")
                    if entry.source is AdjustmentSource.IMPORT:
                        imported[(key, entry.quantity)] += 1
                assert level == items[key].level, f"{key.label()}: level is not what the ledger says"
                # The store's own moves as it made them (a sale past zero is kept at 0 locally).
                seen = sum(
                    a.quantity if a.kind is AdjustmentKind.ADD else -a.quantity
                    for a in chain
                    if a.source is AdjustmentSource.STORE
                )
                unseen = self.orders[key] - seen
                moved = sum(a.quantity for a in chain if a.source is AdjustmentSource.STORE)
                assert moved <= self.order_volume[key], (
                    f"{key.label()}: the ledger has store moves of {moved} units, orders moved only "
                    f"{self.order_volume[key]}: a stale read was taken for a sale"
                )
                if key not in waiting:
                    # Units owed (a level below 0) stay in the app: the store was told 0 for them.
                    assert self.store_level(key) == level_for_store(items[key].level) + unseen, (
                        f"{key.label()}: store {self.store_level(key)}, app {items[key].level}, orders not "
                        f"seen yet {unseen}: an edit was lost or applied twice, or a sale undone; "
                        f"item {items[key]}; ledger "
                        + ", ".join(f"{a.source}:{a.kind}:{a.level_before}->{a.level_after}" for a in chain)
                    )
                elif waiting[key] is OutboxState.FAILED:
                    raise AssertionError(f"{key.label()}: the store refused a write")
                if converged and unseen and not settled and items[key].awaiting_level is not None:
                    waiting_moves[key] = unseen  # a move right after our write: see ``check``
                elif converged:
                    assert unseen == 0, (
                        f"{key.label()}: {unseen} of the store's moves not in the ledger; item "
                        f"{items[key]}; orders {self.orders[key]}; ledger "
                        + ", ".join(f"{a.source}:{a.kind}:{a.level_before}->{a.level_after}" for a in chain)
                    )
        for tag in self.acked_tags:
            assert reasons[tag] == 1, f"acknowledged edit {tag} is in the ledger {reasons[tag]} times"
        for tag in self.maybe_tags:
            assert reasons[tag] <= 1, f"killed edit {tag} is in the ledger {reasons[tag]} times"
        for row in self.acked_imports:
            assert imported[row] == 1, f"imported {row} is in the ledger {imported[row]} times"
        for row in self.maybe_imports:
            assert imported[row] <= 1, f"killed import {row} is in the ledger {imported[row]} times"
        return waiting_moves

    def settle(self) -> None:
        """A full sync once the settle window has passed: then everything is in the ledger."""
        later = _Later(SETTLE_TIME + timedelta(minutes=1))
        context = self.context(clock=later)
        try:
            context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
        finally:
            context.close()
        self.check(converged=True, settled=True)


class _Later:
    """The system clock, moved forward."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def derived_masked(snapshot: dict[int, tuple[Any, ...]], backorder: set[int]) -> dict[int, tuple[Any, ...]]:
    """Leave out what a BackOrder product's stock items do not hold: a variant-tracked product's
    own total and a product-tracked product's variant levels (the mirror keeps them as first
    seen; issue 8 report: the window's list shows that stale total)."""
    out = dict(snapshot)
    for pid in backorder & out.keys():
        name, sku, price, level, tracking, variants = out[pid]
        # Units owed (a level below 0) are kept in the app; the store is told 0 for them.
        if tracking == "variant":
            level = None
            variants = tuple((vid, vsku, _told(vlevel)) for vid, vsku, vlevel in variants)
        else:
            level = _told(level)
            variants = tuple((vid, vsku, None) for vid, vsku, _ in variants)
        out[pid] = (name, sku, price, level, tracking, variants)
    return out


def _told(level: int | None) -> int | None:
    return None if level is None else level_for_store(level)


def _minus(snapshot: dict[int, tuple[Any, ...]], moves: dict[StockKey, int]) -> dict[int, tuple[Any, ...]]:
    """The store's snapshot without the moves the app has not folded in yet."""
    out = dict(snapshot)
    for key, move in moves.items():
        name, sku, price, level, tracking, variants = out[key.product_id]
        if key.variant_id is None:
            level -= move
            variants = tuple((vid, vsku, vlevel - move) for vid, vsku, vlevel in variants)
        else:
            level -= move if tracking == "variant" else 0
            variants = tuple(
                (vid, vsku, vlevel - move if vid == key.variant_id else vlevel)
                for vid, vsku, vlevel in variants
            )
        out[key.product_id] = (name, sku, price, level, tracking, variants)
    return out
