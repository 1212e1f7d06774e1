"""A command marks a run a killed process left "running" as interrupted, but only when no other
process holds the profile's sync lock: a command beside a running sync leaves that sync's run
alone. (A start takes the lock only after a read finds such a run.)"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from backorder_desktop.adapters.locks import FileProcessLock
from backorder_desktop.adapters.paths import profile_paths
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from tests.integration.cli_runner import run_cli

STARTED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _left_running(home: str) -> int:
    """A run recorded as started and never finished, as a killed sync leaves it."""
    mirror = open_mirror(profile_paths(home).database)
    try:
        return mirror.start_run(
            kind=RunKind.MANUAL,
            trigger=RunTrigger.CLI,
            mode=InventorySource.BIGCOMMERCE,
            full=True,
            at=STARTED,
        )
    finally:
        mirror.close()


def _outcome(home: str, run_id: int) -> tuple[RunOutcome, str | None]:
    mirror = open_mirror(profile_paths(home).database)
    try:
        run = next(r for r in mirror.runs() if r.id == run_id)
    finally:
        mirror.close()
    return run.outcome, run.error_title


def test_status_marks_a_run_a_killed_sync_left_running(connected_home: str) -> None:
    killed = _left_running(connected_home)

    done = run_cli(connected_home, "status", "--json")

    assert done.code == 0, done.stderr
    assert _outcome(connected_home, killed) == (RunOutcome.FAILED, "Interrupted")


def test_status_beside_a_sync_holding_the_lock_leaves_its_run_running(connected_home: str) -> None:
    syncing = _left_running(connected_home)
    lock = FileProcessLock(profile_paths(connected_home).sync_lock)
    assert lock.try_acquire()  # this process stands for the sync in progress
    try:
        done = run_cli(connected_home, "status", "--json")
        assert done.code == 0, done.stderr
        assert _outcome(connected_home, syncing) == (RunOutcome.RUNNING, None)
    finally:
        lock.release()
