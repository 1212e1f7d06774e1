"""SIGKILL in the middle of a full pull: the database stays sound and the next run converges."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.services.profile import Profile
from tests.integration.support import integrity_ok
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
KILL_SEED = 20261127


def _start_sync(home: Path, store: DemoStore) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    env["BACKORDER_DESKTOP_TOKEN"] = store.token
    return subprocess.Popen(
        [sys.executable, "-m", "backorder_desktop", "--home", str(home), "sync", "--full"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_pages(store: DemoStore, pages: int, process: subprocess.Popen[bytes]) -> bool:
    """Wait (on a condition, with a deadline) until the store has served ``pages`` product pages."""
    done = threading.Event()
    deadline = 60.0
    while not done.wait(0.002):
        served = store.requests.count(method="GET", path_contains="/v3/catalog/products")
        if served >= pages or process.poll() is not None:
            return process.poll() is None
        deadline -= 0.002
        if deadline <= 0:
            raise AssertionError(f"the sync never reached page {pages}")
    return False


@pytest.mark.parametrize("kill_at_page", [1, 3, 6, 9, 12])
def test_kill_mid_full_pull_then_run_again(
    kill_at_page: int, home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    rng = random.Random(KILL_SEED + kill_at_page)
    store = make_demo_store(products=3000, latency_ms=15, seed=3)
    context = make_context(store)  # records the store in the profile
    context.close()

    process = _start_sync(Path(home), store)
    alive = _wait_for_pages(store, kill_at_page, process)
    threading.Event().wait(rng.uniform(0, 0.03))  # a random point inside the page's handling
    if alive:
        process.send_signal(signal.SIGKILL)
    process.wait(30)

    database = Path(home) / "data" / "backorder.db"
    assert integrity_ok(database)
    again = make_context(store)
    killed = again.parts.mirror.runs()[0]
    assert killed.outcome in (RunOutcome.FAILED, RunOutcome.OK)  # OK only if it finished first
    run = again.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    assert run.outcome is RunOutcome.OK
    assert integrity_ok(database)
    assert mirror_snapshot(again) == store_snapshot(store)
