"""Row 1: the mirror's write path against raw ``sqlite3.executemany`` of the same rows (DESIGN §8).

Generates N products with 1–10 variants each, and writes them in pages of 250:

- **mirror**: ``SqliteMirrorStore.apply_products`` (one transaction per page, from domain objects:
  encoding, content hash, the stored-hash lookup and the upserts are all inside the timing);
- **raw**: the same row tuples the mirror writes, built before the clock starts, written with
  ``executemany`` of a hand-written upsert into the same schema, same pragmas, one ``BEGIN
  IMMEDIATE`` transaction per page — the bound the mirror is measured against (a mirror writer
  must upsert: it cannot know a row is new without looking). For the fresh file, plain INSERTs
  of the same rows are shown too, for reference.

Three passes over one file each: a first pass into a fresh file, a second pass with nothing
changed, and a third with 10 % of the products changed. Each figure is the best of ``repeat``;
CPU time is kept too, as it is steadier than wall-clock time on a busy machine.

    python -m bench.writes [--products N] [--repeat R] [--seed S] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from functools import partial
from pathlib import Path

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage.codec import PRODUCT_COLUMNS
from backorder_desktop.adapters.storage.codec import VARIANT_COLUMNS
from backorder_desktop.adapters.storage.codec import encode_product
from backorder_desktop.adapters.storage.db import PRAGMAS
from backorder_desktop.domain.models import Product
from bench.catalog import PAGE
from bench.catalog import change_some
from bench.catalog import generate
from bench.catalog import pages
from bench.catalog import row_count
from bench.report import Row

TARGET = 1.3
Timing = tuple[float, float]  # wall-clock, CPU seconds
Batch = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


def _upsert(table: str, columns: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    marks = ", ".join("?" for _ in columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "  # noqa: S608 - fixed names
        f"ON CONFLICT (id) DO UPDATE SET {updates}"
    )


# For reference only, on the fresh file: plain INSERTs, the cheapest way to fill an empty table.
def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


RAW_UPSERTS = (_upsert("products", PRODUCT_COLUMNS), _upsert("variants", VARIANT_COLUMNS))
RAW_INSERTS = (_insert("products", PRODUCT_COLUMNS), _insert("variants", VARIANT_COLUMNS))


def raw_rows(products: Sequence[Product], pass_id: int) -> list[Batch]:
    """Per page: the product rows and variant rows, exactly as the mirror stores them."""
    out = []
    for page in pages(products):
        product_rows: list[tuple[object, ...]] = []
        variant_rows: list[tuple[object, ...]] = []
        for product in page:
            row, variants, _ = encode_product(product, pass_id)
            product_rows.append(row)
            variant_rows.extend(variants)
        out.append((product_rows, variant_rows))
    return out


def raw_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    for name, value in PRAGMAS:
        conn.execute(f"PRAGMA {name} = {value}")
    return conn


def write_raw(
    conn: sqlite3.Connection, batches: list[Batch], statements: tuple[str, str] = RAW_UPSERTS
) -> None:
    for product_rows, variant_rows in batches:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(statements[0], product_rows)
        conn.executemany(statements[1], variant_rows)
        conn.execute("COMMIT")


def write_mirror(store: SqliteMirrorStore, products: Sequence[Product], pass_id: int) -> tuple[int, int]:
    created = changed = 0
    for page in pages(products):
        result = store.apply_products(page, pass_id=pass_id, keep_backorder_stock=True)
        created += result.created
        changed += result.changed
    return created, changed


def timed(fn: Callable[[], object]) -> Timing:
    """Wall-clock and CPU seconds of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _best(old: Timing, new: Timing) -> Timing:
    return min(old[0], new[0]), min(old[1], new[1])


INF: Timing = (float("inf"), float("inf"))


@dataclass
class PassResult:
    name: str
    mirror: Timing
    raw: Timing
    rows: int


def run(count: int, repeat: int, seed: int, profile: bool = False) -> tuple[list[PassResult], Timing]:
    """Best-of-``repeat`` timings of the three passes, and of the raw-INSERT reference."""
    catalog = generate(count, seed)
    changed = change_some(catalog, 0.10, seed + 1)
    passes = [("fresh file", catalog, 1), ("unchanged re-pull", catalog, 2), ("10 % changed", changed, 3)]
    rows = row_count(catalog)
    best_mirror = [INF] * 3
    best_raw = [INF] * 3
    best_insert = INF
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
        for attempt in range(repeat):
            mirror_path = Path(tmp) / f"mirror-{attempt}.sqlite3"
            raw_path = Path(tmp) / f"raw-{attempt}.sqlite3"
            insert_path = Path(tmp) / f"insert-{attempt}.sqlite3"
            for path in (raw_path, insert_path):
                SqliteMirrorStore(path).close()  # the same schema, made by the same migrations
            with closing(raw_connect(insert_path)) as plain:
                best_insert = _best(
                    best_insert, timed(partial(write_raw, plain, raw_rows(catalog, 1), RAW_INSERTS))
                )
            store = SqliteMirrorStore(mirror_path)
            conn = raw_connect(raw_path)
            try:
                for index, (_, products, pass_id) in enumerate(passes):
                    if index == 1:  # 2 % BackOrder products, so the kept-stock statements run too
                        store.assign(range(1, count + 1, 50), by="bench", at=datetime.now(UTC))
                    batches = raw_rows(products, pass_id)
                    if profiler is not None:
                        profiler.enable()
                    seconds = timed(partial(write_mirror, store, products, pass_id))
                    if profiler is not None:
                        profiler.disable()
                    best_mirror[index] = _best(best_mirror[index], seconds)
                    best_raw[index] = _best(best_raw[index], timed(partial(write_raw, conn, batches)))
            finally:
                conn.close()
                store.close()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    results = [PassResult(name, best_mirror[i], best_raw[i], rows) for i, (name, _, _) in enumerate(passes)]
    return results, best_insert


def rows_for(count: int, repeat: int, seed: int) -> list[Row]:
    """The table's row-1 lines for one catalog size (one per pass)."""
    results, insert = run(count, repeat, seed)
    out = []
    for result in results:
        (mirror_s, mirror_cpu), (raw_s, raw_cpu) = result.mirror, result.raw
        data = {
            "rows": result.rows,
            "mirror_s": mirror_s,
            "mirror_cpu_s": mirror_cpu,
            "raw_s": raw_s,
            "raw_cpu_s": raw_cpu,
            "cpu_ratio": mirror_cpu / raw_cpu,
            "repeat": repeat,
        }
        if result.name == "fresh file":
            data.update(raw_insert_s=insert[0], raw_insert_cpu_s=insert[1])
        out.append(
            Row(
                key="1",
                name=f"Writes, {result.name}",
                products=count,
                ours=f"{mirror_s:.2f} s, {result.rows / mirror_s:,.0f} rows/s",
                bound=f"{raw_s:.2f} s, {result.rows / raw_s:,.0f} rows/s",
                ratio=mirror_s / raw_s,
                target=TARGET,
                note=(
                    "Writes: mirror apply_products (pages of 250, one transaction each, from domain "
                    "objects) vs raw sqlite3.executemany upserts of the same row tuples into the same "
                    f"schema and pragmas (rows built before the clock); best of {repeat}, wall clock; "
                    "rows = products + variants."
                ),
                data=data,
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the mirror's writes")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)
    results, (insert_s, insert_cpu) = run(args.products, repeat, args.seed, args.profile)
    print(f"{args.products:,} products, pages of {PAGE}, best of {repeat}")
    header = ("pass", "writer", "rows", "seconds", "rows/s", "ratio", "cpu s", "cpu ratio")
    print("{:<26}{:<8}{:>10}{:>9}{:>11}{:>7}{:>8}{:>10}".format(*header))
    worst = 0.0
    for result in results:
        (mirror_s, mirror_cpu), (raw_s, raw_cpu), rows = result.mirror, result.raw, result.rows
        ratio = mirror_s / raw_s
        worst = max(worst, ratio)
        print(
            f"{result.name:<26}{'mirror':<8}{rows:>10,}{mirror_s:>9.3f}{rows / mirror_s:>11,.0f}{ratio:>7.2f}"
            f"{mirror_cpu:>8.3f}{mirror_cpu / raw_cpu:>10.2f}"
        )
        print(f"{'':<26}{'raw':<8}{rows:>10,}{raw_s:>9.3f}{rows / raw_s:>11,.0f}{'':>7}{raw_cpu:>8.3f}")
        if result.name == "fresh file":
            print(
                f"{'  (reference: raw INSERT)':<26}{'raw':<8}{rows:>10,}{insert_s:>9.3f}"
                f"{rows / insert_s:>11,.0f}{mirror_s / insert_s:>7.2f}{insert_cpu:>8.3f}"
                f"{mirror_cpu / insert_cpu:>10.2f}"
            )
    print(f"worst wall-clock ratio mirror/raw: {worst:.2f} (target ≤ {TARGET})")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
