"""Only the leading desktop syncs: the engine and the scheduler of a desktop that does not lead ask
nothing of the store, and say who syncs for the team; once it leads, they run as alone.

A real profile (SQLite mirror) against the demo store over HTTP; the lead is a real election on
a real PostgreSQL database, contested by a second desktop's election.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from backorder_desktop.adapters.team.leader import LeaderElection
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import AnotherDesktopSyncs
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.scheduler import SyncScheduler
from backorder_desktop.services.sync_engine import SyncEngine
from backorder_desktop.services.team import TeamLead
from backorder_desktop.services.team import TeamSync
from tests.integration.support import connect_context
from tests.scheduler.conftest import BERLIN
from tests.scheduler.conftest import TimeMachine

WAIT_S = 30.0
FAST = 0.2


@pytest.fixture
def context(home: str, demo_store: DemoStore) -> Iterator[Profile]:
    made = connect_context(home, demo_store)
    yield made
    made.close()


@pytest.fixture
def elections(postgres_url: str) -> Iterator[tuple[LeaderElection, LeaderElection]]:
    """The warehouse's desktop leads; ours (the office's) campaigns behind it."""
    warehouse = LeaderElection(postgres_url, name="Sam (sam@warehouse)", interval=FAST).start()
    assert warehouse.wait_for(lambda e: e.is_leader(), WAIT_S)
    office = LeaderElection(postgres_url, name="Ana (ana@office)", interval=FAST).start()
    assert office.wait_for(lambda e: e.leader_name() == warehouse.name, WAIT_S)
    yield warehouse, office
    office.stop()
    warehouse.stop()


def _engine(context: Profile, office: LeaderElection) -> SyncEngine:
    parts = context.parts
    connection = parts.connection
    assert connection is not None
    return SyncEngine(
        mirror=parts.mirror,
        source_factory=connection.client,
        clock=TimeMachine(datetime.now(UTC)),
        events=parts.events,
        leadership=office,
    )


def test_a_desktop_that_does_not_lead_asks_nothing_of_the_store_and_names_the_leader(
    context: Profile, demo_store: DemoStore, elections: tuple[LeaderElection, LeaderElection]
) -> None:
    warehouse, office = elections
    engine = _engine(context, office)
    demo_store.requests.clear()
    with pytest.raises(AnotherDesktopSyncs) as refused:
        engine.sync(kind=RunKind.MANUAL, trigger=RunTrigger.CLI)
    assert refused.value.kind is ErrorKind.SYNC_IN_PROGRESS
    assert refused.value.message.startswith("Sam (sam@warehouse) syncs for the team.")
    assert demo_store.requests.snapshot() == []
    assert context.parts.mirror.runs(limit=5) == []  # nothing recorded either
    assert TeamSync(leadership=office, events=EventHub()).lead() == TeamLead("Sam (sam@warehouse)", False)

    warehouse.stop()  # the warehouse quits: the office takes over and syncs
    assert office.wait_for(lambda e: e.is_leader(), WAIT_S)
    run = engine.sync(kind=RunKind.MANUAL, trigger=RunTrigger.CLI)
    assert run.counts.seen == len(demo_store.catalog.product_ids())
    assert TeamSync(leadership=office, events=EventHub()).lead() == TeamLead("Ana (ana@office)", True)


def test_the_schedule_runs_only_on_the_leading_desktop(
    context: Profile, elections: tuple[LeaderElection, LeaderElection]
) -> None:
    warehouse, office = elections
    clock = TimeMachine(datetime.now(UTC))
    parts = context.parts
    scheduler = SyncScheduler(
        engine=_engine(context, office),
        mirror=parts.mirror,
        clock=clock,
        events=parts.events,
        zone=BERLIN,
        monotonic=clock.monotonic,
        leadership=office,
    )
    try:
        clock.advance(timedelta(hours=2))  # a poll long due
        assert scheduler.run_due() == []
        assert scheduler.jobs() == []  # nothing scheduled here: the leader runs the schedule
        warehouse.stop()
        assert office.wait_for(lambda e: e.is_leader(), WAIT_S)
        assert [claim.trigger for claim in scheduler.run_due()] == ["poll"]
    finally:
        scheduler.shutdown()
    assert [run.trigger for run in parts.mirror.runs(limit=5)] == ["poll"]


def test_a_run_whose_desktop_loses_the_lead_stops_at_its_next_page(
    context: Profile, demo_store: DemoStore, elections: tuple[LeaderElection, LeaderElection]
) -> None:
    warehouse, office = elections
    warehouse.stop()
    assert office.wait_for(lambda e: e.is_leader(), WAIT_S)
    engine = _engine(context, office)
    engine.page_limit = 50  # four pages of the 200 products

    def lose_the_lead(progress: SyncProgress) -> None:
        if progress.pages_done == 1:
            office.stop()  # as when its link dies: from now on it does not lead

    context.parts.events.subscribe("progress", lose_the_lead)
    with pytest.raises(AnotherDesktopSyncs):
        engine.sync(kind=RunKind.MANUAL, trigger=RunTrigger.CLI, full=True)
    run = context.parts.mirror.runs(limit=1)[0]
    assert (run.outcome, run.counts.seen) == (RunOutcome.FAILED, 50)  # the first page only
    assert context.parts.mirror.product_count() == 50
