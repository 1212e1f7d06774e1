"""A start marks runs a killed process left "running" only after a read finds one: the read must see
every such run, on a desktop's file and on a team's database."""

from __future__ import annotations

from datetime import timedelta

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from tests.adapters.storage.conftest import T0


def test_a_run_marked_running_is_found_until_it_is_finished_or_abandoned(store: SqliteMirrorStore) -> None:
    assert not store.has_running_runs()  # an empty history
    done = store.start_run(kind=RunKind.MANUAL, trigger="cli", mode=InventorySource.ERP, full=True, at=T0)
    assert store.has_running_runs()
    store.finish_run(done, outcome=RunOutcome.OK, counts=RunCounts(), at=T0)
    assert not store.has_running_runs()  # finished runs only

    store.start_run(kind=RunKind.AUTOMATIC, trigger="poll", mode=InventorySource.ERP, full=False, at=T0)
    assert store.has_running_runs()
    assert store.abandon_running_runs(at=T0 + timedelta(hours=1)) == 1
    assert not store.has_running_runs()
