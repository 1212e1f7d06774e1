"""A desktop started in a team hears the others' changes as hub events, and its status says who
leads: ``start_team`` over a real PostgreSQL database, a real profile's facade, the real window's
bridge and status bar (offscreen Qt)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from pytestqt.qtbot import QtBot

from backorder_desktop.adapters.storage.postgres import open_postgres_database
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.team import TeamLead
from backorder_desktop.team_start import StartedTeam
from backorder_desktop.team_start import start_team
from backorder_desktop.ui.qt_bridge import EventBridge
from tests.integration.support import connect_context

WAIT_S = 30.0
LEDGER_ENTRY = (
    "INSERT INTO stock_adjustments (product_id, variant_id, kind, quantity, level_before, level_after, "
    "source, actor, reason, at) VALUES (7, 70, 'add', 3, 1, 4, 'manual', 'sam', 'counted', "
    "'2026-12-05T10:00:00+00:00')"
)


@pytest.fixture
def team_url(postgres_url: str) -> str:
    open_postgres_database(postgres_url).close()
    return postgres_url


@pytest.fixture
def office(team_url: str) -> Iterator[tuple[StartedTeam, EventHub]]:
    events = EventHub()
    started = start_team(team_url, events, display_name="Ana", interval=0.2)
    assert started.listener.wait_listening(WAIT_S)
    yield started, events
    started.stop()


def test_a_change_on_another_desktop_reaches_the_hub_as_team_changed(
    team_url: str, office: tuple[StartedTeam, EventHub]
) -> None:
    _started, events = office
    heard: list[frozenset[str]] = []
    arrived = threading.Event()
    events.subscribe("team_changed", lambda kinds: (heard.append(kinds), arrived.set()))
    with psycopg.connect(team_url, application_name="Sam (sam@warehouse)") as warehouse:
        warehouse.execute(LEDGER_ENTRY)
    assert arrived.wait(WAIT_S)
    assert heard == [frozenset({"ledger"})]


def test_the_window_bridge_relays_team_changes_on_the_gui_thread(
    qtbot: QtBot, team_url: str, office: tuple[StartedTeam, EventHub]
) -> None:
    _started, events = office
    bridge = EventBridge(events)
    try:
        with (
            qtbot.waitSignal(bridge.team_changed, timeout=int(WAIT_S * 1000)) as relayed,
            psycopg.connect(team_url) as warehouse,
        ):
            warehouse.execute("DELETE FROM sync_issues")
        assert relayed.args == [frozenset({"runs"})]
    finally:
        bridge.detach()


def test_status_says_who_leads_and_whether_it_is_this_desktop(
    home: str, demo_store: DemoStore, team_url: str, office: tuple[StartedTeam, EventHub]
) -> None:
    started, _events = office
    profile: Profile = connect_context(home, demo_store)
    try:
        assert "team" not in profile.status().as_json()  # a profile of one desktop says nothing of teams
        profile.parts.team_sync = started.team
        assert started.leadership.wait_for(lambda e: e.is_leader(), WAIT_S)
        team = profile.status().as_json()["team"]
        assert team == {"leader": started.leadership.name, "this_desktop_leads": True}
        assert str(team["leader"]).startswith("Ana (")

        other = start_team(team_url, EventHub(), display_name="Sam", interval=0.2)
        try:
            assert other.leadership.wait_for(lambda e: e.leader_name() == started.leadership.name, WAIT_S)
            profile.parts.team_sync = other.team
            lead = profile.team_lead()
            assert lead is not None
            assert (lead.leader, lead.this_desktop_leads) == (started.leadership.name, False)
        finally:
            other.stop()
    finally:
        profile.close()


def test_the_status_bar_names_the_leader(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMainWindow

    from backorder_desktop.ui.status_bar import StatusBarPanel

    window = QMainWindow()
    qtbot.addWidget(window)
    panel = StatusBarPanel(window.statusBar(), window)
    panel.set_team(None, False, in_team=False)
    assert panel.team.isHidden()
    panel.set_team("Sam (sam@warehouse)", False, in_team=True)
    assert not panel.team.isHidden()
    assert panel.team.full_text() == "Team: Sam (sam@warehouse) leads"
    panel.set_team("Ana (ana@office)", True, in_team=True)
    assert panel.team.full_text() == "Team: this desktop leads the syncs"


def test_start_team_knows_at_once_whether_it_leads_and_tells_of_a_new_leader(team_url: str) -> None:
    first = start_team(team_url, EventHub(), display_name="Ana", interval=0.2)
    events = EventHub()
    heard: list[frozenset[str]] = []
    took_over = threading.Event()
    events.subscribe("team_changed", lambda kinds: (heard.append(kinds), took_over.set()))
    try:
        assert first.team.lead().this_desktop_leads  # asked right away: the first round has answered
        second = start_team(team_url, events, display_name="Sam", interval=0.2)
        try:
            assert second.team.lead() == TeamLead(first.leadership.name, False)
            heard.clear()
            took_over.clear()
            first.stop()  # Ana's desktop quits: Sam's takes over, and its window hears of it
            assert took_over.wait(WAIT_S)
            assert second.leadership.wait_for(lambda e: e.is_leader(), WAIT_S)
            assert frozenset({"leader"}) in heard
        finally:
            second.stop()
    finally:
        first.stop()
