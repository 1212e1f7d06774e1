"""The window's controller: opens profiles, runs syncs, feeds the window and the tray, quits cleanly.

Every action is one call on the open ``Profile`` (the facade the command line uses too), run on a
worker through ``BackgroundRunner``; the controller only presents what it returns. Engine events
arrive through ``EventBridge``; errors go to ``ErrorRouter``; connecting a store, a conversation of
several steps, is ``ConnectFlow``; the syncs the window starts are ``SyncRuns``.

Notifications: the sync child records its own, which never reach this process's event hub, so
after every change the window hears of (a run's end, a webhook's order) and on the hub's
``notified`` the controller takes the ones not shown yet (``Profile.notifications_to_show``, which
remembers the newest shown in the profile: once each, across restarts) and shows them from the
tray, or in the status bar when there is no tray.

Start-up: the first paint reads the database alone (the Dashboard's figures, the table's first
rows and count). The tray, the launcher's ``start_background`` (the integrity check, the schedule,
webhooks), a first sync and the other pages' reads follow it (``FirstPaintGate``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from collections.abc import Mapping

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal

from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.notifications import Notification
from backorder_desktop.domain.notifications import NotificationKind
from backorder_desktop.domain.product_writes import BACKORDER_METHOD
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.domain.status import SyncState
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.domain.stock_policy import StockPolicy
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.profile import StatusReport
from backorder_desktop.ui import collector
from backorder_desktop.ui.connect_flow import ConnectFlow
from backorder_desktop.ui.connect_flow import Launcher
from backorder_desktop.ui.connect_flow import Opened
from backorder_desktop.ui.connect_flow import StartsBackground
from backorder_desktop.ui.connect_flow import open_and_read
from backorder_desktop.ui.error_router import ErrorRouter
from backorder_desktop.ui.first_paint import FirstPaintGate
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.main_window import MainWindow
from backorder_desktop.ui.qt_bridge import EventBridge
from backorder_desktop.ui.status_bar import NOTIFICATIONS_LISTED
from backorder_desktop.ui.stock_files import StockFileFlow
from backorder_desktop.ui.sync_runs import SyncRuns
from backorder_desktop.ui.team_flow import TeamFlow
from backorder_desktop.ui.tray import TrayIcon
from backorder_desktop.ui.workers import BackgroundRunner

logger = logging.getLogger(__name__)

QUIT_WAIT_MS = 30_000
# What another desktop of a team changed that the products table shows.
TEAM_TABLE_KINDS = frozenset({"products", "ledger", "rules", "outbox", "settings"})
HISTORY_LIMIT = 200
TRAY_DETAIL_EVERY_S = 1.0  # the tray's "n of m pages": a fast pull reports several pages a second
NOTIFICATIONS_NAMED = 3  # several new at once are one message naming the first few


class AppController(QObject):
    """Owns the window, the tray and the open profile."""

    profile_adopted = Signal(object)  # Profile
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
        self.router.notifier = self._notify_failed_sync
        self._settings: Settings | None = None
        self.profile: Profile | None = None
        self.bridge: EventBridge | None = None
        self.status: StatusReport | None = None
        self._first_adoption = True
        self.force_show = False  # --screenshot: show even when set to start minimised
        self._quitting = False
        self._closed = False
        self._finished = False
        self._told_about_tray = False
        self._tray_started = False
        self._tray_detail_at = 0.0
        self.first_paint: FirstPaintGate | None = None
        self.flows = ConnectFlow(self)
        self.stock_files = StockFileFlow(self)
        self.team_flow = TeamFlow(self)
        self.syncs = SyncRuns(self)
        self._wire()

    def _wire(self) -> None:
        window, tray, router = self.window, self.tray, self.router
        window.sync_clicked.connect(lambda: self.request_sync(RunTrigger.BUTTON))
        window.connect_clicked.connect(self.flows.connect_store)
        window.log_clicked.connect(self.show_log)
        window.about_clicked.connect(self.show_about)
        window.close_to_tray = self._close_to_tray
        window.welcome.connect_requested.connect(self.flows.connect_store)
        window.welcome.demo_requested.connect(self.open_demo)
        window.products.product_actions.message_posted.connect(window.set_message)
        window.products.product_actions.changed.connect(self.refresh_after_change)
        window.products.stock_history_requested.connect(self.show_stock_history)
        window.history.refresh_requested.connect(self.load_history)
        window.settings.save_requested.connect(self.save_settings)
        window.settings.method_preview_requested.connect(self.preview_method_switch)
        tray.sync_requested.connect(lambda: self.request_sync(RunTrigger.TRAY))
        tray.open_requested.connect(self.show_window)
        tray.quit_requested.connect(self.quit)
        tray.pause_toggled.connect(self._on_tray_pause_toggled)
        router.status_posted.connect(lambda text: window.set_message(text, problem=True))
        router.reconnect_requested.connect(self.flows.reconnect)
        router.offline_detected.connect(self._on_router_offline_detected)
        window.status_panel.details.mark_read_button.clicked.connect(self.mark_notifications_read)
        # The dashboard and the quota meter read again whenever the status does (syncs, changes).
        self.status_refreshed.connect(lambda _status: window.refresh_overview(self.profile))

    # --- starting and profiles --------------------------------------------------------------

    def start(self, *, start_demo: bool = False) -> None:
        """Open the profile (or a demo store) on a worker, then show the window; the tray and the
        rest follow its first paint."""
        self.window.show_loading("Starting the demo store…" if start_demo else "Opening your catalog…")
        self.open_profile(demo=start_demo)

    def open_profile(self, *, demo: bool) -> None:
        opener = self.launcher.open_demo if demo else self.launcher.open_profile
        self.runner.run_in_background(
            lambda: open_and_read(opener), on_result=self._on_opened, on_error=self._on_open_failed
        )

    def open_demo(self) -> None:
        """Welcome page → "Try it with a demo store"."""
        self.window.welcome.set_busy("Starting the demo store…")
        self.open_profile(demo=True)

    def _on_opened(self, opened: Opened) -> None:
        profile, status, settings = opened
        self.window.welcome.set_busy("")
        self.adopt(profile, status, settings.start_minimised)

    def _on_open_failed(self, error: BaseException) -> None:
        self.window.welcome.set_busy("")
        self.router.route(error)
        if self.profile is None:  # nothing open: offer the welcome page's choices again
            self.window.show_welcome()
            self.show_window()
            self._start_tray()

    def adopt(self, profile: Profile, status: StatusReport, start_minimised: bool) -> None:
        """Make ``profile`` the open profile (closing the previous one) and show it."""
        previous = self.profile
        if self.bridge is not None:
            self.bridge.detach()
            self.bridge.deleteLater()
        if previous is not None and previous is not profile:
            self.runner.run_after_current(previous.close)  # reads of it may still run
        self.profile = profile
        self.router.log_dir = profile.info.log_dir
        self.bridge = EventBridge(profile.events, self)
        self.bridge.state_changed.connect(self._on_bridge_state_changed)
        self.bridge.progress_changed.connect(self._on_bridge_progress_changed)
        self.bridge.run_finished.connect(self._on_bridge_run_finished)
        self.bridge.orders_changed.connect(self._on_bridge_orders_changed)
        self.bridge.team_changed.connect(self._on_bridge_team_changed)
        self.bridge.notified.connect(lambda _told: self.show_new_notifications())
        self.window.set_sync_state(self.bridge.current_state)
        self.window.products.set_profile(profile)
        self.window.products.variants.set_history_available(True)
        self.tray.set_pause_available(True)
        self._show_status(status)
        if self._first_adoption:
            self._first_adoption = False
            self._show_first(profile, status, start_minimised=start_minimised and not self.force_show)
        else:
            self._start_rest(profile, status)
        self.profile_adopted.emit(profile)

    def _show_first(self, profile: Profile, status: StatusReport, *, start_minimised: bool) -> None:
        """Show the window (or only the tray when set to start minimised) and start the rest
        once its first screen is painted."""
        if start_minimised:
            self._start_tray()
        if not (start_minimised and self.tray.is_shown()):
            self.show_window()
        window = self.window
        model = window.products.model

        def painted() -> bool:
            if self.status is None or self.status.store_hash is None:
                return True  # the welcome page reads nothing
            return model.has_answered() and not model.is_loading() and window.dashboard.dashboard is not None

        self.first_paint = FirstPaintGate(
            painted,
            [model.loading_changed, window.dashboard.shown],
            lambda: self._after_first_paint(profile, status),
            self,
        )

    def _after_first_paint(self, profile: Profile, status: StatusReport) -> None:
        collector.settle()  # start-up objects live as long as the app
        self._start_tray()
        self.window.dashboard.build_chart()  # QtCharts is no part of the first paint
        if profile is self.profile:
            self._start_rest(profile, status)

    def _start_tray(self) -> None:
        if not self._tray_started:
            self._tray_started = True
            self.tray.start()

    def _start_rest(self, profile: Profile, status: StatusReport) -> None:
        """What the first paint did not need: the other pages' reads, the launcher's background
        start (integrity check, schedule, webhooks) and a first sync."""
        self.window.orders.set_profile(profile)
        self.load_history()
        self.load_settings()
        self.show_new_notifications()  # what was told while the window was closed
        self.runner.run_in_background(profile.start_warnings, on_result=self._show_start_warnings)
        launcher = self.launcher
        if isinstance(launcher, StartsBackground):
            self.runner.run_in_background(
                lambda: launcher.start_background(profile), on_error=self.router.route
            )
        if status.store_hash is not None and status.products == 0 and not profile.is_syncing():
            self.run_automatic_sync(RunTrigger.FIRST_SYNC)

    def _show_start_warnings(self, warnings: list[UserFacingError]) -> None:
        if warnings:
            self.window.set_message(warnings[0].message)

    def is_idle(self) -> bool:
        """Nothing running, nothing loading: what ``--screenshot`` and the tests wait for."""
        return (
            self.profile is not None
            and (self.first_paint is None or not self.first_paint.is_waiting())
            and self.runner.is_idle()
            and not self.window.products.model.is_loading()
            and not self.window.is_syncing()
        )

    # --- syncs ------------------------------------------------------------------------------

    def request_sync(self, trigger: RunTrigger) -> None:
        """A manual sync (Sync button, tray). A request during a running sync joins it."""
        self.syncs.request_sync(trigger)

    def run_automatic_sync(self, trigger: RunTrigger) -> None:
        self.syncs.run_automatic_sync(trigger)

    def _on_bridge_state_changed(self, state: SyncState) -> None:
        self.tray.set_state(state, self._tray_detail())
        self.window.set_sync_state(state)
        self.syncs.update_syncing()

    def _on_bridge_progress_changed(self, progress: SyncProgress) -> None:
        self.window.set_progress(progress)
        self.window.products.set_sync_progress(progress)
        now = time.monotonic()
        if progress.pages_total and now - self._tray_detail_at >= TRAY_DETAIL_EVERY_S:
            self._tray_detail_at = now
            self.tray.set_detail(f"{progress.pages_done} of {progress.pages_total} pages")

    def _on_bridge_run_finished(self, run: SyncRun) -> None:
        # Whoever started it (the scheduler's retry too): a sync that went through ends the
        # problem the bar shows, or "Offline" stayed there after the network came back.
        if run.outcome in (RunOutcome.OK, RunOutcome.PARTIAL):
            self.window.clear_problem()
        if self.syncs.requests_in_flight == 0:  # a sync started elsewhere (scheduler, CLI hook …)
            if run.outcome in (RunOutcome.FAILED, RunOutcome.REFUSED):
                self.router.route_failed_run(run)
            self.refresh_after_change()

    def _on_bridge_orders_changed(self, _count: object) -> None:
        # A webhook's order counted between syncs: what is owed and who waits may have moved.
        self.refresh_after_change()

    def _on_bridge_team_changed(self, kinds: frozenset[str]) -> None:
        # Another desktop of the team (or the leader's sync) wrote these kinds: refresh what shows them.
        if kinds & TEAM_TABLE_KINDS:
            self.window.products.refresh()
        if kinds & {"orders", "ledger"}:
            self.window.orders.refresh()
        if "runs" in kinds:
            self.load_history()
        self.refresh_status()  # the counts, the dashboard and who leads

    def _on_router_offline_detected(self) -> None:
        self.tray.set_state(SyncState.OFFLINE, self._tray_detail())
        self.window.set_sync_state(SyncState.OFFLINE)

    # --- keeping the window current ---------------------------------------------------------

    def refresh_after_change(self) -> None:
        self.window.products.refresh()
        self.window.orders.refresh()
        self.refresh_status()
        self.load_history()
        self.show_new_notifications()

    def refresh_status(self) -> None:
        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(profile.status, on_result=self._show_status)
            self.runner.run_in_background(
                profile.pending_product_ids, on_result=self.window.products.model.set_pending_products
            )

    def _show_status(self, status: StatusReport) -> None:
        profile = self.profile
        if profile is None:
            return
        self.status = status
        if status.store_hash is None:
            self.window.show_welcome()
        else:
            if not self.window.is_showing_catalog():
                self.window.show_catalog(is_demo=profile.info.is_demo)
            self.window.set_status(status, is_demo=profile.info.is_demo)
        self.window.settings.set_pending_changes(status.outbox)
        self.window.products.model.set_stock_policy(
            StockPolicy(mode=status.inventory_source, editing_available=True)
        )
        self.tray.set_detail(self._tray_detail())
        self.status_refreshed.emit(status)

    def _tray_detail(self) -> str:
        status = self.status
        if status is None or status.store_hash is None:
            return "No store connected"
        name = "Demo store" if self.profile and self.profile.info.is_demo else (status.store_name or "")
        return f"{name} · {plural(status.products, 'product')}"

    def load_history(self) -> None:
        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(
                lambda: (profile.history(limit=HISTORY_LIMIT), profile.sync_timeline()),
                on_result=lambda loaded: self.window.history.show_runs(*loaded),
            )

    # --- notifications ----------------------------------------------------------------------

    def show_new_notifications(self) -> None:
        """Show the notifications not shown yet (read on a worker), then list the latest."""
        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(profile.notifications_to_show, on_result=self._tell)

    def _tell(self, new: list[Notification]) -> None:
        # A failed sync was told already by the error router, in the window's words.
        told = [n for n in new if n.kind is not NotificationKind.SYNC_FAILED]
        if told:
            title, text, problem = _notification_message(told)
            where = "tray" if self.tray.notify(title, text, problem) else "status bar"
            if where == "status bar":
                self.window.set_message(f"{title} · {text}")
            for notification in told:
                logger.info("notification shown (%s): %s", where, notification.title)
        self.load_notifications()

    def load_notifications(self) -> None:
        """The status popover's list: the latest few, and how many are unread."""
        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(
                lambda: (
                    profile.notifications(limit=NOTIFICATIONS_LISTED),
                    profile.notifications(unread_only=True),
                ),
                on_result=lambda lists: self.window.status_panel.details.show_notifications(
                    lists[0], len(lists[1])
                ),
            )

    def mark_notifications_read(self) -> None:
        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(
                profile.mark_notifications_read, on_result=lambda _n: self.load_notifications()
            )

    def _notify_failed_sync(self, title: str, message: str, problem: bool) -> bool:
        """The error router's tray messages (failed syncs), unless that kind is switched off."""
        if self._settings is not None and not self._settings.notify_sync_failed:
            return False
        return self.tray.notify(title, message, problem)

    # --- settings ---------------------------------------------------------------------------

    def load_settings(self) -> None:
        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(profile.settings, on_result=self._show_settings)

    def _show_settings(self, settings: Settings) -> None:
        self._settings = settings
        self.window.settings.show_settings(settings)

    def save_settings(
        self, changes: Mapping[str, str], outbox: OutboxChoice | None, feed_credential: str | None = None
    ) -> None:
        """Save the changed settings (and a new feed credential, to the keyring); a new inventory
        source says what to do with waiting changes."""
        profile = self.profile
        if profile is None:
            return
        page = self.window.settings
        page.set_status("Saving…")

        def saved(settings: Settings) -> None:
            self._show_settings(settings)
            page.set_status("Saved.")
            self.refresh_after_change()

        def failed(error: BaseException) -> None:
            page.set_status("Not saved.")
            self.router.route(error)
            self.load_settings()

        self.runner.run_in_background(
            lambda: profile.save_settings(changes, outbox=outbox, feed_credential=feed_credential),
            on_result=saved,
            on_error=failed,
        )

    def preview_method_switch(self, changes: Mapping[str, str]) -> None:
        """Read what switching the backorder method would move, for the page to ask about."""
        profile = self.profile
        if profile is None:
            return
        page = self.window.settings
        method = changes[BACKORDER_METHOD]
        self.runner.run_in_background(
            lambda: profile.preview_backorder_method(method),
            on_result=lambda switch: page.ask_method_switch(switch, dict(changes)),
            on_error=self.router.route,
        )

    def show_stock_history(self, product: Product) -> None:
        from backorder_desktop.ui.dialogs.stock_history_dialog import StockHistoryDialog  # QtCharts

        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(
                lambda: profile.stock_history(product.id),
                on_result=lambda entries: StockHistoryDialog(
                    product, entries, self.window, profile=profile, runner=self.runner
                ).open(),
            )

    def _on_tray_pause_toggled(self, paused: bool) -> None:
        profile = self.profile
        if profile is not None:
            self.runner.run_in_background(lambda: profile.set_paused(paused))

    # --- windows ----------------------------------------------------------------------------

    def show_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def show_log(self) -> None:
        from backorder_desktop.ui.dialogs.log_viewer import LogViewer  # dialogs load when first opened

        if self.profile is not None:
            LogViewer(self.profile.info.log_dir, self.runner, self.window).open()

    def show_about(self) -> None:
        from backorder_desktop.ui.dialogs.about_dialog import AboutDialog

        info = self.profile.info if self.profile is not None else None
        backend = self.status.keyring_backend if self.status is not None else None
        AboutDialog(info, backend, self.window).open()

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
        profile, self.profile = self.profile, None
        if self.bridge is not None:
            self.bridge.detach()
        self.window.products.set_profile(None)  # no more table reads
        self.window.orders.set_profile(None)
        self.window.watch_profile(None)
        if profile is None:
            self._finish_when_idle()
            return
        self.runner.run_in_background(profile.close, on_finished=self._finish_when_idle)

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
        if not self._closed and self.profile is not None:
            self._closed = True
            self.profile.close()


def _notification_message(told: list[Notification]) -> tuple[str, str, bool]:
    """One tray message for what is new: a single one as it is; several as their count with the
    first few titles (a desktop shows one message at a time: a second would hide the first)."""
    problem = any(n.kind.is_problem for n in told)
    if len(told) == 1:
        return told[0].title, told[0].text, problem
    named = [n.title for n in told[:NOTIFICATIONS_NAMED]]
    more = len(told) - len(named)
    text = "\n".join(named) + (f"\nand {more} more" if more else "")
    return f"{plural(len(told), 'new notification')}", text + "\nThe status bar's details list them.", problem
