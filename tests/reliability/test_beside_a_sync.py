"""CLI commands beside a running sync (issue 8, item 4): no "database is locked", nothing lost.

A ``sync --full`` runs in its own process against a demo store slowed down per request, so it lasts
a few seconds; while it is between pages, ``status --json``, ``products --json`` and ``stock set``
run in other processes on the same profile. Each must succeed, and the stock edit must survive the
sync's writes.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from backorder_desktop.app import AppContext
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.ports import RunKind
from tests.integration.cli_runner import Result
from tests.integration.cli_runner import run_cli
from tests.integration.support import integrity_ok

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., AppContext]
STARTED_TIMEOUT_S = 30.0
SLOW_REQUEST_MS = 2_500


def _start_sync(home: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    full_env.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "backorder_desktop", "--home", home, "sync", "--full"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
    )


def _wait_for_stderr(process: subprocess.Popen[bytes], needle: str, timeout: float) -> bytes:
    """Read the child's stderr until ``needle`` shows (or it ends, or time is up); returns what was read.

    Progress lines end in a carriage return, not a newline: read what arrives, not lines.
    """
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:  # the child ended
                break
            seen += chunk
            if needle.encode() in seen:
                return seen
    pytest.fail(
        f"the sync never printed {needle!r}; stderr so far:\n{seen.decode(errors='replace')}", pytrace=False
    )


@pytest.fixture
def slow_sync() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Sync processes started by the test; killed at teardown if still running."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_cli_commands_run_beside_a_sync_in_another_process(
    home: str, make_demo_store: MakeStore, make_context: MakeContext, slow_sync: list[subprocess.Popen[bytes]]
) -> None:
    store = make_demo_store(products=1000, seed=4)
    context = make_context(store)
    context.engine.sync(kind=RunKind.MANUAL, trigger="test", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    product = next(
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "product"
    )
    assert run_cli(home, "assign", product["sku"], env=env).code == 0
    for pid in store.catalog.product_ids()[:400]:  # the sync has real writes to make
        store.catalog.update_product(pid, price=3.5)

    # Every request of the sync now takes a while: the remaining pages need well over the few
    # seconds the other commands take (the latency goes once they are done).
    store.faults.latency_ms = SLOW_REQUEST_MS
    sync = _start_sync(home, env)
    slow_sync.append(sync)
    early = _wait_for_stderr(sync, "page 1 of", STARTED_TIMEOUT_S)

    commands = {
        "status": ("status", "--json"),
        "products": ("products", "--json", "--limit", "50"),
        "stock set": ("stock", "set", product["sku"], "77", "--reason", "beside"),
        "status again": ("status", "--json"),
    }
    results: dict[str, Result] = {}
    for name, args in commands.items():
        results[name] = run_cli(home, *args, env=env, timeout=30)
    still_running = sync.poll() is None
    store.faults.latency_ms = 0  # let the sync finish quickly
    _, rest = sync.communicate(timeout=120)
    err = (early + rest).decode(errors="replace")

    assert still_running, "the sync ended before the other commands did: it proves nothing"
    assert sync.returncode == 0, err
    for name, result in results.items():
        assert result.code == 0, f"{name}: {result.stderr}"
        assert "database is locked" not in result.stderr.lower(), name
    assert "database is locked" not in err.lower()
    assert results["status"].json()["products"] == 1000
    assert len(results["products"].json()) == 50
    assert results["status again"].json()["outbox"] in (0, 1)  # written at once, or waiting

    after = run_cli(home, "products", "--backorder", "--json", env=env).json()
    assert [p["sku"] for p in after] == [product["sku"]]
    assert after[0]["inventory_level"] == 77  # the sync's writes did not undo the edit
    history = run_cli(home, "stock", "history", product["sku"], "--json", env=env).json()
    assert [entry["reason"] for entry in history].count("beside") == 1
    assert integrity_ok(Path(home) / "data" / "backorder.db")
