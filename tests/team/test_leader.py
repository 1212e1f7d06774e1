"""One sync leader per team database: desktops as real processes campaign on a real server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from backorder_desktop.adapters.team.leader import LeaderElection
from backorder_desktop.adapters.team.leader import desktop_name
from tests.fixtures_postgres import PostgresServer
from tests.team.desktops import WAIT_S
from tests.team.desktops import Desktop
from tests.team.desktops import wait_for_one_leader

FAST = 0.2  # campaign period of the test desktops (production: 1 s)


@pytest.fixture
def desktops() -> Iterator[list[Desktop]]:
    started: list[Desktop] = []
    yield started
    for desktop in started:
        desktop.close()


def _start(url: str, started: list[Desktop], *names: str) -> list[Desktop]:
    new = [Desktop(url, name, interval=FAST) for name in names]
    started.extend(new)
    return new


@pytest.mark.parametrize("count", [2, 3])
def test_exactly_one_of_several_desktops_leads(
    postgres_url: str, desktops: list[Desktop], count: int
) -> None:
    running = _start(postgres_url, desktops, *(f"desk {n}" for n in range(count)))
    for desktop in running:
        assert desktop.wait_reports(1)
    leader = wait_for_one_leader(running)
    assert leader is not None
    # Several more campaign rounds of every desktop: still that one alone.
    watcher = LeaderElection(postgres_url, name="watcher", interval=FAST).start()
    try:
        assert watcher.wait_for(lambda e: e.leader_name() == leader.name, WAIT_S)
        assert not watcher.is_leader()
    finally:
        watcher.stop()
    assert [d.name for d in running if d.leads] == [leader.name]


def test_a_killed_leader_is_replaced_by_another_desktop(postgres_url: str, desktops: list[Desktop]) -> None:
    running = _start(postgres_url, desktops, "front desk", "warehouse", "office")
    first = wait_for_one_leader(running)
    assert first is not None
    others = [d for d in running if d is not first]
    reported = {d.name: len(d.reports) for d in others}
    killed_at = time.monotonic()
    first.kill()
    second = wait_for_one_leader(others)
    assert second is not None and second is not first
    took = second.led_at(reported[second.name])
    assert took is not None and took >= killed_at  # it took over after the kill, not before


def test_after_a_server_restart_a_desktop_leads_again(
    postgres_url: str, postgres_server: PostgresServer, desktops: list[Desktop]
) -> None:
    running = _start(postgres_url, desktops, "front desk", "warehouse")
    first = wait_for_one_leader(running)
    assert first is not None
    lost = len(first.reports)
    postgres_server.restart()
    assert first.wait_reports(lost + 1)  # the lead went with the session
    assert first.reports[lost]["leads"] is False
    assert wait_for_one_leader(running) is not None


def test_the_lead_is_named_by_the_holder_and_given_up_on_stop(postgres_url: str) -> None:
    changes: list[bool] = []
    first = LeaderElection(postgres_url, name=desktop_name("Dana"), interval=FAST, on_change=changes.append)
    second = LeaderElection(postgres_url, name="second desk", interval=FAST)
    first.start()
    try:
        assert first.wait_for(lambda e: e.is_leader(), WAIT_S)
        second.start()
        assert second.wait_for(lambda e: e.leader_name() == first.name, WAIT_S)
        assert first.name.startswith("Dana (") and "@" in first.name
        assert not second.is_leader()
        first.stop()
        assert changes == [True, False]
        assert second.wait_for(lambda e: e.is_leader(), WAIT_S)
        assert second.leader_name() == "second desk"
    finally:
        first.stop()
        second.stop()


def test_a_lead_whose_heartbeat_stopped_answering_is_not_trusted(postgres_url: str) -> None:
    now = [0.0]
    election = LeaderElection(postgres_url, name="desk", interval=60.0, lease=3.0, monotonic=lambda: now[0])
    election.start()
    try:
        assert election.wait_for(lambda e: e.is_leader(), WAIT_S)
        now[0] += 10.0  # the next heartbeat is a minute away: none answered within the lease
        assert not election.is_leader()
    finally:
        election.stop()
