"""The suite behind ``python -m bench``: runs every row, prints the one table, writes it as JSON and markdown.

    python -m bench                  # 10,000 and 50,000 products (make bench)
    python -m bench --full           # and 100,000 (make bench-full)
    python -m bench --sizes 20000    # sizes of your choice
    python -m bench --quick          # ~2,000 products, scaled quotas: a smoke run for CI
    python -m bench --rows 1,3       # only some rows

Results go to ``bench/results/latest.json`` and ``latest.md`` (``--results-dir`` elsewhere,
``--no-save`` nowhere).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import bundle
from bench import dashboard
from bench import orders
from bench import pg_pull
from bench import pulls
from bench import push
from bench import side_copy
from bench import startup
from bench import stock_chart
from bench import team
from bench import window
from bench import writes
from bench.report import FAILED
from bench.report import RESULTS
from bench.report import Row
from bench.report import failed
from bench.report import load_average
from bench.report import new_meta
from bench.report import render_text
from bench.report import write_results

DEFAULT_SIZES = (10_000, 50_000)
FULL_SIZE = 100_000
QUICK_SIZE = 2_000
ALL_ROWS = frozenset({*"123456789", "10", "11", "12", "13", "14", "15"})
# Row 12 builds the app with PyInstaller (a minute on 2 cores, a packaging-time tool): not in --quick.
QUICK_ROWS = ALL_ROWS - {"12"}


@dataclass(frozen=True)
class Plan:
    """What one run measures, and with which settings."""

    sizes: tuple[int, ...]
    rows: frozenset[str]
    latency_ms: int
    repeat: int
    seed: int
    quotas: tuple[pulls.Quota, ...]
    window_products: int
    mode: str
    pull_repeat: int = 2

    @property
    def largest(self) -> int:
        return max(self.sizes)


def plan_from(args: argparse.Namespace) -> Plan:
    if args.quick:
        sizes: tuple[int, ...] = (QUICK_SIZE,)
        quotas = (pulls.Quota(20, 0.5, 10, 2), pulls.Quota(60, 0.5, 10, 2))
        latency, repeat, window_products, mode = 20, 1, QUICK_SIZE, "quick"
    else:
        sizes = DEFAULT_SIZES + ((FULL_SIZE,) if args.full else ())
        quotas = (pulls.Quota(150, 30.0, 25, 3), pulls.Quota(450, 30.0, 25, 3))
        latency, repeat, window_products, mode = (
            150,
            5,  # a 10,000-product write takes 0.3 s: best of 3 still moved the ratio by ±0.08
            window.WINDOW_PRODUCTS,
            "full" if args.full else "default",
        )
    if args.sizes:
        sizes = tuple(int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(","))
        mode += " (sizes chosen)"
    if args.quick and args.sizes:
        window_products = max(sizes)
    return Plan(
        sizes=tuple(sorted(set(sizes))),
        rows=frozenset(args.rows.split(",")) if args.rows else (QUICK_ROWS if args.quick else ALL_ROWS),
        latency_ms=args.latency_ms if args.latency_ms is not None else latency,
        repeat=args.repeat if args.repeat is not None else repeat,
        seed=args.seed,
        quotas=quotas,
        window_products=args.window_products or window_products,
        mode=mode,
        pull_repeat=1 if args.quick else 2,
    )


def _guarded(key: str, name: str, products: int | None, measure: Callable[[], list[Row]]) -> list[Row]:
    """The rows ``measure`` returns, or one failed row (the rest of the table still runs)."""
    try:
        return measure()
    except Exception as exc:
        print(f"  row {key} ({name}) failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return [failed(key, name, f"{type(exc).__name__}: {exc}".splitlines()[0], products)]


def run(plan: Plan, progress: Callable[[str], None] = print) -> list[Row]:
    """Every row of ``plan``, in table order."""
    rows: list[Row] = []
    if "1" in plan.rows:
        for size in plan.sizes:
            progress(f"row 1: writes, {size:,} products (best of {plan.repeat})")
            rows += _guarded(
                "1", "Writes", size, lambda size=size: writes.rows_for(size, plan.repeat, plan.seed)
            )
    pull_rows: list[Row] = []
    memory_rows: list[Row] = []
    incremental_rows: list[Row] = []
    if plan.rows & {"2", "4", "5"}:
        for size in plan.sizes:
            progress(f"rows 2, 4{', 5' if size == plan.largest else ''}: pulls, {size:,} products")

            def measure(size: int = size) -> list[Row]:
                result = pulls.measure_size(
                    size,
                    seed=plan.seed,
                    latency_ms=plan.latency_ms,
                    naive="2" in plan.rows,
                    incremental="5" in plan.rows and size == plan.largest,
                    repeat=plan.pull_repeat,
                    progress=progress,
                )
                memory_rows.append(result.memory)
                if result.incremental is not None:
                    incremental_rows.append(result.incremental)
                return result.rows

            pull_rows += _guarded("2", "Full pull", size, measure)
    quota_rows: list[Row] = []
    if "3" in plan.rows:
        for quota in plan.quotas:
            progress(f"row 3: full pull under a quota of {quota.quota} per {quota.window_s:g} s")
            quota_rows += _guarded(
                "3",
                f"Full pull, quota {quota.quota}/{quota.window_s:g} s",
                quota.products,
                lambda quota=quota: [  # type: ignore[misc]
                    pulls.measure_quota(quota, seed=plan.seed, latency_ms=plan.latency_ms, progress=progress)
                ],
            )
    if "2" in plan.rows:
        rows += pull_rows
    rows += quota_rows
    if "4" in plan.rows:
        rows += memory_rows
    if "5" in plan.rows:
        rows += incremental_rows
    if "6" in plan.rows:
        rows += _guarded(
            "6",
            push.NAME,
            None,
            lambda: [
                push.push_row(seed=plan.seed, latency_ms=plan.latency_ms, quick=plan.mode.startswith("quick"))
            ],
        )
    if "7" in plan.rows:
        progress(f"row 7: the window with {plan.window_products:,} products")
        rows += _guarded(
            "7",
            "Window",
            plan.window_products,
            lambda: window.rows_for(
                plan.window_products,
                seed=plan.seed,
                latency_ms=plan.latency_ms,
                idle_probe_s=1.0 if plan.mode.startswith("quick") else window.IDLE_PROBE_S,
                runs=window.QUICK_RUNS if plan.mode.startswith("quick") else window.RUNS,
                progress=progress,
            ),
        )
    if "8" in plan.rows:
        progress("row 8: orders read under a quota, and the ledger write of their lines")
        count = orders.QUICK_ORDERS if plan.mode.startswith("quick") else orders.ORDERS
        rows += _guarded(
            "8",
            orders.NAME,
            None,
            lambda: orders.measure_orders(seed=plan.seed, latency_ms=plan.latency_ms, orders=count),
        )
    if "9" in plan.rows:
        quick = plan.mode.startswith("quick")
        entries = stock_chart.QUICK_ENTRIES if quick else stock_chart.ENTRIES
        products = stock_chart.QUICK_PRODUCTS if quick else stock_chart.PRODUCTS
        progress(f"row 9: a product's stock chart over a ledger of {entries:,} entries")
        rows += _guarded(
            "9",
            stock_chart.NAME,
            products,
            lambda: [stock_chart.measure_row(entries=entries, products=products, repeat=1 if quick else 3)],
        )
    if "10" in plan.rows:
        quick = plan.mode.startswith("quick")
        entries = dashboard.QUICK_ENTRIES if quick else dashboard.ENTRIES
        products = dashboard.QUICK_PRODUCTS if quick else dashboard.PRODUCTS
        progress(f"row 10: the dashboard with {products:,} products and a ledger of {entries:,} entries")
        rows += _guarded(
            "10", dashboard.NAME, products, lambda: dashboard.measure_row(entries=entries, products=products)
        )
    if "11" in plan.rows:
        quick = plan.mode.startswith("quick")
        repeat = startup.QUICK_REPEAT if quick else startup.REPEAT
        cold = startup.QUICK_COLD_REPEAT if quick else startup.COLD_REPEAT
        progress(f"row 11: the command line's start-up ({plan.largest:,} products)")
        rows += _guarded(
            "11",
            startup.NAME,
            plan.largest,
            lambda: startup.rows_for(
                plan.largest, seed=plan.seed, repeat=repeat, cold_repeat=cold, progress=progress
            ),
        )
    if "12" in plan.rows:
        progress("row 12: the frozen bundle's start-up beside the source run's")
        rows += _guarded(
            "12", bundle.NAME, bundle.PRODUCTS, lambda: bundle.measure_rows(seed=plan.seed, progress=progress)
        )
    if "13" in plan.rows:
        quick = plan.mode.startswith("quick")
        rounds, edits = (2, 20) if quick else (team.ROUNDS, team.EDITS)
        progress(
            f"row 13: team mode, leader failover ({rounds} kills) and edit-to-visible latency ({edits} edits)"
        )
        rows += _guarded("13", team.FAILOVER_NAME, None, lambda: team.measure_rows(rounds, edits))
    if "14" in plan.rows:
        progress(f"row 14: full pull of {plan.largest:,} products into PostgreSQL next to SQLite")
        rows += _guarded(
            "14",
            "Full pull into a team PostgreSQL database",
            plan.largest,
            lambda: [
                pg_pull.measure_row(
                    plan.largest, repeat=1 if plan.mode.startswith("quick") else 2, seed=plan.seed
                )
            ],
        )
    if "15" in plan.rows:
        quick = plan.mode.startswith("quick")
        entries = side_copy.QUICK_ENTRIES if quick else side_copy.ENTRIES
        products = side_copy.QUICK_PRODUCTS if quick else side_copy.PRODUCTS
        progress(f"row 15: a refresh of the side copy of the user data, ledger of {entries:,} entries")
        rows += _guarded(
            "15",
            side_copy.NAME,
            products,
            lambda: [side_copy.measure_row(entries=entries, products=products)],
        )
    return rows


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    p.add_argument("--full", action="store_true", help="add 100,000 products to the default sizes")
    p.add_argument("--quick", action="store_true", help="a smoke run: ~2,000 products, scaled quotas")
    p.add_argument("--sizes", help="catalog sizes, comma-separated (e.g. 10000,50000)")
    p.add_argument("--rows", help="only these rows, comma-separated (1-15)")
    p.add_argument("--repeat", type=int, help="best of N for the write row (default 5; quick 1)")
    p.add_argument("--latency-ms", type=int, help="the demo store's delay per request (default 150)")
    p.add_argument("--window-products", type=int, help="products in the window row (default 100,000)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--results-dir", type=Path, default=RESULTS)
    p.add_argument("--no-save", action="store_true", help="print the table only")
    return p


def main(argv: Sequence[str] | None = None, progress: Callable[[str], None] | None = None) -> int:
    args = parser().parse_args(argv)
    plan = plan_from(args)
    say = progress or (lambda text: print(text, flush=True))
    command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    meta = new_meta(command.strip(), plan.mode)
    started = time.perf_counter()
    rows = run(plan, say)
    meta["seconds"] = time.perf_counter() - started
    meta["machine"]["load_at_end"] = load_average()
    meta["sizes"] = list(plan.sizes)
    print()
    print(render_text(rows, meta))
    if not args.no_save:
        json_path, md_path = write_results(rows, meta, args.results_dir)
        print(f"written: {json_path}, {md_path}")
    missed = [f"{r.key} {r.name} ({r.products or '—'})" for r in rows if r.met is False]
    if missed:
        print("targets missed: " + "; ".join(missed))
    return 1 if any(r.status == FAILED for r in rows) else 0
