"""Crash harness for assign and unassign (backorder method ``app``): the push that writes a
product's tracking is killed with SIGKILL at seeded points.

Each round assigns one product (the real ``assign`` command), then kills ``outbox --push`` at a
seeded statement: anywhere in the run, inside the transactions on the stock tables (where a
confirmed write is recorded), just before a commit, or just after one. After every kill the product
has its write still waiting or recorded, never both and never twice. A clean push then finishes:
the store shows tracking off and the ledger one starting entry per stock item. The same again for
unassign: tracking back on in the remembered mode with the app's level, never below zero.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.services.profile import Profile
from tests.reliability.budget import SEED
from tests.reliability.crash_world import World

KILLS = 24  # at least this many kills of assign and unassign pushes per run
STARTED = "BackOrder took over:%"
RESTORED = "left BackOrder:%"


def _state(database: Path, product_id: int, note: str) -> tuple[int, int, int]:
    """(waiting product writes, tracking notes like ``note``, stock items) of one product."""
    with closing(sqlite3.connect(database)) as conn:
        waiting = conn.execute("SELECT COUNT(*) FROM product_writes WHERE product_id = ?", (product_id,))
        notes = conn.execute(
            "SELECT COUNT(*) FROM stock_adjustments WHERE product_id = ? AND source = 'tracking' "
            "AND reason LIKE ?",
            (product_id, note),
        )
        items = conn.execute("SELECT COUNT(*) FROM stock_items WHERE product_id = ?", (product_id,))
        return int(waiting.fetchone()[0]), int(notes.fetchone()[0]), int(items.fetchone()[0])


def _candidates(store: DemoStore) -> list[dict[str, Any]]:
    out = []
    for pid in store.catalog.product_ids():
        raw = store.catalog.get_product(pid)
        if raw["availability"] == "disabled":
            continue
        if raw["inventory_tracking"] == "product" or (
            raw["inventory_tracking"] == "variant" and len(raw["variants"]) >= 2
        ):
            out.append(raw)
    return out


class _Kills:
    """Seeded kill points within what a clean push offered (its counts). Two of three kill right
    after a commit, each commit of the run in turn (in a seeded order): that is where a write
    confirmed but not yet recorded, or recorded in a transaction of its own, would show; the others
    fall anywhere, on the stock tables, or just before a commit."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.offered = {"any": 90, "stock": 17, "commit": 10, "after-commit": 10}
        self.after_commit: list[int] = []
        self.done = 0
        self.picked = 0

    def pick(self) -> str:
        self.picked += 1
        if self.picked % 3:
            if not self.after_commit:
                self.after_commit = list(range(1, self.offered["after-commit"] + 1))
                self.rng.shuffle(self.after_commit)
            return f"after-commit:{self.after_commit.pop()}"
        kind = self.rng.choice(["any", "stock", "commit"])
        return f"{kind}:{self.rng.randint(1, max(1, self.offered[kind]))}"

    def learn(self, counts: dict[str, int] | None) -> None:
        for kind, count in (counts or {}).items():
            if kind in self.offered and count:
                self.offered[kind] = max(self.offered[kind], count)


def _push(world: World, kills: _Kills, database: Path, product_id: int, note: str) -> None:
    """A killed push, the invariant after it, then a clean push that finishes the work."""
    spec = kills.pick()
    killed = world.run_child("outbox", "--push", kill_at=spec)
    assert killed.killed or killed.code == 0, (spec, killed.stderr)
    kills.done += killed.killed
    waiting, notes, items = _state(database, product_id, note)
    per_write = max(items, 1) if note == STARTED else notes
    assert (waiting, notes) in ((1, 0), (0, per_write)), (spec, waiting, notes, items)
    clean = world.run_child("outbox", "--push")
    assert clean.code == 0, (spec, clean.stderr)
    kills.learn(clean.counts)


def test_assign_and_unassign_killed_at_seeded_points_write_and_record_once(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile], home: str
) -> None:
    rng = random.Random(SEED)
    print(f"crash assign seed {SEED}")
    store = make_demo_store()
    context = make_context(store)
    context.save_settings({"backorder-method": "app"})
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    database = Path(context.info.database_path)
    world = World(store=store, home=Path(home), rng=rng)
    kills = _Kills(rng)
    candidates = _candidates(store)
    rng.shuffle(candidates)
    try:
        rounds = 0
        while kills.done < KILLS:
            reached = f"only {kills.done} kills in {rounds} rounds"
            assert rounds < len(candidates) and rounds < 3 * KILLS, reached
            raw = candidates[rounds]
            rounds += 1
            pid, mode = raw["id"], raw["inventory_tracking"]

            assert world.run_child("assign", str(pid)).code == 0
            _push(world, kills, database, pid, STARTED)
            assert store.catalog.get_product(pid)["inventory_tracking"] == "none"
            waiting, started, items = _state(database, pid, STARTED)
            assert (waiting, started) == (0, items), (rounds, waiting, started, items)

            owing = world.context()
            try:  # sold below zero on its first item, as counted orders would leave it
                first = owing.parts.mirror.stock_items([pid])[0]  # type: ignore[attr-defined]
                owing.parts.stock.edit(first.key, AdjustmentKind.SET, -2, actor="harness")
                levels = {item.key: item.level for item in owing.parts.mirror.stock_items([pid])}  # type: ignore[attr-defined]
            finally:
                owing.close()
            assert world.run_child("unassign", str(pid)).code == 0
            _push(world, kills, database, pid, RESTORED)
            after = store.catalog.get_product(pid)
            assert after["inventory_tracking"] == mode
            shown = {v["id"]: v["inventory_level"] for v in after["variants"]}
            for key, level in levels.items():
                held = after["inventory_level"] if key.variant_id is None else shown[key.variant_id]
                assert held == max(0, level), (rounds, key, held, level)
            assert _state(database, pid, RESTORED)[:2] == (0, len(levels))
    finally:
        world.close()
