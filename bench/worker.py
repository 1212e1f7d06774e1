"""Measured clients, each run in a child process: the engine's pulls, the naive client, a bare fetch.

A child process per measurement keeps each figure the client's own: its peak memory (``VmHWM``)
is the pull's, and no earlier measurement's garbage or threads share its interpreter.

    python -m bench.worker pull  --home H --api-url U --store-hash S --token T [--incremental]
                                 [--page-limit N]
    python -m bench.worker naive --base-url B --token T --database FILE
    python -m bench.worker fetch --base-url B --token T --pages N --threads T [T …]

Protocol: after its setup (imports, profile, connections) the child prints ``READY`` and waits for
a line on stdin, so the parent can reset the store (a fresh quota window) just before the clock
starts; it then prints ``RESULT <json>``. :func:`run_worker` is the parent side.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.store_process import ROOT
from bench.store_process import LineReader
from bench.store_process import child_env
from bench.store_process import cpu_split
from bench.store_process import pin_from_env
from bench.store_process import status_kb

READY = "READY"
RESULT = "RESULT "


def client_cpus() -> set[int] | None:
    split = cpu_split()
    return split[1] if split else None


class WorkerFailed(RuntimeError):
    """A child measurement ended without a result (its stderr tail is in the message)."""


def run_worker(
    args: Sequence[str], *, on_ready: Callable[[], object] | None = None, timeout: float = 1800.0
) -> dict[str, Any]:
    """Start ``python -m bench.worker *args``, call ``on_ready`` at READY, return its RESULT."""
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", *args],
            cwd=ROOT,
            env=child_env(client_cpus()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        assert process.stdin is not None and process.stdout is not None
        reader = LineReader(process.stdout)
        try:
            reader.next_line(300.0, lambda line: line == READY)
            if on_ready is not None:
                on_ready()
            process.stdin.write("go\n")
            process.stdin.flush()
            line = reader.next_line(timeout, lambda line: line.startswith(RESULT))
            process.wait(timeout=60)
        except (EOFError, TimeoutError) as exc:
            process.kill()
            process.wait(timeout=30)
            errors.seek(0)
            tail = errors.read()[-2000:]
            raise WorkerFailed(f"bench.worker {args[0]}: {exc}\n{tail}") from exc
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()
            reader.join()
        result: dict[str, Any] = json.loads(line[len(RESULT) :])
        errors.seek(0)
        result["stderr"] = errors.read()[-2000:]
        return result


# --- child side ---------------------------------------------------------------------------------


class WarningCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def _cpu_s() -> float:
    """CPU seconds used by this process so far (every thread, user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _spread(times: list[float]) -> dict[str, float]:
    """Median, mean and max of per-request times (send → body read), in seconds."""
    if not times:
        return {}
    ordered = sorted(times)
    return {
        "median": ordered[len(ordered) // 2],
        "mean": sum(ordered) / len(ordered),
        "max": ordered[-1],
    }


def _handshake() -> None:
    print(READY, flush=True)
    sys.stdin.readline()


def _finish(result: dict[str, Any]) -> None:
    result["peak_rss_kb"] = status_kb("VmHWM")
    print(RESULT + json.dumps(result), flush=True)


def pull(args: argparse.Namespace) -> dict[str, Any]:
    """One engine sync (full, or incremental with ``--incremental``) on the profile ``--home``."""
    from backorder_desktop.adapters.bigcommerce.transport import RequestEvent
    from backorder_desktop.adapters.secrets import MemorySecretStore
    from backorder_desktop.app import open_profile
    from backorder_desktop.domain.models import StoreInfo
    from backorder_desktop.domain.runs import RunKind

    statuses: Counter[int | None] = Counter()
    page_times: list[float] = []
    lock = threading.Lock()

    def on_request(event: RequestEvent) -> None:
        with lock:
            statuses[event.status] += 1
            if event.path.endswith("/products"):
                page_times.append(event.elapsed_s)

    context = open_profile(
        args.home,
        env_token=args.token,
        secret_store=MemorySecretStore(),
        client_options={"on_request": on_request},
    )
    if args.page_limit:
        # Row 3 only: smaller pages through the real engine, so that a catalog the bench can pull
        # in minutes needs several quota windows. Everything else uses the engine's 250.
        context.parts.engine.page_limit = args.page_limit
    try:
        if context.parts.mirror.get_store() is None:
            context.parts.mirror.set_store(
                StoreInfo(store_hash=args.store_hash, name="Bench", plan_name="Demo"), args.api_url
            )
        mirror_before = context.parts.mirror.product_count()
        rss_before = status_kb("VmRSS")
        _handshake()
        started, cpu = time.perf_counter(), _cpu_s()
        run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=not args.incremental)
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "cpu_s": _cpu_s() - cpu,
            "outcome": run.outcome.value,
            "full": run.full,
            "seen": run.counts.seen,
            "created": run.counts.created,
            "changed": run.counts.changed,
            "removed": run.counts.removed,
            "requests": sum(statuses.values()),
            "rate_limited_429": statuses.get(429, 0),
            "statuses": {str(k): v for k, v in statuses.items()},
            "mirror_before": mirror_before,
            "mirror_after": context.parts.mirror.product_count(),
            "rss_before_kb": rss_before,
            "page_request_s": _spread(page_times),
        }
    finally:
        context.close()


def naive(args: argparse.Namespace) -> dict[str, Any]:
    from bench import naive as naive_client

    with tempfile.TemporaryDirectory(prefix="bench-naive-") as tmp:
        _handshake()
        cpu = _cpu_s()
        result = naive_client.pull(args.base_url, args.token, Path(tmp) / "naive.sqlite3", args.limit)
        result["cpu_s"] = _cpu_s() - cpu
        result["default_pragmas_s_per_save"] = naive_client.default_pragmas_cost()
        return result


def fetch(args: argparse.Namespace) -> dict[str, Any]:
    """Every page read by a bare client (bodies read, never parsed), once per ``--threads`` value."""
    import httpx

    from backorder_desktop.adapters.bigcommerce.mapping import PRODUCT_FIELDS

    def params(page: int) -> dict[str, str]:
        return {
            "include": "variants",
            "include_fields": ",".join(PRODUCT_FIELDS),
            "limit": str(args.limit),
            "page": str(page),
            "sort": "id",
            "direction": "asc",
        }

    _handshake()
    out: dict[str, Any] = {"runs": []}
    for threads in args.threads:
        limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
        headers = {"X-Auth-Token": args.token, "Accept": "application/json"}
        with httpx.Client(base_url=args.base_url, headers=headers, limits=limits, timeout=120) as http:

            def get(page: int, http: httpx.Client = http) -> tuple[int, float]:
                asked = time.perf_counter()
                reply = http.get("/v3/catalog/products", params=params(page))
                reply.raise_for_status()
                return len(reply.content), time.perf_counter() - asked

            started, cpu = time.perf_counter(), _cpu_s()
            with ThreadPoolExecutor(threads) as pool:
                replies = list(pool.map(get, range(1, args.pages + 1)))
            seconds = time.perf_counter() - started
        out["runs"].append(
            {
                "threads": threads,
                "seconds": seconds,
                "cpu_s": _cpu_s() - cpu,
                "bytes": sum(size for size, _ in replies),
                "page_request_s": _spread([t for _, t in replies]),
            }
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="task", required=True)
    p = sub.add_parser("pull")
    p.add_argument("--home", required=True)
    p.add_argument("--api-url", required=True)
    p.add_argument("--store-hash", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--incremental", action="store_true")
    p.add_argument("--page-limit", type=int, default=0)
    n = sub.add_parser("naive")
    n.add_argument("--base-url", required=True)
    n.add_argument("--token", required=True)
    n.add_argument("--limit", type=int, default=250)
    f = sub.add_parser("fetch")
    f.add_argument("--base-url", required=True)
    f.add_argument("--token", required=True)
    f.add_argument("--pages", type=int, required=True)
    f.add_argument("--limit", type=int, default=250)
    f.add_argument("--threads", type=int, nargs="+", default=[4])
    args = parser.parse_args(argv)

    pin_from_env()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    warnings = WarningCounter()
    logging.getLogger("backorder_desktop").addHandler(warnings)
    task = {"pull": pull, "naive": naive, "fetch": fetch}[args.task]
    result = task(args)
    result["warnings"] = warnings.messages[:20]
    _finish(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
