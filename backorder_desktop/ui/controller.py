"""The window's controller: opens profiles, runs syncs, feeds the window and the tray, quits cleanly.

Everything slow goes through ``BackgroundRunner``; engine events arrive through ``EventBridge``;
errors go to ``ErrorRouter``; longer flows (profiles, connecting, settings, stock) are in
``ProfileFlows``. ``pause_handler`` pauses the profile's scheduler (issue 6).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal

from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.ports import RunKind
from backorder_desktop.domain.ports import RunOutcome
from backorder_desktop.domain.ports import SyncRun
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.bundle import Launcher
from backorder_desktop.services.bundle import Services
from backorder_desktop.services.catalog import StatusReport
from backorder_desktop.ui.dialogs.about_dialog import AboutDialog
from backorder_desktop.ui.dialogs.log_viewer import LogViewer
from backorder_desktop.ui.error_router import ErrorRouter
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.formatting import sync_summary
from backorder_desktop.ui.main_window import MainWindow
from backorder_desktop.ui.models.stock_policy import StockPolicy
from backorder_desktop.ui.profile_flows import ProfileFlows
from backorder_desktop.ui.qt_bridge import EventBridge
from backorder_desktop.ui.tray import TrayIcon
from backorder_desktop.ui.workers import BackgroundRunner

logger = logging.getLogger(__name__)

QUIT_WAIT_MS = 30_000
RETRY_FIRST_MS = 30_000
RETRY_MAX_MS = 300_000
HISTORY_LIMIT = 200

StockEditor = Callable[[Product, Variant | None, int], object]


class AppController(QObject):
    """Owns the window, the tray and the open profile's services."""

    profile_adopted = Signal(object)  # Services
    manual_sync_finished = Signal(object)  # the SyncRun, or the error it raised
    status_refreshed = Signal(object)  # StatusReport
    finished = Signal()  # quit is complete: services closed

    def __init__(self, launcher: Launcher, *, tray_available: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.launcher = launcher
        self.runner = BackgroundRunner(self)
        self.router = ErrorRouter(self)
        self.runner.unhandled_error = self.router.route
        self.window = MainWindow(self.runner)
        self.router.dialog_parent = self.window
        self.tray = (
            TrayIcon(self) if tray_available is None else TrayIcon(self, tray_available=tray_available)
        )
        self.router.notifier = self.tray.notify
        self.services: Services | None = None
        self.bridge: EventBridge | None = None
        self.status: StatusReport | None = None
        self.stock_editor: StockEditor | None = None
        self.outbox_discarder: Callable[[], object] | None = None
        self.pause_handler: Callable[[bool], object] | None = None
        self._requests_in_flight = 0
        self._notified_runs: set[int] = set()
        self._first_adoption = True
        self.force_show = False  # --screenshot: show even when set to start minimised
        self._quitting = False
        self._closed = False
        self._finished = False
        self._told_about_tray = False
        self.flows = ProfileFlows(self)
        self._retry_ms = RETRY_FIRST_MS
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._wire()

    def _wire(self) -> None:
        window, tray, router = self.window, self.tray, self.router
        window.sync_clicked.connect(lambda: self.request_sync("button"))
        window.connect_clicked.connect(self.flows.connect_store)
        window.log_clicked.connect(self.show_log)
        window.about_clicked.connect(self.show_about)
        window.close_to_tray = self._close_to_tray
        window.welcome.connect_requested.connect(self.flows.connect_store)
        window.welcome.demo_requested.connect(self.flows.open_demo)
        window.products.assignment_changed.connect(self._on_products_assignment_changed)
        window.products.stock_edit_requested.connect(self._on_products_stock_edit_requested)
        window.products.stock_history_requested.connect(self.flows.show_stock_history)
        window.history.refresh_requested.connect(self.load_history)
        window.settings.save_requested.connect(self.flows.save_settings)
        tray.sync_requested.connect(lambda: self.request_sync("tray"))
        tray.open_requested.connect(self.show_window)
        tray.quit_requested.connect(self.quit)
        tray.pause_toggled.connect(self._on_tray_pause_toggled)
        router.status_posted.connect(window.set_message)
        router.reconnect_requested.connect(self.flows.reconnect)
        router.offline_detected.connect(self._on_router_offline_detected)

    # --- starting and profiles --------------------------------------------------------------

    def start(self, *, start_demo: bool = False) -> None:
        """Show the tray, open the profile (or a demo store) on a worker, then the window."""
        self.tray.start()
        self.window.show_loading("Starting the demo store…" if start_demo else "Opening your catalog…")
        self.flows.open_profile(demo=start_demo)

    def adopt(self, services: Services, status: StatusReport, start_minimised: bool) -> None:
        """Make ``services`` the open profile (closing the previous one) and show it."""
        previous = self.services
        if self.bridge is not None:
            self.bridge.detach()
            self.bridge.deleteLater()
        if previous is not None and previous is not services:
            self.runner.run_in_background(previous.close)
        self.services = services
        self.router.log_dir = services.log_dir
        self.bridge = EventBridge(services.events, self)
        self.bridge.state_changed.connect(self._on_bridge_state_changed)
        self.bridge.progress_changed.connect(self._on_bridge_progress_changed)
        self.bridge.run_finished.connect(self._on_bridge_run_finished)
        self.window.products.set_catalog(services.catalog)
        self.flows.adopt_stock(services)
        self.set_pause_handler(services.scheduler.set_paused if services.scheduler is not None else None)
        self._show_status(status)
        self.load_history()
        self.flows.load_settings()
        if self._first_adoption:
            self._first_adoption = False
            # Start-up objects (Qt wrappers, modules, the services) live as long as the app: out of
            # the collector's sight, a full collection no longer walks them all (a 70-80 ms stall
            # of every thread, measured at 100,000 products; bench row 7).
            gc.freeze()
            if self.force_show or not (start_minimised and self.tray.is_shown()):
                self.show_window()
        self.profile_adopted.emit(services)
        if status.store_hash is not None and status.products == 0 and not services.engine.is_running():
            self.run_automatic_sync("first-sync")

    def is_idle(self) -> bool:
        """Nothing running, nothing loading: what ``--screenshot`` and the tests wait for."""
        return (
            self.services is not None
            and self.runner.is_idle()
            and not self.window.products.model.is_loading()
            and not self.window.is_syncing()
        )

    # --- syncs ------------------------------------------------------------------------------

    def request_sync(self, trigger: str) -> None:
        """A manual sync (Sync button, tray). A request during a running sync joins it."""
        services = self.services
        if services is None or self.status is None or self.status.store_hash is None:
            self.window.set_syncing(False)
            return
        logger.info("manual sync requested (%s)", trigger)
        self._start_sync(services, RunKind.MANUAL, trigger)

    def run_automatic_sync(self, trigger: str) -> None:
        services = self.services
        if services is not None:
            self._start_sync(services, RunKind.AUTOMATIC, trigger)

    def _start_sync(self, services: Services, kind: RunKind, trigger: str) -> None:
        self._requests_in_flight += 1
        self._retry_timer.stop()
        self.window.set_syncing(True)
        self.runner.run_in_background(
            lambda: services.engine.sync(kind=kind, trigger=trigger),
            on_result=lambda run: self._on_sync_succeeded(run, kind),
            on_error=lambda error: self._on_sync_failed(error, kind),
            on_finished=self._on_sync_finished,
        )

    def _on_sync_succeeded(self, run: SyncRun, kind: RunKind) -> None:
        self._retry_ms = RETRY_FIRST_MS
        self.window.clear_message()
        if kind is RunKind.MANUAL:
            if run.id not in self._notified_runs:
                self._notified_runs.add(run.id)
                self.tray.notify("Sync finished", sync_summary(run))
            self.manual_sync_finished.emit(run)

    def _on_sync_failed(self, error: BaseException, kind: RunKind) -> None:
        self.router.route(error, notify=not isinstance(error, Offline))
        if isinstance(error, Offline):
            self._schedule_retry()
        if kind is RunKind.MANUAL:
            self.manual_sync_finished.emit(error)

    def _on_sync_finished(self) -> None:
        self._requests_in_flight -= 1
        self._update_syncing()
        self.refresh_after_change()

    def _update_syncing(self) -> None:
        state = self.bridge.current_state if self.bridge is not None else SyncState.IDLE
        self.window.set_syncing(self._requests_in_flight > 0 or state is SyncState.SYNCING)

    def _on_bridge_state_changed(self, state: SyncState) -> None:
        self.tray.set_state(state, self._tray_detail())
        self._update_syncing()

    def _on_bridge_progress_changed(self, progress: SyncProgress) -> None:
        self.window.set_progress(progress)
        if progress.pages_total:
            self.tray.set_detail(f"{progress.pages_done} of {progress.pages_total} pages")

    def _on_bridge_run_finished(self, run: SyncRun) -> None:
        if self._requests_in_flight == 0:  # a sync started elsewhere (scheduler, CLI hook …)
            if run.outcome in (RunOutcome.FAILED, RunOutcome.REFUSED):
                self.router.route_failed_run(run)
            self.refresh_after_change()

    def _schedule_retry(self) -> None:
        """Offline: try again by itself, less and less often (the scheduler does, when there is one)."""
        if self.services is not None and self.services.scheduler is not None:
            return  # it saw the failed run and retries with backoff (services/scheduler.py)
        self._retry_timer.start(self._retry_ms)
        self._retry_ms = min(RETRY_MAX_MS, self._retry_ms * 2)

    def _on_retry_timer_timeout(self) -> None:
        if self.services is not None and not self.window.is_syncing():
            self.run_automatic_sync("retry")

    def _on_router_offline_detected(self) -> None:
        self.tray.set_state(SyncState.OFFLINE, self._tray_detail())

    # --- keeping the window current ---------------------------------------------------------

    def refresh_after_change(self) -> None:
        self.window.products.refresh()
        self.refresh_status()
        self.load_history()

    def refresh_status(self) -> None:
        services = self.services
        if services is not None:
            self.runner.run_in_background(services.catalog.status, on_result=self._show_status)
            if services.stock is not None:
                self.runner.run_in_background(
                    services.stock.pending_product_ids,
                    on_result=self.window.products.model.set_pending_products,
                )

    def _show_status(self, status: StatusReport) -> None:
        services = self.services
        if services is None:
            return
        self.status = status
        if status.store_hash is None:
            self.window.show_welcome()
        else:
            if not self.window.is_showing_catalog():
                self.window.show_catalog(is_demo=services.is_demo)
            self.window.set_status(status, is_demo=services.is_demo)
        self.window.settings.set_pending_changes(status.outbox)
        self.window.products.model.set_stock_policy(
            StockPolicy(mode=status.inventory_source, editing_available=self.stock_editor is not None)
        )
        self.tray.set_detail(self._tray_detail())
        self.status_refreshed.emit(status)

    def _tray_detail(self) -> str:
        status = self.status
        if status is None or status.store_hash is None:
            return "No store connected"
        name = "Demo store" if self.services and self.services.is_demo else (status.store_name or "")
        return f"{name} · {plural(status.products, 'product')}"

    def load_history(self) -> None:
        services = self.services
        if services is not None:
            self.runner.run_in_background(
                lambda: services.catalog.history(limit=HISTORY_LIMIT), on_result=self.window.history.show_runs
            )

    def _on_products_assignment_changed(self, text: str) -> None:
        self.window.set_message(text)
        self.refresh_status()

    def _on_products_stock_edit_requested(
        self, product: Product, variant: Variant | None, level: int
    ) -> None:
        editor = self.stock_editor
        if editor is None:  # the cells are read-only without it; nothing to do
            return
        self.runner.run_in_background(
            lambda: editor(product, variant, level), on_finished=self.refresh_after_change
        )

    def _on_tray_pause_toggled(self, paused: bool) -> None:
        if self.pause_handler is not None:
            self.runner.run_in_background(lambda: self.pause_handler(paused) if self.pause_handler else None)

    # --- hooks for services still to come (issues 4 and 6) ----------------------------------

    def set_stock_editor(self, editor: StockEditor | None) -> None:
        """Stock editing (issue 4): ``editor(product, variant or None, level)`` runs on a worker."""
        self.stock_editor = editor
        self.refresh_status()  # the stock policy follows

    def set_pause_handler(self, handler: Callable[[bool], object] | None) -> None:
        """Pausing automatic updates (issue 6): the tray item is enabled once a handler exists."""
        self.pause_handler = handler
        self.tray.set_pause_available(handler is not None)

    # --- windows ----------------------------------------------------------------------------

    def show_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def show_log(self) -> None:
        log_dir = self.services.log_dir if self.services else None
        if log_dir:
            LogViewer(log_dir, self.runner, self.window).open()

    def show_about(self) -> None:
        AboutDialog(self.services, self.window).open()

    def _close_to_tray(self) -> bool:
        if self.tray.is_shown() and not self._quitting:
            if not self._told_about_tray:
                self._told_about_tray = True
                self.tray.notify(
                    "Still running", "BackOrder Desktop keeps your catalog up to date from the tray."
                )
            return True
        self.quit()
        return False

    # --- quitting ---------------------------------------------------------------------------

    def quit(self) -> None:
        """Hide everything, let running work end (up to 30 s), close the profile, then ``finished``."""
        if self._quitting:
            return
        self._quitting = True
        logger.info("quitting")
        self._retry_timer.stop()
        self.tray.stop()
        self.window.hide()
        if self.runner.is_idle():
            self._close_services()
            return
        self.runner.became_idle.connect(self._close_services)
        QTimer.singleShot(QUIT_WAIT_MS, self._close_services)

    def _close_services(self) -> None:
        if self._closed:
            return
        self._closed = True
        services, self.services = self.services, None
        if self.bridge is not None:
            self.bridge.detach()
        self.window.products.set_catalog(None)  # no more table reads
        if services is None:
            self._finish_when_idle()
            return
        self.runner.run_in_background(services.close, on_finished=self._finish_when_idle)

    def _finish_when_idle(self) -> None:
        """``finished`` once no callback can reach the widgets any more."""
        if self.runner.is_idle():  # (a task's own on_finished runs after it left the count)
            QTimer.singleShot(0, self._emit_finished)
        else:
            self.runner.became_idle.connect(self._emit_finished)

    def _emit_finished(self) -> None:
        if not self._finished:
            self._finished = True
            self.finished.emit()

    def close_blocking(self, timeout_ms: int = QUIT_WAIT_MS) -> None:
        """Last resort after the event loop ended: wait for the pool, close what is still open."""
        self.runner.wait_for_threads(timeout_ms)
        if not self._closed and self.services is not None:
            self._closed = True
            self.services.close()
