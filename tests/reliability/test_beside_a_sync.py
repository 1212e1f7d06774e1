"""CLI commands beside a running sync (issue 8, item 4): no "database is locked", nothing lost.

A ``sync --full`` runs in its own process against a demo store whose product pages after the first
are held back until the test lets them go: the sync is mid-run (first page written, the rest on
their way) for as long as the test needs, with no guess at timings. Meanwhile ``status --json``,
``products --json``, ``stock set`` and ``history --json`` run all at once in other processes on the
same profile. Each must succeed, and the stock edit must survive the sync's writes.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from backorder_desktop.demo.http_handler import DemoRequestHandler
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import Result
from tests.integration.cli_runner import run_cli
from tests.integration.support import integrity_ok
from tests.integration.support import tracked_by_product

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
STARTED_TIMEOUT_S = 30.0
GATE_TIMEOUT_S = 60.0
PRODUCTS = 600  # 3 pages: the first, then two held back
SYNC_PAGE = 250  # the products of the sync's first page (whatever size its requests fall back to)


def _start_cli(home: str, *args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``run_cli``'s command, started and left running."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    full_env.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "backorder_desktop", "--home", home, *args],
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
def page_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """While the gate is shut (``clear()``), demo stores hold every product past the sync's first
    page until it opens again (``set()``, or a minute passes). It starts open.

    Held by offset, not page number: the strict store times out pages of 250, and the client then
    asks for that first page as two of 125, the second of which must still come through."""
    gate = threading.Event()
    gate.set()
    process = DemoRequestHandler._process

    def held(self: DemoRequestHandler, ctx: Any, method: str, body: bytes) -> Any:
        url = urlsplit(self.path)
        if method == "GET" and url.path.endswith("/catalog/products"):
            query = parse_qs(url.query)
            page, limit = int(query.get("page", ["1"])[0]), int(query.get("limit", ["50"])[0])
            if (page - 1) * limit >= SYNC_PAGE:
                gate.wait(GATE_TIMEOUT_S)
        return process(self, ctx, method, body)

    monkeypatch.setattr(DemoRequestHandler, "_process", held)
    try:
        yield gate
    finally:
        gate.set()  # never leave a store thread waiting


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started by the test; killed at teardown if still running."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_cli_commands_run_beside_a_sync_in_another_process(
    home: str,
    make_demo_store: MakeStore,
    make_context: MakeContext,
    page_gate: threading.Event,
    started: list[subprocess.Popen[bytes]],
) -> None:
    store = make_demo_store(products=PRODUCTS, seed=4)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    product = tracked_by_product(store)
    assert run_cli(home, "assign", product["sku"], env=env).code == 0
    for pid in store.catalog.product_ids()[:300]:  # the sync has real writes to make
        store.catalog.update_product(pid, price=3.5)

    page_gate.clear()  # from now on the sync gets its first page, and waits for the others
    sync = _start_cli(home, "sync", "--full", env=env)
    started.append(sync)
    early = _wait_for_stderr(sync, "page 1 of", STARTED_TIMEOUT_S)

    commands = {  # all at once, beside the sync and each other (one of them writes)
        "status": ("status", "--json"),
        "products": ("products", "--json", "--limit", "50"),
        "stock set": ("stock", "set", product["sku"], "77", "--reason", "beside"),
        "history": ("history", "--json"),
    }
    running = {name: _start_cli(home, *args, env=env) for name, args in commands.items()}
    started.extend(running.values())
    results: dict[str, Result] = {}
    for name, process in running.items():
        out, err_bytes = process.communicate(timeout=60)
        results[name] = Result(process.returncode, out.decode(), err_bytes.decode(errors="replace"))
    still_running = sync.poll() is None
    page_gate.set()
    _, rest = sync.communicate(timeout=120)
    err = (early + rest).decode(errors="replace")

    assert still_running, "the sync ended before the other commands did: it proves nothing"
    assert sync.returncode == 0, err
    for name, result in results.items():
        assert result.code == 0, f"{name}: {result.stderr}"
        assert "database is locked" not in result.stderr.lower(), name
    assert "database is locked" not in err.lower()
    assert results["status"].json()["products"] == PRODUCTS
    assert len(results["products"].json()) == 50
    assert results["history"].json()  # the first sync at least

    after = run_cli(home, "products", "--backorder", "--json", env=env).json()
    assert [p["sku"] for p in after] == [product["sku"]]
    assert after[0]["inventory_level"] == 77  # the sync's writes did not undo the edit
    history = run_cli(home, "stock", "history", product["sku"], "--json", env=env).json()
    assert [entry["reason"] for entry in history].count("beside") == 1
    assert integrity_ok(Path(home) / "data" / "backorder.db")
