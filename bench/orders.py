"""Row 8: reading orders with their lines under a 150/30 s quota, and the ledger write of their lines.

A demo store (in this process: the read is bound by the quota) whose shopper placed, cancelled,
refunded and edited orders of 50 BackOrder products until it holds ``orders`` orders (dated by a
fake clock after the assignment). Then a fresh quota window and ``Profile.pull_orders()`` timed:
the bound is the pages needed (250 orders with their lines a request) ÷ the allowed requests per
second, allowed = (1 − 0.2 headroom) × quota ÷ window. The ledger write: the same orders counted by
``SqliteMirrorStore.apply_orders`` a page a transaction, on a copy of the database made before the
read, vs raw ``executemany`` of the rows it wrote (order lines and ledger entries) into another copy.
"""

from __future__ import annotations

import math
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.report import Row

ORDERS = 10_000
QUICK_ORDERS = 1_000
PAGE = 250
QUOTA = 150
WINDOW_S = 30.0
HEADROOM = 0.2
NAME = "Orders read with their lines, quota 150/30 s"
LEDGER_NAME = "Ledger write of the orders' lines"


def _copy(source: Path, target: Path) -> Path:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


def _world(store: Any, home: str, seed: int, orders: int) -> tuple[Any, list[int]]:
    from backorder_desktop.adapters.secrets import MemorySecretStore
    from backorder_desktop.app import open_profile
    from backorder_desktop.demo.shopper import Shopper
    from backorder_desktop.domain.models import StoreInfo
    from backorder_desktop.domain.runs import RunKind

    context = open_profile(home, env_token=store.token, secret_store=MemorySecretStore())
    context.parts.mirror.set_store(StoreInfo(store.store_hash, "Bench", "Demo"), store.api_url)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    ids = [p.id for p in context.parts.catalog.products() if p.inventory_tracking.value != "none"][:50]
    context.assign([str(i) for i in ids])
    for pid in ids:  # the app method: the store no longer tracks their stock
        store.catalog.update_product(pid, inventory_tracking="none")
    now = [time.time() + 3600]
    store.orders.clock = lambda: now[0]
    shopper = Shopper(store.orders, seed=seed, product_ids=ids)
    while len(store.orders) < orders:
        shopper.step()
        now[0] += 1
    return context, ids


def measure_orders(*, seed: int, latency_ms: int, orders: int = ORDERS) -> list[Row]:
    from backorder_desktop.adapters.storage import open_mirror
    from backorder_desktop.demo.server import DemoConfig
    from backorder_desktop.demo.server import DemoStore
    from backorder_desktop.domain.orders import RestoreOn

    config = DemoConfig(products=400, seed=seed, latency_ms=latency_ms)
    with DemoStore(config) as store, tempfile.TemporaryDirectory(prefix="bench-orders-") as home:
        context, _ids = _world(store, home, seed, orders)
        database = Path(context.info.database_path)
        before = _copy(database, Path(home) / "before.sqlite3")
        try:
            since = context.parts.orders.start()  # type: ignore[union-attr]
            store.rate.configure(quota=QUOTA, window_s=WINDOW_S)  # a fresh window
            store.requests.clear()
            started = time.perf_counter()
            count = context.pull_orders()
            elapsed = time.perf_counter() - started
            requests = len(store.requests)
            rejected = store.requests.count(status=429)
            store.rate.configure(quota=100_000, window_s=WINDOW_S)
            client = context.parts.connection.client()  # type: ignore[union-attr]
            pages = _pages(client, since)
        finally:
            context.close()
        ledger = _ledger(before, Path(home), pages, RestoreOn.BOTH, open_mirror)
    pages_needed = math.ceil(orders / PAGE)
    allowed = (1 - HEADROOM) * QUOTA / WINDOW_S
    bound = pages_needed / allowed
    read = Row(
        "8",
        NAME,
        None,
        f"{elapsed:.1f} s, {requests} requests, {rejected} × 429, {count.lines:,} lines counted",
        f"{pages_needed} pages ÷ {allowed:g}/s = {bound:.1f} s",
        elapsed / bound,
        1.15,
        note=f"{orders:,} orders of 50 BackOrder products, {PAGE} with their lines a request",
        data={"elapsed_s": elapsed, "requests": requests, "rejected_429": rejected, "orders": orders},
    )
    return [read, ledger]


def _pages(client: Any, since: Any) -> list[Any]:
    """Every order again, as the read's pages (no quota now: the write is what is timed next)."""
    pages, page = [], 1
    while True:
        result = client.get_orders_page(since, page=page, limit=PAGE)
        if result.orders:
            pages.append(result.orders)
        if result.size < PAGE:
            return pages
        page += 1


def _ledger(before: Path, home: Path, pages: list[Any], restore_on: Any, open_mirror: Any) -> Row:
    from datetime import UTC
    from datetime import datetime

    ours_db = _copy(before, home / "ours.sqlite3")
    mirror = open_mirror(ours_db)
    try:
        started = time.perf_counter()
        for orders in pages:
            mirror.apply_orders(orders, restore_on=restore_on, at=datetime.now(UTC), cursor=("bench", "x"))
        ours = time.perf_counter() - started
    finally:
        mirror.close()
    with closing(sqlite3.connect(ours_db)) as conn:
        lines = conn.execute("SELECT * FROM order_lines").fetchall()
        entries = conn.execute("SELECT * FROM stock_adjustments WHERE source = 'order'").fetchall()
    raw_db = _copy(before, home / "raw.sqlite3")
    with closing(sqlite3.connect(raw_db)) as conn:
        conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA synchronous = normal")
        per_page = max(1, math.ceil(len(lines) / max(1, len(pages))))
        per_page_entries = max(1, math.ceil(len(entries) / max(1, len(pages))))
        started = time.perf_counter()
        for index in range(len(pages)):
            with conn:
                conn.executemany(
                    "INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    lines[index * per_page : (index + 1) * per_page],
                )
                conn.executemany(
                    "INSERT INTO stock_adjustments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    entries[index * per_page_entries : (index + 1) * per_page_entries],
                )
        raw = time.perf_counter() - started
    return Row(
        "8",
        LEDGER_NAME,
        None,
        f"{ours * 1000:.0f} ms for {len(lines):,} lines, {len(entries):,} ledger entries",
        f"raw executemany {raw * 1000:.0f} ms",
        ours / raw if raw else None,
        1.3,
        note=f"{len(pages)} transactions (a page of {PAGE} orders each), same rows",
        data={"ours_s": ours, "raw_s": raw, "lines": len(lines), "entries": len(entries)},
    )
