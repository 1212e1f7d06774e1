"""Team mode's running parts for one open profile: the leader election and the change listener,
wired to the profile's event hub (composition, like ``app.py``, which calls ``start_team`` when
the profile's database is a team's).

The caller gives ``started.leadership`` to the profile's ``SyncEngine`` and ``SyncScheduler``
(only the leading desktop syncs), keeps ``started.team`` as the profile's ``team_sync`` part
(``Profile.team_lead()``, the status), and closes ``started.stop`` with the profile. The window's
sync child runs a sync its parent, the leader, asked for: it is opened without a leadership (its
own election could never win against its parent's session) and starts none of this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backorder_desktop.adapters.team.leader import INTERVAL_S
from backorder_desktop.adapters.team.leader import LeaderElection
from backorder_desktop.adapters.team.leader import desktop_name
from backorder_desktop.adapters.team.link import CONNECT_TIMEOUT_S
from backorder_desktop.adapters.team.notify import ChangeListener
from backorder_desktop.services.events import EventHub
from backorder_desktop.services.team import TeamSync
from backorder_desktop.services.team import leader_changed as told


@dataclass(frozen=True, slots=True)
class StartedTeam:
    leadership: LeaderElection
    listener: ChangeListener
    team: TeamSync

    def stop(self) -> None:
        """Stop listening, and give the lead up (another desktop takes over within a second or so)."""
        self.listener.stop()
        self.leadership.stop()


def start_team(
    url: str,
    events: EventHub,
    *,
    display_name: str | None = None,
    display_name_now: Callable[[], str | None] | None = None,
    interval: float = INTERVAL_S,
) -> StartedTeam:
    """Campaign for the team's sync lead and listen for the other desktops' changes, on
    connections (and threads) of their own; both go on trying while the server is out of reach.
    Returns after the first campaign round answered (at most the connect timeout), so that a
    command's sync right after opening knows whether it leads. ``url`` may hold the password (it
    is never logged or shown). ``display_name_now``, asked at each of the election's rounds: the
    person's name as it is now, so that a rename while the profile is open (here or by another
    process) is what the other desktops name as the leader from the next round."""
    name = desktop_name(display_name)
    leadership = LeaderElection(
        url,
        name=name,
        interval=interval,
        on_leader=lambda _name: told(events),
        name_now=(lambda: desktop_name(display_name_now())) if display_name_now is not None else None,
    )
    team = TeamSync(leadership=leadership, events=events)
    listener = ChangeListener(url, name=name, on_change=team.changed, interval=interval)
    leadership.start()
    listener.start()
    leadership.wait_decided(CONNECT_TIMEOUT_S + interval)
    return StartedTeam(leadership=leadership, listener=listener, team=team)
