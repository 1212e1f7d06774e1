"""Benchmark the mirror's write path against raw ``sqlite3.executemany`` of the same rows (DESIGN §8).

Generates N products (default 20,000) with 1–10 variants each, and writes them in pages of 250:

- **mirror**: ``SqliteMirrorStore.apply_products`` (one transaction per page, from domain objects:
  encoding, content hash, the stored-hash lookup and the upserts are all inside the timing);
- **raw**: the same row tuples the mirror writes, built before the clock starts, written with
  ``executemany`` of a hand-written upsert into the same schema, same pragmas, one ``BEGIN
  IMMEDIATE`` transaction per page — the bound the mirror is measured against (a mirror writer
  must upsert: it cannot know a row is new without looking). For the fresh file, plain INSERTs
  of the same rows are shown too, for reference.

Three passes over one file each: a first pass into a fresh file, a second pass with nothing
changed, and a third with 10 % of the products changed. Each figure is the best of ``--repeat``
(default 5); CPU time is shown too, as it is steadier than wall-clock time on a busy machine.

    python bench/bench_writes.py [--products N] [--repeat R] [--seed S] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import partial
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage.codec import PRODUCT_COLUMNS
from backorder_desktop.adapters.storage.codec import VARIANT_COLUMNS
from backorder_desktop.adapters.storage.codec import encode_product
from backorder_desktop.adapters.storage.db import PRAGMAS
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant

PAGE = 250
WORDS = "Cotton Linen Wool Classic Slim Retro Urban Alpine Coastal Vintage Sport Organic".split()  # noqa: SIM905
ITEMS = "Shirt Hoodie Jacket Scarf Mug Lamp Chair Backpack Bottle Sneaker Watch Blanket".split()  # noqa: SIM905
COLOURS = ["Red", "Blue", "Green", "Black", "White", "Grey", "Navy", "Olive"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]


def generate(count: int, seed: int) -> list[Product]:
    """A catalog like a real store's: most products have options, some only a base variant."""
    rng = random.Random(seed)
    base_time = datetime(2025, 1, 1, tzinfo=UTC)
    products: list[Product] = []
    variant_id = 1_000_000
    for pid in range(1, count + 1):
        n = rng.randint(1, 10)
        tracking = InventoryTracking.VARIANT if n > 1 else rng.choice(list(InventoryTracking))
        sku = f"SKU-{pid:06d}"
        variants = []
        for index in range(n):
            variant_id += 1
            label = "" if n == 1 else f"{COLOURS[index % len(COLOURS)]} / {SIZES[index % len(SIZES)]}"
            variants.append(
                Variant(
                    id=variant_id,
                    product_id=pid,
                    sku=sku if n == 1 else f"{sku}-{index + 1}",
                    inventory_level=rng.randint(0, 500),
                    price=round(rng.uniform(5, 300), 2),
                    option_label=label,
                    purchasing_disabled=rng.random() < 0.05,
                )
            )
        products.append(
            Product(
                id=pid,
                name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(ITEMS)} {pid}",
                sku=sku,
                inventory_tracking=tracking,
                inventory_level=rng.randint(0, 1000),
                price=round(rng.uniform(5, 300), 2),
                is_visible=rng.random() < 0.9,
                availability=rng.choice(["available", "available", "preorder", "disabled"]),
                date_modified=base_time + timedelta(minutes=pid),
                base_variant_id=variants[0].id if n == 1 else None,
                variants=tuple(variants),
            )
        )
    return products


def change_some(products: Sequence[Product], share: float, seed: int) -> list[Product]:
    """A copy where ``share`` of the products have a new price and one variant a new stock level."""
    rng = random.Random(seed)
    out = []
    for product in products:
        if rng.random() < share:
            variants = list(product.variants)
            variants[0] = dataclasses.replace(variants[0], inventory_level=rng.randint(0, 500))
            product = dataclasses.replace(
                product,
                price=product.price + 1,
                date_modified=product.date_modified + timedelta(days=1),
                variants=tuple(variants),
            )
        out.append(product)
    return out


def pages(products: Sequence[Product]) -> list[Sequence[Product]]:
    return [products[i : i + PAGE] for i in range(0, len(products), PAGE)]


def row_count(products: Sequence[Product]) -> int:
    return len(products) + sum(len(p.variants) for p in products)


def _upsert(table: str, columns: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    marks = ", ".join("?" for _ in columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "  # noqa: S608 - fixed names
        f"ON CONFLICT (id) DO UPDATE SET {updates}"
    )


Batch = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]
RAW_PRODUCTS = _upsert("products", PRODUCT_COLUMNS)
RAW_VARIANTS = _upsert("variants", VARIANT_COLUMNS)


# For reference only, on the fresh file: plain INSERTs, the cheapest way to fill an empty table.
def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


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
    conn: sqlite3.Connection, batches: list[Batch], statements: tuple[str, str] = (RAW_PRODUCTS, RAW_VARIANTS)
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


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``fn()`` (CPU time is steadier on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _best(old: tuple[float, float], new: tuple[float, float]) -> tuple[float, float]:
    return min(old[0], new[0]), min(old[1], new[1])


Timing = tuple[float, float]  # wall-clock, CPU seconds
Result = tuple[str, Timing, Timing, int]


def run(count: int, repeat: int, seed: int, profile: bool) -> tuple[list[Result], Timing]:
    catalog = generate(count, seed)
    changed = change_some(catalog, 0.10, seed + 1)
    passes = [
        ("first pass (fresh file)", catalog, 1),
        ("unchanged", catalog, 2),
        ("10 % changed", changed, 3),
    ]
    rows = row_count(catalog)
    best_mirror = [(float("inf"), float("inf"))] * 3
    best_raw = [(float("inf"), float("inf"))] * 3
    best_insert = (float("inf"), float("inf"))
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
    return [(name, best_mirror[i], best_raw[i], rows) for i, (name, _, _) in enumerate(passes)], best_insert


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the mirror's writes")
    args = parser.parse_args(argv)
    results, (insert_s, insert_cpu) = run(args.products, max(1, args.repeat), args.seed, args.profile)
    print(f"{args.products:,} products, pages of {PAGE}, best of {max(1, args.repeat)}")
    header = ("pass", "writer", "rows", "seconds", "rows/s", "ratio", "cpu s", "cpu ratio")
    print("{:<26}{:<8}{:>10}{:>9}{:>11}{:>7}{:>8}{:>10}".format(*header))
    worst = 0.0
    for name, (mirror_s, mirror_cpu), (raw_s, raw_cpu), rows in results:
        ratio = mirror_s / raw_s
        worst = max(worst, ratio)
        cpu_ratio = mirror_cpu / raw_cpu
        print(
            f"{name:<26}{'mirror':<8}{rows:>10,}{mirror_s:>9.3f}{rows / mirror_s:>11,.0f}{ratio:>7.2f}"
            f"{mirror_cpu:>8.3f}{cpu_ratio:>10.2f}"
        )
        print(f"{'':<26}{'raw':<8}{rows:>10,}{raw_s:>9.3f}{rows / raw_s:>11,.0f}{'':>7}{raw_cpu:>8.3f}")
        if name.startswith("first"):
            print(
                f"{'  (reference: raw INSERT)':<26}{'raw':<8}{rows:>10,}{insert_s:>9.3f}"
                f"{rows / insert_s:>11,.0f}{mirror_s / insert_s:>7.2f}{insert_cpu:>8.3f}"
                f"{mirror_cpu / insert_cpu:>10.2f}"
            )
    target = 1.3
    print(f"worst wall-clock ratio mirror/raw: {worst:.2f} (target ≤ {target})")
    return 0 if worst <= target else 1


if __name__ == "__main__":
    raise SystemExit(main())
