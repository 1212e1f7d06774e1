"""The reliability worlds on a team profile: the profile's database on the test PostgreSQL server.

``BACKENDS`` parametrizes a world: ``sqlite`` (the profile's own file, as a desktop alone has it)
and ``postgres`` (the same profile made a team's by ``team create``, as a merchant does it: its
data moved into a fresh database of the session's server, ``team.json`` written, the password
kept in the keyring). The crash children reach that password as every team desktop does, through
the test keyring (``tests/fixtures_keyring.py``'s private Secret Service, whose D-Bus address the
children inherit): never through their environment or a file.

The test server trusts its unix socket, so any password lets a client in; the harness's password
is still a real one in the keyring, so a child that could not read it would fail to open the
profile (a keyring it cannot reach is an error, not an empty password).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from backorder_desktop.services.profile import Profile
from tests.fixtures_postgres import fresh_database

__all__ = ["BACKENDS", "HARNESS_PASSWORD", "fresh_database", "make_team", "with_harness_password"]

BACKENDS = ("sqlite", "postgres")
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
