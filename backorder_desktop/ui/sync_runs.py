"""The window's syncs: the Sync button's and the tray's requests, the first sync and the other
automatic ones the window starts, each one call on the open ``Profile`` on a worker.

A request during a running sync joins it (the engine runs one at a time). While any request is in
flight, or the engine says it is syncing, the window shows it syncing. A manual run that went
through is told once from the tray; one that failed goes to the error router (offline is not told:
the profile's scheduler retries).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui import collector
from backorder_desktop.ui.error_router import sync_notification

if TYPE_CHECKING:
    from backorder_desktop.ui.controller import AppController

logger = logging.getLogger(__name__)


class SyncRuns:
    """Starts the window's syncs and keeps the window's "syncing" in step with them."""

    def __init__(self, controller: AppController) -> None:
        self._c = controller
        self.requests_in_flight = 0  # syncs this window asked for that have not ended
        self._notified_runs: set[int] = set()
        self._syncing = False

    def request_sync(self, trigger: RunTrigger) -> None:
        """A manual sync (Sync button, tray). A request during a running sync joins it."""
        c = self._c
        profile = c.profile
        if profile is None or c.status is None or c.status.store_hash is None:
            c.window.set_syncing(False)
            return
        logger.info("manual sync requested (%s)", trigger)
        self._start_sync(profile, RunKind.MANUAL, trigger)

    def run_automatic_sync(self, trigger: RunTrigger) -> None:
        profile = self._c.profile
        if profile is not None:
            self._start_sync(profile, RunKind.AUTOMATIC, trigger)

    def _start_sync(self, profile: Profile, kind: RunKind, trigger: RunTrigger) -> None:
        self.requests_in_flight += 1
        self._set_syncing(True)
        self._c.runner.run_in_background(
            lambda: profile.sync(kind=kind, trigger=trigger),
            on_result=lambda run: self._on_sync_succeeded(run, kind),
            on_error=lambda error: self._on_sync_failed(error, kind),
            on_finished=self._on_sync_finished,
        )

    def _on_sync_succeeded(self, run: SyncRun, kind: RunKind) -> None:
        c = self._c
        c.window.clear_problem()
        if kind is RunKind.MANUAL:
            if run.id not in self._notified_runs:
                self._notified_runs.add(run.id)
                c.tray.notify(*sync_notification(run))
            c.manual_sync_finished.emit(run)

    def _on_sync_failed(self, error: BaseException, kind: RunKind) -> None:
        # Offline: no notification; the profile's scheduler saw the failed run and retries.
        c = self._c
        c.router.route(error, notify=not isinstance(error, Offline))
        if kind is RunKind.MANUAL:
            c.manual_sync_finished.emit(error)

    def _on_sync_finished(self) -> None:
        self.requests_in_flight -= 1
        self.update_syncing()
        self._c.refresh_after_change()

    def update_syncing(self) -> None:
        c = self._c
        state = c.bridge.current_state if c.bridge is not None else SyncState.IDLE
        syncing = self.requests_in_flight > 0 or state is SyncState.SYNCING
        self._set_syncing(syncing)
        if not syncing:
            c.window.products.set_sync_progress(None)

    def _set_syncing(self, syncing: bool) -> None:
        if syncing and not self._syncing:
            collector.settle()  # the collections a sync's events trigger walk only what it makes
        self._syncing = syncing
        self._c.window.set_syncing(syncing)
