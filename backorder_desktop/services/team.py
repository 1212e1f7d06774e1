"""Team mode's running state for one desktop: who leads the team's syncs, and what the others changed.

The leader election (``adapters/team/leader.py``) answers the ``Leadership`` port; the engine and
the scheduler ask ``TeamSync.check_may_sync`` before anything that reads or writes the store, so a
desktop that does not lead spends none of the store's quota and pushes nothing: the leader does
it for everyone (the outbox is in the shared database, so whatever any desktop queued is pushed
once, by whoever leads when it is pushed). The change listener hands bursts of changed kinds to
``TeamSync.changed``, which tells the window through the hub (``team_changed``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import AnotherDesktopSyncs
from backorder_desktop.services.events import EventHub

if TYPE_CHECKING:  # the ports are annotations here: a status never makes their classes
    from backorder_desktop.domain.ports import Leadership

logger = logging.getLogger(__name__)

LEADER = "leader"  # the kind of change of a new leader (besides the data's kinds)


@dataclass(frozen=True, slots=True)
class TeamLead:
    """Who leads the team's syncs, as this desktop last heard it."""

    leader: str | None  # None: no desktop leads right now (or the database cannot be reached)
    this_desktop_leads: bool

    def as_json(self) -> dict[str, object]:
        return {"leader": self.leader, "this_desktop_leads": self.this_desktop_leads}


def leader_syncs(leader: str | None) -> str:
    """What a desktop that does not lead says instead of syncing."""
    if leader is None:
        return (
            "No desktop leads the team's syncs right now (the team database may be out of reach). "
            "One takes over within a few seconds of reaching it; try again then."
        )
    return f"{leader} syncs for the team. What it pulls and pushes shows here as it happens."


def require_lead(leadership: Leadership) -> None:
    """Nothing when this desktop leads; otherwise ``AnotherDesktopSyncs`` naming the leader."""
    if not leadership.is_leader():
        raise AnotherDesktopSyncs(leader_syncs(leadership.leader_name()))


def leader_changed(events: EventHub) -> None:
    """The desktop seen leading changed (this one's lead too): the status bar says who leads."""
    events.emit_team_changed(frozenset({LEADER}))


class TeamSync:
    """The team's state for one desktop: asked by the engine and the scheduler, told by the listener."""

    def __init__(self, *, leadership: Leadership, events: EventHub) -> None:
        self._leadership = leadership
        self._events = events

    def lead(self) -> TeamLead:
        leads = self._leadership.is_leader()
        return TeamLead(leader=self._leadership.leader_name(), this_desktop_leads=leads)

    def leads(self) -> bool:
        return self._leadership.is_leader()

    def check_may_sync(self) -> None:
        """Nothing when this desktop leads; otherwise ``AnotherDesktopSyncs`` naming the leader."""
        require_lead(self._leadership)

    def changed(self, kinds: frozenset[str]) -> None:
        """The listener heard these kinds of data change in the shared database."""
        logger.debug("the team database changed: %s", ", ".join(sorted(kinds)))
        self._events.emit_team_changed(kinds)
