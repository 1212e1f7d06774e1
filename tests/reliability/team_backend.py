"""The reliability worlds on a team profile: the profile's database on the test PostgreSQL server.

A world is set up on the profile's own file, as a desktop alone has it, then made a team's by
``team create``, as a merchant does it: its data moved into a fresh database of the session's
server, ``team.json`` written, the password (if the address has one) kept in the keyring.
``World.make_team`` does it for the crash harness, ``on_team`` for a model-based story. The crash
children reach that password as every team desktop does, through the test keyring
(``tests/fixtures_keyring.py``'s private Secret Service, whose D-Bus address the children
inherit): never through their environment or a file.

The test server trusts its unix socket, so any password lets a client in; the harness's password
is still a real one in the keyring, so a child that could not read it would fail to open the
profile (a keyring it cannot reach is an error, not an empty password).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Protocol
from typing import TypeVar
from urllib.parse import quote
from urllib.parse import unquote

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.services.profile import Profile
from tests.fixtures_postgres import PostgresServer
from tests.fixtures_postgres import fresh_database

__all__ = [
    "HARNESS_PASSWORD",
    "assert_on_team",
    "fresh_database",
    "make_team",
    "on_team",
    "with_harness_password",
]

HARNESS_PASSWORD = "harness-pw-7Qz"  # the test server's trust authentication ignores it


def with_harness_password(url: str) -> str:
    """``url`` with the harness's password in its authority (``postgresql://user:pw@/db?...``)."""
    scheme, _, rest = url.partition("://")
    user, _, tail = rest.partition("@")
    return f"{scheme}://{user}:{quote(HARNESS_PASSWORD, safe='')}@{tail}"


def make_team(context: Profile, url: str, home: Path) -> None:
    """``team create`` on an open profile (then closed): its data moves into the database at
    ``url``; the next open of ``home`` opens the team database."""
    try:
        move = context.team_create(url, team_name="reliability")
    finally:
        context.close()
    wrong = [row for row in move.counts if row[1] != row[2]]
    assert not wrong, f"team create moved different counts: {wrong}"
    assert (home / "config" / "team.json").exists(), "team create wrote no team.json"


def assert_on_team(context: Profile, url: str) -> Profile:
    """``context`` opened the team database at ``url`` (not the profile's own file)."""
    name = unquote(url.rpartition("/")[2].partition("?")[0])
    assert context.info.database_path.startswith(f"{name} "), context.info.database_path
    return context


S = TypeVar("S", bound="_Story")


class _Story(Protocol):
    """What ``on_team`` needs of a model-based story: its profile folder, store and open profile."""

    folder: tempfile.TemporaryDirectory[str]
    store: DemoStore
    context: Profile

    def teardown(self) -> None: ...


def on_team(story: type[S], server: PostgresServer, reopen: Callable[[S], Profile]) -> type[S]:
    """``story`` on a team profile: once its ``__init__`` set the profile up (synced, products
    assigned) on the local file, ``team create`` moves it into a fresh database of ``server``, and
    ``reopen`` opens it again (now the team database: every later step, restart included, works
    there). The database is dropped at the story's teardown."""

    class TeamStory(story):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            super().__init__()
            self._database = ExitStack()
            url = self._database.enter_context(fresh_database(server))
            make_team(self.context, url, Path(self.folder.name))
            self.context = assert_on_team(reopen(self), url)

        def teardown(self) -> None:
            try:
                super().teardown()
            finally:
                self._database.close()

    TeamStory.__name__ = TeamStory.__qualname__ = f"Team{story.__name__}"
    return TeamStory
