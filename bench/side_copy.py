"""Row 15: a refresh of the side copy of the user data (``userdata.sqlite3``) with a ledger of
1,000,000 entries, after a second of editing (ten entries, their items' levels).

The fixture is row 9's migrated profile database (``stock_chart.build``: products, their stock items
and the ledger written by SQL). Before: a refresh copied every user table whole (``whole=True`` does
that still); after: the ledger and the runs' issues are copied by their new rows, the rest whole.
Each figure is the median of ``repeat`` refreshes, each after ten new ledger entries. The bound is
50 ms: the copy runs at most once a second while writes go on, so a refresh should take a small
part of that second, whatever the length of the ledger.

    python -m bench.side_copy [--entries N] [--products P] [--repeat R]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench import stock_chart
from bench.report import Row

NAME = "Side copy of the user data"
BOUND_MS = 50.0
ENTRIES = 1_000_000
PRODUCTS = 5_000
QUICK_ENTRIES = 20_000
QUICK_PRODUCTS = 500
REPEAT = 10
WHOLE_REPEAT = 3
EDITS = 10  # ledger entries between two refreshes: a busy second of editing
LEDGER = "stock_adjustments"

_EDIT_SQL = (
    "INSERT INTO stock_adjustments (product_id, variant_id, kind, quantity, level_before, level_after, "
    "source, actor, reason, at) VALUES (?, 0, 'add', 1, 0, 1, 'person', 'bench', 'edit', "
    "strftime('%Y-%m-%dT%H:%M:%S', 'now') || '+00:00')"
)


def _edit(path: Path, round_: int, products: int) -> None:
    """Ten ledger entries and their items' levels, in one transaction, as the app's edits write them."""
    with closing(sqlite3.connect(path)) as conn, conn:
        for n in range(EDITS):
            product = 1 + (round_ * EDITS + n) % products
            conn.execute(_EDIT_SQL, (product,))
            conn.execute("UPDATE stock_items SET level = level + 1 WHERE product_id = ?", (product,))


def _refreshes(path: Path, side: Path, *, whole: bool, repeat: int, products: int) -> list[float]:
    from backorder_desktop.adapters.storage.salvage import copy_user_tables

    times: list[float] = []
    for round_ in range(repeat):
        _edit(path, round_, products)
        started = time.perf_counter()
        report = copy_user_tables(path, side, whole=whole)
        times.append(time.perf_counter() - started)
        appended = report.written[LEDGER]
        if not whole and (LEDGER in report.whole or appended != EDITS):
            raise AssertionError(f"the ledger was not copied by its new rows: {report}")
    return times


def measure(*, entries: int, products: int, repeat: int, whole_repeat: int) -> dict[str, Any]:
    from backorder_desktop.adapters.storage.salvage import copy_user_tables
    from backorder_desktop.adapters.storage.salvage import side_path

    with tempfile.TemporaryDirectory(prefix="bench-side-copy-") as folder:
        path = Path(folder) / "backorder.db"
        started = time.perf_counter()
        stock_chart.build(path, entries=entries, products=products)
        built = time.perf_counter() - started
        side = side_path(path)
        started = time.perf_counter()
        copy_user_tables(path, side)  # the first copy: whole, either way
        first = time.perf_counter() - started
        before = _refreshes(path, side, whole=True, repeat=whole_repeat, products=products)
        after = _refreshes(path, side, whole=False, repeat=repeat, products=products)
        size = side.stat().st_size
    return {
        "entries": entries,
        "products": products,
        "build_s": built,
        "first_copy_ms": first * 1000,
        "before_ms": [t * 1000 for t in before],
        "after_ms": [t * 1000 for t in after],
        "before_median_ms": statistics.median(before) * 1000,
        "after_median_ms": statistics.median(after) * 1000,
        "after_max_ms": max(after) * 1000,
        "side_copy_bytes": size,
    }


def measure_row(
    *, entries: int, products: int, repeat: int = REPEAT, whole_repeat: int = WHOLE_REPEAT
) -> Row:
    data = measure(entries=entries, products=products, repeat=repeat, whole_repeat=whole_repeat)
    after, before = data["after_median_ms"], data["before_median_ms"]
    return Row(
        "15",
        NAME,
        products,
        f"{after:.1f} ms a refresh (was {before:,.0f} ms copying every table whole, "
        f"{before / after:,.0f}× more)",
        f"{BOUND_MS:.0f} ms",
        after / BOUND_MS,
        1.0,
        note=(
            f"ledger of {entries:,} entries, {products:,} stock items; {EDITS} new entries before each "
            f"refresh; median of {repeat} (whole: of {whole_repeat})"
        ),
        data=data,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.side_copy", description=(__doc__ or "").splitlines()[0])
    p.add_argument("--entries", type=int, default=ENTRIES)
    p.add_argument("--products", type=int, default=PRODUCTS)
    p.add_argument("--repeat", type=int, default=REPEAT)
    p.add_argument("--whole-repeat", type=int, default=WHOLE_REPEAT)
    args = p.parse_args(argv)
    row = measure_row(
        entries=args.entries, products=args.products, repeat=args.repeat, whole_repeat=args.whole_repeat
    )
    print(f"{row.name}: {row.ours} (bound {row.bound}, ratio {row.ratio:.2f}); {row.note}")
    print(f"first copy {row.data['first_copy_ms']:,.0f} ms; built in {row.data['build_s']:.1f} s")
    return 0 if row.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
