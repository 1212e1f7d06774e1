"""A full pull of N products into a team PostgreSQL database, next to the same pull into SQLite.

The rows of row 1 (``bench.catalog.generate``: 1–10 variants per product), written by the store's
own ``apply_products`` in pages of 250, one transaction per page, into a fresh database of each kind:
a SQLite file (``open_mirror``) and a team database (``open_team_mirror``) on a throwaway server
started for the run (``scripts/pgserver.py``: unix socket, durability off, as in the tests — so
the figure is the store's and psycopg's work, not a disk's or a network's). Ratio = PostgreSQL ÷
SQLite; each side's figure is the best of ``repeat`` runs, each into a fresh database.

    python -m bench.pg_pull [--products N] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage import open_team_mirror
from backorder_desktop.domain.models import Product
from bench.catalog import PAGE
from bench.catalog import generate
from bench.catalog import row_count
from bench.report import Row
from bench.writes import INF
from bench.writes import Timing
from bench.writes import _best
from bench.writes import timed
from bench.writes import write_mirror
from scripts.pgserver import PostgresServer
from scripts.pgserver import start_server

KEY = "14"


def _into_sqlite(products: Sequence[Product], folder: Path) -> Timing:
    store = open_mirror(folder / "mirror.sqlite3")
    try:
        return timed(partial(write_mirror, store, products, 1))
    finally:
        store.close()


def _into_postgres(products: Sequence[Product], server: PostgresServer, name: str) -> Timing:
    with server.admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    store = open_team_mirror(server.url(name))
    try:
        return timed(partial(write_mirror, store, products, 1))
    finally:
        store.close()
        with server.admin() as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run(count: int, repeat: int = 1, seed: int = 7) -> tuple[Timing, Timing]:
    """Best-of-``repeat`` (wall-clock, CPU) of the pull into SQLite and into PostgreSQL."""
    products = generate(count, seed)
    best_sqlite, best_postgres = INF, INF
    server = start_server()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pg-pull-") as tmp:
            for attempt in range(max(1, repeat)):
                folder = Path(tmp) / str(attempt)
                best_sqlite = _best(best_sqlite, _into_sqlite(products, folder))
                best_postgres = _best(
                    best_postgres, _into_postgres(products, server, f"bench_pull_{attempt}")
                )
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
    return best_sqlite, best_postgres


def measure_row(products: int, repeat: int = 1, seed: int = 7) -> Row:
    """The row: a full pull of ``products`` into PostgreSQL next to SQLite (ratio)."""
    (sqlite_s, sqlite_cpu), (postgres_s, postgres_cpu) = run(products, repeat, seed)
    rows = row_count(generate(products, seed))
    return Row(
        key=KEY,
        name="Full pull into a team PostgreSQL database",
        products=products,
        ours=f"{postgres_s:.2f} s, {rows / postgres_s:,.0f} rows/s",
        bound=f"{sqlite_s:.2f} s into SQLite, {rows / sqlite_s:,.0f} rows/s",
        ratio=postgres_s / sqlite_s,
        target=None,
        note=(
            f"apply_products in pages of {PAGE}, one transaction each, into a fresh database: a team "
            "database (psycopg 3; a page's rows as one statement over arrays) on a local server "
            "over its unix socket, "
            f"durability off, next to a SQLite file; best of {max(1, repeat)}, wall clock; "
            "rows = products + variants."
        ),
        data={
            "rows": rows,
            "postgres_s": postgres_s,
            "postgres_cpu_s": postgres_cpu,
            "sqlite_s": sqlite_s,
            "sqlite_cpu_s": sqlite_cpu,
            "cpu_ratio": postgres_cpu / sqlite_cpu,
            "repeat": max(1, repeat),
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    row = measure_row(args.products, args.repeat, args.seed)
    data = row.data
    print(f"{args.products:,} products ({data['rows']:,} rows), pages of {PAGE}, best of {data['repeat']}")
    print(f"  SQLite:     {data['sqlite_s']:8.2f} s wall, {data['sqlite_cpu_s']:8.2f} s CPU")
    print(f"  PostgreSQL: {data['postgres_s']:8.2f} s wall, {data['postgres_cpu_s']:8.2f} s CPU")
    print(f"  ratio {row.ratio:.2f} (CPU {data['cpu_ratio']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
