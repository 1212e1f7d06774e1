"""Benchmark the demo store at catalog scale: start-up time, resident memory, full-catalog reads.

Starts a :class:`DemoStore` with N products (default 100,000) in this process, then reads every
page of ``GET /v3/catalog/products?limit=250&include=variants`` with httpx, first sequentially and
then with 4 threads, checking that every product arrives exactly once. Client and server share this
process (and its GIL), so the read times are an upper bound; ``--server-process`` runs the store as
``backorder-desktop demo-store`` in a child process instead and reports that process's memory.

    python bench/bench_demo_store.py [--products N] [--threads T] [--seed S] [--server-process]
"""

from __future__ import annotations

import argparse
import os
import queue
import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backorder_desktop.demo.server import DemoConfig
from backorder_desktop.demo.server import DemoStore

PAGE = 250
ROOT = Path(__file__).resolve().parent.parent


def _status_kb(field: str, pid: int | str = "self") -> int:
    """A ``VmRSS``/``VmHWM`` figure (kB) from ``/proc/<pid>/status`` (0 where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def _read_page(client: httpx.Client, url: str, page: int) -> tuple[list[int], int, int]:
    reply = client.get(url, params={"limit": PAGE, "page": page, "include": "variants"})
    reply.raise_for_status()
    body = reply.json()
    ids = [p["id"] for p in body["data"]]
    variants = sum(len(p["variants"]) for p in body["data"])
    return ids, variants, body["meta"]["pagination"]["total_pages"]


def read_catalog(base_url: str, token: str, threads: int) -> tuple[float, int, int, int]:
    """Seconds to read every page; returns (seconds, products, variants, pages)."""
    url = f"{base_url}/v3/catalog/products"
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    with httpx.Client(headers={"X-Auth-Token": token}, timeout=120, limits=limits) as client:
        started = time.perf_counter()
        ids, variants, pages = _read_page(client, url, 1)
        if threads == 1:
            results = [_read_page(client, url, page) for page in range(2, pages + 1)]
        else:
            with ThreadPoolExecutor(threads) as pool:
                results = list(pool.map(lambda page: _read_page(client, url, page), range(2, pages + 1)))
        elapsed = time.perf_counter() - started
    for more_ids, more_variants, _ in results:
        ids += more_ids
        variants += more_variants
    if len(ids) != len(set(ids)):
        raise SystemExit("a product was served twice")
    return elapsed, len(ids), variants, pages


def _start_child(products: int, seed: int) -> tuple[subprocess.Popen[str], str, float]:
    command = [sys.executable, "-m", "backorder_desktop", "demo-store", "--products", str(products)]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--seed", str(seed)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True).start()
    while True:
        line = lines.get(timeout=60)
        if line.startswith("API URL: "):
            return process, line.split(": ", 1)[1].strip(), time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-process", action="store_true", help="run the store in a child process")
    args = parser.parse_args(argv)

    print(f"demo store, {args.products:,} products (seed {args.seed})")
    if args.server_process:
        process, api_url, startup = _start_child(args.products, args.seed)
        base_url, token = f"{api_url}/stores/demo", "demo-token"
        print(f"  start-up (process spawn to serving): {startup:.2f} s")
        print(f"  server RSS after start-up: {_mb(_status_kb('VmRSS', process.pid))}")
    else:
        before = _status_kb("VmRSS")
        started = time.perf_counter()
        store = DemoStore(DemoConfig(products=args.products, seed=args.seed)).start()
        startup = time.perf_counter() - started
        base_url, token = store.base_url, store.token
        print(f"  start-up (DemoStore(...).start()): {startup:.2f} s")
        print(f"  RSS after start-up: {_mb(_status_kb('VmRSS'))} (interpreter and imports: {_mb(before)})")
    try:
        for threads in (1, args.threads):
            elapsed, products, variants, pages = read_catalog(base_url, token, threads)
            rate = products / elapsed
            print(
                f"  full read, {threads} thread{'s' if threads > 1 else ''}: {elapsed:.1f} s "
                f"({pages} pages, {products:,} products, {variants:,} variants, {rate:,.0f} products/s)"
            )
    finally:
        if args.server_process:
            print(f"  server peak RSS: {_mb(_status_kb('VmHWM', process.pid))}")
            process.terminate()
            process.wait(timeout=30)
        else:
            store.stop()
            peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
            print(f"  peak RSS of this process (server + client): {_mb(peak_kb)}")
    print(f"  (pid {os.getpid()}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
