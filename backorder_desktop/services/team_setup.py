"""Setting up team mode for one profile: create a team from this profile, join one, leave it, and
who this desktop's person is.

A team profile's database is a PostgreSQL server shared by several desktops. What each desktop
keeps for itself, in its own profile folder and keyring, never in the shared database: the team
database's address (``team.json``, without its password), that password (the keyring), its own
BigCommerce token (the keyring, as before), and the display name of the person at it.

The adapters come in through the small ports below (``app.py`` wires them): this module decides
what to refuse, what to move and what to tell, never how a file or a database is written.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.keys import token_key
from backorder_desktop.domain.ports import SecretStore
from backorder_desktop.domain.settings import actor_label
from backorder_desktop.domain.settings import parse_display_name
from backorder_desktop.domain.team_url import TeamUrl
from backorder_desktop.domain.team_url import describe_team
from backorder_desktop.domain.team_url import parse_team_url
from backorder_desktop.domain.team_url import team_password_key
from backorder_desktop.domain.team_url import with_password

LEADER_UNKNOWN = "not told yet"  # until the leader election says who leads


class CountedTable(Protocol):
    @property
    def table(self) -> str: ...

    @property
    def local(self) -> int: ...

    @property
    def team(self) -> int: ...


class TeamStoreRow(Protocol):
    @property
    def store_hash(self) -> str: ...

    @property
    def name(self) -> str: ...


class TeamRecordLike(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def team_name(self) -> str: ...


class TeamDatabase(Protocol):
    """A team's PostgreSQL database, as setting up team mode needs it."""

    def move_profile(self, database: Path, url: str) -> Sequence[CountedTable]: ...

    def team_store(self, url: str) -> TeamStoreRow | None: ...


class DesktopRecords(Protocol):
    """This desktop's own records beside the profile (``team.json``, the display name)."""

    def team(self) -> TeamRecordLike | None: ...

    def write_team(self, url: str, team_name: str) -> None: ...

    def remove_team(self) -> None: ...

    def display_name(self) -> str: ...

    def set_display_name(self, name: str) -> None: ...


class NotInTeam(UserFacingError):
    title = "Not in a team"


class TeamRefused(UserFacingError):
    title = "Cannot join this team"


class NoKeyringForPassword(UserFacingError):
    """No keyring to keep the team database's password in (a token's session-only way has no
    counterpart here: every start of a team desktop needs the password)."""

    title = "No keyring available"
    kind = ErrorKind.KEYRING_UNAVAILABLE


@dataclass(frozen=True, slots=True)
class TeamMove:
    """What ``team create`` did: the team database, each table's rows on both sides, and where this
    computer's own database file stays (as it was at the move)."""

    database: str
    counts: tuple[tuple[str, int, int], ...]  # (table, rows in the file, rows in the team database)
    kept_file: str


@dataclass(frozen=True, slots=True)
class TeamJoin:
    database: str
    store_hash: str
    store_name: str
    has_token: bool  # this desktop's keyring holds a token for the team's store


@dataclass(frozen=True, slots=True)
class TeamStatus:
    in_team: bool
    database: str  # described, never with a password; the local file's path outside a team
    team_name: str
    me: str  # the person this desktop's changes are recorded as
    leader: str  # who leads the team's syncs (told by the leader election)
    display_name: str = ""  # as typed in (``me`` adds the computer's user name)


@dataclass(frozen=True, slots=True)
class TeamLeft:
    database: str  # the team database left (it keeps the team's data)
    local_file: str  # what this desktop opens from now on


class TeamSetup:
    """Team mode's set-up for one profile (the ``team_*`` methods of the facade call it)."""

    def __init__(
        self,
        *,
        records: DesktopRecords,
        secrets: Callable[[], SecretStore],
        teams: Callable[[], TeamDatabase],
        local_database: Path,
        os_user: str,
        exclusive: Callable[[], AbstractContextManager[object]],
        leader: Callable[[], str | None] = lambda: None,
        on_secret: Callable[[str], object] = lambda _secret: None,
    ) -> None:
        self._records = records
        self._secrets = secrets
        self._teams = teams  # built when first asked: the driver is no part of a SQLite profile's start
        self._local = local_database
        self._os_user = os_user
        self._exclusive = exclusive  # nothing else of this profile writes meanwhile (the sync lock)
        self._leader = leader
        self._on_secret = on_secret  # the log redactor learns the password before it is used

    # --- who I am -------------------------------------------------------------------------------

    def actor(self) -> str:
        return actor_label(self._records.display_name(), self._os_user)

    def display_name(self) -> str:
        return self._records.display_name()

    def set_display_name(self, text: str) -> str:
        """Keep the display name (empty: none); returns whom changes are recorded as from now on."""
        self._records.set_display_name(parse_display_name(text))
        return self.actor()

    # --- the team -------------------------------------------------------------------------------

    def create(self, url_text: str, *, team_name: str = "") -> TeamMove:
        """Move this profile's data into the empty team database at ``url_text``, verified by each
        table's count, then make it this profile's database. The local file is left as it was."""
        self._refuse_if_in_team()
        parsed = parse_team_url(url_text)
        password = self._password(parsed)
        self._keep_password(parsed)  # first: a keyring that cannot keep it stops before anything moves
        with self._exclusive():
            counts = self._teams().move_profile(self._local, with_password(parsed.url, password))
        self._records.write_team(parsed.url, team_name)
        return TeamMove(
            database=describe_team(parsed.url),
            counts=tuple((c.table, c.local, c.team) for c in counts),
            kept_file=str(self._local),
        )

    def join(self, url_text: str, *, team_name: str = "", local_store: str | None = None) -> TeamJoin:
        """Make the team database at ``url_text`` this profile's: it must hold a team's store.
        ``local_store``: the store this profile was connected to on its own, if any (it must be
        the team's: a profile is one store's)."""
        self._refuse_if_in_team()
        parsed = parse_team_url(url_text)
        password = self._password(parsed)
        store = self._teams().team_store(with_password(parsed.url, password))
        if store is None:
            raise TeamRefused(
                f"The team database {describe_team(parsed.url)} holds no team yet.", remedy=Remedy.CREATE_TEAM
            )
        if local_store is not None and local_store != store.store_hash:
            raise TeamRefused(
                f"This profile works on the store {local_store}, and the team on {store.store_hash}. "
                "Join the team from a profile of its store, or from a new profile folder."
            )
        self._keep(parsed, team_name)
        return TeamJoin(
            database=describe_team(parsed.url),
            store_hash=store.store_hash,
            store_name=store.name,
            has_token=self._secrets().get(token_key(store.store_hash)) is not None,
        )

    def status(self) -> TeamStatus:
        record = self._records.team()
        if record is None:
            return TeamStatus(
                in_team=False,
                database=str(self._local),
                team_name="",
                me=self.actor(),
                leader="",
                display_name=self.display_name(),
            )
        return TeamStatus(
            in_team=True,
            database=describe_team(record.url),
            team_name=record.team_name,
            me=self.actor(),
            leader=self._leader() or LEADER_UNKNOWN,
            display_name=self.display_name(),
        )

    def leave(self) -> TeamLeft:
        """Open this computer's own database file again from now on. The team database keeps the
        team's data (and the others keep working on it); the password is dropped from the keyring."""
        record = self._records.team()
        if record is None:
            raise NotInTeam("This profile is not in a team: it already uses this computer's own database.")
        self._records.remove_team()
        self._secrets().delete(team_password_key(record.url))
        return TeamLeft(database=describe_team(record.url), local_file=str(self._local))

    def _refuse_if_in_team(self) -> None:
        record = self._records.team()
        if record is not None:
            where = describe_team(record.url)
            raise TeamRefused(f"This profile is already in the team on {where}.", remedy=Remedy.LEAVE_TEAM)

    def _password(self, parsed: TeamUrl) -> str | None:
        """The one given in the address, else the one this desktop kept for it."""
        password = parsed.password or self._secrets().get(team_password_key(parsed.url))
        if password:
            self._on_secret(password)
        return password

    def _keep(self, parsed: TeamUrl, team_name: str) -> None:
        """The password to the keyring, then the address without it to ``team.json``."""
        self._keep_password(parsed)
        self._records.write_team(parsed.url, team_name)

    def _keep_password(self, parsed: TeamUrl) -> None:
        if not parsed.password:
            return
        try:
            self._secrets().set(team_password_key(parsed.url), parsed.password)
        except KeyringUnavailable as exc:  # its remedy speaks of the store's token: not this one
            raise NoKeyringForPassword(
                f"{exc.message} The team database's password is kept there too, and there is no "
                "session-only way for it: set up a keyring on this computer, then try again."
            ) from exc
