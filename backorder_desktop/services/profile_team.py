"""The facade's part for team mode and the person at this desktop: create a team from this profile,
join one, its status, leave it; the display name every change is recorded with. ``Profile``
inherits it; the window and the command line see one facade.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import UserFacingError

if TYPE_CHECKING:  # team set-up's module is imported when a team method first runs
    from backorder_desktop.services.profile_parts import ProfileParts
    from backorder_desktop.services.team_setup import TeamJoin
    from backorder_desktop.services.team_setup import TeamLeft
    from backorder_desktop.services.team_setup import TeamMove
    from backorder_desktop.services.team_setup import TeamSetup
    from backorder_desktop.services.team_setup import TeamStatus

__all__ = ["TeamJoin", "TeamLeft", "TeamMode", "TeamMove", "TeamStatus"]
_REEXPORTED = frozenset({"TeamJoin", "TeamLeft", "TeamMove", "TeamStatus"})


def __getattr__(name: str) -> object:
    """The team set-up's reports, for the window's team pages: imported on first use."""
    if name not in _REEXPORTED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from backorder_desktop.services import team_setup

    value = getattr(team_setup, name)
    globals()[name] = value
    return value


class TeamMode:
    """Team mode and the display name: methods of ``Profile``."""

    parts: ProfileParts

    def team_create(self, url: str, *, team_name: str = "") -> TeamMove:
        """Move this profile's data into an empty PostgreSQL database (``postgresql://…``; a password
        in it goes to the keyring) and use that database from the next start: every table is
        copied in one transaction and its count checked. This computer's own file is left as it
        was. Refused when the database already holds a team's data (join it instead)."""
        self._refuse_demo()
        return self._team().create(url, team_name=team_name)

    def team_join(self, url: str, *, team_name: str = "") -> TeamJoin:
        """Use a team's PostgreSQL database from the next start; it must hold the team's store.
        This desktop's token stays its own (its keyring)."""
        self._refuse_demo()
        local = self.parts.mirror.get_store()
        return self._team().join(url, team_name=team_name, local_store=local[0].store_hash if local else None)

    def team_status(self) -> TeamStatus:
        """The team database (never its password), who this desktop records changes as, who leads."""
        status = self._team().status()
        sync = self.parts.team_sync
        if not status.in_team or sync is None:
            return status
        lead = sync.lead()
        if lead.leader is None:
            return replace(status, leader="no desktop right now")
        return replace(status, leader=f"{lead.leader}{' (this desktop)' if lead.this_desktop_leads else ''}")

    def team_leave(self) -> TeamLeft:
        """Use this computer's own database file again from the next start; the team keeps its data."""
        return self._team().leave()

    def display_name(self) -> str:
        """The name of the person at this desktop (empty: none; changes then name the OS user)."""
        return self._team().display_name()

    def set_display_name(self, name: str) -> str:
        """Keep this desktop's display name; returns whom changes are recorded as from now on
        ("Ana (ana)"). Applies at once to this profile's own edits."""
        actor = self._team().set_display_name(name)
        self.parts.actor = actor
        return actor

    def _refuse_demo(self) -> None:
        if self.parts.info.is_demo:
            raise UserFacingError(
                "The demo store's profile cannot be shared: its catalog is generated on this computer "
                "for each run. Connect your own store, then create or join a team.",
                title="Not for the demo store",
            )

    def _team(self) -> TeamSetup:
        if self.parts.team is None:
            raise BugError("this profile was opened without its team set-up")
        return self.parts.team
