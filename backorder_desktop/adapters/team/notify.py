"""What other desktops changed, as the team database announces it (``LISTEN``, never polling).

Migration 15's triggers notify the channel ``backorder_changes`` with the kind of data written
(products, ledger, rules, runs, orders, settings, outbox). ``ChangeListener`` listens on a
connection of its own, on a thread of its own, blocked in psycopg's ``notifies()`` until the server
sends something. A burst (a pull notifies at every page; a user's action may touch several
tables) is gathered for ``coalesce`` seconds after its first notification and handed on as one
set of kinds. When the server restarts or the link drops, the listener reconnects every
``interval`` and, once back, reports every kind once: what changed while it was deaf is unknown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from backorder_desktop.adapters.storage.migrations.m0015_change_notices import CHANNEL
from backorder_desktop.adapters.storage.migrations.m0015_change_notices import KINDS
from backorder_desktop.adapters.team.link import Link

logger = logging.getLogger(__name__)

ALL_KINDS = frozenset(KINDS.values())
COALESCE_S = 0.1  # a burst's notifications are gathered this long (edit-to-visible stays well under 1 s)
INTERVAL_S = 1.0  # reconnecting after a lost link, and how often a quiet wait checks for stop()


class ChangeListener(Link):
    """Calls ``on_change(kinds)`` on its own thread for each burst of changes until ``stop()``."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        on_change: Callable[[frozenset[str]], None],
        coalesce: float = COALESCE_S,
        interval: float = INTERVAL_S,
    ) -> None:
        super().__init__(url, name)
        self._on_change = on_change
        self._coalesce = coalesce
        self._interval = interval
        self._listening = threading.Event()
        self._heard_before = False

    def start(self) -> ChangeListener:
        super().start()
        return self

    def wait_listening(self, timeout: float) -> bool:
        """Wait until the listener's ``LISTEN`` is in place (a change before it is not heard)."""
        return self._listening.wait(timeout)

    # --- the listening thread -------------------------------------------------------------------

    thread_name = "team-changes"

    def _serve_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                self._serve()
            except psycopg.Error as exc:
                if self._listening.is_set():
                    logger.info("the team's change notices stopped (%s); reconnecting", exc)
                self._listening.clear()
                self._drop_connection()
                self._stopping.wait(self._interval)

    def _serve(self) -> None:
        fresh = self._conn is None
        conn = self._connection()
        if fresh:
            conn.execute(f"LISTEN {CHANNEL}")
            self._listening.set()
            if self._heard_before:  # deaf for a while: anything may have changed meanwhile
                self._deliver(set(ALL_KINDS))
            self._heard_before = True
        while not self._stopping.is_set():
            kinds = {n.payload for n in conn.notifies(timeout=self._interval, stop_after=1)}
            if not kinds:
                continue
            kinds.update(n.payload for n in conn.notifies(timeout=self._coalesce))
            self._deliver(kinds)

    def _deliver(self, kinds: set[str]) -> None:
        known = frozenset(kinds & ALL_KINDS)
        if not known:
            return
        try:
            self._on_change(known)
        except Exception:
            logger.exception("a change-notice subscriber failed")
