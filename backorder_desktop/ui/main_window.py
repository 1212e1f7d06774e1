"""The main window: toolbar with the Sync button and progress, pages, and the status bar.

It only presents: the controller (``controller.py``) feeds it status reports and sync events, and
listens to its signals. The Sync button's tooltip shows the last *manual* sync only (DESIGN §4);
the status bar shows the last automatic update separately, labelled as such.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtGui import QCloseEvent
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSizePolicy
from PySide6.QtWidgets import QStackedWidget
from PySide6.QtWidgets import QTabWidget
from PySide6.QtWidgets import QToolBar
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.status import SyncPhase
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.profile import StatusReport
from backorder_desktop.ui import assets
from backorder_desktop.ui.formatting import MODE_STATUS
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_moment
from backorder_desktop.ui.formatting import format_time
from backorder_desktop.ui.formatting import last_automatic_text
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.formatting import sync_button_tooltip
from backorder_desktop.ui.help_menu import build_help_menu
from backorder_desktop.ui.pages.dashboard_page import DashboardPage
from backorder_desktop.ui.pages.history_page import HistoryPage
from backorder_desktop.ui.pages.orders_page import OrdersPage
from backorder_desktop.ui.pages.products_page import ProductsPage
from backorder_desktop.ui.pages.settings_page import SettingsPage
from backorder_desktop.ui.pages.welcome_page import WelcomePage
from backorder_desktop.ui.status_bar import StatusBarPanel
from backorder_desktop.ui.widgets.quota_meter import QuotaMeterBar
from backorder_desktop.ui.widgets.quota_meter import QuotaMeterFeed
from backorder_desktop.ui.workers import BackgroundRunner

APP_TITLE = "BackOrder Desktop"
DEFAULT_SIZE = (1180, 760)
MINIMUM_SIZE = (900, 600)
TOOLTIP_REFRESH_MS = 30_000
PROGRESS_INTERVAL_MS = 100
DEMO_BANNER = (
    "You are looking at <b>demo data</b>: a generated catalog served on this computer. "
    "Nothing you do here touches a real store."
)


class MainWindow(QMainWindow):
    """Pages: loading → welcome (no store) → the catalog (Dashboard, Products, Orders, History,
    Settings), opened on the Dashboard."""

    sync_clicked = Signal()
    connect_clicked = Signal()
    log_clicked = Signal()
    about_clicked = Signal()

    def __init__(self, runner: BackgroundRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(assets.app_icon())
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(*MINIMUM_SIZE)
        self.close_to_tray: Callable[[], bool] = lambda: False
        self.last_manual_sync: datetime | None = None
        self.last_automatic_sync: datetime | None = None
        self._syncing = False
        self._catalog_enabled = False
        self._build_toolbar()
        self.pages = QStackedWidget()
        self.loading_page = QLabel("Opening your catalog…")
        self.loading_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome = WelcomePage()
        self.dashboard = DashboardPage(runner)
        self.products = ProductsPage(runner)
        self.orders = OrdersPage(runner)
        self.history = HistoryPage()
        self.settings = SettingsPage()
        self.catalog_area = self._build_catalog_area()
        for page in (self.loading_page, self.welcome, self.catalog_area):
            self.pages.addWidget(page)
        self.setCentralWidget(self.pages)
        self._build_status_bar(runner)
        self._build_shortcuts()
        self._tooltip_timer = QTimer(self)
        self._tooltip_timer.setInterval(TOOLTIP_REFRESH_MS)
        self._tooltip_timer.timeout.connect(self._refresh_time_texts)
        self._tooltip_timer.start()
        self.set_last_manual_sync(None)
        self.show_loading()

    # --- building ---------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = self.toolbar = QToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(22, 22))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.sync_action = QAction(assets.icon("sync"), "Sync", self)
        self.sync_action.setObjectName("sync_action")
        self.sync_action.setShortcut("F5")
        self.sync_action.triggered.connect(self._on_sync_action_triggered)
        toolbar.addAction(self.sync_action)
        self.sync_button = toolbar.widgetForAction(self.sync_action)
        self.progress = QProgressBar()
        self.progress.setObjectName("sync_progress")
        self.progress.setMaximumWidth(260)
        self.progress.setVisible(False)
        self.progress_action = toolbar.addWidget(self.progress)
        self.progress_action.setVisible(False)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.connect_action = QAction("Store connection…", self)
        self.connect_action.setToolTip("Change the store's access token or connect again")
        self.connect_action.triggered.connect(self.connect_clicked)
        toolbar.addAction(self.connect_action)
        self.log_action = QAction("Show the log", self)
        self.log_action.triggered.connect(self.log_clicked)
        self.about_action = QAction("About BackOrder Desktop", self)
        self.about_action.triggered.connect(self.about_clicked)
        self.help_menu = build_help_menu(self, [self.log_action, self.about_action])
        help_button = self.help_button = QToolButton()
        help_button.setObjectName("help_button")
        help_button.setText("Help")
        help_button.setMenu(self.help_menu)
        help_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        toolbar.addWidget(help_button)
        self.addToolBar(toolbar)

    def _build_shortcuts(self) -> None:
        """Keys that work wherever the focus is in the window (the table's Delete is its own)."""
        self.undo_action = QAction("Undo stock edit", self)
        self.undo_action.setObjectName("undo_action")
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.undo_action.setToolTip("Set the last stock you edited back to what it was (Ctrl+Z)")
        self.undo_action.setEnabled(False)
        actions = self.products.product_actions
        self.undo_action.triggered.connect(actions.undo_last_edit)
        actions.undo_available.connect(lambda _available: self._update_undo())
        self.toolbar.insertAction(self.connect_action, self.undo_action)
        self.find_action = QAction("Find a product", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.settings_action = QAction("Settings", self)
        self.settings_action.setShortcuts(
            [QKeySequence("Ctrl+,"), QKeySequence(QKeySequence.StandardKey.Preferences)]
        )
        self.settings_action.triggered.connect(lambda: self.tabs.setCurrentWidget(self.settings))
        for action in (self.undo_action, self.find_action, self.settings_action):
            self.addAction(action)

    def _build_catalog_area(self) -> QWidget:
        area = QWidget()
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        self.demo_banner = QFrame()
        self.demo_banner.setObjectName("demo_banner")
        self.demo_banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner = QHBoxLayout(self.demo_banner)
        text = QLabel(DEMO_BANNER)
        text.setWordWrap(True)
        banner.addWidget(text, 1)
        connect = QPushButton("Connect your own store")
        connect.clicked.connect(self.connect_clicked)
        banner.addWidget(connect)
        layout.addWidget(self.demo_banner)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.dashboard, "Dashboard")  # first: the window opens on it
        self.tabs.addTab(self.products, "Products")
        self.tabs.addTab(self.orders, "Orders")
        self.tabs.addTab(self.history, "History")
        self.tabs.addTab(self.settings, "Settings")
        layout.addWidget(self.tabs)
        self.dashboard.products_requested.connect(self.open_products)
        self.dashboard.orders_requested.connect(lambda: self.tabs.setCurrentWidget(self.orders))
        return area

    def _build_status_bar(self, runner: BackgroundRunner) -> None:
        self.status_panel = panel = StatusBarPanel(self.statusBar(), self)
        details = panel.details
        # The facts the popover holds, by the names the rest of the window and the tests use.
        self.store_label = details.store_label
        self.mode_label = details.mode_label
        self.automatic_label = details.automatic_label
        self.outbox_label = details.outbox_label
        self.quota_label = details.quota_label
        self.message_label = details.message_label
        self.next_run_label = panel.next_run
        self.state_chip = panel.chip
        self.quota_meter = QuotaMeterBar()
        self.statusBar().addPermanentWidget(self.quota_meter)
        self.quota_feed = QuotaMeterFeed(runner, self.quota_meter, self)
        self.quota_feed.shown.connect(lambda _meter: self.quota_label.setText(self.quota_meter.summary()))

    # --- pages ------------------------------------------------------------------------------

    def show_loading(self, text: str = "Opening your catalog…") -> None:
        self.loading_page.setText(text)
        self.pages.setCurrentWidget(self.loading_page)
        self._set_catalog_actions(False)

    def show_welcome(self) -> None:
        self.pages.setCurrentWidget(self.welcome)
        self._set_catalog_actions(False)
        self.connect_action.setVisible(False)
        self.setWindowTitle(APP_TITLE)
        self.state_chip.setVisible(False)

    def show_catalog(self, *, is_demo: bool) -> None:
        self.pages.setCurrentWidget(self.catalog_area)
        self.demo_banner.setVisible(is_demo)
        self.connect_action.setVisible(not is_demo)  # the demo banner has its own button
        self.state_chip.setVisible(True)
        self._set_catalog_actions(True)

    def is_showing_catalog(self) -> bool:
        return self.pages.currentWidget() is self.catalog_area

    def _set_catalog_actions(self, enabled: bool) -> None:
        self._catalog_enabled = enabled
        self.sync_action.setEnabled(enabled and not self._syncing)
        for action in (self.find_action, self.settings_action):
            action.setEnabled(enabled)
        self._update_undo()

    def _update_undo(self) -> None:
        self.undo_action.setEnabled(self._catalog_enabled and self.products.product_actions.can_undo())

    def watch_profile(self, profile: Profile | None) -> None:
        """The dashboard and the quota meter follow ``profile`` (read on workers); None: no more reads."""
        self._watched = profile
        self.dashboard.set_profile(profile)
        self.quota_feed.set_profile(profile)

    def refresh_overview(self, profile: Profile | None) -> None:
        """After a sync or a change (the status was read): the dashboard's figures and the quota of
        ``profile``, the open one, read again."""
        if profile is not self._watched:
            self.watch_profile(profile)
            return
        self.dashboard.refresh()
        self.quota_feed.refresh()

    _watched: Profile | None = None

    def open_products(self, filters: tuple[str, ...]) -> None:
        """The Products tab listing only what ``filters`` (its filter names) select."""
        self.products.show_only(*filters)
        self.tabs.setCurrentWidget(self.products)

    def _on_find_action_triggered(self) -> None:
        self.tabs.setCurrentWidget(self.products)
        self.products.focus_search()

    # --- sync -------------------------------------------------------------------------------

    def _on_sync_action_triggered(self) -> None:
        if self._syncing:  # never a second sync from the button
            return
        self.set_syncing(True)
        self.sync_clicked.emit()

    def set_syncing(self, syncing: bool) -> None:
        self._syncing = syncing
        self.sync_action.setEnabled(self._catalog_enabled and not syncing)
        self.sync_action.setText("Syncing…" if syncing else "Sync")
        self.status_panel.set_syncing(syncing)
        self.quota_feed.set_syncing(syncing)
        if not syncing:
            self.progress_action.setVisible(False)
            self.progress.setVisible(False)

    def is_syncing(self) -> bool:
        return self._syncing

    def set_progress(self, progress: SyncProgress) -> None:
        """Pages done out of pages known; a count of products while verifying.

        Shown at most every 100 ms: a progress bar repaints at once on each value, and a fast
        full pull reports many pages a second (bench row 7: part of the GUI-thread stalls)."""
        self._latest_progress = progress
        if self._progress_timer is None:
            self._progress_timer = QTimer(self)
            self._progress_timer.setSingleShot(True)
            self._progress_timer.setInterval(PROGRESS_INTERVAL_MS)
            self._progress_timer.timeout.connect(self._on_progress_timer_timeout)
        if not self._progress_timer.isActive():
            self._show_progress(progress)
            self._progress_timer.start()

    def _on_progress_timer_timeout(self) -> None:
        latest = self._latest_progress
        if self._syncing and latest is not None and latest is not self._shown_progress:
            self._show_progress(latest)

    def _show_progress(self, progress: SyncProgress) -> None:
        self._shown_progress = progress
        self.progress_action.setVisible(True)
        self.progress.setVisible(True)
        if progress.phase is SyncPhase.VERIFYING or progress.pages_total <= 0:
            self.progress.setRange(0, 0)
            self.progress.setFormat(f"Checking · {plural(progress.products_seen, 'product')}")
            return
        self.progress.setRange(0, progress.pages_total)
        self.progress.setValue(min(progress.pages_done, progress.pages_total))
        done, total = format_count(progress.pages_done), format_count(progress.pages_total)
        self.progress.setFormat(f"{done} of {total} pages")

    _latest_progress: SyncProgress | None = None
    _shown_progress: SyncProgress | None = None
    _progress_timer: QTimer | None = None

    def set_last_manual_sync(self, moment: datetime | None) -> None:
        self.last_manual_sync = moment
        self._refresh_time_texts()

    def sync_tooltip(self) -> str:
        return self.sync_action.toolTip()

    def _refresh_time_texts(self) -> None:
        now = datetime.now(UTC)
        text = sync_button_tooltip(self.last_manual_sync, now)
        self.sync_action.setToolTip(text)
        if isinstance(self.sync_button, QToolButton):
            self.sync_button.setToolTip(text)
        self.status_panel.details.manual_label.setText(text)
        if self.is_showing_catalog():
            self.automatic_label.setText(last_automatic_text(self.last_automatic_sync, now))
        self._show_next_run(now)

    # --- status bar -------------------------------------------------------------------------

    def set_status(self, report: StatusReport, *, is_demo: bool) -> None:
        store = "Demo store" if is_demo else (report.store_name or report.store_hash or "No store")
        self.setWindowTitle(f"{store} — {APP_TITLE}")
        self.store_label.setText(f"{store} · {plural(report.products, 'product')}")
        self.mode_label.setText(MODE_STATUS[report.inventory_source])
        self.status_panel.set_token_source(report.token_source)
        team = report.team
        self.status_panel.set_team(
            team.leader if team else None, bool(team and team.this_desktop_leads), in_team=team is not None
        )
        self.last_automatic_sync = report.last_automatic_sync
        synced = report.last_automatic_sync is not None or report.last_manual_sync is not None
        self.status_panel.set_synced_once(synced)
        self.set_outbox(report.outbox)
        self.set_owed(report.backordered_units, report.orders_waiting)
        self.set_next_run(report.next_scheduled_run, report.next_scheduled_job)
        self.set_last_manual_sync(report.last_manual_sync)

    def set_sync_state(self, state: SyncState) -> None:
        """What the engine last said (idle, offline, a problem): the chip's first words."""
        self.status_panel.set_state(state)

    def set_next_run(self, moment: datetime | None, job: str | None) -> None:
        """``Next: <what> at <time>`` from the scheduler's next job; hidden when nothing is due."""
        self._next_run = (moment, job)
        self._show_next_run(datetime.now(UTC))

    def _show_next_run(self, now: datetime) -> None:
        moment, job = self._next_run
        if moment is None:
            self.status_panel.set_next_run("", "")
            return
        what = job or "automatic update"
        when = format_moment(moment, now)
        self.status_panel.set_next_run(f"Next: {what} at {when}", f"Next: {format_time(moment)}")

    _next_run: tuple[datetime | None, str | None] = (None, None)

    def set_outbox(self, count: int) -> None:
        self.outbox_label.setText(f"{plural(count, 'change')} waiting" if count else "No changes waiting")
        self.status_panel.set_waiting(count)

    def set_owed(self, units: int, orders: int) -> None:
        """Units sold on backorder and the orders waiting for them: in the status bar when any,
        and on the Orders tab."""
        self.status_panel.set_owed(units, orders)
        self.orders.set_waiting_total(orders)
        index = self.tabs.indexOf(self.orders)
        self.tabs.setTabText(index, f"Orders ({format_count(orders)})" if orders else "Orders")

    def set_quota(self, left: int | None, total: int | None) -> None:
        """The store's API quota left, when the client has seen it (not shown until then)."""
        if left is None:
            self.quota_label.setText("")
            return
        of_total = f" of {format_count(total)}" if total else ""
        self.quota_label.setText(f"API quota left: {format_count(left)}{of_total}")

    def set_message(self, text: str, *, problem: bool = False) -> None:
        """A lasting message until the next one or ``clear_message``. A ``problem`` (offline, rate
        limited …) also ends with the next successful sync (``clear_problem``)."""
        self._message_is_problem = problem and bool(text)
        self.status_panel.set_message(text)

    def clear_message(self) -> None:
        self.set_message("")

    def clear_problem(self) -> None:
        """A sync succeeded: a problem it reported is over; other messages stay."""
        if self._message_is_problem:
            self.clear_message()

    _message_is_problem = False

    # --- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_to_tray():
            self.hide()
            event.ignore()
            return
        event.accept()
