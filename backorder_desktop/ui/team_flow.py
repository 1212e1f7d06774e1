"""The team from the window: the Settings page's display name and team section, read after the
form is filled, and Create team / Join team carried out on the open ``Profile`` on a worker.

After a team is created or joined, the profile is opened again: from then on it is the team's
database that it opens.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from backorder_desktop.services.profile_team import TeamJoin
from backorder_desktop.services.profile_team import TeamMove
from backorder_desktop.ui.error_router import describe
from backorder_desktop.ui.formatting import plural

if TYPE_CHECKING:
    from backorder_desktop.ui.controller import AppController


def moved_text(moved: TeamMove) -> str:
    """``Moved 12 tables (1,204 rows) into shop on db.example.com; …``"""
    rows = sum(there for _table, _here, there in moved.counts)
    return (
        f"Moved {plural(len(moved.counts), 'table')} ({plural(rows, 'row')}, each table counted on both "
        f"sides) into {moved.database}. This computer's own file stays at {moved.kept_file}, as it was."
    )


def joined_text(joined: TeamJoin) -> str:
    text = f"Joined the team on {joined.database}: {joined.store_name or joined.store_hash}."
    if not joined.has_token:
        text += " Connect the store with your own access token to sync from this computer."
    return text


class TeamFlow:
    """Reads the team's part of the Settings page and carries out Create team and Join team."""

    def __init__(self, controller: AppController) -> None:
        self._c = controller
        page = controller.window.settings
        page.settings_shown.connect(self.load)
        page.team_requested.connect(self.set_up)

    def load(self) -> None:
        c, profile = self._c, self._c.profile
        if profile is None:
            return
        shareable = not profile.info.is_demo
        c.runner.run_in_background(
            profile.team_status,
            on_result=lambda status: c.window.settings.show_team(status, shareable=shareable),
            on_error=c.router.route,
        )

    def set_up(self, action: str, url: str) -> None:
        c, profile = self._c, self._c.profile
        if profile is None:
            return
        page = c.window.settings

        def done(result: TeamMove | TeamJoin) -> None:
            page.show_team_result(moved_text(result) if isinstance(result, TeamMove) else joined_text(result))
            c.open_profile(demo=False)  # the profile opens its team database from now on

        def failed(error: BaseException) -> None:
            title, message = describe(error)
            text = f"<b>{html.escape(title)}</b><br>{html.escape(message)}"
            page.show_team_result(text.replace("\n", "<br>"))

        work = (lambda: profile.team_create(url)) if action == "create" else (lambda: profile.team_join(url))
        c.runner.run_in_background(work, on_result=done, on_error=failed)
