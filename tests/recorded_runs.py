"""A recorded sync run as the history gives it back, for tests of what reads runs (retries, routes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import datetime
from typing import Any

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun

AT = datetime(2026, 11, 4, 8, 0, tzinfo=UTC)
AUTOMATIC_POLL = SyncRun(
    id=1,
    kind=RunKind.AUTOMATIC,
    trigger=RunTrigger.POLL,
    mode=InventorySource.BIGCOMMERCE,
    full=False,
    started_at=AT,
    finished_at=AT,
    outcome=RunOutcome.FAILED,
    counts=RunCounts(),
)


def recorded_run(**changes: Any) -> SyncRun:
    """A finished automatic poll (failed unless ``outcome`` says otherwise), with ``changes``."""
    return replace(AUTOMATIC_POLL, **changes)
