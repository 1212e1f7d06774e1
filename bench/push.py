"""Row 6: a push of 5,000 stock changes under the store's quota (150 per 30 s) vs the quota bound.

A demo store (in this process: the push is bound by the quota, not by CPU) with a full mirror;
BackOrder assigned to variant-tracked products until 5,000 variant levels are stock items; one
change queued on each; then a fresh quota window and ``context.parts.stock.push()`` timed. The bound is
the requests the push made (the reads of current levels, then one write per 50 variants) ÷ the
allowed requests per second, allowed = (1 − 0.2 headroom) × quota ÷ window.
"""

from __future__ import annotations

import tempfile
import time

from bench.report import Row
from bench.report import skipped

PUSH_CHANGES = 5_000
NAME = f"Push of {PUSH_CHANGES:,} stock changes, quota 150/30 s"
REASON = "Push: not available in this build."
QUOTA = 150
WINDOW_S = 30.0
HEADROOM = 0.2


def push_available() -> bool:
    return True


def measure_push(*, seed: int, latency_ms: int, changes: int = PUSH_CHANGES) -> Row:
    """Time a push of ``changes`` stock changes under the quota (see the module docstring)."""
    from backorder_desktop.adapters.secrets import MemorySecretStore
    from backorder_desktop.app import open_profile
    from backorder_desktop.demo.server import DemoConfig
    from backorder_desktop.demo.server import DemoStore
    from backorder_desktop.domain.models import StoreInfo
    from backorder_desktop.domain.runs import RunKind
    from backorder_desktop.domain.stock import AdjustmentKind
    from backorder_desktop.domain.stock import AdjustmentSource

    products = max(200, changes * 3 // 4)  # about 1.4 variant-level items per product here
    with DemoStore(DemoConfig(products=products, seed=seed, latency_ms=latency_ms)) as store:
        with tempfile.TemporaryDirectory(prefix="bench-push-") as home:
            context = open_profile(home, env_token=store.token, secret_store=MemorySecretStore())
            try:
                info = StoreInfo(store_hash=store.store_hash, name="Bench", plan_name="Demo")
                context.parts.mirror.set_store(info, store.api_url)
                # The row times stock writes to levels the store keeps counting: the native method
                # (with the app method, the default, assigning turns tracking off instead).
                context.save_settings({"backorder-method": "native"})
                context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
                tracked = [
                    p.id for p in context.parts.catalog.products() if p.inventory_tracking.value == "variant"
                ]
                context.parts.catalog.assign([str(i) for i in tracked], by="bench")
                items = [i for i in context.parts.mirror.stock_items() if i.key.variant_id is not None]
                items = items[:changes]
                for item in items:  # queued offline, as a merchant would
                    context.parts.mirror.adjust_stock(
                        item.key,
                        AdjustmentKind.ADD,
                        1,
                        source=AdjustmentSource.PERSON,
                        actor="bench",
                        at=_now(),
                    )
                store.rate.configure(quota=QUOTA, window_s=WINDOW_S)  # a fresh window
                store.requests.clear()
                started = time.perf_counter()
                report = context.parts.stock.push()
                elapsed = time.perf_counter() - started
            finally:
                context.close()
        requests = len(store.requests)
        rejected = store.requests.count(status=429)
    allowed = (1 - HEADROOM) * QUOTA / WINDOW_S
    bound = requests / allowed
    return Row(
        "6",
        NAME,
        None,
        f"{elapsed:.1f} s, {requests} requests, {rejected} × 429, {report.written:,} written",
        f"{requests} ÷ {allowed:g}/s = {bound:.1f} s",
        elapsed / bound if bound else None,
        1.15,
        note=f"{len(items):,} variant levels queued; reads of current levels then writes of 50",
        data={
            "elapsed_s": elapsed,
            "requests": requests,
            "rejected_429": rejected,
            "written": report.written,
        },
    )


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC
    from datetime import datetime

    return datetime.now(UTC)


def push_row(*, seed: int, latency_ms: int, quick: bool = False) -> Row:
    """The row; ``quick`` (CI smoke) pushes 300 changes, which fit in one quota window."""
    if not push_available():
        return skipped("6", NAME, REASON)
    return measure_push(seed=seed, latency_ms=latency_ms, changes=300 if quick else PUSH_CHANGES)
