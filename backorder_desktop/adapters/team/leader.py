"""The sync leader of a team: whichever desktop holds one session-level advisory lock.

Each desktop campaigns on a connection of its own (autocommit, so no transaction ever holds
anything else): ``pg_try_advisory_lock`` every ``interval`` until it is granted, then a cheap query
every ``interval`` as a heartbeat. The lock lives as long as that session: a desktop that quits,
crashes or is killed drops it the moment the server sees its socket close; one that loses the
network drops it when the server's keepalives (asked for per session, a few seconds) give up on
it. The holder learns it lost the lock from its own heartbeat failing (libpq's keepalives and
``tcp_user_timeout`` bound how long a query can hang on a dead link) and stops leading at once,
before the server could grant the lock to anyone else; it then reconnects and campaigns again.

Who leads needs no table: every campaign connection carries the desktop's name in
``application_name``, and ``pg_locks`` joined with ``pg_stat_activity`` names the session that
holds the key. The heartbeat reads it, so ``leader_name()`` never waits on the network.
"""

from __future__ import annotations

import getpass
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from backorder_desktop.adapters.team.link import Link

logger = logging.getLogger(__name__)

# The advisory key of "leads this team's syncs" (any constant of the app's own; migrations lock another).
LEADER_KEY = 0x4261636B4C656164  # "BackLead"
INTERVAL_S = 1.0  # campaign and heartbeat period
# A lead is trusted this long after its last heartbeat: shorter than the server's keepalives take
# to drop a dead link's lock, so a desktop cut off stops leading before another can start.
LEASE_S = 3.0
APPLICATION_NAME_MAX = 63  # PostgreSQL keeps this many bytes of application_name
_CLASSID, _OBJID = LEADER_KEY >> 32, LEADER_KEY & 0xFFFFFFFF
WHO_LEADS = (
    "SELECT a.application_name, a.pid = pg_backend_pid() FROM pg_locks AS l "
    "JOIN pg_stat_activity AS a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid = %s AND l.objid = %s "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def desktop_name(display_name: str | None = None) -> str:
    """What other desktops see as this one's name: the display name, the OS user and the host
    (no secret), cut to what PostgreSQL keeps."""
    user, host = getpass.getuser(), socket.gethostname().split(".")[0]
    text = f"{display_name} ({user}@{host})" if display_name else f"{user}@{host}"
    encoded = text.encode()[:APPLICATION_NAME_MAX]
    return encoded.decode(errors="ignore")


class LeaderElection(Link):
    """Campaigns for the team's sync leadership on its own thread until ``stop()``.

    ``on_change(leads)`` is called on that thread whenever this desktop gains or loses the lead,
    ``on_leader(name)`` whenever the leader it sees changes (another desktop's take-over too).
    ``interval`` paces the campaign and the heartbeat (tests shorten it). ``name_now``, asked at
    each round, is this desktop's name as it is now: a rename reaches the session, and so the other
    desktops, within a round."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        interval: float = INTERVAL_S,
        on_change: Callable[[bool], None] | None = None,
        on_leader: Callable[[str | None], None] | None = None,
        lease: float = LEASE_S,
        monotonic: Callable[[], float] = time.monotonic,
        name_now: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(url, name)
        self._name_now = name_now
        self._lease = lease
        self._monotonic = monotonic
        self._heard = 0.0  # the monotonic time of the last heartbeat that answered
        self._interval = interval
        self._on_change = on_change
        self._on_leader = on_leader
        self._decided = threading.Event()  # the first round has answered (or failed)
        self._changed = threading.Condition()
        self._leads = False
        self._leader: str | None = None

    def start(self) -> LeaderElection:
        super().start()
        return self

    def stop(self) -> None:
        """Stop campaigning; a lead held is given up (the session ends)."""
        super().stop()
        self._set(False, None)

    def is_leader(self) -> bool:
        """Whether this desktop leads: it holds the lock and its heartbeat answered within the lease
        (a heartbeat stuck on a dead link stops the lead before the server can grant it again)."""
        return self._leads and self._monotonic() - self._heard <= self._lease

    def leader_name(self) -> str | None:
        """The leading desktop's name as last seen (this one's own while it leads); None when
        nobody leads or the database cannot be reached."""
        return self._name if self.is_leader() else self._leader

    def wait_decided(self, timeout: float) -> bool:
        """Wait for the first campaign round's answer (a command that syncs at once must not be
        refused only because it asked before its own first round); False after ``timeout``."""
        return self._decided.wait(timeout)

    def wait_for(self, predicate: Callable[[LeaderElection], bool], timeout: float) -> bool:
        """Wait until ``predicate(self)`` holds (checked at every change); False after ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    # --- the campaign thread ----------------------------------------------------------------

    thread_name = "team-leader"

    def _serve_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                self._round()
            except Exception as exc:  # the server went away (or our link did): campaign afresh
                if not isinstance(exc, psycopg.Error):
                    logger.exception("the campaign for the team's lead failed")
                elif self._leads:
                    logger.warning("the team's lead was lost with the database connection: %s", exc)
                self._drop_connection()
                self._set(False, None)
            self._decided.set()
            self._stopping.wait(self._interval)

    def _round(self) -> None:
        conn = self._connection()
        if self._name_now is not None and (name := self._name_now()) != self._name:
            # Renamed while open: before the heartbeat, so this round's answer already names it.
            self._name = name  # a session made again after a failure here is made with it
            conn.execute("SELECT set_config('application_name', %s, false)", (name,))
        if not self._leads:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_KEY,)).fetchone()
            if row is not None and row[0]:
                logger.info("this desktop leads the team's syncs")
        # The heartbeat: a dead session fails here; the lock's holder as the server sees it.
        found = conn.execute(WHO_LEADS, (_CLASSID, _OBJID)).fetchall()
        leader = next((str(name) for name, _mine in found), None)
        self._heard = self._monotonic()
        self._set(any(bool(mine) for _name, mine in found), leader)

    def _set(self, leads: bool, leader: str | None) -> None:
        with self._changed:
            was, seen = self._leads, self._leader
            self._leads, self._leader = leads, leader
            self._changed.notify_all()
        if was != leads and self._on_change is not None:
            _tell(self._on_change, leads)
        if seen != leader and self._on_leader is not None:
            _tell(self._on_leader, leader)


def _tell(callback: Callable[[Any], None], value: object) -> None:
    """A subscriber that raises is logged; the campaign goes on."""
    try:
        callback(value)
    except Exception:
        logger.exception("a leadership subscriber failed")
