"""Turns the services' event callbacks (any thread) into queued Qt signals for the widgets.

The ``EventHub`` calls its subscribers on the engine's own threads. ``EventBridge`` subscribes to
it and re-emits each event twice: first on a private signal connected with an explicit
``QueuedConnection`` to itself (so delivery always goes through the GUI thread's event loop, even
when a service happens to emit on the GUI thread), then as the public signal widgets connect to.
No other code in the window crosses between threads (STYLE rule 9).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtCore import Slot

from backorder_desktop.domain.notifications import Notification
from backorder_desktop.domain.orders import OrderCount
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.profile import EventHub

logger = logging.getLogger(__name__)


class EventBridge(QObject):
    """Public signals, always delivered on the GUI thread."""

    progress_changed = Signal(object)  # SyncProgress
    state_changed = Signal(object)  # SyncState
    run_started = Signal(int, str, str)  # run id, kind, trigger
    run_finished = Signal(object)  # SyncRun
    orders_changed = Signal(object)  # OrderCount
    notified = Signal(object)  # Notification: recorded in this process (the sync child's are read)
    team_changed = Signal(object)  # frozenset of kinds another desktop changed (team mode)

    _progress_posted = Signal(object)
    _state_posted = Signal(object)
    _run_started_posted = Signal(int, str, str)
    _run_finished_posted = Signal(object)
    _orders_changed_posted = Signal(object)
    _notified_posted = Signal(object)
    _team_changed_posted = Signal(object)

    def __init__(self, events: EventHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        queued = Qt.ConnectionType.QueuedConnection
        self._progress_posted.connect(self._on_hub_progress, queued)
        self._state_posted.connect(self._on_hub_state_changed, queued)
        self._run_started_posted.connect(self._on_hub_run_started, queued)
        self._run_finished_posted.connect(self._on_hub_run_finished, queued)
        self._orders_changed_posted.connect(self._on_hub_orders_changed, queued)
        self._notified_posted.connect(self._on_hub_notified, queued)
        self._team_changed_posted.connect(self._on_hub_team_changed, queued)
        self._unsubscribers = [
            events.subscribe("progress", self._post_progress),
            events.subscribe("state_changed", self._post_state),
            events.subscribe("run_started", self._post_run_started),
            events.subscribe("run_finished", self._post_run_finished),
            events.subscribe("orders_changed", self._post_orders_changed),
            events.subscribe("notified", self._post_notified),
            events.subscribe("team_changed", self._team_changed_posted.emit),
        ]
        self._current_state = events.state

    @property
    def current_state(self) -> SyncState:
        """The last state delivered on the GUI thread."""
        return self._current_state

    def detach(self) -> None:
        """Stop listening (the profile is being closed); queued signals still arrive."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = []

    # --- called on the services' threads: only emit, touch nothing else ---------------------

    def _post_progress(self, progress: SyncProgress) -> None:
        self._progress_posted.emit(progress)

    def _post_state(self, state: SyncState) -> None:
        self._state_posted.emit(state)

    def _post_run_started(self, run_id: int, kind: str, trigger: str) -> None:
        self._run_started_posted.emit(run_id, kind, trigger)

    def _post_run_finished(self, run: SyncRun) -> None:
        self._run_finished_posted.emit(run)

    def _post_orders_changed(self, count: OrderCount) -> None:
        self._orders_changed_posted.emit(count)

    def _post_notified(self, notification: Notification) -> None:
        self._notified_posted.emit(notification)

    # --- on the GUI thread -----------------------------------------------------------------

    @Slot(object)
    def _on_hub_progress(self, progress: SyncProgress) -> None:
        self.progress_changed.emit(progress)

    @Slot(object)
    def _on_hub_state_changed(self, state: SyncState) -> None:
        self._current_state = state
        self.state_changed.emit(state)

    @Slot(int, str, str)
    def _on_hub_run_started(self, run_id: int, kind: str, trigger: str) -> None:
        self.run_started.emit(run_id, kind, trigger)

    @Slot(object)
    def _on_hub_run_finished(self, run: SyncRun) -> None:
        logger.debug("run %s finished (%s)", run.id, run.outcome)
        self.run_finished.emit(run)

    @Slot(object)
    def _on_hub_orders_changed(self, count: OrderCount) -> None:
        self.orders_changed.emit(count)

    @Slot(object)
    def _on_hub_notified(self, notification: Notification) -> None:
        self.notified.emit(notification)

    @Slot(object)
    def _on_hub_team_changed(self, kinds: frozenset[str]) -> None:
        self.team_changed.emit(kinds)
