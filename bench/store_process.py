"""A demo store in a child process, driven by JSON lines on stdin (so the bench can change it).

The store runs in its own process so that its CPU time (building pages) and its memory are not
the measured client's: on the 2-core bench machine the server and the client each get a core, as
a real store and a real client would not share an interpreter either.

Child: ``python -m bench.store_process '<DemoConfig fields as JSON>'`` prints one JSON line (where
it listens, its catalog size), then answers one JSON line per command line:

- ``{"cmd": "rate", "quota": 150, "window_s": 30}``: a new quota, starting a fresh window;
- ``{"cmd": "latency", "ms": 150}``: the delay per request from now on;
- ``{"cmd": "touch", "count": 100, "seed": 1}``: change ``count`` products (spread over the
  catalog) as a merchant would, now; replies their ids;
- ``{"cmd": "requests"}``: requests served so far (``clear`` true: and start counting again);
- ``{"cmd": "rss"}``: the store process's resident and peak memory (kB);
- ``{"cmd": "quit"}``.

Parent: :class:`StoreProcess`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 300.0


def status_kb(field: str, pid: int | str = "self") -> int:
    """A ``VmRSS``/``VmHWM`` figure (kB) from ``/proc/<pid>/status`` (0 where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- cores: the store on one, the measured client on the others -------------------------------

CPUS_ENV = "BENCH_CPUS"


def cpu_split() -> tuple[set[int], set[int]] | None:
    """(store cores, client cores): the last usable core for the store, the rest for the client.

    A real store and its client run on different machines; on the bench machine each process gets
    its own cores, so that neither steals the other's CPU and each interpreter's GIL hand-offs stay
    on its cores (unpinned, the scheduler moves the threads of both processes across both cores,
    which on 2 cores made the same pull ~35 % slower). None with fewer than 2 cores.
    """
    try:
        usable = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    if len(usable) < 2:
        return None
    return {usable[-1]}, set(usable[:-1])


def child_env(cpus: set[int] | None) -> dict[str, str]:
    """The environment for a child that should pin itself to ``cpus`` (see :func:`pin_from_env`)."""
    env = dict(os.environ)
    if cpus:
        env[CPUS_ENV] = ",".join(str(c) for c in sorted(cpus))
    else:
        env.pop(CPUS_ENV, None)
    return env


def pin_from_env() -> None:
    """In a child, first thing (threads started later inherit it): keep to ``$BENCH_CPUS``."""
    cpus = os.environ.get(CPUS_ENV)
    if cpus:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})


# --- parent side --------------------------------------------------------------------------------


class LineReader:
    """Reads a child's stdout lines on a thread, so that waiting for one can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        with stream:  # closed here, at the child's end of output
            for line in stream:
                with self._cond:
                    self._lines.append(line.rstrip("\n"))
                    self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the child's output to end (call after the child exited)."""
        self._thread.join(timeout)

    def next_line(self, timeout: float, accept: Callable[[str], bool] = lambda _: True) -> str:
        """The next line ``accept`` takes (others are skipped); ``EOFError``/``TimeoutError``."""
        with self._cond:
            while True:
                while self._lines:
                    line = self._lines.pop(0)
                    if accept(line):
                        return line
                if self._closed:
                    raise EOFError("the child process closed its output")
                if not self._cond.wait(timeout):
                    raise TimeoutError(f"no reply from the child process in {timeout:.0f} s")


class StoreProcess:
    """The parent's handle on a demo store child process (a context manager)."""

    def __init__(self, **config: Any) -> None:
        self.config = config
        self._process: subprocess.Popen[str] | None = None
        self._reader: LineReader | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> StoreProcess:
        split = cpu_split()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.store_process", json.dumps(self.config)],
            cwd=ROOT,
            env=child_env(split[0] if split else None),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self._reader = LineReader(self._process.stdout)
        self.info = json.loads(self._reader.next_line(START_TIMEOUT_S, lambda s: s.startswith("{")))
        return self

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def api_url(self) -> str:
        return str(self.info["api_url"])

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"])

    @property
    def store_hash(self) -> str:
        return str(self.info["store_hash"])

    @property
    def token(self) -> str:
        return str(self.info["token"])

    def command(self, cmd: str, timeout: float = 120.0, **args: Any) -> dict[str, Any]:
        process, reader = self._process, self._reader
        if process is None or reader is None or process.stdin is None:
            raise RuntimeError("the store process is not running")
        process.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        process.stdin.flush()
        reply: dict[str, Any] = json.loads(reader.next_line(timeout, lambda s: s.startswith("{")))
        if "error" in reply:
            raise RuntimeError(f"store process: {reply['error']}")
        return reply

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.poll() is None and process.stdin is not None:
                process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                process.stdin.flush()
            process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(timeout=30)
        finally:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            if self._reader is not None:
                self._reader.join()

    def __enter__(self) -> StoreProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --- child side ---------------------------------------------------------------------------------


def _touch(store: Any, count: int, seed: int) -> list[int]:
    """Change ``count`` products spread evenly over the catalog (a new price), now."""
    ids = store.catalog.product_ids()
    if not ids or count <= 0:
        return []
    step = max(1, len(ids) // count)
    chosen = ids[seed % step :: step][:count]
    items = []
    for pid in chosen:
        price = float(store.catalog.get_product(pid)["price"])
        items.append({"id": pid, "price": round(price + 1.0, 2)})
    store.catalog.update_products(items, delayed=False)
    return list(chosen)


def _handle(store: Any, command: dict[str, Any]) -> dict[str, Any]:
    cmd = command.get("cmd")
    if cmd == "rate":
        store.rate.configure(command.get("quota"), command.get("window_s"))
        return {"ok": True}
    if cmd == "latency":
        store.faults.latency_ms = int(command["ms"])
        return {"ok": True}
    if cmd == "touch":
        return {"ids": _touch(store, int(command["count"]), int(command.get("seed", 0)))}
    if cmd == "requests":
        count = len(store.requests)
        if command.get("clear"):
            store.requests.clear()
        return {"count": count}
    if cmd == "rss":
        return {"rss_kb": status_kb("VmRSS"), "peak_kb": status_kb("VmHWM")}
    return {"error": f"unknown command {cmd!r}"}


def main(argv: list[str] | None = None) -> int:
    from backorder_desktop.demo.server import DemoConfig
    from backorder_desktop.demo.server import DemoStore

    pin_from_env()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    args = sys.argv[1:] if argv is None else argv
    config = DemoConfig(**json.loads(args[0]))
    store = DemoStore(config).start()
    try:
        print(
            json.dumps(
                {
                    "api_url": store.api_url,
                    "base_url": store.base_url,
                    "store_hash": store.store_hash,
                    "token": store.token,
                    "products": store.catalog.product_count(),
                    "variants": store.catalog.variant_count(),
                }
            ),
            flush=True,
        )
        for line in sys.stdin:
            command = json.loads(line)
            if command.get("cmd") == "quit":
                break
            try:
                reply = _handle(store, command)
            except Exception as exc:  # reported to the parent, which raises it
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(reply), flush=True)
    finally:
        store.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
