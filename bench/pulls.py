"""Rows 2–5: full pulls against the demo store (vs a naive client and the server), under a quota,
their peak memory, and an incremental pull.

The demo store runs in its own process (``bench/store_process.py``) and every measured client in
another (``bench/worker.py``), so that on the 2-core machine the store and the client each have a
core and each client's memory is its own.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.report import Row
from bench.store_process import StoreProcess
from bench.worker import run_worker

ENGINE_PAGE = 250  # the engine's page size (services/page_fetch.PAGE_LIMIT)
ENGINE_CONCURRENCY = 4  # the engine's fetch threads (SyncEngine(concurrency=4))
HEADROOM = 0.2  # the client's default share of the quota kept for other apps
MEMORY_TARGET_MB = 300.0
INCREMENTAL_CHANGES = 100


@dataclass(frozen=True)
class Quota:
    """One quota run of row 3: ``quota`` requests per ``window_s``, pages of ``page_limit``,
    a catalog sized so the pull needs ``windows`` full windows of allowed requests, plus one."""

    quota: int
    window_s: float
    page_limit: int
    windows: int

    @property
    def allowed_per_window(self) -> int:
        """What the client may use of a window: the quota less its reserve for other apps."""
        return self.quota - math.ceil(self.quota * HEADROOM)

    @property
    def allowed_per_s(self) -> float:
        return self.allowed_per_window / self.window_s

    @property
    def products(self) -> int:
        # pages = windows × allowed; with the store-clock request that is windows × allowed + 1.
        return self.windows * self.allowed_per_window * self.page_limit


def _mb(kb: float) -> float:
    return kb / 1024


def _pages(products: int, limit: int = ENGINE_PAGE) -> int:
    return max(1, math.ceil(products / limit))


def _pull_args(store: StoreProcess, home: str, *extra: str) -> list[str]:
    return [
        "pull",
        "--home",
        home,
        "--api-url",
        store.api_url,
        "--store-hash",
        store.store_hash,
        "--token",
        store.token,
        *extra,
    ]


def _check_pull(result: dict[str, Any], expected: int) -> None:
    if result["outcome"] != "ok" or result["mirror_after"] != expected:
        raise RuntimeError(
            f"the pull ended {result['outcome']} with {result['mirror_after']:,} of {expected:,} products"
        )


def _warning_note(*results: dict[str, Any]) -> str:
    messages = [m for r in results for m in r.get("warnings", ())]
    return f" Warnings logged: {'; '.join(messages[:3])}" if messages else ""


@dataclass
class SizeResult:
    """What one catalog size measured: rows 2 and 4, and row 5 when it was asked for."""

    rows: list[Row]
    memory: Row
    incremental: Row | None


def measure_size(
    size: int,
    *,
    seed: int,
    latency_ms: int,
    naive: bool = True,
    incremental: bool = False,
    repeat: int = 1,
    progress: Callable[[str], None] = print,
) -> SizeResult:
    """Rows 2 (vs naive, vs server), 4 (memory) and, with ``incremental``, 5 for one size.

    Ours and the server bound are each the best of ``repeat`` runs, taken in turn (the naive client,
    5× slower, runs once); memory is the highest peak of ours.
    """
    with (
        StoreProcess(products=size, seed=seed, latency_ms=latency_ms) as store,
        tempfile.TemporaryDirectory(prefix="bench-pull-") as root,
    ):
        pages = _pages(size)
        fetch_args = ["fetch", "--base-url", store.base_url, "--token", store.token, "--pages", str(pages)]
        pulls: list[dict[str, Any]] = []
        fetches: list[dict[str, Any]] = []
        home = root
        for attempt in range(max(1, repeat)):
            home = tempfile.mkdtemp(prefix=f"profile-{attempt}-", dir=root)
            progress(
                f"  full pull, {size:,} products ({pages} pages, {latency_ms} ms per request): ours"
                + (f" ({attempt + 1} of {repeat})" if repeat > 1 else "")
            )
            pulls.append(run_worker(_pull_args(store, home)))
            _check_pull(pulls[-1], size)
            threads = [str(ENGINE_CONCURRENCY)] + (["16"] if attempt == 0 else [])
            progress(f"  … the server bound (bare fetch, {' and '.join(threads)} connections)")
            fetches.extend(run_worker([*fetch_args, "--threads", *threads])["runs"])
        naive_result: dict[str, Any] | None = None
        if naive:
            progress("  … the naive client")
            naive_result = run_worker(["naive", "--base-url", store.base_url, "--token", store.token])
            if naive_result["products"] != size:
                raise RuntimeError(f"the naive client pulled {naive_result['products']:,} of {size:,}")
        incremental_row = None
        if incremental:
            progress(f"  incremental pull, {INCREMENTAL_CHANGES} products changed")
            store.command("touch", count=INCREMENTAL_CHANGES, seed=seed)
            incr = run_worker(_pull_args(store, home, "--incremental"))  # the last full pull's profile
            _check_pull(incr, size)
            incremental_row = _incremental_row(size, incr, latency_ms)
        variants = int(store.info["variants"])
    ours = min(pulls, key=lambda r: float(r["seconds"]))
    ours["all_seconds"] = [r["seconds"] for r in pulls]
    ours["highest_peak_rss_kb"] = max(r["peak_rss_kb"] for r in pulls)
    rows = _pull_rows(size, variants, ours, fetches, naive_result, latency_ms)
    return SizeResult(rows=rows, memory=_memory_row(size, ours), incremental=incremental_row)


def _pull_rows(
    size: int,
    variants: int,
    ours: dict[str, Any],
    fetches: list[dict[str, Any]],
    naive: dict[str, Any] | None,
    latency_ms: int,
) -> list[Row]:
    seconds = ours["seconds"]
    ours_text = f"{seconds:.1f} s, {size / seconds:,.0f} products/s"
    best: dict[int, float] = {}
    for run in fetches:
        best[run["threads"]] = min(best.get(run["threads"], math.inf), run["seconds"])
    bound_s = best[ENGINE_CONCURRENCY]
    capacity_s = best.get(16)
    data = {
        "ours": {k: v for k, v in ours.items() if k != "stderr"},
        "server_fetch": fetches,
        "variants": variants,
        "latency_ms": latency_ms,
    }
    rows = []
    if naive is not None:
        rows.append(
            Row(
                key="2",
                name="Full pull vs naive client",
                products=size,
                ours=ours_text,
                bound=f"{naive['seconds']:.1f} s, {size / naive['seconds']:,.0f} products/s",
                ratio=seconds / naive["seconds"],
                note=(
                    "Full pull vs naive: the engine (full sync, pages of 250, 4 concurrent GETs, one "
                    f"transaction per page) vs a naive client, both against a demo store with {latency_ms} "
                    "ms per request in its own process; naive = sequential pages with a plain httpx loop "
                    "and one peewee Model.create per product and per variant (autocommit), given a pooled "
                    "connection and the mirror's WAL/synchronous=NORMAL pragmas (with peewee's defaults "
                    "each save is an fsync: several times slower still, see default_pragmas_s_per_save in "
                    "the JSON). Ratio < 1: ours is faster. Every store process runs on the last core, every "
                    "measured client on the others, as if on separate machines."
                ),
                data={**data, "naive": {k: v for k, v in naive.items() if k != "stderr"}},
            )
        )
    capacity = f" (16 conn.: {capacity_s:.1f} s)" if capacity_s is not None else ""
    rows.append(
        Row(
            key="2",
            name="Full pull vs server bound",
            products=size,
            ours=ours_text,
            bound=f"{bound_s:.1f} s, {size / bound_s:,.0f} products/s{capacity}",
            ratio=seconds / bound_s,
            note=(
                "Server bound: the same pages (same query) fetched by a bare httpx client over "
                f"{ENGINE_CONCURRENCY} connections (the engine's concurrency, the API notes' 2–4), bodies "
                "read and thrown away (no parsing, no writing) = what the store and its latency can serve "
                "at that concurrency; 16 connections shown for the store's own capacity. The engine "
                "also asks the store's clock and page 1 before fetching concurrently (2 sequential round "
                "trips the bound does not have). Ours and the bound: each the best of the runs "
                "(default 2, taken in turn)."
            ),
            data={**data, "server_bound_s": bound_s, "server_capacity_16_s": capacity_s},
        )
    )
    for row in rows:
        row.note += _warning_note(ours, naive or {})
    return rows


def _memory_row(size: int, ours: dict[str, Any]) -> Row:
    peak = _mb(ours.get("highest_peak_rss_kb", ours["peak_rss_kb"]))
    before = _mb(ours["rss_before_kb"])
    return Row(
        key="4",
        name="Peak memory of a full pull",
        products=size,
        ours=f"{peak:.0f} MB peak ({before:.0f} MB before the pull)",
        bound=f"{MEMORY_TARGET_MB:.0f} MB",
        ratio=peak / MEMORY_TARGET_MB,
        target=1.0,
        note=(
            "Memory: VmHWM (highest of the runs) of the child process that ran the full pull of row 2 "
            "(interpreter, imports, "
            "profile and the pull; the store is another process), against the 300 MB target; "
            "'before' = its resident memory just before the sync started."
        ),
        data={"peak_mb": peak, "rss_before_mb": before},
    )


def _incremental_row(size: int, result: dict[str, Any], latency_ms: int) -> Row:
    pages = _pages(result["seen"]) if result["seen"] else 1
    needed = 1 + pages  # the store's clock, then the pages of changed products
    bound_s = needed * latency_ms / 1000
    return Row(
        key="5",
        name=f"Incremental pull, {INCREMENTAL_CHANGES} changed",
        products=size,
        ours=(
            f"{result['seconds']:.2f} s, {result['requests']} requests, "
            f"{result['seen']} seen, {result['changed']} changed"
        ),
        bound=f"{needed} requests × {latency_ms} ms = {bound_s:.2f} s",
        ratio=result["seconds"] / bound_s if bound_s else None,
        note=(
            f"Incremental: {INCREMENTAL_CHANGES} products changed in the store (spread over the catalog) "
            "after the full pull, then an incremental sync of the same profile; bound = the requests it "
            "needs (the store's clock + one page per 250 changed products), one after the other, at the "
            "store's latency."
        )
        + _warning_note(result),
        data={k: v for k, v in result.items() if k != "stderr"},
    )


def measure_quota(
    quota: Quota, *, seed: int, latency_ms: int, progress: Callable[[str], None] = print
) -> Row:
    """Row 3: the engine's full pull under ``quota``, against pages ÷ allowed requests per second."""
    size = quota.products
    pages = _pages(size, quota.page_limit)
    needed = pages + 1  # and the store's clock
    bound_s = needed / quota.allowed_per_s
    progress(
        f"  quota {quota.quota} per {quota.window_s:g} s: {size:,} products in pages of {quota.page_limit} "
        f"({needed} requests, bound {bound_s:.0f} s)"
    )
    with (
        StoreProcess(
            products=size, seed=seed, latency_ms=latency_ms, quota=quota.quota, window_s=quota.window_s
        ) as store,
        tempfile.TemporaryDirectory(prefix="bench-quota-") as home,
    ):
        result = run_worker(
            _pull_args(store, home, "--page-limit", str(quota.page_limit)),
            # A fresh window just as the clock starts: the bound assumes the run starts with one.
            on_ready=lambda: store.command("rate", quota=quota.quota, window_s=quota.window_s),
        )
        served = store.command("requests")["count"]
    _check_pull(result, size)
    seconds = result["seconds"]
    return Row(
        key="3",
        name=f"Full pull, quota {quota.quota}/{quota.window_s:g} s",
        products=size,
        ours=(f"{seconds:.1f} s, {result['requests']} requests, {result['rate_limited_429']} × 429"),
        bound=f"{needed} req ÷ {quota.allowed_per_s:g}/s = {bound_s:.1f} s",
        ratio=seconds / bound_s,
        target=1.15,
        note=(
            "Quota: the real engine with its page size set to "
            f"{quota.page_limit} (not 250) so that the catalog needs {quota.windows} windows of allowed "
            "requests + 1, at real quotas and windows; bound = requests needed (pages + the store's "
            "clock) ÷ allowed requests per second, allowed = (1 − 0.2 headroom) × quota ÷ window; the "
            "store's fixed window starts fresh as the pull starts; "
            f"{latency_ms} ms per request."
        )
        + _warning_note(result),
        data={
            **{k: v for k, v in result.items() if k != "stderr"},
            "quota": quota.quota,
            "window_s": quota.window_s,
            "page_limit": quota.page_limit,
            "requests_needed": needed,
            "allowed_per_s": quota.allowed_per_s,
            "bound_s": bound_s,
            "served_by_store": served,
        },
    )
