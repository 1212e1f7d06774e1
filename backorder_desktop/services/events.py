"""A plain-callback observer hub: services report progress and state here, on their own threads.

The window turns these callbacks into queued Qt signals (``ui/qt_bridge.py``); the CLI prints them.
A subscriber that raises is logged and never breaks the sync that reported.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from backorder_desktop.domain.orders import OrderCount
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.domain.status import SyncState

if TYPE_CHECKING:  # what the notifications service emits: a status tells nothing
    from backorder_desktop.domain.notifications import Notification

logger = logging.getLogger(__name__)

Callback = Callable[..., None]


class EventHub:
    """Subscribe with ``subscribe(event, callback)``; services call ``emit_<event>(...)``."""

    EVENTS = (
        "progress", "state_changed", "run_started", "run_finished", "orders_changed", "notified",
        "team_changed",
    )  # fmt: skip

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[Callback]] = {name: [] for name in self.EVENTS}
        self._state = SyncState.IDLE

    def subscribe(self, event: str, callback: Callback) -> Callable[[], None]:
        """Register ``callback`` for ``event``; returns a function that unsubscribes it."""
        if event not in self._subscribers:
            raise ValueError(f"unknown event {event!r}")
        with self._lock:
            self._subscribers[event].append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers[event]:
                    self._subscribers[event].remove(callback)

        return unsubscribe

    def _emit(self, event: str, *args: Any) -> None:
        with self._lock:
            callbacks = list(self._subscribers[event])
        for callback in callbacks:
            try:
                callback(*args)
            except Exception:
                logger.exception("an %s subscriber failed", event)

    @property
    def state(self) -> SyncState:
        return self._state

    def emit_progress(self, progress: SyncProgress) -> None:
        self._emit("progress", progress)

    def emit_state(self, state: SyncState) -> None:
        self._state = state
        self._emit("state_changed", state)

    def emit_run_started(self, run_id: int, kind: str, trigger: str) -> None:
        self._emit("run_started", run_id, kind, trigger)

    def emit_run_finished(self, run: SyncRun) -> None:
        self._emit("run_finished", run)

    def emit_orders_changed(self, count: OrderCount) -> None:
        """Orders were counted outside a sync's run (a webhook's order): what is owed may differ."""
        self._emit("orders_changed", count)

    def emit_notified(self, notification: Notification) -> None:
        """Something was recorded for the merchant to be told (once: see ``services/notifications``)."""
        self._emit("notified", notification)

    def emit_team_changed(self, kinds: frozenset[str]) -> None:
        """Team mode: another desktop (or the leader's sync) changed these kinds of data in the shared
        database (products, ledger, rules, runs, orders, settings, outbox)."""
        self._emit("team_changed", kinds)
